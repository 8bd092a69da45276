// Group commit on the real store: the fetches of several lifecycle streams are written by one
// flush, and when they are delivered again — after a crash that fell between the counters and the
// ledger, by a fresh instance, in fetches that start earlier and end later — every filing is still
// counted once, in its court's, its province's and the national figures.
import { randomUUID } from "node:crypto";
import { loadDirectory } from "@kuayu/directory";
import { connectMongo, ensureCollections } from "@kuayu/mongo";
import { lifecycleStream, lifecycleTopic } from "@kuayu/topics";
import { assertInfraUp, infra, uniqueName } from "@kuayu/testkit";
import type { Connection } from "mongoose";
import { EVENTS } from "../src/domain/ledger";
import { offsetKey, type PartitionEvent } from "../src/adapters/partition-writer";
import { COLLECTIONS, openStore, type Store } from "../src/adapters/store";
import { createSupervision, type Scope } from "../src/adapters/supervision";

const dir = loadDirectory();
const ARRIVED = new Date("2026-05-06T09:00:00+08:00"); // a Wednesday
const COURTS = { "11": "c-110108", "44": "c-440000" } as const;
const FILINGS = 10; // per province
let conn: Connection;
let store: Store;

beforeAll(async () => {
  await assertInfraUp();
  conn = await connectMongo({ uri: infra.mongoUri, dbName: uniqueName("supervision_group") });
  await ensureCollections(conn, COLLECTIONS);
  store = openStore(conn);
});
afterAll(async () => {
  await conn?.dropDatabase();
  await conn?.close();
});

/** A province's stream: per filing routed, acknowledged after 10 minutes, accepted the next day; offsets from 0. */
function partitionEvents(province: keyof typeof COURTS): PartitionEvent[] {
  const out: PartitionEvent[] = [];
  for (let i = 0; i < FILINGS; i++) {
    const filingId = randomUUID();
    const at = new Date(ARRIVED.getTime() + i * 1000);
    const base = { filingId, collaboratingCourtId: "t-440103001", jurisdictionCourtId: COURTS[province], drill: false, round: 1 };
    out.push(
      { ...base, offset: out.length, type: EVENTS.routed, at, province, caseType: "civil-first-instance", receiptNumber: `KY-${i}`, routedAt: at, decisionDue: new Date(at.getTime() + 8 * 86400_000) },
      { ...base, offset: out.length + 1, type: EVENTS.acknowledged, at: new Date(at.getTime() + 10 * 60_000) },
      { ...base, offset: out.length + 2, type: EVENTS.accepted, at: new Date(at.getTime() + 86400_000), acknowledgedAt: new Date(at.getTime() + 10 * 60_000) },
    );
  }
  return out;
}

it("writes the fetches of several streams in one flush and counts each filing once after a redelivery", async () => {
  const bj = partitionEvents("11");
  const gd = partitionEvents("44");
  const p = { bj: lifecycleStream(lifecycleTopic("11").name), gd: lifecycleStream(lifecycleTopic("44").name) };
  // A flush waits for as long as a test runs, unless every stream the consumer can hand over at once (2) has a fetch waiting.
  const group = { flushMs: 600_000, maxEvents: 10_000, maxFetches: 2 };

  const first = createSupervision(store, dir, group);
  await first.assigned([p.bj, p.gd]);
  // The first two thirds of each stream: Beijing's fetch waits for Guangdong's, then both are written.
  let bjDone = false;
  const bjFetch = first.ingest(p.bj, bj.slice(0, 20)).then(() => (bjDone = true));
  await new Promise((r) => setTimeout(r, 500));
  expect(bjDone).toBe(false);
  await Promise.all([bjFetch, first.ingest(p.gd, gd.slice(0, 20))]);
  const decided = (ids: string[]) => store.ledger.countDocuments({ _id: { $in: ids }, counted: "decision" });
  expect(await decided([...bj, ...gd].map((e) => e.filingId))).toBe(12); // filings 0–5 of each, accepted at offsets 2, 5, … 17

  // The crash fell after the counters of that flush, before its ledger entries and open filings.
  await store.ledger.deleteMany({});
  await store.open.deleteMany({});

  // A fresh instance gets the streams again from the last committed offset (none): each fetch
  // starts earlier than what the counters hold and ends later, with every remaining event.
  const second = createSupervision(store, dir, { ...group, flushMs: 200 });
  await second.assigned([p.bj, p.gd]);
  await Promise.all([second.ingest(p.bj, bj), second.ingest(p.gd, gd)]);
  // And once more (a rebalance before the offsets were committed): nothing moves.
  const third = createSupervision(store, dir, { ...group, flushMs: 200 });
  await third.assigned([p.bj, p.gd]);
  await Promise.all([third.ingest(p.bj, bj.slice(10)), third.ingest(p.gd, gd.slice(5))]);

  const indicators = (scope: Scope) => second.indicatorsOf(scope, "2026-05-06", "2026-05-06", undefined, new Date("2026-05-20T00:00:00Z"));
  const each = { filings: FILINGS, responded: FILINGS, respondedWithin30Minutes: FILINGS, decided: FILINGS, accepted: FILINGS, overdueNow: 0 };
  const both = { filings: 2 * FILINGS, responded: 2 * FILINGS, respondedWithin30Minutes: 2 * FILINGS, decided: 2 * FILINGS, accepted: 2 * FILINGS, overdueNow: 0 };
  expect(await indicators({ level: "national", id: "" })).toMatchObject(both);
  for (const province of ["11", "44"] as const) {
    expect(await indicators({ level: "province", id: province })).toMatchObject(each);
    expect(await indicators({ level: "court", id: COURTS[province] })).toMatchObject(each);
  }
  expect(await store.ledger.countDocuments({ counted: "decision" })).toBe(2 * FILINGS);
  expect(await store.open.countDocuments({})).toBe(0);
  // Each province's counter document was written by its own stream's fetches, and says up to where.
  const doc = await store.counters.province.findOne({ _id: "real:44:2026-05" });
  expect(doc?.offsets).toEqual({ [offsetKey(p.gd)]: gd.length - 1 });
}, 60_000);

