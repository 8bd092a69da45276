// Dead-letter topics for operators: what is there, why, and putting it back where it came from.
// A dead letter keeps no value (it may hold personal data): replay reads the record again where it
// came from (libs/kafka DLQ_HEADERS).
import { createHash, randomUUID } from "node:crypto";
import { Kafka, logLevel, type Admin, type IHeaders } from "kafkajs";
import type { Command } from "commander";
import { DLQ_HEADERS } from "@kuayu/kafka";
import { kafkaSecurity } from "./kafka.js";
import { print } from "./output.js";

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
  /** Size of the event's value (the dead letter does not keep it). */
  bytes: number;
  /** SHA-256 of the event's value; empty for a dead letter of an earlier release, which kept the value. */
  sha256: string;
  deadLetteredAt: string;
  headers: Record<string, string>;
  /** The value a dead letter of an earlier release kept; empty now (read again at the origin). */
  value: Buffer;
}

/** Where a dead letter came from: topic (as the broker names it), partition, offset. */
function originOf(d: DeadLetter): { topic: string; partition: number; offset: string } {
  const m = /^(.+)\/(\d+)\/(\d+)$/.exec(d.origin);
  if (!m) throw new Error(`${d.at}: no origin header; cannot tell where it came from`);
  return { topic: m[1]!, partition: Number(m[2]), offset: m[3]! };
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
              bytes: text(h, DLQ_HEADERS.bytes) ? Number(text(h, DLQ_HEADERS.bytes)) : (message.value?.length ?? 0),
              sha256: text(h, DLQ_HEADERS.sha256),
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

/** The original record of a dead letter, read again at its origin. */
export interface Original {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/**
 * Reads the records the dead letters came from, at their origins (a consumer of a group of its own
 * per topic, seeking to each partition's first wanted offset; no offsets committed), and checks
 * each against the SHA-256 its dead letter kept. Throws, naming them, when a record is no longer on
 * its topic (its retention ran out first, or the topic was re-created) or is not the one dead-lettered.
 */
export async function readOriginals(o: Options, letters: DeadLetter[]): Promise<Map<DeadLetter, Original>> {
  const out = new Map<DeadLetter, Original>();
  const wanted = letters.filter((d) => d.sha256);
  if (wanted.length === 0) return out;
  const kafka = client(o);
  const admin = kafka.admin();
  await admin.connect();
  const groups: string[] = [];
  try {
    const byTopic = new Map<string, DeadLetter[]>();
    for (const d of wanted) byTopic.set(originOf(d).topic, [...(byTopic.get(originOf(d).topic) ?? []), d]);
    const gone: string[] = [];
    for (const [topic, ds] of byTopic) {
      const held = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, { low: BigInt(p.low), high: BigInt(p.high) }]));
      const present = ds.filter((d) => {
        const { partition, offset } = originOf(d);
        const p = held.get(partition);
        const ok = !!p && BigInt(offset) >= p.low && BigInt(offset) < p.high;
        if (!ok) gone.push(d.origin);
        return ok;
      });
      if (present.length === 0) continue;
      const first = new Map<number, bigint>(); // partition → lowest wanted offset
      const pending = new Map(present.map((d) => [`${originOf(d).partition}/${originOf(d).offset}`, d]));
      for (const d of present) {
        const { partition, offset } = originOf(d);
        if (!first.has(partition) || BigInt(offset) < first.get(partition)!) first.set(partition, BigInt(offset));
      }
      const groupId = `kuayu-cli-dlq-${randomUUID()}`;
      groups.push(groupId);
      const consumer = kafka.consumer({ groupId });
      await consumer.connect();
      try {
        await consumer.subscribe({ topics: [topic], fromBeginning: false });
        let found!: () => void;
        const all = new Promise<void>((resolve) => (found = resolve));
        await consumer.run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const d = pending.get(`${partition}/${message.offset}`);
            if (!d) return;
            pending.delete(`${partition}/${message.offset}`);
            const h = message.headers ?? {};
            out.set(d, { key: message.key?.toString() ?? "", value: message.value ?? Buffer.alloc(0), headers: Object.fromEntries(Object.keys(h).map((k) => [k, text(h, k)])) });
            if (pending.size === 0) found();
          },
        });
        for (const [partition, offset] of first) consumer.seek({ topic, partition, offset: String(offset) });
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          all,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`reading the original records on ${topic} took over 60 s (${pending.size} not found)`)), 60_000);
          }),
        ]).finally(() => clearTimeout(timer));
      } finally {
        await consumer.disconnect();
      }
    }
    if (gone.length > 0) throw new Error(`no longer on its topic (its retention ran out, or the topic was re-created), cannot replay: ${gone.join(", ")}`);
    const changed = wanted.filter((d) => createHash("sha256").update(out.get(d)!.value).digest("hex") !== d.sha256).map((d) => d.origin);
    if (changed.length > 0) throw new Error(`the record at the origin is not the one dead-lettered (SHA-256 differs), not replayed: ${changed.join(", ")}`);
    return out;
  } finally {
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
    await admin.disconnect();
  }
}

