// Dead-letter topics for operators: what is there, why, and putting it back where it came from.
import { randomUUID } from "node:crypto";
import { Kafka, logLevel, type Admin, type IHeaders } from "kafkajs";
import type { Command } from "commander";
import { kafkaSecurity } from "./kafka.js";
import { print } from "./output.js";

/** Headers a consumer adds when it dead-letters a record (libs/kafka consumer.ts). */
const DLQ_HEADERS = { error: "kuayu-dlq-error", group: "kuayu-dlq-group", origin: "kuayu-dlq-origin", attempts: "kuayu-dlq-attempts" } as const;

export interface DeadLetter {
  /** Where it is: `<dlq topic>/<partition>/<offset>`. */
  at: string;
  /** Where it came from: `<topic>/<partition>/<offset>`. */
  origin: string;
  group: string;
  attempts: number;
  error: string;
  eventId: string;
  eventType: string;
  key: string;
  bytes: number;
  deadLetteredAt: string;
  headers: Record<string, string>;
  value: Buffer;
}

const text = (h: IHeaders, name: string) => {
  const v = h[name];
  return v === undefined ? "" : Array.isArray(v) ? String(v[0]) : String(v);
};

interface Options {
  brokers: string;
  prefix: string;
  topic?: string;
  json?: boolean;
}

function client(o: Options) {
  return new Kafka({ clientId: "kuayu-cli-dlq", brokers: o.brokers.split(","), ...kafkaSecurity(), logLevel: logLevel.NOTHING, connectionTimeout: 3000, retry: { retries: 2 } });
}

/** This deployment's dead-letter topics (its topic prefix), or the one named. */
async function dlqTopics(admin: Admin, o: Options): Promise<string[]> {
  const all = await admin.listTopics();
  const wanted = o.topic ? `${o.prefix}${o.topic.endsWith(".dlq") ? o.topic : `${o.topic}.dlq`}` : undefined;
  return all.filter((t) => (wanted ? t === wanted : t.startsWith(`${o.prefix}kuayu.`) && t.endsWith(".dlq"))).sort();
}

/** Every record of the dead-letter topics, read from the start to their current end (no offsets are committed). */
export async function readDeadLetters(o: Options): Promise<DeadLetter[]> {
  const kafka = client(o);
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `kuayu-cli-dlq-${randomUUID()}`;
  try {
    const topics = await dlqTopics(admin, o);
    const ends = new Map<string, bigint>(); // `<topic>/<partition>` → offset of the last record
    for (const t of topics) {
      for (const p of await admin.fetchTopicOffsets(t)) if (BigInt(p.high) > BigInt(p.low)) ends.set(`${t}/${p.partition}`, BigInt(p.high) - 1n);
    }
    if (ends.size === 0) return [];
    const out: DeadLetter[] = [];
    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const remaining = new Set(ends.keys());
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ topic, partition, message }) => {
            const h = message.headers ?? {};
            const headers = Object.fromEntries(Object.keys(h).map((k) => [k, text(h, k)]));
            out.push({
              at: `${topic}/${partition}/${message.offset}`,
              origin: text(h, DLQ_HEADERS.origin),
              group: text(h, DLQ_HEADERS.group),
              attempts: Number(text(h, DLQ_HEADERS.attempts) || 0),
              error: text(h, DLQ_HEADERS.error),
              eventId: text(h, "kuayu-event-id"),
              eventType: text(h, "kuayu-event-type"),
              key: message.key?.toString() ?? "",
              bytes: message.value?.length ?? 0,
              deadLetteredAt: new Date(Number(message.timestamp)).toISOString(),
              headers,
              value: message.value ?? Buffer.alloc(0),
            });
            const end = ends.get(`${topic}/${partition}`);
            if (end !== undefined && BigInt(message.offset) >= end) remaining.delete(`${topic}/${partition}`);
            if (remaining.size === 0) resolve();
          },
        })
        .catch(reject);
      setTimeout(() => reject(new Error(`reading the dead-letter topics took over 60 s (${remaining.size} partitions unread)`)), 60_000).unref();
    });
    await consumer.disconnect();
    return out.sort((a, b) => a.deadLetteredAt.localeCompare(b.deadLetteredAt));
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

