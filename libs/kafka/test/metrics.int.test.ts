// The consumer's metrics as Prometheus scrapes them: a real OpenTelemetry MeterProvider with the
// Prometheus exporter (what @kuayu/telemetry/register starts in the services) on a free port, a
// real broker. A poison event raises kuayu_consumer_dead_lettered_total; events that wait behind a
// stuck handler show as kuayu_consumer_lag, which falls back to 0 once they are handled.
import { createKafka, createProducer, defineTopic, ensureTopics, PermanentError, runConsumer, type ConsumedEvent, type EventProducer, type RunningConsumer } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { intakeEventsV1 } from "@kuayu/proto";
import { assertInfraUp, eventually, infra, uniqueName, startMetricsEndpoint, type MetricsEndpoint } from "@kuayu/testkit";

const log = createLogger({ service: "metrics-test", level: "silent" });
const suffix =
  Math.random()
    .toString(36)
    .replace(/[^a-z]/g, "")
    .slice(0, 8) || "x";
const poisonTopic = defineTopic(`kuayu.metrics${suffix}.poison.v1`, intakeEventsV1.FilingSubmittedSchema, 1);
const lagTopic = defineTopic(`kuayu.metrics${suffix}.lag.v1`, intakeEventsV1.FilingSubmittedSchema, 1);
const kafka = createKafka({ ...infra.kafka, clientId: "metrics-test", log });
const filingOf = (e: ConsumedEvent) => (e.message as intakeEventsV1.FilingSubmitted).filingId;

let endpoint: MetricsEndpoint;
let producer: EventProducer;
const consumers: RunningConsumer[] = [];

beforeAll(async () => {
  await assertInfraUp();
  // Before runConsumer: the consumer takes its instruments from the global provider.
  endpoint = await startMetricsEndpoint();
  await ensureTopics(kafka, [poisonTopic, lagTopic]);
  producer = await createProducer(kafka, "kuayu.test");
});
afterAll(async () => {
  for (const c of consumers) await c.stop();
  await producer?.disconnect();
  await endpoint?.close();
});

it("counts a dead-lettered event on /metrics (kuayu_consumer_dead_lettered_total)", async () => {
  const group = uniqueName("metrics_dlq");
  const handled: string[] = [];
  consumers.push(
    await runConsumer({
      kafka,
      groupId: group,
      topics: [poisonTopic],
      producer,
      log,
      fromBeginning: false,
      onFatal: (e) => {
        throw e;
      },
      handle: async (e) => {
        if (filingOf(e).startsWith("poison")) throw new PermanentError("cannot apply this event");
        handled.push(filingOf(e));
      },
    }),
  );
  const series = { group, topic: poisonTopic.name };
  expect(await endpoint.scrape("kuayu_consumer_dead_lettered_total", series)).toBeUndefined();
  await producer.publish(poisonTopic, "good-1", { filingId: "good-1" });
  await producer.publish(poisonTopic, "poison-1", { filingId: "poison-1" });
  await producer.publish(poisonTopic, "good-2", { filingId: "good-2" });
  await eventually(async () => handled.includes("good-2"), 30_000, "the event after the poison one");
  expect(await endpoint.scrape("kuayu_consumer_dead_lettered_total", series)).toBe(1);
  await producer.publish(poisonTopic, "poison-2", { filingId: "poison-2" });
  await eventually(async () => (await endpoint.scrape("kuayu_consumer_dead_lettered_total", series)) === 2, 30_000, "the second dead letter counted");
});

it("shows events waiting behind a stuck handler as kuayu_consumer_lag, and 0 once they are handled", async () => {
  const group = uniqueName("metrics_lag");
  let release!: () => void;
  const stuck = new Promise<void>((r) => (release = r));
  const handled: string[] = [];
  consumers.push(
    await runConsumer({
      kafka,
      groupId: group,
      topics: [lagTopic],
      producer,
      log,
      fromBeginning: false,
      onFatal: (e) => {
        throw e;
      },
      handle: async (e) => {
        await stuck;
        handled.push(filingOf(e));
      },
    }),
  );
  for (let i = 0; i < 5; i++) await producer.publish(lagTopic, `f-${i}`, { filingId: `f-${i}` });
  const series = { group, topic: lagTopic.name, partition: "0" };
  // The first event is being handled (uncommitted): all five are still to do.
  await eventually(async () => (await endpoint.scrape("kuayu_consumer_lag", series)) === 5, 30_000, "a lag of 5 while the handler is stuck");
  release();
  await eventually(async () => handled.length === 5, 30_000, "the five events handled");
  await eventually(async () => (await endpoint.scrape("kuayu_consumer_lag", series)) === 0, 30_000, "the lag back to 0");
});
