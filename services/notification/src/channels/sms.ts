/**
 * SMS (短信) through a provider behind a small interface: Alibaba Cloud SMS and Tencent Cloud SMS
 * through their official SDKs (sms-providers.ts: a pre-approved template and signature name per
 * kind of message), or `httpSmsProvider`, a minimal JSON-over-HTTP protocol for a gateway in front
 * of the operator's SMS platform (the rendered text).
 */
import { ValidationError } from "@kuayu/domain";

/** One message: its kind and the template parameters (providers with templates), and the rendered text (a gateway). */
export interface SmsMessage {
  kind: string;
  params: Readonly<Record<string, string>>;
  text: string;
}

export interface SmsProvider {
  /** Sends the message to the mainland mobile number `to`; rejects if the provider did not accept it. */
  send(to: string, message: SmsMessage): Promise<void>;
}

export interface HttpSmsOptions {
  /** Endpoint that receives `POST {"to": "...", "text": "..."}`. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token: string;
  /** Default 10 000 ms. */
  timeoutMs?: number;
}

/** Mainland China mobile number, 11 digits without country code or separators. */
export const MAINLAND_MOBILE = /^1[3-9]\d{9}$/;

export function isMainlandMobile(p: string): boolean {
  return typeof p === "string" && MAINLAND_MOBILE.test(p);
}

/** Throws a ValidationError (field `to`) unless `p` is a mainland mobile number. */
export function assertMainlandMobile(p: string, field = "to"): void {
  if (!isMainlandMobile(p)) {
    throw new ValidationError([{ field, description: "not a mainland mobile number (11 digits starting with 13–19, e.g. 13800138000)" }]);
  }
}

/** For logs: `13800138000` → `138****8000`; anything else is masked but for its last 2 characters. */
export function maskPhone(p: string): string {
  if (typeof p !== "string") return "****";
  if (p.length === 11) return `${p.slice(0, 3)}****${p.slice(7)}`;
  return p.length <= 4 ? "****" : `****${p.slice(-2)}`;
}

/** Raised when the provider refuses a message or cannot be reached. Never carries the token. */
export class SmsDeliveryError extends Error {
  override name = "SmsDeliveryError";
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export function httpSmsProvider(options: HttpSmsOptions): SmsProvider {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    async send(to, { text }) {
      assertMainlandMobile(to);
      if (typeof text !== "string" || text.length === 0) throw new ValidationError([{ field: "text", description: "must not be empty" }]);
      let res: Response;
      try {
        res = await fetch(options.url, {
          method: "POST",
          headers: { "Content-Type": "application/json; charset=utf-8", Authorization: `Bearer ${options.token}` },
          body: JSON.stringify({ to, text }),
          signal: AbortSignal.timeout(timeoutMs),
          redirect: "manual",
        });
      } catch (err) {
        const e = err as { name?: string; cause?: { code?: string } };
        if (e.name === "TimeoutError" || e.name === "AbortError") throw new SmsDeliveryError(`SMS provider: timeout after ${timeoutMs} ms`);
        const code = e.cause?.code;
        throw new SmsDeliveryError(`SMS provider: network error${typeof code === "string" && /^[A-Z0-9_]{2,40}$/.test(code) ? `: ${code}` : ""}`);
      }
      await res.body?.cancel().catch(() => undefined);
      if (res.status < 200 || res.status >= 300) throw new SmsDeliveryError(`SMS provider: HTTP ${res.status}`, res.status);
    },
  };
}
