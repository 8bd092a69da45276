// Dead letters on the real broker: the dead-letter record keeps no personal data (no value, a
// masked error), `kuayu dlq` still lists and shows it, and replay reads the original record again
// at its origin — and refuses, naming it, once the source topic no longer holds it.
import { randomBytes } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import { createKafka, createProducer, defineTopic, DLQ_HEADERS, dlqName, ensureTopics, headerMap, PermanentError, runConsumer, type EventProducer, type RunningConsumer } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { intakeEventsV1, intakeV1 } from "@kuayu/proto";
import { assertInfraUp, eventually, infra } from "@kuayu/testkit";
import { readDeadLetters, replayDeadLetters } from "../src/dlq";

const log = createLogger({ service: "dlq-test", level: "silent" });
// A topic prefix of its own: `kuayu dlq` of this test sees only this test's dead-letter topics.
const prefix = `dlq${randomBytes(3).toString("hex")}.`;
const topic = defineTopic("kuayu.dlqtest.filing-submitted.v1", intakeEventsV1.FilingSubmittedSchema, 1);
const kafka = createKafka({ ...infra.kafka, clientId: "dlq-test", log, topicPrefix: prefix });
const PERSONAL = ["张三", "11010519491231002X", "13800138000", "广州市荔湾区沙面大街1号"];
let producer: EventProducer;
let consumer: RunningConsumer;
let refuse = true;
const handled: intakeEventsV1.FilingSubmitted[] = [];
const options = { brokers: infra.brokers.join(","), prefix, topic: topic.name };

beforeAll(async () => {
  await assertInfraUp();
  // The CLI reads its broker credentials from the environment, as an operator runs it.
  Object.assign(process.env, infra.kafkaEnv);
  await ensureTopics(kafka, [topic]);
  producer = await createProducer(kafka, "kuayu.test");
  consumer = await runConsumer({
    kafka,
    groupId: `${prefix}g`,
    topics: [topic],
    producer,
    log,
    maxAttempts: 1,
    backoffMs: 10,
    onFatal: (e) => {
      throw e;
    },
    handle: async (e) => {
      const m = e.message as intakeEventsV1.FilingSubmitted;
      // The error quotes what it refused: a dead letter keeps it masked.
      if (refuse) throw new PermanentError(`party 11010519491231002X (phone 13800138000) not accepted`);
      handled.push(m);
    },
  });
});
afterAll(async () => {
  await consumer?.stop();
  await producer?.disconnect();
});

it("keeps no personal data in the dead letter, shows it, and replays the original from its topic", async () => {
  await producer.publish(topic, "filing-dlq-1", {
    filingId: "filing-dlq-1",
    collaboratingCourtId: "t-440103001",
    jurisdictionCourtId: "c-110105",
    details: {
      parties: [
        {
          role: intakeV1.PartyRole.PLAINTIFF,
          identity: { case: "person", value: { name: "张三", residentId: "11010519491231002X" } },
          address: "广州市荔湾区沙面大街1号",
          phone: "13800138000",
        },
      ],
    },
  });

  // The dead-letter record as the broker holds it.
  const raw = new Kafka({ ...infra.kafka, clientId: "dlq-reader", logLevel: logLevel.NOTHING });
  const reader = raw.consumer({ groupId: `${prefix}reader` });
  const got: { key: string; value: Buffer; headers: Record<string, string> }[] = [];
  await reader.connect();
  await reader.subscribe({ topic: `${prefix}${dlqName(topic.name)}`, fromBeginning: true });
  await reader.run({ eachMessage: async ({ message }) => void got.push({ key: message.key!.toString(), value: message.value ?? Buffer.alloc(0), headers: headerMap(message.headers) }) });
  await eventually(async () => got.length === 1, 30_000, "the dead letter");
  await reader.disconnect();
  const [record] = got;
  expect(record!.key).toBe("filing-dlq-1");
  expect(record!.value.length).toBe(0);
  const stored = JSON.stringify(record);
  for (const s of PERSONAL) expect([s, stored.includes(s)]).toEqual([s, false]);
  expect(record!.headers[DLQ_HEADERS.error]).toBe("party 110*************2X (phone 138******00) not accepted");
  expect(record!.headers[DLQ_HEADERS.sha256]).toMatch(/^[0-9a-f]{64}$/);

  // `kuayu dlq list/show`: where it came from, why, what it was.
  const [letter] = await readDeadLetters(options);
  expect(letter).toMatchObject({ key: "filing-dlq-1", eventType: "kuayu.intake.v1.FilingSubmitted", group: `${prefix}g`, attempts: 1, sha256: record!.headers[DLQ_HEADERS.sha256] });
  expect(letter!.origin).toBe(`${prefix}${topic.name}/0/0`);
  expect(letter!.bytes).toBeGreaterThan(50);
  expect(letter!.value.length).toBe(0);

  // Fixed: replay puts the original record back, whole.
  refuse = false;
  expect(await replayDeadLetters(options, [letter!])).toBe(1);
  await eventually(async () => handled.length === 1, 30_000, "the replayed event");
  expect(handled[0]!.details!.parties[0]!.phone).toBe("13800138000");
  expect(handled[0]!.filingId).toBe("filing-dlq-1");

  // Once the source topic no longer holds the record (here: deleted and created again), replay says so and produces nothing.
  await consumer.stop();
  const admin = raw.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [`${prefix}${topic.name}`] });
  } finally {
    await admin.disconnect();
  }
  await eventually(
    async () => {
      try {
        await ensureTopics(kafka, [topic]);
        return true;
      } catch {
        return false;
      }
    },
    30_000,
    "the topic created again",
  );
  await expect(replayDeadLetters(options, [letter!])).rejects.toThrow(`no longer on its topic (its retention ran out, or the topic was re-created), cannot replay: ${prefix}${topic.name}/0/0`);
  const admin2 = raw.admin();
  await admin2.connect();
  const [p0] = await admin2.fetchTopicOffsets(`${prefix}${topic.name}`);
  await admin2.disconnect();
  expect(p0!.high).toBe("0"); // nothing was produced
});
