import { readFileSync } from "node:fs";
import { SignJWT, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, errors, type JWK, type JWTPayload, type ProtectedHeaderParameters } from "jose";
import { ALG, localKeys, parseTrust, signingKey, toJwks, type Jwks, type TrustedKeys } from "./keys.js";

export * from "./audit.js";
export { KeyError, fileKeys, isUrl, localKeys, parseTrust, trustEntries, publicJwk, remoteKeys, toJwks, type Jwks, type KeyLookup, type TrustedKeys } from "./keys.js";

/** Who may do what. One role per kind of user named in docs/domain.md (Users). */
export const ROLES = [
  "window-clerk", // 协作法院窗口人员
  "filing-specialist", // 跨域立案专员
  "supervisor", // SPC (national) or a high court (its province)
  "court-system", // a court's case-management system calling over gRPC
  "operator", // province IT centre / drill operator
] as const;
export type Role = (typeof ROLES)[number];

/** What a verified bearer token says about the caller; handlers receive this, never raw claims. */
export interface AuthContext {
  user: string;
  courtId: string;
  roles: Role[];
  /** Two-digit GB/T 2260 province code of the caller's court. */
  province: string;
  /**
   * A service token's scopes (it then has no roles) and the one filing they are for. A public token
   * (PUBLIC_SCOPES only, subject `public:<visitor>`) stands for an anonymous visitor of the console's
   * public pages: no court, no province ("" both), no filing — but for `filing:party`, which names
   * the one filing the console bound the visitor to.
   */
  scopes?: Scope[];
  filing?: string;
  /** The holder's display name (the token's `name` claim), when the token carries one: the audit trail and timeline show it. */
  name?: string;
}

export const ISSUER = "kuayu";
export const AUDIENCE = "kuayu";
/** Intake's own audience: the narrow service tokens decision sends it to copy a filing's materials. */
export const INTAKE_AUDIENCE = "kuayu:intake";
/** Notification's own audience: the public tokens the console mints for anyone checking a printed notice, and for a party's notices. */
export const NOTIFICATION_AUDIENCE = "kuayu:notification";
/** Supervision's own audience: the public tokens the console mints for a party rating or complaining about their filing. */
export const SUPERVISION_AUDIENCE = "kuayu:supervision";
/** The longest a token may live (exp − iat) unless the settings say otherwise: a long shift. */
export const DEFAULT_MAX_LIFETIME = "12h";

export class AuthError extends Error {
  override name = "AuthError";
}

export interface TokenVerifier {
  verify(token: string): Promise<AuthContext>;
}

/**
 * Identity providers (OpenID Connect) whose access tokens are trusted besides the deployment's own
 * ES256 keys: the web console's users sign in there, and the console calls the services with the
 * user's token. Their keys come from the provider's JWKS (fetched on first use, refreshed on an
 * unknown `kid`), so the provider rotates its keys without the services being told.
 */
export interface OidcTrust {
  issuer: string;
  /** Default: `${issuer}/jwks` (oidc-provider's path; take `jwks_uri` from the provider's discovery document). */
  jwksUrl?: string;
  /** The `aud` the provider puts in access tokens for the services (default "kuayu"). */
  audience?: string;
}

export interface VerifierOptions {
  cacheSize?: number;
  oidc?: OidcTrust;
  /** Other releases' keys, each trusted for the tokens of its provinces only (JWT_TRUST). */
  trust?: TrustedKeys[];
  /** The longest lifetime (exp − iat) accepted, e.g. "12h" (default DEFAULT_MAX_LIFETIME). */
  maxLifetime?: string;
  /** Audiences accepted besides "kuayu": a service's own (e.g. "kuayu:intake") for narrow service tokens. */
  audiences?: string[];
  /**
   * The province of a court in the directory (undefined: no such court). With it, a token whose
   * court is unknown or lies in another province than the token says is refused.
   */
  courtProvince?: (courtId: string) => string | undefined;
}

