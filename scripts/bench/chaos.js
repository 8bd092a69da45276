// Fault injection for `make chaos` (scripts/bench/drill.js --chaos): while the drill runs, one fault
// at a time, spaced — each service SIGKILLed and started again on its address; the broker (the Kafka
// JVM), FerretDB and PostgreSQL (the postmaster and its backends) SIGKILLed and started again with
// scripts/infra/infra.sh kill|start. For each fault it measures how long the system took to recover,
// and after the drill it checks the outcome: nothing failed, lost or duplicated, every filing final
// exactly once (at the window and in the store), no dead letter, supervision's count exact.
//
// Times per fault, from the moment the killed process was running again ("restarted"):
//   down          kill → restarted (the outage held for --chaos-outage, plus the start itself)
//   ready         → every service answers grpc.health.v1 "readiness" SERVING
//   first final   → the first filing final at the window after the restart (from the drill's journal)
//   rate back     → filings finishing, over 10 s, at half the rate of the 30 s before the fault or more
//   lag back      → every consumer group's lag, summed, back to what it was before the fault (+10)
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { spawn } = require("node:child_process");

const ROOT = path.resolve(__dirname, "../..");
const SERVICES = ["routing", "intake", "decision", "notification", "supervision"];
const INFRA = { kafka: "kafka", ferretdb: "ferretdb", postgresql: "postgres" };
/** Default order: services and infrastructure interleaved, so every fault meets a busy drill. */
const DEFAULT_FAULTS = ["intake", "kafka", "decision", "ferretdb", "routing", "postgresql", "notification", "supervision"];
const RECOVERY_LIMIT_MS = 5 * 60_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** grpc.health.v1 Check of service "readiness": true when SERVING (hand-encoded: one string field, one enum). */
function ready(grpc, addr) {
  return new Promise((resolve) => {
    const client = new grpc.Client(addr, grpc.credentials.createInsecure());
    const request = Buffer.concat([Buffer.from([0x0a, 9]), Buffer.from("readiness")]);
    client.makeUnaryRequest(
      "/grpc.health.v1.Health/Check",
      (b) => b,
      (b) => b,
      request,
      { deadline: Date.now() + 2000 },
      (err, res) => {
        client.close();
        resolve(!err && res.length >= 2 && res[0] === 0x08 && res[1] === 1);
      },
    );
  });
}

/** Runs scripts/infra/infra.sh with these arguments; its output goes to the run's infra log. */
function infraSh(logFile, ...args) {
  return new Promise((resolve, reject) => {
    const fd = fs.openSync(logFile, "a");
    const p = spawn("bash", [path.join(ROOT, "scripts/infra/infra.sh"), ...args], { stdio: ["ignore", fd, fd], env: process.env });
    fs.closeSync(fd);
    p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`infra.sh ${args.join(" ")} exited with ${code}; see ${logFile}`))));
  });
}

/** Instants (epoch ms) at which filings became final, from the drill's journal. */
function finals(journal) {
  let text;
  try {
    text = fs.readFileSync(journal, "utf8");
  } catch {
    return [];
  }
  const out = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith('{"o":')) continue;
    try {
      const x = JSON.parse(line);
      if (x.o.state === "final") out.push(x.at);
    } catch {
      // a line being written
    }
  }
  return out;
}

/**
 * Starts injecting faults while the drill runs. ctx: { svc (name → {child, env, addr, pid}, updated on
 * restart), startService(name, env), lags(), journal, workDir, t0, log, spacingMs, outageMs, faults }.
 * Returns { finish() } → the faults' measurements, once the last one has recovered (or the drill ended).
 */
