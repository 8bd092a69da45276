import { ValidationError, type Violation } from "./errors.js";

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const isOneof = (v: unknown): v is { case: string; value: unknown } => typeof (v as { case?: unknown } | null)?.case === "string" && "value" in (v as object);

/**
 * Paths (proto field names) of the strings in a request message that hold U+0000. No court text
 * has one, and the store cannot keep one (PostgreSQL under FerretDB refuses it: the write failed as
 * an internal error).
 */
export function nulFields(value: unknown, path = ""): string[] {
  if (typeof value === "string") return value.includes("\u0000") ? [path || "request"] : [];
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => nulFields(v, `${path}[${i}]`));
  const join = (name: string) => (path ? `${path}.${snake(name)}` : snake(name));
  // A oneof ({ case, value }): the member is named by its case, as in the proto.
  if (isOneof(value)) return nulFields(value.value, join(value.case));
  return Object.entries(value).flatMap(([k, v]) => (k === "$typeName" ? [] : nulFields(v, isOneof(v) ? path : join(k))));
}

/** Throws a ValidationError naming every string field of the message that holds U+0000. */
export function assertNoNul(message: unknown): void {
  const fields = nulFields(message);
  if (fields.length > 0) throw new ValidationError(fields.slice(0, 20).map((field): Violation => ({ field, description: "must not contain NUL characters (U+0000)" })));
}

const isAsyncIterable = (v: unknown): v is AsyncIterable<unknown> => typeof (v as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] === "function";

async function* checked(messages: AsyncIterable<unknown>) {
  for await (const m of messages) {
    assertNoNul(m);
    yield m;
  }
}

/**
 * Wraps the handlers of a service implementation so that every request message (each message of a
 * client stream) is refused with INVALID_ARGUMENT when one of its strings holds U+0000.
 */
export function refuseNul<T extends object>(impl: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(impl)) {
    if (typeof fn !== "function") {
      out[name] = fn;
      continue;
    }
    out[name] = async (first: unknown, ...rest: unknown[]) => {
      if (isAsyncIterable(first)) return (fn as (...a: unknown[]) => unknown)(checked(first), ...rest);
      assertNoNul(first);
      return (fn as (...a: unknown[]) => unknown)(first, ...rest);
    };
  }
  return out as T;
}
