// The "k6/net/grpc" module on @grpc/grpc-js: Client (load, connect, asyncInvoke, close), Stream,
// and the status constants. Responses look like k6's: { status, message, headers, trailers, error }.
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { builtin, contextTags, reportAsyncError, requirePhase, runtime } from "../context.js";
import { parseDuration } from "../duration.js";
import { LOADER_OPTIONS, ProtoJson } from "../protojson.js";

export const StatusOK = 0;
export const StatusCanceled = 1;
export const StatusUnknown = 2;
export const StatusInvalidArgument = 3;
export const StatusDeadlineExceeded = 4;
export const StatusNotFound = 5;
export const StatusAlreadyExists = 6;
export const StatusPermissionDenied = 7;
export const StatusResourceExhausted = 8;
export const StatusFailedPrecondition = 9;
export const StatusAborted = 10;
export const StatusOutOfRange = 11;
export const StatusUnimplemented = 12;
export const StatusInternal = 13;
export const StatusUnavailable = 14;
export const StatusDataLoss = 15;
export const StatusUnauthenticated = 16;

/** k6's defaults: a unary call may take 2 minutes, connecting 1 minute; streams have no deadline. */
const INVOKE_TIMEOUT = "2m";
const CONNECT_TIMEOUT = "1m";
const VU_CODE = ["setup", "vu", "teardown"] as const;

interface Method {
  /** "/package.Service/Method" */
  path: string;
  def: protoLoader.MethodDefinition<object, object>;
  requestType: string;
  responseType: string;
  json: ProtoJson;
}

interface Connection {
  addr: string;
  client: grpc.Client;
  /** Settles when the channel is ready or the connect timeout passed. */
  ready: Promise<void>;
}

export interface Response {
  status: number;
  message: unknown;
  headers: Record<string, string[]>;
  trailers: Record<string, string[]>;
  error: { code: number; message: string; details: unknown[] } | null;
}

interface Params {
  metadata?: Record<string, unknown>;
  timeout?: string | number;
  tags?: Record<string, unknown>;
  discardResponseMessage?: boolean;
}

const CALL_PARAMS = ["metadata", "tags", "timeout", "discardResponseMessage"];
/** k6's `tls` connect parameter: PEM contents (read with open() in the init context), as k6 takes them. */
interface TlsParams {
  /** The CA certificate(s) the server's certificate must be issued by (default: the system's roots). */
  cacerts?: string | string[];
  /** Client certificate and its key, for mutual TLS. */
  cert?: string;
  key?: string;
  password?: string;
}

function tlsCredentials(tls: TlsParams = {}): grpc.ChannelCredentials {
  known(tls, ["cacerts", "cert", "key", "password"], "grpc.connect() tls");
  if (tls.password) throw new Error("k6run does not support encrypted client keys (tls.password)");
  if (!tls.cert !== !tls.key) throw new Error("grpc.connect(): tls.cert and tls.key go together");
  const ca = tls.cacerts === undefined ? null : Buffer.from(([] as string[]).concat(tls.cacerts).join("\n"));
  return grpc.credentials.createSsl(ca, tls.key ? Buffer.from(tls.key) : null, tls.cert ? Buffer.from(tls.cert) : null);
}

const CONNECT_PARAMS = ["plaintext", "timeout", "reflect", "reflectMetadata", "maxReceiveSize", "maxSendSize", "tls", "authority", "connectionSharing"];

/** k6 rejects parameters it doesn't know; so does k6run, so scripts stay valid for both. */
function known(params: object | null | undefined, names: string[], what: string): void {
  for (const k of Object.keys(params ?? {})) if (!names.includes(k)) throw new Error(`invalid ${what} parameters: unknown param: "${k}"`);
}

/** Loaded protos are the same for every VU; parse them once per set of paths. */
const loaded = new Map<string, protoLoader.PackageDefinition>();
const internals = new WeakMap<Client, { methods: Map<string, Method>; conn?: Connection }>();

