import { provisionalBetween, workingMinutesBetween, type CaseType, type WorkingHours } from "@kuayu/domain";

// The SLA ledger (one entry per filing) and the counters it feeds. Pure.

export interface LedgerEntry {
  filingId: string;
  collaboratingCourtId: string;
  jurisdictionCourtId: string;
  /** Province of the jurisdiction court (indicators are about the court that must respond). */
  province: string;
  caseType: CaseType | undefined;
  receiptNumber: string;
  drill: boolean;
  /** First arrival at the jurisdiction court (routed, round 1). */
  arrivedAt: Date | undefined;
  /** China-time day of the arrival, YYYY-MM-DD: the day every counter of the filing belongs to. */
  day: string;
  responseDue: Date | undefined;
  decisionDue: Date | undefined;
  respondedAt: Date | undefined;
  responseWorkingMinutes: number | undefined;
  /** The working minutes were counted over a year whose official holiday arrangement is not loaded. */
  responseProvisional?: boolean;
  responseWallMinutes: number | undefined;
  /** The earliest response seen (events of different topics may arrive before the arrival). */
  firstResponseAt: Date | undefined;
  decidedAt: Date | undefined;
  decision: "accepted" | "rejected" | undefined;
  corrections: number;
  correctionPending: boolean;
  withdrawn: boolean;
  rounds: number;
  /** Which counter contributions were made (see contributions()). */
  counted: string[];
}

export const EVENTS = {
  submitted: "kuayu.intake.v1.FilingSubmitted",
  correctionSubmitted: "kuayu.intake.v1.CorrectionSubmitted",
  withdrawn: "kuayu.intake.v1.FilingWithdrawn",
  routed: "kuayu.routing.v1.FilingRouted",
  acknowledged: "kuayu.decision.v1.Acknowledged",
  accepted: "kuayu.decision.v1.Accepted",
  rejected: "kuayu.decision.v1.Rejected",
  correctionRequested: "kuayu.decision.v1.CorrectionRequested",
  deadlinesChanged: "kuayu.decision.v1.DeadlinesChanged",
} as const;

export const chinaDay = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);

export function emptyEntry(filingId: string): LedgerEntry {
  return {
    filingId,
    collaboratingCourtId: "",
    jurisdictionCourtId: "",
    province: "",
    caseType: undefined,
    receiptNumber: "",
    drill: false,
    arrivedAt: undefined,
    day: "",
    responseDue: undefined,
    decisionDue: undefined,
    respondedAt: undefined,
    responseWorkingMinutes: undefined,
    responseWallMinutes: undefined,
    firstResponseAt: undefined,
    decidedAt: undefined,
    decision: undefined,
    corrections: 0,
    correctionPending: false,
    withdrawn: false,
    rounds: 0,
    counted: [],
  };
}

export interface LedgerEvent {
  type: string;
  at: Date;
  collaboratingCourtId?: string;
  jurisdictionCourtId?: string;
  province?: string;
  caseType?: CaseType;
  receiptNumber?: string;
  drill?: boolean;
  round?: number;
  routedAt?: Date;
  responseDue?: Date;
  decisionDue?: Date;
  /** The court's first response as the decision service recorded it (decision events carry it). */
  acknowledgedAt?: Date;
}

/**
 * The entry after an event. Every transition is a "first time" fact (first arrival, first
 * response, first decision), so applying an event twice changes nothing; and the response is
 * measured once both the arrival and the earliest response are known, whatever order they came in.
 */
export function applyEvent(e: LedgerEntry, ev: LedgerEvent, hours: (courtId: string) => WorkingHours): LedgerEntry {
  const n = step(e, ev);
  if (!n.arrivedAt || !n.firstResponseAt || n.respondedAt) return n;
  const at = n.firstResponseAt;
  return {
    ...n,
    respondedAt: at,
    ...responseTime(n.arrivedAt, at, hours(n.jurisdictionCourtId)),
    responseWallMinutes: Math.max(0, (at.getTime() - n.arrivedAt.getTime()) / 60_000),
  };
}