function startFaults(ctx) {
  const grpc = require(require.resolve("@grpc/grpc-js", { paths: [ROOT] }));
  const faults = ctx.faults ? ctx.faults.split(",") : DEFAULT_FAULTS;
  for (const f of faults) if (!SERVICES.includes(f) && !INFRA[f]) throw new Error(`--chaos-faults: unknown fault ${f} (services: ${SERVICES.join(", ")}; ${Object.keys(INFRA).join(", ")})`);
  const infraLog = path.join(ctx.workDir, "infra-faults.log");
  const results = [];
  const unplanned = [];
  let drillOver = false;
  let stopped = false;
  const planned = new Set(); // children this script killed

  // A service that exits on its own (not killed here) is reported and started again, as Kubernetes would.
  const watch = (name) => {
    const { child } = ctx.svc[name];
    child.once("exit", (code, signal) => {
      if (planned.has(child) || stopped) return;
      unplanned.push({ service: name, code, signal, atS: Math.round((Date.now() - ctx.t0) / 1000) });
      ctx.log(`chaos: ${name} exited on its own (code ${code}, signal ${signal}); starting it again`);
      void ctx.startService(name, ctx.svc[name].env).then((s) => {
        ctx.svc[name] = s;
        watch(name);
      });
    });
  };
  for (const name of SERVICES) watch(name);

  const allReady = async () => (await Promise.all(SERVICES.map((n) => ready(grpc, ctx.svc[n].addr)))).every(Boolean);
  /** Summed lag of every group; null while the broker does not answer. */
  const totalLag = async () => {
    const l = await ctx.lags(true).catch(() => null);
    return l && Object.values(l).reduce((a, b) => a + b, 0);
  };
  const sinceStart = (t) => +((t - ctx.t0) / 1000).toFixed(1);

  async function inject(fault) {
    const before = finals(ctx.journal);
    const killedAt = Date.now();
    const preRate = before.filter((t) => t > killedAt - 30_000).length / 30;
    const preLag = await totalLag();
    ctx.log(`chaos: killing ${fault} (SIGKILL) at ${sinceStart(killedAt)} s; ${preRate.toFixed(1)} filings/s final before, lag ${preLag}`);
    if (SERVICES.includes(fault)) {
      const { child } = ctx.svc[fault];
      planned.add(child);
      const gone = new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once("exit", r)));
      child.kill("SIGKILL");
      await gone;
      await sleep(ctx.outageMs);
      ctx.svc[fault] = await ctx.startService(fault, ctx.svc[fault].env);
      watch(fault);
    } else {
      await infraSh(infraLog, "kill", INFRA[fault]);
      await sleep(ctx.outageMs);
      await infraSh(infraLog, "start", INFRA[fault]);
    }
    const upAt = Date.now();
    const r = {
      fault,
      atS: sinceStart(killedAt),
      downS: +((upAt - killedAt) / 1000).toFixed(1),
      readyS: null,
      firstFinalS: null,
      rateBackS: null,
      lagBackS: null,
      preRate: +preRate.toFixed(2),
      preLag,
      peakLag: preLag,
    };
    ctx.log(`chaos: ${fault} restarted after ${r.downS} s`);
    const after = (t) => +((t - upAt) / 1000).toFixed(1);
    while (Date.now() - upAt < RECOVERY_LIMIT_MS) {
      const now = Date.now();
      if (r.readyS === null && (await allReady())) r.readyS = after(Date.now());
      const done = finals(ctx.journal);
      const first = done.filter((t) => t > upAt).sort((a, b) => a - b)[0];
      if (r.firstFinalS === null && first) r.firstFinalS = after(first);
      if (r.rateBackS === null && now - upAt >= 1000 && done.filter((t) => t > now - 10_000).length >= preRate * 0.5 * 10) r.rateBackS = after(now);
      const lag = await totalLag();
      if (lag !== null) r.peakLag = Math.max(r.peakLag ?? 0, lag);
      if (r.lagBackS === null && lag !== null && lag <= (preLag ?? 0) + 10) r.lagBackS = after(Date.now());
      if ([r.readyS, r.firstFinalS, r.rateBackS, r.lagBackS].every((v) => v !== null) || drillOver) break;
      await sleep(1000);
    }
    ctx.log(`chaos: ${fault} recovered: ready ${r.readyS} s, first final ${r.firstFinalS} s, rate back ${r.rateBackS} s, lag back ${r.lagBackS} s after the restart`);
    return r;
  }

  const done = (async () => {
    // Warm up: a rate to compare with, before the first fault.
    while (!drillOver && (Date.now() - ctx.t0 < 30_000 || finals(ctx.journal).length < 20)) await sleep(1000);
    for (const fault of faults) {
      if (drillOver) break;
      results.push(await inject(fault));
      for (const until = Date.now() + ctx.spacingMs; !drillOver && Date.now() < until;) await sleep(500);
    }
  })();

  return {
    /** The drill has ended: inject nothing more; resolves with the measurements. */
    async finish() {
      drillOver = true;
      await done;
      stopped = true;
      return { faults: results, notInjected: faults.slice(results.length), unplannedExits: unplanned };
    },
  };
}

