// Notification as its own process (built dist/) on the real broker and store, killed with SIGKILL
// again and again while lifecycle events stream in: every in-app notification and every printable
// document the events call for exists exactly once afterwards — none lost, none twice.
import path from "node:path";
import { randomUUID } from "node:crypto";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createKafka, createProducer, ensureTopics, type EventProducer } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { connectMongo } from "@kuayu/mongo";
import { commonV1, intakeV1 } from "@kuayu/proto";
import { topicsOfFiling, type FilingEventInit } from "@kuayu/topics";
import { assertInfraUp, eventually, infra, publishLifecycle, spawnService, testKeys, uniqueName, type ServiceProcess, serviceEventKeys } from "@kuayu/testkit";

const keys = testKeys();
const log = createLogger({ service: "test", level: "silent" });
const dist = path.resolve(__dirname, "../dist/main.js");
const db = uniqueName("notification_kill");
// A topic namespace of its own: the group may read from the beginning, and a run sees only its events.
const prefix = `${uniqueName("nkill").replace(/_/g, "-").toLowerCase()}.`;
const group = uniqueName("notification");
const COURT = "c-110105";
const WINDOW = "t-440103001";
const FILINGS = 40;
let events: EventProducer;
let proc: ServiceProcess | undefined;

beforeAll(async () => {
  await assertInfraUp();
  const kafka = createKafka({ ...infra.kafka, clientId: "notification-kill-test", log, topicPrefix: prefix });
  await ensureTopics(kafka, topicsOfFiling("44", "11"));
  // The spawned service verifies events: each is signed as its producer (serviceEventKeys).
  events = await createProducer(kafka, "kuayu.test", { signer: await serviceEventKeys().signerOfEvents() });
});
afterAll(async () => {
  await proc?.kill("SIGKILL");
  await events?.disconnect();
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: db });
  await conn.dropDatabase();
  await conn.close();
});

async function start(): Promise<void> {
  const p = spawnService(dist, {
    GRPC_PORT: "0",
    GRPC_HOST: "127.0.0.1",
    ...infra.kafkaEnv,
    MONGO_URI: infra.mongoUri,
    MONGO_DB: db,
    KAFKA_GROUP_ID: group,
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_FROM_BEGINNING: "true",
    KAFKA_SESSION_TIMEOUT_MS: "6000",
    JWT_PUBLIC_KEY: keys.publicKey,
    OTEL_SERVICE_NAME: "notification",
  });
  proc = p; // the one running now: afterAll stops it
  await p.waitFor((l) => l.msg === "notification started", 90_000);
}

/** A filing's life as the services publish it: submitted, routed, acknowledged, accepted. */
async function publishFiling(i: number): Promise<void> {
  const filingId = randomUUID();
  const base = { filingId, collaboratingCourtId: WINDOW, jurisdictionCourtId: COURT, round: 1, drill: true };
  // A Guangdong window's filing for a Beijing court: every event on both provinces' topics.
  const send = (event: FilingEventInit["event"]) => publishLifecycle(events, { window: "44", jurisdiction: "11" }, filingId, event);
  const now = new Date();
  await send({
    case: "filingSubmitted",
    value: {
      ...base,
      caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE,
      receiptNumber: `KY-${WINDOW}-20261202-${String(i + 1).padStart(6, "0")}`,
      submittedAt: timestampFromDate(now),
      details: {
        parties: [
          { role: intakeV1.PartyRole.PLAINTIFF, identity: { case: "person", value: { name: "张三（演练）", residentId: "11010519491231002X" } }, address: "广州" },
          { role: intakeV1.PartyRole.DEFENDANT, identity: { case: "organization", value: { name: "北京某贸易有限公司（演练）", creditCode: "91350100M000100Y43" } }, address: "北京" },
        ],
      },
      materials: [{ materialId: "m1", kind: "complaint", fileName: "起诉状.pdf", sha256: "a".repeat(64), sizeBytes: 10n }],
    },
  });
  await send({ case: "filingRouted", value: { ...base, province: "11", originProvince: "44", routedAt: timestampFromDate(now), responseDue: timestampFromDate(new Date(now.getTime() + 1800_000)) } });
  await send({ case: "acknowledged", value: base });
  await send({ case: "accepted", value: { ...base, caseNumber: `（2026）京0105民初${i + 1}号`, acceptedAt: timestampFromDate(now) } });
}

