// Supervision's retention job (docs/security.md "Retention"), the same the service runs daily:
//   node dist/retention.js [--dry-run] [--now <ISO time>]
// with the service's own settings (MONGO_URI, MONGO_DB, RETENTION_*).
import { configOrExit, retentionSchedule } from "@kuayu/config";
import { createLogger } from "@kuayu/logger";
import { connectMongo, retentionCommand } from "@kuayu/mongo";
import { readConfig } from "./config.js";
import { supervisionRetentionSteps } from "./adapters/retention.js";
import { openStore } from "./adapters/store.js";

async function main() {
  const config = configOrExit("supervision", readConfig);
  const log = createLogger({ service: "supervision-retention", level: config.LOG_LEVEL });
  return retentionCommand("supervision", process.argv.slice(2), async () => {
    const conn = await connectMongo({ uri: config.MONGO_URI, dbName: config.MONGO_DB });
    return { steps: supervisionRetentionSteps(openStore(conn)), schedule: retentionSchedule(config), log, close: () => conn.close() };
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`supervision retention: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
