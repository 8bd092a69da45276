// Property-based fuzzing of a served gRPC service (fast-check): random valid messages built from
// the protobuf-es schemas, random invalid ones, and raw byte strings sent as the request body
// through a pass-through serializer, with valid and invalid bearer tokens. The property: the
// server never answers INTERNAL or UNKNOWN, and nothing is rejected unhandled.
import { create, fromBinary, toBinary, toJson, ScalarType, type DescField, type DescMessage, type DescMethod, type DescService } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import fc from "fast-check";
import { createSigner, type MintOptions, type TokenSigner } from "@kuayu/auth";
import { loadDirectory, type Directory } from "@kuayu/directory";
import { generateKeyPairSync } from "node:crypto";

/** Runs per RPC (`FUZZ_RUNS`, default 500; `make fuzz` sets 10,000) and the seed (`FUZZ_SEED`). */
export function fuzzSettings(defaultSeed = 20_260_523): { runs: number; seed: number } {
  const runs = Number(process.env.FUZZ_RUNS ?? 500);
  const seed = Number(process.env.FUZZ_SEED ?? defaultSeed);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`FUZZ_RUNS must be a positive integer, got ${process.env.FUZZ_RUNS}`);
  if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got ${process.env.FUZZ_SEED}`);
  return { runs, seed };
}

/** Field arbitraries by proto field name (e.g. `court_id`), used for valid messages wherever the field occurs. */
export type Overrides = Record<string, fc.Arbitrary<unknown>>;
type Mode = "valid" | "invalid";
export type Init = Record<string, unknown>;

const MAX_DEPTH = 4;
const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const UINT32 = { min: 0, max: 2 ** 32 - 1 };

const validString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 16 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constantFrom("北京市朝阳区人民法院", "张三", "c-110105", "44", "2026-05-23", "13800138000") },
);
/** Strings a careful server must survive: empty, huge, odd unicode, control characters, injection-like. */
const invalidString = fc.oneof(
  { weight: 3, arbitrary: fc.constant("") },
  { weight: 3, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }) },
  { weight: 2, arbitrary: fc.constantFrom(" ", "\u0000", "\u200b", "‮evil", "\ud800", "a\nb", "../../etc/passwd", '{"$gt":""}', "$where", "%00", "NaN", "-1", "9".repeat(40)) },
  { weight: 1, arbitrary: fc.integer({ min: 2_000, max: 30_000 }).map((n) => "案".repeat(n)) },
);

function scalarArb(t: ScalarType, mode: Mode, longAsString: boolean): fc.Arbitrary<unknown> {
  const valid = mode === "valid";
  const big = (min: bigint, max: bigint) => (valid ? fc.bigInt({ min: min < -1000n ? -1000n : min, max: 1000n }) : fc.oneof(fc.bigInt({ min, max }), fc.constantFrom(min, max, 0n)));
  const long = (a: fc.Arbitrary<bigint>) => (longAsString ? a.map(String) : a);
  switch (t) {
    case ScalarType.STRING:
      return valid ? validString : invalidString;
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: valid ? 32 : 4096 });
    case ScalarType.DOUBLE:
      return fc.double({ noNaN: valid, noDefaultInfinity: valid });
    case ScalarType.FLOAT:
      return fc.float({ noNaN: valid, noDefaultInfinity: valid });
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return valid ? fc.integer({ min: -10, max: 1000 }) : fc.oneof(fc.integer(INT32), fc.constantFrom(INT32.min, INT32.max, -1, 0));
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return valid ? fc.integer({ min: 0, max: 1000 }) : fc.oneof(fc.integer(UINT32), fc.constantFrom(UINT32.max, 0));
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return long(big(0n, 2n ** 64n - 1n));
    default: // INT64, SINT64, SFIXED64
      return long(big(-(2n ** 63n), 2n ** 63n - 1n));
  }
}

/** Well-known types whose valid values are narrower than their fields allow. */
function wellKnown(desc: DescMessage, mode: Mode): fc.Arbitrary<Init> | undefined {
  if (mode !== "valid") return undefined;
  if (desc.typeName === "google.protobuf.Timestamp") {
    // 2020–2032: times a filing system sees.
    return fc.record({ seconds: fc.bigInt({ min: 1_577_836_800n, max: 1_956_528_000n }), nanos: fc.integer({ min: 0, max: 999_999_999 }) });
  }
  if (desc.typeName === "google.protobuf.Duration") return fc.record({ seconds: fc.bigInt({ min: 0n, max: 864_000n }), nanos: fc.constant(0) });
  return undefined;
}

function mapKeyArb(t: ScalarType, mode: Mode): fc.Arbitrary<string> {
  if (t === ScalarType.STRING) return (mode === "valid" ? validString : invalidString) as fc.Arbitrary<string>;
  if (t === ScalarType.BOOL) return fc.constantFrom("true", "false");
  return (scalarArb(t, mode, false) as fc.Arbitrary<number | bigint>).map(String);
}

function fieldArb(f: DescField, mode: Mode, overrides: Overrides, depth: number): fc.Arbitrary<unknown> {
  const override = mode === "valid" ? overrides[f.name] : undefined;
  const maxLength = mode === "valid" ? 3 : 12;
  const enumArb = (values: number[]) => (mode === "valid" ? fc.constantFrom(...values) : fc.oneof(fc.constantFrom(...values), fc.integer(INT32)));
  const sub = (m: DescMessage) => (depth >= MAX_DEPTH ? fc.constant({}) : messageArb(m, mode, overrides, depth + 1));
  switch (f.fieldKind) {
    case "scalar":
      return override ?? scalarArb(f.scalar, mode, f.longAsString);
    case "enum":
      return override ?? enumArb(f.enum.values.map((v) => v.number));
    case "message":
      return override ?? sub(f.message);
    case "list": {
      const el = override ?? (f.listKind === "scalar" ? scalarArb(f.scalar, mode, f.longAsString) : f.listKind === "enum" ? enumArb(f.enum.values.map((v) => v.number)) : sub(f.message));
      return fc.array(el, { maxLength });
    }
    case "map": {
      const val = f.mapKind === "scalar" ? scalarArb(f.scalar, mode, false) : f.mapKind === "enum" ? enumArb(f.enum.values.map((v) => v.number)) : sub(f.message);
      return fc.array(fc.tuple(mapKeyArb(f.mapKey, mode), val), { maxLength }).map((kv) => Object.fromEntries(kv));
    }
  }
}

/**
 * An arbitrary of init objects for `create(desc, …)`: every field (some left unset), oneofs with
 * one or no member set, nested messages to a bounded depth. `valid` keeps values in ranges a real
 * client sends (declared enum numbers, short strings and lists, sane timestamps) and uses
 * `overrides`; `invalid` sends anything the wire allows.
 */
export function messageArb(desc: DescMessage, mode: Mode, overrides: Overrides = {}, depth = 0): fc.Arbitrary<Init> {
  const known = wellKnown(desc, mode);
  if (known) return known;
  const unset = mode === "valid" ? 5 : 2; // 1 in `unset` fields is left out
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of desc.fields) {
    if (f.oneof) continue;
    parts[f.localName] = fc.option(fieldArb(f, mode, overrides, depth), { nil: undefined, freq: unset });
  }
  for (const o of desc.oneofs) {
    const members = o.fields.map((f) => fieldArb(f, mode, overrides, depth).map((value) => ({ case: f.localName, value })));
    parts[o.localName] = fc.option(fc.oneof(...members), { nil: undefined, freq: unset });
  }
  return fc.record(parts).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)));
}

/** The wire bytes of a message built from an init object. */
export const encode = (desc: DescMessage, init: Init): Buffer => Buffer.from(toBinary(desc, create(desc, init as never)));

/** Raw bodies: random bytes, and valid encodings with bytes overwritten and/or cut short. */
export function rawBytesArb(desc: DescMessage, overrides: Overrides = {}): fc.Arbitrary<Buffer> {
  const mutated = fc.tuple(messageArb(desc, "valid", overrides), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.option(fc.nat())).map(([init, flips, cut]) => {
    const bytes = encode(desc, init);
    for (const [at, b] of flips) if (bytes.length > 0) bytes[at % bytes.length] = b;
    return cut === null || bytes.length === 0 ? bytes : bytes.subarray(0, cut % bytes.length);
  });
  return fc.oneof(
    fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
    fc.uint8Array({ minLength: 1, maxLength: 2048 }).map((b) => Buffer.from(b)),
    mutated,
  );
}

export type Kind = "valid" | "invalid" | "raw";
/** One fuzz case: the body (one message, or several for a client stream) and the authorization header. */
export interface FuzzRequest {
  kind: Kind;
  bodies: Buffer[];
  authorization: string | undefined;
}

export interface FuzzTokens {
  /** Tokens the service accepts (several courts and roles). */
  valid: string[];
  /** Tokens it must refuse: signed with another key, expired, tampered. Malformed headers are added here. */
  invalid: string[];
}

/** Authorization headers: mostly valid tokens, else refused tokens and malformed headers. */
export function authArb(tokens: FuzzTokens): fc.Arbitrary<string | undefined> {
  const bad = [undefined, "", "Bearer", "Bearer ", "Bearer not.a.jwt", "Basic dXNlcjpwYXNz", "bearer  x", ...tokens.invalid.map((t) => `Bearer ${t}`)];
  return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...tokens.valid.map((t) => `Bearer ${t}`)) }, { weight: 1, arbitrary: fc.constantFrom(...bad) });
}

/** The requests to fuzz a method with: valid messages (hand-tuned by `overrides`), invalid ones, raw bytes. */
export function requestArb(method: DescMethod, tokens: FuzzTokens, overrides: Overrides = {}, tuned?: fc.Arbitrary<Init[]>): fc.Arbitrary<FuzzRequest> {
  const stream = method.methodKind === "client_streaming";
  const many = (one: fc.Arbitrary<Buffer>) => (stream ? fc.array(one, { minLength: 0, maxLength: 4 }) : one.map((b) => [b]));
  const valid = messageArb(method.input, "valid", overrides).map((i) => encode(method.input, i));
  const invalid = messageArb(method.input, "invalid").map((i) => encode(method.input, i));
  const body = fc.oneof(
    { weight: 5, arbitrary: many(valid).map((bodies) => ({ kind: "valid" as const, bodies })) },
    { weight: 3, arbitrary: many(invalid).map((bodies) => ({ kind: "invalid" as const, bodies })) },
    { weight: 2, arbitrary: many(rawBytesArb(method.input, overrides)).map((bodies) => ({ kind: "raw" as const, bodies })) },
    ...(tuned ? [{ weight: 4, arbitrary: tuned.map((inits) => ({ kind: "valid" as const, bodies: inits.map((i) => encode(method.input, i)) })) }] : []),
  );
  return fc.tuple(body, authArb(tokens)).map(([b, authorization]) => ({ ...b, authorization, [fc.toStringMethod]: () => describeRequest(method, { ...b, authorization }) }));
}

/** A short description of a request for failure reports (bodies can be megabytes): sizes, a hex prefix, the decoded start. */
export function describeRequest(method: DescMethod, req: FuzzRequest): string {
  const bodies = req.bodies.map((b) => {
    let decoded = "undecodable";
    try {
      decoded = JSON.stringify(toJson(method.input, fromBinary(method.input, b))).slice(0, 300);
    } catch {
      /* stays undecodable */
    }
    return `${b.length} bytes ${b.subarray(0, 32).toString("hex")}${b.length > 32 ? "…" : ""} = ${decoded}`;
  });
  return `{ kind: ${req.kind}, authorization: ${JSON.stringify(req.authorization?.slice(0, 24))}, bodies: [${bodies.join("; ")}] }`;
}

export interface Outcome {
  code: grpc.status;
  details: string;
  messages: number;
}

const pass = (b: Buffer) => b;

/**
 * Calls a method with raw bodies (pass-through serializer: undecodable bytes reach the server).
 * Server streams are read until they end, or cancelled after `idleMs` without a message (watch
 * streams stay open): an open stream counts as CANCELLED, which is fine.
 */
export function callRaw(client: grpc.Client, method: DescMethod, req: FuzzRequest, opts: { timeoutMs?: number; idleMs?: number } = {}): Promise<Outcome> {
  const path = `/${method.parent.typeName}/${method.name}`;
  const md = new grpc.Metadata();
  if (req.authorization !== undefined) md.set("authorization", req.authorization);
  const options: grpc.CallOptions = { deadline: Date.now() + (opts.timeoutMs ?? 10_000) };
  return new Promise<Outcome>((resolve) => {
    let messages = 0;
    const done = (err: grpc.ServiceError | null) => resolve({ code: err ? err.code : grpc.status.OK, details: err?.details ?? "", messages });
    switch (method.methodKind) {
      case "unary":
        client.makeUnaryRequest(path, pass, pass, req.bodies[0] ?? Buffer.alloc(0), md, options, (err) => done(err));
        return;
      case "client_streaming": {
        const call = client.makeClientStreamRequest(path, pass, pass, md, options, (err) => done(err));
        for (const b of req.bodies) call.write(b);
        call.end();
        return;
      }
      case "server_streaming": {
        const call = client.makeServerStreamRequest(path, pass, pass, req.bodies[0] ?? Buffer.alloc(0), md, options);
        let idle: NodeJS.Timeout | undefined;
        const arm = () => {
          clearTimeout(idle);
          idle = setTimeout(() => call.cancel(), opts.idleMs ?? 8);
        };
        arm();
        call.on("data", () => {
          messages++;
          arm();
        });
        call.on("error", () => undefined); // the status below says it all
        call.on("status", (s: grpc.StatusObject) => {
          clearTimeout(idle);
          resolve({ code: s.code, details: s.details, messages });
        });
        return;
      }
      default:
        throw new Error(`${path}: ${method.methodKind} is not fuzzed`);
    }
  });
}

/** The property: fails on INTERNAL or UNKNOWN. */
export function checkOutcome(method: DescMethod, req: FuzzRequest, out: Outcome): void {
  if (out.code === grpc.status.INTERNAL || out.code === grpc.status.UNKNOWN) {
    throw new Error(`${method.parent.name}/${method.name} answered ${grpc.status[out.code]} (${out.details}) to a ${req.kind} request`);
  }
}

/** Unhandled rejections and uncaught exceptions while fuzzing (a listener on the real process). */
export function watchProcess(): { errors: unknown[]; stop(): void } {
  const errors: unknown[] = [];
  const onRejection = (reason: unknown) => void errors.push(reason);
  process.on("unhandledRejection", onRejection);
  return { errors, stop: () => void process.off("unhandledRejection", onRejection) };
}

export interface FuzzReport {
  method: string;
  runs: number;
  /** Answers by status name, e.g. { OK: 120, INVALID_ARGUMENT: 300, … }. */
  codes: Record<string, number>;
  ms: number;
}

export interface FuzzMethodOptions {
  address: string;
  tokens: FuzzTokens;
  runs: number;
  seed: number;
  overrides?: Overrides;
  /** Hand-tuned valid requests (messages of one call) mixed into the valid ones, e.g. a real upload. */
  tuned?: fc.Arbitrary<Init[]>;
  /** A normal request that must still succeed after the fuzzing. */
  normal: () => Promise<unknown>;
  /** Server streams: cancel after this long without a message (default 8 ms for Watch… methods, else 3 s). */
  idleMs?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
}

/** Each method its own sequence (derived from the run's seed and the method's name), so that methods with alike requests are not fuzzed alike. */
export function methodSeed(seed: number, method: DescMethod): number {
  let h = seed | 0;
  for (const ch of method.name) h = Math.imul(h ^ ch.charCodeAt(0), 16_777_619);
  return h | 0;
}

const RESETS_PER_CONNECTION = 500;

/** Fuzzes one method; throws (with fast-check's counterexample and seed) when the property fails. */
export async function fuzzMethod(method: DescMethod, o: FuzzMethodOptions): Promise<FuzzReport> {
  // A connection of its own, renewed every RESETS_PER_CONNECTION server-stream calls: ending a watch
  // stream early resets it (RST_STREAM), and HTTP/2's rapid-reset protection (nghttp2: a burst of
  // 1,000, then 33 a second) rightly closes a connection that resets streams faster than that.
  const connect = () => new grpc.Client(o.address, grpc.credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 });
  let client = connect();
  let streamCalls = 0;
  const renew = (n: number) => {
    if (method.methodKind !== "server_streaming") return;
    streamCalls += n;
    if (streamCalls < RESETS_PER_CONNECTION) return;
    client.close();
    client = connect();
    streamCalls = 0;
  };
  // Watch streams stay open: end them soon. Other streams (downloads, documents) end by themselves.
  const idleMs = o.idleMs ?? (method.name.startsWith("Watch") ? 8 : 3000);
  const watch = watchProcess();
  const codes: Record<string, number> = {};
  const started = Date.now();
  try {
    // Requests go out `concurrency` at a time (one property run = one batch): store round trips overlap.
    const batch = Math.max(1, o.concurrency ?? 4);
    await fc.assert(
      fc.asyncProperty(fc.array(requestArb(method, o.tokens, o.overrides, o.tuned), { minLength: batch, maxLength: batch }), async (reqs) => {
        renew(reqs.length);
        const outs = await Promise.all(reqs.map((req) => callRaw(client, method, req, { idleMs })));
        reqs.forEach((req, i) => {
          const out = outs[i]!;
          const name = grpc.status[out.code] ?? String(out.code);
          codes[name] = (codes[name] ?? 0) + 1;
        });
        reqs.forEach((req, i) => checkOutcome(method, req, outs[i]!));
        if (watch.errors.length > 0) throw new Error(`unhandled rejection while fuzzing ${method.name}: ${String(watch.errors[0])}`);
      }),
      { numRuns: Math.ceil(o.runs / batch), seed: methodSeed(o.seed, method), endOnFailure: true, includeErrorInReport: true },
    );
    await o.normal();
    // Rejections surface a turn later than the call that caused them.
    await new Promise((r) => setTimeout(r, 20));
    if (watch.errors.length > 0) throw new Error(`unhandled rejection while fuzzing ${method.name}: ${String(watch.errors[0])}`);
  } finally {
    watch.stop();
    client.close();
  }
  const runs = Object.values(codes).reduce((a, b) => a + b, 0);
  return { method: `${method.parent.name}/${method.name}`, runs, codes, ms: Date.now() - started };
}

/** The methods of a service, for one test each. */
export const methodsOf = (service: DescService): [string, DescMethod][] => service.methods.map((m) => [m.name, m]);

/**
 * Tokens the service must refuse, for the same court and roles as a valid one: signed with another
 * key, expired an hour ago (signed by `signer` when given), and the valid token with its signature tampered with.
 */
export async function refusedTokens(valid: string, claims: MintOptions, signer?: TokenSigner): Promise<string[]> {
  const other = await createSigner(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString());
  const foreign = await other.mint(claims);
  const expired = await (signer ?? other).mint({ ...claims, expiresIn: "1 hour ago" });
  const sig = valid.slice(valid.lastIndexOf(".") + 1);
  const tampered = `${valid.slice(0, valid.lastIndexOf(".") + 1)}${sig.startsWith("A") ? "B" : "A"}${sig.slice(1)}`;
  return [foreign, expired, tampered];
}

/**
 * Hand-tuned arbitraries for fields that need real ids to reach past validation: court ids and
 * codes, provinces and divisions of the shipped directory (and now and then an unknown one).
 */
export function directoryOverrides(dir: Directory = loadDirectory()): Overrides {
  const courts = dir.courts;
  const pick = <T>(f: (c: (typeof courts)[number]) => T) => fc.nat({ max: courts.length - 1 }).map((i) => f(courts[i]!));
  const courtId = fc.oneof({ weight: 9, arbitrary: pick((c) => c.id) }, { weight: 1, arbitrary: fc.constantFrom("c-000000", "nope", "c-spc") });
  const province = fc.oneof({ weight: 9, arbitrary: pick((c) => c.province) }, { weight: 1, arbitrary: fc.constantFrom("00", "4", "") });
  const division = pick((c) => c.division);
  return {
    court_id: courtId,
    court_ids: courtId,
    collaborating_court_id: courtId,
    jurisdiction_court_id: courtId,
    province,
    code: pick((c) => c.code),
    plaintiff_domicile: division,
    defendant_domiciles: division,
    contract_performance_place: division,
    tort_place: division,
    port_division: division,
    administrative_organ: division,
    property_place: division,
    liable_organ_division: division,
    original_court_id: courtId,
  };
}

/** One line per method: runs, time and the answers by status, for the test log. */
export const formatReports = (reports: FuzzReport[], seed: number): string =>
  [
    `fuzz (seed ${seed}; replay with FUZZ_SEED=${seed}):`,
    ...reports.map(
      (r) =>
        `  ${r.method}: ${r.runs} runs in ${r.ms} ms; ${Object.entries(r.codes)
          .map(([c, n]) => `${c} ${n}`)
          .join(", ")}`,
    ),
  ].join("\n");