/** Working minutes from arrival to response in the court's hours, and whether a provisional year counted them. */
const responseTime = (arrivedAt: Date, respondedAt: Date, hours: WorkingHours) => ({
  responseWorkingMinutes: Math.max(0, workingMinutesBetween(arrivedAt, respondedAt, hours)),
  responseProvisional: provisionalBetween(arrivedAt, respondedAt),
});

/**
 * The entry with its response time counted again under the calendar now in use (after a year's
 * official arrangement was loaded), and the counter change that makes up for the difference when
 * the response was already counted; undefined when nothing moves.
 */
export function recountResponse(e: LedgerEntry, hours: WorkingHours): { entry: LedgerEntry; delta: Delta } | undefined {
  if (!e.arrivedAt || !e.respondedAt || e.responseWorkingMinutes === undefined) return undefined;
  const t = responseTime(e.arrivedAt, e.respondedAt, hours);
  if (t.responseWorkingMinutes === e.responseWorkingMinutes && t.responseProvisional === !!e.responseProvisional) return undefined;
  const entry = { ...e, ...t };
  if (!e.counted.includes("response")) return { entry, delta: {} };
  const delta: Delta = { ...responseDelta(entry) };
  for (const [k, v] of Object.entries(responseDelta(e))) delta[k] = (delta[k] ?? 0) - v;
  return { entry, delta };
}

/** The response's contribution to the counters. */
function responseDelta(e: LedgerEntry): Delta {
  const m = e.responseWorkingMinutes!;
  return { responded: 1, within30: m <= 30 ? 1 : 0, within5: m <= 5 ? 1 : 0, responseMinutesSum: m, [`h${bucketOf(m)}`]: 1, responsesProvisional: e.responseProvisional ? 1 : 0 };
}

function step(e: LedgerEntry, ev: LedgerEvent): LedgerEntry {
  const n: LedgerEntry = {
    ...e,
    collaboratingCourtId: ev.collaboratingCourtId || e.collaboratingCourtId,
    jurisdictionCourtId: ev.jurisdictionCourtId || e.jurisdictionCourtId,
    caseType: ev.caseType ?? e.caseType,
    receiptNumber: ev.receiptNumber || e.receiptNumber,
    drill: e.drill || !!ev.drill,
  };
  const respond = (at: Date): LedgerEntry => (n.respondedAt || (n.firstResponseAt && n.firstResponseAt <= at) ? n : { ...n, firstResponseAt: at });
  switch (ev.type) {
    case EVENTS.routed: {
      const arrivedAt = e.arrivedAt ?? ev.routedAt ?? ev.at;
      return {
        ...n,
        province: ev.province || e.province,
        arrivedAt,
        day: e.day || chinaDay(arrivedAt),
        responseDue: e.responseDue ?? ev.responseDue,
        // The decision clock restarts with each corrected round.
        decisionDue: (ev.round ?? 1) >= e.rounds ? (ev.decisionDue ?? e.decisionDue) : e.decisionDue,
        rounds: Math.max(e.rounds, ev.round ?? 1),
        correctionPending: (ev.round ?? 1) > e.rounds ? false : e.correctionPending,
      };
    }
    case EVENTS.acknowledged:
      return respond(ev.acknowledgedAt ?? ev.at);
    case EVENTS.correctionRequested: {
      const r = respond(ev.acknowledgedAt ?? ev.at);
      return { ...r, corrections: Math.max(r.corrections, ev.round ?? 1), correctionPending: true };
    }
    case EVENTS.accepted:
    case EVENTS.rejected: {
      if (n.decidedAt) return n;
      const r = respond(ev.acknowledgedAt ?? ev.at);
      return { ...r, decidedAt: ev.at, decision: ev.type === EVENTS.accepted ? "accepted" : "rejected", correctionPending: false };
    }
    case EVENTS.withdrawn:
      return { ...n, withdrawn: true };
    case EVENTS.deadlinesChanged:
      // Recounted after the holiday calendar changed; only for the round the entry is in.
      if ((ev.round ?? 1) < n.rounds) return n;
      return { ...n, responseDue: ev.responseDue ?? n.responseDue, decisionDue: ev.decisionDue ?? n.decisionDue };
    default:
      return n;
  }
}

/** Response-time histogram bucket upper bounds, in working minutes (the last is open). */
export const BUCKETS = [1, 2, 3, 5, 10, 15, 20, 30, 45, 60, 90, 120, 240, 480, 960, 1920, Infinity];
export const bucketOf = (minutes: number) => BUCKETS.findIndex((b) => minutes <= b);

