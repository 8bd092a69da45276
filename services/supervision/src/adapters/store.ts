import type { Collection, Connection } from "mongoose";
import type { AuditEntry } from "@kuayu/auth";
import { AUDIT_LOG, auditLog, NO_AUDIT_TOPIC, type AuditLog } from "@kuayu/outbox";
import type { ComplaintDoc, CounterDoc, CounterLevel, DrillDoc, FeedbackDoc, LedgerDoc, NoticeDoc, RatingDoc } from "../domain/records.js";

// The documents (domain/records.ts) and how they are kept: the collections of kuayu_supervision.
export * from "../domain/records.js";

export interface Store {
  counters: Record<CounterLevel, Collection<CounterDoc>>;
  ledger: Collection<LedgerDoc>;
  /** The open filings only (a copy of their ledger entries): what overdue lists and notices scan. */
  open: Collection<LedgerDoc>;
  notices: Collection<NoticeDoc>;
  ratings: Collection<RatingDoc>;
  complaints: Collection<ComplaintDoc>;
  drills: Collection<DrillDoc>;
  feedback: Collection<FeedbackDoc>;
  /**
   * The writes of the gRPC calls (notices, ratings, complaints, drills), each with the record of the
   * call that makes it (@kuayu/outbox audit log; docs/security.md "Audit trail").
   */
  writes: AuditLog;
}

export const COLLECTIONS = [
  { name: "ledger" },
  { name: "open_filings", indexes: [{ keys: { province: 1 } as Record<string, 1 | -1> }] },
  { name: "counters_province" },
  { name: "counters_court" },
  { name: "notices", indexes: [{ keys: { level: 1, scopeId: 1, generatedAt: -1 } as Record<string, 1 | -1> }] },
  { name: "ratings" },
  { name: "complaints" },
  { name: "drills" },
  { name: "feedback_queue" },
  { name: AUDIT_LOG },
];

/** The store; `publishAudit` sends an audited call's record to its audit topic (the service's producer). */
export function openStore(conn: Connection, publishAudit: (entry: AuditEntry) => Promise<void> = NO_AUDIT_TOPIC): Store {
  return {
    ledger: conn.collection("ledger"),
    open: conn.collection("open_filings"),
    counters: { province: conn.collection("counters_province"), court: conn.collection("counters_court") },
    notices: conn.collection("notices"),
    ratings: conn.collection("ratings"),
    complaints: conn.collection("complaints"),
    drills: conn.collection("drills"),
    feedback: conn.collection("feedback_queue"),
    writes: auditLog(conn.db!, { publish: publishAudit }),
  };
}
