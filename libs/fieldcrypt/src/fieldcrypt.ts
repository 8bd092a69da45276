import { createHmac, randomBytes } from "node:crypto";
import type { mongo } from "mongoose";
import { ALG_TAG, algorithmOfTag, DecryptionError, open, seal, secretKey, type Algorithm } from "./cipher.js";
import type { KeyProvider } from "./provider.js";

/**
 * Envelope encryption of single fields (docs/security.md, "Personal data encrypted at rest").
 *
 * An encrypted field is a string, recognisable by its prefix:
 *
 *     kyenc:v1:<alg>:<data key id>:<base64url(iv | ciphertext | tag)>
 *
 * `<alg>` is `a256gcm` (AES-256-GCM: 12-byte IV, 16-byte tag) or `sm4ctr-hsm3` (SM4-CTR, 16-byte IV,
 * HMAC-SM3 tag of 32 bytes); the header `kyenc:v1:<alg>:<id>:` is authenticated with the value.
 * Bytes (an outbox event) are sealed the same way and stored as that string's UTF-8 bytes. A
 * retention job blanks such a field by writing "" — nothing else needs to know the format.
 *
 * Data keys (32 random bytes) are the service's own, kept in its database (`field_keys`) wrapped by
 * the key provider's master key; the newest is the current one. Old data keys stay, so old values
 * stay readable after a rotation of either the data key or the master key.
 */
export const PREFIX = "kyenc:v1:";
const PREFIX_BYTES = Buffer.from(PREFIX);

export interface DataKeyDoc {
  _id: string; // dk-<time>-<random>, sortable: the newest is current; or "blind-index"
  /** The master key that wraps it, and the wrapped key (KeyProvider.wrap). */
  masterKeyId: string;
  wrapped: string;
  createdAt: Date;
  rewrappedAt?: Date;
}

export const BLIND_INDEX_KEY = "blind-index";
export const DATA_KEYS_COLLECTION = "field_keys";
/** How many opened strings a process keeps, by their sealed form (a phone number's about 0.2 KB, an address's up to a few). */
const OPENED_CACHE = 20_000;
/** How long an opened string is kept after it was last used. */
const OPENED_FOR_MS = 10 * 60_000;

/** Normalisations of blind-indexed values: the same person gives the same index however typed. */
export type BlindKind = "resident-id" | "phone" | "phone-last4" | (string & {});
export function normalise(kind: BlindKind, value: string): string {
  const v = value.normalize("NFKC").trim();
  switch (kind) {
    case "resident-id":
      return v.replace(/\s+/g, "").toUpperCase();
    case "phone": {
      const digits = v.replace(/\D/g, "");
      return digits.length === 13 && digits.startsWith("86") ? digits.slice(2) : digits;
    }
    case "phone-last4":
      return v.replace(/\D/g, "").slice(-4);
    default:
      return v.replace(/\s+/g, " ");
  }
}

export const isEncrypted = (v: unknown): v is string => typeof v === "string" && v.startsWith(PREFIX);
const isEncryptedBytes = (b: Uint8Array) => b.length > PREFIX_BYTES.length && Buffer.from(b.buffer, b.byteOffset, PREFIX_BYTES.length).equals(PREFIX_BYTES);

export interface FieldCrypt {
  readonly algorithm: Algorithm;
  /** The data key new values are sealed with. */
  currentDataKeyId(): string;
  /** Seals a value with the current data key ("" stays "": nothing to hide, and blanked stays blank). */
  encrypt(value: string): string;
  /** Opens a sealed value; a value that is not sealed (written before encryption) is returned as it is. */
  decrypt(value: string): Promise<string>;
  encryptBytes(value: Uint8Array): Buffer;
  decryptBytes(value: Uint8Array): Promise<Buffer>;
  /**
   * A copy of `obj` with every string property named in `names`, at any depth, sealed — or, for an
   * object `openFields` gave and nothing in it needs sealing, the very object it was opened from.
   */
  sealFields<T>(obj: T, names: ReadonlySet<string>): T;
  /**
   * A copy of `obj` with every sealed string, at any depth, opened — frozen: sealing the copy again
   * unchanged (`sealFields`) gives back what it was opened from, without encrypting anything.
   */
  openFields<T>(obj: T): Promise<T>;
  /** Keyed HMAC-SHA256 (HMAC-SM3 with `sm4`) of the normalised value, base64url: for equality look-ups. */
  blindIndex(kind: BlindKind, value: string): string;
  /** Makes a new data key the current one (this process at once; others at their next refresh). */
  rotateDataKey(): Promise<string>;
  /** Reads the data keys again (new ones from other processes, re-wrapped ones). */
  refresh(): Promise<void>;
  close(): void;
}

export interface FieldCryptOptions {
  keys: mongo.Collection<DataKeyDoc>;
  provider: KeyProvider;
  algorithm?: Algorithm;
  /** A data key older than this is replaced by a new one (default 90 days; 0: never). */
  rotateAfterMs?: number;
  /** How often other processes' new data keys are looked for (default 60 s; 0: only on demand). */
  refreshMs?: number;
  now?: () => Date;
}

