// One test run, k6's life cycle: init (options), VUs' init, setup(), the scenarios, teardown(),
// thresholds, summary. Returns k6's exit code.
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { BUILTIN_METRICS, TestAbort, als, builtin, elapsedMs, runtime, type VuState } from "./context.js";
import { formatDuration, parseDuration } from "./duration.js";
import { Engine, type Vu } from "./executors.js";
import { installGlobals, installHooks } from "./hooks.js";
import { DEFAULT_TREND_STATS, trendStat } from "./metrics.js";
import { deriveScenarios, initialVus, type CliOverrides, type Scenario } from "./options.js";
import { buildSummary, legacyExport, textSummary } from "./summary.js";
import { ConfigError, checkAggregation, evaluateThresholds, parseThresholds, type Threshold } from "./thresholds.js";

/** k6's exit codes. */
export const EXIT = { ok: 0, usage: 2, thresholdsFailed: 99, setupTimeout: 100, teardownTimeout: 101, invalidConfig: 104, externalAbort: 105, scriptException: 107, scriptAborted: 108 } as const;

export interface RunOptions {
  script: string;
  cli: CliOverrides;
  /** -e KEY=VALUE, over the process environment. */
  env: Record<string, string>;
  summaryExport?: string;
  quiet: boolean;
  noSummary: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
}

type ScriptModule = Record<string, unknown> & { options?: Record<string, unknown> };

