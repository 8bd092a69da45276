#!/usr/bin/env node
// Baseline benchmarks for the building blocks every Kuayu service stands on:
//   kafka   raw kafkajs: produce→consume throughput and end-to-end latency, single-send latency
//   store   raw mongodb driver against the store (FerretDB): insert, insertMany, find/update by _id
//   outbox  the services' own store access pattern (filing document with an outbox): insert with
//           unique index, claim (findOneAndUpdate), $pullAll, clear flag, $addToSet, duplicate key
//   grpc    raw @grpc/grpc-js unary calls vs the same through libs/grpc (+ JWT auth from libs/auth)
//
// Usage (from the repo root, after `source scripts/env.sh`; `make bench` builds and starts infra):
//   node scripts/bench/baseline.js [--quick] [--only kafka,store,outbox,grpc] [--rounds N]
//                                  [--max-seconds S] [--outbox-docs N] [--label TEXT] [--out DIR]
// Environment: KAFKA_BROKERS (127.0.0.1:9092), MONGO_URI (mongodb://127.0.0.1:27017).
//
// Each measurement runs `rounds` times (default 3) and the table shows the MEDIAN (the machines are
// small and noisy). Every measurement is bounded by a count and by --max-seconds. Everything is
// created under random names (topic/group bench-<hex>, database bench_<hex>) and removed at the end.
// Machine-readable results go to bench-results/baseline-<timestamp>.json (git-ignored).
"use strict";

const { sasl } = require("./kafka-auth.js");
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { performance } = require("node:perf_hooks");

const ROOT = path.resolve(__dirname, "../..");

// kafkajs 2.2.4 schedules a negative timeout on every connection, which Node 24 reports as a
// TimeoutNegativeWarning (tulios/kafkajs#1751, harmless). Drop only that one; print the others.
process.removeAllListeners("warning");
process.on("warning", (w) => {
  if (w.name !== "TimeoutNegativeWarning") process.stderr.write(`${w.name}: ${w.message}\n`);
});
const SECTIONS = ["kafka", "store", "outbox", "grpc"];

// ------------------------------------------------------------------ options

function usage(code) {
  const out = code === 0 ? process.stdout : process.stderr;
  out.write(
    "usage: node scripts/bench/baseline.js [--quick] [--only kafka,store,outbox,grpc] [--rounds N]\n" +
      "                                      [--max-seconds S] [--outbox-docs N] [--label TEXT] [--out DIR]\n" +
      "  --quick          small counts, 1 round (smoke run)\n" +
      "  --only LIST      sections to run (default: all)\n" +
      "  --rounds N       repetitions; the median is reported (default 3)\n" +
      "  --max-seconds S  time cap of each sequential loop (default 4; throughput loops get 5×S)\n" +
      "  --outbox-docs N  filings already in the collection for the outbox section (default 1000)\n" +
      "  --label TEXT     free text stored with the results (e.g. the store backend)\n" +
      "  --out DIR        where the JSON goes (default bench-results/)\n" +
      "env:   KAFKA_BROKERS (127.0.0.1:9092)  MONGO_URI (mongodb://127.0.0.1:27017)\n",
  );
  process.exit(code);
}

function parseArgs(argv) {
  const o = { quick: false, only: SECTIONS.slice(), rounds: undefined, maxSeconds: undefined, outboxDocs: undefined, label: "", out: "" };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let v;
    const eq = a.indexOf("=");
    if (a.startsWith("--") && eq > 0) [a, v] = [a.slice(0, eq), a.slice(eq + 1)];
    const val = () => {
      if (v !== undefined) return v;
      if (i + 1 >= argv.length) fatal(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case "--quick":
        o.quick = true;
        break;
      case "--only":
        o.only = val()
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        for (const s of o.only) if (!SECTIONS.includes(s)) fatal(`--only: unknown section "${s}" (known: ${SECTIONS.join(", ")})`);
        break;
      case "--rounds":
        o.rounds = Number(val());
        if (!Number.isInteger(o.rounds) || o.rounds < 1 || o.rounds > 20) fatal("--rounds must be an integer 1..20");
        break;
      case "--max-seconds":
        o.maxSeconds = Number(val());
        if (!(o.maxSeconds > 0)) fatal("--max-seconds must be a positive number");
        break;
      case "--outbox-docs":
        o.outboxDocs = Number(val());
        if (!Number.isInteger(o.outboxDocs) || o.outboxDocs < 0 || o.outboxDocs > 100000) fatal("--outbox-docs must be an integer 0..100000");
        break;
      case "--label":
        o.label = val();
        break;
      case "--out":
        o.out = val();
        break;
      case "-h":
      case "--help":
        usage(0);
        break;
      default:
        process.stderr.write(`baseline: unknown argument "${argv[i]}"\n`);
        usage(2);
    }
  }
  return o;
}

function fatal(msg, code = 2) {
  process.stderr.write(`baseline: error: ${msg}\n`);
  process.exit(code);
}

const opts = parseArgs(process.argv.slice(2));
const Q = opts.quick;
const CFG = {
  rounds: opts.rounds ?? (Q ? 1 : 3),
  // Upper bound of each sequential measurement loop (it stops at its count or at this, whichever
  // comes first) and of each throughput loop. FerretDB gets slow on bigger collections, and the
  // whole default run must stay within ~3 minutes.
  maxMs: (opts.maxSeconds ?? (Q ? 2 : 4)) * 1000,
  maxBulkMs: (opts.maxSeconds ?? (Q ? 2 : 4)) * 5000,
  kafka: {
    brokers: (process.env.KAFKA_BROKERS || "127.0.0.1:9092")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    messages: Q ? 2000 : 20000,
    messageBytes: 1024,
    batch: 100,
    partitions: 6,
    singleSends: Q ? 100 : 500,
  },
  store: {
    uri: process.env.MONGO_URI || "mongodb://127.0.0.1:27017",
    seqOps: Q ? 200 : 2000,
    insertManyDocs: Q ? 1000 : 10000,
    bigFinds: Q ? 50 : 100, // findOne by _id in the insertMany collection
    batch: 100,
    docBytes: 1024,
  },
  outbox: {
    prefill: opts.outboxDocs ?? (Q ? 300 : 1000), // filings already in the collection before measuring
    cycles: Q ? 50 : 500,
    ops: Q ? 100 : 300, // for $addToSet / find / duplicate key / lookup by unique key
    idleClaims: Q ? 30 : 100,
    valueBytes: 200,
  },
  grpc: {
    calls: Q ? 2000 : 20000,
    concurrency: 50,
    seqCalls: Q ? 300 : 2000,
    warmup: Q ? 200 : 1000,
    jwtVerifies: Q ? 200 : 1000,
  },
};