function metadataOf(m: Params["metadata"]): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(m ?? {})) {
    if (k.endsWith("-bin")) {
      if (!(v instanceof ArrayBuffer)) throw new Error(`invalid metadata param: "${k}" value must be binary`);
      md.add(k, Buffer.from(v));
    } else if (typeof v !== "string") throw new Error(`invalid metadata param: "${k}" value must be a string`);
    else md.add(k, v);
  }
  return md;
}

function metadataObject(md: grpc.Metadata | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(md?.toJSON() ?? {})) out[k] = v.map((x) => (Buffer.isBuffer(x) ? x.toString("base64") : String(x)));
  return out;
}

const deadlineOf = (timeout: Params["timeout"] | undefined) => {
  const ms = timeout === undefined ? 0 : parseDuration(timeout, "timeout");
  return ms === 0 ? Infinity : Date.now() + ms;
};

const errorOf = (s: { code: number; details: string }) => ({ code: s.code, message: s.details, details: [] });

/** k6's tags of a gRPC request. */
const callTags = (addr: string, m: Method, extra?: Record<string, unknown>) => {
  const [service, method] = m.path.slice(1).split("/");
  return contextTags({ name: m.path, url: `${addr}${m.path}`, service, method, ...extra });
};

function methodOf(client: Client, name: string): Method {
  const full = name.replace(/^\//, "");
  const m = internals.get(client)!.methods.get(full);
  if (!m) throw new Error(`method "${name}" not found in the file descriptors; load its proto with client.load() and name it "package.Service/Method"`);
  return m;
}

function connectionOf(client: Client): Connection {
  const c = internals.get(client)!.conn;
  if (!c) throw new Error("no gRPC connection; call client.connect(address) first");
  return c;
}

export class Client {
  constructor() {
    internals.set(this, { methods: new Map() });
  }

  /** Parses proto files (init context only); import paths are relative to the script. */
  load(importPaths: string[] | null, ...files: string[]): { package: string; service: string; fullMethod: string }[] {
    requirePhase("grpc.Client.load()", ["init"]);
    const dirs = (importPaths?.length ? importPaths : ["."]).map((p) => path.resolve(runtime.scriptDir, p.replace(/^file:\/\//, "")));
    const key = JSON.stringify([dirs, files]);
    let pd = loaded.get(key);
    if (!pd) loaded.set(key, (pd = protoLoader.loadSync(files, { ...LOADER_OPTIONS, includeDirs: dirs })));
    const json = new ProtoJson(pd);
    const methods = internals.get(this)!.methods;
    const infos = [];
    for (const [service, def] of Object.entries(pd)) {
      if ("format" in def) continue;
      for (const m of Object.values(def as protoLoader.ServiceDefinition)) {
        const method: Method = {
          path: m.path,
          def: m as protoLoader.MethodDefinition<object, object>,
          requestType: json.typeOf(service, m.requestType.type as never),
          responseType: json.typeOf(service, m.responseType.type as never),
          json,
        };
        methods.set(m.path.slice(1), method);
        const dot = service.lastIndexOf(".");
        infos.push({ package: service.slice(0, Math.max(0, dot)), service: service.slice(dot + 1), fullMethod: m.path });
      }
    }
    return infos;
  }

  loadProtoset(): never {
    throw new Error("k6run does not support client.loadProtoset(); use client.load() with the .proto files");
  }

  /**
   * Opens the channel. k6 blocks until connected; here the connection completes in the
   * background and the first call waits for it (failing if it is not ready within `timeout`).
   */
  connect(addr: string, params: { plaintext?: boolean; timeout?: string | number; reflect?: boolean; tls?: TlsParams; maxReceiveSize?: number; maxSendSize?: number } = {}): boolean {
    requirePhase("grpc.Client.connect()", VU_CODE);
    known(params, CONNECT_PARAMS, "grpc.connect()");
    if (params.reflect) throw new Error("k6run does not support server reflection (reflect: true); load the protos with client.load()");
    if (params.plaintext && params.tls !== undefined) throw new Error("grpc.connect(): plaintext and tls exclude each other");
    const inner = internals.get(this)!;
    inner.conn?.client.close();
    const options: grpc.ChannelOptions = {};
    if (params.maxReceiveSize) options["grpc.max_receive_message_length"] = params.maxReceiveSize;
    if (params.maxSendSize) options["grpc.max_send_message_length"] = params.maxSendSize;
    const client = new grpc.Client(addr, params.plaintext ? grpc.credentials.createInsecure() : tlsCredentials(params.tls), options);
    const timeoutMs = parseDuration(params.timeout ?? CONNECT_TIMEOUT, "connect timeout");
    const ready = new Promise<void>((resolve, reject) =>
      client.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(new Error(`failed to connect to ${addr} within ${timeoutMs} ms: ${err.message}`)) : resolve())),
    );
    ready.catch(() => undefined); // reported by the first call that waits for it
    inner.conn = { addr, client, ready };
    return true;
  }

  invoke(): never {
    throw new Error("k6run runs every VU on one event loop and can't block: use `await client.asyncInvoke(method, request, params)` instead of client.invoke()");
  }

  /** A unary call; resolves with the response also for non-OK statuses (rejects only for script errors). */
  async asyncInvoke(method: string, request: unknown, params: Params = {}): Promise<Response> {
    requirePhase("grpc.Client.asyncInvoke()", VU_CODE);
    const m = methodOf(this, method);
    if (m.def.requestStream || m.def.responseStream) throw new Error(`method "${method}" is a streaming method; use new grpc.Stream(client, "${m.path.slice(1)}")`);
    known(params, CALL_PARAMS, "client.asyncInvoke()");
    if (request === null || request === undefined) throw new Error("request cannot be nil");
    const message = m.json.fromJson(m.requestType, request, "request");
    const conn = connectionOf(this);
    const md = metadataOf(params.metadata);
    const tags = callTags(conn.addr, m, params.tags);
    await conn.ready;
    const t0 = performance.now();
    const response = await new Promise<Response>((resolve) => {
      let headers: Record<string, string[]> = {};
      let value: object | undefined;
      const call = conn.client.makeUnaryRequest(
        m.def.path,
        m.def.requestSerialize,
        m.def.responseDeserialize,
        message as object,
        md,
        { deadline: deadlineOf(params.timeout ?? INVOKE_TIMEOUT) },
        (_err, v) => (value = v),
      );
      call.on("metadata", (h) => (headers = metadataObject(h)));
      call.on("status", (s) => {
        const ok = s.code === grpc.status.OK && value !== undefined;
        // As k6 does, a failed call still has a message: the response type with every field at its default.
        const body = params.discardResponseMessage ? null : m.json.toJson(m.responseType, ok ? value : m.def.responseDeserialize(Buffer.alloc(0)));
        resolve({ status: s.code, message: body, headers, trailers: metadataObject(s.metadata), error: ok ? null : errorOf(s) });
      });
    });
    builtin("grpc_req_duration").add(performance.now() - t0, { ...tags, status: String(response.status) });
    return response;
  }

  close(): void {
    const inner = internals.get(this)!;
    inner.conn?.client.close();
    delete inner.conn;
  }
}

type Listener = (arg: unknown, metadata: { ts: number }) => void;
type Event = "data" | "error" | "end";

/**
 * A streaming call: client streaming (write… then end; one 'data' with the response), server
 * streaming (one write starts it) or bidirectional. 'error' gets { code, message, details }; 'end'
 * always comes last. The iteration doesn't wait for streams: wrap them in a promise and await it.
 */
export class Stream {
  readonly #listeners: Record<Event, Listener[]> = { data: [], error: [], end: [] };
  readonly #method: Method;
  readonly #start: (first?: unknown) => grpc.ClientWritableStream<object> | grpc.ClientReadableStream<object>;
  #call?: grpc.ClientWritableStream<object> | grpc.ClientReadableStream<object>;
  #pending: unknown[] = [];
  #ending = false;
  #ready = false;
  #ended = false;
  readonly #tags: Record<string, string>;

  constructor(client: Client, method: string, params: Params = {}) {
    requirePhase("new grpc.Stream()", VU_CODE);
    const m = (this.#method = methodOf(client, method));
    if (!m.def.requestStream && !m.def.responseStream) throw new Error(`method "${method}" is unary; use client.asyncInvoke()`);
    known(params, CALL_PARAMS, "grpc.Stream");
    const conn = connectionOf(client);
    const md = metadataOf(params.metadata);
    const options = { deadline: deadlineOf(params.timeout) };
    const tags = (this.#tags = callTags(conn.addr, m, params.tags));
    const onData = (v: unknown) => {
      builtin("grpc_streams_msgs_received").add(1, tags);
      this.#emit("data", params.discardResponseMessage ? {} : m.json.toJson(m.responseType, v));
    };
    const onStatus = (s: grpc.StatusObject) => {
      if (s.code !== grpc.status.OK) this.#emit("error", errorOf(s));
      this.#emit("end");
    };
    this.#start = (first) => {
      builtin("grpc_streams").add(1, tags);
      let call;
      if (!m.def.responseStream) {
        call = conn.client.makeClientStreamRequest(m.def.path, m.def.requestSerialize, m.def.responseDeserialize, md, options, (err, v) => void (!err && v !== undefined && onData(v)));
      } else if (!m.def.requestStream) {
        call = conn.client.makeServerStreamRequest(m.def.path, m.def.requestSerialize, m.def.responseDeserialize, first as object, md, options);
        call.on("data", onData);
      } else {
        call = conn.client.makeBidiStreamRequest(m.def.path, m.def.requestSerialize, m.def.responseDeserialize, md, options);
        call.on("data", onData);
      }
      call.on("error", () => undefined); // the status event reports it
      call.on("status", onStatus);
      return call;
    };
    conn.ready.then(
      () => {
        this.#ready = true;
        this.#flush();
      },
      (err: Error) => {
        this.#emit("error", { code: StatusUnavailable, message: err.message, details: [] });
        this.#emit("end");
      },
    );
  }

  on(event: Event, listener: Listener): void {
    if (!(event in this.#listeners)) throw new Error(`unknown stream event "${event}" (data, error, end)`);
    this.#listeners[event].push(listener);
  }

  write(message: unknown): void {
    if (!this.#method.def.requestStream && (this.#call || this.#pending.length > 0)) throw new Error("a server-streaming call takes exactly one request message");
    this.#pending.push(this.#method.json.fromJson(this.#method.requestType, message, "message"));
    this.#flush();
  }

  end(): void {
    this.#ending = true;
    this.#flush();
  }

  #flush(): void {
    if (!this.#ready || this.#ended) return;
    if (!this.#call) {
      if (!this.#method.def.requestStream) {
        if (this.#pending.length === 0) return;
        this.#call = this.#start(this.#pending.shift());
        builtin("grpc_streams_msgs_sent").add(1, this.#tags);
        return;
      }
      this.#call = this.#start();
    }
    if (!this.#method.def.requestStream) return;
    const call = this.#call as grpc.ClientWritableStream<object>;
    for (const msg of this.#pending.splice(0)) {
      call.write(msg as object);
      builtin("grpc_streams_msgs_sent").add(1, this.#tags);
    }
    if (this.#ending) {
      this.#ended = true;
      call.end();
    }
  }

  #emit(event: Event, arg?: unknown): void {
    for (const l of this.#listeners[event]) {
      try {
        l(arg ?? {}, { ts: Math.floor(Date.now() / 1000) });
      } catch (err) {
        reportAsyncError(err);
      }
    }
  }
}
