#!/usr/bin/env node
// Where a drill's latency goes between services: reads a run's lifecycle topics back (every
// province's, from the start) and compares, per filing, the time each event's change stamped on it
// (header kuayu-event-time) with the broker's append time of its record.
//
//   node scripts/bench/hop-latency.js <topic prefix>     e.g. bench-drill-2b9926. (state.json of the run)
//
// Prints p50 / p90 / p99 in ms of: a submission's commit → its record (intake's version relay),
// the submission's record → routing's event (routing), routing's event → its record (routing's
// send), routing's record → the court's acknowledgement (decision, including the drill's delay).
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

  const hops = { "submission committed → its record": [], "submission's record → routed": [], "routed → its record": [], "routed's record → acknowledged": [] };
  for (const id of new Set([...seen.keys()].map((k) => k.split("|")[0]))) {
    const s = seen.get(`${id}|FilingSubmitted`);
    const r = seen.get(`${id}|FilingRouted`);
    const a = seen.get(`${id}|Acknowledged`);
    if (s) hops["submission committed → its record"].push(s.appended - s.changed);
    if (s && r) hops["submission's record → routed"].push(r.changed - s.appended);
    if (r) hops["routed → its record"].push(r.appended - r.changed);
    if (r && a) hops["routed's record → acknowledged"].push(a.changed - r.appended);
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
