// kafkajs against the real Kafka 4.x broker: topics, idempotent producer, consumer groups,
// metadata headers, retries and dead letters.
import { Kafka, logLevel } from "kafkajs";
import {
  brokerTopic,
  createKafka,
  createProducer,
  defineTopic,
  dlqName,
  ensureTopics,
  headerMap,
  HEADERS,
  PermanentError,
  runConsumer,
  type ConsumedEvent,
  type EventProducer,
  type RunningConsumer,
} from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { intakeEventsV1 } from "@kuayu/proto";
import { FILING_EVENTS, lifecycleTopics } from "@kuayu/topics";
import { assertInfraUp, eventually, infra, publishLifecycle, uniqueName } from "@kuayu/testkit";

const log = createLogger({ service: "kafka-test", level: "silent" });
const letters = () =>
  Math.random()
    .toString(36)
    .replace(/[^a-z]/g, "")
    .slice(0, 8) || "x";
const topic = defineTopic(`kuayu.test${letters()}.filing-submitted.v1`, intakeEventsV1.FilingSubmittedSchema, 3);

const submitted = (e: ConsumedEvent) => e.message as intakeEventsV1.FilingSubmitted;
const kafka = createKafka({ ...infra.kafka, clientId: "kafka-test", log });
let producer: EventProducer;
const consumers: RunningConsumer[] = [];

beforeAll(async () => {
  await assertInfraUp();
  await ensureTopics(kafka, [topic]);
  producer = await createProducer(kafka, "kuayu.test");
});
afterAll(async () => {
  for (const c of consumers) await c.stop();
  await producer?.disconnect();
});

type Dead = { key: string; headers: Record<string, string> };
async function readDlq(done: (got: Dead[]) => boolean): Promise<Dead[]> {
  const raw = new Kafka({ ...infra.kafka, clientId: "dlq-reader", logLevel: logLevel.NOTHING });
  const c = raw.consumer({ groupId: uniqueName("dlq") });
  const got: Dead[] = [];
  await c.connect();
  await c.subscribe({ topic: dlqName(topic.name), fromBeginning: true });
  await c.run({ eachMessage: async ({ message }) => void got.push({ key: message.key!.toString(), headers: headerMap(message.headers) }) });
  try {
    await eventually(async () => done(got), 30_000, "the dead letters");
    return got;
  } finally {
    await c.disconnect();
  }
}

/** A consumer group of its own on the test topic, stopped after the tests. */
async function consume(opts: Partial<Parameters<typeof runConsumer>[0]>): Promise<void> {
  const onFatal = (e: Error) => {
    throw e;
  };
  consumers.push(await runConsumer({ kafka, groupId: uniqueName("g"), topics: [topic], producer, log, onFatal, ...opts }));
}