it("issues every notification and document exactly once while the service is killed mid-stream", async () => {
  const store = await connectMongo({ uri: infra.mongoUri, dbName: db });
  const notifications = () =>
    store
      .collection("notifications")
      .countDocuments({})
      .catch(() => 0);
  try {
    // Started before the events stream in: a batch handles everything published so far at once, so a
    // service that started after the stream ended would be done before the first kill.
    await start();
    const publishing = (async () => {
      for (let wave = 0; wave < 10; wave++) {
        await Promise.all(Array.from({ length: FILINGS / 10 }, (_, k) => publishFiling(wave * (FILINGS / 10) + k)));
        await new Promise((r) => setTimeout(r, 700));
      }
    })();
    const midStream: number[] = [];
    for (let kill = 0; kill < 3; kill++) {
      if (kill > 0) await start();
      await new Promise((r) => setTimeout(r, 1500 + kill * 500));
      midStream.push(await notifications());
      await proc!.kill("SIGKILL");
    }
    await publishing;
    await start();
    // Routed → the court's specialists; acknowledged and accepted → the window: one each per filing
    // (and a "next opening" note to the window when the court is closed as the filing arrives).
    const count = (kind: string) => store.collection("notifications").countDocuments({ kind });
    await eventually(async () => (await count("kuayu.decision.v1.Accepted")) >= FILINGS, 240_000, "every acceptance told").catch(async (err: Error) => {
      const byKind = await store
        .collection("notifications")
        .aggregate([{ $group: { _id: "$kind", n: { $sum: 1 } } }])
        .toArray();
      throw new Error(`${err.message}: ${JSON.stringify(byKind)}`);
    });
    await eventually(async () => (await store.collection("documents").countDocuments({})) >= 2 * FILINGS, 60_000, "every receipt and acceptance notice").catch(async (err: Error) => {
      const byKind = await store
        .collection("documents")
        .aggregate([{ $group: { _id: "$kind", n: { $sum: 1 } } }])
        .toArray();
      const facts = await store
        .collection("filings")
        .aggregate([{ $group: { _id: { t: { $type: "$caseType" }, s: "$status" }, n: { $sum: 1 } } }])
        .toArray();
      throw new Error(`${err.message}: ${JSON.stringify(byKind)} facts ${JSON.stringify(facts)}`);
    });
    await new Promise((r) => setTimeout(r, 2000));
    expect(await count("kuayu.routing.v1.FilingRouted")).toBe(FILINGS);
    expect(await count("kuayu.decision.v1.Acknowledged")).toBe(FILINGS);
    expect(await count("kuayu.decision.v1.Accepted")).toBe(FILINGS);
    expect(await count("next-opening")).toBeLessThanOrEqual(FILINGS);
    expect(await store.collection("notifications").countDocuments({ courtId: COURT, role: "filing-specialist", kind: "kuayu.routing.v1.FilingRouted" })).toBe(FILINGS);
    expect(await store.collection("documents").countDocuments({ kind: "receipt" })).toBe(FILINGS);
    expect(await store.collection("documents").countDocuments({ kind: "acceptance-notice" })).toBe(FILINGS);
    // The kills fell while there was work in flight.
    if (!midStream.some((n) => n > 0 && n < 3 * FILINGS)) throw new Error(`no kill fell while there was work in flight: notifications at the kills ${midStream.join(", ")}`);
  } finally {
    await store.close();
  }
}, 420_000);
