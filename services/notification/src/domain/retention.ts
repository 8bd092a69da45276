import { daysBefore, dueBy, yearsBefore, type RetentionSchedule } from "@kuayu/domain";
import { EVENT, type FilingFacts } from "./notify.js";

// Retention of the notification service's data (docs/security.md "Retention"). Pure decisions;
// adapters/retention.ts runs them against the store.

const FINAL = new Set<string>([EVENT.accepted, EVENT.rejected, EVENT.withdrawn]);

export type FactsView = Pick<FilingFacts, "filingId" | "drill" | "lastEventType" | "submittedAt" | "routedAt" | "decidedAt" | "acknowledgedAt" | "waiting"> & { _id: string };

/** The last date the facts hold: when the filing was decided or withdrawn, for final facts. */
const lastDate = (f: FactsView): Date | undefined => {
  const dates = [f.decidedAt, f.acknowledgedAt, f.routedAt, f.submittedAt].filter((d): d is Date => d !== undefined && d !== null).map((d) => new Date(d));
  return dates.length > 0 ? new Date(Math.max(...dates.map((d) => d.getTime()))) : undefined;
};

export type FactsRetention = { action: "delete"; rule: "drill" | "personal-data-after-decision" };

/**
 * A filing's facts (parties' names, material file names, the court's reasons) are deleted: a drill's
 * `drillDays` after it was submitted (or arrived), a real one's `personalDataYears` after it was
 * decided or withdrawn (the latest date the facts hold), never while it awaits the court.
 */
export function factsRetention(f: FactsView, now: Date, s: RetentionSchedule): FactsRetention | undefined {
  if (f.drill) return dueBy(f.submittedAt ?? f.routedAt, daysBefore(now, s.drillDays)) ? { action: "delete", rule: "drill" } : undefined;
  if (f.waiting || !FINAL.has(f.lastEventType)) return undefined;
  return dueBy(lastDate(f), yearsBefore(now, s.personalDataYears)) ? { action: "delete", rule: "personal-data-after-decision" } : undefined;
}

/** What the facts say of the filings, for the decisions about their notices and documents. */
export interface FilingsSeen {
  /** Drill filings due for deletion. */
  drills: Set<string>;
  /** Filings with facts that retention keeps (open, recent, or not due yet). */
  kept: Set<string>;
}

export function filingsSeen(facts: FactsView[], now: Date, s: RetentionSchedule): FilingsSeen {
  const drills = new Set<string>();
  const kept = new Set<string>();
  for (const f of facts) {
    const d = factsRetention(f, now, s);
    if (d?.rule === "drill") drills.add(f.filingId);
    else if (!d) kept.add(f.filingId);
  }
  for (const id of drills) kept.delete(id);
  return { drills, kept };
}

/** In-app notifications: a drill filing's with it; every other `notificationDays` after it was made. */
export function notificationRetention(n: { filingId: string; createdAt: Date }, seen: FilingsSeen, now: Date, s: RetentionSchedule): "drill" | "notification-period" | undefined {
  if (seen.drills.has(n.filingId)) return "drill";
  return dueBy(n.createdAt, daysBefore(now, s.notificationDays)) ? "notification-period" : undefined;
}

/** Deliveries: a drill filing's with it; a finished one (delivered or dead) `notificationDays` after it was made; a pending one never. */
export function deliveryRetention(d: { filingId: string; createdAt: Date; status: string }, seen: FilingsSeen, now: Date, s: RetentionSchedule): "drill" | "notification-period" | undefined {
  if (seen.drills.has(d.filingId)) return "drill";
  return d.status !== "pending" && dueBy(d.createdAt, daysBefore(now, s.notificationDays)) ? "notification-period" : undefined;
}

/**
 * Documents (receipts and notices name the parties): a drill filing's with it; a real one's
 * `personalDataYears` after issue once no facts of its filing are kept (decided or withdrawn that
 * long ago, or gone).
 */
export function documentRetention(d: { filingId: string; issuedAt: Date }, seen: FilingsSeen, now: Date, s: RetentionSchedule): "drill" | "personal-data-after-decision" | undefined {
  if (seen.drills.has(d.filingId)) return "drill";
  if (seen.kept.has(d.filingId)) return undefined;
  return dueBy(d.issuedAt, yearsBefore(now, s.personalDataYears)) ? "personal-data-after-decision" : undefined;
}
