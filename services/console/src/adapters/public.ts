import { createHmac } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import { NOTIFICATION_AUDIENCE, type TokenSigner } from "@kuayu/auth";
import type { Client } from "@kuayu/grpc";
import type { Logger } from "@kuayu/logger";
import { notificationV1 } from "@kuayu/proto";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { normalizeVerificationCode } from "@kuayu/domain";
import { visitorAddress } from "../domain/public.js";
import { json } from "./http.js";

export interface PublicOptions {
  /** Signs the public tokens (the release's JWT key); without it the public endpoints answer 503. */
  signer: TokenSigner | undefined;
  notification: Client<typeof notificationV1.NotificationService>;
  /** Keys the visitors' pseudonyms (HMAC of the address): the services never see an address. */
  visitorKey: Buffer;
  /** Checks per visitor address and minute on this replica (0: no limit). */
  verifyPerMinute: number;
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

/**
 * The public verification of printed notices (GET /api/public/verify/<code>), for anyone: a
 * rate limit per address here, then notification's VerifyDocument with a public token naming the
 * visitor by pseudonym (its own limit counts per visitor). Answers what the service answers —
 * the issuing court, kind, date, the printed facts with names masked, the digest — or 404 for an
 * unknown code, 400 for one that cannot be a code, 429 with Retry-After beyond the limit.
 */
export function publicApi(o: PublicOptions) {
  const limiter = o.verifyPerMinute > 0 ? new RateLimiterMemory({ points: o.verifyPerMinute, duration: 60 }) : undefined;
  return async function verify(req: IncomingMessage, res: ServerResponse, typed: string): Promise<void> {
    const address = visitorAddress(req.socket.remoteAddress, header(req, "x-forwarded-for"), o.proxyHops);
    const visitor = createHmac("sha256", o.visitorKey).update(`kuayu-visitor\0${address}`).digest("base64url").slice(0, 22);
    if (limiter) {
      const over = await limiter.consume(visitor).then(
        () => undefined,
        (r: unknown) => {
          if (r instanceof Error) throw r;
          return Math.max(1, Math.ceil(((r as { msBeforeNext?: number }).msBeforeNext ?? 1000) / 1000));
        },
      );
      if (over) return tooMany(res, over);
    }
    const code = normalizeVerificationCode(typed);
    if (!code) return json(res, 400, { code: "invalid_argument", message: "a verification code is 12 letters and digits, e.g. K7QF-9XMA-2RTD" });
    if (!o.signer) return json(res, 503, { code: "unavailable", message: "public verification is not configured on this console (JWT_PRIVATE_KEY_FILE)" });
    const metadata = new grpc.Metadata();
    metadata.set("authorization", `Bearer ${await o.signer.mintPublic({ visitor, scope: "document:verify", audience: NOTIFICATION_AUDIENCE })}`);
    try {
      const { document: d } = await o.notification.verifyDocument({ verificationCode: code }, { metadata, timeoutMs: 10_000 });
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
      if (c === grpc.status.RESOURCE_EXHAUSTED) return tooMany(res, 60);
      o.log.warn({ err }, "public verification failed");
      return json(res, 503, { code: "unavailable", message: "verification is unavailable; try again shortly" });
    }
  };
}

const header = (req: IncomingMessage, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(",") : v;
};

function tooMany(res: ServerResponse, retryAfterS: number): void {
  res.setHeader("retry-after", String(retryAfterS));
  json(res, 429, { code: "resource_exhausted", message: `too many checks from this address; try again in ${retryAfterS} s`, retryAfterS });
}
