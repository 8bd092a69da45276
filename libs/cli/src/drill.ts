// `kuayu drill run`: a nationwide drill (全国跨域立案演练) through the real services — every court
// and tribunal that may collaborate files each case type with a jurisdiction court chosen by the
// competent-court finder, simulated specialists respond and decide, and the report accounts for
// every filing. The plan is pure and seeded (./drill/plan.ts); ./drill/run.ts does the calls.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Option, type Command } from "commander";
import { loadDirectory } from "@kuayu/directory";
import { CASE_TYPES, COURT_KINDS, isCaseType, type CaseType, type CourtKind } from "@kuayu/domain";
import { channelCredentials, CliUsageError, tlsOptions, validated } from "./filing.js";
import { PlanError, parseDelay, planDrill, type DrillPlan, type PlanOptions } from "./drill/plan.js";
import { JournalError } from "./drill/journal.js";
import { formatReport } from "./drill/report.js";
import { runDrill, type Progress } from "./drill/run.js";
import { usageError } from "./output.js";

const root = path.resolve(__dirname, "../../..");

export interface DrillRunOptions {
  ca?: string;
  cert?: string;
  certKey?: string;
  intake: string;
  decision: string;
  supervision: string | false;
  campaign?: string;
  provinces?: string;
  toProvinces?: string;
  kinds?: string;
  caseTypes?: string;
  fraction?: string;
  limit?: string;
  seed: string;
  rate: string;
  ramp: string;
  concurrency: string;
  ackDelay: string;
  decideDelay: string;
  corrections: string;
  rejections: string;
  poll: string;
  filingTimeout: string;
  settle: string;
  key: string;
  report?: string;
  journal?: string;
  resume?: boolean;
  json?: boolean;
  dryRun?: boolean;
  progressInterval: string;
}

const list = (text: string | undefined) =>
  (text ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
function num(text: string, option: string, min: number, max = Infinity, integer = false): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new CliUsageError(`${option} must be ${integer ? "a whole number" : "a number"} from ${min}${max < Infinity ? ` to ${max}` : " up"}, got "${text}"`);
  }
  return n;
}
function durationMs(text: string, option: string): number {
  try {
    const d = parseDelay(text);
    if (d.kind !== "fixed") throw new PlanError("a single duration is needed here");
    return d.ms;
  } catch (err) {
    throw new CliUsageError(`${option}: ${(err as Error).message}`);
  }
}
const address = (text: string, option: string) => {
  if (!/^[^\s:]+:\d{1,5}$/.test(text.trim())) throw new CliUsageError(`${option} must be host:port, got "${text}"`);
  return text.trim();
};

/** Checks every option and turns them into plan options. Throws CliUsageError. */
export function planOptions(o: DrillRunOptions): PlanOptions {
  const provinces = list(o.provinces);
  const toProvinces = list(o.toProvinces);
  for (const p of [...provinces, ...toProvinces]) if (!/^\d{2}$/.test(p)) throw new CliUsageError(`provinces are two-digit GB/T 2260 codes such as 44, got "${p}"`);
  const kinds = list(o.kinds);
  for (const k of kinds) if (!(COURT_KINDS as readonly string[]).includes(k)) throw new CliUsageError(`--kinds: unknown court kind "${k}" (one of ${COURT_KINDS.join(", ")})`);
  const caseTypes = list(o.caseTypes);
  for (const t of caseTypes) if (!isCaseType(t)) throw new CliUsageError(`--case-types: unknown case type "${t}" (one of ${CASE_TYPES.join(", ")})`);
  const delay = (text: string, option: string) => {
    try {
      return parseDelay(text);
    } catch (err) {
      throw new CliUsageError(`${option}: ${(err as Error).message}`);
    }
  };
  return {
    seed: num(o.seed, "--seed", 0, 2 ** 31 - 1, true),
    provinces,
    toProvinces,
    kinds: kinds as CourtKind[],
    caseTypes: caseTypes as CaseType[],
    fraction: o.fraction !== undefined ? num(o.fraction, "--fraction", Number.MIN_VALUE, 1) : undefined,
    limit: o.limit !== undefined ? num(o.limit, "--limit", 1, Infinity, true) : undefined,
    corrections: num(o.corrections, "--corrections", 0, 1),
    rejections: num(o.rejections, "--rejections", 0, 1),
    ackDelay: delay(o.ackDelay, "--ack-delay"),
    decideDelay: delay(o.decideDelay, "--decide-delay"),
  };
}

