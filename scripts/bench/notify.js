#!/usr/bin/env node
// Notification benchmark: lifecycle event → signed webhook delivery at a court system.
//   steady    `accepted` events at a steady rate: event published → webhook received (p50/p99),
//             and event → in-app notification stored
//   burst     N events at once: deliveries per second until the last one arrives
//   baseline  in the same run: raw Kafka (produce → consume) and a raw HTTP POST to the same
//             loopback receiver
//
// Usage (repo root, after `source scripts/env.sh`, `make build`, `scripts/infra/infra.sh up`):
//   node scripts/bench/notify.js [--quick] [--rate R] [--seconds S] [--burst N] [--out DIR]
"use strict";

const { sasl, kafkaEnv } = require("./kafka-auth.js");
const crypto = require("node:crypto");
const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");
const { performance } = require("node:perf_hooks");

process.removeAllListeners("warning");
process.on("warning", (w) => {
  if (w.name !== "TimeoutNegativeWarning") process.stderr.write(`${w.name}: ${w.message}\n`);
});

const ROOT = path.resolve(__dirname, "../..");
const args = process.argv.slice(2);
const arg = (n) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : undefined);
const fail = (msg) => {
  process.stderr.write(`bench/notify: ${msg}\n`);
  process.exit(2);
};
const quick = args.includes("--quick");
const CFG = {
  rate: Number(arg("rate") ?? 20),
  seconds: Number(arg("seconds") ?? (quick ? 3 : 10)),
  burst: Number(arg("burst") ?? (quick ? 100 : 500)),
  out: arg("out") ?? path.join(ROOT, "bench-results"),
  brokers: (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(","),
  mongoUri: process.env.MONGO_URI ?? "mongodb://127.0.0.1:27017",
};
if (![CFG.rate, CFG.seconds, CFG.burst].every((x) => x > 0)) fail("--rate, --seconds and --burst need positive numbers");
const built = (rel) => {
  try {
    return require(path.join(ROOT, rel));
  } catch (err) {
    if (err.code === "MODULE_NOT_FOUND") fail(`${rel} is not built; run \`make build\` first`);
    throw err;
  }
};
const progress = (m) => process.stderr.write(`bench/notify: ${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (v, p) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] : NaN;
};

async function main() {
  const { Kafka, logLevel } = require("kafkajs");
  const { MongoClient } = require("mongodb");
  const { timestampFromDate } = require("@bufbuild/protobuf/wkt");
  const { createSigner } = built("libs/auth/dist");
  const { createClient } = built("libs/grpc/dist");
  const { createLogger } = built("libs/logger/dist");
  const { createKafka, createProducer } = built("libs/kafka/dist");
  const { notificationV1 } = built("libs/proto/dist");
  const { topicsOfFiling } = built("libs/topics/dist");
  const { startApp } = built("services/notification/dist/app.js");
  const { readConfig } = built("services/notification/dist/config.js");

  // The court system's receiver: records when each filing's delivery arrived.
  const received = new Map();
  const receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      try {
        const id = JSON.parse(body).filingId;
        if (id && !received.has(id)) received.set(id, performance.now());
      } catch {
        // raw baseline posts are not JSON events
      }
      res.writeHead(200).end();
    });
  });
  await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${receiver.address().port}/hook`;

  const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", {
    namedCurve: "P-256",
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const tag = crypto.randomBytes(3).toString("hex");
  const db = `bench_notify_${tag}`;
  const log = createLogger({ service: "bench", level: "error" });
  const app = await startApp(
    readConfig({
      GRPC_PORT: "0",
      GRPC_HOST: "127.0.0.1",
      KAFKA_BROKERS: CFG.brokers.join(","),
      ...kafkaEnv(),
      MONGO_URI: CFG.mongoUri,
      MONGO_DB: db,
      KAFKA_GROUP_ID: `bench-notify-${tag}`,
      KAFKA_FROM_BEGINNING: "false",
      JWT_PUBLIC_KEY: publicKey,
      LOG_LEVEL: "error",
      WEBHOOK_ALLOW_LOOPBACK_HTTP: "true",
      DELIVERY_INTERVAL_MS: "200",
    }),
    log,
    (err) => fail(`notification failed: ${err.message}`),
  );
  const signer = await createSigner(privateKey);
  const system = createClient(notificationV1.NotificationService, `127.0.0.1:${app.grpcPort}`, {
    token: await signer.mint({ user: "bench", courtId: "t-440103001", roles: ["court-system", "window-clerk"], province: "44", expiresIn: "1h" }),
    timeoutMs: 30_000,
  });
  await system.addWebhook({ url, secret: crypto.randomBytes(24).toString("hex"), eventTypes: ["kuayu.decision.v1.Accepted"] });
  const events = await createProducer(createKafka({ brokers: CFG.brokers, sasl: sasl(), clientId: "bench-notify", log }), "kuayu.decision");
  // A Guangdong window's filing accepted by a Beijing court, as decision publishes it: on Guangdong's
  // topic (whose copy tells the window) and on Beijing's, one event id on both.
  const publish = async (id) => {
    const event = {
      case: "accepted",
      value: {
        filingId: id,
        collaboratingCourtId: "t-440103001",
        jurisdictionCourtId: "c-110105",
        round: 1,
        caseNumber: "（2026）京0105民初1号",
        acceptedAt: timestampFromDate(new Date()),
        drill: true,
      },
    };
    const eventId = crypto.randomUUID();
    for (const topic of topicsOfFiling("44", "11")) await events.publish(topic, id, { event }, { id: eventId });
  };
  const mongo = new MongoClient(CFG.mongoUri);
  await mongo.connect();
  const cleanup = async () => {
    system.close();
    await events.disconnect();
    await app.stop();
    await mongo
      .db(db)
      .dropDatabase()
      .catch(() => undefined);
    await mongo.close();
    receiver.close();
  };

  // ---- baselines ------------------------------------------------------------------------------
  progress("baselines: raw HTTP POST and raw Kafka hop…");
  const httpLat = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await fetch(url, { method: "POST", body: "x" });
    httpLat.push(performance.now() - t);
  }
  const raw = new Kafka({ clientId: "bench-raw", brokers: CFG.brokers, sasl: sasl(), logLevel: logLevel.NOTHING });
  const topic = `bench-notify-${tag}`;
  const admin = raw.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 12 }], waitForLeaders: true });
  const producer = raw.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const consumer = raw.consumer({ groupId: `bench-notify-raw-${tag}` });
  const kafkaArrivals = new Map();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void kafkaArrivals.set(message.key.toString(), performance.now()) });
  await sleep(3000);
  const kafkaSent = new Map();
  for (let i = 0; i < 200; i++) {
    kafkaSent.set(String(i), performance.now());
    await producer.send({ topic, acks: -1, messages: [{ key: String(i), value: crypto.randomBytes(512) }] });
    await sleep(1000 / CFG.rate);
  }
  await sleep(2000);
  const kafkaLat = [...kafkaSent].filter(([k]) => kafkaArrivals.has(k)).map(([k, t]) => kafkaArrivals.get(k) - t);
  await consumer.disconnect();
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();

  // ---- steady ---------------------------------------------------------------------------------
  const n = Math.round(CFG.rate * CFG.seconds);
  progress(`steady: ${n} accepted events at ${CFG.rate}/s…`);
  const sent = new Map();
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const due = start + (i * 1000) / CFG.rate;
    if (due - performance.now() > 1) await sleep(due - performance.now());
    const id = crypto.randomUUID();
    sent.set(id, performance.now());
    await publish(id);
  }
  const until = performance.now() + 60_000;
  while (performance.now() < until && [...sent.keys()].some((k) => !received.has(k))) await sleep(20);
  const steadyLat = [...sent].filter(([k]) => received.has(k)).map(([k, t]) => received.get(k) - t);
  const notes = await mongo
    .db(db)
    .collection("notifications")
    .countDocuments({ filingId: { $in: [...sent.keys()] } });

  // ---- burst ----------------------------------------------------------------------------------
  progress(`burst: ${CFG.burst} events at once…`);
  const burstIds = Array.from({ length: CFG.burst }, () => crypto.randomUUID());
  const b0 = performance.now();
  await Promise.all(burstIds.map(publish));
  const bUntil = performance.now() + 180_000;
  while (performance.now() < bUntil && burstIds.some((k) => !received.has(k))) await sleep(20);
  const burstDone = burstIds.filter((k) => received.has(k)).length;
  const burstSeconds = (Math.max(...burstIds.filter((k) => received.has(k)).map((k) => received.get(k))) - b0) / 1000;
  await cleanup();

  const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "—");
  const lines = [
    `| notification (${n} events at ${CFG.rate}/s; burst of ${CFG.burst}) | result |`,
    "|---|---|",
    `| raw HTTP POST to the loopback receiver, p50 / p99 | ${f(pct(httpLat, 50), 2)} / ${f(pct(httpLat, 99), 2)} ms |`,
    `| raw Kafka hop (acks=all, 512 B), p50 / p99 | ${f(pct(kafkaLat, 50), 1)} / ${f(pct(kafkaLat, 99), 1)} ms |`,
    `| **event → signed webhook received**, p50 / p99 | **${f(pct(steadyLat, 50))} / ${f(pct(steadyLat, 99))} ms** (${steadyLat.length}/${n} delivered) |`,
    `| in-app notifications stored | ${notes}/${n} |`,
    `| **burst: deliveries per second** | **${f(burstDone / burstSeconds, 1)}/s** (${burstDone}/${CFG.burst} in ${f(burstSeconds, 1)} s) |`,
    "",
  ];
  process.stdout.write(lines.join("\n"));
  fs.mkdirSync(CFG.out, { recursive: true });
  const file = path.join(CFG.out, `notify-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify(
      {
        config: CFG,
        httpLat: { p50: pct(httpLat, 50), p99: pct(httpLat, 99) },
        kafka: { p50: pct(kafkaLat, 50), p99: pct(kafkaLat, 99) },
        steady: { p50: pct(steadyLat, 50), p99: pct(steadyLat, 99), delivered: steadyLat.length, notes },
        burst: { done: burstDone, seconds: burstSeconds },
      },
      null,
      2,
    ),
  );
  progress(`results in ${path.relative(ROOT, file)}`);
}

main().catch((err) => {
  process.stderr.write(`bench/notify: ${err.stack ?? err}\n`);
  process.exit(1);
});
