import { ANONYMISED, daysBefore, dueBy, yearsBefore, type RetentionSchedule } from "@kuayu/domain";
import type { LedgerEntry } from "./ledger.js";

// Retention of supervision's data (docs/security.md "Retention"). The counters are aggregates and
// stay (drill counters too: they hold no filing); the ledger holds no personal data. Pure decisions;
// adapters/retention.ts runs them against the store.

/** A drill's ledger entry (and its copy among the open filings) is deleted `drillDays` after the filing arrived. */
export function ledgerRetention(e: Pick<LedgerEntry, "drill" | "arrivedAt">, now: Date, s: RetentionSchedule): "drill" | undefined {
  return e.drill && dueBy(e.arrivedAt, daysBefore(now, s.drillDays)) ? "drill" : undefined;
}

/**
 * A rating: a drill filing's is deleted with its entry; a real one's free-text comment (it may name
 * someone) is anonymised `personalDataYears` after it was given. The score stays (it is counted).
 */
export function ratingRetention(
  r: { filingId: string; comment: string; at: Date },
  drills: ReadonlySet<string>,
  now: Date,
  s: RetentionSchedule,
): { action: "delete"; rule: "drill" } | { action: "anonymise"; rule: "personal-data-after-rating" } | undefined {
  if (drills.has(r.filingId)) return { action: "delete", rule: "drill" };
  if (!r.comment || r.comment === ANONYMISED) return undefined;
  return dueBy(r.at, yearsBefore(now, s.personalDataYears)) ? { action: "anonymise", rule: "personal-data-after-rating" } : undefined;
}

/**
 * A complaint: a drill filing's is deleted with its entry; a real one's text and answer are
 * anonymised `personalDataYears` after it was answered (an open one is never touched: its answer
 * is still to come). Category, courts, dates and status stay.
 */
export function complaintRetention(
  c: { filingId: string; status: string; text: string; answeredAt?: Date },
  drills: ReadonlySet<string>,
  now: Date,
  s: RetentionSchedule,
): { action: "delete"; rule: "drill" } | { action: "anonymise"; rule: "personal-data-after-answer" } | undefined {
  if (drills.has(c.filingId)) return { action: "delete", rule: "drill" };
  if (c.status !== "answered" || c.text === ANONYMISED) return undefined;
  return dueBy(c.answeredAt, yearsBefore(now, s.personalDataYears)) ? { action: "anonymise", rule: "personal-data-after-answer" } : undefined;
}
