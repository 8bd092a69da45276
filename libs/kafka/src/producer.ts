import { randomUUID } from "node:crypto";
import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import { context, metrics, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { CompressionTypes, Partitioners, type Kafka, type Producer } from "kafkajs";
import { withTimeout } from "@kuayu/lifecycle";
import { brokerTopic, countRequest } from "./client.js";
import { buildRecord, type BuildOptions, type EventRecord, type TopicSpec } from "./events.js";
import { SIGNATURE_HEADERS, type EventSigner } from "./signing.js";

export interface EventProducer {
  /** Publishes one event (to several topics: with one event id) and resolves once all in-sync replicas have it. */
  publish<S extends DescMessage>(topic: TopicSpec<S> | readonly TopicSpec<S>[], key: string, message: MessageInitShape<S>, opts?: Omit<BuildOptions, "source">): Promise<void>;
  /** An event as `publish` would send it (this producer's source), to send with others in one request (`sendRecords`). */
  record<S extends DescMessage>(topic: TopicSpec<S>, key: string, message: MessageInitShape<S>, opts?: Omit<BuildOptions, "source">): EventRecord;
  /** Sends records built earlier (e.g. kept in an outbox), in order, with their own headers (topic names without the client's prefix). */
  sendRecords(records: EventRecord[]): Promise<void>;
  disconnect(timeoutMs?: number): Promise<void>;
  readonly raw: Producer;
}

export interface ProducerOptions {
  /** Signs every record that is not signed yet (a replay keeps its producer's signature; dead letters are left as they came). */
  signer?: EventSigner;
}

/**
 * An idempotent producer (no duplicates from its own retries, order kept per partition) that
 * waits for acknowledgement from all in-sync replicas.
 */
export async function createProducer(kafka: Kafka, source: string, opts: ProducerOptions = {}): Promise<EventProducer> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  producer.on(producer.events.REQUEST, ({ payload }) => countRequest(payload.apiName));
  await producer.connect();
  const prefix = brokerTopic(kafka, ""); // records name topics without it
  const tracer = trace.getTracer("kuayu-kafka");
  // The messaging metric of the OpenTelemetry semantic conventions (docs/operations.md, "Kafka produce/consume").
  const sent = metrics.getMeter("kuayu-kafka").createCounter("messaging.client.sent.messages", { description: "Records the broker acknowledged (error.type: records of failed sends)" });
  const sendRecords = async (records: EventRecord[]) => {
    if (records.length === 0) return;
    const signer = opts.signer;
    // A dead letter is the record as it arrived, signed or not by its producer: never by the one that dead-lettered it.
    if (signer) records = await Promise.all(records.map((r) => (r.headers[SIGNATURE_HEADERS.signature] || r.topic.endsWith(".dlq") ? r : signer.sign(r))));
    // Group consecutive records per topic so a batch keeps the original order.
    const topicMessages: { topic: string; messages: { key: string; value: Buffer; headers: Record<string, string>; partition?: number }[] }[] = [];
    for (const r of records) {
      let last = topicMessages[topicMessages.length - 1];
      const topic = prefix + r.topic;
      if (!last || last.topic !== topic) topicMessages.push((last = { topic, messages: [] }));
      last.messages.push({ key: r.key, value: r.value, headers: r.headers, ...(r.partition === undefined ? {} : { partition: r.partition }) });
    }
    // A producer span per record, in the trace its headers carry (the change that built it, which
    // may be another than the one sending: the version relay sends many changes' records at once),
    // and the span into its headers: the consumer's span is its child.
    const spans = topicMessages.flatMap((t) =>
      t.messages.map((m) => {
        const parent = m.headers.traceparent ? propagation.extract(ROOT_CONTEXT, m.headers) : context.active();
        const span = tracer.startSpan(
          `send ${t.topic}`,
          { kind: SpanKind.PRODUCER, attributes: { "messaging.system": "kafka", "messaging.destination.name": t.topic, "messaging.operation.type": "send" } },
          parent,
        );
        m.headers = { ...m.headers };
        propagation.inject(trace.setSpan(parent, span), m.headers);
        return span;
      }),
    );
    const count = (error?: string) => {
      for (const t of topicMessages) sent.add(t.messages.length, { "messaging.system": "kafka", "messaging.destination.name": t.topic, ...(error ? { "error.type": error } : {}) });
    };
    try {
      await producer.sendBatch({ topicMessages, acks: -1, compression: CompressionTypes.None });
      count();
    } catch (err) {
      for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      count((err as Error).name || "Error");
      throw err;
    } finally {
      for (const span of spans) span.end();
    }
  };
  return {
    raw: producer,
    sendRecords,
    record: (topic, key, message, opts) => buildRecord(topic, key, message, { ...opts, source }),
    publish: (topic, key, message, opts) => {
      const id = opts?.id ?? randomUUID();
      return sendRecords((Array.isArray(topic) ? topic : [topic]).map((t: TopicSpec) => buildRecord(t, key, message as never, { ...opts, id, source })));
    },
    disconnect: (timeoutMs = 10_000) => withTimeout(producer.disconnect(), timeoutMs, "producer disconnect"),
  };
}
