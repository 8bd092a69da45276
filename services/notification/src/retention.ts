// Notification's retention job (docs/security.md "Retention"), the same the service runs daily:
//   node dist/retention.js [--dry-run] [--now <ISO time>]
// with the service's own settings (MONGO_URI, MONGO_DB, RETENTION_*).
import { configOrExit, retentionSchedule } from "@kuayu/config";
import { fieldCryptFromSettings } from "@kuayu/fieldcrypt";
import { createLogger } from "@kuayu/logger";
import { connectMongo, gridFsFileStore, retentionCommand } from "@kuayu/mongo";
import { readConfig } from "./config.js";
import { notificationRetentionSteps } from "./adapters/retention.js";
import { openStore } from "./adapters/store.js";

async function main() {
  const config = configOrExit("notification", readConfig);
  const log = createLogger({ service: "notification-retention", level: config.LOG_LEVEL });
  return retentionCommand("notification", process.argv.slice(2), async () => {
    const conn = await connectMongo({ uri: config.MONGO_URI, dbName: config.MONGO_DB });
    const crypt = await fieldCryptFromSettings(config, conn.db!);
    const steps = notificationRetentionSteps(openStore(conn, crypt), gridFsFileStore(conn, "documents", log));
    return { steps, schedule: retentionSchedule(config), log, close: () => (crypt.close(), conn.close()) };
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`notification retention: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
