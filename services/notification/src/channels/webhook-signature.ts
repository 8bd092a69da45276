/**
 * Webhook signatures (Webhook 签名).
 *
 * Every webhook request from Kuayu to a court system carries three headers:
 *
 * - `X-Kuayu-Signature: t=<unix seconds>,v1=<hex>` — `<hex>` is the lowercase hex HMAC-SHA256 of
 *   the string `<t>.<body>` (the timestamp, a full stop, then the exact bytes of the request body)
 *   keyed with the endpoint's shared secret (UTF-8). While a secret is being rotated the header
 *   carries one `v1=` value per secret in use, e.g. `t=1767225600,v1=<old>,v1=<new>`.
 * - `X-Kuayu-Delivery: <delivery id>` — the same for every retry of one delivery.
 * - `X-Kuayu-Event-Type: <event type>`, e.g. `kuayu.decision.v1.Accepted`.
 *
 * The body is JSON (`Content-Type: application/json; charset=utf-8`).
 *
 * How a receiver verifies a request:
 *
 * 1. Read the raw request body as bytes, before any JSON parsing or re-encoding. A body parsed and
 *    serialised again will not match the signature.
 * 2. Parse `X-Kuayu-Signature`: split it at `,`, each part is `key=value`. Take the single `t`
 *    (decimal unix seconds) and every `v1` (64 hex characters). Ignore keys you do not know
 *    (later signature schemes). Reject the request if `t` or every `v1` is missing.
 * 3. Check the timestamp: reject the request unless |now − t| ≤ 300 seconds (keep the receiver's
 *    clock synchronised with NTP). This stops an old, captured request from being replayed.
 * 4. Compute HMAC-SHA256 with your secret over `t` + `.` + raw body, encode it as hex and compare
 *    it with each `v1` value using a constant-time comparison (e.g. Node's
 *    `crypto.timingSafeEqual`, Java's `MessageDigest.isEqual`, Python's `hmac.compare_digest`).
 *    Accept the request if any `v1` matches; otherwise reject it.
 * 5. Remember the `X-Kuayu-Delivery` ids you have processed for at least the tolerance window
 *    (300 seconds; longer is fine) and drop a request whose id you have already seen, answering
 *    it with 2xx. Retries of a delivery you did not acknowledge carry the same id with a new
 *    timestamp and signature, so deduplicating by id also makes processing idempotent.
 *
 * Answer with any 2xx status within 10 seconds once the request is accepted; anything else
 * (other statuses, timeouts, refused connections) is retried with exponential backoff, and after
 * the last attempt the delivery goes to the dead-letter list, from which an operator can replay it.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** Header with the timestamp and signature(s): `t=<unix seconds>,v1=<hex>[,v1=<hex>…]`. */
export const SIGNATURE_HEADER = "X-Kuayu-Signature";
/** Header with the delivery id; the same on every retry, so receivers can drop duplicates. */
export const DELIVERY_HEADER = "X-Kuayu-Delivery";
/** Header with the event (protobuf message) type, e.g. `kuayu.decision.v1.Accepted`. */
export const EVENT_TYPE_HEADER = "X-Kuayu-Event-Type";
/** Default allowed difference between the signed timestamp and the receiver's clock. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export type WebhookVerification = { ok: true } | { ok: false; reason: "malformed" | "stale" | "bad-signature" };

const HEX_SHA256 = /^[0-9a-f]{64}$/;
const DIGITS = /^\d{1,15}$/;

function hmacHex(secret: string, body: string | Uint8Array, t: number): string {
  return createHmac("sha256", secret).update(`${t}.`, "utf8").update(body).digest("hex");
}

function secretsOf(secret: string | readonly string[]): readonly string[] {
  const list = typeof secret === "string" ? [secret] : secret;
  if (list.length === 0 || list.some((s) => typeof s !== "string" || s.length === 0)) {
    throw new TypeError("webhook secret must be a non-empty string");
  }
  return list;
}

/**
 * The `X-Kuayu-Signature` value for `body` sent at `timestampSeconds`. Pass several secrets while
 * rotating one to get one `v1=` value per secret.
 */
export function signWebhook(secret: string | readonly string[], body: string | Uint8Array, timestampSeconds: number): string {
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new RangeError("timestampSeconds must be a non-negative integer (unix seconds)");
  }
  const v1 = secretsOf(secret).map((s) => `v1=${hmacHex(s, body, timestampSeconds)}`);
  return [`t=${timestampSeconds}`, ...v1].join(",");
}

interface ParsedSignature {
  t: number;
  v1: string[];
}

/** Parses a signature header; undefined if it is not of the documented form. */
export function parseSignatureHeader(header: string | null | undefined): ParsedSignature | undefined {
  if (typeof header !== "string" || header.length === 0 || header.length > 4096) return undefined;
  let t: number | undefined;
  const v1: string[] = [];
  for (const raw of header.split(",")) {
    const part = raw.trim();
    const eq = part.indexOf("=");
    if (eq <= 0) return undefined;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t") {
      if (t !== undefined || !DIGITS.test(value)) return undefined;
      t = Number(value);
    } else if (key === "v1") {
      const hex = value.toLowerCase();
      if (!HEX_SHA256.test(hex)) return undefined;
      v1.push(hex);
    }
    // Other keys: later signature schemes, ignored.
  }
  if (t === undefined || v1.length === 0) return undefined;
  return { t, v1 };
}

/**
 * Verifies a webhook request as described at the top of this file: `body` is the raw body,
 * `header` the `X-Kuayu-Signature` value, `nowSeconds` the receiver's clock in unix seconds.
 * `secret` may be a list (the receiver accepts any of its current secrets).
 */
export function verifyWebhook(
  secret: string | readonly string[],
  body: string | Uint8Array,
  header: string | null | undefined,
  nowSeconds: number,
  toleranceSeconds: number = DEFAULT_TOLERANCE_SECONDS,
): WebhookVerification {
  const secrets = secretsOf(secret);
  const parsed = parseSignatureHeader(header);
  if (!parsed) return { ok: false, reason: "malformed" };
  if (!(Math.abs(nowSeconds - parsed.t) <= toleranceSeconds)) return { ok: false, reason: "stale" };

  const given = parsed.v1.map((hex) => Buffer.from(hex, "hex"));
  let match = false;
  for (const s of secrets) {
    const expected = Buffer.from(hmacHex(s, body, parsed.t), "hex");
    // Every candidate is compared (no early exit), each in constant time; lengths are equal (32 bytes).
    for (const g of given) match = timingSafeEqual(expected, g) || match;
  }
  return match ? { ok: true } : { ok: false, reason: "bad-signature" };
}
