import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { base64url, calculateJwkThumbprint, decodeProtectedHeader, type JWK } from "jose";
import { isUrl, trustEntries } from "@kuayu/auth";
import { HEADERS, type EventRecord } from "./events.js";

// Signed events (docs/architecture.md "Signed events"): every record carries its producer's name and
// a detached JWS (RFC 7515, appendix F) over the topic, the key, the metadata headers and the
// SHA-256 of the value. A consumer looks the signing key up by `kid` in the key sets it trusts —
// each key is bound to one producer (a service of one release) and to the provinces that release
// acts for — and accepts an event only from the producer its policy names for the event's type and
// province. ES256 (ECDSA P-256 with SHA-256) and "SM2" (SM2 signature with the SM3 digest, GB/T
// 32918 / GB/T 32905, the default user id) both through Node's OpenSSL, the signature as r‖s
// (RFC 7518 §3.4). jose reads and makes the keys' JWKs and the header; its JWS functions cost three
// times as much a signature on a drill's hot path (docs/platform.md "Signatures").

/** Record headers of a signed event. */
export const SIGNATURE_HEADERS = { producer: "kuayu-event-producer", signature: "kuayu-event-signature" } as const;

export type EventAlg = "ES256" | "SM2";
const TYP = "kuayu-event+jws";
/** The digest each algorithm signs (ES256: RFC 7518 §3.4; SM2: SM3, GB/T 32918.2). */
const DIGEST: Record<EventAlg, string> = { ES256: "sha256", SM2: "sm3" };

/** A key of a signing producer as a verifier holds it. */
export interface EventKey {
  kid: string;
  alg: EventAlg;
  /** The service that signs with it, e.g. "decision". */
  producer: string;
  /** Provinces whose events it may sign ("*": any — a release whose scope is the whole country). */
  provinces: "*" | string[];
  key: KeyObject;
}

/** An event key as published (a JWKS entry): the public point, and who signs with it for which provinces. */
export interface EventJwk extends JWK {
  kid: string;
  kuayu_producer: string;
  kuayu_provinces?: "*" | string[];
}

export class EventKeyError extends Error {
  override name = "EventKeyError";
}

/** The start of an SPKI (DER) of an SM2 public key; the uncompressed point follows. */
const SM2_SPKI_PREFIX = Buffer.from("3059301306072a8648ce3d020106082a811ccf5501822d034200", "hex");

/** The start of an SPKI (DER) of a P-256 public key. */
const P256_SPKI_PREFIX = Buffer.from("3059301306072a8648ce3d020106082a8648ce3d030107034200", "hex");

/**
 * The algorithm of a key, from its SPKI. (OpenSSL reads an SM2 key from PEM or DER as an SM2 key —
 * signatures with SM3 over Z‖M, as GB/T 32918 says — which Node reports with no asymmetricKeyType;
 * a key generated as `ec` on the SM2 curve would sign plain ECDSA, so keys are always read from PEM.)
 */
function algOf(key: KeyObject): EventAlg {
  const der = (key.type === "public" ? key : createPublicKey(key)).export({ type: "spki", format: "der" });
  const prefix = der.subarray(0, der.length - 65);
  if (der.length === 91 && prefix.equals(P256_SPKI_PREFIX)) return "ES256";
  if (der.length === 91 && prefix.equals(SM2_SPKI_PREFIX)) return "SM2";
  throw new EventKeyError(`an event key must be ECDSA P-256 or SM2, not ${key.asymmetricKeyType ?? "another kind"}`);
}

/** The public JWK of a key (PEM, private or public), bound to a producer and its provinces; kid = RFC 7638 thumbprint. */
export async function eventJwk(pem: string, producer: string, provinces: "*" | string[] = "*"): Promise<EventJwk> {
  const pub = createPublicKey(pem);
  const alg = algOf(pub);
  const der = pub.export({ type: "spki", format: "der" });
  const point = der.subarray(der.length - 64);
  const base = { kty: "EC", crv: alg === "ES256" ? "P-256" : "SM2", x: base64url.encode(point.subarray(0, 32)), y: base64url.encode(point.subarray(32)) };
  return { ...base, kid: await calculateJwkThumbprint(base), alg, use: "sig", kuayu_producer: producer, kuayu_provinces: provinces };
}

function keyFromJwk(jwk: EventJwk): EventKey {
  if (jwk.kty !== "EC" || (jwk.crv !== "P-256" && jwk.crv !== "SM2") || !jwk.x || !jwk.y) throw new EventKeyError(`event key ${jwk.kid ?? "?"}: an EC key of P-256 or SM2 is needed`);
  if (!jwk.kid || !jwk.kuayu_producer) throw new EventKeyError("every event key names its kid and kuayu_producer");
  const provinces = jwk.kuayu_provinces ?? "*";
  if (provinces !== "*" && !(Array.isArray(provinces) && provinces.every((p) => /^\d{2}$/.test(p))))
    throw new EventKeyError(`event key ${jwk.kid}: kuayu_provinces is "*" or a list of province codes`);
  const key =
    jwk.crv === "P-256"
      ? createPublicKey({ key: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y }, format: "jwk" })
      : createPublicKey({ key: Buffer.concat([SM2_SPKI_PREFIX, Buffer.from([4]), base64url.decode(jwk.x), base64url.decode(jwk.y)]), format: "der", type: "spki" });
  return { kid: jwk.kid, alg: jwk.crv === "P-256" ? "ES256" : "SM2", producer: jwk.kuayu_producer, provinces, key };
}

