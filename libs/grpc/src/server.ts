import type { DescMessage, DescMethod, DescService, Message, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import { create, isMessage } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { AuthError, auditCalls, type AuthContext, type Role, type Scope, type TokenVerifier } from "@kuayu/auth";
import { auditCall, auditKind, auditResult, type AuditOptions } from "./audit.js";
import { isTransient } from "@kuayu/domain";
import type { Logger } from "@kuayu/logger";
import { serviceDefinition, UndecodableRequest } from "./definition.js";
import { ruleViolations } from "@kuayu/proto";
import { fromDomain, invalidArgument, permissionDenied, RpcError, toServiceError, unauthenticated } from "./errors.js";
import { reflectionFor } from "./reflection.js";

/** What every handler receives besides its request. */
export interface CallContext {
  auth: AuthContext;
  metadata: grpc.Metadata;
  /** Absolute deadline the client set, if any. */
  deadline: grpc.Deadline | undefined;
  /** True once the client cancelled or the deadline passed. */
  readonly cancelled: boolean;
  /** Aborts when the client cancels or the deadline passes (for long-running streams). */
  signal: AbortSignal;
  /** The caller's address as grpc-js gives it, e.g. "ipv4:10.0.0.7:51234" (callerAddress strips the port). */
  peer: string;
}

/** The address part of a grpc-js peer ("ipv4:10.0.0.7:51234" → "10.0.0.7", "ipv6:[::1]:5" → "::1"). */
export function callerAddress(peer: string): string {
  const m = /^(?:ipv4:)?([^[\]]+):\d+$/.exec(peer) ?? /^(?:ipv6:)?\[([^\]]+)\](?::\d+)?$/.exec(peer);
  return m?.[1] ?? peer;
}

type In<M extends DescMethod> = MessageShape<M["input"]>;
type Out<M extends DescMethod> = MessageInitShape<M["output"]>;
type Handler<M extends DescMethod> = M extends { methodKind: "unary" }
  ? (req: In<M>, ctx: CallContext) => Promise<Out<M>>
  : M extends { methodKind: "server_streaming" }
    ? (req: In<M>, ctx: CallContext, send: (res: Out<M>) => Promise<void>) => Promise<void>
    : M extends { methodKind: "client_streaming" }
      ? (reqs: AsyncIterable<In<M>>, ctx: CallContext) => Promise<Out<M>>
      : never;

/** The implementation of a protobuf-es service: one async function per method, by local name. */
export type ServiceImpl<S extends DescService> = { [K in keyof S["method"]]: Handler<S["method"][K]> };

export interface ServedService {
  service: DescService;
  impl: Record<string, unknown>;
  /** The methods (by local name) a token without roles may call, and the scopes that let it. */
  scoped?: Record<string, readonly Scope[]>;
}

/**
 * A service's handlers. Tokens with roles reach every method (each handler checks them); a
 * service or public token (scopes, no roles) only the methods `scoped` names for one of its
 * scopes — PERMISSION_DENIED before any other.
 */
export function implement<S extends DescService>(service: S, impl: ServiceImpl<S>, scoped: { [K in keyof S["method"]]?: readonly Scope[] } = {}): ServedService {
  return { service, impl: impl as Record<string, unknown>, scoped: scoped as Record<string, readonly Scope[]> };
}

/** Throws PERMISSION_DENIED unless the caller holds one of the roles. */
export function requireRole(ctx: CallContext, ...roles: Role[]): void {
  if (!ctx.auth.roles.some((r) => roles.includes(r))) {
    throw permissionDenied(`this call needs one of the roles: ${roles.join(", ")}`);
  }
}

