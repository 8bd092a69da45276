// The "k6" module: check, group, sleep, fail.
import { als, builtin, contextTags, current, groupAt, recordCheck } from "../context.js";

type Checks = Record<string, ((value: unknown) => unknown) | unknown>;

/** Runs each named check on the value; counts it into the `checks` rate. True when all pass. */
export function check(value: unknown, sets: Checks, tags?: Record<string, unknown>): boolean {
  const state = current();
  const checks = builtin("checks");
  let all = true;
  for (const [name, fn] of Object.entries(sets ?? {})) {
    const ok = Boolean(typeof fn === "function" ? fn(value) : fn);
    checks.add(ok ? 1 : 0, contextTags({ ...tags, check: name }));
    recordCheck(state.group, name, ok);
    all &&= ok;
  }
  return all;
}

/** Runs fn inside a named group (checks and metrics get the group's path); returns its result. */
export function group<T>(name: string, fn: () => T): T {
  if (typeof fn !== "function") throw new Error("group() needs a function");
  if (name.includes("::")) throw new Error(`group name "${name}" can't contain "::"`);
  const state = current();
  const path = `${state.group}::${name}`;
  groupAt(path);
  const t0 = performance.now();
  const done = () => builtin("group_duration").add(performance.now() - t0, contextTags({ group: path }));
  const result = als.run({ ...state, group: path }, fn);
  if (result instanceof Promise) return result.finally(done) as T;
  done();
  return result;
}

/**
 * Waits `seconds`. In k6 sleep blocks the VU; here every VU shares one event loop, so sleep
 * returns a promise and scripts `await sleep(…)` (k6 accepts awaiting its non-promise result).
 */
export function sleep(seconds: number): Promise<void> {
  const ms = Math.max(0, Number(seconds) * 1000);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Ends the iteration with an error. */
export function fail(message = ""): never {
  throw new Error(message);
}
