// Retention of the inbox on the real store: entries decided years ago (by the injected clock) are
// anonymised through a new version and their earlier versions stripped; a material copy goes when
// no entry that keeps its data shares it; old drill entries are deleted; recent ones untouched; a
// dry run changes nothing and reports the same counts — in process and as the command.
import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import type { Connection, mongo } from "mongoose";
import { fieldCryptFromEnv, type FieldCrypt } from "@kuayu/fieldcrypt";
import { createLogger } from "@kuayu/logger";
import { ANONYMISED, DEFAULT_SCHEDULE } from "@kuayu/domain";
import { connectMongo, contentStore, runRetention, type ContentStore } from "@kuayu/mongo";
import type { VersionRow } from "@kuayu/outbox";
import { infra, storedText, storedTextOf, testKeys, uniqueName } from "@kuayu/testkit";
import { newInboxFiling, type Arrival } from "../src/domain/inbox";
import { decisionRetention } from "../src/domain/retention";
import { inboxModel, mongoInboxRepository } from "../src/adapters/mongo/inbox-repository";
import { inboxRetentionStore } from "../src/adapters/mongo/retention-store";

const log = createLogger({ service: "decision-retention-test", level: "silent" });
const NOW = new Date("2031-06-01T00:00:00Z");
const ago = (days: number) => new Date(NOW.getTime() - days * 24 * 3600_000);
const YEAR = 365;
const PERSONAL = /张三|11010519491231002X|13800138000|沙面/;

let conn: Connection;
let crypt: FieldCrypt;
let db: string;
let content: ContentStore;
let repo: ReturnType<typeof mongoInboxRepository>;
let versions: mongo.Collection<VersionRow>;

const bytesOf = (id: string) => Buffer.from(`起诉状 ${id}`);
const digest = (b: Buffer) => createHash("sha256").update(b).digest("hex");
async function* once(b: Buffer) {
  yield b;
}

/** An entry that arrived at `arrivedAt` with one material (copied), then rejected at `decidedAt` (version 2). */
async function entry(id: string, arrivedAt: Date, decidedAt: Date | undefined, over: { drill?: boolean; material?: Buffer } = {}) {
  const b = over.material ?? bytesOf(id);
  await content.put(digest(b), b.length, once(b));
  const arrival: Arrival = {
    filingId: id,
    jurisdictionCourtId: "c-110105",
    collaboratingCourtId: "t-440103001",
    province: "11",
    originProvince: "44",
    court: { code: "京0105", level: "basic", kind: "basic" },
    caseType: "civil-first-instance",
    round: 1,
    receiptNumber: `KY-${id}`,
    details: { parties: [{ person: { name: "张三", residentId: "11010519491231002X" }, address: "广州市沙面大街1号", phone: "13800138000" }], claims: "支付货款" },
    materials: [{ id: `${id}-m1`, kind: "complaint", fileName: "张三起诉状.pdf", mediaType: "application/pdf", sizeBytes: b.length, sha256: digest(b), round: 1, uploadedAt: arrivedAt }],
    routedAt: arrivedAt,
    responseDue: arrivedAt,
    decisionDue: arrivedAt,
    deadlinesEstimated: false,
    drill: over.drill ?? false,
  };
  await repo.insert(newInboxFiling(arrival, arrivedAt));
  if (decidedAt)
    await repo.change(id, async (f) => ({
      filing: {
        ...f,
        status: "rejected",
        decidedAt,
        updatedAt: decidedAt,
        materials: f.materials.map((m) => ({ ...m, copied: true })),
        rejection: { category: "other", reason: "张三不符合条件", legalBasis: "民事诉讼法" },
      },
      events: [],
    }));
}

beforeAll(async () => {
  db = uniqueName("decision_retention");
  conn = await connectMongo({ uri: infra.mongoUri, dbName: db });
  crypt = await fieldCryptFromEnv(conn.db!);
  versions = conn.db!.collection<VersionRow>("inbox_versions");
  content = contentStore(conn, "copies");
  repo = mongoInboxRepository(inboxModel(conn), versions, { onCommit: () => undefined, onChange: () => undefined, crypt });
  await entry("old", ago(4 * YEAR + 10), ago(4 * YEAR));
  // Old too, but its bytes are the same as a recent entry's: that copy stays.
  await entry("old-shared", ago(4 * YEAR + 10), ago(4 * YEAR), { material: bytesOf("recent") });
  await entry("recent", ago(YEAR + 10), ago(YEAR));
  await entry("drill-old", ago(40), undefined, { drill: true });
  await entry("drill-new", ago(5), undefined, { drill: true });
}, 60_000);

