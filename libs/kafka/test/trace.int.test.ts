// One send may carry the records of many changes (the version relay sends a round's versions
// together): each record's producer span is in the trace its own headers carry, and the consumer's
// span is the child of that record's producer span. A real broker, an in-memory span exporter.
import { propagation, trace, SpanKind } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { buildRecord, createKafka, createProducer, defineTopic, ensureTopics, runConsumer, type ConsumedEvent } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { intakeEventsV1 } from "@kuayu/proto";
import { assertInfraUp, eventually, infra, uniqueName } from "@kuayu/testkit";

const log = createLogger({ service: "kafka-trace-test", level: "silent" });
const topic = defineTopic(
  `kuayu.trace${uniqueName("t")
    .replace(/[^a-z]/g, "")
    .slice(0, 8)}.filing-submitted.v1`,
  intakeEventsV1.FilingSubmittedSchema,
  1,
);
const exporter = new InMemorySpanExporter();

beforeAll(() => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterAll(() => {
  trace.disable();
  propagation.disable();
});

it("puts each record of one send in its own change's trace, and each consumer span under its record's producer span", async () => {
  await assertInfraUp();
  const kafka = createKafka({ ...infra.kafka, clientId: "kafka-trace-test", log });
  await ensureTopics(kafka, [topic]);
  const producer = await createProducer(kafka, "kuayu.test");
  const got: ConsumedEvent[] = [];
  const consumer = await runConsumer({
    kafka,
    groupId: uniqueName("g"),
    topics: [topic],
    producer,
    log,
    onFatal: (e) => {
      throw e;
    },
    handle: async (e) => void got.push(e),
  });
  try {
    // Two changes' records, each built in its own trace (the W3C header as buildRecord writes it).
    const changes = ["a", "b"].map((c) => ({ traceId: c.repeat(32), spanId: c.repeat(16) }));
    const records = changes.map((c, i) => {
      const r = buildRecord(topic, `filing-${i}`, { filingId: `filing-${i}` }, { source: "kuayu.test" });
      return { ...r, headers: { ...r.headers, traceparent: `00-${c.traceId}-${c.spanId}-01` } };
    });
    await producer.sendRecords(records); // one send
    await eventually(async () => got.length === 2, 30_000, "both events");
    const spans = exporter.getFinishedSpans();
    for (const c of changes) {
      const sent = spans.filter((s) => s.kind === SpanKind.PRODUCER && s.spanContext().traceId === c.traceId);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.parentSpanContext?.spanId).toBe(c.spanId);
      const handled = await eventually(
        async () => spans.concat(exporter.getFinishedSpans()).find((s) => s.kind === SpanKind.CONSUMER && s.spanContext().traceId === c.traceId),
        10_000,
        "the consumer span",
      );
      expect(handled.parentSpanContext?.spanId).toBe(sent[0]!.spanContext().spanId);
    }
  } finally {
    await consumer.stop();
    await producer.disconnect();
  }
});
