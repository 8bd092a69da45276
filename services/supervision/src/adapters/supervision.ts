import { courtWorkingHours, loadCentroids, type Directory } from "@kuayu/directory";
import { DEFAULT_WORKING_HOURS } from "@kuayu/domain";
import { PROVINCE_CODES } from "@kuayu/topics";
import { DEFAULT_COST_MODEL, type CostModel } from "../domain/cost.js";
import { filingCost, supervisionUseCases, type Supervision, type SupervisionStore } from "../domain/supervision.js";
import type { LedgerDoc } from "../domain/records.js";
import { partitionWriter, type GroupOptions } from "./partition-writer.js";
import type { Store } from "./store.js";

export * from "../domain/supervision.js";

/** Group commit of the ledger's fetches (partition-writer.ts); the defaults suit tests and tools. */
const DEFAULT_GROUP: GroupOptions = { flushMs: 1000, maxEvents: 2000, maxFetches: PROVINCE_CODES.length };

/**
 * The use cases' store port over the collections. Open filings live in their own small collection,
 * so overdue lists and notices never scan the whole ledger (FerretDB answers every filter with a
 * scan); a counter document is read by `_id`; the country's counters are every province's, one
 * query of the small province collection. Every write goes with the call's audit record (one
 * logged write each: docs/security.md "Audit trail").
 */
export function supervisionStore(store: Store): SupervisionStore {
  return {
    entry: (filingId) => store.ledger.findOne({ _id: filingId }),
    openEntries: (filter) => store.open.find(filter).toArray(),
    counter: (level, id) => store.counters[level].findOne({ _id: id }),
    provinceCounters: (ids) => store.counters.province.find({ _id: { $in: ids } }).toArray(),
    drillEntries: async (from, to) => (await store.ledger.find({ drill: true, arrivedAt: { $gte: from, $lt: to } }).toArray()) as LedgerDoc[],
    drill: (id) => store.drills.findOne({ _id: id }),
    insertNotice: async (notice) => (await store.writes.write([{ collection: "notices", insertOne: notice }]))[0] === 1,
    insertRating: async (rating, queued) =>
      (await store.writes.write([{ collection: "ratings", insertOne: rating }, ...(queued ? [{ collection: "feedback_queue", insertOne: queued }] : [])]))[0] === 1,
    insertComplaint: async (complaint, queued) =>
      (await store.writes.write([{ collection: "complaints", insertOne: complaint }, ...(queued ? [{ collection: "feedback_queue", insertOne: queued }] : [])]))[0] === 1,
    insertDrill: async (drill) => {
      await store.writes.write([{ collection: "drills", insertOne: drill }]);
    },
  };
}

/** The use cases over the store, with this member's partition writer (the one writer of its streams' documents). */
export function createSupervision(store: Store, dir: Directory, group: GroupOptions = DEFAULT_GROUP, cost: CostModel = DEFAULT_COST_MODEL): Supervision {
  const hours = (courtId: string) => courtWorkingHours(dir, courtId) ?? DEFAULT_WORKING_HOURS;
  return supervisionUseCases(supervisionStore(store), partitionWriter(store, hours, group, filingCost(dir, loadCentroids(), cost)), dir);
}
