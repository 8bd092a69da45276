import { randomUUID } from "node:crypto";
import { fromBinary, toBinary, type DescMessage, type Message, type MessageInitShape, type MessageShape, create } from "@bufbuild/protobuf";
import { context, propagation } from "@opentelemetry/api";
import type { IHeaders } from "kafkajs";
import { currentAudit, type AuditActor } from "@kuayu/auth";
import { ruleViolations } from "@kuayu/proto";

/**
 * A topic carries one protobuf message type (so `buf breaking` protects events too). An envelope
 * topic's type is a message with a single `oneof event` of the event kinds (e.g. a filing's
 * lifecycle): every record holds one kind, named in its type header, and consumers get that inner
 * message.
 */
export interface TopicSpec<S extends DescMessage = DescMessage> {
  name: string;
  schema: S;
  partitions: number;
  /** The schema is an envelope: a single oneof named `event`. */
  envelope: boolean;
}

export function defineTopic<S extends DescMessage>(name: string, schema: S, partitions = 6): TopicSpec<S> {
  if (!/^kuayu\.[a-z-]+\.[a-z0-9-]+\.v\d+$/.test(name)) {
    throw new Error(`topic "${name}" does not follow kuayu.<domain>.<stream>.v<N>`);
  }
  // An envelope: one `event` oneof; besides it only the actor (who caused the event, libs/auth audit).
  const envelope = schema.oneofs.length === 1 && schema.oneofs[0]!.localName === "event" && schema.fields.every((f) => f.oneof !== undefined || f.localName === "actor");
  return { name, schema, partitions, envelope };
}

/** The type name of the event inside an envelope message (its `event` oneof's case). */
function innerTypeName(topic: TopicSpec, message: unknown): string {
  const chosen = (message as { event?: { case?: string } }).event?.case;
  const field = topic.schema.fields.find((f) => f.localName === chosen);
  if (!field || field.fieldKind !== "message") throw new Error(`an event on ${topic.name} must set one case of its oneof event`);
  return field.message.typeName;
}

export const dlqName = (topic: string) => `${topic}.dlq`;

/**
 * Headers a consumer adds when it dead-letters a record. A dead letter keeps **no value** (the
 * event may name parties, identity numbers, phones, addresses): it keeps the record's own headers
 * (event id, type, source, time, producer, signature), its key (the filing id), where it came from
 * (`origin`: `<topic>/<partition>/<offset>`), the SHA-256 and size of the value, the consumer
 * group, the attempts and the error. `kuayu dlq replay` reads the record again at its origin
 * (the source topic's retention covers the dead-letter topics'; docs/operations.md) and checks it
 * against the SHA-256 before it puts it back.
 */
export const DLQ_HEADERS = {
  error: "kuayu-dlq-error",
  group: "kuayu-dlq-group",
  origin: "kuayu-dlq-origin",
  attempts: "kuayu-dlq-attempts",
  sha256: "kuayu-dlq-value-sha256",
  bytes: "kuayu-dlq-value-bytes",
} as const;

// Identity numbers (18 or 15 characters), unified social credit codes and mobile numbers.
const PERSONAL_NUMBER = /(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15}|[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}|1\d{10})(?![0-9A-Za-z])/g;

/**
 * An error text as a dead letter keeps it: at most 1,000 characters, with identity numbers,
 * credit codes and mobile numbers masked — a handler's message may quote what it refused.
 */
