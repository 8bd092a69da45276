import type { AuditEntry } from "@kuayu/auth";
import type { Collection, Connection } from "mongoose";
import type { FieldCrypt } from "@kuayu/fieldcrypt";
import { AUDIT_LOG, auditLog, groupCommit, insertEach, NO_AUDIT_TOPIC, type AuditLog } from "@kuayu/outbox";
import { isDuplicateKey } from "@kuayu/mongo";
import type { FilingFacts } from "../domain/notify.js";
import type { DeliveryDoc, DocumentDoc, DocumentPdfDoc, NotificationDoc, PartyPhonesDoc, ReminderDoc, SmsOptOutDoc, SubscriptionDoc, WebhookDoc } from "../domain/records.js";

// The notification service's store (database kuayu_notification): its collections; the documents
// are domain/records.ts's.

export * from "../domain/records.js";

export interface Store {
  /** The filings' facts, per filing and lifecycle topic (`factsId`). */
  filings: Collection<FilingFacts & { _id: string }>;
  notifications: Collection<NotificationDoc>;
  webhooks: Collection<WebhookDoc>;
  subscriptions: Collection<SubscriptionDoc>;
  deliveries: Collection<DeliveryDoc>;
  reminders: Collection<ReminderDoc>;
  documents: Collection<DocumentDoc>;
  documentPdfs: Collection<DocumentPdfDoc>;
  partyPhones: Collection<PartyPhonesDoc>;
  smsOptOuts: Collection<SmsOptOutDoc>;
  /** Seals personal fields at rest (@kuayu/fieldcrypt; the service's data keys in `field_keys`). */
  crypt: FieldCrypt;
  /**
   * The writes of the gRPC calls (webhooks, subscriptions, read marks, replays), each with the record
   * of the call that makes it (@kuayu/outbox audit log; docs/security.md "Audit trail").
   */
  writes: AuditLog;
}

export const COLLECTIONS = [
  // `waiting`: the reminder worker's equality look-up of the filings still awaiting a response.
  { name: "filings", indexes: [{ keys: { waiting: 1 } as Record<string, 1 | -1> }] },
  { name: "notifications", indexes: [{ keys: { courtId: 1, role: 1, createdAt: -1 } as Record<string, 1 | -1> }, { keys: { tick: 1 } as Record<string, 1 | -1> }] },
  { name: "webhooks", indexes: [{ keys: { courtId: 1 } as Record<string, 1 | -1> }] },
  { name: "subscriptions", indexes: [{ keys: { courtId: 1 } as Record<string, 1 | -1> }] },
  { name: "deliveries", indexes: [{ keys: { status: 1, nextAttemptAt: 1 } as Record<string, 1 | -1> }, { keys: { targetId: 1, createdAt: -1 } as Record<string, 1 | -1> }] },
  { name: "reminders", indexes: [{ keys: { done: 1, dueAt: 1 } as Record<string, 1 | -1> }] },
  { name: "documents", indexes: [{ keys: { key: 1 } as Record<string, 1 | -1>, unique: true }] },
  { name: "document_pdfs" },
  { name: "party_phones" },
  { name: "sms_opt_outs" },
  { name: AUDIT_LOG },
];

/** The store; `publishAudit` sends an audited call's record to its audit topic (the service's producer). */
export function openStore(conn: Connection, crypt: FieldCrypt, publishAudit: (entry: AuditEntry) => Promise<void> = NO_AUDIT_TOPIC): Store {
  return {
    filings: conn.collection("filings"),
    notifications: conn.collection("notifications"),
    webhooks: conn.collection("webhooks"),
    subscriptions: conn.collection("subscriptions"),
    deliveries: conn.collection("deliveries"),
    reminders: conn.collection("reminders"),
    documents: conn.collection("documents"),
    documentPdfs: conn.collection("document_pdfs"),
    partyPhones: conn.collection("party_phones"),
    smsOptOuts: conn.collection("sms_opt_outs"),
    crypt,
    writes: auditLog(conn.db!, { publish: publishAudit }),
  };
}

/** Inserts once; a repeat (same _id) is fine. True when this call inserted it. */
export async function insertOnce<T extends { _id: string }>(col: Collection<T>, doc: T): Promise<boolean> {
  try {
    await col.insertOne(doc as never);
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/**
 * Inserts many at once (unordered); a document whose _id (or other unique key) is there already was
 * inserted before — by a redelivery's first delivery or another replica — and is "already done",
 * not an error. Returns the documents this call inserted. Any other failure throws (the whole batch
 * is retried; what it inserted is then "already done"). The inserts into one collection that arrive
 * while one is under way — the batches of several topics handled at once — go to the store
 * together in the next one (@kuayu/outbox groupCommit).
 */
export async function insertAll<T extends { _id: string }>(col: Collection<T>, docs: T[]): Promise<T[]> {
  if (docs.length === 0) return [];
  let put = grouped.get(col) as ((doc: T) => Promise<void>) | undefined;
  if (!put) grouped.set(col, (put = groupCommit<T>((all) => insertEach(col as never, all))) as never);
  const results = await Promise.allSettled(docs.map(put));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected" && !isDuplicateKey(r.reason));
  if (failed) throw failed.reason;
  return docs.filter((_, i) => results[i]!.status === "fulfilled");
}
const grouped = new WeakMap<object, (doc: never) => Promise<void>>();
