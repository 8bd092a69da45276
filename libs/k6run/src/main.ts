// k6run: runs k6 scripts on Node. See ../README.md and scripts/k6/README.md.
import { USAGE, UsageError, parseArgs } from "./cli.js";
import { EXIT, run } from "./runner.js";

const out = (text: string) => void process.stdout.write(text);
const err = (text: string) => void process.stderr.write(text);

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`k6run: ${e.message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (parsed.help) {
    out(`${USAGE}\n`);
    return EXIT.ok;
  }
  return run({ ...parsed.run, out, err });
}

main().then(
  // Interrupted iterations and open gRPC channels must not keep the process alive.
  (code) => process.exit(code),
  (e: unknown) => {
    err(`k6run: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(EXIT.scriptException);
  },
);
