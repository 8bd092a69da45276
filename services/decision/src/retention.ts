// Decision's retention job (docs/security.md "Retention"), the same the service runs daily:
//   node dist/retention.js [--dry-run] [--now <ISO time>]
// with the service's own settings (MONGO_URI, MONGO_DB, RETENTION_*).
import { configOrExit, retentionSchedule } from "@kuayu/config";
import { fieldCryptFromSettings } from "@kuayu/fieldcrypt";
import { createLogger } from "@kuayu/logger";
import { connectMongo, contentStore, retentionCommand } from "@kuayu/mongo";
import type { VersionRow } from "@kuayu/outbox";
import { readConfig } from "./config.js";
import { decisionRetention } from "./domain/retention.js";
import { inboxModel } from "./adapters/mongo/inbox-repository.js";
import { inboxRetentionStore } from "./adapters/mongo/retention-store.js";

async function main() {
  const config = configOrExit("decision", readConfig);
  const log = createLogger({ service: "decision-retention", level: config.LOG_LEVEL });
  return retentionCommand("decision", process.argv.slice(2), async () => {
    const conn = await connectMongo({ uri: config.MONGO_URI, dbName: config.MONGO_DB });
    const crypt = await fieldCryptFromSettings(config, conn.db!);
    const store = inboxRetentionStore(inboxModel(conn), conn.db!.collection<VersionRow>("inbox_versions"), contentStore(conn, "copies"), crypt);
    return { steps: decisionRetention(store), schedule: retentionSchedule(config), log, close: () => (crypt.close(), conn.close()) };
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`decision retention: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