/** The keys of a JWKS document of event keys; throws EventKeyError when it is not one. */
export function parseEventJwks(text: string, what = "event keys"): EventKey[] {
  let doc: { keys?: EventJwk[] };
  try {
    doc = JSON.parse(text) as { keys?: EventJwk[] };
  } catch {
    throw new EventKeyError(`${what}: not JSON`);
  }
  if (!Array.isArray(doc.keys)) throw new EventKeyError(`${what}: a JWKS ({"keys": [...]}) is expected`);
  return doc.keys.map(keyFromJwk);
}

/** The public members of a JWKS document of event keys (what a release publishes); throws EventKeyError when it is not one. */
export function publicEventJwks(text: string, what = "event keys"): { keys: EventJwk[] } {
  parseEventJwks(text, what);
  const doc = JSON.parse(text) as { keys: EventJwk[] };
  return { keys: doc.keys.map(({ kty, crv, x, y, kid, alg, use, kuayu_producer, kuayu_provinces }) => ({ kty, crv, x, y, kid, alg, use, kuayu_producer, kuayu_provinces })) };
}

/** The JWKS document of a release's event keys. */
export const eventJwks = (keys: EventJwk[]) => ({ keys });

/** What the signature covers, in a fixed order: the record as the consumer will see it, the value by its digest. */
function signingPayload(topic: string, key: string, value: Buffer, headers: Record<string, string>): Buffer {
  const digest = createHash("sha256").update(value).digest("base64url");
  return Buffer.from(JSON.stringify([topic, key, headers[HEADERS.id], headers[HEADERS.type], headers[HEADERS.source], headers[HEADERS.time], headers[SIGNATURE_HEADERS.producer], digest]));
}

export interface EventSigner {
  producer: string;
  kid: string;
  alg: EventAlg;
  /** The record with its producer and signature headers (topic: the name without a deployment's prefix). */
  sign(record: EventRecord): Promise<EventRecord>;
}

/** Signs as `producer` with a private key (PEM; P-256 → ES256, SM2 → SM2 with SM3). */
export async function createEventSigner(privateKeyPem: string, producer: string): Promise<EventSigner> {
  const key = createPrivateKey(privateKeyPem);
  const alg = algOf(key);
  const { kid } = await eventJwk(privateKeyPem, producer);
  const protectedHeader = { alg, kid, typ: TYP };
  const header = base64url.encode(JSON.stringify(protectedHeader));
  const digest = DIGEST[alg];
  return {
    producer,
    kid,
    alg,
    async sign(record) {
      const headers = { ...record.headers, [SIGNATURE_HEADERS.producer]: producer };
      const input = Buffer.from(`${header}.${base64url.encode(signingPayload(record.topic, record.key, record.value, headers))}`);
      const jws = `${header}..${base64url.encode(sign(digest, input, { key, dsaEncoding: "ieee-p1363" }))}`;
      return { ...record, headers: { ...headers, [SIGNATURE_HEADERS.signature]: jws } };
    },
  };
}

/** The signer of EVENT_SIGNING_KEY_FILE; undefined when it is not set. */
export async function signerFromFile(file: string | undefined, producer: string): Promise<EventSigner | undefined> {
  if (!file) return undefined;
  return createEventSigner(readFileSync(file, "utf8"), producer);
}

/** Why an event is refused: no signature, an unknown key, a bad signature, or a producer that may not emit it. */
export class ForgedEventError extends Error {
  override name = "ForgedEventError";
}

/** Who must have signed an event: one of the producers, acting for a province. */
export interface EventRequirement {
  producers: readonly string[];
  province: string;
}

/** Where a verifier finds keys by kid. */
export type EventKeyLookup = (kid: string) => Promise<EventKey | undefined>;

/**
 * Keys from a JWKS file, read again (at most every 10 s) when a kid is unknown: a rotated key file is
 * picked up without a restart. Publish a new key before it signs (docs/operations.md "Event keys"):
 * an event whose kid is unknown after the read is refused — waiting for it would let a stream of
 * forged kids hold the partition.
 */
export function fileEventKeys(path: string, rereadMs = 10_000): EventKeyLookup {
  let keys = new Map(parseEventJwks(readFileSync(path, "utf8"), path).map((k) => [k.kid, k]));
  let readAt = Date.now();
  return async (kid) => {
    if (!keys.has(kid) && Date.now() - readAt >= rereadMs) {
      readAt = Date.now();
      try {
        keys = new Map(parseEventJwks(readFileSync(path, "utf8"), path).map((k) => [k.kid, k]));
      } catch {
        // keep the keys read before: a file being replaced
      }
    }
    return keys.get(kid);
  };
}

