// The authorization matrix: a table that says, for every RPC of every kuayu service, which roles may
// call it and how it is scoped, checked against the protobuf descriptors so that a new RPC without
// its row fails; and the forged tokens every RPC must refuse.
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { generateKeyPairSync } from "node:crypto";
import { SignJWT, UnsecuredJWT, decodeJwt, decodeProtectedHeader, importPKCS8, type JWTPayload } from "jose";
import { AUDIENCE, ISSUER, ROLES, type Role } from "@kuayu/auth";

/**
 * How an RPC is scoped beyond the caller's role:
 * - `court`: the entity belongs to one court; a caller of another court (same province) and one of
 *   another province are refused.
 * - `province`: the entity or the release belongs to a province; a caller of another province is refused.
 * - `national`: only the SPC's callers; a province's are refused.
 * - `none`: any caller of an allowed role (directory reads, a caller's own lists, document verification).
 */
export type Scope = "court" | "province" | "national" | "none";

export interface Caller {
  courtId: string;
  province: string;
}

/** One row of the table: `rpc` is `<full service name>/<method>`, e.g. `kuayu.intake.v1.FilingIntakeService/GetFiling`. */
export interface AuthzRow<F> {
  rpc: string;
  roles: readonly Role[];
  scope: Scope;
  /** The court the request's entity belongs to (court scope), or whose province it is (province scope), or the SPC (national). */
  owner: Caller;
  /** A valid request for the owner's entity, made from the fixtures. */
  request: (fx: F) => Record<string, unknown>;
  /** Roles whose holders act for their whole province (court scope: only another province is refused to them). */
  provinceWide?: readonly Role[];
}

/** Every RPC of the services, as `{ rpc, method }`. */
export const rpcsOf = (services: DescService[]): { rpc: string; method: DescMethod }[] => services.flatMap((s) => s.methods.map((method) => ({ rpc: `${s.typeName}/${method.name}`, method })));

/** The kuayu services among a module's exports (e.g. `import * as proto from "@kuayu/proto"`'s namespaces). */
export function kuayuServices(modules: Record<string, unknown>[]): DescService[] {
  const found = new Map<string, DescService>();
  for (const m of modules) {
    for (const v of Object.values(m)) {
      const d = v as Partial<DescService>;
      if (d && typeof d === "object" && d.kind === "service" && d.typeName!.startsWith("kuayu.")) found.set(d.typeName!, d as DescService);
    }
  }
  return [...found.values()];
}

/** What is wrong with the table: RPCs without a row, rows of no RPC, rows listed twice. */
export function tableProblems(rows: { rpc: string }[], services: DescService[]): string[] {
  const rpcs = rpcsOf(services).map((r) => r.rpc);
  const listed = rows.map((r) => r.rpc);
  return [
    ...rpcs.filter((r) => !listed.includes(r)).map((r) => `RPC ${r} has no authorization row`),
    ...listed.filter((r) => !rpcs.includes(r)).map((r) => `row ${r} names no RPC of the services`),
    ...listed.filter((r, i) => listed.indexOf(r) !== i).map((r) => `row ${r} is listed twice`),
  ];
}

/** The roles a row does not allow. */
export const deniedRoles = (row: { roles: readonly Role[] }): Role[] => ROLES.filter((r) => !row.roles.includes(r));

export const FORGERIES = ["alg none", "HS256 with the public key as secret", "expired", "wrong issuer", "wrong audience", "signed by another key", "unknown kid"] as const;
export type Forgery = (typeof FORGERIES)[number];

/**
 * Tokens a service must refuse, each made from `valid` (a token the service accepts): the same
 * header (its `kid`, if any) and claims, with one thing wrong. `privateKeyPem` is the key that
 * signed `valid`, `publicKeyPem` the one the service verifies with.
 */
export async function forgedTokens(valid: string, keys: { publicKey: string; privateKey: string }): Promise<Record<Forgery, string>> {
  const { kid, typ } = decodeProtectedHeader(valid);
  const header = { ...(kid ? { kid } : {}), ...(typ ? { typ } : {}) };
  const claims = decodeJwt(valid);
  const key = await importPKCS8(keys.privateKey, "ES256");
  const other = await importPKCS8(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString(), "ES256");
  const now = Math.floor(Date.now() / 1000);
  const es256 = { ...header, alg: "ES256" };
  const jwt = (p: JWTPayload) => new SignJWT({ ...claims, ...p });
  return {
    "alg none": new UnsecuredJWT(claims).setIssuer(ISSUER).setAudience(AUDIENCE).encode(),
    "HS256 with the public key as secret": await jwt({})
      .setProtectedHeader({ ...header, alg: "HS256" })
      .sign(new TextEncoder().encode(keys.publicKey)),
    expired: await jwt({ iat: now - 7200, exp: now - 3600 })
      .setProtectedHeader(es256)
      .sign(key),
    "wrong issuer": await jwt({ iss: "not-kuayu" }).setProtectedHeader(es256).sign(key),
    "wrong audience": await jwt({ aud: "not-kuayu" }).setProtectedHeader(es256).sign(key),
    "signed by another key": await jwt({}).setProtectedHeader(es256).sign(other),
    "unknown kid": await jwt({})
      .setProtectedHeader({ ...es256, kid: "no-such-key-2026" })
      .sign(key),
  };
}
