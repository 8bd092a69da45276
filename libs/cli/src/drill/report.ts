// The drill report: accounting (every submitted filing reached a final state, none twice),
// participation, the 30-minute feedback rate and latency per hop. Pure: built from the outcomes.
import type { DrillPlan, PlannedFiling } from "./plan.js";

/** Instants (epoch ms) of one filing's hops; client-observed unless noted. */
export interface HopTimes {
  start: number;
  /** SubmitFiling called (draft and materials ready). */
  submitting?: number;
  submitted?: number;
  /** Server: FilingSubmitted in the window's timeline (first round). */
  submittedAt?: number;
  /** Server: FilingRouted in the window's timeline (first round). */
  routedAt?: number;
  /** Server: the inbox's arrival time (latest round). */
  arrivedAt?: number;
  /** The specialist first saw it with every material copied (first round). */
  visible?: number;
  /** Server: the court's first response. */
  acknowledgedAt?: number;
  correctionsRequested?: number;
  resubmitted?: number;
  /** Server: the decision. */
  decidedAt?: number;
  /** The window first saw ACCEPTED / REJECTED. */
  final?: number;
}

export interface FilingOutcome {
  filing: PlannedFiling;
  /** final: accepted or rejected at the window; failed: never submitted; lost: submitted, never final. */
  state: "final" | "failed" | "lost";
  filingId?: string;
  finalStatus?: "accepted" | "rejected";
  caseNumber?: string;
  /** What went wrong, or where a lost filing was last seen. */
  error?: string;
  t: HopTimes;
}

export interface SupervisionCheck {
  drillId: string;
  expected: number;
  counted: number;
  responseRate30Minutes: number;
  waitedMs: number;
}

export interface LatencyStats {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface ParticipationRow {
  key: string;
  courts: number;
  participated: number;
  filings: number;
  final: number;
}

export interface DrillReport {
  ok: boolean;
  seed: number;
  startedAt: string;
  /** Time the drill ran: from its start to its end, or, for a resumed drill, the sum of its runs. */
  wallSeconds: number;
  /** A drill resumed from its journal (`--resume`): its runs, and how its filings came to the report. */
  resumed?: { runs: { startedAt: string; seconds: number }[]; fromJournal: number; continued: number };
  filingsPerSecond: number;
  planned: number;
  /** How many filings reached each hop. */
  hops: Record<string, number>;
  accepted: number;
  rejected: number;
  failed: number;
  lost: number;
  duplicated: number;
  /** Acknowledged within 30 minutes (wall clock) of arrival, over arrived. */
  feedbackWithin30Minutes: number;
  latencyMs: Record<string, LatencyStats>;
  participation: { byLevel: ParticipationRow[]; byProvince: ParticipationRow[] };
  jurisdictionCourts: { inScope: number; planned: number; responded: number; clerkChosenPairs: number };
  problems: { key: string; filingId?: string; state: string; error: string }[];
  supervision?: SupervisionCheck & { ok: boolean };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function stats(values: number[]): LatencyStats {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s.length ? s[s.length - 1]! : NaN };
}

/** The hops of the report: name → duration of one filing, when it got that far. */
const HOPS: Record<string, (t: HopTimes) => number | undefined> = {
  "prepare (draft + materials)": (t) => diff(t.start, t.submitting),
  "submit (SubmitFiling)": (t) => diff(t.submitting, t.submitted),
  "submitted → routed": (t) => diff(t.submittedAt, t.routedAt),
  "submitted → in inbox": (t) => (t.resubmitted ? undefined : diff(t.submittedAt, t.arrivedAt)),
  "submitted → ready for specialist": (t) => diff(t.submitted, t.visible),
  "arrival → response (incl. simulated delay)": (t) => (t.resubmitted ? undefined : diff(t.arrivedAt, t.acknowledgedAt)),
  "corrections → resubmitted": (t) => diff(t.correctionsRequested, t.resubmitted),
  "decision → seen at window": (t) => diff(t.decidedAt, t.final),
  "end to end": (t) => diff(t.start, t.final),
};
const diff = (a?: number, b?: number) => (a !== undefined && b !== undefined ? b - a : undefined);

function participation(outcomes: readonly FilingOutcome[], keyOf: (f: PlannedFiling) => string): ParticipationRow[] {
  const rows = new Map<string, { courts: Map<string, boolean>; filings: number; final: number }>();
  for (const o of outcomes) {
    const k = keyOf(o.filing);
    const row = rows.get(k) ?? { courts: new Map<string, boolean>(), filings: 0, final: 0 };
    rows.set(k, row);
    row.filings++;
    if (o.state === "final") row.final++;
    // A court took part when every filing it was given was submitted.
    row.courts.set(o.filing.from.id, (row.courts.get(o.filing.from.id) ?? true) && o.state !== "failed");
  }
  return [...rows.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, r]) => ({ key, courts: r.courts.size, participated: [...r.courts.values()].filter(Boolean).length, filings: r.filings, final: r.final }));
}

