import { randomUUID } from "node:crypto";
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
  partition?: number;
  value: Buffer;
  headers: Record<string, string>;
}

/** Builds an outbox entry for an event now, capturing the current trace context and metadata. */
export function outboxEntry<S extends DescMessage>(topic: TopicSpec<S>, key: string, message: MessageInitShape<S>, source: string, partition?: number): OutboxEntry {
  const id = randomUUID();
  const r = buildRecord(topic, key, message, { source, id, ...(partition === undefined ? {} : { partition }) });
  return { _id: id, topic: r.topic, key: r.key, value: r.value, headers: r.headers, ...(partition === undefined ? {} : { partition }) };
}

export * from "./versioned.js";