describe("Kafka platform (real broker)", () => {
  it("creates the topic with its partitions and its dead-letter topic", async () => {
    const admin = kafka.admin();
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: [topic.name, dlqName(topic.name)] });
    await admin.disconnect();
    expect(meta.topics.find((t) => t.name === topic.name)!.partitions).toHaveLength(3);
    expect(meta.topics.find((t) => t.name === dlqName(topic.name))!.partitions).toHaveLength(1);
    await ensureTopics(kafka, [topic]); // idempotent
  });

  it("delivers every event once to a consumer group, in order per key, with metadata", async () => {
    const got: ConsumedEvent[] = [];
    await consume({
      handle: async (e) => void got.push(e),
    });
    for (let i = 0; i < 30; i++) {
      await producer.publish(topic, `filing-${i % 3}`, { filingId: `filing-${i % 3}`, collaboratingCourtId: String(i) });
    }
    await eventually(async () => got.length >= 30, 30_000, "30 events");
    expect(got).toHaveLength(30);
    for (const key of ["filing-0", "filing-1", "filing-2"]) {
      const seq = got.filter((e) => e.key === key).map((e) => Number(submitted(e).collaboratingCourtId));
      expect(seq).toEqual([...seq].sort((a, b) => a - b));
    }
    expect(got[0]!.meta).toMatchObject({ type: "kuayu.intake.v1.FilingSubmitted", source: "kuayu.test" });
    expect(new Set(got.map((e) => e.meta.id)).size).toBe(30);
  });

  it("retries a failing handler, then dead-letters the event and goes on", async () => {
    const attempts = new Map<string, number>();
    const handled: string[] = [];
    await consume({
      maxAttempts: 3,
      backoffMs: 10,
      handle: async (e) => {
        if (submitted(e).filingId === "poison") {
          attempts.set(e.meta.id, (attempts.get(e.meta.id) ?? 0) + 1);
          throw new Error("cannot apply");
        }
        handled.push(submitted(e).filingId);
      },
    });
    await producer.publish(topic, "poison", { filingId: "poison" });
    await producer.publish(topic, "poison", { filingId: "after-poison" });
    // A record that is not a valid event goes to the dead-letter topic without retries.
    await producer.raw.send({ topic: topic.name, messages: [{ key: "garbage", value: Buffer.from([0xff, 0xff]), headers: { [HEADERS.id]: "bad-1" } }] });
    await eventually(async () => handled.includes("after-poison"), 30_000, "event after the poison one");
    expect([...attempts.values()]).toEqual([3]);
    const dead = await readDlq((got) => ["poison", "garbage"].every((k) => got.some((d) => d.key === k)));
    const poison = dead.find((d) => d.key === "poison")!;
    expect(poison.headers).toMatchObject({ "kuayu-dlq-error": "cannot apply", "kuayu-dlq-attempts": "3" });
    expect(poison.headers[HEADERS.type]).toBe("kuayu.intake.v1.FilingSubmitted");
    expect(dead.find((d) => d.key === "garbage")!.headers["kuayu-dlq-attempts"]).toBe("0");
  });

  it("skips records of types it does not handle before decoding or verifying them", async () => {
    // A flow's lifecycle topic holds every event type of a filing; this consumer takes FilingRouted only.
    const province = "65";
    const filingId = uniqueName("typed");
    const handled: string[] = [];
    const verified: string[] = [];
    const onFatal = (e: Error) => {
      throw e;
    };
    consumers.push(
      await runConsumer({
        kafka,
        groupId: uniqueName("g"),
        topics: lifecycleTopics([province]),
        fromBeginning: false,
        producer,
        log,
        onFatal,
        types: [FILING_EVENTS.routed],
        verify: { verify: async (record) => void (record.key === filingId && verified.push(record.headers[HEADERS.type]!)) },
        handle: async (e) => void (e.key === filingId && handled.push(e.meta.type)),
      }),
    );
    const provinces = { window: province, jurisdiction: province };
    await publishLifecycle(producer, provinces, filingId, { case: "acknowledged", value: { filingId, round: 1 } });
    await publishLifecycle(producer, provinces, filingId, { case: "filingRouted", value: { filingId, round: 1, province } });
    await eventually(async () => handled.length > 0, 30_000, "the routed event");
    // The acknowledgement came first on the partition: skipped, neither verified nor handled.
    expect(handled).toEqual([FILING_EVENTS.routed]);
    expect(verified).toEqual([FILING_EVENTS.routed]);
  });

  it("commits handled offsets at most once a second, not after every batch, and everything handled when it stops", async () => {
    const groupId = uniqueName("g");
    const got: string[] = [];
    const c = await runConsumer({
      kafka,
      groupId,
      topics: [topic],
      producer,
      log,
      fromBeginning: false,
      onFatal: (e) => {
        throw e;
      },
      handle: async (e) => void got.push(submitted(e).filingId),
    });
    let commits = 0;
    c.consumer.on(c.consumer.events.COMMIT_OFFSETS, () => void commits++);
    const admin = kafka.admin();
    await admin.connect();
    const name = brokerTopic(kafka, topic.name);
    /** Partitions whose committed offset is not the end of the partition (every record handled and committed: none). */
    const behind = async () => {
      const ends = await admin.fetchTopicOffsets(name);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [name] });
      return ends.filter((e) => committed!.partitions.find((p) => p.partition === e.partition)?.offset !== e.high && e.high !== "0").length;
    };
    try {
      // Twenty events, one at a time: about twenty batches (kafkajs alone committed after each).
      const t0 = Date.now();
      for (let i = 0; i < 20; i++) {
        await producer.publish(topic, `commit-${i}`, { filingId: `commit-${i}` });
        await eventually(async () => got.includes(`commit-${i}`), 10_000, `event ${i}`);
      }
      const seconds = (Date.now() - t0) / 1000;
      // The last ones are committed at the end of the interval, without another batch.
      await eventually(async () => (await behind()) === 0, 5_000, "every handled offset committed");
      expect(commits).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
      expect(commits).toBeLessThan(20);
      // What is handled when it stops is committed by the stop.
      await producer.publish(topic, "commit-last", { filingId: "commit-last" });
      await eventually(async () => got.includes("commit-last"), 10_000, "the last event");
      await c.stop();
      expect(await behind()).toBe(0);
    } finally {
      await c.stop().catch(() => undefined);
      await admin.disconnect();
    }
  });

  it("lets a batch handler dead-letter an event it can never handle, and the batch goes on", async () => {
    const handled: string[] = [];
    await consume({
      handleBatch: async (events, batch) => {
        for (const e of events) {
          if (submitted(e).filingId === "batch-poison") await batch.deadLetter(e, new Error("no notice for this event"));
          else handled.push(submitted(e).filingId);
        }
      },
    });
    await producer.publish(topic, "batch", { filingId: "batch-poison" });
    await producer.publish(topic, "batch", { filingId: "after-batch-poison" });
    await eventually(async () => handled.includes("after-batch-poison"), 30_000, "the event after the dead-lettered one");
    expect(handled.filter((f) => f === "after-batch-poison")).toHaveLength(1);
    const dead = (await readDlq((got) => got.some((d) => d.key === "batch"))).find((d) => d.key === "batch")!;
    expect(dead.headers).toMatchObject({ "kuayu-dlq-error": "no notice for this event", "kuayu-dlq-attempts": "1", [HEADERS.type]: "kuayu.intake.v1.FilingSubmitted" });
  });
});