afterAll(async () => {
  crypt?.close();
  await conn?.db?.dropDatabase().catch(() => undefined);
  await conn?.close();
});

const steps = () => decisionRetention(inboxRetentionStore(inboxModel(conn), versions, content, crypt));
const snapshot = async () =>
  JSON.stringify([
    await conn.db!.collection("inbox").find().sort({ _id: 1 }).toArray(),
    await versions.find().sort({ _id: 1 }).toArray(),
    await conn.db!.collection("copies_content").find().sort({ _id: 1 }).toArray(),
  ]);
const EXPECTED = [
  { collection: "copies_content", rule: "with-their-entries", action: "delete", count: 2 },
  { collection: "inbox", rule: "drill", action: "delete", count: 1 },
  { collection: "inbox", rule: "personal-data-after-decision", action: "anonymise", count: 2 },
];

it("a dry run changes nothing and reports what a run would do; the command says the same", async () => {
  const before = await snapshot();
  const dry = await runRetention("decision", steps(), { now: NOW, schedule: DEFAULT_SCHEDULE, dryRun: true, log });
  expect(dry.counts).toEqual(EXPECTED);
  expect(await snapshot()).toBe(before);

  const keys = testKeys();
  const { stdout } = await promisify(execFile)(process.execPath, [path.resolve(__dirname, "../dist/retention.js"), "--dry-run", "--now", NOW.toISOString()], {
    env: {
      PATH: process.env.PATH ?? "",
      MONGO_URI: infra.mongoUri,
      MONGO_DB: db,
      JWT_PUBLIC_KEY: keys.publicKey,
      JWT_PRIVATE_KEY: keys.privateKey,
      KAFKA_BROKERS: infra.brokers.join(","),
      LOG_LEVEL: "silent",
    },
  });
  expect(stdout).toMatch(/inbox\s+personal-data-after-decision\s+would anonymise\s+2/);
  expect(stdout).toMatch(/copies_content\s+with-their-entries\s+would delete\s+2/);
  expect(stdout).toMatch(/total 5/);
  expect(stdout).not.toMatch(PERSONAL);
  expect(await snapshot()).toBe(before);
}, 60_000);

it("anonymises entries decided years ago, deletes old drills and unshared copies, leaves the rest", async () => {
  const run = await runRetention("decision", steps(), { now: NOW, schedule: DEFAULT_SCHEDULE, dryRun: false, log });
  expect(run.counts).toEqual(EXPECTED);

  const old = (await repo.get("old"))!;
  expect(old.anonymisedAt).toEqual(NOW);
  expect(old.details).toEqual({ parties: [{ person: { name: ANONYMISED, residentId: "" }, address: "", phone: "" }], claims: ANONYMISED });
  expect(old).toMatchObject({ status: "rejected", caseType: "civil-first-instance", receiptNumber: "KY-old", decidedAt: ago(4 * YEAR), rejection: { category: "other", reason: ANONYMISED } });
  expect((await conn.db!.collection("inbox").findOne({ _id: "old" } as never))?.version).toBe(3);
  expect(storedText(await versions.find({ doc: { $in: ["old", "old-shared"] } }).toArray())).not.toMatch(PERSONAL);
  expect(await storedTextOf(conn.db!, "inbox", ["old", "old-shared"])).not.toMatch(PERSONAL);
  // The check reads packed bodies: the recent entry's stored bytes do hold its party's name.
  expect(await storedTextOf(conn.db!, "inbox", ["recent"])).toMatch(/张三/);
  expect(await content.has(digest(bytesOf("old")))).toBe(false);
  // Shared with a recent entry: kept.
  expect(await content.has(digest(bytesOf("recent")))).toBe(true);

  const recent = (await repo.get("recent"))!;
  expect(recent.anonymisedAt).toBeUndefined();
  expect(JSON.stringify(recent.details)).toMatch(/张三/);

  expect(await repo.get("drill-old")).toBeUndefined();
  expect(await versions.countDocuments({ doc: "drill-old" })).toBe(0);
  expect(await content.has(digest(bytesOf("drill-old")))).toBe(false);
  expect((await repo.get("drill-new"))?.drill).toBe(true);
  expect(await content.has(digest(bytesOf("drill-new")))).toBe(true);

  expect((await runRetention("decision", steps(), { now: NOW, schedule: DEFAULT_SCHEDULE, dryRun: false, log })).total).toBe(0);
}, 60_000);
