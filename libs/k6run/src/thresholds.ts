// k6 thresholds: `thresholds: { metric: ["p(95)<500", { threshold: "rate>0.99", abortOnFail: true }] }`
// and submetrics `"http_req_duration{status:200}"`. A threshold holds when its expression is true.
import { parseDuration } from "./duration.js";
import { metricValues, trendStat, type Metric, type MetricType, type Tags } from "./metrics.js";

export class ConfigError extends Error {
  override name = "ConfigError";
}

export type Operator = "<" | "<=" | ">" | ">=" | "==" | "===" | "!=";

export interface Threshold {
  /** The expression as written, e.g. "p(95)<500". */
  source: string;
  /** The metric key as written, e.g. "http_req_duration{status:200}". */
  key: string;
  metric: string;
  filter?: Tags;
  /** avg, min, max, med, p(N), count, rate or value. */
  aggregation: string;
  operator: Operator;
  value: number;
  abortOnFail: boolean;
  delayAbortEvalMs: number;
}

const EXPRESSION = /^\s*(avg|min|max|med|count|rate|value|p\(\s*\d+(?:\.\d+)?\s*\))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*$/;

/** Which aggregations each metric type supports (as k6 validates them). */
const AGGREGATIONS: Record<MetricType, (a: string) => boolean> = {
  trend: (a) => ["avg", "min", "max", "med"].includes(a) || a.startsWith("p("),
  counter: (a) => a === "count" || a === "rate",
  rate: (a) => a === "rate",
  gauge: (a) => a === "value",
};

export function parseExpression(source: string): Pick<Threshold, "aggregation" | "operator" | "value"> {
  const m = EXPRESSION.exec(source);
  if (!m) throw new ConfigError(`threshold "${source}" is not "<aggregation> <operator> <number>", e.g. "p(95)<500" or "rate>0.99"`);
  const aggregation = m[1]!.replace(/\s+/g, "");
  const p = /^p\((.+)\)$/.exec(aggregation);
  if (p && Number(p[1]) > 100) throw new ConfigError(`threshold "${source}": percentile above 100`);
  return { aggregation, operator: m[2] as Operator, value: Number(m[3]) };
}

/** "name{tag:value,other:x}" → the metric name and the tag filter of its submetric. */
export function parseMetricKey(key: string): { metric: string; filter?: Tags } {
  const m = /^\s*([^{\s]+)\s*(?:\{(.*)\})?\s*$/.exec(key);
  if (!m) throw new ConfigError(`threshold metric "${key}" is not "name" or "name{tag:value}"`);
  if (m[2] === undefined) return { metric: m[1]! };
  const filter: Record<string, string> = {};
  for (const pair of m[2].split(",")) {
    const i = pair.indexOf(":");
    if (i <= 0) throw new ConfigError(`threshold metric "${key}": "${pair.trim()}" is not tag:value`);
    filter[pair.slice(0, i).trim()] = pair
      .slice(i + 1)
      .trim()
      .replace(/^["'](.*)["']$/, "$1");
  }
  return { metric: m[1]!, filter };
}

/** The thresholds of a script's options, in order. */
export function parseThresholds(spec: unknown): Threshold[] {
  if (spec === undefined || spec === null) return [];
  if (typeof spec !== "object" || Array.isArray(spec)) throw new ConfigError("options.thresholds must be an object of metric → array of thresholds");
  const out: Threshold[] = [];
  for (const [key, list] of Object.entries(spec)) {
    const { metric, filter } = parseMetricKey(key);
    const items: unknown[] = Array.isArray(list) ? list : [list];
    for (const item of items) {
      let source: unknown = item;
      let abortOnFail = false;
      let delayAbortEvalMs = 0;
      if (item && typeof item === "object") {
        const o = item as Record<string, unknown>;
        source = o.threshold;
        abortOnFail = o.abortOnFail === true;
        if (o.delayAbortEval !== undefined) delayAbortEvalMs = parseDuration(o.delayAbortEval, `${key}: delayAbortEval`);
      }
      if (typeof source !== "string") throw new ConfigError(`threshold of "${key}" must be a string or { threshold: string, abortOnFail?: boolean }`);
      out.push({ source, key, metric, ...(filter ? { filter } : {}), ...parseExpression(source), abortOnFail, delayAbortEvalMs });
    }
  }
  return out;
}

/** Throws unless the threshold's aggregation fits the metric's type. */
export function checkAggregation(t: Threshold, type: MetricType): void {
  if (!AGGREGATIONS[type](t.aggregation)) {
    throw new ConfigError(`threshold "${t.source}" on "${t.key}": ${t.aggregation} is not an aggregation of a ${type} metric`);
  }
}

export function compare(actual: number, op: Operator, expected: number): boolean {
  switch (op) {
    case "<":
      return actual < expected;
    case "<=":
      return actual <= expected;
    case ">":
      return actual > expected;
    case ">=":
      return actual >= expected;
    case "==":
    case "===":
      return actual === expected;
    case "!=":
      return actual !== expected;
  }
}

/** The metric's current value for the threshold's aggregation. */
export function aggregate(t: Threshold, m: Metric, durationMs: number): number {
  checkAggregation(t, m.type);
  if (m.type === "trend")
    return trendStat(
      [...m.select(t.filter)].sort((a, b) => a - b),
      t.aggregation,
    );
  return metricValues(m, durationMs, [], t.filter)[t.aggregation]!;
}

export interface ThresholdResult {
  threshold: Threshold;
  ok: boolean;
  /** The value the expression was evaluated with. */
  actual: number;
}

/** Evaluates each threshold; a metric without samples counts as zero, as in k6. */
export function evaluateThresholds(thresholds: readonly Threshold[], metrics: ReadonlyMap<string, Metric>, durationMs: number): ThresholdResult[] {
  return thresholds.map((t) => {
    const m = metrics.get(t.metric);
    if (!m) throw new ConfigError(`threshold on "${t.key}": no metric "${t.metric}" (declare custom metrics in the init context)`);
    const actual = aggregate(t, m, durationMs);
    return { threshold: t, ok: compare(actual, t.operator, t.value), actual };
  });
}
