/** The console's public pages (no sign-in): what a visitor may ask, checked before anything is called. */

/** The public endpoints: the check of a printed notice, and the party's pages (/party). */
export type PublicRoute =
  | { kind: "verify"; code: string }
  | { kind: "party-lookup" }
  | { kind: "party-filing" }
  | { kind: "party-document"; documentKind: PartyDocumentKind }
  | { kind: "party-leave" }
  | { kind: "party-rating" }
  | { kind: "party-complaints"; file: boolean }
  | { kind: "party-sms"; set: boolean };

/** The notices a party may download of their filing (notification's document kinds). */
export const PARTY_DOCUMENT_KINDS = ["RECEIPT", "CORRECTION_NOTICE", "ACCEPTANCE_NOTICE", "NON_ACCEPTANCE"] as const;
export type PartyDocumentKind = (typeof PARTY_DOCUMENT_KINDS)[number];

/**
 * GET /api/public/verify/<code>; POST /api/public/party/lookup, GET /api/public/party/filing,
 * GET /api/public/party/documents/<KIND>, POST /api/public/party/leave, POST /api/public/party/rating,
 * GET and POST /api/public/party/complaints, GET and POST /api/public/party/sms. Nothing else is public.
 */
export function publicRoute(method: string, pathname: string): PublicRoute | undefined {
  const get = method === "GET" || method === "HEAD";
  const m = /^\/api\/public\/verify\/([^/]{1,128})$/.exec(pathname);
  if (m && get) {
    let code: string;
    try {
      code = decodeURIComponent(m[1]!);
    } catch {
      code = m[1]!;
    }
    return { kind: "verify", code };
  }
  if (pathname === "/api/public/party/lookup" && method === "POST") return { kind: "party-lookup" };
  if (pathname === "/api/public/party/filing" && get) return { kind: "party-filing" };
  if (pathname === "/api/public/party/leave" && method === "POST") return { kind: "party-leave" };
  if (pathname === "/api/public/party/rating" && method === "POST") return { kind: "party-rating" };
  if (pathname === "/api/public/party/complaints" && (get || method === "POST")) return { kind: "party-complaints", file: method === "POST" };
  if (pathname === "/api/public/party/sms" && (get || method === "POST")) return { kind: "party-sms", set: method === "POST" };
  const d = /^\/api\/public\/party\/documents\/([A-Z_]{1,40})$/.exec(pathname);
  if (d && get && (PARTY_DOCUMENT_KINDS as readonly string[]).includes(d[1]!)) return { kind: "party-document", documentKind: d[1] as PartyDocumentKind };
  return undefined;
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
