#!/usr/bin/env node
// The litigation-cost model's calibration figures (docs/supervision-cost.md): the price of a round
// trip by distance, the directory's coverage by the centroids, and the mean saved per filing over
// the drill plan, within and across provinces. Needs the build (make build).
//   node scripts/data/cost-calibration.js [COST_MODEL_FILE]
const path = require("node:path");
const root = path.resolve(__dirname, "../..");
const { loadDirectory, loadCentroids } = require(`${root}/libs/directory/dist/index.js`);
const { tripCost, costSaved } = require(`${root}/services/supervision/dist/domain/cost.js`);
const { readCostModel } = require(`${root}/services/supervision/dist/adapters/cost-model.js`);
const { planDrill } = require(`${root}/libs/cli/dist/drill/plan.js`);

const model = readCostModel(process.argv[2]);
const dir = loadDirectory({});
const at = loadCentroids();
const { points } = require(`${root}/libs/directory/data/division-centroids.json`);

console.log("one-way road km → yuan per round trip");
for (const km of [10, 50, 100, 200, 300, 301, 500, 1000, 2000, 3000]) console.log(`  ${km}\t${Math.round(tripCost(km, model).total)}`);

const coverage = { own: 0, prefecture: 0, province: 0, none: 0 };
for (const c of dir.courts) {
  const d = c.division;
  if (points[d]) coverage.own++;
  else if (points[`${d.slice(0, 4)}00`]) coverage.prefecture++;
  else if (at(d)) coverage.province++;
  else coverage.none++;
}
console.log("courts located by their own division, prefecture, province, not at all:", coverage);

const plan = planDrill(dir, { seed: 1, corrections: 0, rejections: 0, ackDelay: { kind: "fixed", ms: 0 }, decideDelay: { kind: "fixed", ms: 0 } });
const groups = { within: [0, 0], across: [0, 0] };
for (const f of plan.filings) {
  const a = dir.byId(f.from.id);
  const b = dir.byId(f.to.id);
  const g = groups[a.province === b.province ? "within" : "across"];
  g[0] += costSaved(at(a.division), at(b.division), 1, model);
  g[1]++;
}
const mean = ([sum, n]) => (n ? Math.round(sum / n) : 0);
console.log("drill plan, one trip per filing:", {
  within: { filings: groups.within[1], mean: mean(groups.within) },
  across: { filings: groups.across[1], mean: mean(groups.across) },
  all: { filings: groups.within[1] + groups.across[1], mean: mean([groups.within[0] + groups.across[0], groups.within[1] + groups.across[1]]) },
});
