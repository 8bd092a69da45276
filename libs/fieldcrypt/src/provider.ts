import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ALG_TAG, algorithmOfTag, open, seal, type Algorithm } from "./cipher.js";

/**
 * The key-management port: master keys never leave it; data keys travel wrapped by one of them.
 * A real KMS (a cloud KMS, an HSM or a 密码机 with a KMIP/PKCS#11 front) implements these three
 * calls with its own encrypt/decrypt of a small blob under a named key; `keyId` is the KMS's key
 * name or version, stored with each wrapped data key.
 */
export interface KeyProvider {
  /** The master key new data keys are wrapped with (after a rotation: the new one). */
  currentKeyId(): Promise<string>;
  /** Wraps a data key with the current master key. */
  wrap(dataKey: Buffer): Promise<{ keyId: string; wrapped: string }>;
  /** Unwraps a data key wrapped by master key `keyId` (an old one too, while it is kept). */
  unwrap(keyId: string, wrapped: string): Promise<Buffer>;
}

const KEY_FILE = /^(mk-[A-Za-z0-9_-]{1,64})\.key$/;
const AAD = (keyId: string) => Buffer.from(`kuayu-fieldcrypt wrap ${keyId}`);

/** A new master key id: sortable by creation time, so the newest file is the current key. */
export const newMasterKeyId = (now = new Date()) =>
  `mk-${now
    .toISOString()
    .replace(/[-:.TZ]/g, "")
    .slice(0, 17)}-${randomBytes(3).toString("hex")}`;

/**
 * The local file provider, for development and single-host deployments: every master key is a
 * file `<dir>/mk-<id>.key` holding 32 random bytes in base64 (the chart mounts them from a Secret).
 * The current key is the newest id (ids sort by creation time) unless `currentKeyId` names one. The
 * directory is read again when a key id is not known, so a key added to a mounted Secret is used
 * without a restart. Wrapping uses the deployment's field algorithm (AES-256-GCM or SM4).
 */
export function localKeyProvider(opts: { dir: string; algorithm: Algorithm; currentKeyId?: string }): KeyProvider & { keyIds(): string[] } {
  let keys = new Map<string, Buffer>();
  const load = () => {
    const next = new Map<string, Buffer>();
    if (existsSync(opts.dir)) {
      for (const f of readdirSync(opts.dir).sort()) {
        const m = KEY_FILE.exec(f);
        if (!m) continue;
        const key = Buffer.from(readFileSync(path.join(opts.dir, f), "utf8").trim(), "base64");
        if (key.length !== 32) throw new Error(`master key ${f} in ${opts.dir} is not 32 bytes of base64`);
        next.set(m[1]!, key);
      }
    }
    keys = next;
  };
  load();
  const current = () => {
    const id = opts.currentKeyId ?? [...keys.keys()].sort().at(-1);
    if (!id || !keys.has(id)) throw new Error(`no master key ${opts.currentKeyId ?? ""} in ${opts.dir} (create one: scripts/bootstrap.sh, or kuayu-fieldcrypt rotate-master)`);
    return id;
  };
  const keyOf = (id: string) => {
    if (!keys.has(id)) load();
    const key = keys.get(id);
    if (!key) throw new Error(`master key ${id} is not in ${opts.dir}`);
    return key;
  };
  current();
  return {
    keyIds: () => [...keys.keys()].sort(),
    currentKeyId: async () => {
      load();
      return current();
    },
    async wrap(dataKey) {
      const keyId = current();
      return { keyId, wrapped: `${ALG_TAG[opts.algorithm]}:${seal(opts.algorithm, keyOf(keyId), dataKey, AAD(keyId)).toString("base64")}` };
    },
    async unwrap(keyId, wrapped) {
      // `<algorithm tag>:<base64>`: a key wrapped before the deployment changed algorithm still opens.
      const [tag, b64] = wrapped.split(":");
      const alg = algorithmOfTag(tag ?? "");
      if (!alg || b64 === undefined) throw new Error(`wrapped data key of unknown form (master key ${keyId})`);
      return open(alg, keyOf(keyId), Buffer.from(b64, "base64"), AAD(keyId));
    },
  };
}

/** Writes a new master key file into `dir` (mode 600) and returns its id. */
export function createMasterKey(dir: string, now = new Date()): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const id = newMasterKeyId(now);
  const file = path.join(dir, `${id}.key`);
  writeFileSync(file, randomBytes(32).toString("base64") + "\n", { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return id;
}
