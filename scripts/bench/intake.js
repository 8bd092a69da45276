#!/usr/bin/env node
// Intake benchmark: filings through the window's gRPC API, next to the raw store in the same run.
//   prepare   createDraft + the four small materials a civil filing needs (2 KiB PDFs, streamed)
//   submit    SubmitFiling of prepared drafts: checklist, route check (routing over gRPC), receipt
//             number, filing + outbox write under the filing's lock
//   baseline  raw mongodb driver insertOne of a filing-sized document (~3 KiB), same concurrency
//
// Usage (repo root, after `source scripts/env.sh`, `make build` and `scripts/infra/infra.sh up`):
//   node scripts/bench/intake.js [--filings N] [--concurrency C] [--rounds R] [--quick] [--out DIR]
// Environment: KAFKA_BROKERS (127.0.0.1:9092), MONGO_URI (mongodb://127.0.0.1:27017).
//
// Routing and intake run in this process (their built dist/), on their own database
// bench_intake_<hex>, removed at the end. Each round prints progress to stderr; the table (medians
// of the rounds) goes to stdout and the JSON to bench-results/intake-<time>.json.
"use strict";

const { kafkaEnv } = require("./kafka-auth.js");
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
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v <= 0) fail(`--${name} needs a positive number`);
  return v;
};
function fail(msg) {
  process.stderr.write(`bench/intake: ${msg}\n`);
  process.exit(2);
}
if (args.includes("--help")) {
  process.stdout.write("usage: node scripts/bench/intake.js [--filings N] [--concurrency C] [--rounds R] [--quick] [--out DIR]\n");
  process.exit(0);
}
const quick = args.includes("--quick");
const CFG = {
  filings: opt("filings", quick ? 40 : 200),
  concurrency: opt("concurrency", 10),
  rounds: opt("rounds", quick ? 1 : 3),
  out: args.includes("--out") ? args[args.indexOf("--out") + 1] : path.join(ROOT, "bench-results"),
  brokers: process.env.KAFKA_BROKERS ?? "127.0.0.1:9092",
  mongoUri: process.env.MONGO_URI ?? "mongodb://127.0.0.1:27017",
};

function built(rel) {
  try {
    return require(path.join(ROOT, rel));
  } catch (err) {
    if (err.code === "MODULE_NOT_FOUND") fail(`${rel} is not built; run \`make build\` first`);
    throw err;
  }
}
const progress = (msg) => process.stderr.write(`bench/intake: ${msg}\n`);
const pct = (v, p) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] : NaN;
};
const median = (v) => pct(v, 50);

/** Runs call(i) for i < n with `concurrency` in flight; ops/s and per-call latencies (ms). */
async function concurrent(n, concurrency, call) {
  const lat = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const t = performance.now();
        await call(i);
        lat.push(performance.now() - t);
      }
    }),
  );
  const secs = (performance.now() - start) / 1000;
  return { perSec: n / secs, p50: pct(lat, 50), p99: pct(lat, 99) };
}

