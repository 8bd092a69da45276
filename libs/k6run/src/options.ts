// The scenarios a run executes, from the script's `options` and the command line, with k6's
// precedence: --iterations or --duration on the command line replace every scenario of the script
// by one "default" scenario (k6's execution shortcuts); --vus alone only sizes that shortcut.
import { parseDuration } from "./duration.js";
import { ConfigError } from "./thresholds.js";

export const EXECUTORS = ["shared-iterations", "per-vu-iterations", "constant-vus", "constant-arrival-rate"] as const;
export type Executor = (typeof EXECUTORS)[number];

export interface Scenario {
  name: string;
  executor: Executor;
  /** Name of the exported function each iteration calls. */
  exec: string;
  startTimeMs: number;
  gracefulStopMs: number;
  env: Record<string, string>;
  tags: Record<string, string>;
  /** VUs of shared-iterations, per-vu-iterations and constant-vus. */
  vus: number;
  /** shared-iterations: in total; per-vu-iterations: per VU. */
  iterations: number;
  /** constant-vus and constant-arrival-rate. */
  durationMs: number;
  /** Iteration-based executors stop after this. */
  maxDurationMs: number;
  /** constant-arrival-rate: `rate` iterations per `timeUnit`, from a pool of VUs. */
  rate: number;
  timeUnitMs: number;
  preAllocatedVUs: number;
  maxVUs: number;
}

export interface CliOverrides {
  vus?: number;
  iterations?: number;
  duration?: string;
}

const DEFAULT_GRACEFUL_STOP = 30_000;
const DEFAULT_MAX_DURATION = 600_000;

const positiveInt = (v: unknown, what: string, min = 1): number => {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) throw new ConfigError(`${what} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return v;
};
const duration = (v: unknown, what: string): number => {
  try {
    return parseDuration(v, what);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
};
const stringMap = (v: unknown, what: string): Record<string, string> => {
  if (v === undefined) return {};
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new ConfigError(`${what} must be an object of strings`);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
};

/** One scenario of `options.scenarios`, validated, with k6's defaults. */
export function scenarioOf(name: string, raw: unknown): Scenario {
  if (!/^[a-zA-Z0-9_-]+$/.test(name)) throw new ConfigError(`scenario name "${name}": letters, digits, _ and - only`);
  if (!raw || typeof raw !== "object") throw new ConfigError(`scenario "${name}" must be an object`);
  const o = raw as Record<string, unknown>;
  const executor = o.executor;
  if (typeof executor !== "string") throw new ConfigError(`scenario "${name}" has no executor`);
  if (!(EXECUTORS as readonly string[]).includes(executor)) {
    throw new ConfigError(`scenario "${name}": the executor "${executor}" is not supported by k6run (supported: ${EXECUTORS.join(", ")}); run this script with k6`);
  }
  const at = (field: string) => `scenario "${name}": ${field}`;
  const s: Scenario = {
    name,
    executor: executor as Executor,
    exec: o.exec === undefined ? "default" : String(o.exec),
    startTimeMs: o.startTime === undefined ? 0 : duration(o.startTime, at("startTime")),
    gracefulStopMs: o.gracefulStop === undefined ? DEFAULT_GRACEFUL_STOP : duration(o.gracefulStop, at("gracefulStop")),
    env: stringMap(o.env, at("env")),
    tags: stringMap(o.tags, at("tags")),
    vus: 0,
    iterations: 0,
    durationMs: 0,
    maxDurationMs: o.maxDuration === undefined ? DEFAULT_MAX_DURATION : duration(o.maxDuration, at("maxDuration")),
    rate: 0,
    timeUnitMs: 0,
    preAllocatedVUs: 0,
    maxVUs: 0,
  };
  switch (s.executor) {
    case "shared-iterations":
      s.vus = o.vus === undefined ? 1 : positiveInt(o.vus, at("vus"));
      s.iterations = o.iterations === undefined ? 1 : positiveInt(o.iterations, at("iterations"));
      if (s.iterations < s.vus) throw new ConfigError(`${at("iterations")} (${s.iterations}) can't be less than vus (${s.vus})`);
      break;
    case "per-vu-iterations":
      s.vus = o.vus === undefined ? 1 : positiveInt(o.vus, at("vus"));
      s.iterations = o.iterations === undefined ? 1 : positiveInt(o.iterations, at("iterations"));
      break;
    case "constant-vus":
      s.vus = o.vus === undefined ? 1 : positiveInt(o.vus, at("vus"));
      if (o.duration === undefined) throw new ConfigError(`${at("duration")} is required for constant-vus`);
      s.durationMs = duration(o.duration, at("duration"));
      break;
    case "constant-arrival-rate":
      s.rate = positiveInt(o.rate, at("rate"));
      s.timeUnitMs = o.timeUnit === undefined ? 1000 : duration(o.timeUnit, at("timeUnit"));
      if (o.duration === undefined) throw new ConfigError(`${at("duration")} is required for constant-arrival-rate`);
      s.durationMs = duration(o.duration, at("duration"));
      s.preAllocatedVUs = positiveInt(o.preAllocatedVUs, at("preAllocatedVUs"));
      s.maxVUs = o.maxVUs === undefined ? s.preAllocatedVUs : positiveInt(o.maxVUs, at("maxVUs"));
      if (s.maxVUs < s.preAllocatedVUs) throw new ConfigError(`${at("maxVUs")} (${s.maxVUs}) can't be less than preAllocatedVUs (${s.preAllocatedVUs})`);
      break;
  }
  if (s.timeUnitMs === 0 && s.executor === "constant-arrival-rate") throw new ConfigError(`${at("timeUnit")} must be more than 0`);
  return s;
}

