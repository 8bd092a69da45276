// Supervision's retention on the real store, clock injected: old drill entries go with their copy
// among the open filings, ratings and complaints; real entries and every counter stay; old comments
// and answered complaints are anonymised; a dry run changes nothing and reports the same counts.
import type { Connection } from "mongoose";
import { createLogger } from "@kuayu/logger";
import { ANONYMISED, DEFAULT_SCHEDULE } from "@kuayu/domain";
import { connectMongo, runRetention } from "@kuayu/mongo";
import { infra, uniqueName } from "@kuayu/testkit";
import { emptyEntry } from "../src/domain/ledger";
import { supervisionRetentionSteps } from "../src/adapters/retention";
import { openStore, type LedgerDoc, type Store } from "../src/adapters/store";

const log = createLogger({ service: "supervision-retention-test", level: "silent" });
const NOW = new Date("2031-06-01T00:00:00Z");
const ago = (days: number) => new Date(NOW.getTime() - days * 24 * 3600_000);

let conn: Connection;
let store: Store;
const entry = (id: string, drill: boolean, arrivedAt: Date, open = false): LedgerDoc => ({
  ...emptyEntry(id),
  _id: id,
  drill,
  arrivedAt,
  day: arrivedAt.toISOString().slice(0, 10),
  jurisdictionCourtId: "c-110105",
  province: "11",
  open,
});

beforeAll(async () => {
  conn = await connectMongo({ uri: infra.mongoUri, dbName: uniqueName("supervision_retention") });
  store = openStore(conn);
  await store.ledger.insertMany([entry("real-old", false, ago(5 * 365)), entry("drill-old", true, ago(40), true), entry("drill-new", true, ago(5))]);
  await store.open.insertOne(entry("drill-old", true, ago(40), true));
  await store.counters.court.insertMany([
    { _id: "drill:c-110105:2031-04", days: { "22": { all: { arrived: 1 } as never } } },
    { _id: "real:c-110105:2026-06", days: {} },
  ]);
  await store.ratings.insertMany([
    { _id: "real-old:t:party", filingId: "real-old", score: 4, comment: "张三说很好", at: ago(4 * 365) },
    { _id: "drill-old:t:party", filingId: "drill-old", score: 5, comment: "", at: ago(39) },
    { _id: "drill-new:t:party", filingId: "drill-new", score: 5, comment: "演练", at: ago(4) },
  ]);
  const complaint = (id: string, filingId: string, status: "open" | "answered", answeredAt?: Date) => ({
    _id: id,
    filingId,
    jurisdictionCourtId: "c-110105",
    province: "11",
    category: "other",
    text: "张三投诉",
    status,
    answer: status === "answered" ? "已处理张三的投诉" : "",
    filedAt: ago(5 * 365),
    ...(answeredAt ? { answeredAt } : {}),
  });
  await store.complaints.insertMany([complaint("c-answered", "real-old", "answered", ago(4 * 365)), complaint("c-open", "real-old", "open"), complaint("c-drill", "drill-old", "open")]);
}, 60_000);

afterAll(async () => {
  await conn?.db?.dropDatabase().catch(() => undefined);
  await conn?.close();
});

const snapshot = async () =>
  JSON.stringify(await Promise.all(["ledger", "open_filings", "counters_court", "ratings", "complaints"].map((c) => conn.db!.collection(c).find().sort({ _id: 1 }).toArray())));
const ids = async (c: string) =>
  (
    await conn
      .db!.collection(c)
      .find({}, { projection: { _id: 1 } })
      .sort({ _id: 1 })
      .toArray()
  ).map((d) => String(d._id));
const EXPECTED = [
  { collection: "complaints", rule: "drill", action: "delete", count: 1 },
  { collection: "complaints", rule: "personal-data-after-answer", action: "anonymise", count: 1 },
  { collection: "ledger", rule: "drill", action: "delete", count: 1 },
  { collection: "ratings", rule: "drill", action: "delete", count: 1 },
  { collection: "ratings", rule: "personal-data-after-rating", action: "anonymise", count: 1 },
];

it("a dry run changes nothing and reports what the run then does; counters stay", async () => {
  const before = await snapshot();
  const dry = await runRetention("supervision", supervisionRetentionSteps(store), { now: NOW, schedule: DEFAULT_SCHEDULE, dryRun: true, log });
  expect(dry.counts).toEqual(EXPECTED);
  expect(await snapshot()).toBe(before);

  const run = await runRetention("supervision", supervisionRetentionSteps(store), { now: NOW, schedule: DEFAULT_SCHEDULE, dryRun: false, log });
  expect(run.counts).toEqual(EXPECTED);
  expect(await ids("ledger")).toEqual(["drill-new", "real-old"]);
  expect(await ids("open_filings")).toEqual([]);
  expect(await ids("counters_court")).toEqual(["drill:c-110105:2031-04", "real:c-110105:2026-06"]);
  expect(await store.ratings.findOne({ _id: "real-old:t:party" })).toMatchObject({ score: 4, comment: ANONYMISED });
  expect(await ids("ratings")).toEqual(["drill-new:t:party", "real-old:t:party"]);
  expect(await store.complaints.findOne({ _id: "c-answered" })).toMatchObject({ text: ANONYMISED, answer: ANONYMISED, category: "other", status: "answered" });
  expect(await store.complaints.findOne({ _id: "c-open" })).toMatchObject({ text: "张三投诉" });
  expect(await store.complaints.findOne({ _id: "c-drill" })).toBeNull();

  expect((await runRetention("supervision", supervisionRetentionSteps(store), { now: NOW, schedule: DEFAULT_SCHEDULE, dryRun: false, log })).total).toBe(0);
}, 60_000);
