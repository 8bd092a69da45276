import type { mongo } from "mongoose";
import type { Algorithm } from "./cipher.js";
import { DATA_KEYS_COLLECTION, openFieldCrypt, type DataKeyDoc, type FieldCrypt } from "./fieldcrypt.js";
import { localKeyProvider, type KeyProvider } from "./provider.js";

export * from "./cipher.js";
export * from "./fieldcrypt.js";
export * from "./provider.js";

/** The settings a service reads (@kuayu/config `fields.fieldcrypt`). */
export interface FieldCryptSettings {
  FIELDCRYPT_PROVIDER: "local";
  FIELDCRYPT_MASTER_KEY_DIR: string;
  FIELDCRYPT_MASTER_KEY_ID?: string | undefined;
  FIELDCRYPT_ALGORITHM: Algorithm;
  FIELDCRYPT_ROTATE_DAYS: number;
}

export function providerFromSettings(s: Pick<FieldCryptSettings, "FIELDCRYPT_PROVIDER" | "FIELDCRYPT_MASTER_KEY_DIR" | "FIELDCRYPT_MASTER_KEY_ID" | "FIELDCRYPT_ALGORITHM">): KeyProvider {
  switch (s.FIELDCRYPT_PROVIDER) {
    case "local":
      return localKeyProvider({ dir: s.FIELDCRYPT_MASTER_KEY_DIR, algorithm: s.FIELDCRYPT_ALGORITHM, ...(s.FIELDCRYPT_MASTER_KEY_ID ? { currentKeyId: s.FIELDCRYPT_MASTER_KEY_ID } : {}) });
  }
}

/** A service's field encryption: its data keys in `field_keys` of its own database. */
export function fieldCryptFromSettings(s: FieldCryptSettings, db: mongo.Db): Promise<FieldCrypt> {
  return openFieldCrypt({
    keys: db.collection<DataKeyDoc>(DATA_KEYS_COLLECTION),
    provider: providerFromSettings(s),
    algorithm: s.FIELDCRYPT_ALGORITHM,
    rotateAfterMs: s.FIELDCRYPT_ROTATE_DAYS * 24 * 3600 * 1000,
  });
}

/** Personal fields of parties and agents (intake's details, the inbox's protobuf JSON, event bodies). */
export const PERSONAL_FIELDS: ReadonlySet<string> = new Set(["residentId", "phone", "address"]);

/** Field encryption from the environment's FIELDCRYPT_* settings with the services' defaults (the CLI, tests). */
export function fieldCryptFromEnv(db: mongo.Db, env: NodeJS.ProcessEnv = process.env): Promise<FieldCrypt> {
  const algorithm = env.FIELDCRYPT_ALGORITHM || "aes-256-gcm";
  if (algorithm !== "aes-256-gcm" && algorithm !== "sm4") throw new Error(`FIELDCRYPT_ALGORITHM must be aes-256-gcm or sm4, not ${algorithm}`);
  return fieldCryptFromSettings(
    {
      FIELDCRYPT_PROVIDER: "local",
      FIELDCRYPT_MASTER_KEY_DIR: env.FIELDCRYPT_MASTER_KEY_DIR || ".secrets/fieldcrypt",
      FIELDCRYPT_MASTER_KEY_ID: env.FIELDCRYPT_MASTER_KEY_ID,
      FIELDCRYPT_ALGORITHM: algorithm,
      FIELDCRYPT_ROTATE_DAYS: Number(env.FIELDCRYPT_ROTATE_DAYS || 90),
    },
    db,
  );
}
