import type { AnyBulkWriteOperation } from "mongodb";
import type { WorkingHours } from "@kuayu/domain";
import { provincePartition } from "@kuayu/topics";
import { applyEvent, contributions, emptyEntry, recountResponse, type Delta, type LedgerEntry, type LedgerEvent } from "../domain/ledger.js";
import { countContributions } from "./metrics.js";
import { counterDocId, counterInc, scopesOf, type CounterDoc, type Level, type LedgerDoc, type Store } from "./store.js";

/** A lifecycle event for the ledger, with where it was read: its offset on the partition. */
export type PartitionEvent = LedgerEvent & { filingId: string; offset: number };

/**
 * The one writer of a lifecycle partition's supervision documents (docs/architecture.md, "Who writes
 * what"): the ledger entries of the partition's filings, their open-filing copies and the counters
 * they feed. Every filing's events come on one partition, and the group gives each partition to one
 * member, so within a member the partition's work runs in one lane — a batch, or a recount after
 * the holiday calendar changed — one after the other, and no document needs a lock.
 */
export interface PartitionWriter {
  /**
   * One fetch of a partition: the ledger entries and open filings written once each (bulk), the
   * counters once each together with the partition offset they now cover. Counters are written
   * first, and an earlier delivery's contributions are recognised by that offset, so a batch
   * delivered again after a crash counts once: exactly-once counting.
   */
  ingest(partition: number, events: PartitionEvent[]): Promise<void>;
  /** A new assignment: forget what was cached (another member may have written meanwhile). */
  assigned(partitions: number[]): void;
  /**
   * Response working minutes counted again under the calendar in use, for the filings of this
   * member's partitions (each in its lane): those that arrived in `years`, or (no `years`) those
   * still marked provisional. Returns how many moved.
   */
  recount(years?: number[]): Promise<number>;
}

/** Ledger entries kept in memory per member (the open filings of a busy partition fit many times). */
const LEDGER_CACHE = 20_000;

