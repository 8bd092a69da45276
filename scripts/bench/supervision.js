#!/usr/bin/env node
// Supervision benchmark:
//   ingest    lifecycle events (routed + acknowledged) through Kafka into the ledger and counters:
//             events per second, next to raw Kafka consumption and raw store inserts in the same run
//   queries   indicator queries with N filings (default 1,000,000) in the ledger, spread over a year
//             and the directory's jurisdiction courts: national / one province / one court, for a
//             day, a month and a year; p50/p99 of 20 runs each
// The large ledger and its counters are written straight into the store (as ingestion would have
// left them) — ingesting a million filings through Kafka would take hours on this machine.
//
// Usage (repo root, after `source scripts/env.sh`, `make build`, `scripts/infra/infra.sh up`):
//   node scripts/bench/supervision.js [--quick] [--filings N] [--events N] [--out DIR]
"use strict";

const { sasl, kafkaEnv } = require("./kafka-auth.js");
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const { performance } = require("node:perf_hooks");

process.removeAllListeners("warning");
process.on("warning", (w) => {
  if (w.name !== "TimeoutNegativeWarning") process.stderr.write(`${w.name}: ${w.message}\n`);
});

const ROOT = path.resolve(__dirname, "../..");
const args = process.argv.slice(2);
const arg = (n) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : undefined);
const quick = args.includes("--quick");
const CFG = {
  filings: Number(arg("filings") ?? (quick ? 20_000 : 1_000_000)),
  events: Number(arg("events") ?? (quick ? 400 : 2_000)),
  out: arg("out") ?? path.join(ROOT, "bench-results"),
  brokers: (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(","),
  mongoUri: process.env.MONGO_URI ?? "mongodb://127.0.0.1:27017",
};
const fail = (m) => {
  process.stderr.write(`bench/supervision: ${m}\n`);
  process.exit(2);
};
if (!(CFG.filings > 0 && CFG.events > 0)) fail("--filings and --events need positive numbers");
const built = (rel) => {
  try {
    return require(path.join(ROOT, rel));
  } catch (err) {
    if (err.code === "MODULE_NOT_FOUND") fail(`${rel} is not built; run \`make build\` first`);
    throw err;
  }
};
const progress = (m) => process.stderr.write(`bench/supervision: ${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (v, p) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] : NaN;
};

async function main() {
  const { MongoClient } = require("mongodb");
  const { Kafka, logLevel } = require("kafkajs");
  const { timestampFromDate } = require("@bufbuild/protobuf/wkt");
  const { createSigner } = built("libs/auth/dist");
  const { createClient } = built("libs/grpc/dist");
  const { createLogger } = built("libs/logger/dist");
  const { createKafka, createProducer } = built("libs/kafka/dist");
  const { loadDirectory } = built("libs/directory/dist");
  const { supervisionV1, commonV1 } = built("libs/proto/dist");
  const { lifecycleTopic, topicsOfFiling } = built("libs/topics/dist");
  const { startApp } = built("services/supervision/dist/app.js");
  const { readConfig } = built("services/supervision/dist/config.js");

  const mongo = new MongoClient(CFG.mongoUri);
  await mongo.connect().catch((e) => fail(`store unreachable: ${e.message}`));
  const tag = crypto.randomBytes(3).toString("hex");
  const dbName = `bench_supervision_${tag}`;
  const db = mongo.db(dbName);
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256", privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
  const log = createLogger({ service: "bench", level: "error" });
  const app = await startApp(
    readConfig({
      GRPC_PORT: "0",
      GRPC_HOST: "127.0.0.1",
      HTTP_PORT: "0",
      HTTP_HOST: "127.0.0.1",
      KAFKA_BROKERS: CFG.brokers.join(","),
      ...kafkaEnv(),
      MONGO_URI: CFG.mongoUri,
      MONGO_DB: dbName,
      KAFKA_GROUP_ID: `bench-supervision-${tag}`,
      KAFKA_FROM_BEGINNING: "false",
      JWT_PUBLIC_KEY: publicKey,
      LOG_LEVEL: "error",
      NOTICE_TIME: "off",
    }),
    log,
    (e) => fail(`supervision failed: ${e.message}`),
  );
  const signer = await createSigner(privateKey);
  const client = createClient(supervisionV1.SupervisionService, `127.0.0.1:${app.grpcPort}`, {
    token: await signer.mint({ user: "bench", courtId: "c-spc", roles: ["supervisor"], province: "00", expiresIn: "2h" }),
    timeoutMs: 600_000,
  });
  const cleanup = async () => {
    client.close();
    await app.stop();
    await db.dropDatabase().catch(() => undefined);
    await mongo.close();
  };

  // ---- ingest -----------------------------------------------------------------------------------
  progress(`ingest: ${CFG.events} filings (routed + acknowledged = ${2 * CFG.events} events)…`);
  const events = await createProducer(createKafka({ brokers: CFG.brokers, sasl: sasl(), clientId: "bench-sup", log }), "kuayu.routing");
  const ids = Array.from({ length: CFG.events }, () => crypto.randomUUID());
  const t0 = performance.now();
  for (let i = 0; i < ids.length; i += 100) {
    await Promise.all(
      ids.slice(i, i + 100).map(async (id) => {
        const base = { filingId: id, collaboratingCourtId: "t-440103001", jurisdictionCourtId: "c-110105", round: 1, drill: false };
        const now = new Date();
        // A Guangdong window's filing for a Beijing court: each event on both provinces' topics, one
        // event id on both, as the services publish it (supervision counts Beijing's copy).
        const publish = async (event) => {
          const eventId = crypto.randomUUID();
          for (const topic of topicsOfFiling("44", "11")) await events.publish(topic, id, { event }, { id: eventId });
        };
        await publish({
          case: "filingRouted",
          value: { ...base, province: "11", caseType: commonV1.CaseType.ENFORCEMENT, routedAt: timestampFromDate(now), responseDue: timestampFromDate(new Date(now.getTime() + 1800_000)) },
        });
        await publish({ case: "acknowledged", value: base });
      }),
    );
  }
  const ledger = db.collection("ledger");
  while ((await ledger.countDocuments({ respondedAt: { $exists: true } })) < CFG.events && performance.now() - t0 < 900_000) await sleep(500);
  const ingestSeconds = (performance.now() - t0) / 1000;
  const ingestRate = (2 * CFG.events) / ingestSeconds;
  await events.disconnect();
  progress(`ingest: ${ingestRate.toFixed(1)} events/s`);

  // Baselines in the same run: raw consumption of the same records (Beijing's copies), raw store inserts.
  const raw = new Kafka({ clientId: "bench-raw", brokers: CFG.brokers, sasl: sasl(), logLevel: logLevel.NOTHING });
  const consumer = raw.consumer({ groupId: `bench-sup-raw-${tag}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [lifecycleTopic("11").name], fromBeginning: true });
  let seen = 0;
  const wanted = new Set(ids);
  let rawStart = 0;
  let rawEnd = 0;
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (!rawStart) rawStart = performance.now();
      if (wanted.has(message.key.toString())) {
        seen++;
        rawEnd = performance.now();
      }
    },
  });
  const rawUntil = performance.now() + 300_000;
  while (seen < 2 * CFG.events && performance.now() < rawUntil) await sleep(200);
  await consumer.disconnect();
  const rawKafkaRate = seen / ((rawEnd - rawStart) / 1000);
  const scratch = db.collection("raw_inserts");
  const r0 = performance.now();
  for (let i = 0; i < 2000; i++) await scratch.insertOne({ _id: `r${i}`, a: i, b: "x".repeat(400) });
  const rawInsertRate = 2000 / ((performance.now() - r0) / 1000);

  // ---- a large ledger ---------------------------------------------------------------------------
  const dir = loadDirectory();
  const courts = dir.courts.filter((c) => c.roles.includes("jurisdiction"));
  const days = Array.from({ length: 365 }, (_, i) => new Date(Date.UTC(2024, 5, 1) + i * 86_400_000).toISOString().slice(0, 10));
  progress(`seeding ${CFG.filings.toLocaleString()} ledger entries and their counters over ${days.length} days and ${courts.length} courts…`);
  const counters = new Map();
  const bump = (id, delta) => {
    const c = counters.get(id) ?? {};
    for (const [k, v] of Object.entries(delta)) c[k] = (c[k] ?? 0) + v;
    counters.set(id, c);
  };
  // mulberry32: a small seeded generator (the same seed gives the same ledger).
  let seed = 42;
  const next = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const s0 = performance.now();
  for (let i = 0; i < CFG.filings; i += 5000) {
    const batch = [];
    for (let j = i; j < Math.min(CFG.filings, i + 5000); j++) {
      const court = courts[Math.floor(next() * courts.length)];
      const day = days[Math.floor(next() * days.length)];
      const minutes = Math.floor(next() * 60);
      const arrivedAt = new Date(`${day}T02:00:00Z`);
      batch.push({
        _id: `seed-${j}`,
        filingId: `seed-${j}`,
        jurisdictionCourtId: court.id,
        collaboratingCourtId: "t-440103001",
        province: court.province,
        caseType: "civil-first-instance",
        drill: false,
        arrivedAt,
        day,
        respondedAt: new Date(arrivedAt.getTime() + minutes * 60_000),
        responseWorkingMinutes: minutes,
        decidedAt: arrivedAt,
        decision: "accepted",
        corrections: 0,
        counted: ["arrival", "response", "decision"],
        open: false,
      });
      const delta = { filings: 1, responded: 1, within30: minutes <= 30 ? 1 : 0, within5: minutes <= 5 ? 1 : 0, responseMinutesSum: minutes, decided: 1, decidedInTime: 1, accepted: 1 };
      // The national figures are the provinces' added up: no national documents.
      for (const [level, id] of [
        ["court", court.id],
        ["province", court.province],
      ])
        bump(`${level}|real:${id}:${day.slice(0, 7)}|${day.slice(8, 10)}`, delta);
    }
    await ledger.insertMany(batch, { ordered: false });
    if ((i / 5000) % 20 === 0) progress(`  ${(i + batch.length).toLocaleString()} entries (${((performance.now() - s0) / 1000).toFixed(0)} s)`);
  }
  // Month documents per level, as the service writes them.
  const byDoc = new Map();
  for (const [key, c] of counters) {
    const [level, _id, dd] = key.split("|");
    const k = `${level}|${_id}`;
    const doc = byDoc.get(k) ?? { level, doc: { _id, days: {} } };
    doc.doc.days[dd] = { all: c, t: { "civil-first-instance": c } };
    byDoc.set(k, doc);
  }
  const docs = [...byDoc.values()];
  for (const level of ["province", "court"]) {
    const mine = docs.filter((d) => d.level === level).map((d) => d.doc);
    for (let i = 0; i < mine.length; i += 2000) await db.collection(`counters_${level}`).insertMany(mine.slice(i, i + 2000), { ordered: false });
  }
  progress(`seeded in ${((performance.now() - s0) / 1000).toFixed(0)} s: ${CFG.filings.toLocaleString()} entries, ${docs.length.toLocaleString()} counter documents`);

  // ---- queries ----------------------------------------------------------------------------------
  const court = courts.find((c) => c.id === "c-110105") ?? courts[0];
  const cases = [
    ["national, 1 day", { level: supervisionV1.ScopeLevel.NATIONAL, id: "" }, days[100], days[100]],
    ["national, 1 month", { level: supervisionV1.ScopeLevel.NATIONAL, id: "" }, days[100], days[129]],
    ["national, 1 year", { level: supervisionV1.ScopeLevel.NATIONAL, id: "" }, days[0], days[364]],
    ["province 44, 1 year", { level: supervisionV1.ScopeLevel.PROVINCE, id: "44" }, days[0], days[364]],
    [`court ${court.id}, 1 year`, { level: supervisionV1.ScopeLevel.COURT, id: court.id }, days[0], days[364]],
  ];
  const rows = [];
  let check;
  for (const [name, scope, from, to] of cases) {
    const lat = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      const res = await client.getIndicators({ scope, fromDate: from, toDate: to });
      lat.push(performance.now() - t);
      if (name === "national, 1 year") check = Number(res.indicators.filings);
    }
    rows.push({ name, p50: pct(lat, 50), p99: pct(lat, 99) });
    progress(`  ${name}: p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms`);
  }
  await cleanup();

  const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "—");
  const out = [
    `| supervision ingest (${CFG.events} filings, ${2 * CFG.events} events) | per second |`,
    "|---|---|",
    `| raw Kafka consumption of the same records | ${f(rawKafkaRate, 0)} records/s |`,
    `| raw store insertOne (sequential) | ${f(rawInsertRate, 0)} docs/s |`,
    `| **events ingested into ledger + counters** | **${f(ingestRate)} events/s** |`,
    "",
    `| indicator query, ${CFG.filings.toLocaleString()} filings in the ledger (${docs.length.toLocaleString()} month counter documents), 20 runs | p50 ms | p99 ms |`,
    "|---|---|---|",
    ...rows.map((r) => `| ${r.name} | ${f(r.p50)} | ${f(r.p99)} |`),
    "",
    `Check: the national one-year query counted ${check?.toLocaleString()} filings (expected ${CFG.filings.toLocaleString()}).`,
    "",
  ];
  process.stdout.write(out.join("\n"));
  fs.mkdirSync(CFG.out, { recursive: true });
  const file = path.join(CFG.out, `supervision-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  fs.writeFileSync(file, JSON.stringify({ config: CFG, ingestRate, rawKafkaRate, rawInsertRate, queries: rows, counterDocs: docs.length }, null, 2));
  progress(`results in ${path.relative(ROOT, file)}`);
}

main().catch((err) => {
  process.stderr.write(`bench/supervision: ${err.stack ?? err}\n`);
  process.exit(1);
});
