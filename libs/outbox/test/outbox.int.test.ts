// The same-document outbox against the real store and broker.
import { Schema } from "mongoose";
import { createKafka, createProducer, defineTopic, ensureTopics, runConsumer, type ConsumedEvent, type EventProducer, type RunningConsumer } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { connectMongo, ensureIndexes } from "@kuayu/mongo";
import { outboxEntry, pushOutbox, startOutboxRelay, withOutbox } from "@kuayu/outbox";
import { intakeEventsV1 } from "@kuayu/proto";
import { assertInfraUp, eventually, infra, uniqueName } from "@kuayu/testkit";

const log = createLogger({ service: "outbox-test", level: process.env.TEST_LOG_LEVEL ?? "silent" });
const letters = () => Math.random().toString(36).replace(/[^a-z]/g, "").slice(0, 8) || "x";
const topic = defineTopic(`kuayu.outbox${letters()}.filing-submitted.v1`, intakeEventsV1.FilingSubmittedSchema, 2);

describe("outbox relay (real store and broker)", () => {
  const kafka = createKafka({ brokers: infra.brokers, clientId: "outbox-test", log });
  let conn: Awaited<ReturnType<typeof connectMongo>>;
  let producer: EventProducer;
  let consumer: RunningConsumer;
  const got: ConsumedEvent[] = [];
  const schema = withOutbox(new Schema({ _id: String, state: String }, { versionKey: false }));

  beforeAll(async () => {
    await assertInfraUp();
    conn = await connectMongo({ uri: infra.mongoUri, dbName: uniqueName("outbox_test") });
    await ensureTopics(kafka, [topic]);
    producer = await createProducer(kafka, "kuayu.test");
    consumer = await runConsumer({ kafka, groupId: uniqueName("g"), topics: [topic], producer, log, onFatal: (e) => { throw e; }, handle: async (e) => void got.push(e) });
  });
  afterAll(async () => {
    await consumer.stop();
    await producer.disconnect();
    await conn.dropDatabase();
    await conn.close();
  });

  it("publishes what a document write queued, in order, and clears the outbox", async () => {
    const M = conn.model("Doc", schema, "docs");
    await ensureIndexes([M]);
    const relay = startOutboxRelay({ model: M, producer, log, intervalMs: 50 });
    await M.create({ _id: "d1", state: "new", outbox: [outboxEntry(topic, "d1", { filingId: "d1" }, "kuayu.test")], outboxPending: true });
    await M.updateOne({ _id: "d1" }, pushOutbox({ $set: { state: "changed" } }, outboxEntry(topic, "d1", { filingId: "d1", collaboratingCourtId: "second" }, "kuayu.test")));
    relay.nudge();
    await eventually(async () => got.filter((e) => e.key === "d1").length >= 2, 20_000, "two events of d1");
    expect(got.filter((e) => e.key === "d1").map((e) => (e.message as intakeEventsV1.FilingSubmitted).collaboratingCourtId)).toEqual(["", "second"]);
    await eventually(async () => {
      const d = await M.findById("d1").lean<{ outbox: unknown[]; outboxPending: boolean }>();
      return d!.outbox.length === 0 && !d!.outboxPending;
    }, 10_000, "outbox cleared");
    await relay.stop();
  });

  it("after a crash between publish and clean-up, republishes the same event id (never loses it)", async () => {
    const M = conn.model("Doc");
    // A relay that dies right after the broker acknowledged: nothing is removed from the outbox.
    const crashing: EventProducer = { ...producer, sendRecords: async (r) => { await producer.sendRecords(r); throw new Error("process died"); } };
    const entry = outboxEntry(topic, "d2", { filingId: "d2" }, "kuayu.test");
    await M.create({ _id: "d2", state: "new", outbox: [entry], outboxPending: true });
    const dying = startOutboxRelay({ model: M, producer: crashing, log, leaseMs: 300 });
    await eventually(async () => got.some((e) => e.key === "d2"), 20_000, "first publication");
    await dying.stop();
    // A fresh relay takes over once the lease ran out.
    const relay = startOutboxRelay({ model: M, producer, log, leaseMs: 300, intervalMs: 50 });
    await eventually(async () => got.filter((e) => e.key === "d2").length >= 2, 20_000, "republication");
    await relay.stop();
    const ids = got.filter((e) => e.key === "d2").map((e) => e.meta.id);
    expect(new Set(ids)).toEqual(new Set([entry._id]));
    expect((await M.findById("d2").lean<{ outbox: unknown[] }>())!.outbox).toEqual([]);
  });
});