export function partitionWriter(store: Store, hours: (courtId: string) => WorkingHours): PartitionWriter {
  const lanes = new Map<number, Promise<unknown>>();
  let mine: number[] = [];
  /** Ledger entries as last written by this member. */
  const ledger = new Map<string, LedgerDoc>();
  /** Per counter document (level|_id), the partition offset it covers, as last read or written. */
  const applied = new Map<string, number>();

  const inLane = <T>(p: number, fn: () => Promise<T>): Promise<T> => {
    const run = (lanes.get(p) ?? Promise.resolve()).then(fn, fn);
    lanes.set(
      p,
      run.catch(() => undefined),
    );
    return run;
  };
  const remember = (d: LedgerDoc) => {
    ledger.delete(d._id);
    ledger.set(d._id, d);
    if (ledger.size > LEDGER_CACHE) ledger.delete(ledger.keys().next().value!);
  };

  /** Adds contributions (each with the offset of the event that earned it) to a partition's counter documents. */
  async function writeCounters(p: number, contribs: { offset: number; entry: LedgerEntry; delta: Delta }[], last: number | undefined): Promise<void> {
    const docs = new Map<string, { level: Level; _id: string; parts: { offset: number; inc: Record<string, number> }[] }>();
    for (const c of contribs) {
      const inc = counterInc(c.entry, c.delta);
      if (Object.keys(inc).length === 0) continue;
      for (const [level, id] of scopesOf(c.entry)) {
        const _id = counterDocId(level, c.entry.drill, id, c.entry.day, p);
        const d = docs.get(`${level}|${_id}`) ?? { level, _id, parts: [] };
        d.parts.push({ offset: c.offset, inc });
        docs.set(`${level}|${_id}`, d);
      }
    }
    // What each document already covers of this partition (an earlier delivery may have written it).
    await Promise.all(
      [...docs]
        .filter(([k]) => !applied.has(k))
        .map(async ([k, d]) => {
          const cur = await store.counters[d.level].findOne({ _id: d._id }, { projection: { offsets: 1 } });
          applied.set(k, cur?.offsets?.[String(p)] ?? -1);
        }),
    );
    const ops: Record<Level, AnyBulkWriteOperation<CounterDoc>[]> = { national: [], province: [], court: [] };
    const written: string[] = [];
    for (const [k, d] of docs) {
      const from = applied.get(k)!;
      const inc: Record<string, number> = {};
      for (const part of d.parts) if (last === undefined || part.offset > from) for (const [f, v] of Object.entries(part.inc)) inc[f] = (inc[f] ?? 0) + v;
      if (Object.keys(inc).length === 0) continue;
      const update = last === undefined ? { $inc: inc } : { $inc: inc, $set: { [`offsets.${p}`]: last } };
      ops[d.level].push({ updateOne: { filter: { _id: d._id }, update: update as never, upsert: true } });
      written.push(k);
    }
    try {
      await Promise.all((Object.keys(ops) as Level[]).filter((l) => ops[l].length > 0).map((l) => store.counters[l].bulkWrite(ops[l], { ordered: false })));
    } catch (err) {
      // Some may have been written: read them again before the retry.
      for (const k of written) applied.delete(k);
      throw err;
    }
    if (last !== undefined) for (const k of written) applied.set(k, last);
  }

  async function ingestNow(p: number, events: PartitionEvent[]): Promise<void> {
    const ids = [...new Set(events.map((e) => e.filingId))];
    await Promise.all(
      ids
        .filter((id) => !ledger.has(id))
        .map(async (id) => {
          const d = (await store.ledger.findOne({ _id: id })) as LedgerDoc | null;
          if (d) remember(d);
        }),
    );
    const changed = new Map<string, LedgerDoc>();
    const contribs: { offset: number; entry: LedgerEntry; delta: Delta; names: string[] }[] = [];
    for (const ev of events) {
      const cur = changed.get(ev.filingId) ?? ledger.get(ev.filingId);
      if (cur?.offset !== undefined && cur.partition === p && cur.offset >= ev.offset) continue; // applied by an earlier delivery
      const { filingId, offset, ...event } = ev;
      const next = applyEvent(cur ?? emptyEntry(filingId), event, hours);
      const pending = contributions(next);
      if (pending.length > 0) {
        const delta: Delta = {};
        for (const c of pending) for (const [k, v] of Object.entries(c.delta)) delta[k] = (delta[k] ?? 0) + v;
        contribs.push({ offset, entry: next, delta, names: pending.map((c) => c.name) });
      }
      const { _id: _i, open: _o, partition: _p, offset: _f, ...entry } = { ...(next as LedgerDoc) };
      changed.set(filingId, { ...entry, counted: [...next.counted, ...pending.map((c) => c.name)], _id: filingId, open: !next.decidedAt && !next.withdrawn, partition: p, offset });
    }
    if (changed.size === 0) return;
    await writeCounters(p, contribs, Math.max(...events.map((e) => e.offset)));
    const docs = [...changed.values()];
    await store.ledger.bulkWrite(
      docs.map((d) => ({ replaceOne: { filter: { _id: d._id }, replacement: d, upsert: true } })),
      { ordered: false },
    );
    // Open filings only: what overdue lists and notices read (a closed one leaves, once).
    const openOps = docs.flatMap((d): AnyBulkWriteOperation<LedgerDoc>[] =>
      d.open ? [{ replaceOne: { filter: { _id: d._id }, replacement: d, upsert: true } }] : ledger.get(d._id)?.open === false ? [] : [{ deleteOne: { filter: { _id: d._id } } }],
    );
    if (openOps.length > 0) await store.open.bulkWrite(openOps, { ordered: false });
    docs.forEach(remember);
    for (const c of contribs) countContributions(c.entry, c.names);
  }

  return {
    ingest: (p, events) => inLane(p, () => ingestNow(p, events)),

    assigned(partitions) {
      mine = [...partitions];
      ledger.clear();
      applied.clear();
    },

    async recount(years) {
      if (years?.length === 0) return 0;
      // A response can reach into a changed year from the December before it.
      const filter = years ? { day: { $gte: `${Math.min(...years) - 1}-12-01`, $lte: `${Math.max(...years)}-12-31` } } : { responseProvisional: true };
      const entries = (await store.ledger.find(filter).toArray()) as LedgerDoc[];
      const partitionOf = (d: LedgerDoc) => d.partition ?? provincePartition(d.province);
      let moved = 0;
      await Promise.all(
        mine.map((p) =>
          inLane(p, async () => {
            for (const stale of entries.filter((d) => partitionOf(d) === p)) {
              // The entry as it is now (a batch may have changed it since the query).
              const cur = ledger.get(stale._id) ?? ((await store.ledger.findOne({ _id: stale._id })) as LedgerDoc | null);
              const r = cur && recountResponse(cur, hours(cur.jurisdictionCourtId));
              if (!r) continue;
              // Counters first, then the entry: a crash in between corrects the counters again on the
              // next recount (the one place that counts at least once; it runs when a year is loaded).
              if (Object.keys(r.delta).length > 0) await writeCounters(p, [{ offset: -1, entry: r.entry, delta: r.delta }], undefined);
              const next: LedgerDoc = { ...cur, responseWorkingMinutes: r.entry.responseWorkingMinutes, responseProvisional: r.entry.responseProvisional };
              await store.ledger.replaceOne({ _id: cur._id }, next);
              if (cur.open) await store.open.replaceOne({ _id: cur._id }, next);
              remember(next);
              moved++;
            }
          }),
        ),
      );
      return moved;
    },
  };
}
