#!/usr/bin/env node
// Flow benchmark: a submitted filing until it is visible in the jurisdiction court's inbox.
//   window    SubmitFiling at the window (intake gRPC, which asks routing for the route) → outbox →
//             Kafka → decision inbox, at a steady 20 filings/s (drafts with four 2 KiB materials
//             are prepared first, untimed)
//   ramp      `filing routed` events published straight to the lifecycle topics (Guangdong's and
//             Beijing's, as intake does) at rising rates (no materials), through decision: the
//             highest rate that holds
//   baseline  raw kafkajs at the same rates: produce → consume latency on a topic of its own
// Visibility is taken from the decision service's WatchInbox stream (it is nudged by the insert).
//
// Usage (repo root, after `source scripts/env.sh`, `make build`, `scripts/infra/infra.sh up`):
//   node scripts/bench/flow.js [--quick] [--rates 20,40,80,160] [--seconds S] [--out DIR]
// Environment: KAFKA_BROKERS (127.0.0.1:9092), MONGO_URI (mongodb://127.0.0.1:27017).
// Services run in this process from their built dist/, on databases bench_flow_<hex> (removed at the end).
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
const arg = (name) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
const fail = (msg) => {
  process.stderr.write(`bench/flow: ${msg}\n`);
  process.exit(2);
};
if (args.includes("--help")) {
  process.stdout.write("usage: node scripts/bench/flow.js [--quick] [--rates 20,40,80,160] [--seconds S] [--out DIR]\n");
  process.exit(0);
}
const quick = args.includes("--quick");
const CFG = {
  steadyRate: 20,
  seconds: Number(arg("seconds") ?? (quick ? 3 : 10)),
  rates: (arg("rates") ?? (quick ? "20,80" : "20,40,80,160,320")).split(",").map(Number),
  out: arg("out") ?? path.join(ROOT, "bench-results"),
  brokers: (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(","),
  mongoUri: process.env.MONGO_URI ?? "mongodb://127.0.0.1:27017",
};
if (!(CFG.seconds > 0) || CFG.rates.some((r) => !(r > 0))) fail("--seconds and --rates need positive numbers");

const built = (rel) => {
  try {
    return require(path.join(ROOT, rel));
  } catch (err) {
    if (err.code === "MODULE_NOT_FOUND") fail(`${rel} is not built; run \`make build\` first`);
    throw err;
  }
};
const progress = (msg) => process.stderr.write(`bench/flow: ${msg}\n`);
const pct = (v, p) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] : NaN;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Calls send(i) at `rate` per second for `seconds`; resolves with the send times by index. */
async function paced(rate, seconds, send) {
  const n = Math.round(rate * seconds);
  const sent = new Array(n);
  const start = performance.now();
  const inflight = [];
  for (let i = 0; i < n; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    sent[i] = performance.now();
    inflight.push(send(i));
  }
  await Promise.all(inflight);
  return { n, sent, sendSeconds: (performance.now() - start) / 1000 };
}

/** Waits until every key arrived (or the time is up); latencies in ms for those that did. */
async function collect(keys, sentAt, arrivals, timeoutMs) {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until && keys.some((k) => !arrivals.has(k))) await sleep(20);
  const lat = keys.filter((k) => arrivals.has(k)).map((k) => arrivals.get(k) - sentAt.get(k));
  return { arrived: lat.length, p50: pct(lat, 50), p99: pct(lat, 99), max: Math.max(...lat) };
}

