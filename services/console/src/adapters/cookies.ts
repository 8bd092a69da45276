import type { IncomingMessage } from "node:http";
import { EncryptJWT, jwtDecrypt } from "jose";

/**
 * Encrypted cookies (JWE, dir + A256GCM): the session and the sign-in's state/PKCE verifier live in
 * the browser, unreadable and unforgeable there, so any console replica serves any request.
 */
export interface CookieJar {
  seal(payload: Record<string, unknown>, expiresAt: number): Promise<string>;
  open<T>(value: string | undefined): Promise<T | undefined>;
}

export function createCookieJar(key: Uint8Array): CookieJar {
  if (key.length !== 32) throw new Error("the session key must be 32 bytes (base64 of 32 random bytes)");
  return {
    seal: (payload, expiresAt) => new EncryptJWT(payload).setProtectedHeader({ alg: "dir", enc: "A256GCM" }).setIssuedAt().setExpirationTime(expiresAt).encrypt(key),
    async open<T>(value: string | undefined) {
      if (!value) return undefined;
      try {
        return (await jwtDecrypt(value, key)).payload as T;
      } catch {
        return undefined; // expired, tampered with, or sealed with another key: as if absent
      }
    },
  };
}

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

export function cookieHeader(name: string, value: string, opts: { secure: boolean; maxAge: number; path?: string }): string {
  return [`${name}=${value}`, `Path=${opts.path ?? "/"}`, "HttpOnly", "SameSite=Lax", `Max-Age=${Math.max(0, Math.floor(opts.maxAge))}`, ...(opts.secure ? ["Secure"] : [])].join("; ");
}
