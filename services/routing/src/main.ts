// Composition root of the routing service. Start with:
//   node --require @kuayu/telemetry/register dist/main.js
import { configOrExit } from "@kuayu/config";
import { handleSignals } from "@kuayu/lifecycle";
import { createLogger } from "@kuayu/logger";
import { shutdownTelemetry } from "@kuayu/telemetry";
import { readConfig } from "./config.js";
import { startApp } from "./app.js";

async function main() {
  const config = configOrExit("routing", readConfig);
  const log = createLogger({ service: "routing", level: config.LOG_LEVEL });
  const app = await startApp(config, log);
  handleSignals(() => app.stop().then((clean) => shutdownTelemetry().then(() => clean, () => false)), log);
}

main().catch((err) => {
  process.stderr.write(`routing: failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
