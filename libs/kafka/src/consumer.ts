import { createHash } from "node:crypto";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { context, metrics, propagation, trace, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Context, type Span } from "@opentelemetry/api";
import { isTransient } from "@kuayu/domain";
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Offsets } from "kafkajs";
import { withTimeout } from "@kuayu/lifecycle";
import type { Logger } from "@kuayu/logger";
import { DLQ_HEADERS, EventDecodeError, HEADERS, decodeEvent, dlqErrorText, dlqName, headerMap, type EventMeta, type TopicSpec } from "./events.js";
import type { EventProducer } from "./producer.js";
import { ForgedEventError, SIGNATURE_HEADERS, type EventVerifier } from "./signing.js";
import { brokerTopic, countRequest } from "./client.js";

/** A consumed event, decoded, with where it came from. */
export interface ConsumedEvent<S extends DescMessage = DescMessage> {
  topic: TopicSpec<S>;
  key: string;
  /** The event; on an envelope topic, the event inside the envelope (of `schema`). */
  message: MessageShape<S>;
  /** The schema of `message`. */
  schema: DescMessage;
  meta: EventMeta;
  partition: number;
  offset: string;
}

/** Each batch event's consumer span context, for `inEventTrace`. */
const eventContexts = new WeakMap<ConsumedEvent, Context>();

/**
 * Runs `fn` in the event's own consumer span, in its producer's trace (batch handlers: what they
 * write for an event, or for several events at once, then shows in that event's trace).
 */
export const inEventTrace = <T>(event: ConsumedEvent, fn: () => T): T => {
  const ctx = eventContexts.get(event);
  return ctx ? context.with(ctx, fn) : fn();
};

/** What a batch handler gets besides the events. */
export interface BatchContext {
  topic: string;
  partition: number;
  heartbeat: () => Promise<void>;
  /**
   * Sends one event of the batch that can never succeed to `<topic>.dlq` with the reason (alerted,
   * listed by `kuayu dlq`), so that the rest of the batch goes on without it.
   */
  deadLetter: (event: ConsumedEvent, err: Error) => Promise<void>;
}

/** Thrown by a handler for an event that can never succeed: it goes to the dead-letter topic at once. */
export class PermanentError extends Error {
  override name = "PermanentError";
}

export interface ConsumerOptions {
  kafka: Kafka;
  /** Consumer group = service name (docs/platform.md (house rules)). */
  groupId: string;
  topics: TopicSpec[];
  /** Must be idempotent: an event may arrive again after a crash or rebalance. */
  handle?: (event: ConsumedEvent) => Promise<void>;
  /**
   * Instead of `handle`: the events of one fetch of one partition, in order (`eachBatch`). The
   * batch's offsets are committed only after it succeeded; a failure retries the whole batch with
   * backoff (capped at 30 s) for as long as the consumer runs — never dead-lettered, so an outage of
   * the store only delays it. A redelivered batch may start earlier or end later than the first
   * delivery: the handler recognises what it already wrote (e.g. by the partition offsets it keeps).
   * Undecodable records still go to the dead-letter topic, and are left out of the batch; an event
   * the handler finds can never succeed it sends there itself (`deadLetter`).
   */
  handleBatch?: (events: ConsumedEvent[], batch: BatchContext) => Promise<void>;
  /** Publishes dead letters. */
  producer: EventProducer;
  log: Logger;
  /** Attempts per event before it is dead-lettered (default 5), for failures that are not transient (isTransient). */
  maxAttempts?: number;
  /** First retry delay, doubled per attempt (default 100 ms). */
  backoffMs?: number;
  /** Called when the consumer crashed and will not restart itself; the service should exit. */
  onFatal: (err: Error) => void;
  /** Session timeout of the group member (default 30 s); a dead member is noticed after it. */
  sessionTimeoutMs?: number;
  /**
   * Where a new group starts: the oldest record (default; a new release misses nothing) or the
   * next one (tests and tools that must not replay a shared broker's history).
   */
  fromBeginning?: boolean;
  /**
   * Partitions handled at once (default 1). Events of one partition stay in order; events of
   * different partitions — also of one filing on different topics — may be handled concurrently,
   * which handlers must tolerate anyway (they lock what they write and are order-tolerant).
   */
  concurrency?: number;
  /**
   * How long the broker may hold a fetch to gather more records (default 0: it answers as soon as
   * it has any). A handler that writes once per batch trades this much latency for fewer, larger
   * writes (the audit chain: one insert a second rather than one a record).
   */
  fetchWaitMs?: number;
  /**
   * How often handled offsets are committed (default 1000 ms; 0: after every batch, as kafkajs
   * does). A commit is a request the broker writes to its offsets log: after every batch, a busy
   * consumer of many small batches sent several a filing, more than its fetches. What a crash leaves
   * uncommitted (at most this long's events) is delivered again, as after any crash or rebalance;
   * a stop commits first.
   */
  commitIntervalMs?: number;
  /**
   * Called on every (re)assignment with this member's partitions per topic (names without the
   * prefix): what a member knew of its partitions' documents may have been changed meanwhile.
   */
  onAssign?: (partitions: Record<string, number[]>) => void;
  /**
   * Verifies every record's signature and producer (signing.ts): a forged, unsigned or unauthorised
   * event is dead-lettered at once, logged and counted (kuayu_consumer_forged_events_total: alert on any).
   */
  verify?: EventVerifier;
  /**
   * Which events this consumer handles (e.g. libs/topics `ownCopy`: one copy of an event published
   * to two topics): the others are skipped before verification — committed, never handed over.
   */
  filter?: (event: Pick<ConsumedEvent, "topic" | "message">) => boolean;
  /**
   * The event types this consumer handles (header kuayu-event-type; default: every type). A record
   * of another type is skipped before it is decoded or verified — committed, never handed over — so
   * a consumer of a flow's lifecycle topic pays nothing for the events it has no business with. A
   * record whose header lies about its type is at worst skipped: one that claims a handled type is
   * decoded, its header checked against what it holds, and verified.
   */
  types?: readonly string[];
}

