// Composition root of the routing service. Start with:
//   node --require @kuayu/telemetry/register dist/main.js
import { ConfigError } from "@kuayu/config";
import { handleSignals } from "@kuayu/lifecycle";
import { createLogger } from "@kuayu/logger";
import { shutdownTelemetry } from "@kuayu/telemetry";
import { readConfig } from "./config.js";
import { startApp } from "./app.js";

async function main() {
  let config;
  try {
    config = readConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`routing: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger({ service: "routing", level: config.LOG_LEVEL });
  const app = await startApp(config, log);
  handleSignals(() => app.stop().then((clean) => shutdownTelemetry().then(() => clean, () => false)), log);
}

main().catch((err) => {
  process.stderr.write(`routing: failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