const clock = (ms: number) => {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
};

/** One progress line: done / in flight / failed, the recent rate and the time left at that rate. */
export function progressLine(p: Progress, ratePerSecond: number): string {
  if (p.phase === "settling") return `drill: all ${p.planned} filings done (${p.failed} failed) · waiting for supervision to count them · ${clock(p.elapsedMs)}`;
  const left = p.planned - p.done;
  const eta = ratePerSecond > 0 ? clock((left / ratePerSecond) * 1000) : "-";
  return `drill: ${p.done}/${p.planned} done · ${p.inFlight} in flight · ${p.failed} failed · ${ratePerSecond.toFixed(1)} filings/s · elapsed ${clock(p.elapsedMs)} · ETA ${eta}`;
}

/** Progress on stderr: one line redrawn on a terminal, a plain line every `intervalMs` otherwise. */
function progressPrinter(intervalMs: number) {
  const tty = process.stderr.isTTY === true;
  const samples: { at: number; done: number }[] = [];
  let lastPrinted = 0;
  let lastPhase: Progress["phase"] | undefined;
  return {
    update(p: Progress) {
      const now = Date.now();
      samples.push({ at: now, done: p.done });
      while (samples.length > 2 && samples[0]!.at < now - 10_000) samples.shift();
      const first = samples[0]!;
      const rate = now > first.at ? ((p.done - first.done) * 1000) / (now - first.at) : 0;
      if (tty) process.stderr.write(`\r\x1b[2K${progressLine(p, rate)}`);
      else if (now - lastPrinted >= intervalMs || p.phase !== lastPhase) {
        process.stderr.write(`${progressLine(p, rate)}\n`);
        lastPrinted = now;
      }
      lastPhase = p.phase;
    },
    end() {
      if (tty) process.stderr.write("\n");
    },
  };
}

function summarizePlan(plan: DrillPlan): string {
  const courts = new Set(plan.filings.map((f) => f.from.id)).size;
  const cross = plan.filings.filter((f) => f.from.province !== f.to.province).length;
  const byAction = (a: string) => plan.filings.filter((f) => f.action === a).length;
  return [
    `drill plan (seed ${plan.seed}): ${plan.filings.length} filings from ${courts} courts and tribunals`,
    `  ${cross} cross provinces; ${plan.jurisdictionCourtsReached} of ${plan.jurisdictionCourts} jurisdiction courts in scope receive filings`,
    `  specialists: ${byAction("accept")} accept, ${byAction("correct-then-accept")} ask for corrections then accept, ${byAction("reject")} reject`,
    `  ${plan.clerkChosenPairs} (court, case type) pairs are never named by the competent-court finder; filings to them carry the clerk's choice`,
  ].join("\n");
}

