import type { AnyBulkWriteOperation, Collection, Document } from "mongodb";
import type { WorkingHours } from "@kuayu/domain";
import { isDuplicateKey, writeInGroups } from "@kuayu/mongo";
import { provincePartition } from "@kuayu/topics";
import { applyEvent, contributions, emptyEntry, EVENTS, recountResponse, type Delta, type LedgerEntry } from "../domain/ledger.js";
import type { LedgerWriter, PartitionEvent } from "../domain/supervision.js";
import { countContributions } from "./metrics.js";
import { counterDocId, counterInc, daysOf, feedbackKey, scopesOf, type CounterDoc, type CounterLevel, type LedgerDoc, type Store } from "./store.js";

export type { PartitionEvent };

/**
 * The key of a lifecycle stream's offset in a counter document (`offsets.s<stream>`). Not the bare
 * number the partitions of the single lifecycle topic used: the documents of the month of the move
 * hold those partitions' offsets, which say nothing about the new topics' (they start at 0).
 */
export const offsetKey = (stream: number) => `s${stream}`;

/**
 * The one writer of the supervision documents of this member's lifecycle streams (one per province:
 * libs/topics `lifecycleStream`, the province's topic, consumed for the copies of the events of its
 * jurisdiction courts' filings only — `ownCopy("jurisdiction")`) (docs/architecture.md, "Who writes
 * what"): the ledger entries of the streams' filings, their open-filing copies and the court and
 * province counters they feed — all the jurisdiction court's and its province's. Every filing's
 * counted events come on one stream, and the group gives each topic to one member, so no document
 * needs a lock.
 *
 * Group commit: the fetches of all streams are gathered for a short window (`flushMs`) and
 * written together, one flush at a time — each touched counter document once, the ledger entries
 * and open filings with one bulk write per collection. A fetch's promise settles with its flush,
 * and only then does the consumer commit its offsets.
 */
export type PartitionWriter = LedgerWriter;

export interface GroupOptions {
  /** How long the first fetch of a flush waits for the other streams' (ms). */
  flushMs: number;
  /** A flush starts at once when it holds this many events. */
  maxEvents: number;
  /**
   * Fetches the consumer handles at once (its concurrency): once that many wait, no other can
   * come before the flush, so it starts at once.
   */
  maxFetches: number;
}

/** Feedback queue rows taken per pass (the queue is normally a handful). */
const FEEDBACK_BATCH = 1000;

/** Ledger entries kept in memory per member (the open filings of a busy stream fit many times). */
const LEDGER_CACHE = 20_000;

type Contribution = { stream: number; offset: number; entry: LedgerEntry; delta: Delta };
type Waiting = { stream: number; events: PartitionEvent[]; resolve: () => void; reject: (err: unknown) => void };

