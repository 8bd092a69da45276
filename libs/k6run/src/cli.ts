// Command-line parsing, k6's spelling: k6run run [--vus N] [--iterations N] [--duration 10s]
// [-e KEY=VALUE …] [--summary-export FILE] [--quiet] [--no-summary] script.js
import { parseDuration } from "./duration.js";
import type { RunOptions } from "./runner.js";

export const USAGE = `Usage: k6run run [flags] <script.js>

Runs a k6 script on Node (the project's stand-in where k6 itself is not installed).

Flags (as k6's):
  -u, --vus N               VUs of the shortcut scenario
  -i, --iterations N        total iterations: replaces the script's scenarios by one shared-iterations scenario
  -d, --duration D          test duration (e.g. 30s): replaces the script's scenarios by one constant-vus scenario
  -e, --env KEY=VALUE       set __ENV.KEY (repeatable); the process environment is there too
      --summary-export FILE write the end-of-test summary as JSON (k6's --summary-export format)
  -q, --quiet               no progress lines
      --no-summary          no end-of-test summary
  -h, --help                this help

Exit codes: 0 ok, 99 thresholds crossed, 104 invalid options, 107 script exception in init/setup/teardown,
108 aborted by the script, 2 usage error.`;

export class UsageError extends Error {
  override name = "UsageError";
}

export type Parsed = { help: true } | { help: false; run: Omit<RunOptions, "out" | "err"> };

const count = (flag: string, v: string | undefined): number => {
  if (v === undefined || !/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`${flag} needs a positive integer, got ${v === undefined ? "nothing" : `"${v}"`}`);
  return Number(v);
};

export function parseArgs(argv: readonly string[]): Parsed {
  const args = [...argv];
  if (args.length === 0 || args[0] === "-h" || args[0] === "--help" || args[0] === "help") return { help: true };
  if (args[0] !== "run") throw new UsageError(`unknown command "${args[0]}"; the only command is "run"`);
  args.shift();
  const run: Omit<RunOptions, "out" | "err"> = { script: "", cli: {}, env: {}, quiet: false, noSummary: false };
  const scripts: string[] = [];
  while (args.length > 0) {
    const a = args.shift()!;
    // --flag=value is the same as --flag value.
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const value = () => (eq > 0 ? a.slice(eq + 1) : args.shift());
    switch (flag) {
      case "-h":
      case "--help":
        return { help: true };
      case "-u":
      case "--vus":
        run.cli.vus = count(flag, value());
        break;
      case "-i":
      case "--iterations":
        run.cli.iterations = count(flag, value());
        break;
      case "-d":
      case "--duration": {
        const d = value();
        try {
          parseDuration(d, flag);
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
        run.cli.duration = d!;
        break;
      }
      case "-e":
      case "--env": {
        const kv = value();
        const i = kv?.indexOf("=") ?? -1;
        if (!kv || i <= 0) throw new UsageError(`${flag} needs KEY=VALUE, got ${kv === undefined ? "nothing" : `"${kv}"`}`);
        run.env[kv.slice(0, i)] = kv.slice(i + 1);
        break;
      }
      case "--summary-export": {
        const f = value();
        if (!f) throw new UsageError("--summary-export needs a file name");
        run.summaryExport = f;
        break;
      }
      case "-q":
      case "--quiet":
        run.quiet = true;
        break;
      case "--no-summary":
        run.noSummary = true;
        break;
      default:
        if (a.startsWith("-") && a !== "-") throw new UsageError(`unknown flag ${a} (k6run supports the flags listed by --help)`);
        scripts.push(a);
    }
  }
  if (scripts.length !== 1) throw new UsageError(scripts.length === 0 ? "no script given" : `one script only, got ${scripts.join(" ")}`);
  run.script = scripts[0]!;
  return { help: false, run };
}
