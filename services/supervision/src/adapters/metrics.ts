import { meter } from "@kuayu/telemetry";
import { overdue, type LedgerEntry } from "../domain/ledger.js";
import type { Store } from "./store.js";

// The supervision service's own metrics (docs/operations.md, "Metrics and alerts"): real filings
// only (drills are left out), by the jurisdiction court's province.

let counters: { arrived: ReturnType<ReturnType<typeof meter>["createCounter"]>; responses: ReturnType<ReturnType<typeof meter>["createCounter"]> } | undefined;

/**
 * Counts what a ledger write has just counted once (its counter contributions "arrival" and
 * "response"): kuayu_supervision_filings_arrived_total{province} (filing throughput) and
 * kuayu_supervision_responses_total{province, within_30_minutes} ("false": a 30-minute SLA breach).
 */
export function countContributions(entry: LedgerEntry, names: string[]): void {
  if (entry.drill) return;
  counters ??= {
    arrived: meter().createCounter("kuayu_supervision_filings_arrived_total", { description: "Filings that arrived at their jurisdiction court (routed, first round)" }),
    responses: meter().createCounter("kuayu_supervision_responses_total", {
      description: "First responses of jurisdiction courts; within_30_minutes=false: later than 30 working minutes after arrival (an SLA breach)",
    }),
  };
  if (names.includes("arrival")) counters.arrived.add(1, { province: entry.province });
  if (names.includes("response") && entry.responseWorkingMinutes !== undefined) {
    counters.responses.add(1, { province: entry.province, within_30_minutes: String(entry.responseWorkingMinutes <= 30) });
  }
}

/**
 * kuayu_supervision_overdue_filings{for}: open real filings whose response ("response": no response
 * within the 30 working minutes) or decision deadline has passed, read from the open filings at each
 * scrape. Every replica reports the same numbers: aggregate with max().
 */
let watched: Store | undefined;
let overdueGauge = false;
export function watchOverdue(store: Store): { stop(): void } {
  watched = store;
  if (!overdueGauge) {
    overdueGauge = true;
    meter()
      .createObservableGauge("kuayu_supervision_overdue_filings", { description: "Open filings past their response (30 working minutes) or decision deadline, now" })
      .addCallback(async (r) => {
        if (!watched) return;
        const open = (await watched.open.find({ drill: false }).toArray()) as LedgerEntry[];
        const now = new Date();
        const count = { response: 0, decision: 0 };
        for (const e of open) {
          const o = overdue(e, now);
          if (o) count[o.for]++;
        }
        for (const [f, n] of Object.entries(count)) r.observe(n, { for: f });
      });
  }
  return {
    stop: () => {
      if (watched === store) watched = undefined;
    },
  };
}
