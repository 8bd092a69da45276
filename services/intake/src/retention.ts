// Intake's retention job (docs/security.md "Retention"), the same the service runs daily:
//   node dist/retention.js [--dry-run] [--now <ISO time>]
// with the service's own settings (MONGO_URI, MONGO_DB, RETENTION_*).
import { configOrExit, retentionSchedule } from "@kuayu/config";
import { fieldCryptFromSettings } from "@kuayu/fieldcrypt";
import { createLogger } from "@kuayu/logger";
import { connectMongo, retentionCommand } from "@kuayu/mongo";
import type { VersionRow } from "@kuayu/outbox";
import { readConfig } from "./config.js";
import { intakeRetention } from "./domain/retention.js";
import { filingModel, timelineModel } from "./adapters/mongo/filing-repository.js";
import { gridFsMaterialStore } from "./adapters/mongo/material-store.js";
import { filingRetentionStore } from "./adapters/mongo/retention-store.js";

async function main() {
  const config = configOrExit("intake", readConfig);
  const log = createLogger({ service: "intake-retention", level: config.LOG_LEVEL });
  return retentionCommand("intake", process.argv.slice(2), async () => {
    const conn = await connectMongo({ uri: config.MONGO_URI, dbName: config.MONGO_DB });
    const crypt = await fieldCryptFromSettings(config, conn.db!);
    const store = filingRetentionStore(filingModel(conn), timelineModel(conn), conn.db!.collection<VersionRow>("filings_versions"), gridFsMaterialStore(conn, log), crypt);
    return { steps: intakeRetention(store), schedule: retentionSchedule(config), log, close: () => (crypt.close(), conn.close()) };
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`intake retention: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