it("creates the same new topics from several services starting at once (a fresh cluster under Kubernetes)", async () => {
  const fresh = [1, 2, 3].map((i) => defineTopic(`kuayu.race${letters()}${"abc"[i - 1]}.filing-submitted.v1`, intakeEventsV1.FilingSubmittedSchema, 4));
  // Separate clients, like separate processes.
  const clients = [1, 2, 3, 4, 5, 6].map((i) => createKafka({ ...infra.kafka, clientId: `race-${i}`, log }));
  await Promise.all(clients.map((k) => ensureTopics(k, fresh)));
  const admin = new Kafka({ ...infra.kafka, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const meta = await admin.fetchTopicMetadata({ topics: fresh.map((t) => t.name) });
  await admin.deleteTopics({ topics: [...fresh.map((t) => t.name), ...fresh.map((t) => dlqName(t.name))] });
  await admin.disconnect();
  expect(meta.topics.map((t) => t.partitions.length)).toEqual([4, 4, 4]);
});

it("keeps deployments with different topic prefixes apart on one broker (a bench next to the tests)", async () => {
  // One partition: a record of another namespace, were it in the same topic, would come before the marker.
  const shared = defineTopic(`kuayu.ns${letters()}.filing-submitted.v1`, intakeEventsV1.FilingSubmittedSchema, 1);
  const ns = [`nsa${letters()}.`, `nsb${letters()}.`, ""];
  const deployments = await Promise.all(
    ns.map(async (topicPrefix) => {
      const k = createKafka({ ...infra.kafka, clientId: `ns-${topicPrefix || "bare"}`, log, topicPrefix });
      await ensureTopics(k, [shared]);
      const p = await createProducer(k, "kuayu.test");
      const got: string[] = [];
      const c = await runConsumer({
        kafka: k,
        groupId: uniqueName("ns"),
        topics: [shared],
        producer: p,
        log,
        fromBeginning: true,
        onFatal: (e) => {
          throw e;
        },
        handle: async (e) => {
          got.push(submitted(e).filingId);
          if (submitted(e).filingId.endsWith("poison")) throw new PermanentError("cannot apply");
        },
      });
      return { topicPrefix, p, c, got };
    }),
  );
  try {
    for (const d of deployments) await d.p.publish(shared, "k", { filingId: `${d.topicPrefix}poison` });
    for (const d of deployments) await d.p.publish(shared, "k", { filingId: `${d.topicPrefix}end` });
    for (const d of deployments) {
      await eventually(async () => d.got.includes(`${d.topicPrefix}end`), 30_000, `the marker of "${d.topicPrefix}"`);
      expect(d.got).toEqual([`${d.topicPrefix}poison`, `${d.topicPrefix}end`]);
    }
    const raw = new Kafka({ ...infra.kafka, logLevel: logLevel.NOTHING });
    const admin = raw.admin();
    await admin.connect();
    const names = ns.flatMap((p) => [p + shared.name, p + dlqName(shared.name)]);
    const offsets = await Promise.all(names.map((t) => admin.fetchTopicOffsets(t)));
    // Each namespace's topic holds its own two records, its dead-letter topic its own poison record.
    expect(offsets.map((o) => Number(o[0]!.high))).toEqual([2, 1, 2, 1, 2, 1]);
    await admin.deleteTopics({ topics: names });
    await admin.disconnect();
  } finally {
    for (const d of deployments) {
      await d.c.stop();
      await d.p.disconnect();
    }
  }
  expect(() => createKafka({ ...infra.kafka, clientId: "bad", log, topicPrefix: "Staging" })).toThrow(/topic prefix/);
});

it("leaves an idle connection alone: no timer re-armed every millisecond (kafkajs 2.2.4 did, on every connection)", async () => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.listTopics(); // a request answered: from here kafkajs' queue re-armed its timer forever
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs' own module, not exported by its types
    const queue = (require("kafkajs/src/network/requestQueue/index.js") as { prototype: { checkPendingRequests(): void } }).prototype;
    const check = queue.checkPendingRequests;
    let looks = 0;
    queue.checkPendingRequests = function (this: unknown) {
      looks++;
      check.call(this);
    };
    try {
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      queue.checkPendingRequests = check;
    }
    // Idle for half a second: the connections' queues are looked at only when a request waits (none did).
    expect(looks).toBeLessThan(20);
  } finally {
    await admin.disconnect();
  }
});