/**
 * Produces dead letters again to the partition they came from: the original record, read again at
 * its origin (readOriginals), with its own key, value and headers (its producer's signature). A
 * dead letter of an earlier release, which kept the value, is put back from what it kept (the
 * dead-letter headers left off). Consumers are idempotent by event id, so a replay — or a replay
 * repeated — changes nothing that was already done; every group reading the topic sees the event
 * again and the ones that had handled it ignore it. Nothing is produced unless every original is
 * found.
 */
export async function replayDeadLetters(o: Options, letters: DeadLetter[]): Promise<number> {
  const originals = await readOriginals(o, letters);
  const producer = client(o).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const d of letters) {
      const { topic, partition } = originOf(d);
      const kept = Object.fromEntries(Object.entries(d.headers).filter(([k]) => !Object.values(DLQ_HEADERS).includes(k as never)));
      const r = originals.get(d) ?? { key: d.key, value: d.value, headers: kept };
      await producer.send({ topic, acks: -1, messages: [{ key: r.key, value: r.value, partition, headers: r.headers }] });
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

/** Whether the record a dead letter came from is still on its topic (replay needs it). */
async function originPresent(o: Options, d: DeadLetter): Promise<boolean> {
  if (!d.sha256) return true; // an earlier release's dead letter keeps the value itself
  const { topic, partition, offset } = originOf(d);
  const admin = client(o).admin();
  await admin.connect();
  try {
    const p = (await admin.fetchTopicOffsets(topic)).find((x) => x.partition === partition);
    return !!p && BigInt(offset) >= BigInt(p.low) && BigInt(offset) < BigInt(p.high);
  } finally {
    await admin.disconnect();
  }
}

export function dlqCommands(dlq: Command): void {
  common(dlq.command("list").description("the dead-lettered events: where from, which consumer group, why (no payload: it may hold personal data)")).action(async (o: Options) => {
    const letters = await readDeadLetters(o);
    print(o.json, letters.map(summary), () =>
      letters.length === 0
        ? "no dead-lettered events"
        : letters.map((d) => `${d.deadLetteredAt}  ${d.origin}  ${d.group}  ${d.eventType || "(undecodable)"}  ${d.eventId}  ${d.attempts} attempt(s)  ${d.error.slice(0, 100)}`).join("\n"),
    );
  });
  common(
    dlq
      .command("show")
      .description(
        "one dead-lettered event by its event id, origin or place in the dead-letter topic: every header, the error, the filing (key), the event's size and SHA-256, and whether its record is still on its topic to replay",
      )
      .argument("<id>"),
  ).action(async (id: string, o: Options) => {
    const d = (await readDeadLetters(o)).find((x) => x.eventId === id || x.origin === id || x.at === id);
    if (!d) throw new Error(`no dead-lettered event ${id}`);
    const replayable = await originPresent(o, d);
    const shown = { ...summary(d), key: d.key, bytes: d.bytes, sha256: d.sha256 || "-", replayable, headers: d.headers };
    print(o.json, shown, () =>
      Object.entries(shown)
        .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v, null, 2) : String(v)}`)
        .join("\n"),
    );
  });
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
