/**
 * One webhook delivery attempt over HTTP, and the retry schedule. Knows nothing of the store:
 * the caller records the outcome, schedules the next attempt with `backoffMs` and dead-letters the
 * delivery after `MAX_ATTEMPTS`.
 */
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
}

export interface WebhookResult {
  ok: boolean;
  /** HTTP status, when the receiver answered. */
  status?: number;
  /** Short reason when not ok, e.g. `HTTP 500`, `timeout after 10000 ms`, `ECONNREFUSED`. Never the secret or the URL. */
  error?: string;
}

const USER_AGENT = "Kuayu-Webhook/1";

/** A short, safe description of a fetch failure: error codes, never URLs or headers. */
function describeFailure(err: unknown, timeoutMs: number, external?: AbortSignal): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; name?: string; message?: string } } | undefined;
  if (e?.name === "TimeoutError") return `timeout after ${timeoutMs} ms`;
  if (e?.name === "AbortError") return external?.aborted ? "aborted" : `timeout after ${timeoutMs} ms`;
  const code = e?.cause?.code;
  if (typeof code === "string" && /^[A-Z0-9_]{2,40}$/.test(code)) return `network error: ${code}`;
  const name = e?.cause?.name ?? e?.name;
  return `network error${name && /^\w{1,40}$/.test(name) ? `: ${name}` : ""}`;
}

/**
 * Sends one delivery: POST of `JSON.stringify(delivery.body)` with the signature, delivery id and
 * event type headers. Any 2xx answer is `ok`; other statuses (redirects are not followed), network
 * errors and timeouts are not. Never throws for a failed attempt.
 */
export async function postWebhook(url: string, secret: string | readonly string[], delivery: WebhookDelivery, opts: PostWebhookOptions = {}): Promise<WebhookResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { ok: false, error: "invalid URL" };
  }
  if (target.protocol !== "https:" && target.protocol !== "http:") return { ok: false, error: "unsupported URL scheme" };

  const body = JSON.stringify(delivery.body);
  const t = Math.floor((opts.now ?? Date.now)() / 1000);
  const headers = {
    "Content-Type": "application/json; charset=utf-8",
    "User-Agent": USER_AGENT,
    [SIGNATURE_HEADER]: signWebhook(secret, body, t),
    [DELIVERY_HEADER]: delivery.id,
    [EVENT_TYPE_HEADER]: delivery.eventType,
  };
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;

  let res: Response;
  try {
    res = await fetch(target, { method: "POST", headers, body, signal, redirect: "manual" });
  } catch (err) {
    return { ok: false, error: describeFailure(err, timeoutMs, opts.signal) };
  }
  // The answer's body is not used; release the connection.
  await res.body?.cancel().catch(() => undefined);
  if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
  return { ok: false, status: res.status, error: `HTTP ${res.status}` };
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
