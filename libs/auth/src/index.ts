import { readFileSync } from "node:fs";
import { SignJWT, createRemoteJWKSet, decodeJwt, importPKCS8, importSPKI, jwtVerify, errors, type JWTPayload, type KeyLike } from "jose";

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
}

export const ISSUER = "kuayu";
export const AUDIENCE = "kuayu";
const ALG = "ES256";

export class AuthError extends Error {
  override name = "AuthError";
}

export interface TokenVerifier {
  verify(token: string): Promise<AuthContext>;
}

/**
 * Identity providers (OpenID Connect) whose access tokens are trusted besides the deployment's own
 * ES256 key: the web console's users sign in there, and the console calls the services with the
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

/**
 * Verifies bearer tokens: ES256 ones the deployment's key signed, and (with `oidc`) the identity
 * provider's. A client sends the same token on every call until it expires, and an ECDSA
 * verification costs more than a whole small RPC, so verified tokens are remembered until their
 * expiry (at most `cacheSize` of them, oldest dropped first).
 */
export async function createVerifier(publicKeyPem: string, opts: { cacheSize?: number; oidc?: OidcTrust } = {}): Promise<TokenVerifier> {
  const key = await importSPKI(publicKeyPem, ALG);
  const oidc = opts.oidc;
  const providerKeys = oidc && createRemoteJWKSet(new URL(oidc.jwksUrl ?? `${oidc.issuer.replace(/\/$/, "")}/jwks`));
  const cacheSize = opts.cacheSize ?? 10_000;
  const verified = new Map<string, { ctx: AuthContext; expiresAt: number }>();
  const check = async (token: string): Promise<JWTPayload> => {
    let issuer: unknown;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      throw new AuthError("token invalid");
    }
    // The issuer picks the key; the signature (and the issuer again) is then checked with it.
    if (oidc && providerKeys && issuer === oidc.issuer) {
      return (await jwtVerify(token, providerKeys, { issuer: oidc.issuer, audience: oidc.audience ?? AUDIENCE, algorithms: ["ES256", "PS256", "RS256"], requiredClaims: ["exp"] })).payload;
    }
    return (await jwtVerify(token, key, { issuer: ISSUER, audience: AUDIENCE, algorithms: [ALG] })).payload;
  };
  return {
    async verify(token) {
      const hit = verified.get(token);
      if (hit && hit.expiresAt > Date.now()) return hit.ctx;
      if (hit) verified.delete(token);
      let payload;
      try {
        payload = await check(token);
      } catch (err) {
        if (err instanceof AuthError) throw err;
        if (err instanceof errors.JWTExpired) throw new AuthError("token expired");
        throw new AuthError("token invalid");
      }
      const ctx = toContext(payload);
      if (typeof payload.exp === "number") {
        if (verified.size >= cacheSize) verified.delete(verified.keys().next().value!);
        verified.set(token, { ctx, expiresAt: payload.exp * 1000 });
      }
      return ctx;
    },
  };
}

/** The settings every service reads for its verifier (libs/config `fields.tokens`). */
export interface TokenSettings {
  JWT_PUBLIC_KEY?: string;
  JWT_PUBLIC_KEY_FILE?: string;
  OIDC_ISSUER?: string;
  OIDC_JWKS_URL?: string;
  OIDC_AUDIENCE?: string;
}

/** A service's verifier from its settings: the deployment's public key (inline or a file) and, if set, the identity provider. */
export function verifierFromSettings(c: TokenSettings): Promise<TokenVerifier> {
  const pem = c.JWT_PUBLIC_KEY ?? readFileSync(c.JWT_PUBLIC_KEY_FILE!, "utf8");
  return createVerifier(pem, { oidc: c.OIDC_ISSUER ? { issuer: c.OIDC_ISSUER, jwksUrl: c.OIDC_JWKS_URL, audience: c.OIDC_AUDIENCE } : undefined });
}

function toContext(p: Record<string, unknown>): AuthContext {
  const { sub, court, roles, province } = p;
  if (typeof sub !== "string" || !sub) throw new AuthError("token has no subject");
  if (typeof court !== "string" || !court) throw new AuthError("token has no court");
  if (typeof province !== "string" || !/^\d{2}$/.test(province)) throw new AuthError("token has no province");
  if (!Array.isArray(roles) || roles.length === 0 || !roles.every(isRole)) throw new AuthError("token has unknown roles");
  return { user: sub, courtId: court, roles, province };
}

export function isRole(r: unknown): r is Role {
  return typeof r === "string" && (ROLES as readonly string[]).includes(r);
}

export interface MintOptions {
  user: string;
  courtId: string;
  roles: Role[];
  province: string;
  /** Lifetime, e.g. "8h" (a clerk's shift) or "15m". */
  expiresIn?: string;
}

export interface TokenSigner {
  mint(opts: MintOptions): Promise<string>;
}

export async function createSigner(privateKeyPem: string): Promise<TokenSigner> {
  const key: KeyLike = await importPKCS8(privateKeyPem, ALG);
  return {
    async mint(o) {
      if (!/^\d{2}$/.test(o.province)) throw new AuthError(`province must be two digits, got "${o.province}"`);
      if (o.roles.length === 0) throw new AuthError("at least one role is needed");
      return new SignJWT({ court: o.courtId, roles: o.roles, province: o.province })
        .setProtectedHeader({ alg: ALG })
        .setSubject(o.user)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(o.expiresIn ?? "8h")
        .sign(key);
    },
  };
}
