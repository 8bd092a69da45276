// Notification's retention on the real store, clock injected: a filing decided years ago loses its
// facts and documents (PDF too), an old drill everything of its own, old notifications and finished
// deliveries go; recent ones and pending deliveries stay; a dry run changes nothing and reports the
// same counts.
import type { Connection } from "mongoose";
import { fieldCryptFromEnv } from "@kuayu/fieldcrypt";
import { createLogger } from "@kuayu/logger";
import { DEFAULT_SCHEDULE } from "@kuayu/domain";
import { connectMongo, gridFsFileStore, runRetention, type FileStore } from "@kuayu/mongo";
import { infra, uniqueName } from "@kuayu/testkit";
import { notificationRetentionSteps } from "../src/adapters/retention";
import { openStore, type DeliveryDoc, type Store } from "../src/adapters/store";

const log = createLogger({ service: "notification-retention-test", level: "silent" });
const NOW = new Date("2031-06-01T00:00:00Z");
const ago = (days: number) => new Date(NOW.getTime() - days * 24 * 3600_000);
const YEAR = 365;

let conn: Connection;
let store: Store;
let files: FileStore;

const facts = (filingId: string, at: Date, over: Record<string, unknown> = {}) => ({
  _id: `${filingId}@11`,
  filingId,
  collaboratingCourtId: "t-440103001",
  jurisdictionCourtId: "c-110105",
  caseType: "civil-first-instance" as const,
  receiptNumber: `KY-${filingId}`,
  parties: [{ role: "plaintiff" as const, name: "张三" }],
  materials: [{ kind: "complaint", fileName: "张三起诉状.pdf" }],
  round: 1,
  submittedAt: at,
  routedAt: at,
  responseDue: at,
  acknowledgedAt: at,
  caseNumber: "",
  decidedAt: at,
  rejection: undefined,
  correction: undefined,
  lastEventType: "kuayu.decision.v1.Accepted",
  drill: false,
  waiting: false,
  ...over,
});
const notification = (id: string, filingId: string, createdAt: Date) => ({
  _id: id,
  courtId: "t-440103001",
  role: "window-clerk",
  filingId,
  kind: "accepted",
  title: "已立案",
  body: "张三诉某公司",
  createdAt,
  read: false,
});
const delivery = (id: string, filingId: string, createdAt: Date, status: DeliveryDoc["status"]): DeliveryDoc => ({
  _id: id,
  channel: "webhook",
  targetId: "w1",
  courtId: "t-440103001",
  filingId,
  eventId: id,
  eventType: "kuayu.decision.v1.Accepted",
  order: createdAt,
  rank: 0,
  payload: { body: { filingId } },
  status,
  attempts: 1,
  lastError: "",
  createdAt,
  nextAttemptAt: createdAt,
});
async function* pdfBytes() {
  yield Buffer.from("%PDF-1.7 张三");
}
async function document(code: string, filingId: string, issuedAt: Date) {
  await store.documents.insertOne({
    _id: code,
    key: `${filingId}:acceptance-notice:1`,
    filingId,
    kind: "acceptance-notice",
    issuedAt,
    facts: { 当事人: "张三" },
    collaboratingCourtId: "t-440103001",
    jurisdictionCourtId: "c-110105",
  });
  await files.write(`${code}.0000abcd`, code, pdfBytes());
  await store.documentPdfs.insertOne({ _id: code, fileId: `${code}.0000abcd`, sha256: "0".repeat(64), sizeBytes: 10, renderedAt: issuedAt });
}
const fileExists = async (id: string) => (await conn.db!.collection("documents.files").countDocuments({ _id: id } as never)) > 0;

