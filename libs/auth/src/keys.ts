import { readFileSync, statSync } from "node:fs";
import { Agent } from "node:https";
import { rootCertificates } from "node:tls";
import { calculateJwkThumbprint, createLocalJWKSet, createRemoteJWKSet, errors, exportJWK, importPKCS8, importSPKI, type JWK, type JWSHeaderParameters, type KeyLike } from "jose";

// Keys of a deployment: every province release (and the national one) signs with its own ES256
// key, published under a `kid` (by default the key's RFC 7638 thumbprint) in a JWKS. A service
// trusts its own release's keys for any token, and another release's keys only for tokens of the
// provinces its settings bind them to (JWT_TRUST): the binding is in the verifier's configuration,
// never in what the other release says of itself.

export const ALG = "ES256";

export class KeyError extends Error {
  override name = "KeyError";
}

/** A JWKS document. */
export interface Jwks {
  keys: JWK[];
}

/** The public JWK of a PEM key (public or private), with its kid (default: its thumbprint). */
export async function publicJwk(pem: string, kid?: string): Promise<JWK> {
  const isPrivate = pem.includes("PRIVATE KEY");
  const key = isPrivate ? await importPKCS8(pem, ALG, { extractable: true }) : await importSPKI(pem, ALG, { extractable: true });
  const { kty, crv, x, y } = await exportJWK(key);
  const jwk = { kty, crv, x, y };
  return { ...jwk, kid: kid ?? (await calculateJwkThumbprint(jwk)), alg: ALG, use: "sig" };
}

/** Key material as a JWKS: a JWKS document as it is (every key with a kid), or one PEM public key. */
export async function toJwks(text: string, what = "key material"): Promise<Jwks> {
  const t = text.trim();
  if (!t.startsWith("{")) {
    try {
      return { keys: [await publicJwk(t)] };
    } catch (err) {
      throw new KeyError(`${what} is neither a JWKS nor a PEM ES256 public key (${(err as Error).message})`);
    }
  }
  let doc: unknown;
  try {
    doc = JSON.parse(t);
  } catch {
    throw new KeyError(`${what} is not valid JSON`);
  }
  const keys = (doc as Partial<Jwks>)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new KeyError(`${what} has no "keys"`);
  for (const k of keys) {
    if (typeof k?.kid !== "string" || !k.kid) throw new KeyError(`${what}: every key needs a "kid"`);
    if ("d" in k) throw new KeyError(`${what}: key ${k.kid} is a private key; publish public keys only`);
  }
  return { keys };
}

/** Looks a key up by the token's protected header; undefined when this set has no such kid. */
export type KeyLookup = (header: JWSHeaderParameters) => Promise<KeyLike | Uint8Array | undefined>;

const noMatch = (err: unknown) => err instanceof errors.JWKSNoMatchingKey;

/** A fixed set of keys. */
export function localKeys(jwks: Jwks): KeyLookup {
  const set = createLocalJWKSet(jwks);
  return async (header) => {
    try {
      return await set(header);
    } catch (err) {
      if (noMatch(err)) return undefined;
      throw err;
    }
  };
}

/**
 * A mounted JWKS file (a Secret or ConfigMap volume): read again when a token names a kid it does
 * not hold, at most every `rereadMs`, so a rotation lands without a restart.
 */
export function fileKeys(path: string, rereadMs = 10_000): KeyLookup {
  let lookup: KeyLookup | undefined;
  let readAt = 0;
  let mtime = -1;
  const load = async () => {
    readAt = Date.now();
    const m = statSync(path).mtimeMs;
    if (m === mtime && lookup) return;
    lookup = localKeys(await toJwks(readFileSync(path, "utf8"), path));
    mtime = m;
  };
  return async (header) => {
    if (!lookup) await load();
    const key = await lookup!(header);
    if (key || Date.now() - readAt < rereadMs) return key;
    await load();
    return lookup!(header);
  };
}

/**
 * Another release's published JWKS (https): fetched on first use, kept 10 minutes, fetched again
 * at once (at most every 5 s) when a token names an unknown kid — the new key of a rotation.
 */
export function remoteKeys(url: string, opts: { ca?: string; cooldownMs?: number; cacheMaxAgeMs?: number } = {}): KeyLookup {
  const set = createRemoteJWKSet(new URL(url), {
    cooldownDuration: opts.cooldownMs ?? 5_000,
    cacheMaxAge: opts.cacheMaxAgeMs ?? 10 * 60_000,
    timeoutDuration: 5_000,
    // The private CA besides the public ones (an `ca` option alone would replace them).
    ...(opts.ca ? { agent: new Agent({ ca: [...rootCertificates, opts.ca] }) } : {}),
  });
  return async (header) => {
    try {
      return await set(header);
    } catch (err) {
      if (noMatch(err)) return undefined;
      throw err;
    }
  };
}

/** Keys trusted for tokens of some provinces ("*": any). */
export interface TrustedKeys {
  provinces: "*" | readonly string[];
  lookup: KeyLookup;
  /** Where they come from, for messages: a file path or URL. */
  source: string;
}

/**
 * The entries of a trust setting (JWT_TRUST, EVENT_TRUST): whitespace- or comma-separated
 * `<provinces>=<source>`, provinces `44`, `11+12` or `*`, source a URL or a file path. Throws a
 * KeyError naming the setting for a malformed entry.
 */
export function trustEntries(spec: string, setting: string): { provinces: "*" | string[]; source: string }[] {
  return spec
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((entry) => {
      const eq = entry.indexOf("=");
      if (eq <= 0 || eq === entry.length - 1) throw new KeyError(`${setting} entry "${entry}" is not <provinces>=<url or file>`);
      const scope = entry.slice(0, eq);
      const provinces = scope === "*" ? "*" : scope.split("+");
      if (provinces !== "*" && !provinces.every((p) => /^\d{2}$/.test(p))) throw new KeyError(`${setting} entry "${entry}": provinces are two-digit codes joined by "+", or "*"`);
      return { provinces, source: entry.slice(eq + 1) };
    });
}

/** The URL of a trust entry's source, or undefined for a file path. */
export const isUrl = (source: string) => /^https?:\/\//.test(source);

/**
 * JWT_TRUST (trustEntries): each source an https/http URL of a JWKS or a path of a JWKS or PEM file.
 * Example: `11=https://kuayu-11.court.example/.well-known/jwks.json 44=/etc/kuayu/jwks/44.json`.
 */
export function parseTrust(spec: string, opts: { ca?: string } = {}): TrustedKeys[] {
  return trustEntries(spec, "JWT_TRUST").map(({ provinces, source }) => ({ provinces, source, lookup: isUrl(source) ? remoteKeys(source, opts) : fileKeys(source) }));
}

/** The private signing key of this release and the kid its tokens carry. */
export async function signingKey(privateKeyPem: string, kid?: string): Promise<{ key: KeyLike; kid: string }> {
  const jwk = await publicJwk(privateKeyPem, kid);
  return { key: await importPKCS8(privateKeyPem, ALG), kid: jwk.kid! };
}
