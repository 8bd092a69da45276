// The "k6/http" module on Node's fetch: asyncRequest (k6's asynchronous API) and the response
// callback. k6's synchronous helpers (get, post, …) would block every VU here, so they explain
// what to use instead.
import { builtin, contextTags, requirePhase } from "../context.js";
import { parseDuration } from "../duration.js";

interface Params {
  headers?: Record<string, string>;
  timeout?: string | number;
  tags?: Record<string, unknown>;
  responseType?: "text" | "binary" | "none";
  redirects?: number;
}

interface ExpectedStatuses {
  statuses: number[];
  ranges: { min: number; max: number }[];
}

export interface Response {
  status: number;
  status_text: string;
  url: string;
  body: string | ArrayBuffer | null;
  headers: Record<string, string>;
  timings: { duration: number; waiting: number; receiving: number; blocked: number; connecting: number; tls_handshaking: number; sending: number };
  error: string;
  error_code: number;
  request: { method: string; url: string; headers: Record<string, string>; body: string };
  json(selector?: string): unknown;
}

/** By default 200–399 are expected; others count as failed in http_req_failed. */
let responseCallback: ExpectedStatuses | null = { statuses: [], ranges: [{ min: 200, max: 399 }] };

export function expectedStatuses(...args: (number | { min: number; max: number })[]): ExpectedStatuses {
  const e: ExpectedStatuses = { statuses: [], ranges: [] };
  for (const a of args) {
    if (typeof a === "number") e.statuses.push(a);
    else if (a && typeof a.min === "number" && typeof a.max === "number") e.ranges.push(a);
    else throw new Error("expectedStatuses() takes status codes and { min, max } ranges");
  }
  return e;
}

/** null stops emitting http_req_failed, as in k6. */
export function setResponseCallback(cb: ExpectedStatuses | null): void {
  responseCallback = cb;
}

const expected = (status: number) => (responseCallback === null ? undefined : responseCallback.statuses.includes(status) || responseCallback.ranges.some((r) => status >= r.min && status <= r.max));

/** "content-type" → "Content-Type", as Go's http package (and so k6) writes header names. */
const canonical = (name: string) => name.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase());

function bodyOf(body: unknown, headers: Headers): string | Uint8Array | undefined {
  if (body === null || body === undefined) return undefined;
  if (typeof body === "string") return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (typeof body === "object") {
    if (!headers.has("content-type")) headers.set("content-type", "application/x-www-form-urlencoded");
    return new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)])).toString();
  }
  return String(body);
}

/** A simple selector "a.b.0.c" (a subset of k6's gjson paths). */
function select(value: unknown, selector: string): unknown {
  let v = value;
  for (const key of selector.split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

export async function asyncRequest(method: string, url: string, body?: unknown, params: Params = {}): Promise<Response> {
  requirePhase("http.asyncRequest()", ["setup", "vu", "teardown"]);
  const verb = method.toUpperCase();
  const headers = new Headers(params.headers ?? {});
  const payload = bodyOf(body, headers);
  const timeoutMs = parseDuration(params.timeout ?? "60s", "timeout");
  const name = params.tags?.name === undefined ? url : String(params.tags.name);
  const requestHeaders = Object.fromEntries([...headers].map(([k, v]) => [canonical(k), v]));
  const t0 = performance.now();
  let res: Response;
  try {
    const r = await fetch(url, { method: verb, headers, body: payload, signal: AbortSignal.timeout(timeoutMs), redirect: params.redirects === 0 ? "manual" : "follow" });
    const waiting = performance.now() - t0;
    const bytes = Buffer.from(await r.arrayBuffer());
    const duration = performance.now() - t0;
    const text = params.responseType === "binary" ? null : bytes.toString("utf8");
    res = response(verb, url, requestHeaders, payload, r.status, r.statusText, Object.fromEntries([...r.headers].map(([k, v]) => [canonical(k), v])), { duration, waiting }, "", 0);
    res.body = params.responseType === "none" ? null : params.responseType === "binary" ? bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) : text;
  } catch (err) {
    const e = err as Error;
    const timedOut = e.name === "TimeoutError";
    const cause = (e.cause as Error | undefined)?.message;
    res = response(
      verb,
      url,
      requestHeaders,
      payload,
      0,
      "",
      {},
      { duration: performance.now() - t0, waiting: 0 },
      timedOut ? "request timeout" : `${e.message}${cause ? `: ${cause}` : ""}`,
      timedOut ? 1050 : 1000,
    );
  }
  const ok = expected(res.status);
  const tags = contextTags({ method: verb, url, name, status: String(res.status), ...(ok === undefined ? {} : { expected_response: String(ok) }), ...params.tags });
  builtin("http_reqs").add(1, tags);
  builtin("http_req_duration").add(res.timings.duration, tags);
  builtin("http_req_waiting").add(res.timings.waiting, tags);
  if (ok !== undefined) builtin("http_req_failed").add(ok ? 0 : 1, tags);
  return res;
}

function response(
  method: string,
  url: string,
  requestHeaders: Record<string, string>,
  payload: string | Uint8Array | undefined,
  status: number,
  statusText: string,
  headers: Record<string, string>,
  t: { duration: number; waiting: number },
  error: string,
  errorCode: number,
): Response {
  const res: Response = {
    status,
    status_text: status ? `${status} ${statusText}` : "",
    url,
    body: null,
    headers,
    timings: { duration: t.duration, waiting: t.waiting, receiving: t.duration - t.waiting, blocked: 0, connecting: 0, tls_handshaking: 0, sending: 0 },
    error,
    error_code: errorCode,
    request: { method, url, headers: requestHeaders, body: typeof payload === "string" ? payload : "" },
    json(selector?: string) {
      if (typeof res.body !== "string") throw new Error("the response has no text body to parse as JSON");
      const v: unknown = JSON.parse(res.body);
      return selector ? select(v, selector) : v;
    },
  };
  return res;
}

const blocking = (name: string) => (): never => {
  const verb = name === "request" || name === "batch" ? "method" : `"${name === "del" ? "DELETE" : name.toUpperCase()}"`;
  throw new Error(`k6run runs every VU on one event loop and can't block: use \`await http.asyncRequest(${verb}, url, body, params)\` instead of http.${name}()`);
};
export const request = blocking("request");
export const get = blocking("get");
export const post = blocking("post");
export const put = blocking("put");
export const patch = blocking("patch");
export const del = blocking("del");
export const head = blocking("head");
export const options = blocking("options");
export const batch = blocking("batch");
