/**
 * One webhook delivery attempt over HTTP, and the retry schedule. Knows nothing of the store:
 * the caller records the outcome, schedules the next attempt with `backoffMs` and dead-letters the
 * delivery after `MAX_ATTEMPTS`.
 */
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { addressProblem, AddressNotAllowedError, guardedLookup, PUBLIC_ONLY, type AddressPolicy } from "./address-guard.js";
import { DELIVERY_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signWebhook } from "./webhook-signature.js";

/** Attempts per delivery (the first one included) before it goes to the dead-letter list. */
export const MAX_ATTEMPTS = 5;
/** Default time for the receiver to answer (connect + response headers). */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

export interface WebhookDelivery {
  /** Delivery id, sent as `X-Kuayu-Delivery`; the same on every attempt. */
  id: string;
  /** Event type, sent as `X-Kuayu-Event-Type`. */
  eventType: string;
  /** Serialised as the JSON body. */
  body: object;
}

export interface PostWebhookOptions {
  /** Default 10 000 ms. */
  timeoutMs?: number;
  /** Clock in milliseconds since the epoch (like `Date.now`); the signature carries it in seconds. */
  now?: () => number;
  /** Aborts the attempt early, e.g. on shutdown. */
  signal?: AbortSignal;
  /** Which addresses the receiver may have (default: public ones only). */
  policy?: AddressPolicy;
}

export interface WebhookResult {
  ok: boolean;
  /** HTTP status, when the receiver answered. */
  status?: number;
  /**
   * Short reason when not ok, shown to the subscribing court: `HTTP 500`, `receiver not reachable`,
   * `receiver address not allowed`, `aborted`. Deliberately generic — never the secret, the URL,
   * or which network error it was (that would make the service a port scanner).
   */
  error?: string;
  /** For the operator's log only: the network error code or the refused address range. */
  detail?: string;
}

const USER_AGENT = "Kuayu-Webhook/1";
/** The generic error of an attempt that got no answer (refused, reset, timed out). */
export const NOT_REACHABLE = "receiver not reachable";

/** The operator's detail of a failed attempt: an error code, never URLs or headers. */
function detailOf(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; message?: string } | undefined;
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return `timeout after ${timeoutMs} ms`;
  if (typeof e?.code === "string" && /^[A-Z0-9_]{2,40}$/.test(e.code)) return e.code;
  return e?.name && /^\w{1,40}$/.test(e.name) ? e.name : "network error";
}

/**
 * Sends one delivery: POST of `JSON.stringify(delivery.body)` with the signature, delivery id and
 * event type headers. Any 2xx answer is `ok`; other statuses (redirects are not followed), network
 * errors and timeouts are not. The receiver's address is checked against `policy` on the address
 * actually connected to (after DNS). Never throws for a failed attempt.
 */
export async function postWebhook(url: string, secret: string | readonly string[], delivery: WebhookDelivery, opts: PostWebhookOptions = {}): Promise<WebhookResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  const policy = opts.policy ?? PUBLIC_ONLY;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { ok: false, error: "invalid URL" };
  }
  if (target.protocol !== "https:" && target.protocol !== "http:") return { ok: false, error: "unsupported URL scheme" };
  // An address written in the URL is connected to without a DNS lookup: check it here.
  const literal = target.hostname.replace(/^\[|\]$/g, "");
  if (isIP(literal)) {
    const why = addressProblem(literal, policy);
    if (why) return { ok: false, error: "receiver address not allowed", detail: why };
  }

  const body = JSON.stringify(delivery.body);
  const t = Math.floor((opts.now ?? Date.now)() / 1000);
  const headers = {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(body)),
    "User-Agent": USER_AGENT,
    [SIGNATURE_HEADER]: signWebhook(secret, body, t),
    [DELIVERY_HEADER]: delivery.id,
    [EVENT_TYPE_HEADER]: delivery.eventType,
  };
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  const request = target.protocol === "https:" ? https.request : http.request;

  return new Promise<WebhookResult>((resolve) => {
    const req = request(target, { method: "POST", headers, signal, lookup: guardedLookup(policy), agent: false }, (res) => {
      // The answer's body is not used; release the connection.
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, status, error: `HTTP ${status}` });
    });
    req.on("error", (err) => {
      if (opts.signal?.aborted) return resolve({ ok: false, error: "aborted" });
      if (err instanceof AddressNotAllowedError || (err as { code?: string }).code === "EADDRNOTALLOWED") {
        return resolve({ ok: false, error: "receiver address not allowed", detail: err.message.replace(/^.*\((.*)\)$/, "$1") });
      }
      resolve({ ok: false, error: NOT_REACHABLE, detail: detailOf(err, timeoutMs) });
    });
    req.end(body);
  });
}

/**
 * Wait before retry number `attempt` (1 = after the first failed attempt): `baseMs · 2^(attempt−1)`,
 * capped at `maxMs`, with ±20 % jitter, and never above `maxMs`. `random` is for tests.
 */
export function backoffMs(attempt: number, baseMs = 1000, maxMs = 60_000, random: () => number = Math.random): number {
  const n = Number.isFinite(attempt) ? Math.max(1, Math.floor(attempt)) : 1;
  const nominal = Math.min(maxMs, baseMs * 2 ** Math.min(n - 1, 52));
  const jittered = nominal * (0.8 + 0.4 * random());
  return Math.round(Math.min(maxMs, Math.max(0, jittered)));
}