// ------------------------------------------------------------------ helpers

const now = () => performance.now();
const rand = crypto.randomBytes(4).toString("hex");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const progress = (section, msg) => process.stderr.write(`[${section}] ${msg}\n`);

function percentile(values, p) {
  if (values.length === 0) return NaN;
  const s = Float64Array.from(values).sort();
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx];
}

function median(values) {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return NaN;
  const s = v.slice().sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs fn(i) sequentially up to n times (bounded by CFG.maxMs); ops/s and latency percentiles. */
async function sequential(n, fn) {
  const lat = [];
  const start = now();
  for (let i = 0; i < n; i++) {
    const t = now();
    await fn(i);
    lat.push(now() - t);
    if (now() - start > CFG.maxMs) break;
  }
  const elapsed = now() - start;
  return { ops: lat.length, opsPerSec: lat.length / (elapsed / 1000), p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

/** Keeps `concurrency` calls in flight until n calls are done (bounded by CFG.maxBulkMs). */
async function concurrent(n, concurrency, call) {
  let issued = 0;
  let done = 0;
  const start = now();
  const deadline = start + CFG.maxBulkMs;
  const worker = async () => {
    while (issued < n && now() < deadline) {
      issued++;
      await call();
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = now() - start;
  return { ops: done, opsPerSec: done / (elapsed / 1000) };
}

function fmt(v, unit) {
  if (v === undefined || v === null || Number.isNaN(v)) return "n/a";
  if (unit === "ms") return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  if (unit === "x") return v.toFixed(2);
  if (v < 10) return v.toFixed(2);
  if (v < 100) return v.toFixed(1);
  return Math.round(v).toLocaleString("en-US");
}

// Everything to undo at the end (or on Ctrl-C), newest first.
const cleanups = [];
async function runCleanups() {
  while (cleanups.length) {
    const fn = cleanups.pop();
    try {
      await fn();
    } catch (err) {
      process.stderr.write(`baseline: warning: cleanup failed: ${err && err.message}\n`);
    }
  }
}
let interrupted = false;
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write(`baseline: ${sig}, cleaning up…\n`);
    const force = setTimeout(() => process.exit(130), 15000);
    runCleanups().finally(() => {
      clearTimeout(force);
      process.exit(130);
    });
  });
}

// ------------------------------------------------------------------ metric catalogue (table rows)

// [key, label, unit]; unit "/s" = operations per second, "ms" = milliseconds, "x" = ratio.
const ROWS = {
  kafka: [
    ["produce_msgs_s", "produce, 1 KiB, batches of 100, acks=all, idempotent", "msg/s"],
    ["e2e_msgs_s", "produce→consume throughput (6 partitions, 1 consumer)", "msg/s"],
    ["e2e_p50_ms", "end-to-end latency p50 (send call → eachBatch)", "ms"],
    ["e2e_p99_ms", "end-to-end latency p99", "ms"],
    ["send1_ops_s", "single-message send, sequential, acks=all", "msg/s"],
    ["send1_p50_ms", "single-message send latency p50", "ms"],
    ["send1_p99_ms", "single-message send latency p99", "ms"],
  ],
  store: [
    ["insert1_ops_s", "insertOne ~1 KiB, sequential (into an empty collection)", "ops/s"],
    ["insert1_p50_ms", "insertOne p50", "ms"],
    ["insert1_p99_ms", "insertOne p99", "ms"],
    ["insertMany_docs_s", "insertMany, batches of 100", "docs/s"],
    ["insertMany_p50_ms", "insertMany batch p50", "ms"],
    ["find_id_ops_s", "findOne by _id, sequential (collection of those docs)", "ops/s"],
    ["find_id_p50_ms", "findOne by _id p50", "ms"],
    ["find_id_p99_ms", "findOne by _id p99", "ms"],
    ["update_id_ops_s", "updateOne by _id ($set+$inc), sequential", "ops/s"],
    ["update_id_p50_ms", "updateOne by _id p50", "ms"],
    ["update_id_p99_ms", "updateOne by _id p99", "ms"],
    ["find_big_ops_s", "findOne by _id in the insertMany collection", "ops/s"],
    ["find_big_p50_ms", "findOne by _id in the insertMany collection p50", "ms"],
  ],
  outbox: [
    ["cycle_s", "outbox cycle: insert → claim → $pullAll → clear flag", "cycles/s"],
    ["cycle_p50_ms", "outbox cycle p50", "ms"],
    ["cycle_p99_ms", "outbox cycle p99", "ms"],
    ["insert_p50_ms", "  insert filing with outbox entry (2 indexes) p50", "ms"],
    ["claim_p50_ms", "  claim: findOneAndUpdate pending+lease p50", "ms"],
    ["pull_p50_ms", "  $pullAll entries + $set lease by _id p50", "ms"],
    ["clear_p50_ms", "  clear flag: updateOne {_id, outbox:{$size:0}} p50", "ms"],
    ["idle_claim_ops_s", "claim with nothing pending (idle relay poll)", "ops/s"],
    ["idle_claim_p50_ms", "idle claim p50", "ms"],
    ["addToSet_ops_s", "updateOne $addToSet timeline by _id", "ops/s"],
    ["addToSet_p50_ms", "$addToSet p50", "ms"],
    ["find_id_ops_s", "findOne by _id, projection {outbox:0}", "ops/s"],
    ["find_id_p50_ms", "findOne by _id p50", "ms"],
    ["dup_ops_s", "duplicate insert → E11000 (unique compound index)", "ops/s"],
    ["dup_p50_ms", "duplicate insert p50", "ms"],
    ["find_key_ops_s", "findOne by {court, idempotencyKey} (replay path)", "ops/s"],
    ["find_key_p50_ms", "findOne by unique key p50", "ms"],
  ],
  grpc: [
    ["raw_calls_s", "raw grpc-js unary, 50 in flight", "calls/s"],
    ["platform_calls_s", "libs/grpc + JWT (GetFiling), 50 in flight", "calls/s"],
    ["raw_p50_ms", "raw grpc-js sequential p50", "ms"],
    ["raw_p99_ms", "raw grpc-js sequential p99", "ms"],
    ["platform_p50_ms", "libs/grpc + JWT sequential p50", "ms"],
    ["platform_p99_ms", "libs/grpc + JWT sequential p99", "ms"],
    ["jwt_cold_ops_s", "libs/auth verify, new token each time (ES256)", "ops/s"],
    ["jwt_cached_ops_s", "libs/auth verify, same token (verifier cache)", "ops/s"],
  ],
};

// ------------------------------------------------------------------ preflight

async function preflightKafka() {
  const { Kafka, logLevel } = require("kafkajs");
  const kafka = new Kafka({
    clientId: "kuayu-bench-preflight",
    brokers: CFG.kafka.brokers,
    sasl: sasl(),
    connectionTimeout: 3000,
    retry: { retries: 1, initialRetryTime: 300 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (err) {
    fatal(`cannot reach Kafka at ${CFG.kafka.brokers.join(",")} (${err.message}). ` + "Start it with `bash scripts/infra/infra.sh up` (make bench does) or set KAFKA_BROKERS.");
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

async function connectStore() {
  const { MongoClient } = require("mongodb");
  const client = new MongoClient(CFG.store.uri, { serverSelectionTimeoutMS: 5000, connectTimeoutMS: 3000 });
  try {
    await client.connect();
    await client.db("admin").command({ ping: 1 });
  } catch (err) {
    await client.close().catch(() => {});
    fatal(`cannot reach the store at ${CFG.store.uri} (${err.message}). ` + "Start it with `bash scripts/infra/infra.sh up` (make bench does) or set MONGO_URI.");
  }
  return client;
}

// ------------------------------------------------------------------ kafka

async function benchKafka() {
  const { Kafka, logLevel, Partitioners, CompressionTypes } = require("kafkajs");
  const c = CFG.kafka;
  const kafka = new Kafka({
    clientId: "kuayu-bench",
    brokers: c.brokers,
    sasl: sasl(),
    connectionTimeout: 3000,
    retry: { initialRetryTime: 200, retries: 5 },
    logLevel: logLevel.ERROR,
  });
  const topic = `bench-${rand}`;
  const groupId = `bench-${rand}`;
  const mark = cleanups.length;
  const admin = kafka.admin();
  await admin.connect();
  cleanups.push(() => admin.disconnect());
  progress("kafka", `creating topic ${topic} (${c.partitions} partitions)`);
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: c.partitions, replicationFactor: 1 }] });
  cleanups.push(() => admin.deleteTopics({ topics: [topic], timeout: 10000 }));

  // Same producer settings as libs/kafka createProducer.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  cleanups.push(() => producer.disconnect());

  // Value layout: [0..8) float64 send time (performance.now), [8..12) round, [12..16) kind (1 = throughput).
  let current = null; // { round, expected, received, lat: [], lastAt, done }
  const consumer = kafka.consumer({ groupId, retry: { retries: 5 } });
  let joined;
  const joinedP = new Promise((r) => (joined = r));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.connect();
  cleanups.push(async () => {
    await admin.deleteGroups([groupId]).catch(() => {});
  });
  cleanups.push(() => consumer.disconnect());
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const t = now();
      const cur = current;
      if (!cur) return;
      for (const m of batch.messages) {
        const v = m.value;
        if (!v || v.length < 16 || v.readUInt32LE(12) !== 1 || v.readUInt32LE(8) !== cur.round) continue;
        cur.lat.push(t - v.readDoubleLE(0));
        cur.received++;
      }
      if (cur.received >= cur.expected && !cur.lastAt) {
        cur.lastAt = t;
        cur.done();
      }
    },
  });
  progress("kafka", "waiting for the consumer group to join…");
  await Promise.race([joinedP, sleep(30000).then(() => Promise.reject(new Error("consumer did not join within 30 s")))]);
  await sleep(500); // let the first fetch go out

  const template = crypto.randomBytes(c.messageBytes);
  const rounds = [];
  for (let r = 1; r <= CFG.rounds; r++) {
    // Throughput and end-to-end latency.
    const messages = [];
    for (let i = 0; i < c.messages; i++) {
      const value = Buffer.from(template);
      value.writeUInt32LE(r, 8);
      value.writeUInt32LE(1, 12);
      messages.push({ key: `k${i}`, value });
    }
    let done;
    const doneP = new Promise((res) => (done = res));
    current = { round: r, expected: c.messages, received: 0, lat: [], lastAt: 0, done };
    progress("kafka", `round ${r}/${CFG.rounds}: producing ${c.messages} × ${c.messageBytes} B in batches of ${c.batch}…`);
    const start = now();
    let sent = 0;
    for (let i = 0; i < messages.length; i += c.batch) {
      const batch = messages.slice(i, i + c.batch);
      const t = now();
      for (const m of batch) m.value.writeDoubleLE(t, 0);
      await producer.send({ topic, acks: -1, compression: CompressionTypes.None, messages: batch });
      sent += batch.length;
      if (now() - start > CFG.maxBulkMs) break;
    }
    const producedAt = now();
    current.expected = sent;
    if (current.received >= sent && !current.lastAt) {
      current.lastAt = now();
      done();
    }
    const timedOut = await Promise.race([doneP.then(() => false), sleep(Math.max(30000, CFG.maxBulkMs)).then(() => true)]);
    if (timedOut) throw new Error(`consumer received only ${current.received} of ${sent} messages within the time limit`);
    const cur = current;
    current = null;
    const m = {
      produce_msgs_s: sent / ((producedAt - start) / 1000),
      e2e_msgs_s: sent / ((cur.lastAt - start) / 1000),
      e2e_p50_ms: percentile(cur.lat, 50),
      e2e_p99_ms: percentile(cur.lat, 99),
      messages: sent,
    };

    progress(
      "kafka",
      `round ${r}/${CFG.rounds}: produce ${fmt(m.produce_msgs_s)} msg/s, produce→consume ${fmt(m.e2e_msgs_s)} msg/s, ` + `e2e p50 ${fmt(m.e2e_p50_ms, "ms")} ms, p99 ${fmt(m.e2e_p99_ms, "ms")} ms`,
    );
    rounds.push(m);
  }

  // Single-message send latency, after the consumer has left (so it does not compete for the CPU;
  // pausing/resuming it instead stalls its next fetch by the long-poll wait).
  await consumer.disconnect();
  const single = Buffer.from(template);
  single.writeUInt32LE(2, 12);
  for (let r = 1; r <= CFG.rounds; r++) {
    const s = await sequential(c.singleSends, (i) => producer.send({ topic, acks: -1, compression: CompressionTypes.None, messages: [{ key: `s${i}`, value: single }] }));
    Object.assign(rounds[r - 1], { send1_ops_s: s.opsPerSec, send1_p50_ms: s.p50, send1_p99_ms: s.p99, singleSends: s.ops });
    progress("kafka", `round ${r}/${CFG.rounds}: single-message send ${fmt(s.opsPerSec)} msg/s, p50 ${fmt(s.p50, "ms")} ms, p99 ${fmt(s.p99, "ms")} ms`);
  }
  await runSectionCleanups(mark); // consumer, group, producer, topic, admin
  return { topic, config: c, rounds };
}