/** k6's shortcut options (vus, iterations, duration) as the single "default" scenario. */
function shortcutScenario(vus: unknown, iterations: unknown, dur: unknown): Scenario {
  if (iterations !== undefined) {
    return scenarioOf("default", { executor: "shared-iterations", vus: vus ?? 1, iterations, ...(dur !== undefined ? { maxDuration: dur } : {}) });
  }
  if (dur !== undefined) return scenarioOf("default", { executor: "constant-vus", vus: vus ?? 1, duration: dur });
  return scenarioOf("default", { executor: "shared-iterations", vus: vus ?? 1, iterations: 1 });
}

/** The scenarios to run; `warnings` says what the command line overrode or ignored. */
export function deriveScenarios(options: Record<string, unknown>, cli: CliOverrides = {}): { scenarios: Scenario[]; warnings: string[] } {
  const warnings: string[] = [];
  if (options.stages !== undefined) throw new ConfigError('options.stages (the "ramping-vus" executor) is not supported by k6run; use scenarios with a supported executor or run with k6');
  if (cli.iterations !== undefined || cli.duration !== undefined) {
    if (options.scenarios !== undefined) warnings.push("--iterations/--duration replace the script's scenarios with one shared-iterations or constant-vus scenario (as in k6)");
    return { scenarios: [shortcutScenario(cli.vus ?? options.vus, cli.iterations, cli.duration)], warnings };
  }
  if (options.scenarios !== undefined) {
    if (options.iterations !== undefined || options.duration !== undefined) {
      throw new ConfigError("options: use either scenarios or the shortcuts iterations/duration, not both");
    }
    if (!options.scenarios || typeof options.scenarios !== "object") throw new ConfigError("options.scenarios must be an object");
    const scenarios = Object.entries(options.scenarios).map(([name, raw]) => scenarioOf(name, raw));
    if (scenarios.length === 0) throw new ConfigError("options.scenarios is empty");
    if (cli.vus !== undefined) warnings.push("--vus alone does not change the script's scenarios (as in k6); add --iterations or --duration to run one sized scenario instead");
    return { scenarios, warnings };
  }
  return { scenarios: [shortcutScenario(cli.vus ?? options.vus, options.iterations, options.duration)], warnings };
}

/** VUs a scenario needs from the start. */
export const initialVus = (s: Scenario): number => (s.executor === "constant-arrival-rate" ? s.preAllocatedVUs : s.vus);