/**
 * Produces dead letters again to the partition they came from, with their own key, value and
 * event headers (the dead-letter headers left off). Consumers are idempotent by event id, so a
 * replay — or a replay repeated — changes nothing that was already done; every group reading the
 * topic sees the event again and the ones that had handled it ignore it.
 */
export async function replayDeadLetters(o: Options, letters: DeadLetter[]): Promise<number> {
  const producer = client(o).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const d of letters) {
      const m = /^(.+)\/(\d+)\/(\d+)$/.exec(d.origin);
      if (!m) throw new Error(`${d.at}: no origin header; cannot tell where it came from`);
      const headers = Object.fromEntries(Object.entries(d.headers).filter(([k]) => !Object.values(DLQ_HEADERS).includes(k as never)));
      await producer.send({ topic: m[1]!, acks: -1, messages: [{ key: d.key, value: d.value, partition: Number(m[2]), headers }] });
    }
    return letters.length;
  } finally {
    await producer.disconnect();
  }
}

const common = (cmd: Command) =>
  cmd
    .option("--brokers <list>", "Kafka bootstrap servers", process.env.KAFKA_BROKERS ?? "127.0.0.1:9092")
    .option("--prefix <prefix>", "the deployment's topic prefix (KAFKA_TOPIC_PREFIX)", process.env.KAFKA_TOPIC_PREFIX ?? "")
    .option("--topic <name>", "one topic (its name without prefix, e.g. kuayu.filing.lifecycle-44.v1)")
    .option("--json", "machine-readable output");

const summary = (d: DeadLetter) => ({ at: d.at, origin: d.origin, group: d.group, eventType: d.eventType, eventId: d.eventId, attempts: d.attempts, deadLetteredAt: d.deadLetteredAt, error: d.error });

export function dlqCommands(dlq: Command): void {
  common(dlq.command("list").description("the dead-lettered events: where from, which consumer group, why (no payload: it may hold personal data)")).action(async (o: Options) => {
    const letters = await readDeadLetters(o);
    print(o.json, letters.map(summary), () =>
      letters.length === 0
        ? "no dead-lettered events"
        : letters.map((d) => `${d.deadLetteredAt}  ${d.origin}  ${d.group}  ${d.eventType || "(undecodable)"}  ${d.eventId}  ${d.attempts} attempt(s)  ${d.error.slice(0, 100)}`).join("\n"),
    );
  });
  common(dlq.command("show").description("one dead-lettered event by its event id, origin or place in the dead-letter topic: every header, the error, the payload's size").argument("<id>")).action(
    async (id: string, o: Options) => {
      const d = (await readDeadLetters(o)).find((x) => x.eventId === id || x.origin === id || x.at === id);
      if (!d) throw new Error(`no dead-lettered event ${id}`);
      const shown = { ...summary(d), key: d.key, bytes: d.bytes, headers: d.headers };
      print(o.json, shown, () =>
        Object.entries(shown)
          .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v, null, 2) : String(v)}`)
          .join("\n"),
      );
    },
  );
  common(
    dlq
      .command("replay")
      .description("put dead-lettered events back on the partition they came from (idempotent: consumers ignore what they handled)")
      .argument("[ids...]", "event ids, origins or places; none with --all"),
  )
    .option("--all", "every dead-lettered event (of --topic, if given)")
    .option("--group <group>", "only those a given consumer group dead-lettered")
    .action(async (ids: string[], o: Options & { all?: boolean; group?: string }) => {
      if (!o.all && ids.length === 0) throw new Error("name the events to replay, or give --all");
      const letters = (await readDeadLetters(o)).filter((d) => (o.all || ids.some((id) => id === d.eventId || id === d.origin || id === d.at)) && (!o.group || d.group === o.group));
      const missing = ids.filter((id) => !letters.some((d) => id === d.eventId || id === d.origin || id === d.at));
      if (missing.length > 0) throw new Error(`no dead-lettered event ${missing.join(", ")}`);
      const n = await replayDeadLetters(o, letters);
      print(o.json, { replayed: n, events: letters.map((d) => d.eventId || d.at) }, () => `replayed ${n} event(s) to the partitions they came from`);
    });
}
