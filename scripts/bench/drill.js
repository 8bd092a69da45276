#!/usr/bin/env node
// Whole-system benchmark: the national drill (`kuayu drill run`) through every service, each as its
// own process (routing, intake, decision, notification, supervision) on the real broker and store,
// next to the raw broker and store baselines measured in the same run (scripts/bench/baseline.js).
//
// Measures wall time, final filings/s, p50/p99 per hop (from the drill's report; end to end also of
// the filings started after the first --warm-up — by default 30 s, or the drill's --ramp when
// longer, i.e. the filings started at the full rate — from its journal), CPU seconds and
// peak memory per process (the services, the drill runner, FerretDB, PostgreSQL, Kafka — from
// /proc), and every consumer group's lag over time (the counters that name the bottleneck). After
// the drill, it waits for notification and supervision to catch up and reports how long that took.
//
// Usage (repo root, after `source scripts/env.sh`; `make bench-drill` builds and starts infra first):
//   node scripts/bench/drill.js [--fraction F | --limit N] [--concurrency N] [--drain-timeout 30m]
//                               [--skip-baseline] [--unsigned] [--warm-up 30s|the ramp] [--followers-nice 10] [--out DIR] [-- <more kuayu drill run options>]
//   node scripts/bench/drill.js --resume bench-results/drill-run-<time>   (a run cut short: same plan,
//                               databases and groups; the parts' times and counters add up)
//   node scripts/bench/drill.js --chaos [--limit N] ...   (`make chaos`: while the drill runs, kill each
//                               service, the broker, FerretDB and PostgreSQL in turn and restart them;
//                               time to recover per fault, then lost / duplicated / DLQ / supervision
//                               checked, exit 1 on any — scripts/bench/chaos.js, docs/reliability.md)
// The full drill (no --fraction/--limit) is every collaborating court × its case types: 86,328 filings.
// Environment: KAFKA_BROKERS (127.0.0.1:$KAFKA_PORT, 9092), MONGO_URI (mongodb://127.0.0.1:$MONGO_PORT, 27017).
// Ports: the services listen on ports the system picks (nothing clashes with another instance), or on
// --port-base N … N+4 (routing, intake, decision, notification, supervision; supervision's HTTP on N+5).
// With --chaos the ports are fixed for the run (a restarted service keeps its address): picked free by
// the system at the start unless --port-base is given. The broker's, FerretDB's and PostgreSQL's
// processes measured are those of this checkout's scripts/infra/infra.sh (.data/pids), not others'.
// Results: bench-results/drill-<timestamp>.json and a Markdown table on stdout (docs/benchmarks.md).
"use strict";

const { sasl, kafkaEnv } = require("./kafka-auth.js");
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { execFile, spawn, spawnSync } = require("node:child_process");

process.removeAllListeners("warning");
process.on("warning", (w) => {
  if (w.name !== "TimeoutNegativeWarning") process.stderr.write(`${w.name}: ${w.message}\n`);
});

const ROOT = path.resolve(__dirname, "../..");
const argv = process.argv.slice(2);
const passThrough = argv.includes("--") ? argv.slice(argv.indexOf("--") + 1) : [];
const args = argv.includes("--") ? argv.slice(0, argv.indexOf("--")) : argv;
const arg = (name) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
const fail = (msg) => {
  process.stderr.write(`bench/drill: ${msg}\n`);
  process.exit(2);
};
if (args.includes("--help")) {
  process.stdout.write(
    "usage: node scripts/bench/drill.js [--fraction F | --limit N] [--concurrency N] [--drain-timeout 30m] [--skip-baseline] [--warm-up 30s|the ramp] [--followers-nice 10] [--cpu-prof] [--perf-map] [--port-base N] [--out DIR] [-- <kuayu drill run options>]\n       node scripts/bench/drill.js --chaos [--chaos-spacing 20s] [--chaos-outage 3s] [--chaos-faults intake,kafka,...] [same options]\n       node scripts/bench/drill.js --resume DIR [--drain-timeout 30m]\n",
  );
  process.exit(0);
}
const log = (msg) => process.stderr.write(`bench/drill: ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const minutes = (text) => {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)$/.exec(text);
  if (!m) fail(`not a duration: ${text} (e.g. 90s, 30m, 1h)`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2]];
};
/** The drill's `--ramp` (passed through after --) in ms, read as the drill reads it; 0 without one. */
const rampMs = (() => {
  const i = passThrough.findIndex((a) => a === "--ramp" || a.startsWith("--ramp="));
  if (i < 0) return 0;
  const text = passThrough[i].includes("=") ? passThrough[i].slice("--ramp=".length) : passThrough[i + 1];
  const { parseDelay } = require(path.join(ROOT, "libs/cli/dist/drill/plan.js"));
  try {
    const d = parseDelay(text ?? "");
    return d.kind === "fixed" ? d.ms : 0;
  } catch {
    return 0; // the drill refuses it with the reason
  }
})();
const RESUME = arg("resume");
const CFG = {
  fraction: arg("fraction"),
  limit: arg("limit"),
  concurrency: arg("concurrency") ?? "48",
  drainMs: minutes(arg("drain-timeout") ?? "30m"),
  warmUpMs: arg("warm-up") ? minutes(arg("warm-up")) : Math.max(30_000, rampMs),
  baseline: !args.includes("--skip-baseline"),
  /** V8 CPU profiles of every service, written to <run dir>/profiles when they stop (open in Chrome DevTools). */
  cpuProf: args.includes("--cpu-prof"),
  /**
   * Services and drill runner started with --perf-basic-prof-only-functions: a system-wide
   * `perf record -a -g` (linux-perf) then names their JavaScript functions, from /tmp/perf-<pid>.map.
   */
  perfMap: args.includes("--perf-map"),
  /**
   * The niceness notification and supervision run at, as `make up` runs them (scripts/services.sh
   * FOLLOWERS_NICE; docs/architecture.md "The filing path first"); 0: the same as the rest.
   */
  followersNice: Number(arg("followers-nice") ?? 10),
  /** Events signed and verified as in a release (default); --unsigned: neither, to measure what signing costs. */
  signed: !args.includes("--unsigned"),
  out: arg("out") ?? path.join(ROOT, "bench-results"),
  brokers: process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`,
  mongoUri: process.env.MONGO_URI ?? `mongodb://127.0.0.1:${process.env.MONGO_PORT ?? 27017}`,
  portBase: arg("port-base") === undefined ? undefined : Number(arg("port-base")),
  chaos: args.includes("--chaos") ? { spacingMs: minutes(arg("chaos-spacing") ?? "20s"), outageMs: minutes(arg("chaos-outage") ?? "3s"), faults: arg("chaos-faults") } : undefined,
};
if (CFG.portBase !== undefined && !(Number.isInteger(CFG.portBase) && CFG.portBase > 1024 && CFG.portBase < 65530)) fail(`--port-base: not a port number: ${arg("port-base")}`);
if (!(Number.isInteger(CFG.followersNice) && CFG.followersNice >= 0 && CFG.followersNice <= 19)) fail(`--followers-nice: a niceness 0..19, not ${arg("followers-nice")}`);
if (CFG.chaos && RESUME) fail("--chaos starts a run of its own; it cannot --resume one");
for (const f of ["services/routing/dist/main.js", "libs/cli/dist/main.js", "libs/testkit/dist/index.js"]) if (!fs.existsSync(path.join(ROOT, f))) fail(`${f} is not built; run \`make build\` first`);

