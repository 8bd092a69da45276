// Composition root of the notification service. Start with:
//   node --require @kuayu/telemetry/register dist/main.js
import { ConfigError, configOrExit } from "@kuayu/config";
import { handleSignals } from "@kuayu/lifecycle";
import { createLogger } from "@kuayu/logger";
import { shutdownTelemetry } from "@kuayu/telemetry";
import { readConfig } from "./config.js";
import { startApp } from "./app.js";

async function main() {
  const config = configOrExit("notification", readConfig);
  const log = createLogger({ service: "notification", level: config.LOG_LEVEL });
  const app = startApp(config, log, (err) => {
    log.fatal({ err }, "fatal error; exiting");
    void stop().finally(() => process.exit(1));
  });
  let stopping: Promise<boolean> | undefined;
  const stop = (): Promise<boolean> =>
    (stopping ??= app
      .then(
        (a) => a.stop(),
        () => false,
      )
      .then((clean) =>
        shutdownTelemetry().then(
          () => clean,
          () => false,
        ),
      ));
  await app;
  handleSignals(stop, log);
}

main().catch((err) => {
  // A bad configuration file (e.g. CALENDAR_FILE) lists every problem and exits 2, like bad settings.
  if (err instanceof ConfigError) {
    process.stderr.write(`notification: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`notification: failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
