// Runs the built k6run CLI as a child process, as an operator would.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const root = path.resolve(__dirname, "../../..");
export const k6runMain = path.join(root, "libs/k6run/dist/main.js");
export const fixture = (name: string) => path.join(__dirname, "fixtures", name);

/** k6's --summary-export JSON (plus k6run's own counts). */
export interface Summary {
  metrics: Record<string, Record<string, number> & { thresholds?: Record<string, boolean> }>;
  root_group: Group;
  state: { testRunDurationMs: number };
  k6run: { iterationErrors: number; interruptedIterations: number };
}
export interface Group {
  name: string;
  groups: Record<string, Group>;
  checks: Record<string, { passes: number; fails: number }>;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Undefined when the run ended before writing one (invalid options, init errors). */
  summary?: Summary;
}

/** `node dist/main.js run <args…> <script>` with only PATH from this environment (plus `env`). */
export function k6run(args: string[], script: string, env: Record<string, string> = {}): Promise<Run> {
  if (!existsSync(k6runMain)) throw new Error(`${k6runMain} is missing: build first (npx tsc -b)`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "k6run-"));
  const exported = path.join(dir, "summary.json");
  const child = spawn(process.execPath, [k6runMain, "run", ...args, "--summary-export", exported, script], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      const summary = existsSync(exported) ? (JSON.parse(readFileSync(exported, "utf8")) as Summary) : undefined;
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, stdout, stderr, summary });
    });
  });
}

/** "ERRO…" lines of a run's stderr. */
export const errorLines = (r: Run) => r.stderr.split("\n").filter((l) => l.startsWith("ERRO"));

/** Checks (of every group) that failed at least once, with their counts. */
export function failedChecks(g: Group | undefined): string[] {
  if (!g) return ["no summary"];
  return [
    ...Object.entries(g.checks)
      .filter(([, c]) => c.fails > 0)
      .map(([name, c]) => `${name}: ✓ ${c.passes} ✗ ${c.fails}`),
    ...Object.values(g.groups).flatMap(failedChecks),
  ];
}