/** Counter fields of one (scope, day): plain numbers and histogram buckets `h<i>`. */
export type Delta = Record<string, number>;

/**
 * Counter contributions an entry has earned, each named so it is made once: arrival, response,
 * decision (with the litigation cost it saved, `costOf`), correction. Returns those not yet counted.
 */
export function contributions(e: LedgerEntry, costOf: (e: LedgerEntry) => number = () => 0): { name: string; delta: Delta }[] {
  const out: { name: string; delta: Delta }[] = [];
  if (!e.arrivedAt || !e.day) return out;
  out.push({ name: "arrival", delta: { filings: 1 } });
  if (e.respondedAt && e.responseWorkingMinutes !== undefined) out.push({ name: "response", delta: responseDelta(e) });
  if (e.decidedAt) {
    const inTime = e.decisionDue ? e.decidedAt.getTime() < e.decisionDue.getTime() : false;
    // The litigation cost the decided filing saved its party (domain/cost.ts); never for a drill.
    const saved = e.drill ? 0 : costOf(e);
    out.push({
      name: "decision",
      delta: { decided: 1, decidedInTime: inTime ? 1 : 0, accepted: e.decision === "accepted" ? 1 : 0, rejected: e.decision === "rejected" ? 1 : 0, costSaved: saved, costFilings: e.drill ? 0 : 1 },
    });
  }
  if (e.corrections > 0) out.push({ name: "correction", delta: { corrected: 1 } });
  return out.filter((c) => !e.counted.includes(c.name));
}

/** What is overdue now for an open filing, if anything. */
export function overdue(e: LedgerEntry, now: Date): { for: "response" | "decision"; due: Date } | undefined {
  if (e.decidedAt || e.withdrawn || e.correctionPending || !e.arrivedAt) return undefined;
  if (!e.respondedAt && e.responseDue && e.responseDue < now) return { for: "response", due: e.responseDue };
  if (e.decisionDue && e.decisionDue < now) return { for: "decision", due: e.decisionDue };
  return undefined;
}

/** Indicator values from summed counters. */
export function indicators(c: Delta) {
  const v = (k: string) => c[k] ?? 0;
  const filings = v("filings");
  const rate = (x: number, of: number) => (of > 0 ? x / of : 0);
  const hist = BUCKETS.map((_, i) => v(`h${i}`));
  const percentile = (p: number) => {
    const total = hist.reduce((a, b) => a + b, 0);
    if (total === 0) return 0;
    let seen = 0;
    for (let i = 0; i < hist.length; i++) {
      seen += hist[i]!;
      if (seen >= p * total) return Number.isFinite(BUCKETS[i]!) ? BUCKETS[i]! : BUCKETS[i - 1]!;
    }
    return 0;
  };
  return {
    filings,
    responded: v("responded"),
    respondedWithin30Minutes: v("within30"),
    respondedWithin5Minutes: v("within5"),
    responseRate30Minutes: rate(v("within30"), filings),
    responseMinutesP50: percentile(0.5),
    responseMinutesP90: percentile(0.9),
    responseMinutesMean: rate(v("responseMinutesSum"), v("responded")),
    decided: v("decided"),
    decidedInTime: v("decidedInTime"),
    accepted: v("accepted"),
    rejected: v("rejected"),
    corrected: v("corrected"),
    acceptanceRate: rate(v("accepted"), v("decided")),
    rejectionRate: rate(v("rejected"), v("decided")),
    correctionRate: rate(v("corrected"), filings),
    satisfactionAverage: rate(v("satisfactionSum"), v("satisfactionCount")),
    satisfactionCount: v("satisfactionCount"),
    complaints: v("complaints"),
    responsesProvisional: v("responsesProvisional"),
    costSavedYuan: v("costSaved"),
    costSavedFilings: v("costFilings"),
    costSavedAverage: rate(v("costSaved"), v("costFilings")),
  };
}

/** Days from `from` to `to` inclusive (YYYY-MM-DD), at most `max`. */
export function daysBetween(from: string, to: string, max = 1100): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`) && out.length < max; t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}