/**
 * Keys from another release's JWKS URL, cached for 10 minutes and fetched again when a kid is unknown
 * (at most every 5 s). A fetch that fails throws — at the start, when the cache is too old, or for an
 * unknown kid — so the consumer retries the event: nothing is dead-lettered for the key server's outage.
 */
export function remoteEventKeys(url: string, opts: { cooldownMs?: number; maxAgeMs?: number } = {}): EventKeyLookup {
  const cooldown = opts.cooldownMs ?? 5_000;
  const maxAge = opts.maxAgeMs ?? 600_000;
  let keys: Map<string, EventKey> | undefined;
  let fetchedAt = 0;
  let fetching: Promise<Map<string, EventKey>> | undefined;
  const refresh = () =>
    (fetching ??= (async () => {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
        if (!res.ok) throw new Error(`event keys ${url}: HTTP ${res.status}`);
        keys = new Map(parseEventJwks(await res.text(), url).map((k) => [k.kid, k]));
        return keys;
      } finally {
        fetchedAt = Date.now();
        fetching = undefined;
      }
    })());
  return async (kid) => {
    let known = keys && Date.now() - fetchedAt < maxAge ? keys : await refresh();
    if (!known.has(kid) && Date.now() - fetchedAt >= cooldown) known = await refresh();
    return known.get(kid);
  };
}

/** A source of keys and the provinces it is trusted for (the intersection with what each key claims). */
export interface EventKeySource {
  lookup: EventKeyLookup;
  provinces: "*" | string[];
}

/**
 * EVENT_TRUST (the syntax of JWT_TRUST: `<provinces>=<JWKS url or file>` entries, provinces like 44,
 * 11+12 or *): another release's event keys, trusted for those provinces only.
 */
export function parseEventTrust(spec: string): EventKeySource[] {
  return trustEntries(spec, "EVENT_TRUST").map(({ provinces, source }) => ({ provinces, lookup: isUrl(source) ? remoteEventKeys(source) : fileEventKeys(source) }));
}

const allows = (provinces: "*" | string[], province: string) => provinces === "*" || provinces.includes(province);

export interface EventVerifier {
  /** Resolves when the record is signed by the producer its policy names, for the event's province; throws ForgedEventError otherwise. */
  verify(record: { topic: string; key: string; value: Buffer; headers: Record<string, string> }, message: unknown): Promise<void>;
}

/**
 * Verifies records against key sources, with a policy naming the producer and province each event
 * needs (undefined: nobody may emit it).
 */
export function createEventVerifier(sources: EventKeySource[], policy: (type: string, message: unknown) => EventRequirement | undefined): EventVerifier {
  return {
    async verify(record, message) {
      const jws = record.headers[SIGNATURE_HEADERS.signature];
      const type = record.headers[HEADERS.type] ?? "";
      if (!jws) throw new ForgedEventError(`${type} is not signed`);
      const parts = jws.split(".");
      if (parts.length !== 3 || parts[1] !== "") throw new ForgedEventError(`${type}: the signature is not a detached JWS`);
      let header: { alg?: string; kid?: string; typ?: string };
      try {
        header = decodeProtectedHeader(jws);
      } catch {
        throw new ForgedEventError(`${type}: the signature's header is unreadable`);
      }
      if (!header.kid || header.typ !== TYP) throw new ForgedEventError(`${type}: the signature names no key or is not an event signature`);
      let found: { key: EventKey; trusted: "*" | string[] } | undefined;
      for (const s of sources) {
        const key = await s.lookup(header.kid);
        if (key) {
          found = { key, trusted: s.provinces };
          break;
        }
      }
      if (!found) throw new ForgedEventError(`${type}: signed with an unknown key ${header.kid}`);
      const { key, trusted } = found;
      if (header.alg !== key.alg) throw new ForgedEventError(`${type}: key ${key.kid} is ${key.alg}, the signature says ${header.alg}`);
      const payload = signingPayload(record.topic, record.key, record.value, record.headers);
      const input = Buffer.from(`${parts[0]}.${base64url.encode(payload)}`);
      let valid: boolean;
      try {
        valid = verify(DIGEST[key.alg], input, { key: key.key, dsaEncoding: "ieee-p1363" }, base64url.decode(parts[2]!));
      } catch {
        valid = false; // not base64url, or not a signature of this curve's size
      }
      if (!valid) throw new ForgedEventError(`${type}: the signature does not match the record (key ${key.kid} of ${key.producer})`);
      if (record.headers[SIGNATURE_HEADERS.producer] !== key.producer)
        throw new ForgedEventError(`${type}: key ${key.kid} is ${key.producer}'s, the record says ${record.headers[SIGNATURE_HEADERS.producer]}`);
      const need = policy(type, message);
      if (!need) throw new ForgedEventError(`${type}: no producer may emit it`);
      if (!need.producers.includes(key.producer)) throw new ForgedEventError(`${type} must come from ${need.producers.join(" or ")}, it is signed by ${key.producer}`);
      if (!allows(key.provinces, need.province) || !allows(trusted, need.province))
        throw new ForgedEventError(`${type} of province ${need.province}: ${key.producer}'s key ${key.kid} is not trusted for that province`);
    },
  };
}
