// Supervision as its own process (built dist/) on the real broker and store, killed with SIGKILL
// again and again while lifecycle events stream in: every filing is counted exactly once — in its
// court's, its province's and the national counters — however the kills fall between a batch's
// counter writes, its ledger writes and its offset commit.
import path from "node:path";
import { randomUUID } from "node:crypto";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createSigner } from "@kuayu/auth";
import { createClient, tlsFromSettings } from "@kuayu/grpc";
import { createKafka, createProducer, ensureTopics, type EventProducer } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { connectMongo } from "@kuayu/mongo";
import { commonV1, supervisionV1 } from "@kuayu/proto";
import { topicsOfFiling, type FilingEventInit } from "@kuayu/topics";
import { assertInfraUp, eventually, infra, publishLifecycle, serviceCertificates, spawnService, testKeys, uniqueName, type ServiceProcess, serviceEventKeys } from "@kuayu/testkit";
import { testEnv } from "./support";

const keys = testKeys();
const credentials = tlsFromSettings(serviceCertificates().clientEnv).channel; // the spawned services run mutual TLS
const log = createLogger({ service: "test", level: "silent" });
const dist = path.resolve(__dirname, "../dist/main.js");
const db = uniqueName("supervision_kill");
// A topic namespace of its own: the group may read from the beginning, and a run sees only its events.
const prefix = `${uniqueName("kill").replace(/_/g, "-").toLowerCase()}.`;
const group = uniqueName("supervision");
const COURTS = ["c-110108", "c-110105"];
const FILINGS = 300;
const ARRIVED = new Date("2026-05-06T09:00:00+08:00"); // a Wednesday
let events: EventProducer;
let proc: ServiceProcess | undefined;

beforeAll(async () => {
  await assertInfraUp();
  const kafka = createKafka({ ...infra.kafka, clientId: "supervision-kill-test", log, topicPrefix: prefix });
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

async function start(): Promise<{ proc: ServiceProcess; port: number }> {
  const p = spawnService(
    dist,
    testEnv(db, keys.publicKey, {
      KAFKA_GROUP_ID: group,
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_FROM_BEGINNING: "true",
      KAFKA_SESSION_TIMEOUT_MS: "6000",
      LOG_LEVEL: "info",
      OTEL_SERVICE_NAME: "supervision",
    }),
  );
  proc = p; // the one running now: afterAll stops it
  const line = await p.waitFor((l) => l.msg === "supervision started", 90_000);
  return { proc: p, port: Number(line.grpcPort) };
}

/** Filing i: routed, acknowledged after 10 (even i) or 40 (odd i) minutes, accepted the next day. */
async function publishFiling(i: number): Promise<void> {
  const filingId = randomUUID();
  const at = new Date(ARRIVED.getTime() + i * 1000);
  const base = { filingId, collaboratingCourtId: "t-440103001", jurisdictionCourtId: COURTS[i % COURTS.length]!, round: 1, drill: false };
  // A Guangdong window's filing for a Beijing court: every event on both provinces' topics.
  const send = (event: FilingEventInit["event"], time: Date) => publishLifecycle(events, { window: "44", jurisdiction: "11" }, filingId, event, { time });
  await send(
    {
      case: "filingRouted",
      value: {
        ...base,
        province: "11",
        originProvince: "44",
        caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE,
        receiptNumber: `KY-${filingId.slice(0, 8)}`,
        routedAt: timestampFromDate(at),
        responseDue: timestampFromDate(new Date(at.getTime() + 30 * 60_000)),
        decisionDue: timestampFromDate(new Date(at.getTime() + 8 * 86400_000)),
      },
    },
    at,
  );
  const ack = new Date(at.getTime() + (i % 2 === 0 ? 10 : 40) * 60_000);
  await send({ case: "acknowledged", value: base }, ack);
  await send({ case: "accepted", value: { ...base, caseNumber: `（2026）京0108民初${i + 1}号`, acknowledgedAt: timestampFromDate(ack) } }, new Date(at.getTime() + 86400_000));
}

it("counts every filing exactly once while the service is killed mid-stream", async () => {
  const store = await connectMongo({ uri: infra.mongoUri, dbName: db });
  const counted = async () =>
    store
      .collection("ledger")
      .countDocuments({ counted: "decision" })
      .catch(() => 0);
  try {
    // Events arrive in waves for several seconds while the service is killed three times.
    const publishing = (async () => {
      for (let wave = 0; wave < 10; wave++) {
        await Promise.all(Array.from({ length: FILINGS / 10 }, (_, k) => publishFiling(wave * (FILINGS / 10) + k)));
        await new Promise((r) => setTimeout(r, 700));
      }
    })();
    const midStream: number[] = [];
    for (let kill = 0; kill < 3; kill++) {
      const before = await counted();
      await start();
      // Killed as soon as it has counted something more (at most 10 s): mid-stream, while waves still arrive.
      let n = before;
      for (const until = Date.now() + 10_000; n <= before && Date.now() < until; n = await counted()) await new Promise((r) => setTimeout(r, 100));
      await proc!.kill("SIGKILL");
      midStream.push(n);
    }
    await publishing;
    const { port } = await start();
    const spc = createClient(supervisionV1.SupervisionService, `127.0.0.1:${port}`, {
      token: await (await createSigner(keys.privateKey)).mint({ user: "u-spc", courtId: "c-spc", roles: ["supervisor"], province: "00" }),
      timeoutMs: 30_000,
      credentials,
    });
    const indicators = async (level: supervisionV1.ScopeLevel, id = "") => (await spc.getIndicators({ scope: { level, id }, fromDate: "2026-05-06", toDate: "2026-05-06" })).indicators!;
    await eventually(async () => (await indicators(supervisionV1.ScopeLevel.NATIONAL)).decided >= BigInt(FILINGS), 120_000, "every filing decided in the national counters");
    // Settled: nothing more may arrive and nothing was counted twice.
    await new Promise((r) => setTimeout(r, 3000));
    const want = { filings: BigInt(FILINGS), responded: BigInt(FILINGS), respondedWithin30Minutes: BigInt(FILINGS / 2), decided: BigInt(FILINGS), accepted: BigInt(FILINGS) };
    expect(await indicators(supervisionV1.ScopeLevel.NATIONAL)).toMatchObject(want);
    expect(await indicators(supervisionV1.ScopeLevel.PROVINCE, "11")).toMatchObject(want);
    const perCourt = { filings: BigInt(FILINGS / 2), responded: BigInt(FILINGS / 2), decided: BigInt(FILINGS / 2) };
    for (const c of COURTS) expect(await indicators(supervisionV1.ScopeLevel.COURT, c)).toMatchObject(perCourt);
    expect(await store.collection("ledger").countDocuments({})).toBe(FILINGS);
    // The kills fell while there was work in flight: some filings counted, not all.
    expect(midStream.some((n) => n > 0 && n < FILINGS)).toBe(true);
    spc.close();
  } finally {
    await store.close();
  }
}, 300_000);
