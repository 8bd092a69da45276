// Composition root of the web console (the single-page application and its backend). Start with:
//   node --require @kuayu/telemetry/register dist/main.js
import { configOrExit } from "@kuayu/config";
import { handleSignals } from "@kuayu/lifecycle";
import { createLogger } from "@kuayu/logger";
import { shutdownTelemetry } from "@kuayu/telemetry";
import { startApp } from "./app.js";
import { readConfig } from "./config.js";

async function main() {
  const config = configOrExit("console", readConfig);
  const log = createLogger({ service: "console", level: config.LOG_LEVEL });
  const app = await startApp(config, log);
  log.info({ port: app.port, url: config.PUBLIC_URL }, "console started");
  handleSignals(() => app.stop().then((clean) => shutdownTelemetry().then(() => clean)), log);
}

main().catch((err) => {
  process.stderr.write(`console: failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