async function main() {
  const { MongoClient } = require("mongodb");
  const { createSigner } = built("libs/auth/dist");
  const { createClient } = built("libs/grpc/dist");
  const { createLogger } = built("libs/logger/dist");
  const { intakeV1, commonV1 } = built("libs/proto/dist");
  const routingApp = built("services/routing/dist/app.js");
  const routingConfig = built("services/routing/dist/config.js");
  const intakeApp = built("services/intake/dist/app.js");
  const intakeConfig = built("services/intake/dist/config.js");

  const mongo = new MongoClient(CFG.mongoUri, { serverSelectionTimeoutMS: 3000 });
  await mongo.connect().catch((err) => fail(`the store is not reachable at ${CFG.mongoUri} (${err.message}); run scripts/infra/infra.sh up`));

  const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", {
    namedCurve: "P-256",
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const log = createLogger({ service: "bench", level: "warn" });
  const db = `bench_intake_${crypto.randomBytes(3).toString("hex")}`;
  // One court drives every call here: the per-court call limit is off (GRPC_CALLS_PER_COURT_PER_SECOND 0).
  const routing = await routingApp.startApp(
    routingConfig.readConfig({ GRPC_CALLS_PER_COURT_PER_SECOND: "0", GRPC_PORT: "0", GRPC_HOST: "127.0.0.1", JWT_PUBLIC_KEY: publicKey, LOG_LEVEL: "warn" }),
    log,
  );
  const intake = await intakeApp.startApp(
    intakeConfig.readConfig({
      GRPC_CALLS_PER_COURT_PER_SECOND: "0",
      GRPC_PORT: "0",
      GRPC_HOST: "127.0.0.1",
      KAFKA_BROKERS: CFG.brokers,
      ...kafkaEnv(),
      MONGO_URI: CFG.mongoUri,
      MONGO_DB: db,
      KAFKA_GROUP_ID: `${db}_group`,
      JWT_PUBLIC_KEY: publicKey,
      LOG_LEVEL: "warn",
      ROUTING_ADDR: `127.0.0.1:${routing.grpcPort}`,
    }),
    log,
    (err) => fail(`intake failed: ${err.message}`),
  );
  const token = await (await createSigner(privateKey)).mint({ user: "bench", courtId: "t-440103001", roles: ["court-system"], province: "44", expiresIn: "2h" });
  const client = createClient(intakeV1.FilingIntakeService, `127.0.0.1:${intake.grpcPort}`, { token, timeoutMs: 60_000 });
  const cleanup = async () => {
    client.close();
    await intake.stop();
    await routing.stop();
    await mongo
      .db(db)
      .dropDatabase()
      .catch(() => undefined);
    await mongo.close();
  };
  process.once("SIGINT", () => void cleanup().finally(() => process.exit(130)));

  const details = {
    caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE,
    parties: [
      { role: intakeV1.PartyRole.PLAINTIFF, identity: { case: "person", value: { name: "张三", residentId: "11010519491231002X" } }, address: "广东省广州市荔湾区沙面大街1号" },
      { role: intakeV1.PartyRole.DEFENDANT, identity: { case: "organization", value: { name: "北京某贸易有限公司", creditCode: "91350100M000100Y43" } }, address: "北京市朝阳区建国路1号" },
    ],
    claims: "判令被告支付货款人民币十万元",
    facts: "原被告于2026年签订买卖合同，被告未付货款。".repeat(10),
    jurisdictionCourtId: "c-110105",
    jurisdictionSource: intakeV1.JurisdictionSource.CLERK,
    drill: true,
  };
  const pdf = Buffer.concat([Buffer.from("%PDF-1.7\n"), crypto.randomBytes(2048 - 9)]);
  const kinds = ["complaint", "filer-identity", "evidence", "address-for-service-confirmation"];
  const prepare = async () => {
    const { filing } = await client.createDraft({ details });
    for (const kind of kinds) {
      await client.uploadMaterial([
        { part: { case: "header", value: { filingId: filing.filingId, kind, fileName: `${kind}.pdf`, sizeBytes: BigInt(pdf.length) } } },
        { part: { case: "chunk", value: pdf } },
      ]);
    }
    return filing.filingId;
  };

  const raw = mongo.db(db).collection("raw_baseline");
  const rawDoc = () => ({ _id: crypto.randomUUID(), court: "t-440103001", details, materials: kinds.map((k) => ({ kind: k, sha256: "0".repeat(64), size: 2048 })), at: new Date() });

  progress(`${CFG.rounds} round(s) of ${CFG.filings} filings, ${CFG.concurrency} in flight; store ${CFG.mongoUri}`);
  await concurrent(10, 5, prepare); // warm-up
  const rounds = [];
  for (let r = 1; r <= CFG.rounds; r++) {
    progress(`round ${r}: raw store insertOne…`);
    const base = await concurrent(CFG.filings, CFG.concurrency, () => raw.insertOne(rawDoc()));
    progress(`round ${r}: preparing ${CFG.filings} drafts with ${kinds.length} materials each…`);
    const ids = new Array(CFG.filings);
    const prep = await concurrent(CFG.filings, CFG.concurrency, async (i) => (ids[i] = await prepare()));
    progress(`round ${r}: submitting…`);
    const sub = await concurrent(CFG.filings, CFG.concurrency, (i) => client.submitFiling({ filingId: ids[i], idempotencyKey: `bench-${ids[i]}` }));
    rounds.push({ base, prep, sub });
    progress(
      `round ${r}: raw ${base.perSec.toFixed(0)}/s, prepare ${prep.perSec.toFixed(1)} filings/s, submit ${sub.perSec.toFixed(1)}/s (p50 ${sub.p50.toFixed(1)} ms, p99 ${sub.p99.toFixed(1)} ms)`,
    );
  }
  await cleanup();

  const m = (f) => median(rounds.map(f));
  const res = {
    rawPerSec: m((r) => r.base.perSec),
    rawP50: m((r) => r.base.p50),
    rawP99: m((r) => r.base.p99),
    prepPerSec: m((r) => r.prep.perSec),
    prepP50: m((r) => r.prep.p50),
    prepP99: m((r) => r.prep.p99),
    subPerSec: m((r) => r.sub.perSec),
    subP50: m((r) => r.sub.p50),
    subP99: m((r) => r.sub.p99),
  };
  const f = (x, d = 1) => x.toFixed(d);
  process.stdout.write(
    [
      `| intake, ${CFG.filings} filings × ${CFG.rounds} rounds, ${CFG.concurrency} in flight (medians) | per second | p50 ms | p99 ms | vs raw insert |`,
      "|---|---|---|---|---|",
      `| raw store: insertOne of a filing-sized document | ${f(res.rawPerSec, 0)} | ${f(res.rawP50, 2)} | ${f(res.rawP99, 2)} | ×1 |`,
      `| SubmitFiling (checklist, route check over gRPC, receipt number, lock, filing + outbox write) | ${f(res.subPerSec)} | ${f(res.subP50)} | ${f(res.subP99)} | ×${f(res.subPerSec / res.rawPerSec, 3)} |`,
      `| whole filing at the window: CreateDraft + ${kinds.length} × UploadMaterial (2 KiB) | ${f(res.prepPerSec)} filings | ${f(res.prepP50)} | ${f(res.prepP99)} | ×${f(res.prepPerSec / res.rawPerSec, 3)} |`,
      "",
    ].join("\n"),
  );
  fs.mkdirSync(CFG.out, { recursive: true });
  const file = path.join(CFG.out, `intake-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  fs.writeFileSync(file, JSON.stringify({ config: CFG, rounds, medians: res }, null, 2));
  progress(`results in ${path.relative(ROOT, file)}`);
}

main().catch((err) => {
  process.stderr.write(`bench/intake: ${err.stack ?? err}\n`);
  process.exit(1);
});
