#!/usr/bin/env node
import { mongo } from "mongoose";
import { DATA_KEYS_COLLECTION, openFieldCrypt, rewrapDataKeys, type DataKeyDoc } from "./fieldcrypt.js";
import { createMasterKey, localKeyProvider } from "./provider.js";
import type { Algorithm } from "./cipher.js";

const USAGE = `kuayu-fieldcrypt — rotate the keys of personal data encrypted at rest (docs/security.md)

  kuayu-fieldcrypt rotate-master   --db <name> [--db <name> …]   new local master key, then rewrap
  kuayu-fieldcrypt rewrap          --db <name> [--db <name> …]   re-wrap every data key with the current master key
  kuayu-fieldcrypt rotate-data-key --db <name> [--db <name> …]   a new current data key in each database
  kuayu-fieldcrypt status          --db <name> [--db <name> …]   data keys and the master key wrapping each

Settings from the environment, as the services read them: MONGO_URI, FIELDCRYPT_MASTER_KEY_DIR
(default .secrets/fieldcrypt), FIELDCRYPT_MASTER_KEY_ID, FIELDCRYPT_ALGORITHM (aes-256-gcm | sm4).
No service stops: old values stay readable, new data keys are wrapped with the new master key.`;

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, out: (s: string) => void = (s) => void process.stdout.write(`${s}\n`)): Promise<number> {
  const [cmd, ...rest] = argv;
  const dbs: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === "--db" && rest[i + 1]) dbs.push(rest[++i]!);
    else {
      out(`unknown argument ${rest[i]}\n\n${USAGE}`);
      return 2;
    }
  }
  if (!cmd || !["rotate-master", "rewrap", "rotate-data-key", "status"].includes(cmd) || dbs.length === 0) {
    out(USAGE);
    return 2;
  }
  const dir = env.FIELDCRYPT_MASTER_KEY_DIR || ".secrets/fieldcrypt";
  const algorithm = (env.FIELDCRYPT_ALGORITHM || "aes-256-gcm") as Algorithm;
  if (algorithm !== "aes-256-gcm" && algorithm !== "sm4") throw new Error(`FIELDCRYPT_ALGORITHM must be aes-256-gcm or sm4, not ${String(algorithm)}`);
  if (cmd === "rotate-master") out(`new master key ${createMasterKey(dir)} in ${dir}`);
  const provider = localKeyProvider({ dir, algorithm, ...(env.FIELDCRYPT_MASTER_KEY_ID && cmd !== "rotate-master" ? { currentKeyId: env.FIELDCRYPT_MASTER_KEY_ID } : {}) });
  const client = await mongo.MongoClient.connect(env.MONGO_URI || "mongodb://127.0.0.1:27017");
  try {
    for (const name of dbs) {
      const keys = client.db(name).collection<DataKeyDoc>(DATA_KEYS_COLLECTION);
      if (cmd === "rotate-master" || cmd === "rewrap") out(`${name}: ${await rewrapDataKeys(keys, provider)} data keys re-wrapped with ${await provider.currentKeyId()}`);
      if (cmd === "rotate-data-key") {
        const crypt = await openFieldCrypt({ keys, provider, algorithm, refreshMs: 0, rotateAfterMs: 0 });
        out(`${name}: new current data key ${await crypt.rotateDataKey()}`);
        crypt.close();
      }
      if (cmd === "status") for (const d of await keys.find({}).sort({ _id: 1 }).toArray()) out(`${name}: ${d._id} wrapped by ${d.masterKeyId} (created ${d.createdAt.toISOString()})`);
    }
  } finally {
    await client.close();
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