// ------------------------------------------------------------------ processes and /proc counters

const TICK = Number(spawnSync("getconf", ["CLK_TCK"]).stdout?.toString().trim()) || 100;
/**
 * CPU seconds (user + system) and resident memory of a pid, or undefined when it is gone. `reaped`:
 * the CPU seconds of its children that ended and were waited for.
 */
function procStat(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cpu = (Number(fields[11]) + Number(fields[12])) / TICK;
    const reaped = (Number(fields[13]) + Number(fields[14])) / TICK;
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return { cpu, reaped, rssMb: kb("VmRSS") / 1024, hwmMb: kb("VmHWM") / 1024, shmemMb: kb("RssShmem") / 1024 };
  } catch {
    return undefined;
  }
}
/**
 * CPU seconds of every process but `skip`'s, kernel threads included, by pid: { comm, cpu }. What
 * the machine's busy time holds beyond the processes the benchmark watches.
 */
function otherProcesses(skip) {
  const out = new Map();
  for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    if (skip.has(Number(pid))) continue;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const comm = Number(pid) === process.pid ? "benchmark" : stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      out.set(Number(pid), { comm, cpu: (Number(fields[11]) + Number(fields[12])) / TICK });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
/** The machine's CPU time from /proc/stat, in ticks: busy (user, nice, system, irq, softirq), waiting for I/O, stolen by the host, and all. */
function machineStat() {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  return { busy: user + nice + system + irq + softirq, iowait, steal, all: user + nice + system + idle + iowait + irq + softirq + steal };
}
/**
 * Pids of the broker and the store this checkout's scripts/infra/infra.sh started (its pid files; other
 * instances on the machine are not counted): Kafka, FerretDB, and PostgreSQL's postmaster with its
 * backends (one per connection, so looked up each time).
 */
function infraPids() {
  const out = {};
  const pidOf = (name) => {
    try {
      return Number(fs.readFileSync(path.join(ROOT, `.data/pids/${name}.pid`), "utf8"));
    } catch {
      return undefined;
    }
  };
  for (const [file, name] of [
    ["kafka", "kafka"],
    ["ferretdb", "ferretdb"],
    ["postgres", "postgresql"],
  ]) {
    const pid = pidOf(file);
    if (pid && fs.existsSync(`/proc/${pid}`)) out[name] = [pid];
  }
  const postmaster = out.postgresql?.[0];
  if (postmaster) {
    for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === postmaster) out.postgresql.push(Number(pid));
      } catch {
        // gone meanwhile
      }
    }
  }
  return out;
}