async function main() {
  const { Kafka, logLevel } = require("kafkajs");
  const { MongoClient } = require("mongodb");
  const { createSigner } = built("libs/auth/dist");
  const { createClient } = built("libs/grpc/dist");
  const { createLogger } = built("libs/logger/dist");
  const { createKafka, createProducer } = built("libs/kafka/dist");
  const { intakeV1, commonV1, decisionV1 } = built("libs/proto/dist");
  const { topicsOfFiling } = built("libs/topics/dist");
  const { routedEnforcement } = built("libs/testkit/dist");
  const apps = Object.fromEntries(["routing", "intake", "decision"].map((s) => [s, { app: built(`services/${s}/dist/app.js`), config: built(`services/${s}/dist/config.js`) }]));

  const mongo = new MongoClient(CFG.mongoUri, { serverSelectionTimeoutMS: 3000 });
  await mongo.connect().catch((err) => fail(`the store is not reachable at ${CFG.mongoUri} (${err.message})`));
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", {
    namedCurve: "P-256",
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const log = createLogger({ service: "bench", level: "error" });
  const tag = crypto.randomBytes(3).toString("hex");
  const dbs = [`bench_flow_intake_${tag}`, `bench_flow_decision_${tag}`];
  // One window court and one jurisdiction court drive every call: no per-court call limit.
  const base = {
    GRPC_CALLS_PER_COURT_PER_SECOND: "0",
    GRPC_PORT: "0",
    GRPC_HOST: "127.0.0.1",
    KAFKA_BROKERS: CFG.brokers.join(","),
    ...kafkaEnv(),
    MONGO_URI: CFG.mongoUri,
    JWT_PUBLIC_KEY: publicKey,
    LOG_LEVEL: "error",
    KAFKA_FROM_BEGINNING: "false",
  };
  const onFatal = (err) => fail(`a service failed: ${err.message}`);
  progress("starting routing, intake and decision (in this process)…");
  const routing = await apps.routing.app.startApp(apps.routing.config.readConfig(base), log, onFatal);
  const intake = await apps.intake.app.startApp(
    apps.intake.config.readConfig({ ...base, MONGO_DB: dbs[0], KAFKA_GROUP_ID: `bench-intake-${tag}`, ROUTING_ADDR: `127.0.0.1:${routing.grpcPort}` }),
    log,
    onFatal,
  );
  const decision = await apps.decision.app.startApp(
    apps.decision.config.readConfig({
      ...base,
      MONGO_DB: dbs[1],
      KAFKA_GROUP_ID: `bench-decision-${tag}`,
      JWT_PRIVATE_KEY: privateKey,
      INTAKE_ADDRS: `*=127.0.0.1:${intake.grpcPort}`,
      WATCH_POLL_MS: "100",
    }),
    log,
    onFatal,
  );
  const signer = await createSigner(privateKey);
  const window = createClient(intakeV1.FilingIntakeService, `127.0.0.1:${intake.grpcPort}`, {
    token: await signer.mint({ user: "bench", courtId: "t-440103001", roles: ["court-system"], province: "44", expiresIn: "2h" }),
    timeoutMs: 60_000,
  });
  const inbox = createClient(decisionV1.JurisdictionDecisionService, `127.0.0.1:${decision.grpcPort}`, {
    token: await signer.mint({ user: "bench", courtId: "c-110105", roles: ["court-system"], province: "11", expiresIn: "2h" }),
    timeoutMs: 3_600_000,
  });
  // Arrival times, by filing id, from the court's watch stream.
  const arrivals = new Map();
  const watching = (async () => {
    try {
      for await (const res of inbox.watchInbox({})) if (!arrivals.has(res.filing.filingId)) arrivals.set(res.filing.filingId, performance.now());
    } catch {
      // ends at shutdown
    }
  })();
  const kafka = createKafka({ brokers: CFG.brokers, sasl: sasl(), clientId: "bench-flow", log });
  const windowEvents = await createProducer(kafka, "kuayu.intake");

  const cleanup = async () => {
    window.close();
    inbox.close();
    await windowEvents.disconnect();
    for (const a of [decision, intake, routing]) await a.stop();
    await watching;
    for (const db of dbs)
      await mongo
        .db(db)
        .dropDatabase()
        .catch(() => undefined);
    await mongo.close();
  };
  process.once("SIGINT", () => void cleanup().finally(() => process.exit(130)));
  await sleep(1500); // the watch stream is open

  // ---- 1. the window, at a steady 20 filings/s --------------------------------------------------
  const details = {
    caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE,
    parties: [
      { role: intakeV1.PartyRole.PLAINTIFF, identity: { case: "person", value: { name: "张三", residentId: "11010519491231002X" } }, address: "广东省广州市荔湾区" },
      { role: intakeV1.PartyRole.DEFENDANT, identity: { case: "organization", value: { name: "北京某公司", creditCode: "91350100M000100Y43" } }, address: "北京市朝阳区" },
    ],
    claims: "支付货款",
    facts: "未付货款",
    jurisdictionCourtId: "c-110105",
    jurisdictionSource: intakeV1.JurisdictionSource.CLERK,
    drill: true,
  };
  const pdf = Buffer.concat([Buffer.from("%PDF-1.7\n"), crypto.randomBytes(2048 - 9)]);
  const kinds = ["complaint", "filer-identity", "evidence", "address-for-service-confirmation"];
  const steadyN = Math.round(CFG.steadyRate * CFG.seconds);
  progress(`preparing ${steadyN} drafts with ${kinds.length} materials each (untimed)…`);
  const drafts = [];
  for (let i = 0; i < steadyN; i += 10) {
    drafts.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(10, steadyN - i) }, async () => {
          const { filing } = await window.createDraft({ details });
          for (const kind of kinds) {
            await window.uploadMaterial([{ part: { case: "header", value: { filingId: filing.filingId, kind, fileName: `${kind}.pdf` } } }, { part: { case: "chunk", value: pdf } }]);
          }
          return filing.filingId;
        }),
      )),
    );
  }
  progress(`window: submitting ${steadyN} filings at ${CFG.steadyRate}/s…`);
  const sentAt = new Map();
  const submitLat = [];
  await paced(CFG.steadyRate, CFG.seconds, async (i) => {
    const id = drafts[i];
    const t = performance.now();
    sentAt.set(id, t);
    await window.submitFiling({ filingId: id, idempotencyKey: `bench-${id}` });
    submitLat.push(performance.now() - t);
  });
  const steady = await collect(drafts, sentAt, arrivals, 60_000);
  steady.submitP50 = pct(submitLat, 50);
  steady.submitP99 = pct(submitLat, 99);
  progress(`window @${CFG.steadyRate}/s: ${steady.arrived}/${steadyN} in the inbox, p50 ${steady.p50.toFixed(0)} ms, p99 ${steady.p99.toFixed(0)} ms`);

  // ---- 2. raw broker and routing + decision at rising rates -------------------------------------
  const raw = new Kafka({ clientId: "bench-raw", brokers: CFG.brokers, sasl: sasl(), logLevel: logLevel.NOTHING });
  const rawTopic = `bench-flow-${tag}`;
  const admin = raw.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: rawTopic, numPartitions: 12 }], waitForLeaders: true });
  const rawProducer = raw.producer({ idempotent: true, maxInFlightRequests: 1 });
  await rawProducer.connect();
  const rawConsumer = raw.consumer({ groupId: `bench-flow-raw-${tag}` });
  const rawArrivals = new Map();
  await rawConsumer.connect();
  await rawConsumer.subscribe({ topic: rawTopic, fromBeginning: true });
  await rawConsumer.run({ eachMessage: async ({ message }) => void rawArrivals.set(message.key.toString(), performance.now()) });
  await sleep(3000);

  const ramp = [];
  for (const rate of CFG.rates) {
    progress(`raw broker at ${rate}/s for ${CFG.seconds} s…`);
    const rawKeys = [];
    const rawSent = new Map();
    await paced(rate, CFG.seconds, async (i) => {
      const key = `${rate}-${i}-${tag}`;
      rawKeys.push(key);
      rawSent.set(key, performance.now());
      await rawProducer.send({ topic: rawTopic, acks: -1, messages: [{ key, value: crypto.randomBytes(1024) }] });
    });
    const rawRes = await collect(rawKeys, rawSent, rawArrivals, 30_000);

    progress(`decision at ${rate}/s for ${CFG.seconds} s…`);
    const ids = [];
    const sent = new Map();
    const run = await paced(rate, CFG.seconds, async () => {
      const id = crypto.randomUUID();
      ids.push(id);
      sent.set(id, performance.now());
      await windowEvents.publish(topicsOfFiling("44", "11"), id, { event: routedEnforcement(id) });
    });
    const res = await collect(ids, sent, arrivals, 60_000);
    const row = { rate, achievedRate: run.n / run.sendSeconds, raw: rawRes, flow: res, n: run.n };
    ramp.push(row);
    progress(`  raw p50 ${rawRes.p50.toFixed(1)} / p99 ${rawRes.p99.toFixed(1)} ms; flow ${res.arrived}/${run.n}, p50 ${res.p50.toFixed(0)} / p99 ${res.p99.toFixed(0)} ms`);
    if (res.arrived < run.n) break;
  }
  await rawConsumer.disconnect();
  await rawProducer.disconnect();
  await admin.deleteTopics({ topics: [rawTopic] }).catch(() => undefined);
  await admin.disconnect();
  await cleanup();

  // "Holds": every filing arrived and p99 stays within 3× the p99 at the lowest rate.
  const floor = ramp[0]?.flow.p99 ?? NaN;
  const held = ramp.filter((r) => r.flow.arrived === r.n && r.flow.p99 <= 3 * floor);
  const sustained = held.length ? held[held.length - 1].rate : 0;
  const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "—");
  const lines = [
    `| window → inbox, ${steadyN} filings at ${CFG.steadyRate}/s | p50 ms | p99 ms |`,
    "|---|---|---|",
    `| SubmitFiling call | ${f(steady.submitP50)} | ${f(steady.submitP99)} |`,
    `| submit → visible in the inbox (route check, intake outbox, Kafka, decision) | ${f(steady.p50)} | ${f(steady.p99)} |`,
    "",
    `| rate (filings/s, ${CFG.seconds} s each) | raw broker p50 / p99 ms | decision p50 / p99 ms | arrived |`,
    "|---|---|---|---|",
    ...ramp.map((r) => `| ${r.rate} | ${f(r.raw.p50, 1)} / ${f(r.raw.p99, 1)} | ${f(r.flow.p50)} / ${f(r.flow.p99)} | ${r.flow.arrived}/${r.n} |`),
    "",
    `Highest rate that held (all arrived, p99 ≤ 3× the p99 at ${CFG.rates[0]}/s): ${sustained} filings/s`,
    "",
  ];
  process.stdout.write(lines.join("\n"));
  fs.mkdirSync(CFG.out, { recursive: true });
  const file = path.join(CFG.out, `flow-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  fs.writeFileSync(file, JSON.stringify({ config: CFG, steady, ramp, sustained }, null, 2));
  progress(`results in ${path.relative(ROOT, file)}`);
}

main().catch((err) => {
  process.stderr.write(`bench/flow: ${err.stack ?? err}\n`);
  process.exit(1);
});