beforeAll(async () => {
  conn = await connectMongo({ uri: infra.mongoUri, dbName: uniqueName("notification_retention") });
  store = openStore(conn, await fieldCryptFromEnv(conn.db!));
  files = gridFsFileStore(conn, "documents", log);
  await store.filings.insertMany([
    facts("old", ago(4 * YEAR)),
    facts("recent", ago(YEAR)),
    facts("open", ago(4 * YEAR), { lastEventType: "kuayu.routing.v1.FilingRouted", decidedAt: undefined, waiting: true }),
    facts("drill-old", ago(40), { drill: true }),
    facts("drill-new", ago(5), { drill: true }),
  ] as never);
  await document("CODE-OLD", "old", ago(4 * YEAR));
  await document("CODE-RECENT", "recent", ago(YEAR));
  await document("CODE-DRILL", "drill-old", ago(40));
  await store.notifications.insertMany([
    notification("n-old", "recent", ago(200)),
    notification("n-new", "recent", ago(10)),
    notification("n-drill", "drill-old", ago(39)),
    notification("n-drill-new", "drill-new", ago(4)),
  ]);
  await store.deliveries.insertMany([
    delivery("d-done", "recent", ago(200), "delivered"),
    delivery("d-dead", "recent", ago(200), "dead"),
    delivery("d-pending", "recent", ago(200), "pending"),
    delivery("d-new", "recent", ago(10), "delivered"),
    delivery("d-drill", "drill-old", ago(39), "pending"),
  ]);
}, 60_000);

afterAll(async () => {
  store?.crypt.close();
  await conn?.db?.dropDatabase().catch(() => undefined);
  await conn?.close();
});

const snapshot = async () =>
  JSON.stringify(await Promise.all(["filings", "notifications", "deliveries", "documents", "document_pdfs", "documents.files"].map((c) => conn.db!.collection(c).find().sort({ _id: 1 }).toArray())));
const ids = async (c: string) =>
  (
    await conn
      .db!.collection(c)
      .find({}, { projection: { _id: 1 } })
      .sort({ _id: 1 })
      .toArray()
  ).map((d) => String(d._id));

const EXPECTED = [
  { collection: "deliveries", rule: "drill", action: "delete", count: 1 },
  { collection: "deliveries", rule: "notification-period", action: "delete", count: 2 },
  { collection: "documents", rule: "drill", action: "delete", count: 1 },
  { collection: "documents", rule: "personal-data-after-decision", action: "delete", count: 1 },
  { collection: "filings", rule: "drill", action: "delete", count: 1 },
  { collection: "filings", rule: "personal-data-after-decision", action: "delete", count: 1 },
  { collection: "notifications", rule: "drill", action: "delete", count: 1 },
  { collection: "notifications", rule: "notification-period", action: "delete", count: 1 },
];

it("a dry run changes nothing and reports what the run then does", async () => {
  const before = await snapshot();
  const dry = await runRetention("notification", notificationRetentionSteps(store, files), { now: NOW, schedule: DEFAULT_SCHEDULE, dryRun: true, log });
  expect(dry.counts).toEqual(EXPECTED);
  expect(await snapshot()).toBe(before);

  const run = await runRetention("notification", notificationRetentionSteps(store, files), { now: NOW, schedule: DEFAULT_SCHEDULE, dryRun: false, log });
  expect(run.counts).toEqual(EXPECTED);
  expect(await ids("filings")).toEqual(["drill-new@11", "open@11", "recent@11"]);
  expect(await ids("documents")).toEqual(["CODE-RECENT"]);
  expect(await ids("document_pdfs")).toEqual(["CODE-RECENT"]);
  expect(await fileExists("CODE-OLD.0000abcd")).toBe(false);
  expect(await fileExists("CODE-DRILL.0000abcd")).toBe(false);
  expect(await fileExists("CODE-RECENT.0000abcd")).toBe(true);
  expect(await ids("notifications")).toEqual(["n-drill-new", "n-new"]);
  expect(await ids("deliveries")).toEqual(["d-new", "d-pending"]);

  expect((await runRetention("notification", notificationRetentionSteps(store, files), { now: NOW, schedule: DEFAULT_SCHEDULE, dryRun: false, log })).total).toBe(0);
}, 60_000);