// The run's directory (bench-results/drill-run-<time>/): signing key, service logs, the drill's journal
// and report, and state.json — what a resumed run needs (`--resume DIR`) and the counters of every
// part of the run so far, rewritten at every sample, so a run cut short keeps what it measured.
let workDir;
let part = 1;
const children = [];
// However the run ends (a failure included), no service it started outlives it.
process.on("exit", () => {
  for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

const starts = {};
/**
 * End to end (start to final at the window) of the filings the drill started at least `warmUpMs`
 * after the start of their part, from its journal: the services and the broker still compile and
 * the store's caches fill in a part's first minutes, which a 10,000-filing run's p99 otherwise
 * mostly measures (by default the first 30 s, or the drill's --ramp: the filings started at the
 * full rate). A filing's last outcome counts (a resumed part may record one again); a line cut by a
 * kill is passed over. `unfinished`: those started after the warm-up that did not end final
 * (the slowest of all, left out of the percentiles).
 */
function warmEndToEnd(journalFile, warmUpMs) {
  const outcomes = new Map();
  const parts = [];
  for (const line of fs.readFileSync(journalFile, "utf8").split("\n")) {
    let e;
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof e.segment === "number") parts.push(e.segment);
    if (e.o?.t?.start) outcomes.set(e.o.key, e.o);
  }
  const partOf = (t) => parts.filter((p) => p <= t).at(-1) ?? parts[0];
  const warm = [...outcomes.values()].filter((o) => parts.length > 0 && o.t.start - partOf(o.t.start) >= warmUpMs);
  const times = warm
    .filter((o) => o.state === "final" && o.t.final)
    .map((o) => o.t.final - o.t.start)
    .sort((a, b) => a - b);
  // The drill's own percentile (its report's), from the built CLI.
  const { percentile } = require(path.join(ROOT, "libs/cli/dist/drill/report.js"));
  return { afterS: warmUpMs / 1000, n: times.length, unfinished: warm.length - times.length, ...(times.length ? { p50: percentile(times, 50), p99: percentile(times, 99) } : {}) };
}

/** The flags of --perf-map (V8's log of code positions goes to the run directory, not the cwd). */
const perfMapFlags = (name) => ["--perf-basic-prof-only-functions", "--no-logfile-per-isolate", `--logfile=${path.join(workDir, `${name}-v8.log`)}`];

/** Services off a filing's path: they follow its events, and no step of a filing waits for them. */
const FOLLOWERS = ["notification", "supervision"];
/** Their niceness in this part (a resumed run keeps its first part's unless --followers-nice is given), and those the system refused it. */
let followersNice = CFG.followersNice;
const niceRefused = new Set();

/** Starts a built service as its own process (logs to a file; a restart to a file of its own); resolves with its gRPC address. */
async function startService(name, env) {
  starts[name] = (starts[name] ?? 0) + 1;
  // Its Prometheus endpoint, for the store commands it sends (kuayu_store_commands_total); a restart keeps the port.
  env = { METRICS_PORT: String(await freePort()), ...env };
  const logFile = path.join(workDir, `${name}${part > 1 ? `-part${part}` : ""}${starts[name] > 1 ? `-start${starts[name]}` : ""}.log`);
  const fd = fs.openSync(logFile, "w");
  const prof = [...(CFG.cpuProf ? ["--cpu-prof", "--cpu-prof-dir", path.join(workDir, "profiles"), "--cpu-prof-name", `${name}.cpuprofile`] : []), ...(CFG.perfMap ? perfMapFlags(name) : [])];
  const child = spawn(process.execPath, [...prof, "--require", require.resolve("@kuayu/telemetry/register", { paths: [ROOT] }), path.join(ROOT, `services/${name}/dist/main.js`)], {
    env: { PATH: process.env.PATH ?? "", OTEL_SERVICE_NAME: name, ...env },
    stdio: ["ignore", fd, fd],
  });
  children.push({ name, child });
  // The services that follow the filings yield the CPU to those on a filing's path (docs/architecture.md "The filing path first").
  if (FOLLOWERS.includes(name) && followersNice > 0) {
    try {
      os.setPriority(child.pid, followersNice);
    } catch (err) {
      niceRefused.add(name);
      log(`${name} runs at the priority of the rest: ${err.message}`);
    }
  }
  if (CFG.perfMap) fs.appendFileSync(path.join(workDir, "pids.txt"), `${child.pid} ${name}\n`);
  fs.closeSync(fd);
  for (let i = 0; i < 240; i++) {
    const text = fs.readFileSync(logFile, "utf8");
    const line = text.split("\n").find((l) => l.includes(`"msg":"${name} started"`));
    if (line) return { pid: child.pid, child, env, logFile, addr: `127.0.0.1:${JSON.parse(line).grpcPort}` };
    if (child.exitCode !== null) fail(`${name} exited: ${text.slice(-2000)}`);
    await sleep(250);
  }
  fail(`${name} did not start in 60 s; see ${logFile}`);
}

/**
 * The store commands each service has sent since it started, by collection and command
 * ("<service> <collection> <command>" → n), from its kuayu_store_commands_total, and its requests
 * to the broker by API ("<service> kafka <api>" → n), from its kuayu_kafka_requests_total; a
 * service that does not answer is left out.
 */
async function storeTally(svc) {
  const out = {};
  for (const [name, s] of Object.entries(svc)) {
    const text = await fetch(`http://127.0.0.1:${s.env.METRICS_PORT}/metrics`, { signal: AbortSignal.timeout(5000) })
      .then((r) => r.text())
      .catch(() => "");
    for (const m of text.matchAll(/^kuayu_store_commands_total\{([^}]*)\} ([0-9.e+]+)/gm)) {
      const label = (k) => new RegExp(`${k}="([^"]*)"`).exec(m[1])?.[1] ?? "";
      const key = `${name} ${label("collection") || "-"} ${label("command")}`;
      out[key] = (out[key] ?? 0) + Number(m[2]);
    }
    for (const m of text.matchAll(/^kuayu_kafka_requests_total\{([^}]*)\} ([0-9.e+]+)/gm)) {
      const key = `${name} kafka ${/api="([^"]*)"/.exec(m[1])?.[1] ?? "-"}`;
      out[key] = (out[key] ?? 0) + Number(m[2]);
    }
  }
  return out;
}

