#!/usr/bin/env node
// Where a service's CPU went: self time of a V8 CPU profile (`make bench-drill ARGS="--cpu-prof"`
// writes one per service) summed by package and by function, largest first.
//   node scripts/bench/profile-summary.js bench-results/drill-run-<time>/profiles/intake.cpuprofile [--top 25]
"use strict";
const fs = require("node:fs");

const file = process.argv[2];
if (!file || file === "--help") {
  process.stdout.write("usage: node scripts/bench/profile-summary.js FILE.cpuprofile [--top N]\n");
  process.exit(file ? 0 : 2);
}
const top = Number(process.argv[process.argv.indexOf("--top") + 1]) || 25;
const profile = JSON.parse(fs.readFileSync(file, "utf8"));

// Self time per node: the sampling interval after each sample belongs to the sampled node.
const selfUs = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i + 1] ?? 0;
  selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + dt);
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

/** The package a script belongs to: an npm package, a workspace (libs/x, services/x), node itself, or V8. */
function packageOf(url) {
  if (!url) return "(native / V8)";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "node_modules/".length).split("/");
    return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const ws = /\/(libs|services)\/([^/]+)\//.exec(url);
  if (ws) return `${ws[1]}/${ws[2]}`;
  if (url.startsWith("node:")) return "node";
  return url;
}

const byPackage = new Map();
const byFunction = new Map();
for (const n of profile.nodes) {
  const us = selfUs.get(n.id) ?? 0;
  if (us === 0) continue;
  const { functionName, url, lineNumber } = n.callFrame;
  const special = ["(idle)", "(program)", "(garbage collector)"].includes(functionName);
  const pkg = special ? functionName : packageOf(url);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  const fn = `${functionName || "(anonymous)"} ${special ? "" : `${pkg}:${lineNumber + 1}`}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
}

const busy = total - (byPackage.get("(idle)") ?? 0);
const print = (title, m) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${(us / 1e6).toFixed(1).padStart(8)} s ${((100 * us) / busy).toFixed(1).padStart(5)} %  ${k}\n`);
  }
};
process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (percentages of busy)\n`);
print("by package", byPackage);
print("by function", byFunction);
