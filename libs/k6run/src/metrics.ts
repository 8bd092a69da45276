// Metric samples and their aggregation, as k6 defines them. Every sample is kept (as k6's own
// trend sinks do) so that percentiles are exact and tag-filtered submetrics can be computed at the
// end; the runner is meant for test-sized runs, real load tests run on k6.

export type MetricType = "counter" | "gauge" | "rate" | "trend";
export type Tags = Readonly<Record<string, string>>;

/** k6's metric name rule. */
const NAME = /^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/;

export class Metric {
  readonly values: number[] = [];
  readonly tags: (Tags | undefined)[] = [];

  constructor(
    readonly name: string,
    readonly type: MetricType,
    /** Values are milliseconds (printed as durations). */
    readonly isTime: boolean,
  ) {}

  add(value: number, tags?: Tags): void {
    this.values.push(value);
    this.tags.push(tags);
  }

  /** The samples whose tags include every tag of the filter. */
  select(filter?: Tags): number[] {
    if (!filter || Object.keys(filter).length === 0) return this.values;
    const entries = Object.entries(filter);
    return this.values.filter((_, i) => entries.every(([k, v]) => this.tags[i]?.[k] === v));
  }
}

export class Registry {
  readonly metrics = new Map<string, Metric>();

  /** The metric of that name, created on first use; the type must match an existing one. */
  get(name: string, type: MetricType, isTime = false): Metric {
    if (!NAME.test(name)) throw new Error(`invalid metric name "${name}": letters, digits and _ only, not starting with a digit`);
    const m = this.metrics.get(name);
    if (m) {
      if (m.type !== type) throw new Error(`metric "${name}" already exists as a ${m.type}, not a ${type}`);
      return m;
    }
    const created = new Metric(name, type, isTime);
    this.metrics.set(name, created);
    return created;
  }
}

/**
 * Percentile of sorted values with linear interpolation between the closest ranks — k6's
 * TrendSink.P: i = p·(n−1), the value at ⌊i⌋ plus the fraction of the way to the value at ⌈i⌉.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (p < 0 || p > 100) throw new Error(`percentile ${p} is outside 0–100`);
  if (sorted.length === 0) return 0;
  const i = (p / 100) * (sorted.length - 1);
  const lo = sorted[Math.floor(i)]!;
  const hi = sorted[Math.ceil(i)]!;
  return lo + (hi - lo) * (i - Math.floor(i));
}

/** A trend statistic by its k6 name: avg, min, med, max, count, p(N). */
export function trendStat(sorted: readonly number[], stat: string): number {
  const n = sorted.length;
  switch (stat) {
    case "avg":
      return n === 0 ? 0 : sorted.reduce((a, b) => a + b, 0) / n;
    case "min":
      return n === 0 ? 0 : sorted[0]!;
    case "max":
      return n === 0 ? 0 : sorted[n - 1]!;
    case "med":
      return percentile(sorted, 50);
    case "count":
      return n;
  }
  const p = /^p\((\d+(?:\.\d+)?)\)$/.exec(stat);
  if (p) return percentile(sorted, Number(p[1]));
  throw new Error(`unknown trend statistic "${stat}" (avg, min, med, max, count, p(N))`);
}

export const DEFAULT_TREND_STATS = ["avg", "min", "med", "max", "p(90)", "p(95)"];

/**
 * The values k6 reports for a metric (handleSummary's `values`): trend → the trend stats;
 * counter → count and per-second rate; rate → rate, passes, fails; gauge → value, min, max.
 */
export function metricValues(m: Metric, durationMs: number, trendStats = DEFAULT_TREND_STATS, filter?: Tags): Record<string, number> {
  const v = m.select(filter);
  switch (m.type) {
    case "trend": {
      const sorted = [...v].sort((a, b) => a - b);
      return Object.fromEntries(trendStats.map((s) => [s, trendStat(sorted, s)]));
    }
    case "counter": {
      const count = v.reduce((a, b) => a + b, 0);
      return { count, rate: durationMs > 0 ? count / (durationMs / 1000) : 0 };
    }
    case "rate": {
      const passes = v.filter((x) => x !== 0).length;
      return { rate: v.length === 0 ? 0 : passes / v.length, passes, fails: v.length - passes };
    }
    case "gauge":
      if (v.length === 0) return { value: 0, min: 0, max: 0 };
      return { value: v[v.length - 1]!, min: v.reduce((a, b) => Math.min(a, b)), max: v.reduce((a, b) => Math.max(a, b)) };
  }
}