export interface RunningConsumer {
  readonly consumer: Consumer;
  /** The partitions of a topic (name without the prefix) assigned to this member now. */
  assigned(topic: string): number[];
  /** Stops fetching and leaves the group; bounded so shutdown cannot hang. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Runs a consumer group: each event is decoded, handled inside its producer's trace context, and
 * its offset committed only after the handler succeeded (at-least-once; handlers are idempotent).
 * Transient failures (isTransient: the store, the broker or a peer away, a lost race) are retried
 * for as long as they last — the partition waits, nothing is dead-lettered; other failures are
 * retried `maxAttempts` times, then the record goes to `<topic>.dlq` with the error, as does a
 * PermanentError at once and an undecodable record.
 */
export async function runConsumer(opts: ConsumerOptions): Promise<RunningConsumer> {
  if (!opts.handle === !opts.handleBatch) throw new Error("runConsumer: give exactly one of handle and handleBatch");
  const maxAttempts = opts.maxAttempts ?? 5;
  const backoffMs = opts.backoffMs ?? 100;
  // Keyed by the broker's topic names (with the client's topic prefix).
  const byName = new Map(opts.topics.map((t) => [brokerTopic(opts.kafka, t.name), t]));
  const consumer = opts.kafka.consumer({
    groupId: opts.groupId,
    sessionTimeout: opts.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: Math.min(3_000, Math.floor((opts.sessionTimeoutMs ?? 30_000) / 3)),
    retry: { retries: 10 },
    // Held until a mebibyte is there or the wait is over: with small records, the wait.
    ...(opts.fetchWaitMs ? { minBytes: 1 << 20, maxWaitTimeInMs: opts.fetchWaitMs } : {}),
  });
  consumer.on(consumer.events.REQUEST, ({ payload }) => countRequest(payload.apiName));
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) {
      opts.log.fatal({ err: payload.error, groupId: opts.groupId }, "consumer crashed and will not restart");
      opts.onFatal(payload.error);
    } else {
      opts.log.warn({ err: payload.error, groupId: opts.groupId }, "consumer crashed; restarting");
    }
  });

  const deadLettered = metrics.getMeter("kuayu").createCounter("kuayu_consumer_dead_lettered_total", {
    description: "Events sent to the dead-letter topic <topic>.dlq (handler gave up, PermanentError, undecodable): alert on any",
  });
  const deadLetter = async (p: { topic: string; partition: number; message: KafkaMessage }, headers: Record<string, string>, err: Error, attempts: number) => {
    opts.log.error({ err, topic: p.topic, partition: p.partition, offset: p.message.offset, attempts }, "event dead-lettered");
    const value = p.message.value ?? Buffer.alloc(0);
    await opts.producer.sendRecords([
      {
        topic: dlqName(byName.get(p.topic)!.name), // the producer adds the prefix
        key: p.message.key?.toString() ?? "",
        // No value: the event may hold personal data. Replay reads it again at its origin (DLQ_HEADERS).
        value: Buffer.alloc(0),
        headers: {
          ...headers,
          [DLQ_HEADERS.error]: dlqErrorText(err.message),
          [DLQ_HEADERS.group]: opts.groupId,
          [DLQ_HEADERS.origin]: `${p.topic}/${p.partition}/${p.message.offset}`,
          [DLQ_HEADERS.attempts]: String(attempts),
          [DLQ_HEADERS.sha256]: createHash("sha256").update(value).digest("hex"),
          [DLQ_HEADERS.bytes]: String(value.length),
        },
      },
    ]);
    deadLettered.add(1, { group: opts.groupId, topic: byName.get(p.topic)?.name ?? p.topic });
  };

  const forged = metrics.getMeter("kuayu").createCounter("kuayu_consumer_forged_events_total", {
    description: "Events refused because their signature or producer is not what the event needs (dead-lettered): alert on any",
  });

  // Started means consuming: the group is joined and the first fetch has resolved the offsets (with
  // fromBeginning: false, an event published after runConsumer returns is never skipped).
  let assignment: Record<string, number[]> = {};
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    assignment = payload.memberAssignment;
    opts.onAssign?.(Object.fromEntries(Object.entries(assignment).map(([t, ps]) => [byName.get(t)?.name ?? t, [...ps]])));
  });
  const ready = new Promise<void>((resolve) => {
    let joined = false;
    const offJoin = consumer.on(consumer.events.GROUP_JOIN, () => {
      joined = true;
    });
    const offFetch = consumer.on(consumer.events.FETCH, () => {
      if (!joined) return;
      offJoin();
      offFetch();
      resolve();
    });
  });

  await consumer.connect();
  await consumer.subscribe({ topics: [...byName.keys()], fromBeginning: opts.fromBeginning ?? true });
  const handled = opts.types && new Set(opts.types);
  /** Decodes a record; an undecodable one is dead-lettered and gives undefined, as does one of a type not handled or the filter skips. */
  const decode = async (topicName: string, partition: number, message: KafkaMessage): Promise<{ event: ConsumedEvent; headers: Record<string, string> } | undefined> => {
    const topic = byName.get(topicName)!;
    const headers = headerMap(message.headers);
    if (handled && !handled.has(headers[HEADERS.type] ?? "")) return undefined;
    try {
      const { meta, message: decoded, schema } = decodeEvent(topic, message.value, headers);
      if (opts.filter && !opts.filter({ topic, message: decoded })) return undefined;
      await opts.verify?.verify({ topic: topic.name, key: message.key?.toString() ?? "", value: message.value ?? Buffer.alloc(0), headers }, decoded);
      return { event: { topic, key: message.key?.toString() ?? "", message: decoded, schema, meta, partition, offset: message.offset }, headers };
    } catch (err) {
      if (err instanceof ForgedEventError) {
        forged.add(1, { group: opts.groupId, topic: topic.name, type: headers[HEADERS.type] ?? "" });
        opts.log.error({ err, topic: topicName, partition, offset: message.offset, producer: headers[SIGNATURE_HEADERS.producer] }, "forged or unauthorised event refused");
      }
      if (err instanceof EventDecodeError || err instanceof ForgedEventError) {
        await deadLetter({ topic: topicName, partition, message }, headers, err, 0);
        return undefined;
      }
      throw err;
    }
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  const tracer = trace.getTracer("kuayu-kafka");
  // The messaging metrics of the OpenTelemetry semantic conventions (docs/operations.md, "Kafka produce/consume").
  const consumed = metrics.getMeter("kuayu-kafka").createCounter("messaging.client.consumed.messages", { description: "Records delivered to this consumer's handler" });
  const processDuration = metrics.getMeter("kuayu-kafka").createHistogram("messaging.process.duration", { description: "Time to handle an event (a batch: each of its events)", unit: "s" });
  const processed = (topic: string, startedAt: number, n = 1) => {
    const attrs = { "messaging.system": "kafka", "messaging.destination.name": topic, "messaging.consumer.group.name": opts.groupId };
    for (let i = 0; i < n; i++) processDuration.record((Date.now() - startedAt) / 1000, attrs);
  };
  /** The event's own consumer span, in the producer's trace (from the headers). */
  const consumerSpan = (topic: string, event: ConsumedEvent, headers: Record<string, string>): { span: Span; ctx: Context } => {
    consumed.add(1, { "messaging.system": "kafka", "messaging.destination.name": topic, "messaging.consumer.group.name": opts.groupId });
    const parent = propagation.extract(ROOT_CONTEXT, headers);
    const span = tracer.startSpan(
      `${topic} process`,
      { kind: SpanKind.CONSUMER, attributes: { "messaging.system": "kafka", "messaging.destination.name": topic, "messaging.message.id": event.meta.id } },
      parent,
    );
    return { span, ctx: trace.setSpan(parent, span) };
  };
  const retries = metrics.getMeter("kuayu").createCounter("kuayu_consumer_transient_retries_total", {
    description: "Events retried because the store, the broker or a peer was unavailable or a race was lost (never dead-lettered)",
  });
  /**
   * Waits out a transient failure of one partition's event: capped exponential backoff with
   * jitter, one log line when it starts and then one a minute, one when it is over.
   */
  const waiter = (topic: string, partition: number) => {
    let since = 0;
    let attempts = 0;
    let lastLog = 0;
    return {
      async wait(err: Error, eventId: string) {
        attempts++;
        if (since === 0) since = Date.now();
        retries.add(1, { group: opts.groupId, topic: byName.get(topic)?.name ?? topic });
        if (Date.now() - lastLog >= 60_000) {
          lastLog = Date.now();
          opts.log.warn(
            { err, topic, partition, eventId, attempts, waitingSeconds: Math.round((Date.now() - since) / 1000) },
            "event waits for the store, the broker or a peer; retrying until it succeeds",
          );
        }
        await sleep(Math.random() * Math.min(30_000, backoffMs * 2 ** Math.min(attempts - 1, 20)));
      },
      over() {
        if (since > 0) opts.log.info({ topic, partition, attempts, waitedSeconds: Math.round((Date.now() - since) / 1000) }, "event handled after waiting");
      },
    };
  };

  // Offsets are committed here, not by kafkajs (autoCommit off: it would commit after every batch).
  const commitIntervalMs = opts.commitIntervalMs ?? 1000;
  /** Handled, not yet committed: broker topic → partition → the next offset to read. */
  const toCommit = new Map<string, Map<number, string>>();
  /** The runner's commit (eachBatch's commitOffsetsIfNecessary), from the latest batch. */
  let commitWith: ((offsets: Offsets) => Promise<void>) | undefined;
  let lastCommit = 0;
  let commitTimer: NodeJS.Timeout | undefined;
  let stopping = false;
  const commit = async () => {
    clearTimeout(commitTimer);
    commitTimer = undefined;
    if (!commitWith || toCommit.size === 0) return;
    const topics = [...toCommit].map(([topic, ps]) => ({ topic, partitions: [...ps].map(([partition, offset]) => ({ partition, offset })) })).filter((t) => t.partitions.length > 0);
    toCommit.clear();
    lastCommit = Date.now();
    if (topics.length === 0) return;
    try {
      await commitWith({ topics });
    } catch (err) {
      // The broker away or the group rebalancing: tried again at the next interval (offsets handled
      // since win), so a partition that goes quiet is still committed.
      opts.log.warn({ err, groupId: opts.groupId }, "could not commit offsets yet; will retry");
      for (const { topic, partitions } of topics) {
        const ps = toCommit.get(topic) ?? new Map<number, string>();
        for (const { partition, offset } of partitions) if (!ps.has(partition)) ps.set(partition, offset);
        toCommit.set(topic, ps);
      }
      if (!stopping) commitTimer ??= setTimeout(() => void commit(), commitIntervalMs).unref();
    }
  };
  /** A record handled (its offset resolved), to commit with the next commit. */
  const handledUpTo = (topic: string, partition: number, offset: string, commitOffsetsIfNecessary: (offsets: Offsets) => Promise<void>) => {
    commitWith = commitOffsetsIfNecessary;
    const ps = toCommit.get(topic) ?? new Map<number, string>();
    ps.set(partition, (BigInt(offset) + 1n).toString());
    toCommit.set(topic, ps);
  };
  /** After a batch: commits now when the interval is over (or the consumer stops), else at its end. */
  const commitSoon = async () => {
    if (toCommit.size === 0) return;
    const due = lastCommit + commitIntervalMs - Date.now();
    if (stopping || due <= 0) await commit();
    else commitTimer ??= setTimeout(() => void commit(), due).unref();
  };
  // A rebalance: partitions now another member's are that member's to commit.
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    for (const [topic, ps] of toCommit) {
      for (const p of ps.keys()) if (!payload.memberAssignment[topic]?.includes(p)) ps.delete(p);
      if (ps.size === 0) toCommit.delete(topic);
    }
  });

  const handle = opts.handle;
  const handleBatch = opts.handleBatch;
  if (handle) {
    // One event at a time per partition, in order, through eachBatch (so a long wait can heartbeat
    // and notice a stop or a rebalance); each offset is resolved once its event is handled.
    const eachEvent = async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }: EachBatchPayload) => {
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) return;
        const p = { topic: batch.topic, partition: batch.partition, message };
        const d = await decode(p.topic, p.partition, message);
        if (d) {
          const { event, headers } = d;
          const { span, ctx } = consumerSpan(p.topic, event, headers);
          const waiting = waiter(p.topic, p.partition);
          const startedAt = Date.now();
          for (let attempt = 1, failed = 0; ; attempt++) {
            try {
              await context.with(ctx, () => handle(event));
              waiting.over();
              processed(p.topic, startedAt);
              span.end();
              break;
            } catch (err) {
              const e = err as Error;
              if (err instanceof PermanentError) {
                await deadLetter(p, headers, e, attempt);
                span.setStatus({ code: SpanStatusCode.ERROR, message: "dead-lettered" }).end();
                break;
              }
              if (isTransient(e)) {
                // The store, the broker or a peer is away, or a race was lost: wait, as long as it lasts.
                await waiting.wait(e, event.meta.id);
              } else {
                if (++failed >= maxAttempts) {
                  await deadLetter(p, headers, e, attempt);
                  span.setStatus({ code: SpanStatusCode.ERROR, message: "dead-lettered" }).end();
                  break;
                }
                opts.log.warn({ err: e, eventId: event.meta.id, attempt }, "event handler failed; retrying");
                await sleep(backoffMs * 2 ** (failed - 1));
              }
              await heartbeat().catch(() => undefined);
              // Stopping or rebalanced away: leave the event uncommitted for the partition's next owner.
              if (!isRunning() || isStale()) {
                span.end();
                return;
              }
            }
          }
        }
        resolveOffset(message.offset);
        handledUpTo(batch.topic, batch.partition, message.offset, commitOffsetsIfNecessary);
        await heartbeat();
      }
    };
    await consumer.run({
      partitionsConsumedConcurrently: opts.concurrency ?? 1,
      eachBatchAutoResolve: false,
      autoCommit: false,
      eachBatch: async (payload) => {
        try {
          await eachEvent(payload);
        } finally {
          await commitSoon();
        }
      },
    });
  } else if (handleBatch) {
    await consumer.run({
      partitionsConsumedConcurrently: opts.concurrency ?? 1,
      eachBatchAutoResolve: false,
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }) => {
        const events: ConsumedEvent[] = [];
        const spans: Span[] = [];
        const raw = new Map<ConsumedEvent, { message: KafkaMessage; headers: Record<string, string> }>();
        for (const m of batch.messages) {
          const d = await decode(batch.topic, batch.partition, m);
          if (!d) continue;
          const { span, ctx } = consumerSpan(batch.topic, d.event, d.headers);
          eventContexts.set(d.event, ctx);
          raw.set(d.event, { message: m, headers: d.headers });
          spans.push(span);
          events.push(d.event);
        }
        const context: BatchContext = {
          topic: byName.get(batch.topic)!.name,
          partition: batch.partition,
          heartbeat,
          deadLetter: async (event, err) => {
            const r = raw.get(event);
            if (!r) throw new Error(`event ${event.meta.id} is not of this batch`);
            await deadLetter({ topic: batch.topic, partition: batch.partition, message: r.message }, r.headers, err, 1);
          },
        };
        const startedAt = Date.now();
        try {
          for (let attempt = 1; events.length > 0; attempt++) {
            // Stopping or rebalanced away: leave the batch uncommitted for the partition's next owner.
            if (!isRunning() || isStale()) return;
            try {
              await handleBatch(events, context);
              processed(batch.topic, startedAt, events.length);
              break;
            } catch (err) {
              opts.log.warn({ err, topic: batch.topic, partition: batch.partition, first: batch.firstOffset(), last: batch.lastOffset(), attempt }, "batch handler failed; retrying");
              await sleep(Math.min(30_000, backoffMs * 2 ** (attempt - 1)));
              await heartbeat().catch(() => undefined);
            }
          }
        } finally {
          for (const span of spans) span.end();
        }
        resolveOffset(batch.lastOffset());
        handledUpTo(batch.topic, batch.partition, batch.lastOffset(), commitOffsetsIfNecessary);
        await commitSoon();
        await heartbeat();
      },
    });
  }
  const readyTimeoutMs = (opts.sessionTimeoutMs ?? 30_000) + 10_000;
  let timer: NodeJS.Timeout | undefined;
  const waited = await Promise.race([ready.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), readyTimeoutMs)))]);
  clearTimeout(timer);
  if (!waited) opts.log.warn({ groupId: opts.groupId, readyTimeoutMs }, "consumer has not fetched yet; continuing to start");
  const lag = watchLag(
    opts.kafka,
    opts.groupId,
    () => assignment,
    (t) => byName.get(t)?.name ?? t,
  );
  return {
    consumer,
    assigned: (topic) => [...(assignment[brokerTopic(opts.kafka, topic)] ?? [])],
    stop: (timeoutMs = 10_000) =>
      withTimeout(
        (async () => {
          // What is handled goes now; a batch that ends while the consumer stops commits at once.
          stopping = true;
          await commit();
          await consumer.disconnect();
        })().finally(() => lag.stop()),
        timeoutMs,
        "consumer disconnect",
      ),
  };
}