export function drillCommands(cmd: Command): void {
  tlsOptions(cmd.command("run"))
    .description("run a drill through the real services: courts file, simulated specialists respond and decide; exits 1 unless every filing reached a final state exactly once")
    .option("--intake <addr>", "intake gRPC address (the windows' service)", process.env.KUAYU_INTAKE_ADDR ?? "127.0.0.1:50051")
    .option("--decision <addr>", "jurisdiction-decision gRPC address (the inboxes)", process.env.KUAYU_DECISION_ADDR ?? "127.0.0.1:50053")
    .option("--supervision <addr>", "supervision gRPC address: the drill is registered there and its count checked", process.env.KUAYU_SUPERVISION_ADDR ?? "127.0.0.1:50055")
    .option("--no-supervision", "do not register or check the drill with supervision")
    .option("--campaign <drill-id>", "an existing drill campaign (kuayu supervise drill create) instead of registering one")
    .option("--provinces <codes>", "only courts of these provinces file, e.g. 44,11")
    .option("--to-provinces <codes>", "only jurisdiction courts of these provinces receive filings")
    .option("--kinds <kinds>", `only courts of these kinds file (${COURT_KINDS.join(", ")})`)
    .option("--case-types <types>", `only these case types (${CASE_TYPES.join(", ")})`)
    .option("--fraction <share>", "keep this share (0–1] of the filings, chosen by the seed")
    .option("--limit <n>", "at most this many filings")
    .option("--seed <n>", "same seed, same drill", "1")
    .option("--rate <per-second>", "filings started per second; 0: as fast as --concurrency allows", "0")
    .option(
      "--ramp <duration>",
      "with --rate: climb evenly from no filings to the rate over this long (each resumed part again), as load rises in the morning rather than at once on cold services",
      "0s",
    )
    .option("--concurrency <n>", "filings in flight at once, simulated waits included", "32")
    .option("--ack-delay <delay>", "specialist's wait before responding: 2s, 200ms-2s (uniform) or exp:1s", "0-1s")
    .option("--decide-delay <delay>", "specialist's wait before deciding", "0-1s")
    .option("--corrections <share>", "share of filings sent back for corrections (补正) before acceptance", "0.05")
    .option("--rejections <share>", "share of filings not accepted (不予受理)", "0.05")
    .option("--poll <duration>", "while following a filing on the watch streams, look at it at least this often (a stream that broke)", "5s")
    .option("--filing-timeout <duration>", "a submitted filing not final after this long counts as lost", "10m")
    .option("--settle <duration>", "how long to wait for supervision to count every filing", "5m")
    .option("--key <file>", "PKCS#8 PEM signing key of the deployment's tokens", path.join(root, ".secrets/jwt-private.pem"))
    .option("--report <file>", "write the JSON report here")
    .option("--journal <file>", "append every start and outcome here, so that a drill cut short can be resumed")
    .option("--resume", "continue the drill of --journal (same plan options): its outcomes stand, filings it had started are picked up where they are")
    .option("--json", "print the JSON report instead of the summary")
    .option("--dry-run", "print the plan and stop")
    .addOption(new Option("--progress-interval <duration>", "seconds between progress lines when stderr is not a terminal").default("10s"))
    .action(async (o: DrillRunOptions) => {
      const opts = validated(() => planOptions(o));
      const run = validated(() => ({
        intake: address(o.intake, "--intake"),
        decision: address(o.decision, "--decision"),
        supervision: o.supervision === false ? undefined : address(o.supervision, "--supervision"),
        rate: num(o.rate, "--rate", 0),
        rampMs: durationMs(o.ramp, "--ramp"),
        concurrency: num(o.concurrency, "--concurrency", 1, 10_000, true),
        pollMs: durationMs(o.poll, "--poll"),
        filingTimeoutMs: durationMs(o.filingTimeout, "--filing-timeout"),
        settleMs: durationMs(o.settle, "--settle"),
        progressMs: durationMs(o.progressInterval, "--progress-interval"),
        credentials: channelCredentials(o),
      }));
      if (o.campaign !== undefined && run.supervision === undefined) usageError("--campaign needs supervision (drop --no-supervision)");
      if (run.rampMs > 0 && run.rate === 0) usageError("--ramp climbs to --rate: give a rate as well");
      let plan: DrillPlan;
      try {
        plan = planDrill(loadDirectory(), opts);
      } catch (err) {
        if (err instanceof PlanError) usageError(err.message);
        throw err;
      }
      process.stderr.write(`${summarizePlan(plan)}\n`);
      if (o.dryRun) return;
      let privateKeyPem: string;
      try {
        privateKeyPem = readFileSync(o.key, "utf8");
      } catch {
        usageError(`no signing key at ${o.key}; run \`make bootstrap\` for the development key, or pass --key`);
      }

      const stop = new AbortController();
      const onInt = () => {
        if (stop.signal.aborted) process.exit(130);
        process.stderr.write("\ndrill: interrupted — no new filings; waiting for those in flight (Ctrl-C again to quit now)\n");
        stop.abort();
      };
      process.on("SIGINT", onInt);
      const printer = progressPrinter(run.progressMs);
      const report = await runDrill(plan, { ...run, campaign: o.campaign, journal: o.journal, resume: o.resume, privateKeyPem, signal: stop.signal, onProgress: (p) => printer.update(p) })
        .catch((err: unknown) => {
          if (err instanceof JournalError) usageError(err.message);
          throw err;
        })
        .finally(() => {
          printer.end();
          process.off("SIGINT", onInt);
        });
      if (o.report) writeFileSync(o.report, `${JSON.stringify(report, null, 2)}\n`);
      process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
      if (!report.ok) process.exitCode = 1;
    });
}