class Timeout extends Error {}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Timeout(`${what} didn't finish within ${formatDuration(ms)}`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const MAX_PRINTED_ERRORS = 20;

export async function run(o: RunOptions): Promise<number> {
  const stamp = () => `[${String(Math.floor(elapsedMs() / 1000)).padStart(4, "0")}]`;
  const log = (level: "INFO" | "WARN" | "ERRO", msg: string) => o.err(`${level}${stamp()} ${msg}\n`);
  // The script's frames only: not Node's internals, the runner's own or its dependencies'.
  const describe = (err: unknown) =>
    (err instanceof Error ? (err.stack ?? err.message) : String(err))
      .replace(/\?vu=\d+/g, "")
      .split("\n")
      .filter((l) => !/^\s+at /.test(l) || !(l.includes("node:internal") || l.includes(__dirname) || l.includes("/node_modules/")))
      .join("\n");

  const script = path.resolve(o.script);
  if (!existsSync(script)) {
    log("ERRO", `no script at ${script}`);
    return EXIT.usage;
  }
  runtime.scriptPath = script;
  runtime.scriptDir = path.dirname(script);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  runtime.env = Object.assign(env, o.env);

  let errors = 0;
  runtime.reportError = (err, state: VuState) => {
    errors++;
    if (errors <= MAX_PRINTED_ERRORS) {
      const where = state.scenario ? ` executor=${state.scenario.executor} scenario=${state.scenario.name}` : "";
      log("ERRO", `${describe(err)}${where} source=stacktrace`);
    } else if (errors === MAX_PRINTED_ERRORS + 1) log("ERRO", "more exceptions follow; only their count is reported");
  };

  installGlobals();
  installHooks(script);
  const url = pathToFileURL(script).href;
  const initState = (vu: number): VuState => ({ phase: "init", vu, iter: 0, iterationInTest: 0, group: "", env: runtime.env });
  const phase = (p: VuState["phase"]): VuState => ({ ...initState(0), phase: p });

  // The init context of VU 0: options, and later setup(), teardown() and handleSummary().
  let main: ScriptModule;
  try {
    main = (await als.run(initState(0), () => import(url))) as ScriptModule;
  } catch (err) {
    log("ERRO", `the script could not be initialized: ${describe(err)}`);
    return EXIT.scriptException;
  }

  let scenarios: Scenario[];
  let thresholds: Threshold[];
  let trendStats: string[];
  let setupTimeoutMs: number;
  let teardownTimeoutMs: number;
  try {
    const options = (main.options ?? {}) as Record<string, unknown>;
    runtime.options = options;
    let warnings: string[];
    ({ scenarios, warnings } = deriveScenarios(options, o.cli));
    for (const w of warnings) log("WARN", w);
    thresholds = parseThresholds(options.thresholds);
    for (const t of thresholds) {
      const m = runtime.registry.metrics.get(t.metric) ?? (BUILTIN_METRICS[t.metric] ? builtin(t.metric) : undefined);
      if (!m) throw new ConfigError(`threshold on "${t.key}": no metric "${t.metric}" (built-in or declared in the init context)`);
      checkAggregation(t, m.type);
    }
    for (const sc of scenarios) if (typeof main[sc.exec] !== "function") throw new ConfigError(`scenario "${sc.name}": the script exports no function "${sc.exec}"`);
    trendStats = Array.isArray(options.summaryTrendStats) ? options.summaryTrendStats.map(String) : DEFAULT_TREND_STATS;
    for (const s of trendStats) {
      try {
        trendStat([], s);
      } catch (err) {
        throw new ConfigError(`summaryTrendStats: ${(err as Error).message}`);
      }
    }
    setupTimeoutMs = parseDuration(options.setupTimeout ?? "60s", "setupTimeout");
    teardownTimeoutMs = parseDuration(options.teardownTimeout ?? "60s", "teardownTimeout");
  } catch (err) {
    log("ERRO", (err as Error).message);
    return EXIT.invalidConfig;
  }

  // Each VU is its own instance of the script (a query string makes Node evaluate it anew).
  let nextVu = 1;
  const newVu = async (): Promise<Vu> => {
    const id = nextVu++;
    const module = (await als.run(initState(id), () => import(`${url}?vu=${id}`))) as Record<string, unknown>;
    runtime.vusInitialized++;
    builtin("vus_max").add(runtime.vusInitialized);
    return { id, module, iter: 0, busy: false, retired: false };
  };
  const vus = new Map<string, Vu[]>();
  try {
    for (const sc of scenarios) {
      const list: Vu[] = [];
      for (let i = 0; i < initialVus(sc); i++) list.push(await newVu());
      vus.set(sc.name, list);
    }
  } catch (err) {
    log("ERRO", `a VU could not be initialized: ${describe(err)}`);
    return EXIT.scriptException;
  }

  let aborted: string | undefined;
  let exit: number = EXIT.ok;
  const running = new Engine(newVu);
  runtime.onAbort = (reason) => {
    aborted ??= reason;
    running.stop();
  };

  let data: unknown;
  if (typeof main.setup === "function") {
    const setup = main.setup as () => unknown;
    try {
      data = await withTimeout(Promise.resolve(als.run(phase("setup"), setup)), setupTimeoutMs, "setup()");
    } catch (err) {
      log("ERRO", `setup() failed: ${describe(err)}`);
      return err instanceof Timeout ? EXIT.setupTimeout : err instanceof TestAbort ? EXIT.scriptAborted : EXIT.scriptException;
    }
  }
  const setupJson = data === undefined ? undefined : JSON.stringify(data);
  running.setupData = setupJson;

  // Interrupt: stop gracefully (teardown and summary still run); a second one exits at once.
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(EXIT.externalAbort);
    interrupted = true;
    log("WARN", "interrupted: stopping the scenarios (press Ctrl-C again to exit now)");
    running.stop();
  };
  process.on("SIGINT", onSigint);

  // abortOnFail thresholds are checked every second while the scenarios run.
  const abortable = thresholds.filter((t) => t.abortOnFail);
  let crossedEarly: string | undefined;
  const watch =
    abortable.length === 0
      ? undefined
      : setInterval(() => {
          for (const r of evaluateThresholds(abortable, runtime.registry.metrics, elapsedMs())) {
            if (!r.ok && elapsedMs() >= r.threshold.delayAbortEvalMs) {
              crossedEarly ??= `${r.threshold.key}: ${r.threshold.source}`;
              running.stop();
            }
          }
        }, 1000);
  const progress = o.quiet
    ? undefined
    : setInterval(() => {
        log(
          "INFO",
          `running (${formatDuration(elapsedMs())}), ${runtime.vusActive}/${runtime.vusInitialized} VUs, ${runtime.iterationsCompleted} complete and ${runtime.iterationsInterrupted} interrupted iterations`,
        );
      }, 5000);

  runtime.startedAt = performance.now();
  await running.run(scenarios, vus);
  const durationMs = elapsedMs();
  clearInterval(watch);
  clearInterval(progress);
  if (crossedEarly) log("ERRO", `threshold ${crossedEarly} crossed with abortOnFail: the test was stopped`);
  if (aborted) log("ERRO", `test aborted: ${aborted}`);

  if (typeof main.teardown === "function") {
    const teardown = main.teardown as (d: unknown) => unknown;
    try {
      await withTimeout(Promise.resolve(als.run(phase("teardown"), () => teardown(setupJson === undefined ? undefined : JSON.parse(setupJson)))), teardownTimeoutMs, "teardown()");
    } catch (err) {
      log("ERRO", `teardown() failed: ${describe(err)}`);
      exit = err instanceof Timeout ? EXIT.teardownTimeout : EXIT.scriptException;
    }
  }

  const results = evaluateThresholds(thresholds, runtime.registry.metrics, durationMs);
  const summary = buildSummary(runtime.registry.metrics, results, runtime.rootGroup, durationMs, trendStats);
  if (o.summaryExport)
    writeFileSync(
      path.resolve(o.summaryExport),
      `${JSON.stringify({ ...legacyExport(summary), k6run: { iterationErrors: errors, interruptedIterations: runtime.iterationsInterrupted } }, null, 2)}\n`,
    );
  const notes = [
    `${runtime.iterationsCompleted} complete and ${runtime.iterationsInterrupted} interrupted iterations in ${formatDuration(durationMs)}` +
      (errors > 0 ? `; ✗ ${errors} iterations ended with an exception` : ""),
  ];
  let printed = false;
  if (typeof main.handleSummary === "function") {
    const handle = main.handleSummary as (d: unknown) => unknown;
    try {
      const outputs = (await als.run(phase("summary"), () => handle(summary))) as Record<string, unknown> | undefined;
      for (const [target, content] of Object.entries(outputs ?? {})) {
        const text = typeof content === "string" ? content : content instanceof ArrayBuffer ? Buffer.from(content) : JSON.stringify(content);
        if (target === "stdout") o.out(String(text));
        else if (target === "stderr") o.err(String(text));
        else writeFileSync(path.resolve(target), text);
      }
      printed = true;
    } catch (err) {
      log("ERRO", `handleSummary() failed, printing the default summary: ${describe(err)}`);
    }
  }
  if (!printed && !o.noSummary) o.out(textSummary(summary, results, notes));

  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) log("ERRO", `thresholds on metrics ${[...new Set(failed.map((r) => `'${r.threshold.key}'`))].join(", ")} have been crossed`);
  process.off("SIGINT", onSigint);
  if (exit !== EXIT.ok) return exit;
  if (failed.length > 0 || crossedEarly) return EXIT.thresholdsFailed;
  if (aborted) return EXIT.scriptAborted;
  if (interrupted) return EXIT.externalAbort;
  return EXIT.ok;
}