export function partitionWriter(store: Store, hours: (courtId: string) => WorkingHours, opts: GroupOptions, costOf?: (e: LedgerEntry) => number): PartitionWriter {
  let mine: number[] = [];
  /** Ledger entries as last written by this member. */
  const ledger = new Map<string, LedgerDoc>();
  /**
   * Per counter document (level|_id), the stream offsets it covers as last read or written since
   * the member's streams were assigned; a document not in it is taken as new (writeCounters).
   */
  const applied = new Map<string, Record<string, number>>();

  // One lane: flushes and recounts run one after the other.
  let lane: Promise<unknown> = Promise.resolve();
  const inLane = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = lane.then(fn, fn);
    lane = run.catch(() => undefined);
    return run;
  };

  let waiting: Waiting[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const group = waiting;
    waiting = [];
    if (group.length === 0) return;
    inLane(() => writeGroup(group)).then(
      () => group.forEach((w) => w.resolve()),
      (err: unknown) => group.forEach((w) => w.reject(err)),
    );
  };

  const remember = (d: LedgerDoc) => {
    ledger.delete(d._id);
    ledger.set(d._id, d);
    if (ledger.size > LEDGER_CACHE) ledger.delete(ledger.keys().next().value!);
  };
  /**
   * The ledger entries of a flush's filings that exist: those not cached read by _id, one look-up
   * each (FerretDB answers an `$in` with a scan of the whole collection).
   */
  async function loadLedger(ids: string[]): Promise<Map<string, LedgerDoc>> {
    const known = new Map<string, LedgerDoc>();
    await Promise.all(
      ids.map(async (id) => {
        const d = ledger.get(id) ?? ((await store.ledger.findOne({ _id: id })) as LedgerDoc | null);
        if (d) known.set(id, d);
      }),
    );
    return known;
  }

  /**
   * The ledger entries of a flush's filings that exist (loadLedger), but a filing not cached whose
   * first event here is its FilingSubmitted — a filing's first event, so its entry is most likely
   * not there — is not looked up: its entry is inserted empty (no event applied, nothing counted),
   * all of them in one unordered insert, before anything is counted. One that is there after all (a
   * redelivery after a restart, a filing submitted again, an event published twice) fails its
   * insert alone and is read, and its events apply to it as to any other.
   */
  async function loadEntries(group: Waiting[]): Promise<Map<string, LedgerDoc>> {
    const first = new Map<string, { type: string; stream: number }>();
    for (const w of group) for (const e of w.events) if (!first.has(e.filingId)) first.set(e.filingId, { type: e.type, stream: w.stream });
    const empty = [...first]
      .filter(([id, f]) => f.type === EVENTS.submitted && !ledger.has(id))
      .map(([id, f]): LedgerDoc => ({ ...emptyEntry(id), _id: id, open: false, stream: f.stream, offset: -1 }));
    const taken = new Set(empty.map((d) => d._id));
    const [known, there] = await Promise.all([
      loadLedger([...first.keys()].filter((id) => !taken.has(id))),
      insertNew(
        store.ledger,
        empty.map((d): AnyBulkWriteOperation<LedgerDoc> => ({ insertOne: { document: d } })),
      ),
    ]);
    const stored = await loadLedger(there.map((i) => empty[i]!._id));
    if (stored.size !== there.length) throw new Error("a ledger entry was there at the insert and gone at the read; the flush is tried again");
    for (const d of empty) known.set(d._id, stored.get(d._id) ?? d);
    return known;
  }

  /**
   * Adds contributions to the court and province counter documents, each document written once.
   * With `last` (the last offset per stream of the flush), a contribution at or below the
   * offset its document covers of its stream is skipped, and the document then covers `last`;
   * without (a recount), every contribution is added. A document this member has not read or
   * written since its streams were assigned is taken as new and inserted — most are: a court's
   * counters of a day start with its first filing — and one that is there after all (written
   * before a restart or a rebalance) fails its unique insert alone and is then read and updated.
   */
  async function writeCounters(contribs: Contribution[], last: Map<number, number> | undefined): Promise<void> {
    type Doc = { level: CounterLevel; _id: string; parts: { stream: number; offset: number; inc: Record<string, number> }[] };
    const docs = new Map<string, Doc>();
    for (const c of contribs) {
      const inc = counterInc(c.entry, c.delta);
      if (Object.keys(inc).length === 0) continue;
      for (const [level, id] of scopesOf(c.entry)) {
        const _id = counterDocId(c.entry.drill, id, c.entry.day, "consumer");
        const d = docs.get(`${level}|${_id}`) ?? { level, _id, parts: [] };
        d.parts.push({ stream: c.stream, offset: c.offset, inc });
        docs.set(`${level}|${_id}`, d);
      }
    }
    /** The write of a document given what it covers (null: not known, taken as new), and what it covers after. */
    const writeOf = (d: Doc, covered: Record<string, number> | null) => {
      const inc: Record<string, number> = {};
      const offsets: Record<string, number> = {};
      for (const part of d.parts) {
        if (last && part.offset <= (covered?.[offsetKey(part.stream)] ?? -1)) continue;
        for (const [f, v] of Object.entries(part.inc)) inc[f] = (inc[f] ?? 0) + v;
        if (last) offsets[offsetKey(part.stream)] = last.get(part.stream)!;
      }
      if (Object.keys(inc).length === 0) return undefined;
      const after = { ...covered, ...offsets };
      // Not known to this member: a unique insert (one writer: nobody else creates it).
      if (covered === null) return { after, op: { insertOne: { document: { _id: d._id, days: daysOf(inc), offsets } } } as AnyBulkWriteOperation<CounterDoc> };
      const set = Object.fromEntries(Object.entries(offsets).map(([p, o]) => [`offsets.${p}`, o]));
      const update = Object.keys(set).length > 0 ? { $inc: inc, $set: set } : { $inc: inc };
      return { after, op: { updateOne: { filter: { _id: d._id }, update: update as never } } as AnyBulkWriteOperation<CounterDoc> };
    };
    const written = new Map<string, Record<string, number>>();
    try {
      for (const level of ["court", "province"] as const) {
        const inserts: { key: string; d: Doc; op: AnyBulkWriteOperation<CounterDoc> }[] = [];
        const updates: AnyBulkWriteOperation<CounterDoc>[] = [];
        for (const [key, d] of docs) {
          if (d.level !== level) continue;
          const w = writeOf(d, applied.get(key) ?? null);
          if (!w) continue;
          if ("insertOne" in w.op) inserts.push({ key, d, op: w.op });
          else updates.push(w.op);
          written.set(key, w.after);
        }
        const there = await insertNew(
          store.counters[level],
          inserts.map((i) => i.op),
        );
        // Those that were there after all: what they cover, then the update that adds the rest.
        await Promise.all(
          there.map(async (n) => {
            const i = inserts[n]!;
            const cur = await store.counters[level].findOne({ _id: i.d._id }, { projection: { offsets: 1 } });
            if (!cur) throw new Error(`counter document ${i.d._id} was there at the insert and gone at the read; the flush is tried again`);
            const covered = cur.offsets ?? {};
            const w = writeOf(i.d, covered);
            if (w) updates.push(w.op);
            written.set(i.key, w?.after ?? covered);
          }),
        );
        await writeInGroups(store.counters[level], updates);
      }
    } catch (err) {
      // Some may have been written: read them again before the retry.
      for (const k of written.keys()) applied.delete(k);
      throw err;
    }
    for (const [k, covered] of written) applied.set(k, covered);
  }

  /** One flush: the fetches of several streams, written together. */
  async function writeGroup(group: Waiting[]): Promise<void> {
    const events = new Map<number, PartitionEvent[]>();
    for (const w of group) events.set(w.stream, [...(events.get(w.stream) ?? []), ...w.events]);
    const known = await loadEntries(group);
    /** Per filing: the entry before this flush (undefined: not in the store) and after it. */
    const changed = new Map<string, { before: LedgerDoc | undefined; after: LedgerDoc }>();
    const contribs: (Contribution & { names: string[] })[] = [];
    const last = new Map<number, number>();
    for (const [p, evs] of events) {
      last.set(p, Math.max(...evs.map((e) => e.offset)));
      for (const ev of evs) {
        const before = known.get(ev.filingId);
        const cur = changed.get(ev.filingId)?.after ?? before;
        if (cur?.offset !== undefined && cur.stream === p && cur.offset >= ev.offset) continue; // applied by an earlier delivery
        const { filingId, offset, ...event } = ev;
        const next = applyEvent(cur ?? emptyEntry(filingId), event, hours);
        const pending = contributions(next, costOf);
        if (pending.length > 0) {
          const delta: Delta = {};
          for (const c of pending) for (const [k, v] of Object.entries(c.delta)) delta[k] = (delta[k] ?? 0) + v;
          contribs.push({ stream: p, offset, entry: next, delta, names: pending.map((c) => c.name) });
        }
        // (`partition`: the single lifecycle topic's, on entries written before the per-province topics.)
        const { _id: _i, open: _o, partition: _p, stream: _s, offset: _f, ...entry } = { ...(next as LedgerDoc) };
        const after: LedgerDoc = { ...entry, counted: [...next.counted, ...pending.map((c) => c.name)], _id: filingId, open: !next.decidedAt && !next.withdrawn, stream: p, offset };
        changed.set(filingId, { before, after });
      }
    }
    if (changed.size === 0) return;
    await writeCounters(contribs, last);
    // An entry only the offset of which moved is not written: its events change nothing again.
    const docs = [...changed.values()].filter(({ before, after }) => !before || !sameExcept(before, after, ["offset"]));
    const ledgerOps = docs.map(({ before, after }): AnyBulkWriteOperation<LedgerDoc> =>
      before ? { replaceOne: { filter: { _id: after._id }, replacement: after } } : { insertOne: { document: after } },
    );
    await writeInGroups(store.ledger, ledgerOps);
    // Open filings that have arrived: what overdue lists and notices read. A closed one leaves,
    // once; a change of the offset or of what was counted alone is not copied.
    const openOps = docs.flatMap(({ before, after }): AnyBulkWriteOperation<LedgerDoc>[] => {
      const was = before?.open === true; // there, or (an entry not arrived yet) possibly there
      if (after.open && after.arrivedAt) {
        if (!before) return [{ insertOne: { document: after } }]; // a new filing: not there
        return before.open && before.arrivedAt && sameExcept(before, after, ["offset", "counted"]) ? [] : [{ replaceOne: { filter: { _id: after._id }, replacement: after, upsert: true } }];
      }
      return was ? [{ deleteOne: { filter: { _id: after._id } } }] : [];
    });
    await writeInGroups(store.open, openOps);
    for (const { after } of changed.values()) remember(after);
    for (const c of contribs) countContributions(c.entry, c.names);
  }

  return {
    ingest(stream, events) {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ stream, events, resolve, reject });
        const fetches = new Set(waiting.map((w) => w.stream)).size;
        const all = Math.min(opts.maxFetches, mine.length > 0 ? mine.length : Infinity);
        if (fetches >= all || waiting.reduce((n, w) => n + w.events.length, 0) >= opts.maxEvents) flush();
        else timer ??= setTimeout(flush, opts.flushMs);
      });
    },

    owns: (stream) => mine.includes(stream),

    assigned(streams) {
      mine = [...streams];
      ledger.clear();
      applied.clear();
    },

    async countFeedback() {
      return inLane(async () => {
        const rows = (await store.feedback.find({}).limit(FEEDBACK_BATCH).toArray()).filter((r) => mine.includes(r.stream));
        if (rows.length === 0) return 0;
        const docs = new Map<string, { level: CounterLevel; _id: string; parts: { key: string; inc: Record<string, number> }[] }>();
        for (const r of rows) {
          const inc = counterInc(r.entry, r.delta);
          for (const [level, id] of scopesOf(r.entry)) {
            const _id = counterDocId(r.entry.drill, id, r.entry.day, "g");
            const d = docs.get(`${level}|${_id}`) ?? { level, _id, parts: [] };
            d.parts.push({ key: feedbackKey(r._id), inc });
            docs.set(`${level}|${_id}`, d);
          }
        }
        const ops: Record<CounterLevel, AnyBulkWriteOperation<CounterDoc>[]> = { province: [], court: [] };
        await Promise.all(
          [...docs.values()].map(async (d) => {
            const fed = (await store.counters[d.level].findOne({ _id: d._id }, { projection: { fed: 1 } }))?.fed ?? {};
            const inc: Record<string, number> = {};
            const set: Record<string, 1> = {};
            for (const part of d.parts.filter((x) => !fed[x.key])) {
              for (const [f, v] of Object.entries(part.inc)) inc[f] = (inc[f] ?? 0) + v;
              set[`fed.${part.key}`] = 1;
            }
            if (Object.keys(set).length > 0)
              ops[d.level].push({ updateOne: { filter: { _id: d._id }, update: (Object.keys(inc).length > 0 ? { $inc: inc, $set: set } : { $set: set }) as never, upsert: true } });
          }),
        );
        for (const l of ["court", "province"] as const) await writeInGroups(store.counters[l], ops[l]);
        await writeInGroups(
          store.feedback,
          rows.map((r) => ({ deleteOne: { filter: { _id: r._id } } })),
        );
        return rows.length;
      });
    },

    async recount(years) {
      if (years?.length === 0) return 0;
      // A response can reach into a changed year from the December before it.
      const filter = years ? { day: { $gte: `${Math.min(...years) - 1}-12-01`, $lte: `${Math.max(...years)}-12-31` } } : { responseProvisional: true };
      const entries = (await store.ledger.find(filter).toArray()) as LedgerDoc[];
      // An entry of the single lifecycle topic names its partition: the same number as its stream.
      const streamOf = (d: LedgerDoc) => d.stream ?? d.partition ?? provincePartition(d.province);
      return inLane(async () => {
        let moved = 0;
        for (const stale of entries.filter((d) => mine.includes(streamOf(d)))) {
          // The entry as it is now (a flush may have changed it since the query).
          const cur = ledger.get(stale._id) ?? ((await store.ledger.findOne({ _id: stale._id })) as LedgerDoc | null);
          const r = cur && recountResponse(cur, hours(cur.jurisdictionCourtId));
          if (!r) continue;
          // Counters first, then the entry: a crash in between corrects the counters again on the
          // next recount (the one place that counts at least once; it runs when a year is loaded).
          if (Object.keys(r.delta).length > 0) await writeCounters([{ stream: streamOf(cur), offset: -1, entry: r.entry, delta: r.delta }], undefined);
          const next: LedgerDoc = { ...cur, responseWorkingMinutes: r.entry.responseWorkingMinutes, responseProvisional: r.entry.responseProvisional };
          await store.ledger.replaceOne({ _id: cur._id }, next);
          if (cur.open && cur.arrivedAt) await store.open.replaceOne({ _id: cur._id }, next, { upsert: true });
          remember(next);
          moved++;
        }
        return moved;
      });
    },
  };
}

