import "./request-queue.js";
import type { ConnectionOptions } from "node:tls";
import { metrics, type Counter } from "@opentelemetry/api";
import { Kafka, logLevel, type LogEntry, type Admin, type SASLOptions } from "kafkajs";
import type { Logger } from "@kuayu/logger";
import { dlqName, type TopicSpec } from "./events.js";

export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  log: Logger;
  /**
   * TLS to the brokers: true (the system's CAs), or Node's TLS options — `ca` for a private CA,
   * `cert` and `key` for a client certificate.
   */
  ssl?: boolean | ConnectionOptions;
  /** SASL credentials, e.g. from a Kubernetes Secret. */
  sasl?: { mechanism: "plain" | "scram-sha-256" | "scram-sha-512"; username: string; password: string };
  /**
   * Namespace of this deployment's topics on a shared cluster ("" or e.g. "staging."): every topic
   * this client creates, produces to and consumes is `<prefix><topic name>`. Deployments with
   * different prefixes never see each other's events (a drill bench next to the tests, staging
   * next to production).
   */
  topicPrefix?: string;
}

const TOPIC_PREFIX = /^([a-z0-9][a-z0-9-]*\.)?$/;
const prefixes = new WeakMap<Kafka, string>();

/**
 * kuayu_kafka_requests_total{api}: a request this process sent to the broker (Fetch, Produce,
 * OffsetCommit, Heartbeat, …), counted by consumers and producers (kafkajs' request event).
 */
export const countRequest = (api: string) =>
  (requests ??= metrics.getMeter("kuayu").createCounter("kuayu_kafka_requests_total", { description: "Requests sent to the broker, by API" })).add(1, { api });
let requests: Counter | undefined;

/** The broker's name of a topic for this client (its topic prefix + the topic's name). */
export const brokerTopic = (kafka: Kafka, name: string) => (prefixes.get(kafka) ?? "") + name;

/** A kafkajs client whose own log lines go to our JSON logger. */
export function createKafka(opts: KafkaOptions): Kafka {
  const prefix = opts.topicPrefix ?? "";
  if (!TOPIC_PREFIX.test(prefix)) throw new Error(`topic prefix "${prefix}" must be empty or lowercase letters, digits and dashes ending in "."`);
  const toPino = (level: logLevel) => (level <= logLevel.ERROR ? "error" : level === logLevel.WARN ? "warn" : "debug");
  const kafka = new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    ...(opts.ssl ? { ssl: opts.ssl } : {}),
    ...(opts.sasl ? { sasl: opts.sasl as SASLOptions } : {}),
    connectionTimeout: 3000,
    retry: { initialRetryTime: 200, retries: 8 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        const { message, ...extra } = log;
        opts.log[toPino(level)]({ kafkajs: namespace, ...extra }, message);
      },
  });
  prefixes.set(kafka, prefix);
  return kafka;
}

/**
 * Creates the topics (and their dead-letter topics) that are missing, with their partition counts;
 * grows the partition count of existing ones that have fewer. Safe to run at every start. Services that
 * start together on a fresh cluster race to create the same topics, and a topic another process has
 * just created can be unknown to this broker connection for a moment (UNKNOWN_TOPIC_OR_PARTITION,
 * TOPIC_ALREADY_EXISTS), so the whole check is retried a few times before giving up.
 */
export async function ensureTopics(kafka: Kafka, topics: TopicSpec[], replicationFactor = 1): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ensureTopicsOnce(kafka, topics, replicationFactor);
    } catch (err) {
      if (attempt >= 6) throw err;
      await new Promise((r) => setTimeout(r, 300 * attempt));
    }
  }
}

async function ensureTopicsOnce(kafka: Kafka, topics: TopicSpec[], replicationFactor: number): Promise<void> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const wanted = new Map<string, number>();
    for (const t of topics) {
      wanted.set(brokerTopic(kafka, t.name), t.partitions);
      wanted.set(brokerTopic(kafka, dlqName(t.name)), 1);
    }
    const existing = new Set(await admin.listTopics());
    const missing = [...wanted].filter(([name]) => !existing.has(name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map(([topic, numPartitions]) => ({ topic, numPartitions, replicationFactor })),
      });
    }
    const present = [...wanted].filter(([name]) => existing.has(name)).map(([name]) => name);
    if (present.length > 0) {
      const meta = await admin.fetchTopicMetadata({ topics: present });
      const grow = meta.topics.filter((t) => t.partitions.length < (wanted.get(t.name) ?? 0)).map((t) => ({ topic: t.name, count: wanted.get(t.name)! }));
      if (grow.length > 0) await admin.createPartitions({ topicPartitions: grow });
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * A readiness check of the broker (for @kuayu/grpc startServer `readiness`): one admin connection,
 * kept open, asks the cluster for its metadata; no retries (the check runs again in 5 s).
 */
export function brokerReadiness(kafka: Kafka) {
  const admin = kafka.admin({ retry: { retries: 0 } });
  let connected: Promise<void> | undefined;
  return {
    name: "broker",
    async check() {
      connected ??= admin.connect().catch((err: unknown) => {
        connected = undefined;
        throw err;
      });
      await connected;
      await admin.describeCluster();
    },
    close: () => admin.disconnect(),
  };
}