export const newDataKeyId = (now: Date) =>
  `dk-${now
    .toISOString()
    .replace(/[-:.TZ]/g, "")
    .slice(0, 17)}-${randomBytes(4).toString("hex")}`;
const isDuplicateKey = (err: unknown) => (err as { code?: number })?.code === 11000;
const plainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/** Opens (and creates when missing) a service's data keys. */
export async function openFieldCrypt(opts: FieldCryptOptions): Promise<FieldCrypt> {
  const algorithm = opts.algorithm ?? "aes-256-gcm";
  const now = opts.now ?? (() => new Date());
  const rotateAfterMs = opts.rotateAfterMs ?? 90 * 24 * 3600 * 1000;
  const dataKeys = new Map<string, Buffer>();
  let current = "";
  let blindKey: Buffer | undefined;

  const unwrapDoc = async (d: DataKeyDoc) => opts.provider.unwrap(d.masterKeyId, d.wrapped);
  const insertKey = async (id: string) => {
    const key = randomBytes(32);
    const { keyId, wrapped } = await opts.provider.wrap(key);
    try {
      await opts.keys.insertOne({ _id: id, masterKeyId: keyId, wrapped, createdAt: now() });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      return undefined; // another process made it first (the blind-index key): read theirs
    }
    return key;
  };
  const refresh = async () => {
    const docs = await opts.keys.find({}).toArray();
    for (const d of docs) {
      if (d._id === BLIND_INDEX_KEY) blindKey ??= await unwrapDoc(d);
      else if (!dataKeys.has(d._id)) dataKeys.set(d._id, await unwrapDoc(d));
    }
    const newest = docs
      .filter((d) => d._id !== BLIND_INDEX_KEY)
      .sort((a, b) => a._id.localeCompare(b._id))
      .at(-1);
    if (newest && newest._id > current) current = newest._id;
    return newest;
  };
  const rotateDataKey = async () => {
    // Ids order the keys: a new one sorts after the current one even within the same millisecond.
    const stamp = /^dk-(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})-/.exec(current);
    const currentMs = stamp ? Date.UTC(+stamp[1]!, +stamp[2]! - 1, +stamp[3]!, +stamp[4]!, +stamp[5]!, +stamp[6]!, +stamp[7]!) : -Infinity;
    const id = newDataKeyId(new Date(Math.max(now().getTime(), currentMs + 1)));
    const key = (await insertKey(id))!;
    dataKeys.set(id, key);
    current = id;
    return id;
  };

  const newest = await refresh();
  if (!newest || (rotateAfterMs > 0 && now().getTime() - newest.createdAt.getTime() > rotateAfterMs)) await rotateDataKey();
  if (!blindKey) {
    blindKey = await insertKey(BLIND_INDEX_KEY);
    if (!blindKey) await refresh();
  }
  const refreshMs = opts.refreshMs ?? 60_000;
  const timer = refreshMs > 0 ? setInterval(() => void refresh().catch(() => undefined), refreshMs).unref() : undefined;

  const header = (alg: Algorithm, kid: string) => `${PREFIX}${ALG_TAG[alg]}:${kid}:`;
  const sealString = (plain: Buffer) => {
    const h = header(algorithm, current);
    return h + seal(algorithm, dataKeys.get(current)!, plain, Buffer.from(h)).toString("base64url");
  };
  /** The key and algorithm a sealed string names, undefined while its data key is not known here. */
  const parse = (s: string) => {
    const parts = s.slice(PREFIX.length).split(":");
    const alg = algorithmOfTag(parts[0] ?? "");
    if (parts.length !== 3 || !alg) throw new DecryptionError("not an encrypted field of a known form");
    const [, kid, body] = parts as [string, string, string];
    const key = dataKeys.get(kid);
    return { alg, kid, body, key };
  };
  const openParsed = ({ alg, kid, body, key }: ReturnType<typeof parse> & { key: Buffer }) => open(alg, key, Buffer.from(body, "base64url"), Buffer.from(header(alg, kid)));
  const openString = async (s: string): Promise<Buffer> => {
    let p = parse(s);
    if (!p.key) {
      await refresh();
      p = parse(s);
    }
    if (!p.key) throw new DecryptionError(`data key ${p.kid} is not known`);
    return openParsed(p as typeof p & { key: Buffer });
  };

  /**
   * Opened strings by their sealed form, in the order of their last use: at most OPENED_CACHE, none
   * unused for OPENED_FOR_MS. A filing's head is read again for every change and every look, its
   * sealed fields unchanged in between: each of those reads would otherwise decrypt every party's
   * fields again. The time limit is for a quiet process: clear text that a retention job has since
   * blanked in the store does not stay in its memory for long.
   */
  const opened = new Map<string, { plain: string; at: number }>();
  const forget = () => {
    const old = Date.now() - OPENED_FOR_MS;
    for (const [k, e] of opened) {
      if (opened.size <= OPENED_CACHE && e.at >= old) break;
      opened.delete(k);
    }
  };
  const openCached = (s: string): string | undefined => {
    const hit = opened.get(s);
    opened.delete(s);
    let plain = hit && hit.at >= Date.now() - OPENED_FOR_MS ? hit.plain : undefined;
    if (plain === undefined) {
      const p = parse(s);
      if (!p.key) return undefined;
      plain = openParsed(p as typeof p & { key: Buffer }).toString();
    }
    opened.set(s, { plain, at: Date.now() });
    if (opened.size > OPENED_CACHE) forget();
    return plain;
  };
  const forgetting = setInterval(forget, 60_000).unref();
  /**
   * What an opened object was opened from: sealing that very object again (a change that left the
   * details as they were) gives its sealed form back instead of encrypting every field anew. Opened
   * objects are frozen, so "that very object" is "the same values".
   */
  const sealedFrom = new WeakMap<object, unknown>();

  const sealDeep = (v: unknown, names: ReadonlySet<string>, key?: string): unknown => {
    if (typeof v === "string") return key !== undefined && names.has(key) && v !== "" && !isEncrypted(v) ? sealString(Buffer.from(v)) : v;
    if (Array.isArray(v)) return v.map((x) => sealDeep(x, names, key));
    if (plainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sealDeep(x, names, k)]));
    return v;
  };
  /** Whether sealing would leave `v` as it is: every string of a field in `names` is "" or sealed. */
  const allSealed = (v: unknown, names: ReadonlySet<string>, key?: string): boolean => {
    if (typeof v === "string") return !(key !== undefined && names.has(key) && v !== "" && !isEncrypted(v));
    if (Array.isArray(v)) return v.every((x) => allSealed(x, names, key));
    if (plainObject(v)) return Object.entries(v).every(([k, x]) => allSealed(x, names, k));
    return true;
  };
  /** `v` opened, or the id of a data key one of its values names and this process does not know yet. */
  const openKnown = (v: unknown): { value: unknown } | { missing: string } => {
    if (isEncrypted(v)) {
      const plain = openCached(v);
      return plain === undefined ? { missing: parse(v).kid } : { value: plain };
    }
    if (Array.isArray(v) || plainObject(v)) {
      const entries: [string, unknown][] = [];
      for (const [k, x] of Object.entries(v)) {
        const o = openKnown(x);
        if ("missing" in o) return o;
        entries.push([k, o.value]);
      }
      if (Array.isArray(v)) return { value: Object.freeze(entries.map(([, x]) => x)) };
      const out = Object.freeze(Object.fromEntries(entries));
      sealedFrom.set(out, v);
      return { value: out };
    }
    return { value: v };
  };
  const openDeep = async (v: unknown): Promise<unknown> => {
    let o = openKnown(v);
    if ("missing" in o) {
      await refresh(); // a data key another process made since
      o = openKnown(v);
    }
    if ("missing" in o) throw new DecryptionError(`data key ${o.missing} is not known`);
    return o.value;
  };

  return {
    algorithm,
    currentDataKeyId: () => current,
    encrypt: (value) => (value === "" || isEncrypted(value) ? value : sealString(Buffer.from(value))),
    decrypt: async (value) => (isEncrypted(value) ? (openCached(value) ?? (await openString(value)).toString()) : value),
    encryptBytes: (value) => Buffer.from(sealString(Buffer.from(value.buffer, value.byteOffset, value.byteLength))),
    decryptBytes: async (value) => (isEncryptedBytes(value) ? openString(Buffer.from(value).toString()) : Buffer.from(value)),
    sealFields: (obj, names) => {
      const from = typeof obj === "object" && obj !== null ? sealedFrom.get(obj) : undefined;
      return (from !== undefined && allSealed(from, names) ? from : sealDeep(obj, names)) as typeof obj;
    },
    openFields: async (obj) => (await openDeep(obj)) as typeof obj,
    blindIndex: (kind, value) =>
      createHmac(algorithm === "sm4" ? "sm3" : "sha256", secretKey(blindKey!))
        .update(`${kind}\u0000${normalise(kind, value)}`)
        .digest("base64url"),
    rotateDataKey,
    refresh: async () => void (await refresh()),
    close: () => {
      clearInterval(timer);
      clearInterval(forgetting);
      opened.clear();
    },
  };
}

/**
 * Re-wraps every data key of a service's `field_keys` with the provider's current master key (after
 * a new master key was added). Values are not touched: data keys stay the same, so nothing is
 * re-encrypted and running services keep reading and writing throughout. Returns how many changed.
 */
export async function rewrapDataKeys(keys: mongo.Collection<DataKeyDoc>, provider: KeyProvider, now = new Date()): Promise<number> {
  const target = await provider.currentKeyId();
  let n = 0;
  for (const d of await keys.find({ masterKeyId: { $ne: target } }).toArray()) {
    const { keyId, wrapped } = await provider.wrap(await provider.unwrap(d.masterKeyId, d.wrapped));
    // The key document's only writer after its insert is this command (one rotation at a time).
    const r = await keys.updateOne({ _id: d._id, masterKeyId: d.masterKeyId }, { $set: { masterKeyId: keyId, wrapped, rewrappedAt: now } });
    n += r.modifiedCount;
  }
  return n;
}