// Runs (and removes) the cleanups registered since index `from`.
async function runSectionCleanups(from) {
  const mine = cleanups.splice(from);
  while (mine.length) {
    const fn = mine.pop();
    try {
      await fn();
    } catch (err) {
      process.stderr.write(`baseline: warning: cleanup failed: ${err && err.message}\n`);
    }
  }
}

// ------------------------------------------------------------------ store (raw driver)

function paddedDoc(bsonSize, target, make) {
  // Pads a document's `pad` string so its BSON size is ~target bytes.
  const probe = make("");
  const n = Math.max(0, target - bsonSize(probe));
  return "x".repeat(n);
}

async function benchStore(client, dbName) {
  const { BSON } = require("mongodb");
  const c = CFG.store;
  const db = client.db(dbName);
  const mk = (i, pad) => ({
    _id: crypto.randomUUID(),
    courtId: `c${String(i % 50).padStart(4, "0")}`,
    seq: i,
    status: "SUBMITTED",
    createdAt: new Date(),
    tags: ["civil", "first-instance"],
    version: 0,
    pad,
  });
  const pad = paddedDoc(BSON.calculateObjectSize, c.docBytes, (p) => mk(0, p));
  const docSize = BSON.calculateObjectSize(mk(0, pad));
  const rounds = [];
  for (let r = 1; r <= CFG.rounds; r++) {
    const col = db.collection(`docs_r${r}`);
    await db.createCollection(col.collectionName);
    const ids = [];
    progress("store", `round ${r}/${CFG.rounds}: insertOne × ${c.seqOps} (${docSize} B docs)…`);
    const ins = await sequential(c.seqOps, async (i) => {
      const d = mk(i, pad);
      await col.insertOne(d);
      ids.push(d._id);
    });
    // Random order over the sequentially inserted ids.
    const order = ids
      .map((id) => [Math.random(), id])
      .sort((a, b) => a[0] - b[0])
      .map((x) => x[1]);
    progress("store", `round ${r}/${CFG.rounds}: findOne by _id × ${order.length} (collection of ${ids.length})…`);
    let misses = 0;
    const find = await sequential(order.length, async (i) => {
      if (!(await col.findOne({ _id: order[i] }))) misses++;
    });
    progress("store", `round ${r}/${CFG.rounds}: updateOne by _id × ${order.length}…`);
    let notUpdated = 0;
    const upd = await sequential(order.length, async (i) => {
      const res = await col.updateOne({ _id: order[i] }, { $set: { status: "REGISTERED", updatedAt: new Date() }, $inc: { version: 1 } });
      if (res.modifiedCount !== 1) notUpdated++;
    });
    await col.drop().catch(() => {});

    const many = db.collection(`many_r${r}`);
    await db.createCollection(many.collectionName);
    progress("store", `round ${r}/${CFG.rounds}: insertMany ${c.insertManyDocs} docs in batches of ${c.batch}…`);
    const batches = Math.ceil(c.insertManyDocs / c.batch);
    const manyIds = [];
    const ins100 = await sequential(batches, async (b) => {
      const docs = [];
      for (let i = 0; i < c.batch; i++) docs.push(mk(b * c.batch + i, pad));
      await many.insertMany(docs, { ordered: true });
      for (const d of docs) manyIds.push(d._id);
    });
    progress("store", `round ${r}/${CFG.rounds}: findOne by _id × ${c.bigFinds} in the ${manyIds.length}-doc collection…`);
    const bigFind = await sequential(c.bigFinds, async () => {
      if (!(await many.findOne({ _id: manyIds[Math.floor(Math.random() * manyIds.length)] }))) misses++;
    });
    await many.drop().catch(() => {});
    const m = {
      insert1_ops_s: ins.opsPerSec,
      insert1_p50_ms: ins.p50,
      insert1_p99_ms: ins.p99,
      insertMany_docs_s: ins100.opsPerSec * c.batch,
      insertMany_p50_ms: ins100.p50,
      find_id_ops_s: find.opsPerSec,
      find_id_p50_ms: find.p50,
      find_id_p99_ms: find.p99,
      update_id_ops_s: upd.opsPerSec,
      update_id_p50_ms: upd.p50,
      update_id_p99_ms: upd.p99,
      find_big_p50_ms: bigFind.p50,
      find_big_ops_s: bigFind.opsPerSec,
      counts: { insert1: ins.ops, insertManyBatches: ins100.ops, bigCollectionDocs: manyIds.length, find: find.ops, update: upd.ops, bigFind: bigFind.ops },
      checks: { findMisses: misses, updateNotModified: notUpdated },
    };
    progress(
      "store",
      `round ${r}/${CFG.rounds}: insert ${fmt(m.insert1_ops_s)}/s, insertMany ${fmt(m.insertMany_docs_s)} docs/s, ` +
        `find ${fmt(m.find_id_ops_s)}/s, update ${fmt(m.update_id_ops_s)}/s, find in big collection p50 ${fmt(m.find_big_p50_ms, "ms")} ms`,
    );
    rounds.push(m);
  }
  return { docBytes: docSize, config: c, rounds };
}

