// PostgreSQL killed under FerretDB (the postmaster and every backend with SIGKILL, as a crashed
// database server) and started again with scripts/infra/infra.sh: FerretDB itself keeps running and
// serves again once PostgreSQL is back; what it acknowledged before the crash is still there; its
// errors meanwhile are transient, so a consumer writing to the store waits the outage out and
// dead-letters nothing, and every event is handled once.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import type { Connection } from "mongoose";
import { isTransient } from "@kuayu/domain";
import { createKafka, createProducer, defineTopic, dlqName, ensureTopics, runConsumer, type EventProducer, type RunningConsumer } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { connectMongo } from "@kuayu/mongo";
import { insertEach } from "@kuayu/outbox";
import { intakeEventsV1 } from "@kuayu/proto";
import { assertInfraUp, eventually, infra, uniqueName } from "@kuayu/testkit";

const ROOT = path.resolve(__dirname, "../../..");
const infraSh = (...args: string[]) => execFileSync("bash", [path.join(ROOT, "scripts/infra/infra.sh"), ...args], { stdio: "ignore" });
const pidOf = (name: string) => Number(readFileSync(path.join(ROOT, `.data/pids/${name}.pid`), "utf8"));
const log = createLogger({ service: "postgres-kill-test", level: "silent" });
const letters =
  Math.random()
    .toString(36)
    .replace(/[^a-z]/g, "")
    .slice(0, 8) || "x";
const topic = defineTopic(`kuayu.pgkill${letters}.filing-submitted.v1`, intakeEventsV1.FilingSubmittedSchema, 2);

const kafka = createKafka({ ...infra.kafka, clientId: "postgres-kill-test", log });
const dbName = uniqueName("pgkill_test");
let conn: Connection;
let producer: EventProducer;
let consumer: RunningConsumer | undefined;

beforeAll(async () => {
  await assertInfraUp();
  let backend = "unknown";
  try {
    backend = readFileSync(path.join(ROOT, ".data/pids/ferretdb.backend"), "utf8").trim();
  } catch {
    // not started by this checkout's infra.sh
  }
  if (backend !== "postgresql") throw new Error(`this test kills the store's PostgreSQL: start the store with scripts/infra/infra.sh (backend postgresql), not ${backend}`);
  await ensureTopics(kafka, [topic]);
  producer = await createProducer(kafka, "kuayu.test");
  conn = await connectMongo({ uri: infra.mongoUri, dbName, serverSelectionTimeoutMs: 2000 });
});
afterAll(async () => {
  await consumer?.stop();
  await producer?.disconnect();
  await conn?.dropDatabase().catch(() => undefined);
  await conn?.close();
});

it("FerretDB serves again after PostgreSQL is killed and restarted; a consumer waits the outage out, every event handled once, none dead-lettered", async () => {
  const handled = conn.db!.collection<{ _id: string }>("handled");
  const acked = conn.db!.collection<{ _id: number }>("acked");
  let failures = 0;
  let fatal: Error | undefined;
  const errors: unknown[] = [];
  consumer = await runConsumer({
    kafka,
    groupId: uniqueName("pgkill"),
    topics: [topic],
    producer,
    log,
    // Few attempts for what is not transient: an outage misread as a bad event would be dead-lettered at once.
    maxAttempts: 2,
    backoffMs: 50,
    fromBeginning: false,
    onFatal: (e) => (fatal = e),
    handle: async (e) => {
      try {
        // Idempotent, as the services' handlers are: a redelivered event changes nothing.
        await handled.updateOne({ _id: e.meta.id }, { $setOnInsert: { key: e.key } }, { upsert: true });
      } catch (err) {
        failures++;
        errors.push(err);
        throw err;
      }
    },
  });
  const publish = async (keys: string[]) => {
    for (const k of keys) await producer.publish(topic, k, { filingId: k });
  };
  const names = (prefix: string) => Array.from({ length: 10 }, (_, i) => `${prefix}-${i}`);

  await publish(names("before"));
  await acked.insertMany(Array.from({ length: 100 }, (_, i) => ({ _id: i })));
  await eventually(async () => (await handled.countDocuments()) === 10, 30_000, "the events before the crash handled");

  const ferretdb = pidOf("ferretdb");
  infraSh("kill", "postgres");
  let during: unknown, duringInsert: unknown, duringGrouped: unknown;
  try {
    await publish(names("during"));
    // The consumer tries, fails and tries again, far more often than maxAttempts.
    await eventually(async () => failures >= 6, 30_000, "the consumer's attempts failing while PostgreSQL is down");
    during = await acked.findOne({ _id: 1 }).catch((err: unknown) => err);
    duringInsert = await acked.insertMany([{ _id: 1000 }, { _id: 1001 }], { ordered: false }).catch((err: unknown) => err);
    duringGrouped = await insertEach(acked, [{ _id: 1000 }, { _id: 1001 }]).catch((err: unknown) => err);
  } finally {
    infraSh("start", "postgres");
  }
  // What FerretDB answered meanwhile: a server error (not a network one), classified as transient.
  expect(during).toBeInstanceOf(Error);
  expect((during as { name: string }).name).toBe("MongoServerError");
  expect(isTransient(during)).toBe(true);
  expect(errors.every((e) => isTransient(e))).toBe(true);
  // The driver wraps an insertMany's failure in a MongoBulkWriteError, which does not say "outage";
  // the grouped inserts (@kuayu/outbox insertEach) throw what it wraps, which does.
  expect((duringInsert as { name: string }).name).toBe("MongoBulkWriteError");
  expect(isTransient(duringInsert)).toBe(false);
  expect(isTransient(duringGrouped)).toBe(true);

  await publish(names("after"));
  await eventually(async () => (await handled.countDocuments()) === 30, 60_000, "every event handled once PostgreSQL is back");
  // Once each: one document per event, the events of the outage among them.
  const keys = (await handled.find({}).toArray()).map((d) => (d as unknown as { key: string }).key).sort();
  expect(keys).toEqual([...names("before"), ...names("during"), ...names("after")].sort());
  // Nothing acknowledged before the crash was lost, and FerretDB was never restarted.
  expect(await acked.countDocuments()).toBe(100);
  expect(pidOf("ferretdb")).toBe(ferretdb);
  expect(fatal).toBeUndefined();

  // Not one dead letter.
  const admin = new Kafka({ ...infra.kafka, clientId: "postgres-kill-test-admin", logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const dlq = await admin.fetchTopicOffsets(dlqName(topic.name));
    expect(dlq.reduce((n, p) => n + Number(p.high) - Number(p.low), 0)).toBe(0);
  } finally {
    await admin.disconnect();
  }
}, 180_000);
