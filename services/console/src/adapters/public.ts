import { createHmac } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { toJson } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import { INTAKE_AUDIENCE, NOTIFICATION_AUDIENCE, SUPERVISION_AUDIENCE, type Scope, type TokenSigner } from "@kuayu/auth";
import { fieldViolations, type Client } from "@kuayu/grpc";
import type { Logger } from "@kuayu/logger";
import { intakeV1, notificationV1, supervisionV1 } from "@kuayu/proto";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { normalizeVerificationCode } from "@kuayu/domain";
import { visitorAddress, type PublicRoute } from "../domain/public.js";
import { cookieHeader, readCookie, type CookieJar } from "./cookies.js";
import { sendError, serveFile, type FileClients } from "./files.js";
import { json } from "./http.js";

export interface PublicOptions {
  /** Signs the public tokens (the release's JWT key); without it the public endpoints answer 503. */
  signer: TokenSigner | undefined;
  /** The services (the user-facing clients; the public tokens make the difference). */
  clients: FileClients & { supervision: Client<typeof supervisionV1.SupervisionService> };
  /** Keys the visitors' pseudonyms (HMAC of the address): the services never see an address. */
  visitorKey: Buffer;
  /** Seals the party's cookie (the filing they looked up). */
  jar: CookieJar;
  /** Cookies only over https (the console's public URL is https). */
  secure: boolean;
  /** Checks per visitor address and minute on this replica (0: no limit). */
  verifyPerMinute: number;
  /** Party look-ups (receipt number + digits) per visitor address and minute on this replica (0: no limit). */
  lookupPerMinute: number;
  /** Proxies in front of the console that append to X-Forwarded-For (0: the peer is the visitor). */
  proxyHops: number;
  log: Logger;
}

const KINDS: Record<number, string> = {
  [notificationV1.DocumentKind.RECEIPT]: "receipt",
  [notificationV1.DocumentKind.ACCEPTANCE_NOTICE]: "acceptance-notice",
  [notificationV1.DocumentKind.NON_ACCEPTANCE]: "non-acceptance",
  [notificationV1.DocumentKind.CORRECTION_NOTICE]: "correction-notice",
};

/** The party's cookie: the filing they looked up and how, sealed; half an hour, for /api/public/party only. */
const PARTY = "kuayu_party";
const PARTY_PATH = "/api/public/party";
const PARTY_SECONDS = 30 * 60;
interface PartyCookie {
  receipt: string;
  digits: string;
  filing: string;
}

/** A limiter per visitor pseudonym; consume() gives the seconds to wait when over. */
function perVisitor(perMinute: number) {
  const limiter = perMinute > 0 ? new RateLimiterMemory({ points: perMinute, duration: 60 }) : undefined;
  return async (visitor: string): Promise<number | undefined> =>
    limiter?.consume(visitor).then(
      () => undefined,
      (r: unknown) => {
        if (r instanceof Error) throw r;
        return Math.max(1, Math.ceil(((r as { msBeforeNext?: number }).msBeforeNext ?? 1000) / 1000));
      },
    );
}

/**
 * The console's public endpoints, for anyone, each with a rate limit per visitor address here and
 * a public token naming the visitor by pseudonym (the services' own limits count by it):
 *
 * - GET /api/public/verify/<code>: notification's VerifyDocument — the issuing court, kind, date,
 *   the printed facts with names masked, the digest; 404 unknown, 400 not a code.
 * - POST /api/public/party/lookup {receiptNumber, phoneLast4}: intake's LookupFiling; on success the
 *   party's cookie binds this browser to the filing for half an hour. Unknown receipt and wrong
 *   digits: the same 404.
 * - GET /api/public/party/filing: the filing again (the cookie's look-up, not counted).
 * - GET /api/public/party/documents/<KIND>: a notice of that filing (notification's GetDocument with
 *   a filing:party token for it).
 * - POST /api/public/party/leave: forgets the cookie.
 * - POST /api/public/party/rating {score, comment}, POST /api/public/party/complaints {category,
 *   text}, GET /api/public/party/complaints: supervision's RateFiling, FileComplaint and
 *   ListComplaints with a filing:party token (the party's one rating once decided; complaints any
 *   time, with their tracking numbers and the supervisors' answers).
 * - GET and POST /api/public/party/sms {optOut}: notification's GetPartySms and SetPartySms — the
 *   numbers the party's SMS go to (masked) and stopping or resuming them.
 *
 * Look-ups, ratings and complaints count against one per-address limit. 429 with Retry-After beyond a limit.
 */
