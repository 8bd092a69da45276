import type { DescMethod, DescService, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import { create, isMessage } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { serviceDefinition } from "./definition.js";

type Req<M extends DescMethod> = MessageInitShape<M["input"]>;
type Res<M extends DescMethod> = MessageShape<M["output"]>;

export interface CallOptions {
  /** Milliseconds from now; overrides the client's default deadline. */
  timeoutMs?: number;
  metadata?: grpc.Metadata;
  /** Server streams: cancels the call when aborted (the iteration then ends with a CANCELLED error). */
  signal?: AbortSignal;
}

type ClientMethod<M extends DescMethod> = M extends { methodKind: "unary" }
  ? (req: Req<M>, opts?: CallOptions) => Promise<Res<M>>
  : M extends { methodKind: "server_streaming" }
    ? (req: Req<M>, opts?: CallOptions) => AsyncIterable<Res<M>>
    : M extends { methodKind: "client_streaming" }
      ? (reqs: AsyncIterable<Req<M>> | Iterable<Req<M>>, opts?: CallOptions) => Promise<Res<M>>
      : never;

/** A typed, promise-based client: one method per RPC, by local name. */
export type Client<S extends DescService> = { [K in keyof S["method"]]: ClientMethod<S["method"][K]> } & {
  close(): void;
};

export interface ClientOptions {
  /** Bearer token, or a function returning the current one (tokens expire). */
  token?: string | (() => string | Promise<string>);
  /** Default deadline for every call; gRPC calls without a deadline can hang forever. */
  timeoutMs?: number;
  /** Transport security (tlsFromSettings(config).channel); default plaintext. */
  credentials?: grpc.ChannelCredentials;
}

/** Client-side keepalive within what SERVER_CHANNEL_OPTIONS permits. */
export const CLIENT_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  "grpc.keepalive_time_ms": 60_000,
  "grpc.keepalive_timeout_ms": 20_000,
  "grpc.keepalive_permit_without_calls": 1,
};

export function createClient<S extends DescService>(service: S, address: string, opts: ClientOptions = {}): Client<S> {
  const Ctor = grpc.makeGenericClientConstructor(serviceDefinition(service), service.typeName);
  const raw = new Ctor(address, opts.credentials ?? grpc.credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS) as unknown as Record<string, (...args: unknown[]) => unknown> & grpc.Client;
  const defaultTimeout = opts.timeoutMs ?? 10_000;

  const prepare = async (o: CallOptions | undefined) => {
    const md = o?.metadata?.clone() ?? new grpc.Metadata();
    const token = typeof opts.token === "function" ? await opts.token() : opts.token;
    if (token) md.set("authorization", `Bearer ${token}`);
    return { md, callOpts: { deadline: Date.now() + (o?.timeoutMs ?? defaultTimeout) } as grpc.CallOptions };
  };
  const input = (m: DescMethod, req: unknown) => (isMessage(req, m.input) ? req : create(m.input, req as never));

  const client: Record<string, unknown> = { close: () => raw.close() };
  for (const m of service.methods) {
    const call = raw[m.localName]!.bind(raw);
    switch (m.methodKind) {
      case "unary":
        client[m.localName] = async (req: unknown, o?: CallOptions) => {
          const { md, callOpts } = await prepare(o);
          return new Promise((resolve, reject) => call(input(m, req), md, callOpts, (err: grpc.ServiceError | null, res: unknown) => (err ? reject(err) : resolve(res))));
        };
        break;
      case "server_streaming":
        client[m.localName] = (req: unknown, o?: CallOptions) => ({
          async *[Symbol.asyncIterator]() {
            const { md, callOpts } = await prepare(o);
            const stream = call(input(m, req), md, callOpts) as grpc.ClientReadableStream<unknown>;
            const cancel = () => stream.cancel();
            // Aborted while the call was being prepared: end it at once, or it stays open to its deadline.
            if (o?.signal?.aborted) cancel();
            o?.signal?.addEventListener("abort", cancel);
            try {
              yield* stream;
            } finally {
              o?.signal?.removeEventListener("abort", cancel);
              stream.cancel(); // a consumer that stopped early ends the call (no-op once it ended)
            }
          },
        });
        break;
      case "client_streaming":
        client[m.localName] = async (reqs: AsyncIterable<unknown> | Iterable<unknown>, o?: CallOptions) => {
          const { md, callOpts } = await prepare(o);
          return new Promise((resolve, reject) => {
            const stream = call(md, callOpts, (err: grpc.ServiceError | null, res: unknown) => (err ? reject(err) : resolve(res))) as grpc.ClientWritableStream<unknown>;
            (async () => {
              for await (const r of reqs) {
                if (!stream.write(input(m, r))) await new Promise((ok) => stream.once("drain", ok));
              }
              stream.end();
            })().catch((err) => {
              stream.cancel();
              reject(err);
            });
          });
        };
        break;
      default:
        throw new Error(`${service.typeName}/${m.name}: ${m.methodKind} methods are not supported`);
    }
  }
  return client as Client<S>;
}
