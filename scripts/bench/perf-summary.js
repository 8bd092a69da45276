#!/usr/bin/env node
// Where the machine's CPU went during a drill, from a system-wide Linux perf profile: by process,
// and inside the Node.js processes by layer (the store's driver, crypto, protobuf, kafkajs, …) and
// by JavaScript function. Unlike a V8 profile (--cpu-prof), perf counts only time on a core: on two
// busy cores a V8 profile charges a process's waits for a core to whatever it was doing.
//
//   make bench-drill ARGS="--limit 2000 --skip-baseline --perf-map" &     # services name their JS functions
//   perf record -a -g -F 199 -o /tmp/drill.perf -- sleep 60                # (apt-get install linux-perf) mid-run
//   perf script -i /tmp/drill.perf -F pid,tid,comm,ip,sym,dso > /tmp/drill.txt
//   node scripts/bench/perf-summary.js /tmp/drill.txt bench-results/drill-run-<time> [--top 25]
//
// The run directory's pids.txt names the services' and the drill runner's processes; the broker's
// and the store's come from .data/pids (scripts/infra/infra.sh); PostgreSQL's backends by their name.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const [file, runDir] = process.argv.slice(2);
if (!file || file === "--help") {
  process.stdout.write("usage: node scripts/bench/perf-summary.js PERF_SCRIPT.txt [RUN_DIR] [--top N]\n");
  process.exit(file ? 0 : 2);
}
const top = process.argv.includes("--top") ? Number(process.argv[process.argv.indexOf("--top") + 1]) : 25;

const names = new Map();
if (runDir && fs.existsSync(path.join(runDir, "pids.txt"))) {
  for (const line of fs.readFileSync(path.join(runDir, "pids.txt"), "utf8").split("\n")) {
    const [pid, ...name] = line.trim().split(" ");
    if (pid) names.set(pid, name.join(" "));
  }
}
/** The Node.js processes: the services and the drill runner. */
const node = new Set(names.values());
const pidsDir = path.join(__dirname, "../../.data/pids");
for (const infra of ["kafka", "ferretdb"]) {
  const f = path.join(pidsDir, `${infra}.pid`);
  if (fs.existsSync(f)) names.set(fs.readFileSync(f, "utf8").trim(), infra);
}

/** The samples of `perf script -F pid,tid,comm,ip,sym,dso`: a header line, then frames leaf first. */
function* samples(text) {
  let cur;
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      if (cur) yield cur;
      cur = undefined;
    } else if (!/^\s/.test(line)) {
      const m = /^(.*?)\s+(\d+)\/(\d+)/.exec(line);
      cur = m ? { comm: m[1].trim(), pid: m[2], frames: [] } : undefined;
    } else if (cur) {
      const m = /^\s*[0-9a-f]+ (.*) \((.*)\)$/.exec(line);
      if (m) cur.frames.push({ sym: m[1], dso: m[2] });
    }
  }
  if (cur) yield cur;
}

const processOf = (s) => names.get(s.pid) ?? (s.comm === "postgres" ? "postgresql" : s.comm);
const LAYERS = [
  ["the store's driver (mongodb, bson, mongoose)", /node_modules\/(mongodb|bson|mongoose)\/|instrumentation-mongodb/],
  ["kafkajs", /node_modules\/kafkajs\//],
  ["gRPC", /node_modules\/@grpc\/|instrumentation-grpc/],
  ["crypto (signatures, tokens, field encryption)", /node_modules\/jose\/|\/libs\/kafka\/dist\/signing|node:internal\/crypto|\/libs\/fieldcrypt\//],
  ["protovalidate", /protovalidate/],
  ["protobuf", /@bufbuild\/protobuf/],
  ["OpenTelemetry", /opentelemetry/],
  ["logging", /node_modules\/pino/],
];
const GC = /Scaveng|Marking|Sweep|Heap::|GCTracer|Evacuat|Compactor/;
function layerOf(s) {
  if (s.comm === "V8Worker") return "V8's GC and compiler threads";
  if (s.frames[0] && GC.test(s.frames[0].sym)) return "GC on the main thread";
  for (const f of s.frames) {
    if (!f.sym.startsWith("JS:")) continue;
    for (const [layer, re] of LAYERS) if (re.test(f.sym)) return layer;
  }
  if (s.frames.some((f) => f.sym.startsWith("JS:") && /\/(libs|services)\//.test(f.sym))) return "own code";
  return s.frames[0]?.dso.startsWith("[kernel") ? "kernel (sockets, scheduling)" : "other native (libuv, promises, Node's streams)";
}
const jsName = (sym) => sym.replace(/^JS:[*+^~]?'?/, "").replace(process.cwd() + "/", "");

const byProcess = new Map();
const layers = new Map();
const functions = new Map();
let total = 0;
let inNode = 0;
const add = (m, k, n = 1) => m.set(k, (m.get(k) ?? 0) + n);
for (const s of samples(fs.readFileSync(file, "utf8"))) {
  total++;
  const p = processOf(s);
  add(byProcess, p);
  if (!node.has(p)) continue;
  inNode++;
  add(layers, layerOf(s));
  for (const f of new Set(s.frames.filter((f) => f.sym.startsWith("JS:")).map((f) => jsName(f.sym)))) add(functions, f);
}
const pct = (n, of) => `${((100 * n) / of).toFixed(1).padStart(5)} %`;
const table = (title, m, of, n = top) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) process.stdout.write(`  ${pct(v, of)}  ${k}\n`);
};
process.stdout.write(`${file}: ${total} samples\n`);
table("by process (of every sample)", byProcess, total, 15);
if (inNode > 0) {
  table(`the Node.js processes by layer (of their ${inNode} samples)`, layers, inNode);
  table("by JavaScript function, inclusive (a function and what it called)", functions, inNode);
}
