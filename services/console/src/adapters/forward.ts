import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextKey, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { createClient, fieldViolations, type Client } from "@kuayu/grpc";
import type { Logger } from "@kuayu/logger";
import { googleRpc } from "@kuayu/proto";
import type { Session } from "../domain/session.js";

/** The signed-in user's session, put on every Connect call's context by the HTTP adapter. */
export const sessionKey = createContextKey<Session | undefined>(undefined);

/** Unary calls get this long; server streams (the watch streams) an hour, then the page reopens them. */
const UNARY_MS = 30_000;
const STREAM_MS = 3_600_000;

export const bearer = (s: Session) => {
  const md = new grpc.Metadata();
  md.set("authorization", `Bearer ${s.accessToken}`);
  return md;
};

/** A service's error as the browser receives it: the same code, message and field violations. */
export function toConnectError(err: unknown, log: Logger, method: string): ConnectError {
  const e = err as Partial<grpc.ServiceError>;
  if (typeof e.code === "number" && e.code > 0 && e.code <= 16) {
    const violations = fieldViolations(err);
    const details = violations.length > 0 ? [{ desc: googleRpc.BadRequestSchema, value: { fieldViolations: violations } }] : [];
    return new ConnectError(e.details ?? "", e.code as number as Code, undefined, details);
  }
  log.error({ err, method }, "call failed");
  return new ConnectError("internal error", Code.Internal);
}

/**
 * Forwards every unary and server-streaming method of `service` to its gRPC server with the user's
 * own token: the console adds no privilege, the service decides. Client streams (uploads) cannot be
 * made from a browser over Connect; the HTTP adapter serves them.
 */
export function forward<S extends DescService>(router: ConnectRouter, service: S, client: Client<S>, log: Logger): void {
  const impl: Record<string, unknown> = {};
  const session = (ctx: HandlerContext) => {
    const s = ctx.values.get(sessionKey);
    if (!s) throw new ConnectError("signed out", Code.Unauthenticated);
    return s;
  };
  const calls = client as unknown as Record<string, (req: unknown, opts: object) => unknown>;
  for (const m of service.methods) {
    const call = calls[m.localName]!;
    if (m.methodKind === "unary") {
      impl[m.localName] = async (req: unknown, ctx: HandlerContext) => {
        const metadata = bearer(session(ctx));
        try {
          return await (call(req, { metadata, timeoutMs: UNARY_MS }) as Promise<unknown>);
        } catch (err) {
          throw toConnectError(err, log, m.name);
        }
      };
    } else if (m.methodKind === "server_streaming") {
      impl[m.localName] = async function* (req: unknown, ctx: HandlerContext) {
        const metadata = bearer(session(ctx));
        try {
          yield* call(req, { metadata, timeoutMs: STREAM_MS, signal: ctx.signal }) as AsyncIterable<unknown>;
        } catch (err) {
          if (ctx.signal.aborted) return; // the page went away
          throw toConnectError(err, log, m.name);
        }
      };
    }
  }
  router.service(service, impl as never);
}

export { createClient };
