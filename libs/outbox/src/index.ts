import { randomUUID } from "node:crypto";
import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import { context, propagation, ROOT_CONTEXT } from "@opentelemetry/api";
import { Schema, type Model, mongo } from "mongoose";

type Binary = mongo.Binary;
import { buildRecord, type EventProducer, type EventRecord, type TopicSpec } from "@kuayu/kafka";
import type { Logger } from "@kuayu/logger";

/**
 * Transactional outbox on the same document (docs/architecture.md): the event is written in the very
 * update that changes the document, and a relay publishes it afterwards. A crash between publish
 * and clean-up republishes the same record (same event id), which idempotent consumers ignore.
 * No multi-document transaction is needed, so this runs on FerretDB as on MongoDB.
 */
export interface OutboxEntry {
  _id: string;
  topic: string;
  key: string;
  partition?: number;
  value: Buffer;
  headers: Record<string, string>;
}

export interface OutboxFields {
  outbox: OutboxEntry[];
  /** True while outbox has entries; indexed so the relay finds work without scanning. */
  outboxPending: boolean;
  /** A relay instance holds the document until then (several replicas may run a relay). */
  outboxLeaseUntil: Date;
}

/** Adds the outbox fields and index to a schema. */
export function withOutbox<S extends Schema<any>>(schema: S): S {
  (schema as Schema).add({
    outbox: {
      type: [
        new Schema(
          {
            _id: { type: String, required: true },
            topic: { type: String, required: true },
            key: { type: String, required: true },
            partition: { type: Number },
            value: { type: Buffer, required: true },
            headers: { type: Map, of: String, required: true },
          },
          { _id: false },
        ),
      ],
      default: [],
    },
    outboxPending: { type: Boolean, default: false },
    outboxLeaseUntil: { type: Date, default: () => new Date(0) },
  });
  schema.index({ outboxPending: 1, outboxLeaseUntil: 1 });
  return schema;
}

/** Builds an outbox entry for an event now, capturing the current trace context and metadata. */
export function outboxEntry<S extends DescMessage>(
  topic: TopicSpec<S>,
  key: string,
  message: MessageInitShape<S>,
  source: string,
  partition?: number,
): OutboxEntry {
  const id = randomUUID();
  const r = buildRecord(topic, key, message, { source, id, ...(partition === undefined ? {} : { partition }) });
  return { _id: id, topic: r.topic, key: r.key, value: r.value, headers: r.headers, ...(partition === undefined ? {} : { partition }) };
}

/** Adds "append these entries to the outbox" to an update, so the change and its events are one write. */
export function pushOutbox<U extends { $set?: object; $push?: object }>(update: U, ...entries: OutboxEntry[]) {
  return {
    ...update,
    $push: { ...update.$push, outbox: { $each: entries } },
    $set: { ...update.$set, outboxPending: true },
  };
}

export interface RelayOptions {
  model: Model<any>;
  producer: EventProducer;
  log: Logger;
  /** How often to look for work when idle (default 200 ms); nudge() wakes it sooner. */
  intervalMs?: number;
  /**
   * How often to scan the whole collection for pending entries (default 2 s) when writers name the
   * documents they wrote (`nudge(id)`). The store has no usable secondary index (FerretDB), so a scan
   * costs the whole collection; named documents are read by _id instead.
   */
  sweepMs?: number;
  /** How long one relay holds a document (default 30 s). */
  leaseMs?: number;
  /**
   * The lock every writer of these documents takes (see createLocks in @kuayu/mongo). With it the
   * relay publishes and clears a document's outbox while holding that document's lock, instead of
   * leasing it with updates that could race with other writers; without it the lease is used.
   */
  lock?: <T>(id: string, fn: () => Promise<T>) => Promise<T>;
}

export interface OutboxRelay {
  /** Look for work now (call after writing an outbox entry; with the document's id, only it is read). */
  nudge(id?: string): void;
  /** Finishes the document in hand and stops. */
  stop(): Promise<void>;
  /** Publishes everything pending once; returns how many events went out. For tests and tools. */
  drainOnce(): Promise<number>;
}

