// The drill's journal: one JSON line per event, appended as it happens, so that a drill cut short
// (the runner killed, the machine stopped) can be resumed where it stopped with `--resume`, and its
// report still covers every filing of the plan. Lines:
//   {"plan": {...}, "campaign": "..."}   first line: which plan (a resumed run must have the same)
//   {"segment": <epoch ms>}              a run (first or resumed) started
//   {"s": "<key>"}                       a filing was started (written before its first call)
//   {"o": {...}, "at": <epoch ms>}       a filing's outcome
//   {"end": <epoch ms>}                  the run ended normally
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import type { DrillPlan } from "./plan.js";
import type { FilingOutcome } from "./report.js";

export interface PlanStamp {
  seed: number;
  planned: number;
  /** SHA-256 of the planned keys, actions and jurisdiction courts, in order. */
  fingerprint: string;
}

export interface Segment {
  startedAt: number;
  /** The normal end, or else the last thing written in it (a killed run writes no end). */
  endedAt: number;
}

export interface JournalState {
  plan: PlanStamp;
  campaign?: string;
  segments: Segment[];
  /** Started, by plan key. */
  started: Set<string>;
  /** Outcomes by plan key (the planned filing itself comes from the plan). */
  outcomes: Map<string, Omit<FilingOutcome, "filing">>;
}

export class JournalError extends Error {}

export function planStamp(plan: DrillPlan): PlanStamp {
  const h = createHash("sha256");
  for (const f of plan.filings) h.update(`${f.key}|${f.action}|${f.to.id}\n`);
  return { seed: plan.seed, planned: plan.filings.length, fingerprint: h.digest("hex") };
}

/** Reads a journal and checks that it is of this plan. A torn last line (a kill mid-write) is ignored. */
export function readJournal(file: string, plan: DrillPlan): JournalState {
  if (!existsSync(file)) throw new JournalError(`no journal at ${file}`);
  const lines = readFileSync(file, "utf8").split("\n");
  const state: JournalState = { plan: { seed: 0, planned: 0, fingerprint: "" }, segments: [], started: new Set(), outcomes: new Map() };
  let header = false;
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let x: Record<string, unknown>;
    try {
      x = JSON.parse(line) as Record<string, unknown>;
    } catch {
      if (i >= lines.length - 2) return; // the torn tail of a killed run
      throw new JournalError(`${file}:${i + 1}: not a journal line`);
    }
    const seg = state.segments.at(-1);
    if (x.plan) {
      state.plan = x.plan as PlanStamp;
      if (typeof x.campaign === "string") state.campaign = x.campaign;
      header = true;
    } else if (typeof x.segment === "number") state.segments.push({ startedAt: x.segment, endedAt: x.segment });
    else if (typeof x.s === "string") state.started.add(x.s);
    else if (x.o) {
      const { key, ...outcome } = x.o as { key: string } & Omit<FilingOutcome, "filing">;
      state.outcomes.set(key, outcome);
      if (seg && typeof x.at === "number") seg.endedAt = Math.max(seg.endedAt, x.at);
    } else if (typeof x.end === "number" && seg) seg.endedAt = x.end;
  });
  if (!header) throw new JournalError(`${file} has no plan line; is it a drill journal?`);
  const want = planStamp(plan);
  if (state.plan.fingerprint !== want.fingerprint) {
    throw new JournalError(
      `${file} is the journal of another plan (seed ${state.plan.seed}, ${state.plan.planned} filings; this plan: seed ${want.seed}, ${want.planned}); resume with the same options`,
    );
  }
  return state;
}

/** Appends lines; each write reaches the file before the call returns (a killed process loses none). */
export function journalWriter(file: string) {
  const write = (x: unknown) => appendFileSync(file, `${JSON.stringify(x)}\n`);
  return {
    header: (plan: PlanStamp, campaign: string | undefined) => write({ plan, ...(campaign ? { campaign } : {}) }),
    segment: (at: number) => write({ segment: at }),
    started: (key: string) => write({ s: key }),
    outcome: (o: FilingOutcome) => {
      const { filing, ...rest } = o;
      write({ o: { key: filing.key, ...rest }, at: Date.now() });
    },
    end: (at: number) => write({ end: at }),
  };
}
