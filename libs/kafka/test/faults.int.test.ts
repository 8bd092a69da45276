// Transient is not permanent: a consumer waits out a store outage (the real FerretDB killed and
// started again) for as long as it lasts and dead-letters nothing; what can never succeed is
// dead-lettered, listed and replayed with `kuayu dlq` (the built CLI).
import { execFile, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { Connection } from "mongoose";
import { createKafka, createProducer, defineTopic, ensureTopics, runConsumer, type ConsumedEvent, type EventProducer, type RunningConsumer } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { connectMongo } from "@kuayu/mongo";
import { intakeEventsV1 } from "@kuayu/proto";
import { assertInfraUp, eventually, infra, uniqueName } from "@kuayu/testkit";

const ROOT = path.resolve(__dirname, "../../..");
const cli = (...args: string[]) =>
  promisify(execFile)(process.execPath, [path.join(ROOT, "libs/cli/bin/kuayu.js"), ...args, "--brokers", infra.brokers.join(","), "--json"], {
    encoding: "utf8",
    env: { ...process.env, ...infra.kafkaEnv },
  });
const log = createLogger({ service: "faults-test", level: "silent" });
const suffix =
  Math.random()
    .toString(36)
    .replace(/[^a-z]/g, "")
    .slice(0, 8) || "x";
const topic = defineTopic(`kuayu.faults${suffix}.filing-submitted.v1`, intakeEventsV1.FilingSubmittedSchema, 2);
const filingOf = (e: ConsumedEvent) => (e.message as intakeEventsV1.FilingSubmitted).filingId;

const kafka = createKafka({ ...infra.kafka, clientId: "faults-test", log });
let producer: EventProducer;
let conn: Connection;
const consumers: RunningConsumer[] = [];
const dbName = uniqueName("faults_test");

beforeAll(async () => {
  await assertInfraUp();
  await ensureTopics(kafka, [topic]);
  producer = await createProducer(kafka, "kuayu.test");
  conn = await connectMongo({ uri: infra.mongoUri, dbName, serverSelectionTimeoutMs: 1000 });
});
afterAll(async () => {
  for (const c of consumers) await c.stop();
  await producer?.disconnect();
  await conn?.dropDatabase().catch(() => undefined);
  await conn?.close();
});

describe("faults and dead letters (real broker, real store)", () => {
  const failures = new Map<string, number>();
  const handled = new Map<string, number>();
  let brokenFixed = false;

  it("waits out a store outage, however many attempts it takes, and dead-letters nothing", async () => {
    consumers.push(
      await runConsumer({
        kafka,
        groupId: uniqueName("faults"),
        topics: [topic],
        producer,
        log,
        maxAttempts: 2,
        backoffMs: 50,
        fromBeginning: false,
        onFatal: (e) => {
          throw e;
        },
        handle: async (e) => {
          const id = filingOf(e);
          try {
            if (id.startsWith("broken") && !brokenFixed) throw new Error("cannot apply this event");
            // Every event is written to the store: during the outage this fails with the driver's own errors.
            await conn.db!.collection("handled").updateOne({ _id: e.meta.id as never }, { $inc: { n: 1 } }, { upsert: true });
          } catch (err) {
            failures.set(id, (failures.get(id) ?? 0) + 1);
            throw err;
          }
          handled.set(id, (handled.get(id) ?? 0) + 1);
        },
      }),
    );
    await producer.publish(topic, "before", { filingId: "before" });
    await eventually(async () => handled.has("before"), 30_000, "the first event");

    const ferretdb = Number(readFileSync(path.join(ROOT, ".data/pids/ferretdb.pid"), "utf8"));
    process.kill(ferretdb, "SIGKILL");
    try {
      for (const id of ["during-1", "during-2", "during-3"]) await producer.publish(topic, id, { filingId: id });
      await eventually(async () => (failures.get("during-1") ?? 0) + (failures.get("during-2") ?? 0) > 4, 30_000, "attempts failing during the outage");
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      execFileSync("bash", [path.join(ROOT, "scripts/infra/infra.sh"), "up"], { stdio: "ignore" });
    }
    await eventually(async () => ["during-1", "during-2", "during-3"].every((id) => handled.get(id) === 1), 60_000, "the events of the outage handled");
    // Far more attempts than maxAttempts, and not one dead letter.
    expect((failures.get("during-1") ?? 0) + (failures.get("during-2") ?? 0)).toBeGreaterThan(4);
    const { stdout } = await cli("dlq", "list", "--topic", topic.name);
    expect(JSON.parse(stdout)).toEqual([]);
  });

  it("dead-letters what can never succeed; kuayu dlq lists it without its payload, shows it and replays it idempotently", async () => {
    await producer.publish(topic, "broken-1", { filingId: "broken-1", receiptNumber: "KY-c-110105-20261202-000001" });
    // Same key, so the same partition: "after" is handled only once "broken-1" has been given up on.
    await producer.publish(topic, "broken-1", { filingId: "after" });
    await eventually(async () => handled.has("after"), 30_000, "the event after the broken one");
    expect(failures.get("broken-1")).toBe(2); // maxAttempts

    const listed = await eventually(async () => {
      const l = JSON.parse((await cli("dlq", "list", "--topic", topic.name)).stdout) as Record<string, unknown>[];
      return l.length === 1 && l;
    });
    expect(listed[0]).toMatchObject({ eventType: "kuayu.intake.v1.FilingSubmitted", error: "cannot apply this event", attempts: 2 });
    expect(String(listed[0]!.origin)).toMatch(new RegExp(`^${topic.name.replaceAll(".", "\\.")}/[01]/\\d+$`));
    const shown = JSON.parse((await cli("dlq", "show", String(listed[0]!.eventId), "--topic", topic.name)).stdout);
    expect(shown.headers["kuayu-dlq-group"]).toBe(listed[0]!.group);
    expect(JSON.stringify(shown)).not.toContain("KY-c-110105"); // no payload shown
    // The dead letter keeps none: its value's SHA-256, and whether its record is still on its topic to replay.
    expect(shown).toMatchObject({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), replayable: true });

    // The fault is fixed; the operator replays. A second replay changes nothing the handler wrote twice.
    brokenFixed = true;
    expect(JSON.parse((await cli("dlq", "replay", "--all", "--topic", topic.name)).stdout)).toMatchObject({ replayed: 1 });
    await eventually(async () => handled.get("broken-1") === 1, 30_000, "the replayed event handled");
    await cli("dlq", "replay", String(listed[0]!.eventId), "--topic", topic.name);
    await eventually(async () => handled.get("broken-1") === 2, 30_000, "the second replay delivered");
    const doc = await conn.db!.collection("handled").findOne({ _id: listed[0]!.eventId as never });
    expect(doc).toMatchObject({ n: 2 }); // the same event id both times: an idempotent consumer would ignore the second

    const err = await cli("dlq", "replay", "no-such-event", "--topic", topic.name).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(1);
    expect((err as { stderr: string }).stderr).toMatch(/no dead-lettered event no-such-event/);
  });
});
