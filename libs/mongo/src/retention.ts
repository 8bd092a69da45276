import { metrics } from "@opentelemetry/api";
import { RetentionReport, untilNextRun, type RetentionCount, type RetentionSchedule, type RetentionStep } from "@kuayu/domain";
import type { Logger } from "@kuayu/logger";

// Retention (docs/security.md "Retention"): running a service's steps — the run with its progress
// and metrics, the daily timer, the command. The schedule, the decisions' helpers and the report are
// pure (@kuayu/domain retention.ts); what a service keeps, and how it anonymises or deletes it, is in
// the service (domain/retention.ts and its store adapter).

export interface RetentionResult {
  service: string;
  now: string;
  dryRun: boolean;
  counts: RetentionCount[];
  total: number;
}

/**
 * Runs the steps in order, logging each step's counts as it ends (progress); a step that fails stops
 * the run (what earlier steps did stays done; every step is safe to run again).
 */
export async function runRetention(service: string, steps: RetentionStep[], opts: { now: Date; schedule: RetentionSchedule; dryRun: boolean; log: Logger }): Promise<RetentionResult> {
  const meter = metrics.getMeter("kuayu");
  const runs = meter.createCounter("kuayu_retention_runs_total", { description: "Retention runs (not dry runs), by result: alert on failed ones" });
  const changed = meter.createCounter("kuayu_retention_documents_total", { description: "Documents retention anonymised or deleted, by collection, rule and action" });
  const report = new RetentionReport();
  const ctx = { now: opts.now, schedule: opts.schedule, dryRun: opts.dryRun, report };
  opts.log.info({ service, now: opts.now.toISOString(), dryRun: opts.dryRun, schedule: opts.schedule }, "retention run started");
  try {
    for (const [i, step] of steps.entries()) {
      const before = report.total;
      await step.run(ctx);
      opts.log.info({ step: step.name, done: i + 1, of: steps.length, changed: report.total - before, dryRun: opts.dryRun }, "retention step finished");
    }
  } catch (err) {
    if (!opts.dryRun) runs.add(1, { service, result: "failed" });
    throw err;
  } finally {
    if (!opts.dryRun) for (const c of report.rows()) changed.add(c.count, { service, collection: c.collection, rule: c.rule, action: c.action });
  }
  if (!opts.dryRun) runs.add(1, { service, result: "ok" });
  const result = { service, now: opts.now.toISOString(), dryRun: opts.dryRun, counts: report.rows(), total: report.total };
  opts.log.info({ counts: result.counts, total: result.total, dryRun: opts.dryRun }, "retention run finished");
  return result;
}

/** The report as lines for a terminal: one per collection and rule. */
export function formatRetention(r: RetentionResult): string {
  const head = `${r.service} retention ${r.dryRun ? "(dry run: nothing changed) " : ""}as of ${r.now}`;
  const lines = r.counts.map(
    (c) => `  ${c.collection.padEnd(22)} ${c.rule.padEnd(26)} ${(r.dryRun ? `would ${c.action}` : c.action === "anonymise" ? "anonymised" : "deleted").padEnd(16)} ${c.count}`,
  );
  return [head, ...(lines.length > 0 ? lines : ["  nothing is due"]), `  total ${r.total}`].join("\n") + "\n";
}

export interface RetentionTimer {
  stop(): Promise<void>;
}

/**
 * Runs `run` every day at `hour`:00 China time (RETENTION_HOUR), never two at once; a failed run is
 * logged and tried again the next day. Replicas each run it: every step is safe to repeat.
 */
export function startRetentionTimer(opts: { enabled: boolean; hour: number; run: () => Promise<unknown>; log: Logger }): RetentionTimer {
  if (!opts.enabled) {
    opts.log.info("retention disabled (RETENTION_ENABLED=false): nothing is anonymised or deleted on schedule");
    return { stop: async () => undefined };
  }
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(
      () => {
        running = opts
          .run()
          .catch((err: unknown) => opts.log.error({ err }, "retention run failed; it runs again tomorrow"))
          .finally(() => {
            running = undefined;
            schedule();
          });
      },
      untilNextRun(new Date(), opts.hour),
    );
    timer.unref();
  };
  schedule();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** Parses the retention command's arguments: `[--dry-run] [--now <ISO time>] [--json]`. */
export function retentionArgs(argv: string[]): { dryRun: boolean; now: Date; json: boolean } {
  let dryRun = false;
  let json = false;
  let now = new Date();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--dry-run") dryRun = true;
    else if (a === "--json") json = true;
    else if (a === "--now" || a.startsWith("--now=")) {
      const v = a === "--now" ? argv[++i] : a.slice("--now=".length);
      const t = v ? new Date(v) : new Date(NaN);
      if (!v || Number.isNaN(t.getTime())) throw new Error(`--now needs an ISO 8601 time (e.g. 2030-01-01T00:00:00Z), got ${v ?? "nothing"}`);
      now = t;
    } else throw new Error(`unknown argument ${a}; usage: retention [--dry-run] [--now <ISO time>] [--json]`);
  }
  return { dryRun, now, json };
}

/**
 * The body of a service's retention command (`node dist/retention.js [--dry-run] [--now <ISO time>] [--json]`):
 * parses the arguments, opens the service's store, runs the steps, prints the report (counts per
 * collection and rule; `--json`: the RetentionResult on one line) and closes the store. Exit code 0 when it ran, 2 for bad arguments, 1 when a
 * step failed.
 */
export async function retentionCommand(
  service: string,
  argv: string[],
  open: () => Promise<{ steps: RetentionStep[]; schedule: RetentionSchedule; log: Logger; close: () => Promise<void> }>,
): Promise<number> {
  let args: { dryRun: boolean; now: Date; json: boolean };
  try {
    args = retentionArgs(argv);
  } catch (err) {
    process.stderr.write(`${service} retention: ${(err as Error).message}\n`);
    return 2;
  }
  const { steps, schedule, log, close } = await open();
  try {
    const result = await runRetention(service, steps, { now: args.now, dryRun: args.dryRun, schedule, log });
    process.stdout.write(args.json ? `${JSON.stringify(result)}\n` : formatRetention(result));
    return 0;
  } catch (err) {
    log.error({ err }, "retention run failed");
    process.stderr.write(`${service} retention failed: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await close();
  }
}
