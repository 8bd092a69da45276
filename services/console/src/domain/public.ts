/** The console's public pages (no sign-in): what a visitor may ask, checked before anything is called. */

/** GET /api/public/verify/<code>: the one public endpoint. */
export function publicRoute(method: string, pathname: string): { kind: "verify"; code: string } | undefined {
  const m = /^\/api\/public\/verify\/([^/]{1,128})$/.exec(pathname);
  if (!m || (method !== "GET" && method !== "HEAD")) return undefined;
  let code: string;
  try {
    code = decodeURIComponent(m[1]!);
  } catch {
    code = m[1]!;
  }
  return { kind: "verify", code };
}

/**
 * The visitor's address: the peer, or — behind `hops` proxies that each append the address they
 * received from (X-Forwarded-For) — the entry the outermost trusted proxy wrote. A visitor can
 * prepend anything to the header; only what the trusted proxies appended counts.
 */
export function visitorAddress(peer: string | undefined, forwardedFor: string | undefined, hops: number): string {
  if (hops <= 0 || !forwardedFor) return peer ?? "unknown";
  const chain = forwardedFor
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return chain[chain.length - hops] ?? chain[0] ?? peer ?? "unknown";
}
