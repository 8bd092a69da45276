import { mongo } from "mongoose";
import { currentAudit, type AuditEntry } from "@kuayu/auth";
import type { Logger } from "@kuayu/logger";

/**
 * The audit log (docs/security.md, "Audit trail"): how a service whose documents are not versioned
 * (notification's webhooks, subscriptions and read marks; supervision's notices, ratings,
 * complaints and drills) writes a change together with the record of the call that makes it, on any
 * MongoDB-wire store. Inside an audited call, the call's writes and its record are first one unique
 * insert into `audit_log` — the commit — and only then applied; then the record is published and
 * the row deleted. A crash after the commit leaves the row, and the sweeper applies its writes again
 * and publishes the record; a crash before it leaves neither. So no change goes without its record
 * and no record without its change.
 *
 * Each write is idempotent so that applying it again is harmless: an insert names its `_id` (a
 * duplicate is "there already"), an update only `$set`s, a delete is by filter.
 */
export type LoggedWrite =
  | { collection: string; insertOne: mongo.Document & { _id: string } }
  | { collection: string; updateOne: { filter: mongo.Document; set: mongo.Document } }
  | { collection: string; updateMany: { filter: mongo.Document; set: mongo.Document } }
  | { collection: string; deleteOne: { filter: mongo.Document } };

export const AUDIT_LOG = "audit_log";

/** For a store whose calls are not audited (tests, tools): a call inside an audit context would fail here. */
export const NO_AUDIT_TOPIC = (): Promise<void> => Promise.reject(new Error("this store was opened without an audit topic to publish to"));

interface LogRow {
  _id: string; // the record's id
  /** The writes, as canonical extended JSON (a filter's `$in` cannot be a stored field name). */
  writes: string;
  /** The record if the writes changed something, and if they changed nothing. */
  ok: AuditEntry;
  unchanged: AuditEntry;
  /** Set when the writes were applied but the record could not be published: the sweeper only publishes. */
  applied?: { changed: boolean };
  at: Date;
}

export interface AuditLog {
  /**
   * Applies the writes in order, inside an audited call as one logged change with the call's
   * record ("ok", or "no change" when no write changed anything). Returns what each write changed
   * (inserted, modified or deleted documents; 0 for an insert whose `_id` exists).
   */
  write(writes: LoggedWrite[]): Promise<number[]>;
  /** Finishes the rows of writers that died or lost the broker (older than `graceMs`); returns how many. */
  sweep(): Promise<number>;
  /** Sweeps every `intervalMs` until stopped. */
  start(intervalMs?: number): { stop(): void };
}

const isDuplicateKey = (err: unknown) => (err as { code?: number })?.code === 11000;
const entryOf = (e: AuditEntry): AuditEntry => ({ ...e, value: Buffer.isBuffer(e.value) ? e.value : Buffer.from((e.value as unknown as mongo.Binary).buffer) });

/** The id of the document a write changes, when its filter or document names one. */
function changedId(w: LoggedWrite): string {
  const id: unknown = "insertOne" in w ? w.insertOne._id : ("updateOne" in w ? w.updateOne : "updateMany" in w ? w.updateMany : w.deleteOne).filter._id;
  return typeof id === "string" ? id : "";
}

export function auditLog(db: mongo.Db, opts: { publish(entry: AuditEntry): Promise<void>; log?: Logger; graceMs?: number }): AuditLog {
  const rows = db.collection<LogRow>(AUDIT_LOG);
  const graceMs = opts.graceMs ?? 30_000;

  async function apply(writes: LoggedWrite[]): Promise<number[]> {
    const out: number[] = [];
    for (const w of writes) {
      const col = db.collection(w.collection);
      if ("insertOne" in w) {
        try {
          await col.insertOne(w.insertOne as never);
          out.push(1);
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          out.push(0);
        }
      } else if ("updateOne" in w) out.push((await col.updateOne(w.updateOne.filter, { $set: w.updateOne.set })).modifiedCount);
      else if ("updateMany" in w) out.push((await col.updateMany(w.updateMany.filter, { $set: w.updateMany.set })).modifiedCount);
      else out.push((await col.deleteOne(w.deleteOne.filter)).deletedCount);
    }
    return out;
  }

  /** Publishes the record of applied writes and drops the row; on failure leaves it to the sweeper. */
  async function finish(row: LogRow, changed: boolean): Promise<void> {
    try {
      await opts.publish(entryOf(changed ? row.ok : row.unchanged));
      await rows.deleteOne({ _id: row._id });
    } catch (err) {
      opts.log?.warn({ err, record: row._id }, "the audit record of an applied change is not published yet; the sweeper publishes it");
      // One writer of the row (this call): the sweeper, seeing it applied, only publishes.
      await rows.updateOne({ _id: row._id }, { $set: { applied: { changed } } }).catch(() => undefined);
    }
  }

  const log: AuditLog = {
    async write(writes) {
      const call = currentAudit();
      if (!call) return apply(writes);
      const target = writes.map(changedId).find(Boolean) ?? "";
      const ok = call.entry("ok", target);
      const row: LogRow = { _id: ok._id, writes: mongo.BSON.EJSON.stringify(writes, { relaxed: false }), ok, unchanged: call.entry("no change", target), at: new Date() };
      await rows.insertOne(row); // the commit: the change and its record, or neither
      call.committed++;
      const counts = await apply(writes);
      await finish(
        row,
        counts.some((n) => n > 0),
      );
      return counts;
    },

    async sweep() {
      const stale = await rows
        .find({ at: { $lt: new Date(Date.now() - graceMs) } })
        .sort({ at: 1 })
        .limit(100)
        .toArray();
      for (const row of stale) {
        // A writer that died after its commit: its writes may be half applied — apply them again,
        // and record the change as made (the commit decided it).
        if (!row.applied) await apply(mongo.BSON.EJSON.parse(row.writes, { relaxed: false }) as LoggedWrite[]);
        await opts.publish(entryOf(row.applied?.changed === false ? row.unchanged : row.ok));
        await rows.deleteOne({ _id: row._id });
      }
      return stale.length;
    },

    start(intervalMs = 10_000) {
      const timer = setInterval(() => void log.sweep().catch((err: unknown) => opts.log?.warn({ err }, "audit log sweep failed; tried again shortly")), intervalMs);
      timer.unref();
      return { stop: () => clearInterval(timer) };
    },
  };
  return log;
}
