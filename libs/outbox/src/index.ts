import { randomUUID } from "node:crypto";
import { ValidationError } from "@kuayu/domain";
import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import { buildRecord, type TopicSpec } from "@kuayu/kafka";

/**
 * Transactional outbox (docs/architecture.md): an event is written in the very insert that commits
 * a document's change (its next version, versioned.ts), and a relay publishes it afterwards. A
 * crash between publish and marking republishes the same record (same event id), which idempotent
 * consumers ignore. No multi-document transaction is needed, so this runs on FerretDB as on MongoDB.
 */
export interface OutboxEntry {
  _id: string;
  topic: string;
  key: string;
  /** The partition of the topic, when the producer must not choose it by key. */
  partition?: number;
  /** The lifecycle stream whose relay publishes the entry (outboxEntries). */
  stream?: number;
  value: Buffer;
  headers: Record<string, string>;
}

/** Builds an outbox entry for an event now, capturing the current trace context and metadata. */
/** The largest event the outbox takes: below the broker's 1 MiB default record limit, with room for the batch. */
export const MAX_EVENT_BYTES = 900 * 1024;

export function outboxEntry<S extends DescMessage>(topic: TopicSpec<S>, key: string, message: MessageInitShape<S>, source: string, partition?: number): OutboxEntry {
  return entryOf(topic, key, message, source, randomUUID(), partition === undefined ? {} : { partition });
}

/**
 * The outbox entries of one event to several topics (a filing's lifecycle topics, libs/topics
 * `topicsOfFiling`): one event id on all of them. `stream` names the relay that publishes them
 * (VersionRow.partition): the lifecycle stream of the consumer that owns the document. `message`
 * may be a function of the topic: a copy for another province carries only what that side holds.
 */
export function outboxEntries<S extends DescMessage>(
  topics: readonly TopicSpec<S>[],
  key: string,
  message: MessageInitShape<S> | ((topic: TopicSpec<S>) => MessageInitShape<S>),
  source: string,
  stream: number,
): OutboxEntry[] {
  const id = randomUUID();
  return topics.map((t) => entryOf(t, key, typeof message === "function" ? message(t) : message, source, id, { stream }));
}

function entryOf<S extends DescMessage>(topic: TopicSpec<S>, key: string, message: MessageInitShape<S>, source: string, id: string, at: { partition?: number; stream?: number }): OutboxEntry {
  const r = buildRecord(topic, key, message, { source, id, ...(at.partition === undefined ? {} : { partition: at.partition }) });
  // Nothing enters the outbox that the broker would refuse: the change fails instead, with the reason.
  const bytes = r.value.length + Buffer.byteLength(r.key) + Object.entries(r.headers).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(String(v)), 0);
  if (bytes > MAX_EVENT_BYTES) throw new ValidationError([{ field: "event", description: `the ${topic.name} event would be ${bytes} bytes; at most ${MAX_EVENT_BYTES}` }]);
  return { _id: id, topic: r.topic, key: r.key, value: r.value, headers: r.headers, ...at };
}

export * from "./versioned.js";
export * from "./audit-log.js";
export { groupCommit, insertEach, insertUnits, replaceEach } from "./group-commit.js";
