/** What the console keeps of a signed-in user (in an encrypted HttpOnly cookie, never in the page). */
export interface Session {
  /** The identity provider's access token, sent to the services as the user's bearer token. */
  accessToken: string;
  /** Its expiry, seconds since the epoch; the session ends with it. */
  expiresAt: number;
  /** The ID token, as the hint of RP-initiated logout. */
  idToken?: string;
  user: string;
  name: string;
  courtId: string;
  province: string;
  roles: string[];
}

export class SignInError extends Error {
  override name = "SignInError";
}

/** The user a verified ID token describes; every claim the console shows or relies on must be there. */
export function userFromClaims(c: Record<string, unknown>): Pick<Session, "user" | "name" | "courtId" | "province" | "roles"> {
  const { sub, name, court, province, roles } = c;
  if (typeof sub !== "string" || !sub) throw new SignInError("the ID token has no subject");
  if (typeof court !== "string" || !court) throw new SignInError("the ID token has no court");
  if (typeof province !== "string" || !/^\d{2}$/.test(province)) throw new SignInError("the ID token has no province");
  if (!Array.isArray(roles) || !roles.every((r) => typeof r === "string")) throw new SignInError("the ID token has no roles");
  return { user: sub, name: typeof name === "string" && name ? name : sub, courtId: court, province, roles: roles as string[] };
}

/** Where to go after sign-in: a path of this site only (no open redirect to another origin). */
export function safeReturnTo(v: string | null | undefined): string {
  if (!v || !v.startsWith("/") || v.startsWith("//") || v.startsWith("/\\") || /[\r\n]/.test(v)) return "/";
  return v;
}
