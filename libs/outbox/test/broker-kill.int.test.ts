// The broker (the Kafka JVM) killed with SIGKILL and started again with scripts/infra/infra.sh while
// a service's three Kafka clients are at work, as in every service: the version relay publishing
// the outbox, a consumer handling the events, and the producer they share (created once, never
// recreated). Changes committed during the outage wait in the store and go out once the broker is
// back; every event is handled once (idempotently), in each document's order; nothing is
// dead-lettered, and the consumer never gives up.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { createKafka, createProducer, defineTopic, dlqName, ensureTopics, runConsumer, type EventProducer, type RunningConsumer } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { connectMongo, ensureCollections } from "@kuayu/mongo";
import { outboxEntry, startVersionRelay, pendingOf, versionCollections, versionedDocuments, type VersionRelay, type VersionRow } from "@kuayu/outbox";
import { intakeEventsV1 } from "@kuayu/proto";
import { assertInfraUp, eventually, infra, uniqueName } from "@kuayu/testkit";

const ROOT = path.resolve(__dirname, "../../..");
const infraSh = (...args: string[]) => execFileSync("bash", [path.join(ROOT, "scripts/infra/infra.sh"), ...args], { stdio: "ignore" });
const log = createLogger({ service: "broker-kill-test", level: process.env.TEST_LOG_LEVEL ?? "silent" });
const letters =
  Math.random()
    .toString(36)
    .replace(/[^a-z]/g, "")
    .slice(0, 8) || "x";
const topic = defineTopic(`kuayu.brokerkill${letters}.filing-submitted.v1`, intakeEventsV1.FilingSubmittedSchema, 2);
interface Doc {
  _id: string;
  version?: number;
  n: number;
}
const notFound = (id: string) => new Error(`no ${id}`);

const kafka = createKafka({ ...infra.kafka, clientId: "broker-kill-test", log });
let conn: Awaited<ReturnType<typeof connectMongo>>;
let producer: EventProducer;
let consumer: RunningConsumer | undefined;
let relay: VersionRelay | undefined;

beforeAll(async () => {
  await assertInfraUp();
  conn = await connectMongo({ uri: infra.mongoUri, dbName: uniqueName("brokerkill_test") });
  await ensureCollections(conn, [{ name: "docs" }, ...versionCollections("docs"), { name: "handled" }]);
  await ensureTopics(kafka, [topic]);
  producer = await createProducer(kafka, "kuayu.test");
});
afterAll(async () => {
  await relay?.stop();
  await consumer?.stop();
  await producer?.disconnect();
  await conn?.dropDatabase().catch(() => undefined);
  await conn?.close();
});

it("loses and dead-letters nothing when the broker is killed and restarted under a relay, a consumer and a producer", async () => {
  const heads = conn.db!.collection<Doc>("docs");
  const versions = conn.db!.collection<VersionRow>("docs_versions");
  const handled = conn.db!.collection<{ _id: string; doc: string; n: number }>("handled");
  const seen: { doc: string; n: number }[] = [];
  let fatal: Error | undefined;
  consumer = await runConsumer({
    kafka,
    groupId: uniqueName("brokerkill"),
    topics: [topic],
    producer,
    log,
    maxAttempts: 2,
    backoffMs: 50,
    fromBeginning: false,
    onFatal: (e) => (fatal = e),
    handle: async (e) => {
      const m = e.message as intakeEventsV1.FilingSubmitted;
      const n = Number(m.collaboratingCourtId);
      // Idempotent by event id, as the services' handlers are.
      await handled.updateOne({ _id: e.meta.id }, { $setOnInsert: { doc: m.filingId, n } }, { upsert: true });
      seen.push({ doc: m.filingId, n });
    },
  });
  const docs = versionedDocuments<Doc>(heads, versions, { notFound, onCommit: (id) => relay?.nudge(id) });
  relay = startVersionRelay({ versions, producer, log, owned: () => "all", sweepMs: 200 });
  const ids = Array.from({ length: 12 }, (_, i) => `doc-${i}`);
  for (const id of ids) await docs.create({ _id: id, n: 0 });
  // One change of every document, each with its event in the outbox (the partition by document).
  let round = 0;
  const changeAll = async () => {
    round++;
    for (const [i, id] of ids.entries()) {
      await docs.change(id, async (d) => ({ head: { ...d, n: round }, outbox: [outboxEntry(topic, id, { filingId: id, collaboratingCourtId: String(round) }, "kuayu.test", i % 2)] }));
    }
  };
  await changeAll();
  await eventually(async () => (await handled.countDocuments()) === ids.length, 30_000, "the first round handled");

  infraSh("kill", "kafka");
  try {
    // The store is up: changes commit, their events wait in the outbox while the relay cannot publish.
    await changeAll();
    await changeAll();
    await new Promise((r) => setTimeout(r, 3000));
    expect(await pendingOf(versions).count()).toBe(2 * ids.length);
  } finally {
    infraSh("start", "kafka");
  }
  await changeAll();
  const all = 4 * ids.length;
  await eventually(async () => (await handled.countDocuments()) === all, 90_000, `all ${all} events handled after the broker's restart`).catch(async (err: Error) => {
    throw new Error(`${err.message} (have ${await handled.countDocuments()}, unpublished ${await pendingOf(versions).count()})`);
  });
  await eventually(async () => (await pendingOf(versions).count()) === 0, 30_000, "every version marked published");

  // Every round of every document once, and each document's events in its order.
  const rows = await handled.find({}).toArray();
  expect(rows.map((r) => `${r.doc}:${r.n}`).sort()).toEqual(ids.flatMap((id) => [1, 2, 3, 4].map((n) => `${id}:${n}`)).sort());
  for (const id of ids) {
    // A redelivery after the restart may repeat events; the first time each was seen is in order.
    const order = [...new Set(seen.filter((s) => s.doc === id).map((s) => s.n))];
    expect(order).toEqual([1, 2, 3, 4]);
  }
  expect(fatal).toBeUndefined();

  const admin = new Kafka({ ...infra.kafka, clientId: "broker-kill-test-admin", logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const dlq = await admin.fetchTopicOffsets(dlqName(topic.name));
    expect(dlq.reduce((n, p) => n + Number(p.high) - Number(p.low), 0)).toBe(0);
  } finally {
    await admin.disconnect();
  }
}, 240_000);