/** Two ledger documents equal but for some fields (a missing field and null are alike: the store keeps undefined as null). */
function sameExcept(a: LedgerDoc, b: LedgerDoc, fields: (keyof LedgerDoc)[]): boolean {
  const value = (v: unknown) => (v === null || v === undefined ? undefined : v instanceof Date ? v.getTime() : JSON.stringify(v));
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as (keyof LedgerDoc)[]);
  return [...keys].every((k) => fields.includes(k) || value(a[k]) === value(b[k]));
}

/**
 * Inserts documents taken as new, unordered; the positions of those already in the store (their
 * unique insert failed, nothing written) are returned, any other failure thrown.
 */
async function insertNew<T extends Document>(col: Collection<T>, ops: AnyBulkWriteOperation<T>[]): Promise<number[]> {
  if (ops.length === 0) return [];
  try {
    await col.bulkWrite(ops, { ordered: false });
    return [];
  } catch (err) {
    const errors = (err as { writeErrors?: { index: number; code?: number }[] | { index: number; code?: number } }).writeErrors;
    const list = Array.isArray(errors) ? errors : errors ? [errors] : [];
    const concern = (err as { result?: { getWriteConcernError?: () => unknown } }).result?.getWriteConcernError?.();
    if (list.length === 0 || !list.every(isDuplicateKey) || concern) throw err;
    return list.map((e) => e.index);
  }
}