/**
 * Verifies bearer tokens: ES256 ones signed by this release's keys (`ownKeys`: PEM public keys or
 * JWKS documents, e.g. the current and the next key during a rotation), by other releases' keys
 * for their provinces (`trust`), and (with `oidc`) the identity provider's. Every token must name
 * its key (`kid`), carry `exp` and `iat`, and live no longer than `maxLifetime`. A client sends the
 * same token on every call until it expires, and an ECDSA verification costs more than a whole
 * small RPC, so verified tokens are remembered until their expiry (at most `cacheSize` of them,
 * oldest dropped first).
 */
export async function createVerifier(ownKeys: string | string[], opts: VerifierOptions = {}): Promise<TokenVerifier> {
  const own: Jwks = { keys: [] };
  for (const text of [ownKeys].flat()) own.keys.push(...(await toJwks(text, "the release's verification key")).keys);
  const sets: TrustedKeys[] = [{ provinces: "*", lookup: localKeys(own), source: "own keys" }, ...(opts.trust ?? [])];
  const oidc = opts.oidc;
  const providerKeys = oidc && createRemoteJWKSet(new URL(oidc.jwksUrl ?? `${oidc.issuer.replace(/\/$/, "")}/jwks`));
  const maxLifetime = seconds(opts.maxLifetime ?? DEFAULT_MAX_LIFETIME);
  const audiences = [AUDIENCE, ...(opts.audiences ?? [])];
  const cacheSize = opts.cacheSize ?? 10_000;
  const verified = new Map<string, { ctx: AuthContext; expiresAt: number }>();

  /** Which set holds the token's key, and the key. */
  const keyOf = async (header: ProtectedHeaderParameters) => {
    for (const set of sets) {
      const key = await set.lookup(header).catch(() => undefined);
      if (key) return { set, key };
    }
    throw new AuthError("token signed by an unknown key");
  };
  const check = async (token: string): Promise<{ payload: JWTPayload; set?: TrustedKeys }> => {
    let issuer: unknown, header: ProtectedHeaderParameters;
    try {
      issuer = decodeJwt(token).iss;
      header = decodeProtectedHeader(token);
    } catch {
      throw new AuthError("token invalid");
    }
    if (typeof header.kid !== "string" || !header.kid) throw new AuthError("token names no key (kid)");
    // The issuer picks the keys; the signature (and the issuer again) is then checked with them.
    if (oidc && providerKeys && issuer === oidc.issuer) {
      const { payload } = await jwtVerify(token, providerKeys, { issuer: oidc.issuer, audience: oidc.audience ?? AUDIENCE, algorithms: ["ES256", "PS256", "RS256"], requiredClaims: ["exp", "iat"] });
      return { payload };
    }
    if (header.alg !== ALG) throw new AuthError("token invalid");
    const { set, key } = await keyOf(header);
    const { payload } = await jwtVerify(token, key, { issuer: ISSUER, audience: audiences, algorithms: [ALG], requiredClaims: ["exp", "iat"] });
    return { payload, set };
  };
  return {
    async verify(token) {
      const hit = verified.get(token);
      if (hit && hit.expiresAt > Date.now()) return hit.ctx;
      if (hit) verified.delete(token);
      let checked;
      try {
        checked = await check(token);
      } catch (err) {
        if (err instanceof AuthError) throw err;
        if (err instanceof errors.JWTExpired) throw new AuthError("token expired");
        if (err instanceof errors.JWTClaimValidationFailed && (err.claim === "exp" || err.claim === "iat")) throw new AuthError(`token has no ${err.claim}`);
        throw new AuthError("token invalid");
      }
      const { payload, set } = checked;
      if (payload.exp! - payload.iat! > maxLifetime) throw new AuthError(`token lives longer than ${opts.maxLifetime ?? DEFAULT_MAX_LIFETIME}`);
      const ctx = toContext(payload, set !== undefined);
      if (set && set.provinces !== "*" && !set.provinces.includes(ctx.province)) throw new AuthError(`token of province ${ctx.province} signed by a key trusted for ${set.provinces.join("+")} only`);
      if (opts.courtProvince && ctx.courtId !== "") {
        const province = opts.courtProvince(ctx.courtId);
        if (province === undefined) throw new AuthError("token's court is not in the directory");
        if (province !== ctx.province) throw new AuthError("token's province is not its court's");
      }
      if (cacheSize > 0) {
        if (verified.size >= cacheSize) verified.delete(verified.keys().next().value!);
        verified.set(token, { ctx, expiresAt: payload.exp! * 1000 });
      }
      return ctx;
    },
  };
}