/** Records on the dead-letter topics of this run (every `<prefix>….dlq`). */
async function deadLetters(admin, topicPrefix) {
  let n = 0;
  for (const topic of (await admin.listTopics()).filter((t) => t.startsWith(topicPrefix) && t.endsWith(".dlq"))) {
    for (const p of await admin.fetchTopicOffsets(topic)) n += Number(p.high) - Number(p.low);
  }
  return n;
}

/** After the drill: the checks of the run (each { check, ok, detail }). */
async function checkOutcome({ report, admin, mongo, topicPrefix, dbs, drained, chaos }) {
  const checks = [];
  const check = (name, ok, detail) => checks.push({ check: name, ok: Boolean(ok), detail: String(detail) });
  const planned = report.planned;
  check(
    "every planned fault injected",
    chaos.notInjected.length === 0,
    chaos.notInjected.length ? `not injected (the drill ended first): ${chaos.notInjected.join(", ")}` : `${chaos.faults.length} faults`,
  );
  check(
    "no filing failed, lost or duplicated (the drill's accounting)",
    report.failed === 0 && report.lost === 0 && report.duplicated === 0,
    `failed ${report.failed}, lost ${report.lost}, duplicated ${report.duplicated}`,
  );
  check("every filing final at the window", report.accepted + report.rejected === planned, `${report.accepted} accepted + ${report.rejected} rejected of ${planned}`);
  // The store's side, counted directly: intake's filings (drafts of retried CreateDrafts aside) and decision's inbox.
  const filings = mongo.db(dbs.intake).collection("filings");
  const submitted = await filings.countDocuments({ status: { $ne: "draft" } });
  const final = await filings.countDocuments({ status: { $in: ["accepted", "rejected"] } });
  check("intake's store: each filing submitted once and final", submitted === planned && final === planned, `${submitted} submitted, ${final} final, ${planned} planned`);
  const inbox = await mongo.db(dbs.decision).collection("inbox").find({}).toArray();
  // An entry is stored packed (@kuayu/outbox packedHeads): its case number is in the BSON body.
  const { BSON } = require(require.resolve("mongodb", { paths: [ROOT] }));
  const numbers = inbox.map((d) => (d.body ? BSON.deserialize(d.body.value()) : d).caseNumber).filter(Boolean);
  check(
    "decision's store: one inbox entry per filing, case numbers unique",
    inbox.length === planned && numbers.length === report.accepted && new Set(numbers).size === numbers.length,
    `${inbox.length} inbox entries, ${numbers.length} case numbers (${new Set(numbers).size} distinct), ${report.accepted} accepted`,
  );
  const dlq = await deadLetters(admin, topicPrefix);
  check("no event dead-lettered", dlq === 0, `${dlq} records on the run's .dlq topics`);
  const sup = report.supervision;
  check("supervision's count exact", sup && sup.ok && sup.counted === planned, sup ? `${sup.counted} counted, ${sup.expected} expected` : "not checked");
  check("every consumer caught up", drained, drained ? "lag 0" : "not within the drain timeout");
  return checks;
}

function markdown(chaos, checks) {
  const s = (v) => (v === null || v === undefined ? "—" : `${v} s`);
  return [
    "",
    `faults (SIGKILL, restarted after ${chaos.outageS} s; times after the restart):`,
    "",
    "| fault | at | down (kill → restarted) | services ready | first filing final | filing rate back | consumer lag back | lag before → peak |",
    "|---|---|---|---|---|---|---|---|",
    ...chaos.faults.map((f) => `| ${f.fault} | ${f.atS} s | ${f.downS} s | ${s(f.readyS)} | ${s(f.firstFinalS)} | ${s(f.rateBackS)} | ${s(f.lagBackS)} | ${f.preLag} → ${f.peakLag} |`),
    "",
    ...(chaos.unplannedExits.length ? [`services that exited on their own (started again): ${chaos.unplannedExits.map((u) => `${u.service} at ${u.atS} s (code ${u.code})`).join("; ")}`, ""] : []),
    "| check | ok | detail |",
    "|---|---|---|",
    ...checks.map((c) => `| ${c.check} | ${c.ok ? "yes" : "**NO**"} | ${c.detail} |`),
  ].join("\n");
}

module.exports = { startFaults, checkOutcome, markdown };