export const dlqErrorText = (message: string) => message.slice(0, 1000).replace(PERSONAL_NUMBER, (m) => `${m.slice(0, 3)}${"*".repeat(m.length - 5)}${m.slice(-2)}`);

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
  /** Who caused the event through a call (the envelope's actor), when someone did. */
  actor?: AuditActor;
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
export function buildRecord<S extends DescMessage>(topic: TopicSpec<S>, key: string, message: MessageInitShape<S>, opts: BuildOptions): EventRecord {
  const headers: Record<string, string> = {
    [HEADERS.id]: opts.id ?? randomUUID(),
    [HEADERS.type]: topic.envelope ? innerTypeName(topic, message) : topic.schema.typeName,
    [HEADERS.source]: opts.source,
    [HEADERS.time]: (opts.time ?? new Date()).toISOString(),
    [HEADERS.contentType]: CONTENT_TYPE,
  };
  propagation.inject(context.active(), headers);
  // A lifecycle event built inside a call carries who made the call (libs/auth audit context).
  const call = topic.envelope && !(message as { actor?: unknown }).actor ? currentAudit() : undefined;
  if (call) message = { ...message, actor: call.actor } as MessageInitShape<S>;
  const built = create(topic.schema, message);
  const violations = ruleViolations(topic.schema, built);
  // Consumers would dead-letter it: a producer that builds such an event has a defect.
  if (violations.length > 0) throw new Error(`${headers[HEADERS.type]} would break its bounds: ${violations.map((v) => `${v.field}: ${v.description}`).join("; ")}`);
  const value = Buffer.from(toBinary(topic.schema, built));
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

/**
 * Reads metadata and decodes the value of a consumed record; throws EventDecodeError when malformed.
 * On an envelope topic the message returned is the event inside, and the type header must name it.
 */
export function decodeEvent<S extends DescMessage>(topic: TopicSpec<S>, value: Buffer | null, headers: Record<string, string>): { meta: EventMeta; message: MessageShape<S>; schema: DescMessage } {
  const id = headers[HEADERS.id];
  const type = headers[HEADERS.type];
  const time = new Date(headers[HEADERS.time] ?? "");
  if (!id) throw new EventDecodeError(`record on ${topic.name} has no ${HEADERS.id} header`);
  if (!topic.envelope && type !== topic.schema.typeName) {
    throw new EventDecodeError(`record on ${topic.name} has type "${type}", expected ${topic.schema.typeName}`);
  }
  if (Number.isNaN(time.getTime())) throw new EventDecodeError(`record ${id} has no valid ${HEADERS.time} header`);
  if (!value) throw new EventDecodeError(`record ${id} has no value`);
  let message: MessageShape<S>;
  try {
    message = fromBinary(topic.schema, value);
  } catch (err) {
    throw new EventDecodeError(`record ${id} is not a valid ${topic.schema.typeName}: ${(err as Error).message}`);
  }
  if (topic.envelope) {
    const inner = (message as { event?: { value?: Message } }).event?.value;
    if (!inner) throw new EventDecodeError(`record ${id} on ${topic.name} holds no event`);
    if (inner.$typeName !== type) throw new EventDecodeError(`record ${id} on ${topic.name} has type "${type}" but holds a ${inner.$typeName}`);
    const schema = (topic.schema.fields.find((f) => f.fieldKind === "message" && f.message.typeName === inner.$typeName) as { message: DescMessage }).message;
    const a = (message as { actor?: AuditActor }).actor;
    const actor = a?.user ? { actor: { user: a.user, ...(a.name ? { name: a.name } : {}), courtId: a.courtId, province: a.province, roles: [...a.roles] } } : {};
    return { meta: { id, type: inner.$typeName, source: headers[HEADERS.source] ?? "", time, ...actor }, message: withinBounds(id, schema, inner) as MessageShape<S>, schema };
  }
  return { meta: { id, type: topic.schema.typeName, source: headers[HEADERS.source] ?? "", time }, message: withinBounds(id, topic.schema, message), schema: topic.schema };
}

/** The event, if it keeps the bounds its proto declares; an event that does not can never be handled (dead-lettered). */
function withinBounds<M extends Message>(id: string, schema: DescMessage, message: M): M {
  const violations = ruleViolations(schema, message);
  if (violations.length > 0) throw new EventDecodeError(`record ${id} (${schema.typeName}) breaks its bounds: ${violations.map((v) => `${v.field}: ${v.description}`).join("; ")}`);
  return message;
}
