// The "k6/metrics" module: custom Trend, Counter, Rate and Gauge metrics.
import { contextTags, requirePhase, runtime } from "../context.js";
import type { Metric, MetricType } from "../metrics.js";

function declare(kind: string, type: MetricType, name: string, isTime: boolean): Metric {
  requirePhase(`new ${kind}()`, ["init"]);
  if (typeof name !== "string") throw new Error(`new ${kind}() needs a metric name`);
  return runtime.registry.get(name, type, isTime);
}

/** Percentiles, avg, min, max of values; `isTime` prints them as durations (ms). */
export class Trend {
  readonly #m: Metric;
  constructor(name: string, isTime = false) {
    this.#m = declare("Trend", "trend", name, isTime);
  }
  get name(): string {
    return this.#m.name;
  }
  add(value: number, tags?: Record<string, unknown>): void {
    this.#m.add(Number(value), contextTags(tags));
  }
}

/** A sum (and its per-second rate). */
export class Counter {
  readonly #m: Metric;
  constructor(name: string) {
    this.#m = declare("Counter", "counter", name, false);
  }
  get name(): string {
    return this.#m.name;
  }
  add(value: number, tags?: Record<string, unknown>): void {
    this.#m.add(Number(value), contextTags(tags));
  }
}

/** The share of non-zero (true) values. */
export class Rate {
  readonly #m: Metric;
  constructor(name: string) {
    this.#m = declare("Rate", "rate", name, false);
  }
  get name(): string {
    return this.#m.name;
  }
  add(value: unknown, tags?: Record<string, unknown>): void {
    this.#m.add(value ? 1 : 0, contextTags(tags));
  }
}

/** The last value (and min, max). */
export class Gauge {
  readonly #m: Metric;
  constructor(name: string, isTime = false) {
    this.#m = declare("Gauge", "gauge", name, isTime);
  }
  get name(): string {
    return this.#m.name;
  }
  add(value: number, tags?: Record<string, unknown>): void {
    this.#m.add(Number(value), contextTags(tags));
  }
}