export function publicApi(o: PublicOptions) {
  const verifyLimit = perVisitor(o.verifyPerMinute);
  const lookupLimit = perVisitor(o.lookupPerMinute);
  const bearer = async (visitor: string, scope: Scope, audience: string, filing?: string) => {
    const metadata = new grpc.Metadata();
    metadata.set("authorization", `Bearer ${await o.signer!.mintPublic({ visitor, scope, audience, ...(filing ? { filing } : {}) })}`);
    return metadata;
  };
  const partyCookie = (res: ServerResponse, value: string, maxAge: number) => res.setHeader("set-cookie", cookieHeader(PARTY, value, { secure: o.secure, maxAge, path: PARTY_PATH }));

  async function verify(res: ServerResponse, visitor: string, typed: string): Promise<void> {
    const over = await verifyLimit(visitor);
    if (over) return tooMany(res, over, `too many checks from this address; try again in ${over} s`);
    const code = normalizeVerificationCode(typed);
    if (!code) return json(res, 400, { code: "invalid_argument", message: "a verification code is 12 letters and digits, e.g. K7QF-9XMA-2RTD" });
    try {
      const metadata = await bearer(visitor, "document:verify", NOTIFICATION_AUDIENCE);
      const { document: d } = await o.clients.notification.verifyDocument({ verificationCode: code }, { metadata, timeoutMs: 10_000 });
      if (!d) return json(res, 404, { code: "not_found", message: "no document has this verification code" });
      return json(res, 200, {
        verificationCode: d.verificationCode,
        kind: KINDS[d.kind] ?? "unknown",
        issuingCourtName: d.issuingCourtName,
        issuedAt: d.issuedAt ? timestampDate(d.issuedAt).toISOString() : undefined,
        sha256: d.sha256,
        facts: d.facts,
      });
    } catch (err) {
      const c = (err as { code?: number }).code;
      if (c === grpc.status.NOT_FOUND) return json(res, 404, { code: "not_found", message: "no document has this verification code" });
      if (c === grpc.status.RESOURCE_EXHAUSTED) return tooMany(res, 60, "too many checks from this address; try again in 60 s");
      o.log.warn({ err }, "public verification failed");
      return json(res, 503, { code: "unavailable", message: "verification is unavailable; try again shortly" });
    }
  }

  /** intake's LookupFiling as the party's view; sets or clears the party's cookie. */
  async function lookup(res: ServerResponse, visitor: string, receipt: string, digits: string, fromCookie: boolean): Promise<void> {
    try {
      const metadata = await bearer(visitor, "filing:lookup", INTAKE_AUDIENCE);
      const { filing } = await o.clients.intake.lookupFiling({ receiptNumber: receipt, phoneLast4: digits }, { metadata, timeoutMs: 10_000 });
      if (!filing) throw Object.assign(new Error("no filing in the answer"), { code: grpc.status.NOT_FOUND });
      const sealed: PartyCookie = { receipt: filing.receiptNumber, digits, filing: filing.filingId };
      partyCookie(res, await o.jar.seal({ ...sealed }, Math.floor(Date.now() / 1000) + PARTY_SECONDS), PARTY_SECONDS);
      return json(res, 200, toJson(intakeV1.PartyFilingSchema, filing));
    } catch (err) {
      const c = (err as { code?: number }).code;
      if (c === grpc.status.NOT_FOUND) {
        if (fromCookie) partyCookie(res, "", 0);
        return json(res, 404, { code: "not_found", message: "no filing has this receipt number with a phone ending in these digits" });
      }
      if (c === grpc.status.INVALID_ARGUMENT) return json(res, 400, { code: "invalid_argument", message: "check the receipt number and the four digits", violations: fieldViolations(err) });
      if (c === grpc.status.RESOURCE_EXHAUSTED) return tooMany(res, 3600, "too many failed look-ups of this receipt number; try again in an hour");
      o.log.warn({ err }, "party look-up failed");
      return json(res, 503, { code: "unavailable", message: "the look-up is unavailable; try again shortly" });
    }
  }

  return async function serve(req: IncomingMessage, res: ServerResponse, route: PublicRoute): Promise<void> {
    const address = visitorAddress(req.socket.remoteAddress, header(req, "x-forwarded-for"), o.proxyHops);
    const visitor = createHmac("sha256", o.visitorKey).update(`kuayu-visitor\0${address}`).digest("base64url").slice(0, 22);
    if (route.kind === "party-leave") {
      partyCookie(res, "", 0);
      return json(res, 200, {});
    }
    if (!o.signer) return json(res, 503, { code: "unavailable", message: "the public pages are not configured on this console (JWT_PRIVATE_KEY_FILE)" });
    if (route.kind === "verify") return verify(res, visitor, route.code);
    if (route.kind === "party-lookup") {
      const over = await lookupLimit(visitor);
      if (over) return tooMany(res, over, `too many look-ups from this address; try again in ${over} s`);
      const body = await readJson(req, 4096);
      const receipt = typeof body?.receiptNumber === "string" ? body.receiptNumber : "";
      const digits = typeof body?.phoneLast4 === "string" ? body.phoneLast4 : "";
      return lookup(res, visitor, receipt, digits, false);
    }
    const bound = await o.jar.open<PartyCookie>(readCookie(req, PARTY));
    if (!bound) return json(res, 401, { code: "unauthenticated", message: "look the filing up first (receipt number and the phone's last four digits)" });
    if (route.kind === "party-filing") return lookup(res, visitor, bound.receipt, bound.digits, true);
    if (route.kind === "party-rating" || route.kind === "party-complaints") {
      const metadata = await bearer(visitor, "filing:party", SUPERVISION_AUDIENCE, bound.filing);
      const call = { metadata, timeoutMs: 10_000 };
      const supervision = o.clients.supervision;
      if (route.kind === "party-complaints" && !route.file) {
        return supervision.listComplaints({}, call).then(
          (r) => json(res, 200, { complaints: r.complaints.map((c) => toJson(supervisionV1.ComplaintSchema, c)) }),
          (err: unknown) => sendError(res, err, o.log, "ListComplaints"),
        );
      }
      const over = await lookupLimit(visitor);
      if (over) return tooMany(res, over, `too many requests from this address; try again in ${over} s`);
      const body = (await readJson(req, 16_384)) ?? {};
      const text = (k: string) => (typeof body[k] === "string" ? body[k] : "");
      if (route.kind === "party-rating") {
        return supervision.rateFiling({ filingId: bound.filing, score: typeof body.score === "number" ? body.score : 0, comment: text("comment"), byParty: true }, call).then(
          () => json(res, 200, {}),
          (err: unknown) => sendError(res, err, o.log, "RateFiling"),
        );
      }
      return supervision.fileComplaint({ filingId: bound.filing, category: text("category"), text: text("text") }, call).then(
        (r) => json(res, 200, toJson(supervisionV1.ComplaintSchema, r.complaint!)),
        (err: unknown) => sendError(res, err, o.log, "FileComplaint"),
      );
    }
    const metadata = await bearer(visitor, "filing:party", NOTIFICATION_AUDIENCE, bound.filing);
    if (route.kind === "party-sms") {
      const call = { metadata, timeoutMs: 10_000 };
      const answer = (r: { sms?: notificationV1.PartySms }) => json(res, 200, { phones: r.sms?.phones ?? [], optOut: r.sms?.optOut ?? false });
      if (!route.set) return o.clients.notification.getPartySms({ filingId: bound.filing }, call).then(answer, (err: unknown) => sendError(res, err, o.log, "GetPartySms"));
      const body = (await readJson(req, 1024)) ?? {};
      return o.clients.notification.setPartySms({ filingId: bound.filing, optOut: body.optOut === true }, call).then(answer, (err: unknown) => sendError(res, err, o.log, "SetPartySms"));
    }
    return serveFile({ kind: "document", filingId: bound.filing, documentKind: `DOCUMENT_KIND_${route.documentKind}` }, req, res, metadata, o.clients, 0, o.log);
  };
}

/** The request's JSON object (at most `max` bytes), or undefined. */
async function readJson(req: IncomingMessage, max: number): Promise<Record<string, unknown> | undefined> {
  let size = 0;
  const parts: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return undefined;
    parts.push(chunk);
  }
  try {
    const v: unknown = JSON.parse(Buffer.concat(parts).toString("utf8"));
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const header = (req: IncomingMessage, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(",") : v;
};

function tooMany(res: ServerResponse, retryAfterS: number, message: string): void {
  res.setHeader("retry-after", String(retryAfterS));
  json(res, 429, { code: "resource_exhausted", message, retryAfterS });
}