/** Seconds of a duration like "15m", "12h", "2d" or "90s". */
function seconds(duration: string): number {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(duration.trim());
  if (!m) throw new AuthError(`duration "${duration}" is not a number followed by s, m, h or d`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as "s" | "m" | "h" | "d"];
}

/** The settings every service reads for its verifier (libs/config `fields.tokens`). */
export interface TokenSettings {
  JWT_PUBLIC_KEY?: string;
  /** One file, or several separated by commas (the current and the next key during a rotation); PEM or JWKS. */
  JWT_PUBLIC_KEY_FILE?: string;
  JWT_TRUST?: string;
  JWT_MAX_LIFETIME?: string;
  OIDC_ISSUER?: string;
  OIDC_JWKS_URL?: string;
  OIDC_AUDIENCE?: string;
  /** The CA other releases' JWKS endpoints are checked against (besides the system's). */
  TLS_CA_FILE?: string;
}

/** This release's verification keys as texts: inline, or read from the file(s). */
export function ownKeyTexts(c: Pick<TokenSettings, "JWT_PUBLIC_KEY" | "JWT_PUBLIC_KEY_FILE">): string[] {
  if (c.JWT_PUBLIC_KEY) return [c.JWT_PUBLIC_KEY];
  if (!c.JWT_PUBLIC_KEY_FILE) throw new AuthError("JWT_PUBLIC_KEY or JWT_PUBLIC_KEY_FILE is required");
  return c.JWT_PUBLIC_KEY_FILE.split(",")
    .map((f) => f.trim())
    .filter(Boolean)
    .map((f) => readFileSync(f, "utf8"));
}

/** This release's published JWKS (its verification keys with their kids): served at /.well-known/jwks.json. */
export async function ownJwks(c: Pick<TokenSettings, "JWT_PUBLIC_KEY" | "JWT_PUBLIC_KEY_FILE">): Promise<Jwks> {
  const keys: JWK[] = [];
  for (const text of ownKeyTexts(c)) keys.push(...(await toJwks(text)).keys);
  return { keys };
}

/** A service's verifier from its settings: its release's keys, other releases' (JWT_TRUST), the identity provider's. */
export function verifierFromSettings(c: TokenSettings, extra: Pick<VerifierOptions, "audiences" | "courtProvince"> = {}): Promise<TokenVerifier> {
  const ca = c.TLS_CA_FILE ? readFileSync(c.TLS_CA_FILE, "utf8") : undefined;
  return createVerifier(ownKeyTexts(c), {
    ...extra,
    trust: c.JWT_TRUST ? parseTrust(c.JWT_TRUST, { ca }) : [],
    maxLifetime: c.JWT_MAX_LIFETIME,
    oidc: c.OIDC_ISSUER ? { issuer: c.OIDC_ISSUER, jwksUrl: c.OIDC_JWKS_URL, audience: c.OIDC_AUDIENCE } : undefined,
  });
}

/**
 * What a narrow service token may do: read the materials of its one filing (decision → intake);
 * check a printed document by its verification code (console → notification, for anyone); look a
 * filing up by its receipt number and the phone's last four digits (console → intake, for a
 * party); act as the party of the one filing the console has bound the visitor to (their notices:
 * console → notification; rating, complaints and answers: console → supervision).
 */