it("goes on counting a filing in flight when the per-province topics came, though the documents hold the single topic's offsets", async () => {
  await Promise.all([store.counters.province.deleteMany({}), store.counters.court.deleteMany({}), store.ledger.deleteMany({}), store.open.deleteMany({})]);
  const stream = lifecycleStream(lifecycleTopic("44").name);
  const [routed, acknowledged, accepted] = partitionEvents("44");
  const group = { flushMs: 50, maxEvents: 10_000, maxFetches: 1 };
  const before = createSupervision(store, dir, group);
  await before.assigned([stream]);
  await before.ingest(stream, [routed!]);
  // As the single lifecycle topic left them: its partition (the same number) at offset 5000.
  const old = { [String(stream)]: 5000 };
  await store.ledger.updateOne({ _id: routed!.filingId }, { $unset: { stream: "" }, $set: { partition: stream, offset: 5000 } });
  for (const level of ["province", "court"] as const) await store.counters[level].updateMany({}, { $set: { offsets: old } });

  // The province's new topic starts at offset 0.
  const after = createSupervision(store, dir, group);
  await after.assigned([stream]);
  await after.ingest(stream, [
    { ...acknowledged!, offset: 0 },
    { ...accepted!, offset: 1 },
  ]);
  const day = (scope: Scope) => after.indicatorsOf(scope, "2026-05-06", "2026-05-06", undefined, new Date("2026-05-20T00:00:00Z"));
  const once = { filings: 1, responded: 1, decided: 1, accepted: 1, overdueNow: 0 };
  expect(await day({ level: "province", id: "44" })).toMatchObject(once);
  expect(await day({ level: "court", id: COURTS["44"] })).toMatchObject(once);
  expect((await store.counters.province.findOne({ _id: "real:44:2026-05" }))?.offsets).toEqual({ ...old, [offsetKey(stream)]: 1 });
  expect(await store.ledger.findOne({ _id: routed!.filingId })).toMatchObject({ stream, offset: 1, counted: ["arrival", "response", "decision"] });
});