export interface ServerOptions {
  services: ServedService[];
  verifier: TokenVerifier;
  log: Logger;
  host?: string;
  port: number;
  /**
   * What the service needs to be of use — the store, the broker — checked every
   * `readinessIntervalMs` (default 5 s): grpc.health.v1 service `readiness` is SERVING only while
   * every check passes (the chart's readiness probe asks for it; the liveness probe asks for "",
   * which an outage does not change: restarting would not bring the store back).
   */
  readiness?: ReadinessCheck[];
  readinessIntervalMs?: number;
  /**
   * Calls (and stream openings) a court may make per second on this server, all its users and
   * systems together (0 or unset: no limit; the chart sets 200). Over it: RESOURCE_EXHAUSTED. Per replica.
   */
  callsPerCourtPerSecond?: number;
  /** Transport security (tlsFromSettings(config).server); default plaintext. */
  credentials?: grpc.ServerCredentials;
  /**
   * A plaintext port serving grpc.health.v1 only (the same statuses), for Kubernetes' gRPC probes,
   * which cannot present a client certificate. Unset: none.
   */
  healthPort?: number;
  /**
   * The audit trail (docs/security.md "Audit trail"): every call of a state-changing method and every
   * material download or document issue runs in an audit context; a change's record is written with
   * it (libs/outbox), a call that changed nothing is recorded here, a download's or document's
   * record is published before the first byte is served. Unset: no records (tools, unit tests).
   */
  audit?: AuditOptions;
}

/** One dependency of readiness: `check` rejects (or takes over 2 s) while it is unavailable. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
  close?: () => Promise<void>;
}

/** The grpc.health.v1 service name of readiness. */
export const READINESS = "readiness";

export interface RunningServer {
  port: number;
  /** The plaintext health port (ServerOptions.healthPort), if any. */
  healthPort?: number;
  server: grpc.Server;
  health: HealthImplementation;
  /** Marks every service NOT_SERVING (first step of shutdown). */
  notServing(): void;
  /** Stops accepting calls, lets running ones finish for up to graceMs, then forces. */
  drain(graceMs: number): Promise<void>;
}

/** Server-side channel settings: keepalive the clients below are allowed to use; a maximum
 * connection age so that clients reconnect and new pods get traffic. */
export const SERVER_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  "grpc.keepalive_time_ms": 60_000,
  "grpc.keepalive_timeout_ms": 20_000,
  "grpc.http2.min_ping_interval_without_data_ms": 10_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.max_connection_age_ms": 5 * 60_000,
  "grpc.max_connection_age_grace_ms": 30_000,
  "grpc.max_receive_message_length": 8 * 1024 * 1024,
  // Calls and watch streams open at once on one connection: one client cannot hold unbounded
  // streams (a drill runner with 48 filings in flight uses about a hundred).
  "grpc.max_concurrent_streams": 1000,
};

/** Runs the readiness checks now and every interval; logs when readiness changes. */
function watchReadiness(health: HealthImplementation, checks: ReadinessCheck[], log: Logger, intervalMs: number) {
  let stopped = false;
  let ready: boolean | undefined;
  let timer: NodeJS.Timeout | undefined;
  const run = async () => {
    const failed: string[] = [];
    let firstErr: unknown;
    for (const c of checks) {
      try {
        await Promise.race([c.check(), new Promise((_, reject) => setTimeout(() => reject(new Error(`${c.name}: no answer within 2 s`)), 2000).unref())]);
      } catch (err) {
        failed.push(c.name);
        firstErr ??= err;
      }
    }
    if (stopped) return;
    const now = failed.length === 0;
    health.setStatus(READINESS, now ? "SERVING" : "NOT_SERVING");
    if (now !== ready) {
      if (now) log.info({ checks: checks.map((c) => c.name) }, "ready");
      else log.warn({ err: firstErr, unavailable: failed }, "not ready: a dependency is unavailable");
    }
    ready = now;
    timer = setTimeout(() => void run(), intervalMs).unref();
  };
  void run();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      health.setStatus(READINESS, "NOT_SERVING");
      for (const c of checks) void c.close?.().catch(() => undefined);
    },
  };
}