export function startOutboxRelay(opts: RelayOptions): OutboxRelay {
  const { model, producer, log } = opts;
  const intervalMs = opts.intervalMs ?? 200;
  const sweepMs = opts.sweepMs ?? 2000;
  /** Documents named by writers, relayed by _id before any scan. */
  const hinted = new Set<string>();
  let sweepDue = true;
  let lastSweep = 0;
  const leaseMs = opts.leaseMs ?? 30_000;
  let stopped = false;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;

  // The relay works on the raw collection: it must send back exactly the entries it read, because
  // removal is a $pullAll of whole entries ($pull with a condition is a silent no-op on FerretDB).
  type RawEntry = { _id: string; topic: string; key: string; partition?: number | null; value: Binary; headers: Record<string, string> };
  const collection = model.collection;

  const claim = async (id?: string) => {
    const now = new Date();
    return collection.findOneAndUpdate(
      { ...(id === undefined ? {} : { _id: id as never }), outboxPending: true, outboxLeaseUntil: { $lt: now } },
      { $set: { outboxLeaseUntil: new Date(now.getTime() + leaseMs) } },
      // No projection: FerretDB does not implement findAndModify's "fields".
      { returnDocument: "after" },
    );
  };

  const publish = async (entries: RawEntry[]) => {
    // Publish each event inside the trace of the request that queued it, so one trace runs
    // from that request through the broker to the consumers.
    for (const e of entries) {
      const record: EventRecord = {
        topic: e.topic,
        key: e.key,
        value: Buffer.from(e.value.buffer),
        // A copy: instrumentation adds trace headers to what it sends, and the stored entry must
        // stay byte-for-byte what was read for the $pullAll below.
        headers: { ...e.headers },
        ...(e.partition === undefined || e.partition === null ? {} : { partition: e.partition }),
      };
      await context.with(propagation.extract(ROOT_CONTEXT, record.headers), () => producer.sendRecords([record]));
    }
  };

  const relayLeased = async (id?: string): Promise<number> => {
    const doc = await claim(id);
    if (!doc) return 0;
    const entries = (doc.outbox ?? []) as RawEntry[];
    await publish(entries);
    const pulled = await collection.updateOne(
      { _id: doc._id },
      { $pullAll: { outbox: entries }, $set: { outboxLeaseUntil: new Date(0) } } as never,
    );
    if (pulled.modifiedCount !== 1) log.warn({ doc: doc._id }, "outbox entries were not removed after publishing");
    // Clear the flag only if nothing new was appended meanwhile.
    await collection.updateOne({ _id: doc._id, outbox: { $size: 0 } }, { $set: { outboxPending: false } });
    return entries.length;
  };

  const relayLocked = async (lock: NonNullable<RelayOptions["lock"]>, id?: string): Promise<number> => {
    const pending: { _id: unknown }[] = id !== undefined ? [{ _id: id }] : await collection.find({ outboxPending: true }, { projection: { _id: 1 } }).limit(50).toArray();
    let sent = 0;
    for (const { _id } of pending) {
      try {
        sent += await lock(String(_id), async () => {
          const doc = await collection.findOne({ _id: _id as never });
          if (!doc?.outboxPending) return 0; // another relay got there first
          const entries = (doc.outbox ?? []) as RawEntry[];
          await publish(entries);
          await collection.updateOne({ _id: _id as never }, { $set: { outbox: [], outboxPending: false } });
          return entries.length;
        });
      } catch (err) {
        if ((err as Error).name !== "LockBusyError") throw err;
        // A writer holds it for now; the next pass picks it up.
      }
    }
    return sent;
  };

  const relayOne = (id?: string) => (opts.lock ? relayLocked(opts.lock, id) : relayLeased(id));

  /** The documents writers named, each by _id; a failure leaves the rest to the next sweep. */
  const relayHinted = async () => {
    let total = 0;
    for (const id of [...hinted]) {
      hinted.delete(id);
      total += await relayOne(id);
    }
    return total;
  };

  const drainOnce = async () => {
    let total = 0;
    for (;;) {
      const n = await relayOne();
      if (n === 0) return total;
      total += n;
    }
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        await relayHinted();
        if (sweepDue || Date.now() - lastSweep >= sweepMs) {
          sweepDue = false;
          lastSweep = Date.now();
          await drainOnce();
        }
      } catch (err) {
        sweepDue = true;
        log.error({ err }, "outbox relay failed; will retry");
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, intervalMs);
      });
    }
  })();

  return {
    nudge: (id?: string) => {
      if (id === undefined) sweepDue = true;
      else hinted.add(id);
      wake?.();
    },
    drainOnce,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      await loop;
    },
  };
}
export * from "./versioned.js";