export interface RunTimes {
  startedAt: number;
  endedAt: number;
  supervision?: SupervisionCheck;
  /** A resumed drill: every run of it (this one last), outcomes read from the journal, filings picked up mid-way. */
  resumed?: { segments: { startedAt: number; endedAt: number }[]; fromJournal: number; continued: number };
}

export function buildReport(plan: DrillPlan, outcomes: readonly FilingOutcome[], run: RunTimes): DrillReport {
  const count = (pred: (o: FilingOutcome) => boolean) => outcomes.filter(pred).length;
  const problems: DrillReport["problems"] = outcomes.filter((o) => o.state !== "final").map((o) => ({ key: o.filing.key, filingId: o.filingId, state: o.state, error: o.error ?? "unknown" }));

  // Duplicates: one filing id for two planned filings, or one case number for two filings.
  let duplicated = 0;
  const seen = (what: string, values: [string | undefined, FilingOutcome][]) => {
    const first = new Map<string, FilingOutcome>();
    for (const [v, o] of values) {
      if (!v) continue;
      const other = first.get(v);
      if (other) {
        duplicated++;
        problems.push({ key: o.filing.key, filingId: o.filingId, state: "duplicated", error: `same ${what} as ${other.filing.key}: ${v}` });
      } else first.set(v, o);
    }
  };
  seen(
    "filing id",
    outcomes.map((o) => [o.filingId, o]),
  );
  seen(
    "case number",
    outcomes.map((o) => [o.caseNumber, o]),
  );

  const arrived = outcomes.filter((o) => o.t.arrivedAt !== undefined && o.t.acknowledgedAt !== undefined);
  const within30 = arrived.filter((o) => o.t.acknowledgedAt! - o.t.arrivedAt! <= 30 * 60_000).length;
  const responded = new Set(outcomes.filter((o) => o.t.acknowledgedAt !== undefined).map((o) => o.filing.to.id));
  const segments = run.resumed?.segments ?? [{ startedAt: run.startedAt, endedAt: run.endedAt }];
  const wallSeconds = segments.reduce((sum, g) => sum + (g.endedAt - g.startedAt), 0) / 1000;
  const failed = count((o) => o.state === "failed");
  const lost = count((o) => o.state === "lost");
  const supervisionOk = run.supervision ? run.supervision.counted === run.supervision.expected : true;
  return {
    ok: failed === 0 && lost === 0 && duplicated === 0 && supervisionOk && outcomes.length === plan.filings.length,
    seed: plan.seed,
    startedAt: new Date(segments[0]!.startedAt).toISOString(),
    wallSeconds,
    ...(run.resumed
      ? {
          resumed: {
            runs: segments.map((g) => ({ startedAt: new Date(g.startedAt).toISOString(), seconds: (g.endedAt - g.startedAt) / 1000 })),
            fromJournal: run.resumed.fromJournal,
            continued: run.resumed.continued,
          },
        }
      : {}),
    filingsPerSecond: wallSeconds > 0 ? count((o) => o.state === "final") / wallSeconds : 0,
    planned: plan.filings.length,
    hops: {
      submitted: count((o) => o.t.submitted !== undefined),
      routed: count((o) => o.t.routedAt !== undefined),
      "in inbox": count((o) => o.t.arrivedAt !== undefined),
      "ready for specialist": count((o) => o.t.visible !== undefined),
      acknowledged: count((o) => o.t.acknowledgedAt !== undefined),
      "corrections requested": count((o) => o.t.correctionsRequested !== undefined),
      resubmitted: count((o) => o.t.resubmitted !== undefined),
      decided: count((o) => o.t.decidedAt !== undefined),
      "final at window": count((o) => o.state === "final"),
    },
    accepted: count((o) => o.finalStatus === "accepted"),
    rejected: count((o) => o.finalStatus === "rejected"),
    failed,
    lost,
    duplicated,
    feedbackWithin30Minutes: arrived.length ? within30 / arrived.length : 0,
    latencyMs: Object.fromEntries(Object.entries(HOPS).map(([name, f]) => [name, stats(outcomes.map((o) => f(o.t) ?? NaN))])),
    participation: { byLevel: participation(outcomes, (f) => f.from.level), byProvince: participation(outcomes, (f) => f.from.province) },
    jurisdictionCourts: { inScope: plan.jurisdictionCourts, planned: plan.jurisdictionCourtsReached, responded: responded.size, clerkChosenPairs: plan.clerkChosenPairs },
    problems,
    ...(run.supervision ? { supervision: { ...run.supervision, ok: supervisionOk } } : {}),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const ms = (x: number) => (Number.isNaN(x) ? "-" : x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)} ms`);

/** The readable summary (Chinese terms where operators use them). */
export function formatReport(r: DrillReport, problemsShown = 20): string {
  const lines: string[] = [];
  lines.push(`drill (演练) ${r.ok ? "PASSED" : "FAILED"} — seed ${r.seed}, started ${r.startedAt}`);
  lines.push(`  ${r.planned} filings planned in ${r.wallSeconds.toFixed(1)} s (${r.filingsPerSecond.toFixed(1)} final filings/s)`);
  if (r.resumed) {
    lines.push(
      `  resumed: ${r.resumed.runs.length} runs (${r.resumed.runs.map((x) => `${x.startedAt} ${x.seconds.toFixed(0)} s`).join("; ")}); ${r.resumed.fromJournal} outcomes from the journal, ${r.resumed.continued} filings picked up mid-way`,
    );
  }
  lines.push(`  accepted ${r.accepted} · rejected ${r.rejected} · failed ${r.failed} · lost ${r.lost} · duplicated ${r.duplicated}`);
  lines.push(`  30-minute feedback rate (30分钟反馈率): ${pct(r.feedbackWithin30Minutes)}`);
  const j = r.jurisdictionCourts;
  lines.push(
    `  jurisdiction courts: ${j.planned} of ${j.inScope} in scope received filings, ${j.responded} responded; ${j.clerkChosenPairs} (court, case type) pairs are never named by the finder and were chosen by the clerk`,
  );
  lines.push("", "filings per hop:");
  for (const [hop, n] of Object.entries(r.hops)) lines.push(`  ${hop.padEnd(24)} ${String(n).padStart(7)}`);
  lines.push("", "latency per hop:             n      p50      p90      p99      max");
  for (const [hop, s] of Object.entries(r.latencyMs)) {
    if (s.n === 0) continue;
    lines.push(`  ${hop.padEnd(44)} ${String(s.n).padStart(7)} ${ms(s.p50).padStart(8)} ${ms(s.p90).padStart(8)} ${ms(s.p99).padStart(8)} ${ms(s.max).padStart(8)}`);
  }
  const table = (title: string, rows: ParticipationRow[]) => {
    lines.push("", `participation by ${title}:  courts  took part  filings  final`);
    for (const row of rows)
      lines.push(
        `  ${row.key.padEnd(14)} ${String(row.courts).padStart(7)} ${pct(row.courts ? row.participated / row.courts : 0).padStart(9)} ${String(row.filings).padStart(8)} ${String(row.final).padStart(6)}`,
      );
  };
  table("level", r.participation.byLevel);
  table("province", r.participation.byProvince);
  if (r.supervision) {
    const s = r.supervision;
    lines.push(
      "",
      `supervision (drill ${s.drillId}): counted ${s.counted} of ${s.expected} drill filings${s.ok ? "" : " — MISMATCH"}, its 30-minute response rate ${pct(s.responseRate30Minutes)} (waited ${(s.waitedMs / 1000).toFixed(1)} s)`,
    );
  }
  if (r.problems.length > 0) {
    lines.push("", `problems (${r.problems.length}${r.problems.length > problemsShown ? `, first ${problemsShown}; the JSON report lists all` : ""}):`);
    for (const p of r.problems.slice(0, problemsShown)) lines.push(`  ${p.state.padEnd(10)} ${p.key}${p.filingId ? ` (${p.filingId})` : ""}: ${p.error}`);
  }
  return lines.join("\n");
}