/**
 * Serves the given services with bearer-token authentication on every method, plus
 * grpc.health.v1 and server reflection (both unauthenticated, as probes and tools expect).
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const server = new grpc.Server(SERVER_CHANNEL_OPTIONS);
  const perSecond = opts.callsPerCourtPerSecond ?? 0;
  const limiter = perSecond > 0 ? new RateLimiterMemory({ points: perSecond, duration: 1 }) : undefined;
  const health = new HealthImplementation({ "": "NOT_SERVING", [READINESS]: "NOT_SERVING" });
  health.addToServer(server);
  reflectionFor(opts.services.map((s) => s.service)).addToServer(server);

  for (const { service, impl, scoped } of opts.services) {
    const handlers: grpc.UntypedServiceImplementation = {};
    for (const method of service.methods) {
      const fn = impl[method.localName];
      if (typeof fn !== "function") throw new Error(`${service.typeName}/${method.name} has no handler`);
      handlers[method.localName] = wrap(method, fn as AnyHandler, opts, limiter, scoped?.[method.localName] ?? []);
    }
    server.addService(serviceDefinition(service), handlers);
  }

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${opts.host ?? "0.0.0.0"}:${opts.port}`, opts.credentials ?? grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const setAll = (status: "SERVING" | "NOT_SERVING") => {
    health.setStatus("", status);
    for (const s of opts.services) health.setStatus(s.service.typeName, status);
  };
  let healthServer: grpc.Server | undefined, healthPort: number | undefined;
  if (opts.healthPort !== undefined) {
    healthServer = new grpc.Server(SERVER_CHANNEL_OPTIONS);
    health.addToServer(healthServer);
    const h = healthServer;
    healthPort = await new Promise<number>((resolve, reject) =>
      h.bindAsync(`${opts.host ?? "0.0.0.0"}:${opts.healthPort}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    ).catch((err: unknown) => {
      server.forceShutdown();
      throw err;
    });
  }
  setAll("SERVING");
  const readiness = watchReadiness(health, opts.readiness ?? [], opts.log, opts.readinessIntervalMs ?? 5000);
  return {
    port,
    healthPort,
    server,
    health,
    notServing: () => {
      setAll("NOT_SERVING");
      readiness.stop();
    },
    drain: (graceMs) =>
      new Promise<void>((resolve) => {
        healthServer?.forceShutdown();
        const force = setTimeout(() => {
          opts.log.warn({ graceMs }, "gRPC drain timed out; forcing shutdown");
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}

type AnyHandler = (...args: unknown[]) => Promise<unknown>;
type AnyCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerReadableStream<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>;

function wrap(method: DescMethod, fn: AnyHandler, opts: ServerOptions, limiter: RateLimiterMemory | undefined, scopes: readonly Scope[]): grpc.UntypedHandleCall {
  const path = `/${method.parent.typeName}/${method.name}`;
  const context = async (call: AnyCall): Promise<CallContext> => {
    const header = call.metadata.get("authorization")[0];
    const match = typeof header === "string" ? /^Bearer (.+)$/i.exec(header) : null;
    if (!match?.[1]) throw unauthenticated("missing bearer token");
    let auth: AuthContext;
    try {
      auth = await opts.verifier.verify(match[1]);
    } catch (err) {
      if (err instanceof AuthError) throw unauthenticated(err.message);
      throw err;
    }
    if (auth.roles.length === 0 && !scopes.some((s) => auth.scopes?.includes(s))) {
      throw permissionDenied(scopes.length === 0 ? "this call needs a user's token (one with roles)" : `this call needs a user's token or the scope ${scopes.join(" or ")}`);
    }
    if (limiter) {
      // Per court; a public token (no court) per visitor.
      const caller = auth.courtId || auth.user;
      await limiter.consume(caller).catch((res: unknown) => {
        if (res instanceof Error) throw res;
        const waitMs = (res as { msBeforeNext?: number }).msBeforeNext ?? 1000;
        throw new RpcError(grpc.status.RESOURCE_EXHAUSTED, `too many calls from ${auth.courtId ? `court ${auth.courtId}` : "this visitor"}; try again in ${Math.ceil(waitMs / 100) / 10} s`);
      });
    }
    const aborter = new AbortController();
    (call as grpc.ServerUnaryCall<unknown, unknown>).once("cancelled", () => aborter.abort());
    if (call.cancelled) aborter.abort();
    return {
      auth,
      signal: aborter.signal,
      metadata: call.metadata,
      deadline: call.getDeadline(),
      peer: call.getPeer(),
      get cancelled() {
        return call.cancelled;
      },
    };
  };
  const fail = (err: unknown): grpc.ServiceError | Partial<grpc.StatusObject> => {
    const mapped = fromDomain(err);
    if (mapped) return toServiceError(mapped);
    if (isTransient(err)) {
      // The store, the broker or a service this one calls is away: the client may try again.
      opts.log.warn({ err, method: path }, "handler failed on an unavailable dependency");
      return { code: grpc.status.UNAVAILABLE, details: "a service this call needs is unavailable; try again shortly" };
    }
    opts.log.error({ err, method: path }, "handler failed");
    return { code: grpc.status.INTERNAL, details: "internal error" };
  };
  // The bounds the protos declare (protovalidate), checked after authentication and before the
  // handler: INVALID_ARGUMENT with every violated field, so no use case sees an unbounded field.
  const checked = <T>(msg: T): T => {
    if (msg instanceof UndecodableRequest) throw invalidArgument([{ field: "", description: `not a valid ${msg.typeName}: ${msg.reason}` }], "the request body does not decode");
    const violations = ruleViolations(method.input, msg as Message);
    if (violations.length > 0) throw invalidArgument(violations);
    return msg;
  };
  const output = (msg: unknown) => (isMessage(msg, method.output) ? msg : create(method.output as DescMessage, msg as never));

  const kind = opts.audit ? auditKind(method.name) : undefined;
  /**
   * Runs the handler in the call's audit context. A change's record went with its commit; a call
   * that committed nothing (refused, failed, nothing to do) is recorded here. An audited read's
   * record is published before its first message is sent (`beforeSend`) and, for a unary read,
   * before the answer: a record that cannot be published fails the call, and nothing is served.
   */
  const audited = async <T>(ctx: CallContext, req: unknown, run: (beforeSend: () => Promise<void>) => Promise<T>): Promise<T> => {
    const audit = opts.audit;
    if (!audit || !kind) return run(async () => undefined);
    const call = auditCall(ctx.auth, path, audit.service, req);
    const publishOnce = async (result: string) => {
      if (call.published) return;
      call.published = true;
      await audit.publish(call.entry(result));
    };
    try {
      const res = await auditCalls.run(call, () => run(() => (kind === "read" ? publishOnce("ok") : Promise.resolve())));
      if (kind === "read") await publishOnce("ok");
      else if (call.committed === 0) await publishOnce(audit.versioned ? "no change" : "ok");
      return res;
    } catch (err) {
      if (call.committed === 0 && !call.published)
        await publishOnce(auditResult(err)).catch((e: unknown) => opts.log.error({ err: e, method: path }, "could not publish the audit record of a failed call"));
      throw err;
    }
  };

  switch (method.methodKind) {
    case "unary":
      return (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        context(call)
          .then((ctx) => audited(ctx, call.request, () => fn(checked(call.request), ctx)))
          .then(
            (res) => callback(null, output(res)),
            (err) => callback(fail(err) as grpc.ServiceError),
          );
      };
    case "client_streaming":
      return (call: grpc.ServerReadableStream<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        context(call)
          .then((ctx) => audited(ctx, undefined, () => fn(eachChecked(call as AsyncIterable<unknown>, checked), ctx)))
          .then(
            (res) => callback(null, output(res)),
            (err) => callback(fail(err) as grpc.ServiceError),
          );
      };
    case "server_streaming":
      return (call: grpc.ServerWritableStream<unknown, unknown>) => {
        const send = (res: unknown) =>
          new Promise<void>((resolve) => {
            // Respect back-pressure: wait for drain when the write buffer is full.
            if (call.write(output(res))) resolve();
            else call.once("drain", () => resolve());
          });
        context(call)
          .then((ctx) =>
            audited(ctx, call.request, (beforeSend) =>
              fn(checked(call.request), ctx, async (res: unknown) => {
                await beforeSend();
                await send(res);
              }),
            ),
          )
          .then(
            () => call.end(),
            (err) => call.emit("error", fail(err)),
          );
      };
    default:
      throw new Error(`${path}: ${method.methodKind} methods are not supported`);
  }
}

/** The messages of a client stream, each checked as it arrives (the handler sees the error when it reads a bad one). */
async function* eachChecked(stream: AsyncIterable<unknown>, check: <T>(msg: T) => T): AsyncIterable<unknown> {
  for await (const msg of stream) yield check(msg);
}
