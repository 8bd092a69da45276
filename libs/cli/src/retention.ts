import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";

// `kuayu retention run`: each service's retention job (docs/security.md "Retention") from this
// checkout, one after the other — the same job the services run daily. Each runs as its own process
// (services/<name>/dist/retention.js) with this environment: the store it reaches and the
// RETENTION_* schedule are the services' own settings (MONGO_URI; each service's MONGO_DB default).

export const RETENTION_SERVICES = ["intake", "decision", "notification", "supervision"] as const;

/** The environment of one service's job: this one, plus the development token keys of `make up` where none are set. */
export function retentionEnv(service: string, root: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  const pub = path.join(root, ".secrets/jwt-public.pem");
  if (!out.JWT_PUBLIC_KEY && !out.JWT_PUBLIC_KEY_FILE && existsSync(pub)) out.JWT_PUBLIC_KEY_FILE = pub;
  const priv = path.join(root, ".secrets/jwt-private.pem");
  if (service === "decision" && !out.JWT_PRIVATE_KEY && !out.JWT_PRIVATE_KEY_FILE && existsSync(priv)) out.JWT_PRIVATE_KEY_FILE = priv;
  out.LOG_LEVEL ??= "warn";
  return out;
}

function runOne(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [script, ...args], { env, stdio: ["ignore", "inherit", "inherit"] });
    p.on("error", reject);
    p.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

export function retentionCommands(cmd: Command, root: string): void {
  cmd
    .command("run")
    .description("anonymise and delete what the retention schedule says is due, in each service's store (prints counts per collection and rule, never personal data)")
    .option("--dry-run", "change nothing; report what a run would do")
    .option("--now <iso>", "run as of this time (ISO 8601), e.g. to preview a later run")
    .option("--services <list>", `which services' data, comma-separated (${RETENTION_SERVICES.join(",")})`, RETENTION_SERVICES.join(","))
    .option("--json", "one JSON result per service, one per line")
    .action(async (o: { dryRun?: boolean; now?: string; services: string; json?: boolean }) => {
      const services = o.services
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      const unknown = services.filter((s) => !(RETENTION_SERVICES as readonly string[]).includes(s));
      if (unknown.length > 0) throw new Error(`unknown service ${unknown.join(", ")}; one of ${RETENTION_SERVICES.join(", ")}`);
      if (o.now !== undefined && Number.isNaN(new Date(o.now).getTime())) throw new Error(`--now needs an ISO 8601 time, got ${o.now}`);
      const args = [...(o.dryRun ? ["--dry-run"] : []), ...(o.now ? ["--now", o.now] : []), ...(o.json ? ["--json"] : [])];
      let failed = 0;
      for (const s of services) {
        const script = path.join(root, "services", s, "dist/retention.js");
        if (!existsSync(script)) throw new Error(`${script} is not built (run make build)`);
        const code = await runOne(script, args, retentionEnv(s, root, process.env));
        if (code !== 0) failed = Math.max(failed, code);
      }
      process.exitCode = failed;
    });
}
