// The end-of-test summary: the data k6 passes to handleSummary(), the legacy JSON of
// --summary-export, and a k6-like text report.
import { formatDuration } from "./duration.js";
import { metricValues, type Metric } from "./metrics.js";
import type { ThresholdResult } from "./thresholds.js";
import type { CheckRecord, GroupRecord } from "./context.js";

export interface SummaryMetric {
  type: Metric["type"];
  contains: "time" | "default";
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

interface GroupJson {
  name: string;
  path: string;
  id: string;
  groups: GroupJson[];
  checks: CheckRecord[];
}

export interface SummaryData {
  metrics: Record<string, SummaryMetric>;
  root_group: GroupJson;
  options: { summaryTrendStats: string[]; summaryTimeUnit: string; noColor: boolean };
  state: { isStdOutTTY: boolean; isStdErrTTY: boolean; testRunDurationMs: number };
}

const groupJson = (g: GroupRecord): GroupJson => ({ name: g.name, path: g.path, id: g.id, groups: [...g.groups.values()].map(groupJson), checks: [...g.checks.values()] });

export function buildSummary(metrics: ReadonlyMap<string, Metric>, results: readonly ThresholdResult[], rootGroup: GroupRecord, durationMs: number, trendStats: string[]): SummaryData {
  const out: Record<string, SummaryMetric> = {};
  const entry = (key: string, m: Metric, filter?: Readonly<Record<string, string>>) =>
    (out[key] ??= { type: m.type, contains: m.isTime ? "time" : "default", values: metricValues(m, durationMs, trendStats, filter) });
  for (const m of metrics.values()) if (m.values.length > 0) entry(m.name, m);
  for (const r of results) {
    const m = metrics.get(r.threshold.metric)!;
    const e = entry(r.threshold.key, m, r.threshold.filter);
    (e.thresholds ??= {})[r.threshold.source] = { ok: r.ok };
  }
  return {
    metrics: Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b))),
    root_group: groupJson(rootGroup),
    options: { summaryTrendStats: trendStats, summaryTimeUnit: "", noColor: false },
    state: { isStdOutTTY: Boolean(process.stdout.isTTY), isStdErrTTY: Boolean(process.stderr.isTTY), testRunDurationMs: durationMs },
  };
}

interface LegacyGroup {
  name: string;
  path: string;
  id: string;
  groups: Record<string, LegacyGroup>;
  checks: Record<string, CheckRecord>;
}

const legacyGroup = (g: GroupJson): LegacyGroup => ({
  name: g.name,
  path: g.path,
  id: g.id,
  groups: Object.fromEntries(g.groups.map((c) => [c.name, legacyGroup(c)])),
  checks: Object.fromEntries(g.checks.map((c) => [c.name, c])),
});

/**
 * k6's --summary-export format: metric values flattened, rates as { passes, fails, value }, and
 * thresholds as { "<expression>": <crossed> } — true means the threshold FAILED, as in k6.
 */
export function legacyExport(s: SummaryData): Record<string, unknown> {
  const metrics: Record<string, Record<string, unknown>> = {};
  for (const [name, m] of Object.entries(s.metrics)) {
    const v: Record<string, unknown> = m.type === "rate" ? { passes: m.values.passes, fails: m.values.fails, value: m.values.rate } : { ...m.values };
    if (m.thresholds) v.thresholds = Object.fromEntries(Object.entries(m.thresholds).map(([src, t]) => [src, !t.ok]));
    metrics[name] = v;
  }
  return { root_group: legacyGroup(s.root_group), options: s.options, state: s.state, metrics };
}

const fmt = (m: SummaryMetric, v: number) => (m.contains === "time" ? formatDuration(v) : Number.isInteger(v) ? String(v) : v.toFixed(6).replace(/\.?0+$/, ""));
const pct = (r: number) => `${(r * 100).toFixed(2)}%`;

function metricLine(m: SummaryMetric): string {
  const v = m.values;
  switch (m.type) {
    case "trend":
      return Object.entries(v)
        .map(([k, x]) => `${k}=${fmt(m, x)}`)
        .join(" ");
    case "counter":
      return `${fmt(m, v.count!)}  ${v.rate!.toFixed(6).replace(/\.?0+$/, "")}/s`;
    case "rate":
      return `${pct(v.rate!)}  ✓ ${v.passes}  ✗ ${v.fails}`;
    case "gauge":
      return `${fmt(m, v.value!)}  min=${fmt(m, v.min!)} max=${fmt(m, v.max!)}`;
  }
}

function checkLines(g: GroupJson, indent: string, lines: string[]): void {
  if (g.name) lines.push(`${indent}█ ${g.name}`, "");
  const inner = g.name ? `${indent}  ` : indent;
  for (const c of g.checks) {
    const total = c.passes + c.fails;
    if (c.fails === 0) lines.push(`${inner}✓ ${c.name}`);
    else lines.push(`${inner}✗ ${c.name}`, `${inner} ↳  ${Math.floor((c.passes / total) * 100)}% — ✓ ${c.passes} / ✗ ${c.fails}`);
  }
  if (g.checks.length > 0) lines.push("");
  for (const child of g.groups) checkLines(child, inner, lines);
}

/** The report printed at the end (unless the script has handleSummary). */
export function textSummary(s: SummaryData, results: readonly ThresholdResult[], notes: string[]): string {
  const lines: string[] = [""];
  if (results.length > 0) {
    lines.push("  █ THRESHOLDS", "");
    const byKey = new Map<string, ThresholdResult[]>();
    for (const r of results) byKey.set(r.threshold.key, [...(byKey.get(r.threshold.key) ?? []), r]);
    for (const [key, rs] of byKey) {
      lines.push(`    ${key}`);
      for (const r of rs) {
        const m = s.metrics[key]!;
        const shown = r.threshold.aggregation === "rate" && m.type === "rate" ? pct(r.actual) : fmt(m, r.actual);
        lines.push(`    ${r.ok ? "✓" : "✗"} '${r.threshold.source}' ${r.threshold.aggregation}=${shown}`);
      }
      lines.push("");
    }
    lines.push("");
  }
  lines.push("  █ TOTAL RESULTS", "");
  checkLines(s.root_group, "    ", lines);
  const names = Object.keys(s.metrics).filter((n) => !n.includes("{"));
  const width = Math.max(30, ...names.map((n) => n.length + 4));
  for (const name of names) {
    const m = s.metrics[name]!;
    const mark = m.thresholds ? (Object.values(m.thresholds).every((t) => t.ok) ? "✓ " : "✗ ") : "  ";
    lines.push(`  ${mark}${name}${".".repeat(width - name.length)}: ${metricLine(m)}`);
    for (const sub of Object.keys(s.metrics).filter((n) => n.startsWith(`${name}{`))) {
      const sm = s.metrics[sub]!;
      const subMark = Object.values(sm.thresholds ?? {}).every((t) => t.ok) ? "✓ " : "✗ ";
      const label = sub.slice(name.length);
      lines.push(`    ${subMark}${label}${".".repeat(Math.max(1, width - label.length - 2))}: ${metricLine(sm)}`);
    }
  }
  lines.push("", ...notes.map((n) => `  ${n}`), "");
  return lines.join("\n");
}