it("inserts a filing's entry empty at its FilingSubmitted without a look-up, and applies the events to the stored one when it was there after all", async () => {
  await Promise.all([store.counters.province.deleteMany({}), store.counters.court.deleteMany({}), store.ledger.deleteMany({}), store.open.deleteMany({})]);
  const stream = lifecycleStream(lifecycleTopic("44").name);
  const group = { flushMs: 50, maxEvents: 10_000, maxFetches: 1 };
  const at = (minutes: number) => new Date(ARRIVED.getTime() + minutes * 60_000);
  const base = (filingId: string) => ({ filingId, collaboratingCourtId: "t-440103001", jurisdictionCourtId: COURTS["44"], drill: false, caseType: "civil-first-instance" as const });
  const a = base(randomUUID());
  const b = base(randomUUID());
  const routed = (minutes: number, round: number) => ({ type: EVENTS.routed, at: at(minutes), province: "44", routedAt: at(minutes), decisionDue: at(minutes + 8 * 1440), round });
  const events: PartitionEvent[] = [
    { ...a, offset: 0, type: EVENTS.submitted, at: at(0), receiptNumber: "KY-A", round: 1 },
    { ...a, offset: 1, ...routed(0, 1) },
    { ...a, offset: 2, type: EVENTS.acknowledged, at: at(10), round: 1 },
    { ...b, offset: 3, type: EVENTS.submitted, at: at(1), receiptNumber: "KY-B", round: 1 },
    { ...b, offset: 4, ...routed(1, 1) },
    { ...b, offset: 5, type: EVENTS.correctionRequested, at: at(20), round: 1, acknowledgedAt: at(20) },
    { ...b, offset: 6, type: EVENTS.correctionSubmitted, at: at(60), round: 2 },
    { ...b, offset: 7, type: "kuayu.routing.v1.RoutingFailed", at: at(60), round: 2 },
    // B submitted again and routed; A's first two events published twice (a relay that died
    // before it noted them), then accepted.
    { ...b, offset: 8, type: EVENTS.submitted, at: at(70), receiptNumber: "KY-B", round: 2 },
    { ...b, offset: 9, ...routed(70, 2) },
    { ...a, offset: 10, type: EVENTS.submitted, at: at(0), receiptNumber: "KY-A", round: 1 },
    { ...a, offset: 11, ...routed(0, 1) },
    { ...a, offset: 12, type: EVENTS.accepted, at: at(1440), acknowledgedAt: at(10), round: 1 },
  ];
  const member = async () => {
    const m = createSupervision(store, dir, group);
    await m.assigned([stream]);
    return m;
  };
  await (await member()).ingest(stream, events.slice(0, 8));
  // A fresh member (a restart; the offsets up to 7 committed) gets the rest: each filing starts
  // here with a FilingSubmitted whose entry is there, with events counted before.
  await (await member()).ingest(stream, events.slice(8));
  // Another (a rebalance before those offsets were committed) gets them all again, in a first
  // fetch that ends before what the entries hold already, then the rest.
  const last = await member();
  await last.ingest(stream, events.slice(0, 2));
  await last.ingest(stream, events.slice(2));

  expect(await store.ledger.findOne({ _id: a.filingId })).toMatchObject({ stream, offset: 12, counted: ["arrival", "response", "decision"], decision: "accepted", arrivedAt: at(0) });
  expect(await store.ledger.findOne({ _id: b.filingId })).toMatchObject({ stream, offset: 9, counted: ["arrival", "response", "correction"], rounds: 2, arrivedAt: at(1) });
  // The open filings: B (arrived, not decided) only.
  expect((await store.open.find({}).toArray()).map((d) => d._id)).toEqual([b.filingId]);
  const day = (scope: Scope) => last.indicatorsOf(scope, "2026-05-06", "2026-05-06", undefined, new Date("2026-05-20T00:00:00Z"));
  const counted = { filings: 2, responded: 2, decided: 1, accepted: 1 };
  expect(await day({ level: "province", id: "44" })).toMatchObject(counted);
  expect(await day({ level: "court", id: COURTS["44"] })).toMatchObject(counted);
});

it("counts ratings and complaints queued by any replica in the member that owns their stream, once, also when a row is taken again after a crash", async () => {
  await Promise.all([store.counters.province.deleteMany({}), store.counters.court.deleteMany({}), store.ledger.deleteMany({}), store.open.deleteMany({}), store.feedback.deleteMany({})]);
  const stream = lifecycleStream(lifecycleTopic("11").name);
  const [routed, acknowledged, accepted] = partitionEvents("11");
  const group = { flushMs: 50, maxEvents: 10_000, maxFetches: 1 };
  const owner = createSupervision(store, dir, group);
  await owner.assigned([stream]);
  await owner.ingest(stream, [routed!, acknowledged!, accepted!]);
  // Another replica (it owns no stream) takes the window's rating for the party and a complaint: queued only.
  const other = createSupervision(store, dir, group);
  await other.assigned([]);
  const window = { window: { courtId: "t-440103001" } as never };
  await other.rate(window, routed!.filingId, 2, "", true);
  await other.complain(window, routed!.filingId, "slow-response", "回复太慢");
  const day = () => owner.indicatorsOf({ level: "province", id: "11" }, "2026-05-06", "2026-05-06", undefined, new Date("2026-05-20T00:00:00Z"));
  expect(await day()).toMatchObject({ satisfactionCount: 0, complaints: 0 });
  expect(await other.countFeedback()).toBe(0);
  const queued = await store.feedback.find({}).toArray();
  expect(queued.map((r) => r._id.split(":")[0]).sort()).toEqual(["complaint", "rating"]);

  expect(await owner.countFeedback()).toBe(2);
  const once = { satisfactionCount: 1, satisfactionAverage: 2, complaints: 1 };
  expect(await day()).toMatchObject(once);
  expect(await owner.indicatorsOf({ level: "court", id: COURTS["11"] }, "2026-05-06", "2026-05-06", undefined, new Date("2026-05-20T00:00:00Z"))).toMatchObject(once);
  expect(await store.feedback.countDocuments()).toBe(0);
  // A crash between the counters and the queue's delete leaves the rows: taken again, they count once.
  await store.feedback.insertMany(queued);
  expect(await owner.countFeedback()).toBe(2);
  // So does the party's second rating at the window (the same id, queued again with another score).
  await other.rate(window, routed!.filingId, 5, "", true);
  expect(await owner.countFeedback()).toBe(1);
  expect(await day()).toMatchObject(once);
  // A rating the owner takes itself is counted before the call returns.
  await owner.rate(window, routed!.filingId, 4, "", false);
  expect(await day()).toMatchObject({ satisfactionCount: 2, satisfactionAverage: 3, complaints: 1 });
  expect(await store.feedback.countDocuments()).toBe(0);
});