export const SCOPES = ["material:read", "document:verify", "filing:lookup", "filing:party"] as const;
export type Scope = (typeof SCOPES)[number];
/** Scopes of public tokens: what the console's public pages may ask on an anonymous visitor's behalf. */
export const PUBLIC_SCOPES: readonly Scope[] = ["document:verify", "filing:lookup", "filing:party"];
/** The public scope that names a filing (the one the party looked up); the others name none. */
const FILING_BOUND_PUBLIC_SCOPE: Scope = "filing:party";
/** The subject of a public token: `public:` and the console's pseudonym of the visitor (never an address in clear). */
export const PUBLIC_SUBJECT = /^public:[A-Za-z0-9_-]{1,64}$/;
/** The longest a service token may live. */
const SERVICE_TOKEN_LIFETIME = 15 * 60;

/** The caller a verified token names. `scope` makes one of our own tokens a service token (an identity provider's `scope` is its OAuth scopes). */
function toContext(p: JWTPayload & Record<string, unknown>, ownIssuer: boolean): AuthContext {
  const { sub, court, roles, province, filing } = p;
  const name = typeof p.name === "string" && p.name.trim() ? { name: p.name.trim().slice(0, 256) } : {};
  const scope = ownIssuer ? p.scope : undefined;
  if (typeof sub !== "string" || !sub) throw new AuthError("token has no subject");
  if (scope !== undefined && typeof scope === "string" && scope.split(" ").every((s) => PUBLIC_SCOPES.includes(s as Scope))) {
    // A public token: an anonymous visitor, minutes long, nothing else (filing:party: and its one filing).
    const scopes = scope.split(" ") as Scope[];
    const bound = scopes.includes(FILING_BOUND_PUBLIC_SCOPE);
    if (!PUBLIC_SUBJECT.test(sub)) throw new AuthError("public token's subject is not public:<visitor>");
    if (court !== undefined || province !== undefined || (!bound && filing !== undefined) || roles !== undefined) throw new AuthError("public token names a court, province, filing or roles");
    if (bound && (scopes.length !== 1 || typeof filing !== "string" || !filing)) throw new AuthError(`a ${FILING_BOUND_PUBLIC_SCOPE} token names one filing and no other scope`);
    if (p.exp! - p.iat! > SERVICE_TOKEN_LIFETIME) throw new AuthError("service token lives longer than 15m");
    return { user: sub, courtId: "", roles: [], province: "", scopes, ...(bound ? { filing: filing as string } : {}) };
  }
  if (typeof court !== "string" || !court) throw new AuthError("token has no court");
  if (typeof province !== "string" || !/^\d{2}$/.test(province)) throw new AuthError("token has no province");
  if (scope !== undefined) {
    // A service token: its scope on its one filing, no role, minutes long.
    const scopes = typeof scope === "string" ? scope.split(" ") : [];
    if (scopes.length === 0 || !scopes.every((s) => (SCOPES as readonly string[]).includes(s) && !PUBLIC_SCOPES.includes(s as Scope))) throw new AuthError("token has unknown scopes");
    if (typeof filing !== "string" || !filing) throw new AuthError("service token names no filing");
    if (roles !== undefined) throw new AuthError("service token carries roles");
    if (p.exp! - p.iat! > SERVICE_TOKEN_LIFETIME) throw new AuthError("service token lives longer than 15m");
    return { user: sub, courtId: court, roles: [], province, scopes: scopes as Scope[], filing };
  }
  if (!Array.isArray(roles) || roles.length === 0 || !roles.every(isRole)) throw new AuthError("token has unknown roles");
  return { user: sub, courtId: court, roles, province, ...name };
}

/** Whether the caller holds a service token with this scope on this filing. */
export const grants = (ctx: AuthContext, scope: Scope, filingId: string) => ctx.filing === filingId && (ctx.scopes ?? []).includes(scope);

export function isRole(r: unknown): r is Role {
  return typeof r === "string" && (ROLES as readonly string[]).includes(r);
}

