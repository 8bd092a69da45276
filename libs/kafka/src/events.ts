import { createHash, randomUUID } from "node:crypto";
import { fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape, create } from "@bufbuild/protobuf";
import { context, propagation } from "@opentelemetry/api";
import type { IHeaders } from "kafkajs";

/** One topic carries exactly one protobuf message type (so `buf breaking` protects events too). */
export interface TopicSpec<S extends DescMessage = DescMessage> {
  name: string;
  schema: S;
  partitions: number;
}

export function defineTopic<S extends DescMessage>(name: string, schema: S, partitions = 6): TopicSpec<S> {
  if (!/^kuayu\.[a-z-]+\.[a-z-]+\.v\d+$/.test(name)) {
    throw new Error(`topic "${name}" does not follow kuayu.<domain>.<event-in-past-tense>.v<N>`);
  }
  return { name, schema, partitions };
}

export const dlqName = (topic: string) => `${topic}.dlq`;

/** Record header names for event metadata. Trace context uses the W3C names (traceparent …). */
export const HEADERS = {
  id: "kuayu-event-id",
  type: "kuayu-event-type",
  source: "kuayu-event-source",
  time: "kuayu-event-time",
  contentType: "content-type",
} as const;
const CONTENT_TYPE = "application/x-protobuf";

export interface EventMeta {
  id: string;
  /** Fully qualified protobuf type name, e.g. kuayu.intake.v1.FilingSubmitted. */
  type: string;
  source: string;
  time: Date;
}

/** A Kafka record ready to send: protobuf value, key, metadata and trace context in headers. */
export interface EventRecord {
  topic: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
  partition?: number;
}

export interface BuildOptions {
  source: string;
  id?: string;
  time?: Date;
  /** Explicit partition (e.g. by province); default: hash of the key. */
  partition?: number;
}

/** Builds the record for an event, capturing the active trace context into its headers. */
export function buildRecord<S extends DescMessage>(
  topic: TopicSpec<S>,
  key: string,
  message: MessageInitShape<S>,
  opts: BuildOptions,
): EventRecord {
  const headers: Record<string, string> = {
    [HEADERS.id]: opts.id ?? randomUUID(),
    [HEADERS.type]: topic.schema.typeName,
    [HEADERS.source]: opts.source,
    [HEADERS.time]: (opts.time ?? new Date()).toISOString(),
    [HEADERS.contentType]: CONTENT_TYPE,
  };
  propagation.inject(context.active(), headers);
  const value = Buffer.from(toBinary(topic.schema, create(topic.schema, message)));
  return { topic: topic.name, key, value, headers, ...(opts.partition === undefined ? {} : { partition: opts.partition }) };
}

export function headerMap(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[k] = first.toString();
  }
  return out;
}

export class EventDecodeError extends Error {
  override name = "EventDecodeError";
}

/** Reads metadata and decodes the value of a consumed record; throws EventDecodeError when malformed. */
export function decodeEvent<S extends DescMessage>(
  topic: TopicSpec<S>,
  value: Buffer | null,
  headers: Record<string, string>,
): { meta: EventMeta; message: MessageShape<S> } {
  const id = headers[HEADERS.id];
  const type = headers[HEADERS.type];
  const time = new Date(headers[HEADERS.time] ?? "");
  if (!id) throw new EventDecodeError(`record on ${topic.name} has no ${HEADERS.id} header`);
  if (type !== topic.schema.typeName) {
    throw new EventDecodeError(`record on ${topic.name} has type "${type}", expected ${topic.schema.typeName}`);
  }
  if (Number.isNaN(time.getTime())) throw new EventDecodeError(`record ${id} has no valid ${HEADERS.time} header`);
  if (!value) throw new EventDecodeError(`record ${id} has no value`);
  let message: MessageShape<S>;
  try {
    message = fromBinary(topic.schema, value);
  } catch (err) {
    throw new EventDecodeError(`record ${id} is not a valid ${type}: ${(err as Error).message}`);
  }
  return { meta: { id, type, source: headers[HEADERS.source] ?? "", time }, message };
}

/**
 * A stable event id derived from the event that caused it, for stateless stages: processing the
 * same input twice (a redelivery after a crash) republishes the same event id, which idempotent
 * consumers ignore. Formatted as a UUID (version 8, name-based on SHA-256).
 */
export function derivedEventId(causeId: string, purpose: string): string {
  const h = createHash("sha256").update(`${causeId}\u0000${purpose}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
