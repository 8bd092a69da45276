// State shared by the runner and the k6 module implementations. All VUs run in this one thread,
// so what k6 keeps per VU runtime (__VU, __ITER, __ENV, the current group) lives in an
// AsyncLocalStorage store that follows each iteration through its awaits.
import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import { Registry, type Metric, type MetricType, type Tags } from "./metrics.js";
import type { Scenario } from "./options.js";

export type Phase = "init" | "setup" | "vu" | "teardown" | "summary";

export interface VuState {
  phase: Phase;
  /** __VU: 1-based in VU code, 0 in the init context of the options/setup/teardown instance. */
  vu: number;
  /** __ITER: this VU's iteration in its scenario, 0-based. */
  iter: number;
  /** The iteration's number in its scenario across all VUs. */
  iterationInTest: number;
  scenario?: Scenario;
  /** Group path, "" at the root, "::a::b" inside groups a › b (k6's notation). */
  group: string;
  env: Record<string, string>;
}

export interface CheckRecord {
  name: string;
  path: string;
  id: string;
  passes: number;
  fails: number;
}

export interface GroupRecord {
  name: string;
  path: string;
  id: string;
  groups: Map<string, GroupRecord>;
  checks: Map<string, CheckRecord>;
}

const id = (path: string) => createHash("md5").update(path).digest("hex");
const group = (name: string, path: string): GroupRecord => ({ name, path, id: id(path), groups: new Map(), checks: new Map() });

/** Thrown by exec.test.abort(): ends the whole test. */
export class TestAbort extends Error {
  override name = "TestAbort";
}

export const als = new AsyncLocalStorage<VuState>();

/** k6's built-in metrics that k6run produces: type and whether values are times (ms). */
export const BUILTIN_METRICS: Readonly<Record<string, readonly [MetricType, boolean]>> = {
  checks: ["rate", false],
  iterations: ["counter", false],
  iteration_duration: ["trend", true],
  dropped_iterations: ["counter", false],
  vus: ["gauge", false],
  vus_max: ["gauge", false],
  group_duration: ["trend", true],
  grpc_req_duration: ["trend", true],
  grpc_streams: ["counter", false],
  grpc_streams_msgs_sent: ["counter", false],
  grpc_streams_msgs_received: ["counter", false],
  http_reqs: ["counter", false],
  http_req_duration: ["trend", true],
  http_req_waiting: ["trend", true],
  http_req_failed: ["rate", false],
};

export const runtime = {
  scriptPath: "",
  scriptDir: "",
  /** __ENV outside scenarios: the process environment plus -e KEY=VALUE. */
  env: {} as Record<string, string>,
  registry: new Registry(),
  rootGroup: group("", ""),
  /** performance.now() when the scenarios started; 0 before. */
  startedAt: 0,
  abortReason: undefined as string | undefined,
  /** Set by the runner: stop every scenario now. */
  onAbort: (_reason: string): void => undefined,
  vusActive: 0,
  vusInitialized: 0,
  iterationsCompleted: 0,
  iterationsInterrupted: 0,
  /** Set by the runner: how an exception in VU code is reported. */
  reportError: (_err: unknown, _state: VuState): void => undefined,
  /** The script's options as exported. */
  options: {} as Record<string, unknown>,
};

export function builtin(name: string): Metric {
  const spec = BUILTIN_METRICS[name];
  if (!spec) throw new Error(`no built-in metric ${name}`);
  const [type, isTime] = spec;
  return runtime.registry.get(name, type, isTime);
}

/** Reports an error raised outside an iteration's own promise (e.g. in a stream listener). */
export function reportAsyncError(err: unknown): void {
  runtime.reportError(err, current());
}

const OUTSIDE: VuState = { phase: "init", vu: 0, iter: 0, iterationInTest: 0, group: "", env: runtime.env };

export function current(): VuState {
  return als.getStore() ?? { ...OUTSIDE, env: runtime.env };
}

/** Tags every sample of the current iteration gets (k6's default system tags, in part). */
export function contextTags(extra?: Record<string, unknown>): Tags {
  const s = current();
  const tags: Record<string, string> = {};
  if (s.scenario) {
    tags.scenario = s.scenario.name;
    Object.assign(tags, s.scenario.tags);
  }
  if (s.group) tags.group = s.group;
  if (extra) for (const [k, v] of Object.entries(extra)) tags[k] = String(v);
  return tags;
}

/** The group record of a path, created with its parents on first use. */
export function groupAt(path: string): GroupRecord {
  let g = runtime.rootGroup;
  if (!path) return g;
  const names = path.split("::").slice(1);
  let at = "";
  for (const name of names) {
    at += `::${name}`;
    let child = g.groups.get(name);
    if (!child) g.groups.set(name, (child = group(name, at)));
    g = child;
  }
  return g;
}

export function recordCheck(path: string, name: string, ok: boolean): void {
  const g = groupAt(path);
  let c = g.checks.get(name);
  const checkPath = `${path}::${name}`;
  if (!c) g.checks.set(name, (c = { name, path: checkPath, id: id(checkPath), passes: 0, fails: 0 }));
  if (ok) c.passes++;
  else c.fails++;
}

const phaseName = (p: Phase) => (p === "init" ? "the init context" : p === "vu" ? "VU code" : `${p}()`);

export function requirePhase(what: string, allowed: readonly Phase[]): void {
  const p = current().phase;
  if (!allowed.includes(p)) throw new Error(`${what} can't be called in ${phaseName(p)}, only in ${allowed.map(phaseName).join(" or ")}`);
}

/** The test's run time so far in ms. */
export const elapsedMs = (): number => (runtime.startedAt === 0 ? 0 : performance.now() - runtime.startedAt);
