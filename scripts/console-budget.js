#!/usr/bin/env node
// The console's JavaScript budget: what the window clerk's first page loads (the entry chunk, the
// window area's chunk, its landing page — the court's filings — and everything they import
// statically), gzipped, must stay within 350 KB.
// Reads the Vite manifest of services/console/dist-web; prints each area's weight. Exit 1 over budget.
const fs = require("node:fs");
const path = require("node:path");
const zlib = require("node:zlib");

const BUDGET = 350 * 1024;
const dist = path.join(__dirname, "../services/console/dist-web");
const manifest = JSON.parse(fs.readFileSync(path.join(dist, ".vite/manifest.json"), "utf8"));

/** Files a chunk loads before it runs: itself and its static imports, transitively. */
function closure(key, seen = new Set()) {
  if (seen.has(key)) return seen;
  seen.add(key);
  for (const k of manifest[key].imports ?? []) closure(k, seen);
  return seen;
}
const gz = (files) => [...new Set(files)].reduce((n, f) => n + zlib.gzipSync(fs.readFileSync(path.join(dist, f)), { level: 9 }).length, 0);
const filesOf = (keys) => [...keys].map((k) => manifest[k].file);
const area = (name) => Object.keys(manifest).find((k) => k === `src/pages/${name}/index.tsx`);

const entry = closure("index.html");
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
let over = false;
for (const name of ["window", "inbox", "directory", "supervision", "notifications"]) {
  const key = area(name);
  if (!key) continue;
  const pages = name === "window" ? [key, "src/pages/window/FilingList.tsx"] : [key];
  const total = gz(filesOf(new Set([...entry, ...pages.flatMap((k) => [...closure(k)])])));
  const limit = name === "window" ? BUDGET : undefined;
  if (limit && total > limit) over = true;
  console.log(`console-budget: /${name} first load ${kb(total)} gzipped${limit ? ` (budget ${kb(limit)})` : ""}`);
}
if (over) {
  console.error("console-budget: the window's first page is over its budget");
  process.exit(1);
}