export interface MintOptions {
  user: string;
  courtId: string;
  roles: Role[];
  province: string;
  /** The holder's display name (claim `name`), shown in the audit trail and the timeline. */
  name?: string;
  /** Lifetime, e.g. "8h" (a clerk's shift) or "15m". */
  expiresIn?: string;
}

/** A narrow service token: one scope on one filing, for one service (its audience), minutes long. */
export interface ServiceMintOptions {
  user: string;
  courtId: string;
  province: string;
  scope: Scope;
  filing: string;
  /** The receiving service's audience, e.g. "kuayu:intake". */
  audience: string;
  /** At most 15 minutes (default "5m"). */
  expiresIn?: string;
}

/** A public token: what an anonymous visitor of the console's public pages may ask of one service. */
export interface PublicMintOptions {
  /** The console's pseudonym of the visitor (e.g. a keyed hash of the address): the receiving service's rate limits count by it. */
  visitor: string;
  scope: Scope;
  /** The filing the visitor is bound to: required with scope filing:party, refused with any other. */
  filing?: string;
  /** The receiving service's audience, e.g. "kuayu:notification". */
  audience: string;
  /** At most 15 minutes (default "1m"). */
  expiresIn?: string;
}

export interface TokenSigner {
  /** The kid the tokens carry (the key's thumbprint unless set). */
  readonly kid: string;
  mint(opts: MintOptions): Promise<string>;
  mintService(opts: ServiceMintOptions): Promise<string>;
  mintPublic(opts: PublicMintOptions): Promise<string>;
}

export async function createSigner(privateKeyPem: string, opts: { kid?: string } = {}): Promise<TokenSigner> {
  const { key, kid } = await signingKey(privateKeyPem, opts.kid);
  const province = (p: string) => {
    if (!/^\d{2}$/.test(p)) throw new AuthError(`province must be two digits, got "${p}"`);
  };
  const sign = (claims: Record<string, unknown>, sub: string, audience: string, expiresIn: string) =>
    // `exp` before `iat`: jose reads the clock for each, and a second that turns between the two
    // would make the token live a second longer than asked — refused by verifiers at the maximum
    // (found by a 2,000-filing drill: "token lives longer than 12h" for one 12 h token).
    new SignJWT(claims).setProtectedHeader({ alg: ALG, kid }).setSubject(sub).setIssuer(ISSUER).setAudience(audience).setExpirationTime(expiresIn).setIssuedAt().sign(key);
  return {
    kid,
    async mint(o) {
      province(o.province);
      if (o.roles.length === 0) throw new AuthError("at least one role is needed");
      return sign({ court: o.courtId, roles: o.roles, province: o.province, ...(o.name ? { name: o.name } : {}) }, o.user, AUDIENCE, o.expiresIn ?? "8h");
    },
    async mintService(o) {
      province(o.province);
      if (PUBLIC_SCOPES.includes(o.scope)) throw new AuthError(`scope ${o.scope} is for public tokens (mintPublic)`);
      return sign({ court: o.courtId, province: o.province, scope: o.scope, filing: o.filing }, o.user, o.audience, o.expiresIn ?? "5m");
    },
    async mintPublic(o) {
      if (!PUBLIC_SCOPES.includes(o.scope)) throw new AuthError(`scope ${o.scope} is not for public tokens`);
      const sub = `public:${o.visitor}`;
      if (!PUBLIC_SUBJECT.test(sub)) throw new AuthError("a visitor is 1–64 characters of A–Z, a–z, 0–9, _ and -");
      if ((o.scope === FILING_BOUND_PUBLIC_SCOPE) !== Boolean(o.filing)) throw new AuthError(`a public token names a filing exactly when its scope is ${FILING_BOUND_PUBLIC_SCOPE}`);
      return sign({ scope: o.scope, ...(o.filing ? { filing: o.filing } : {}) }, sub, o.audience, o.expiresIn ?? "1m");
    },
  };
}