/** Running consumers whose lag kuayu_consumer_lag reports, each with its own admin client. */
const lagSources = new Set<(observe: (lag: number, attrs: Record<string, string | number>) => void) => Promise<void>>();
let lagGauge = false;

/**
 * kuayu_consumer_lag{group, topic, partition}: high watermark minus the group's committed offset, for
 * the partitions assigned to this member (each partition is reported by the one member that owns
 * it), read from the broker at every scrape — so a stuck handler shows a growing lag too.
 */
function watchLag(kafka: Kafka, groupId: string, assignment: () => Record<string, number[]>, nameOf: (brokerTopic: string) => string) {
  if (!lagGauge) {
    lagGauge = true;
    metrics
      .getMeter("kuayu")
      .createObservableGauge("kuayu_consumer_lag", { description: "Records of a partition not yet handled by its consumer group: high watermark minus committed offset" })
      .addCallback(async (r) => {
        await Promise.all([...lagSources].map((source) => source((v, attrs) => r.observe(v, attrs)).catch(() => undefined)));
      });
  }
  const admin = kafka.admin();
  let connected: Promise<void> | undefined;
  const source = async (observe: (lag: number, attrs: Record<string, string | number>) => void) => {
    const mine = Object.entries(assignment()).filter(([, ps]) => ps.length > 0);
    if (mine.length === 0) return;
    await (connected ??= admin.connect().catch((err: unknown) => {
      connected = undefined;
      throw err;
    }));
    const committed = await admin.fetchOffsets({ groupId, topics: mine.map(([t]) => t) });
    for (const [topic, partitions] of mine) {
      const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o]));
      const done = new Map((committed.find((c) => c.topic === topic)?.partitions ?? []).map((p) => [p.partition, p.offset]));
      for (const partition of partitions) {
        const end = ends.get(partition);
        if (!end) continue;
        const at = done.get(partition);
        // Nothing committed yet: everything since the oldest record kept is still to do.
        const from = at === undefined || Number(at) < 0 ? Number(end.low) : Number(at);
        observe(Math.max(0, Number(end.high) - from), { group: groupId, topic: nameOf(topic), partition });
      }
    }
  };
  lagSources.add(source);
  return {
    stop: async () => {
      lagSources.delete(source);
      if (connected) await connected.then(() => admin.disconnect()).catch(() => undefined);
    },
  };
}