/** A port no process listens on now (the system's pick). */
function freePort() {
  const net = require("node:net");
  return new Promise((resolve, reject) => {
    const srv = net.createServer().once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function main() {
  const { Kafka, logLevel } = require("kafkajs");
  const { MongoClient } = require("mongodb");
  const mongo = new MongoClient(CFG.mongoUri, { serverSelectionTimeoutMS: 3000 });
  await mongo.connect().catch((err) => fail(`the store is not reachable at ${CFG.mongoUri} (${err.message}); run scripts/infra/infra.sh up`));
  let state;
  if (RESUME) {
    workDir = path.resolve(RESUME);
    try {
      state = JSON.parse(fs.readFileSync(path.join(workDir, "state.json"), "utf8"));
    } catch (err) {
      fail(`--resume ${RESUME}: no run to resume there (${err.message})`);
    }
    if (state.finished) fail(`--resume ${RESUME}: that run finished; its results are in ${state.finished}`);
    log(`resuming the run of ${state.startedAt} (part ${state.segments.length + 1}) in ${path.relative(ROOT, workDir)}`);
  } else {
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    workDir = path.join(CFG.out, `drill-run-${stamp}`);
    fs.mkdirSync(workDir, { recursive: true });
    const tag = crypto.randomBytes(3).toString("hex");
    // Its own topic namespace: nothing else on the broker (a test run, another bench) reaches this run's services.
    state = { startedAt: new Date().toISOString(), tag, topicPrefix: `bench-drill-${tag}.`, config: { ...CFG, passThrough }, segments: [] };
  }
  const saveState = () => {
    fs.writeFileSync(path.join(workDir, "state.json.tmp"), `${JSON.stringify(state)}\n`);
    fs.renameSync(path.join(workDir, "state.json.tmp"), path.join(workDir, "state.json"));
  };
  const tag = state.tag;
  part = state.segments.length + 1;
  const cfg = state.config; // a resumed run keeps the plan and pace of its first part
  if (arg("followers-nice") === undefined && cfg.followersNice !== undefined) followersNice = cfg.followersNice;
  const result = {
    startedAt: state.startedAt,
    machine: { cpus: os.cpus().length, memGb: Math.round(os.totalmem() / 2 ** 30) },
    config: cfg,
    signedEvents: CFG.signed,
    followersNice,
  };

  // 1. Baselines in the same run: raw kafkajs and raw mongodb driver against the same broker and store
  // (in the first part of a resumed run).
  if (!RESUME && CFG.baseline) {
    log("baseline: raw broker and store (scripts/bench/baseline.js --only kafka,store --rounds 1)…");
    const dir = path.join(workDir, "baseline");
    const r = spawnSync(process.execPath, [path.join(__dirname, "baseline.js"), "--only", "kafka,store", "--rounds", "1", "--out", dir], { encoding: "utf8", env: process.env, timeout: 600_000 });
    if (r.status !== 0) fail(`baseline failed: ${r.stderr.slice(-1500)}`);
    const file = fs.readdirSync(dir).find((f) => f.endsWith(".json"));
    state.baseline = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
    state.baselineTable = r.stdout;
  }
  result.baseline = state.baseline;
  result.baselineTable = state.baselineTable;
  saveState(); // resumable from here on

  // 2. Every service as its own process, on databases of this run.
  const keyFile = path.join(workDir, "key.pem");
  if (!RESUME) {
    const { privateKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256", privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    fs.writeFileSync(keyFile, privateKey, { mode: 0o600 });
  }
  const privateKey = fs.readFileSync(keyFile, "utf8");
  const publicKey = crypto.createPublicKey(privateKey).export({ type: "spki", format: "pem" });
  const dbs = ["intake", "decision", "notification", "supervision"].map((s) => `bench_drill_${s}_${tag}`);
  const groups = Object.fromEntries(["intake", "decision", "notification", "supervision"].map((s) => [s, `bench-drill-${s}-${tag}`]));
  const topicPrefix = state.topicPrefix ?? ""; // runs begun before topic prefixes existed: none
  // Where each service listens: --port-base N…N+5, ports picked free now (--chaos: a restarted service
  // keeps its address), or any free port at each start (0).
  const names = ["routing", "intake", "decision", "notification", "supervision", "supervision-http"];
  const ports = {};
  for (const [i, n] of names.entries()) ports[n] = CFG.portBase ? CFG.portBase + i : CFG.chaos ? await freePort() : 0;
  // Signed events as in a release: a key per producer and the release's event JWKS (scripts/events/dev-keys.sh).
  const eventsDir = path.join(workDir, "events");
  if (CFG.signed && !fs.existsSync(path.join(eventsDir, "jwks.json"))) {
    const r = spawnSync("bash", [path.join(ROOT, "scripts/events/dev-keys.sh"), eventsDir], { encoding: "utf8" });
    if (r.status !== 0) fail(`event keys: ${r.stderr}`);
  }
  const eventEnv = (name) =>
    CFG.signed ? { EVENT_KEYS_FILE: path.join(eventsDir, "jwks.json"), ...(name === "notification" ? {} : { EVENT_SIGNING_KEY_FILE: path.join(eventsDir, `${name}-key.pem`) }) } : {};
  const base = {
    GRPC_HOST: "127.0.0.1",
    KAFKA_BROKERS: CFG.brokers,
    ...kafkaEnv(),
    KAFKA_TOPIC_PREFIX: topicPrefix,
    MONGO_URI: CFG.mongoUri,
    JWT_PUBLIC_KEY: publicKey,
    // Personal data at rest: the development master key (scripts/bootstrap.sh).
    FIELDCRYPT_MASTER_KEY_DIR: path.join(ROOT, ".secrets/fieldcrypt"),
    KAFKA_FROM_BEGINNING: "false",
    LOG_LEVEL: "warn",
  };
  // The services log "<name> started" at info; start them at info, they log little afterwards.
  const svc = {};
  log("starting routing, intake, decision, notification and supervision as their own processes…");
  // Routing serves the directory and the routes of submissions (no store, no Kafka, no events).
  svc.routing = await startService("routing", { GRPC_HOST: base.GRPC_HOST, JWT_PUBLIC_KEY: publicKey, GRPC_PORT: `${ports.routing}`, LOG_LEVEL: "info" });
  svc.intake = await startService("intake", {
    ...base,
    ...eventEnv("intake"),
    GRPC_PORT: `${ports.intake}`,
    LOG_LEVEL: "info",
    MONGO_DB: dbs[0],
    KAFKA_GROUP_ID: groups.intake,
    ROUTING_ADDR: svc.routing.addr,
  });
  svc.decision = await startService("decision", {
    ...base,
    ...eventEnv("decision"),
    GRPC_PORT: `${ports.decision}`,
    LOG_LEVEL: "info",
    MONGO_DB: dbs[1],
    KAFKA_GROUP_ID: groups.decision,
    JWT_PRIVATE_KEY: privateKey,
    INTAKE_ADDRS: `*=${svc.intake.addr}`,
    COPY_INTERVAL_MS: "200",
  });
  svc.notification = await startService("notification", {
    ...base,
    ...eventEnv("notification"),
    GRPC_PORT: `${ports.notification}`,
    LOG_LEVEL: "info",
    MONGO_DB: dbs[2],
    KAFKA_GROUP_ID: groups.notification,
  });
  svc.supervision = await startService("supervision", {
    ...base,
    ...eventEnv("supervision"),
    GRPC_PORT: `${ports.supervision}`,
    LOG_LEVEL: "info",
    MONGO_DB: dbs[3],
    KAFKA_GROUP_ID: groups.supervision,
    HTTP_PORT: `${ports["supervision-http"]}`,
    HTTP_HOST: "127.0.0.1",
    NOTICE_TIME: "off",
  });

  // 3. Counters every 5 s: CPU and memory per process, lag per consumer group.
  const kafka = new Kafka({ clientId: `bench-drill-${tag}`, brokers: CFG.brokers.split(","), sasl: sasl(), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${topicPrefix}kuayu.`) && !t.endsWith(".dlq"));
  /** Events behind, per consumer group; `strict`: fail when the broker does not answer (else count 0). */
  async function lags(strict = false) {
    const out = {};
    for (const [svcName, groupId] of Object.entries(groups)) {
      let lag = 0;
      for (const g of await admin.fetchOffsets({ groupId, topics }).catch((err) => (strict ? Promise.reject(err) : []))) {
        const ends = await admin.fetchTopicOffsets(g.topic);
        for (const p of g.partitions) {
          if (p.offset === "-1") continue;
          const end = ends.find((e) => e.partition === p.partition);
          lag += Math.max(0, Number(end?.high ?? 0) - Number(p.offset));
        }
      }
      out[svcName] = lag;
    }
    return out;
  }
  // PostgreSQL starts a backend per connection, so the store's processes are looked up each time.
  const watched = () => ({ ...Object.fromEntries(Object.entries(svc).map(([n, s]) => [n, [s.pid]])), ...(drillPid ? { "drill runner": [drillPid] } : {}), ...infraPids() });
  let drillPid;
  // CPU per process, summed per name. This run's services and any process that appears during the run
  // count from zero, the broker's and the store's processes from the first sample; a process that ends
  // keeps its last count. PostgreSQL's backends come and go with FerretDB's pool, and an autovacuum
  // worker lives a few seconds, often between two samples: the postmaster counts with the time of its
  // children that ended (reaped), and a child that ends is dropped, as its time is now in that figure.
  const INFRA = new Set(["ferretdb", "postgresql", "kafka"]);
  const cpuOf = new Map(); // name:pid -> { name, base, last }
  let firstSample = true;
  const peak = {};
  // The store's own counters: commands served (FerretDB's serverStatus), from this part's start.
  const storeCommands = async () => {
    const m = (await mongo.db("admin").command({ serverStatus: 1 })).metrics?.commands ?? {};
    return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Number(v.total ?? 0)]));
  };
  const commandsBefore = await storeCommands();
  const commit = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).stdout?.trim() || "unknown";
  const tallyBefore = await storeTally(svc);
  const seg = { startedAt: Date.now(), endedAt: Date.now(), commit, cpu: {}, peak: {}, commands: {}, tally: {}, lag: [], load: [] };
  // Per 5 s: the machine's CPU (busy, I/O wait, stolen by the host: percent of all cores), each
  // process's share (percent of one core) and the store's commands a second — what a slow stretch of
  // the drill coincides with (more commands at the same rate, or each dearer).
  let machineBefore = machineStat();
  let cpuBefore = {};
  let othersBefore = new Map();
  let commandsAt = { at: Date.now(), total: Object.values(commandsBefore).reduce((a, n) => a + n, 0), rows: await storeRows() };
  state.segments.push(seg);
  const sample = async () => {
    const at = Date.now();
    const rssNow = {};
    // PostgreSQL's processes share its buffers: each one's resident memory counts the pages of them
    // it touched, so they are added once (the largest share any process maps), not once a process.
    let pgShared = 0;
    const now = watched();
    const others = otherProcesses(new Set(Object.values(now).flat()));
    const postmaster = now.postgresql ? `postgresql:${now.postgresql[0]}` : undefined;
    const alive = new Set();
    for (const [name, pids] of Object.entries(now)) {
      for (const pid of pids) {
        const s = procStat(pid);
        if (!s) continue;
        const key = `${name}:${pid}`;
        const total = key === postmaster ? s.cpu + s.reaped : s.cpu;
        // (A PostgreSQL child notes its postmaster: only that one's reaped figure will hold its time.)
        const seen = cpuOf.get(key) ?? { name, base: firstSample && INFRA.has(name) ? total : 0, last: 0, parent: name === "postgresql" && key !== postmaster ? postmaster : undefined };
        seen.last = total;
        cpuOf.set(key, seen);
        alive.add(key);
        if (name === "postgresql") pgShared = Math.max(pgShared, s.shmemMb);
        rssNow[name] = (rssNow[name] ?? 0) + (name === "postgresql" ? s.rssMb - s.shmemMb : s.hwmMb);
      }
    }
    if (rssNow.postgresql !== undefined) rssNow.postgresql += pgShared;
    for (const [key, seen] of cpuOf) {
      // (A postmaster that ended, e.g. restarted by --chaos, keeps its last count, and so do its children.)
      if (seen.parent === undefined || seen.parent !== postmaster || alive.has(key) || !alive.has(postmaster)) continue;
      cpuOf.get(postmaster).base += seen.base; // its whole time is in the reaped figure, the part before the run too
      cpuOf.delete(key);
    }
    firstSample = false;
    const cpu = {};
    for (const { name, base, last } of cpuOf.values()) cpu[name] = (cpu[name] ?? 0) + last - base;
    for (const [name, rss] of Object.entries(rssNow)) peak[name] = Math.max(peak[name] ?? 0, rss);
    const lag = await lags().catch(() => ({}));
    const commands = await storeCommands().catch(() => undefined);
    Object.assign(seg, { endedAt: at, cpu, peak: { ...peak } });
    if (commands)
      seg.commands = Object.fromEntries(
        Object.entries(commands)
          .map(([k, v]) => [k, v - (commandsBefore[k] ?? 0)])
          .filter(([, n]) => n > 0),
      );
    seg.lag.push({ t: Math.round((at - seg.startedAt) / 1000), ...lag });
    const m = machineStat();
    const d = (k) => Math.round((100 * (m[k] - machineBefore[k])) / Math.max(1, m.all - machineBefore.all));
    const secs = (m.all - machineBefore.all) / TICK / os.cpus().length;
    const byProcess = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, Math.round((100 * (v - (cpuBefore[k] ?? 0))) / Math.max(0.001, secs))]));
    // The store's commands, and PostgreSQL's rows written and read, a second: a command may carry
    // one row or many (grouped writes carry more while filings queue). (Not over the first sample's
    // few milliseconds: the benchmark's own counting is most of them.)
    const storeTotal = commands ? Object.values(commands).reduce((a, n) => a + n, 0) : undefined;
    const rows = await storeRows();
    const perSecond = (now, before) => Math.round((1000 * (now - before)) / (at - commandsAt.at));
    const storeRate = {};
    if (at - commandsAt.at >= 1000) {
      if (storeTotal !== undefined && commandsAt.total !== undefined) storeRate.storeCommandsPerSecond = perSecond(storeTotal, commandsAt.total);
      if (rows && commandsAt.rows)
        Object.assign(storeRate, { storeRowsWrittenPerSecond: perSecond(rows.written, commandsAt.rows.written), storeRowsReadPerSecond: perSecond(rows.read, commandsAt.rows.read) });
    }
    commandsAt = { at, total: storeTotal, rows };
    // The other processes' share (percent of one core) and the largest of them by name; a process
    // first seen now counts from the next sample (one that becomes a listed process, such as the drill
    // runner, is not counted twice; one that lives less than a sample is missed).
    const otherByName = {};
    for (const [pid, o] of others) otherByName[o.comm] = (otherByName[o.comm] ?? 0) + o.cpu - (othersBefore.get(pid)?.cpu ?? o.cpu);
    const otherPct = (v) => Math.round((100 * v) / Math.max(0.001, secs));
    const otherTop = Object.entries(otherByName)
      .filter(([, v]) => otherPct(v) >= 3)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([n, v]) => `${n} ${otherPct(v)}`)
      .join(", ");
    const other = { other: otherPct(Object.values(otherByName).reduce((a, v) => a + v, 0)), ...(otherTop ? { otherTop } : {}) };
    othersBefore = others;
    (seg.load ??= []).push({ t: Math.round((at - seg.startedAt) / 1000), busy: d("busy"), iowait: d("iowait"), steal: d("steal"), ...storeRate, ...byProcess, ...other });
    machineBefore = m;
    cpuBefore = cpu;
    saveState();
  };
  await sample();
  const sampler = setInterval(() => void sample(), 5000);

  // 4. The drill, as its own process, like an operator runs it, with a journal so that a run cut short
  // can be resumed: same plan, same databases and consumer groups, filings in flight picked up.
  const reportFile = path.join(workDir, "report.json");
  const journal = path.join(workDir, "journal.jsonl");
  const drillArgs = [
    "drill",
    "run",
    "--intake",
    svc.intake.addr,
    "--decision",
    svc.decision.addr,
    "--supervision",
    svc.supervision.addr,
    "--key",
    keyFile,
    "--report",
    reportFile,
    "--journal",
    journal,
    "--concurrency",
    cfg.concurrency,
    "--ack-delay",
    "0",
    "--decide-delay",
    "0",
    "--settle",
    "10m",
    "--progress-interval",
    "30s",
    "--filing-timeout",
    "30m",
    ...(cfg.fraction ? ["--fraction", cfg.fraction] : []),
    ...(cfg.limit ? ["--limit", cfg.limit] : []),
    ...cfg.passThrough,
    ...(RESUME ? ["--resume"] : []),
  ];
  log(`kuayu ${drillArgs.join(" ")}`);
  log(`if this run is cut short, continue it with: make bench-drill ARGS="--resume ${path.relative(ROOT, workDir)}"`);
  const t0 = Date.now();
  const drill = spawn(process.execPath, [...(CFG.perfMap ? perfMapFlags("drill-runner") : []), path.join(ROOT, "libs/cli/dist/main.js"), ...drillArgs], { stdio: ["ignore", "pipe", "inherit"] });
  drillPid = drill.pid;
  if (CFG.perfMap) fs.appendFileSync(path.join(workDir, "pids.txt"), `${drill.pid} drill runner\n`);
  let drillOut = "";
  drill.stdout.on("data", (c) => (drillOut += c));
  const exited = new Promise((r) => drill.on("exit", r));
  // --chaos: the faults, one at a time while the drill runs (scripts/bench/chaos.js).
  const chaos = CFG.chaos && require("./chaos.js");
  const faults = chaos && chaos.startFaults({ svc, startService, lags, journal, workDir, t0, log, ...CFG.chaos });
  const code = await exited;
  const faultsDone = faults && (await faults.finish());
  const drillMs = Date.now() - t0;
  await sample();
  let report;
  try {
    report = JSON.parse(fs.readFileSync(reportFile, "utf8"));
  } catch {
    fail(`the drill exited with code ${code} without a report:\n${drillOut.slice(-2000)}`);
  }
  log(`drill finished with exit code ${code} in ${(drillMs / 1000).toFixed(0)} s${RESUME ? ` (this part; ${report.wallSeconds.toFixed(0)} s over ${state.segments.length} parts)` : ""}`);

  // 5. Drain: until notification and supervision have consumed every event (lag 0), or the timeout.
  log("waiting for every consumer group to catch up…");
  let drainedMs;
  const drainMs = arg("drain-timeout") || !cfg.drainMs ? CFG.drainMs : cfg.drainMs; // a resumed run keeps its first part's
  for (const until = Date.now() + drainMs; Date.now() < until; await sleep(5000)) {
    const l = await lags();
    if (Object.values(l).every((v) => v === 0)) {
      drainedMs = Date.now() - t0;
      break;
    }
  }
  clearInterval(sampler);
  await sample();
  // The services' own count of the commands they sent, from the drill's start (restarted services: since their restart).
  seg.tally = Object.fromEntries(
    Object.entries(await storeTally(svc))
      .map(([k, n]) => [k, n - (tallyBefore[k] ?? 0)])
      .filter(([, n]) => n > 0),
  );
  saveState();
  // Totals over the parts of the run: CPU and store commands summed, memory the peak of any part.
  const total = (pick) => {
    const out = {};
    for (const g of state.segments) for (const [k, v] of Object.entries(pick(g))) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  const cpu = total((g) => g.cpu);
  const commands = total((g) => g.commands);
  const peakOf = (n) => Math.max(...state.segments.map((g) => g.peak[n] ?? 0));
  const partS = (g) => (g.endedAt - g.startedAt) / 1000;
  const wallS = state.segments.reduce((sum, g) => sum + partS(g), 0);
  result.drill = {
    exitCode: code,
    ok: report.ok,
    planned: report.planned,
    drillSeconds: report.wallSeconds,
    drainedSeconds: drainedMs ? drainedMs / 1000 : null,
    filingsPerSecond: report.filingsPerSecond,
    hops: report.hops,
    latencyMs: report.latencyMs,
    warmEndToEndMs: warmEndToEnd(journal, cfg.warmUpMs ?? CFG.warmUpMs),
    failed: report.failed,
    lost: report.lost,
    duplicated: report.duplicated,
    feedbackWithin30Minutes: report.feedbackWithin30Minutes,
    resumed: report.resumed,
  };
  result.parts = state.segments.map((g) => ({ startedAt: new Date(g.startedAt).toISOString(), seconds: +partS(g).toFixed(0), commit: g.commit }));
  result.processes = Object.fromEntries(
    Object.keys(cpu).map((n) => [n, { cpuSeconds: +cpu[n].toFixed(1), cpuPercentOfOneCore: +((cpu[n] / wallS) * 100).toFixed(0), peakMemoryMb: +peakOf(n).toFixed(0) }]),
  );
  const finals = Math.max(1, report.hops["final at window"]);
  result.storeCommands = Object.fromEntries(
    Object.entries(commands)
      .sort(([, a], [, b]) => b - a)
      .map(([k, n]) => [k, { total: n, perFiling: +(n / finals).toFixed(1), perSecond: +(n / wallS).toFixed(0) }]),
  );
  const tally = total((g) => g.tally ?? {});
  const bySource = Object.entries(tally)
    .sort(([, a], [, b]) => b - a)
    .map(([k, n]) => {
      const [service, collection, command] = k.split(" ");
      return { service, collection, command, total: n, perFiling: +(n / finals).toFixed(2) };
    });
  result.storeCommandsBySource = bySource.filter((c) => c.collection !== "kafka");
  result.kafkaRequests = bySource.filter((c) => c.collection === "kafka").map(({ service, command: api, total: n, perFiling }) => ({ service, api, total: n, perFiling }));
  result.lagTimeline = state.segments.flatMap((g, i) => g.lag.map((x) => ({ ...(state.segments.length > 1 ? { part: i + 1 } : {}), ...x })));
  result.loadTimeline = state.segments.flatMap((g, i) => (g.load ?? []).map((x) => ({ ...(state.segments.length > 1 ? { part: i + 1 } : {}), ...x })));
  result.report = report;

  // The store's tables behind FerretDB (one schema per database): how often each was scanned whole
  // (seq_scan, rows read) against index lookups — best effort, needs psql and the infra's PostgreSQL.
  result.tableScans = tableScans(dbs, finals);
  if (faultsDone) {
    const checks = await chaos.checkOutcome({ report, admin, mongo, topicPrefix, dbs: { intake: dbs[0], decision: dbs[1] }, drained: drainedMs !== undefined, chaos: faultsDone });
    result.chaos = { ...faultsDone, outageS: CFG.chaos.outageMs / 1000, spacingS: CFG.chaos.spacingMs / 1000, checks, ok: checks.every((c) => c.ok) };
  }

  // 6. Clean up: processes, databases, groups.
  for (const { child } of children) child.kill("SIGTERM");
  // A profiled service writes its profile as it exits: give it the time to shut down.
  for (let waited = 0; waited < (CFG.cpuProf ? 60_000 : 3000) && children.some(({ child }) => child.exitCode === null); waited += 250) await sleep(250);
  for (const { child } of children) if (child.exitCode === null) child.kill("SIGKILL");
  for (const db of dbs)
    await mongo
      .db(db)
      .dropDatabase()
      .catch(() => undefined);
  await admin.deleteGroups(Object.values(groups)).catch(() => undefined);
  await admin.disconnect();
  await mongo.close();

  if (niceRefused.size > 0) result.followersNiceRefused = [...niceRefused];
  fs.mkdirSync(CFG.out, { recursive: true });
  const out = path.join(CFG.out, `drill-${result.startedAt.replace(/[:.]/g, "-")}.json`);
  fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  state.finished = path.relative(ROOT, out);
  saveState();
  const chaosTable = result.chaos ? `\n${chaos.markdown(result.chaos, result.chaos.checks)}` : "";
  process.stdout.write(`${markdown(result)}${chaosTable}\n\nresults: ${path.relative(ROOT, out)}; work files (service logs): ${workDir}\n`);
  if (code !== 0 || (result.chaos && !result.chaos.ok)) process.exitCode = 1;
}

/** psql's arguments for one query of the store's PostgreSQL database, unaligned, and its environment. */
const psqlArgs = (sql) => ["-h", "127.0.0.1", "-p", process.env.PG_PORT ?? "55432", "-U", "ferretdb", "-d", "ferretdb", "-Atc", sql];
const PSQL_ENV = { ...process.env, PGPASSWORD: process.env.PG_PASS ?? "ferretdb" };

/** PostgreSQL's rows written (inserted, updated, deleted) and read so far, or undefined. */
function storeRows() {
  const sql = "select sum(tup_inserted + tup_updated + tup_deleted), sum(tup_fetched) from pg_stat_database where datname = 'ferretdb'";
  return new Promise((resolve) =>
    execFile("psql", psqlArgs(sql), { encoding: "utf8", env: PSQL_ENV, timeout: 4000 }, (err, out) => {
      const [written, read] = err ? [] : out.trim().split("|").map(Number);
      resolve(Number.isFinite(written) && Number.isFinite(read) ? { written, read } : undefined);
    }),
  );
}

function tableScans(dbs, finals) {
  // ops = lookups (whole-table and index scans, i.e. finds, updates, deletes) + rows inserted: the
  // store work each collection costs, the list that names what to cut next.
  const sql = `select schemaname, relname, seq_scan, seq_tup_read, coalesce(idx_scan, 0), n_live_tup, n_tup_ins, n_tup_upd, n_tup_del from pg_stat_user_tables where schemaname in (${dbs.map((d) => `'${d}'`).join(",")}) order by seq_scan + coalesce(idx_scan, 0) + n_tup_ins desc limit 25`;
  const r = spawnSync("psql", psqlArgs(sql), { encoding: "utf8", env: PSQL_ENV });
  if (r.status !== 0) return undefined;
  return r.stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [schema, table, seqScans, rowsRead, indexScans, rows, inserted, updated, deleted] = l.split("|");
      return {
        database: schema.replace(/_[0-9a-f]{6}$/, ""),
        collection: table.replace(/_[0-9a-f]{8}$/, ""),
        seqScans: +seqScans,
        rowsRead: +rowsRead,
        indexScans: +indexScans,
        rows: +rows,
        inserted: +inserted,
        updated: +updated,
        deleted: +deleted,
        opsPerFiling: +((+seqScans + +indexScans + +inserted) / finals).toFixed(1),
      };
    });
}

function markdown(r) {
  const d = r.drill;
  const ms = (x) => (x === null || Number.isNaN(x) || x === undefined ? "-" : x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)} ms`);
  const lines = [
    `### Drill benchmark, ${r.startedAt} (${r.machine.cpus} cores)`,
    "",
    r.followersNice
      ? `notification and supervision at nice ${r.followersNice} (the filing path first; --followers-nice 0: the same as the rest)${r.followersNiceRefused ? ` — refused by the system for ${r.followersNiceRefused.join(", ")}, which ran at the priority of the rest` : ""}`
      : "every service at the same priority (--followers-nice 0)",
    "",
    // drainedSeconds counts from the start of the (last) part's drill.
    `| filings | drill wall time | final filings/s | all consumers caught up, s after the ${r.parts.length > 1 ? "last part's" : "drill's"} start | lost | duplicated | 30-min feedback |`,
    `|---|---|---|---|---|---|---|`,
    `| ${d.planned} | ${d.drillSeconds.toFixed(0)} s | ${d.filingsPerSecond.toFixed(1)} | ${d.drainedSeconds ? `${d.drainedSeconds.toFixed(0)} s` : "not within the timeout"} | ${d.lost} | ${d.duplicated} | ${(d.feedbackWithin30Minutes * 100).toFixed(1)}% |`,
    "",
    ...(r.report?.supervision
      ? [
          `supervision counted ${r.report.supervision.counted} drill filings in the campaign, ${r.report.supervision.expected} expected${r.report.supervision.ok ? "" : " — MISMATCH (the run fails)"}`,
          "",
        ]
      : []),
    ...(r.parts.length > 1
      ? [`run in ${r.parts.length} parts (resumed after each was cut short): ${r.parts.map((p) => `${p.startedAt} ${p.seconds} s (${p.commit})`).join("; ")}; times and counters are their sums`, ""]
      : []),
    "| hop | n | p50 | p99 |",
    "|---|---|---|---|",
    ...Object.entries(d.latencyMs)
      .filter(([, s]) => s.n > 0)
      .map(([hop, s]) => `| ${hop} | ${s.n} | ${ms(s.p50)} | ${ms(s.p99)} |`),
    ...(d.warmEndToEndMs?.n
      ? [
          `| end to end, filings started ${d.warmEndToEndMs.afterS} s or more into their part${d.warmEndToEndMs.unfinished ? ` (${d.warmEndToEndMs.unfinished} more not final)` : ""} | ${d.warmEndToEndMs.n} | ${ms(d.warmEndToEndMs.p50)} | ${ms(d.warmEndToEndMs.p99)} |`,
        ]
      : []),
    "",
    "| process | CPU s | CPU % of one core | peak memory MB |",
    "|---|---|---|---|",
    ...Object.entries(r.processes)
      .sort(([, a], [, b]) => b.cpuSeconds - a.cpuSeconds)
      .map(([n, p]) => `| ${n} | ${p.cpuSeconds} | ${p.cpuPercentOfOneCore} | ${p.peakMemoryMb} |`),
    "",
    "store commands from the drill's start until every consumer caught up (FerretDB serverStatus; other clients of the store count too):",
    "",
    "| command | total | per final filing | per second |",
    "|---|---|---|---|",
    ...Object.entries(r.storeCommands).map(([k, c]) => `| ${k} | ${c.total} | ${c.perFiling} | ${c.perSecond} |`),
    "",
    ...(r.storeCommandsBySource?.length
      ? [
          "store commands by service, collection and command, per final filing (the services' kuayu_store_commands_total; the 30 largest):",
          "",
          `| service | collection | command | per filing |`,
          "|---|---|---|---|",
          ...r.storeCommandsBySource.slice(0, 30).map((c) => `| ${c.service} | ${c.collection} | ${c.command} | ${c.perFiling} |`),
          "",
          `per service: ${Object.entries(r.storeCommandsBySource.reduce((a, c) => ({ ...a, [c.service]: (a[c.service] ?? 0) + c.perFiling }), {}))
            .map(([n, v]) => `${n} ${v.toFixed(1)}`)
            .join(", ")}`,
          "",
        ]
      : []),
    ...(r.kafkaRequests?.length
      ? [
          "requests to the broker per final filing, by service and API (the services' kuayu_kafka_requests_total):",
          "",
          `| API | ${[...new Set(r.kafkaRequests.map((k) => k.service))].join(" | ")} | all |`,
          `|---|${[...new Set(r.kafkaRequests.map((k) => k.service))].map(() => "---|").join("")}---|`,
          ...[...new Set(r.kafkaRequests.map((k) => k.api))].map((api) => {
            const services = [...new Set(r.kafkaRequests.map((k) => k.service))];
            const of = (s) => r.kafkaRequests.filter((k) => k.api === api && (s === undefined || k.service === s)).reduce((n, k) => n + k.perFiling, 0);
            return `| ${api} | ${services.map((s) => of(s).toFixed(2)).join(" | ")} | ${of().toFixed(2)} |`;
          }),
          "",
        ]
      : []),
    ...(r.tableScans
      ? [
          "",
          "PostgreSQL tables behind FerretDB (pg_stat_user_tables), most worked first: lookups (whole-table and index scans) and rows inserted / updated / deleted, per final filing",
          "",
          "| database | collection | seq scans | rows read | index scans | inserted | updated | deleted | ops per filing |",
          "|---|---|---|---|---|---|---|---|---|",
          ...r.tableScans.map((t) => `| ${t.database} | ${t.collection} | ${t.seqScans} | ${t.rowsRead} | ${t.indexScans} | ${t.inserted} | ${t.updated} | ${t.deleted} | ${t.opsPerFiling} |`),
          "",
        ]
      : []),
    "consumer lag (events behind) over time, seconds from the drill's start:",
    "",
    `| t | ${Object.keys(r.lagTimeline[0] ?? {})
      .filter((k) => k !== "t")
      .join(" | ")} |`,
    `|---|${Object.keys(r.lagTimeline[0] ?? {})
      .filter((k) => k !== "t")
      .map(() => "---")
      .join("|")}|`,
    ...r.lagTimeline
      .filter((_, i, a) => i % Math.max(1, Math.ceil(a.length / 12)) === 0 || i === a.length - 1)
      .map(
        (s) =>
          `| ${s.t} | ${Object.entries(s)
            .filter(([k]) => k !== "t")
            .map(([, v]) => v)
            .join(" | ")} |`,
      ),
  ];
  const load = (r.loadTimeline ?? []).slice(1);
  if (load.length > 0) {
    const sorted = (k) => load.map((x) => x[k]).sort((a, b) => a - b);
    const q = (k, p) => sorted(k)[Math.min(load.length - 1, Math.floor(p * load.length))];
    const mean = (k) => Math.round(load.reduce((a, x) => a + x[k], 0) / load.length);
    lines.push(
      "",
      `machine CPU over 5 s intervals (percent of all cores): busy p50 ${q("busy", 0.5)} %, p90 ${q("busy", 0.9)} %, max ${q("busy", 1)} %; I/O wait mean ${mean("iowait")} %; stolen by the host mean ${mean("steal")} %, max ${q("steal", 1)} %${load.every((x) => x.other !== undefined) ? `; processes not listed above (kernel threads included) mean ${mean("other")} %, max ${q("other", 1)} % of one core` : ""} (per process: loadTimeline in the results JSON)`,
    );
  }
  if (r.baselineTable) lines.push("", "baseline in the same run (raw broker, raw store):", "", "```", r.baselineTable.trim(), "```");
  return lines.join("\n");
}

main().catch((err) => {
  for (const { child } of children) child.kill("SIGKILL");
  fail(err.stack ?? String(err));
});