// ------------------------------------------------------------------ outbox (the services' access pattern)

async function benchOutbox(client, dbName) {
  const { Binary } = require("mongodb");
  const c = CFG.outbox;
  const db = client.db(dbName);
  const TOPIC = "kuayu.filing.lifecycle-11.v1";
  const summary = "原告请求被告返还借款本金及利息。".repeat(8); // ~400 B of UTF-8, like a short claim summary
  const entry = (filingId) => {
    const id = crypto.randomUUID();
    return {
      _id: id,
      topic: TOPIC,
      key: filingId,
      value: new Binary(crypto.randomBytes(c.valueBytes)),
      headers: {
        "kuayu-event-id": id,
        "kuayu-event-type": "kuayu.intake.v1.FilingSubmitted",
        "kuayu-event-source": "kuayu.intake",
        "kuayu-event-time": new Date().toISOString(),
        "content-type": "application/x-protobuf",
        traceparent: `00-${crypto.randomBytes(16).toString("hex")}-${crypto.randomBytes(8).toString("hex")}-01`,
      },
    };
  };
  const filing = (i, court, pending) => {
    const id = crypto.randomUUID();
    return {
      _id: id,
      collaboratingCourtId: court,
      jurisdictionCourtId: `j${i % 97}`,
      caseType: "CIVIL_FIRST_INSTANCE",
      summary,
      status: "SUBMITTED",
      submittedAt: new Date(),
      drill: false,
      idempotencyKey: `idem-${crypto.randomBytes(8).toString("hex")}`,
      timeline: [],
      outbox: pending ? [entry(id)] : [],
      outboxPending: pending,
      outboxLeaseUntil: new Date(0),
    };
  };
  const courtOf = (i) => `c${String(i % 40).padStart(4, "0")}`;

  const rounds = [];
  for (let r = 1; r <= CFG.rounds; r++) {
    const col = db.collection(`filings_r${r}`);
    await db.createCollection(col.collectionName);
    // The indexes the intake service declares (withOutbox + filing-repository).
    await col.createIndex({ outboxPending: 1, outboxLeaseUntil: 1 });
    await col.createIndex({ collaboratingCourtId: 1, idempotencyKey: 1 }, { unique: true });

    progress("outbox", `round ${r}/${CFG.rounds}: prefilling ${c.prefill} filings (already relayed)…`);
    const known = []; // [_id, court, idempotencyKey]
    for (let i = 0; i < c.prefill; i += 100) {
      const docs = [];
      for (let j = i; j < Math.min(c.prefill, i + 100); j++) docs.push(filing(j, courtOf(j), false));
      await col.insertMany(docs);
      for (const d of docs) known.push([d._id, d.collaboratingCourtId, d.idempotencyKey]);
    }

    progress("outbox", `round ${r}/${CFG.rounds}: outbox cycle × ${c.cycles} (insert → claim → $pullAll → clear)…`);
    const lat = { insert: [], claim: [], pull: [], clear: [], cycle: [] };
    const checks = { claimMismatch: 0, pullNotModified: 0, clearNotModified: 0, dupNotDetected: 0, findMisses: 0, addToSetNotModified: 0 };
    const cycle = await sequential(c.cycles, async (i) => {
      const n = c.prefill + i;
      const d = filing(n, courtOf(n), true);
      let t = now();
      await col.insertOne(d);
      lat.insert.push(now() - t);
      known.push([d._id, d.collaboratingCourtId, d.idempotencyKey]);

      t = now();
      const at = new Date();
      const doc = await col.findOneAndUpdate(
        { outboxPending: true, outboxLeaseUntil: { $lt: at } },
        { $set: { outboxLeaseUntil: new Date(at.getTime() + 30000) } },
        { returnDocument: "after" }, // no projection: FerretDB has no findAndModify "fields"
      );
      lat.claim.push(now() - t);
      if (!doc || doc._id !== d._id) {
        checks.claimMismatch++;
        if (!doc) return;
      }

      t = now();
      const pulled = await col.updateOne({ _id: doc._id }, { $pullAll: { outbox: doc.outbox }, $set: { outboxLeaseUntil: new Date(0) } });
      lat.pull.push(now() - t);
      if (pulled.modifiedCount !== 1) checks.pullNotModified++;

      t = now();
      const cleared = await col.updateOne({ _id: doc._id, outbox: { $size: 0 } }, { $set: { outboxPending: false } });
      lat.clear.push(now() - t);
      if (cleared.modifiedCount !== 1) checks.clearNotModified++;
    });

    progress("outbox", `round ${r}/${CFG.rounds}: idle claims, $addToSet, find, duplicate key, lookup by unique key…`);
    const idle = await sequential(c.idleClaims, async () => {
      const at = new Date();
      await col.findOneAndUpdate({ outboxPending: true, outboxLeaseUntil: { $lt: at } }, { $set: { outboxLeaseUntil: new Date(at.getTime() + 30000) } }, { returnDocument: "after" });
    });
    const pick = () => known[Math.floor(Math.random() * known.length)];
    const addToSet = await sequential(c.ops, async () => {
      const res = await col.updateOne({ _id: pick()[0] }, { $addToSet: { timeline: { eventId: crypto.randomUUID(), eventType: "kuayu.intake.v1.FilingSubmitted", at: new Date() } } });
      if (res.modifiedCount !== 1) checks.addToSetNotModified++;
    });
    const find = await sequential(c.ops, async () => {
      if (!(await col.findOne({ _id: pick()[0] }, { projection: { outbox: 0 } }))) checks.findMisses++;
    });
    const dup = await sequential(c.ops, async (i) => {
      const [, court, key] = pick();
      const d = filing(i, court, true);
      d.idempotencyKey = key;
      try {
        await col.insertOne(d);
        checks.dupNotDetected++;
      } catch (err) {
        if (err.code !== 11000) throw err;
      }
    });
    const findKey = await sequential(c.ops, async () => {
      const [, court, key] = pick();
      if (!(await col.findOne({ collaboratingCourtId: court, idempotencyKey: key }))) checks.findMisses++;
    });
    const docsInCollection = await col.countDocuments({});
    await col.drop().catch(() => {});

    const cyc = lat.insert.map((_, i) => lat.insert[i] + (lat.claim[i] ?? 0) + (lat.pull[i] ?? 0) + (lat.clear[i] ?? 0));
    const m = {
      cycle_s: cycle.opsPerSec,
      cycle_p50_ms: percentile(cyc, 50),
      cycle_p99_ms: percentile(cyc, 99),
      insert_p50_ms: percentile(lat.insert, 50),
      insert_p99_ms: percentile(lat.insert, 99),
      claim_p50_ms: percentile(lat.claim, 50),
      claim_p99_ms: percentile(lat.claim, 99),
      pull_p50_ms: percentile(lat.pull, 50),
      pull_p99_ms: percentile(lat.pull, 99),
      clear_p50_ms: percentile(lat.clear, 50),
      clear_p99_ms: percentile(lat.clear, 99),
      idle_claim_ops_s: idle.opsPerSec,
      idle_claim_p50_ms: idle.p50,
      addToSet_ops_s: addToSet.opsPerSec,
      addToSet_p50_ms: addToSet.p50,
      addToSet_p99_ms: addToSet.p99,
      find_id_ops_s: find.opsPerSec,
      find_id_p50_ms: find.p50,
      find_id_p99_ms: find.p99,
      dup_ops_s: dup.opsPerSec,
      dup_p50_ms: dup.p50,
      find_key_ops_s: findKey.opsPerSec,
      find_key_p50_ms: findKey.p50,
      counts: { cycles: cycle.ops, idleClaims: idle.ops, addToSet: addToSet.ops, find: find.ops, dup: dup.ops, findKey: findKey.ops, docsInCollection },
      checks,
    };
    const bad = Object.entries(checks).filter(([, v]) => v > 0);
    if (bad.length) progress("outbox", `warning: unexpected results: ${bad.map(([k, v]) => `${k}=${v}`).join(", ")}`);
    progress(
      "outbox",
      `round ${r}/${CFG.rounds}: ${fmt(m.cycle_s)} cycles/s (claim p50 ${fmt(m.claim_p50_ms, "ms")} ms), ` +
        `$addToSet ${fmt(m.addToSet_ops_s)}/s, dup ${fmt(m.dup_ops_s)}/s, ${docsInCollection} docs`,
    );
    rounds.push(m);
  }
  return { config: c, rounds };
}

