#!/usr/bin/env node
// Where a drill's latency goes between services: reads a run's lifecycle topics back (every
// province's, from the start) and compares, per filing, the time each event's change stamped on it
// (header kuayu-event-time) with the broker's append time of its record.
//
//   node scripts/bench/hop-latency.js <topic prefix>     e.g. bench-drill-2b9926. (state.json of the run)
//
// Prints p50 / p90 / p99 in ms of a filing's first round: a submission's commit → its record
// (intake's version relay), that record → decision's acknowledgement (the arrival with its copies and
// the drill's call), the acknowledgement → its record (decision's relay), that record → the decision
// (the drill's next call), the decision → its record. What intake does with the decision and when
// the window sees it are not on the topics: the drill's report has them ("decision → seen at window").
const fs = require("node:fs");
const path = require("node:path");
const ROOT = path.resolve(__dirname, "../..");
const { Kafka, logLevel } = require(require.resolve("kafkajs", { paths: [ROOT] }));

const prefix = process.argv[2];
if (!prefix) {
  process.stderr.write("usage: hop-latency.js <topic prefix of the run>\n");
  process.exit(2);
}
const password = fs.readFileSync(path.join(ROOT, ".secrets/kafka/admin.password"), "utf8").trim();

(async () => {
  const kafka = new Kafka({ brokers: (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(","), sasl: { mechanism: "scram-sha-512", username: "admin", password }, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}kuayu.`) && t.includes("lifecycle") && !t.endsWith(".dlq"));
  if (topics.length === 0) throw new Error(`no lifecycle topics with the prefix ${prefix}`);
  const groupId = `hop-latency-${process.pid}-${Date.now()}`;
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  /** `<filing>|<event type>` → the first record seen of it (an event goes to two provinces' topics). */
  const seen = new Map();
  let last = Date.now();
  await consumer.run({
    eachMessage: async ({ message }) => {
      last = Date.now();
      const header = (k) => message.headers?.[k]?.toString() ?? "";
      const key = `${message.key?.toString()}|${header("kuayu-event-type").split(".").pop()}`;
      if (!seen.has(key)) seen.set(key, { changed: Date.parse(header("kuayu-event-time")), appended: Number(message.timestamp) });
    },
  });
  while (Date.now() - last < 5000 || seen.size === 0) await new Promise((r) => setTimeout(r, 500));
  await consumer.disconnect();
  await admin.deleteGroups([groupId]).catch(() => undefined);
  await admin.disconnect();

  // Intake routes a submission in the change that commits it (FilingSubmitted and FilingRouted
  // together); decision answers with Acknowledged, then a decision (Accepted, Rejected or, in a
  // corrections round, CorrectionRequested). The first round of each filing is measured.
  const hops = {
    "submission committed → its record (intake's relay)": [],
    "submission's record → acknowledged (decision: arrival, copies, the specialist's call)": [],
    "acknowledged → its record (decision's relay)": [],
    "acknowledged's record → decided (the specialist's next call)": [],
    "decided → its record (decision's relay)": [],
  };
  const h = Object.values(hops);
  for (const id of new Set([...seen.keys()].map((k) => k.split("|")[0]))) {
    const s = seen.get(`${id}|FilingSubmitted`);
    const a = seen.get(`${id}|Acknowledged`);
    const d = ["Accepted", "Rejected", "CorrectionRequested"]
      .map((t) => seen.get(`${id}|${t}`))
      .filter(Boolean)
      .sort((x, y) => x.changed - y.changed)[0];
    if (s) h[0].push(s.appended - s.changed);
    if (s && a) h[1].push(a.changed - s.appended);
    if (a) h[2].push(a.appended - a.changed);
    if (a && d) h[3].push(d.changed - a.appended);
    if (d) h[4].push(d.appended - d.changed);
  }
  const q = (a, p) => a[Math.min(a.length - 1, Math.floor(a.length * p))];
  process.stdout.write("| hop | n | p50 ms | p90 ms | p99 ms |\n|---|---|---|---|---|\n");
  for (const [hop, a] of Object.entries(hops)) {
    a.sort((x, y) => x - y);
    if (a.length) process.stdout.write(`| ${hop} | ${a.length} | ${q(a, 0.5)} | ${q(a, 0.9)} | ${q(a, 0.99)} |\n`);
  }
})().catch((err) => {
  process.stderr.write(`hop-latency: ${err.message}\n`);
  process.exit(1);
});