// ------------------------------------------------------------------ grpc

function requireBuilt(rel) {
  try {
    return require(rel);
  } catch (err) {
    if (err.code === "MODULE_NOT_FOUND") fatal(`${rel} is not built (${err.message.split("\n")[0]}); run \`make build\` first`);
    throw err;
  }
}

async function benchGrpc() {
  const grpc = require("@grpc/grpc-js");
  const { create, toBinary } = require("@bufbuild/protobuf");
  const platform = requireBuilt("../../libs/grpc/dist");
  const { intakeV1 } = requireBuilt("../../libs/proto/dist");
  const auth = requireBuilt("../../libs/auth/dist");
  const { createLogger } = requireBuilt("../../libs/logger/dist");
  const c = CFG.grpc;
  const mark = cleanups.length;

  // Throwaway key pair and token.
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", {
    namedCurve: "P-256",
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const signer = await auth.createSigner(privateKey);
  const verifier = await auth.createVerifier(publicKey);
  const token = await signer.mint({ user: "bench", courtId: "c-bench", roles: ["window-clerk"], province: "11", expiresIn: "1h" });

  const filing = {
    filingId: "f-0000000000000001",
    collaboratingCourtId: "c-bench",
    status: 2,
    details: { caseType: 1, jurisdictionCourtId: "j-bench", claims: "benchmark filing" },
    submittedAt: { seconds: BigInt(Math.floor(Date.now() / 1000)), nanos: 0 },
    timeline: [],
  };
  const reqMsg = { filingId: filing.filingId };
  // The raw service moves payloads of the same sizes as the platform's GetFiling.
  const reqBytes = Buffer.from(toBinary(intakeV1.GetFilingRequestSchema, create(intakeV1.GetFilingRequestSchema, reqMsg)));
  const resBytes = Buffer.from(toBinary(intakeV1.GetFilingResponseSchema, create(intakeV1.GetFilingResponseSchema, { filing })));

  // Raw grpc-js: generic service with Buffer passthrough (de)serializers.
  const id = (b) => b;
  const rawDef = {
    get: {
      path: "/bench.Echo/Get",
      requestStream: false,
      responseStream: false,
      requestSerialize: id,
      requestDeserialize: id,
      responseSerialize: id,
      responseDeserialize: id,
      originalName: "get",
    },
  };
  const rawServer = new grpc.Server();
  rawServer.addService(rawDef, { get: (_call, cb) => cb(null, resBytes) });
  const rawPort = await new Promise((res, rej) => rawServer.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  cleanups.push(() => rawServer.forceShutdown());
  const RawClient = grpc.makeGenericClientConstructor(rawDef, "Echo");
  const rawClient = new RawClient(`127.0.0.1:${rawPort}`, grpc.credentials.createInsecure());
  cleanups.push(() => rawClient.close());
  const rawCall = () => new Promise((res, rej) => rawClient.get(reqBytes, (e, r) => (e ? rej(e) : res(r))));

  // The platform: libs/grpc server (auth, health, reflection, error mapping) and typed client.
  const log = createLogger({ service: "bench", level: "warn" });
  const running = await platform.startServer({
    services: [
      platform.implement(intakeV1.FilingIntakeService, {
        // Only GetFiling is measured; every other method refuses.
        ...Object.fromEntries(intakeV1.FilingIntakeService.methods.map((m) => [m.localName, () => Promise.reject(new Error("not benchmarked"))])),
        getFiling: async (req) => ({ filing: { ...filing, filingId: req.filingId } }),
      }),
    ],
    verifier,
    log,
    host: "127.0.0.1",
    port: 0,
  });
  cleanups.push(() => running.server.forceShutdown());
  const client = platform.createClient(intakeV1.FilingIntakeService, `127.0.0.1:${running.port}`, { token, timeoutMs: 10000 });
  cleanups.push(() => client.close());
  const platformCall = () => client.getFiling(reqMsg);

  progress("grpc", `warm-up (${c.warmup} calls each)…`);
  await concurrent(c.warmup, c.concurrency, rawCall);
  await concurrent(c.warmup, c.concurrency, platformCall);
  const check = await client.getFiling(reqMsg);
  if (check.filing?.filingId !== filing.filingId) throw new Error("platform GetFiling returned an unexpected response");

  const rounds = [];
  for (let r = 1; r <= CFG.rounds; r++) {
    progress("grpc", `round ${r}/${CFG.rounds}: ${c.calls} calls, ${c.concurrency} in flight, raw then platform…`);
    const raw = await concurrent(c.calls, c.concurrency, rawCall);
    const plat = await concurrent(c.calls, c.concurrency, platformCall);
    progress("grpc", `round ${r}/${CFG.rounds}: sequential latency (${c.seqCalls} calls each)…`);
    const rawSeq = await sequential(c.seqCalls, rawCall);
    const platSeq = await sequential(c.seqCalls, platformCall);
    // Distinct tokens: every verify is a real ES256 check (libs/auth caches verified tokens).
    const fresh = [];
    for (let i = 0; i < c.jwtVerifies; i++) {
      fresh.push(await signer.mint({ user: `bench-${r}-${i}`, courtId: "c-bench", roles: ["window-clerk"], province: "11", expiresIn: "1h" }));
    }
    const jwtCold = await sequential(fresh.length, (i) => verifier.verify(fresh[i]));
    const jwt = await sequential(c.jwtVerifies, () => verifier.verify(token));
    const m = {
      raw_calls_s: raw.opsPerSec,
      platform_calls_s: plat.opsPerSec,
      raw_p50_ms: rawSeq.p50,
      raw_p99_ms: rawSeq.p99,
      platform_p50_ms: platSeq.p50,
      platform_p99_ms: platSeq.p99,
      jwt_cold_ops_s: jwtCold.opsPerSec,
      jwt_cached_ops_s: jwt.opsPerSec,
      counts: { raw: raw.ops, platform: plat.ops, rawSeq: rawSeq.ops, platformSeq: platSeq.ops, jwtCold: jwtCold.ops, jwtCached: jwt.ops },
    };
    progress(
      "grpc",
      `round ${r}/${CFG.rounds}: raw ${fmt(m.raw_calls_s)} calls/s, platform ${fmt(m.platform_calls_s)} calls/s ` + `(p50 ${fmt(m.raw_p50_ms, "ms")} vs ${fmt(m.platform_p50_ms, "ms")} ms)`,
    );
    rounds.push(m);
  }
  await runSectionCleanups(mark);
  return { payloadBytes: { request: reqBytes.length, response: resBytes.length }, config: c, rounds };
}

// ------------------------------------------------------------------ report

function medians(rounds, rows) {
  const out = {};
  for (const [key] of rows) out[key] = median(rounds.map((r) => r[key]));
  // Extra numeric fields not in the table (e.g. p99 of outbox sub-steps).
  for (const k of Object.keys(rounds[0] || {})) {
    if (!(k in out) && typeof rounds[0][k] === "number") out[k] = median(rounds.map((r) => r[k]));
  }
  return out;
}

function table(title, rows, med, rounds) {
  const lines = [];
  const head = ["metric", "median", "unit", `rounds (${rounds.length})`];
  const body = rows.map(([key, label, unit]) => [
    label,
    fmt(med[key], unit === "ms" ? "ms" : unit === "x" ? "x" : ""),
    unit,
    rounds.map((r) => fmt(r[key], unit === "ms" ? "ms" : unit === "x" ? "x" : "")).join(" / "),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 1 ? c.padStart(w[i]) : c.padEnd(w[i]))).join("  ");
  lines.push(`\n${title}`);
  lines.push(line(head));
  lines.push(w.map((n) => "-".repeat(n)).join("  "));
  for (const b of body) lines.push(line(b));
  return lines.join("\n");
}

// ------------------------------------------------------------------ main

async function main() {
  const started = new Date();
  const t0 = now();
  const sections = SECTIONS.filter((s) => opts.only.includes(s));
  const needKafka = sections.includes("kafka");
  const needStore = sections.includes("store") || sections.includes("outbox");

  let git;
  try {
    const run = (...a) =>
      require("node:child_process")
        .execFileSync("git", ["-C", ROOT, ...a], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
        .trim();
    git = { commit: run("rev-parse", "--short", "HEAD"), dirty: run("status", "--porcelain", "--untracked-files=no") !== "" };
  } catch {
    git = undefined;
  }
  const machine = {
    nproc: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
    cpu: os.cpus()[0]?.model ?? "unknown",
    memTotalGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    hostname: os.hostname(),
  };
  process.stderr.write(
    `baseline: ${sections.join(", ")} · ${CFG.rounds} round(s), median reported · ${Q ? "quick" : "full"} · ` + `${machine.nproc} CPU, ${machine.memTotalGiB} GiB, node ${machine.node}\n`,
  );

  if (needKafka) await preflightKafka();
  let store;
  let storeInfo;
  const dbName = `bench_${rand}`;
  if (needStore) {
    store = await connectStore();
    cleanups.push(() => store.close());
    const bi = await store
      .db("admin")
      .command({ buildInfo: 1 })
      .catch(() => ({}));
    storeInfo = { uri: CFG.store.uri, version: bi.version, ferretdbVersion: bi.ferretdbVersion, db: dbName };
    cleanups.push(() => store.db(dbName).dropDatabase());
  }

  const results = {};
  const out = [];
  for (const s of sections) {
    let res;
    if (s === "kafka") res = await benchKafka();
    if (s === "store") res = await benchStore(store, dbName);
    if (s === "outbox") res = await benchOutbox(store, dbName);
    if (s === "grpc") res = await benchGrpc();
    res.median = medians(res.rounds, ROWS[s]);
    results[s] = res;
  }
  await runCleanups();

  if (results.grpc) {
    const m = results.grpc.median;
    m.platform_vs_raw_throughput = m.platform_calls_s / m.raw_calls_s;
    m.platform_vs_raw_p50 = m.platform_p50_ms / m.raw_p50_ms;
  }

  const header =
    `Kuayu baseline — ${started.toISOString()} — ${machine.nproc} CPU (${machine.cpu}), ${machine.memTotalGiB} GiB, node ${machine.node}` +
    (opts.label ? ` — ${opts.label}` : "") +
    (git ? ` — git ${git.commit}${git.dirty ? "+dirty" : ""}` : "") +
    `\nmedian of ${CFG.rounds} round(s)${Q ? " (--quick)" : ""}; Kafka ${CFG.kafka.brokers.join(",")}` +
    (storeInfo ? `; store ${CFG.store.uri} (${storeInfo.ferretdbVersion ? `FerretDB ${storeInfo.ferretdbVersion}` : `MongoDB ${storeInfo.version}`})` : "");
  out.push(header);
  const titles = {
    kafka: `Kafka (kafkajs, topic with ${CFG.kafka.partitions} partitions, ${CFG.kafka.messages} msgs/round)`,
    store: `Store (mongodb driver; ${CFG.store.seqOps} sequential ops on ${CFG.store.seqOps} docs, ${CFG.store.insertManyDocs} docs via insertMany per round)`,
    outbox: `Store, services' access pattern (${CFG.outbox.prefill} prefilled filings, ${CFG.outbox.cycles} cycles per round)`,
    grpc: `gRPC unary, in-process server on 127.0.0.1 (${CFG.grpc.calls} calls/round)`,
  };
  for (const s of sections) out.push(table(titles[s], ROWS[s], results[s].median, results[s].rounds));
  if (results.grpc) {
    const m = results.grpc.median;
    out.push(`platform/raw: throughput ×${fmt(m.platform_vs_raw_throughput, "x")}, sequential p50 latency ×${fmt(m.platform_vs_raw_p50, "x")}`);
  }
  for (const s of ["store", "outbox"]) {
    if (!results[s]) continue;
    const sum = {};
    for (const r of results[s].rounds) for (const [k, v] of Object.entries(r.checks)) sum[k] = (sum[k] || 0) + v;
    const bad = Object.entries(sum).filter(([, v]) => v > 0);
    if (bad.length) out.push(`WARNING (${s}): unexpected results: ${bad.map(([k, v]) => `${k}=${v}`).join(", ")}`);
  }
  const elapsedS = (now() - t0) / 1000;
  out.push(`\ntotal ${elapsedS.toFixed(0)} s`);

  const outDir = opts.out ? path.resolve(opts.out) : path.join(ROOT, "bench-results");
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `baseline-${started.toISOString().replace(/[:.]/g, "-")}.json`);
  const json = {
    startedAt: started.toISOString(),
    elapsedSeconds: +elapsedS.toFixed(1),
    command: ["node", path.relative(ROOT, __filename) || __filename, ...process.argv.slice(2)].join(" "),
    label: opts.label || undefined,
    quick: Q,
    rounds: CFG.rounds,
    maxSecondsPerLoop: CFG.maxMs / 1000,
    maxSecondsPerThroughputLoop: CFG.maxBulkMs / 1000,
    machine,
    git,
    kafka: needKafka ? { brokers: CFG.kafka.brokers } : undefined,
    store: storeInfo,
    results,
  };
  fs.writeFileSync(file, JSON.stringify(json, (_k, v) => (typeof v === "bigint" ? String(v) : v), 2) + "\n");
  out.push(`results: ${path.relative(process.cwd(), file) || file}`);
  process.stdout.write(out.join("\n") + "\n");
}

main().then(
  () => process.exit(0),
  async (err) => {
    if (interrupted) return; // the signal handler cleans up and exits
    process.stderr.write(`baseline: error: ${err && err.stack ? err.stack : err}\n`);
    await runCleanups();
    process.exit(1);
  },
);
