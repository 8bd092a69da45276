// `kuayu filing …`: the collaborating court's window (kuayu.intake.v1.FilingIntakeService) over gRPC.
// The pure parts (option → request mapping, names, masking, tables, error text) are exported for tests.
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import { clone, create, fromJson, toJson, type DescService, type JsonValue, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { createClient, fieldViolations, status, tlsFromSettings, type Client, type FieldViolation } from "@kuayu/grpc";
import type { ChannelCredentials } from "@grpc/grpc-js";
import { CASE_TYPES, caseTypeInfo, isCaseType, maskIdentityNumber, type CaseType } from "@kuayu/domain";
import { loadDirectory } from "@kuayu/directory";
import { commonV1, enumFromId, idFromEnum, intakeV1 } from "@kuayu/proto";
import { print, usageError } from "./output.js";

type IntakeClient = Client<typeof intakeV1.FilingIntakeService>;
type Filing = intakeV1.Filing;

export const DEFAULT_ADDRESS = "127.0.0.1:50051";
/** Deadline of a single call unless --timeout says otherwise; streams have none by default. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;
/** Bytes per upload message (the service takes at most 1 MiB). */
export const UPLOAD_CHUNK_BYTES = 256 * 1024;
/** Uploads larger than this show their progress on stderr (not with --json). */
export const PROGRESS_THRESHOLD_BYTES = 8 * 1024 * 1024;

const CHINA_UTC_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 24 * 3600_000;

/** A problem with the command line itself: reported without a stack, exit code 2. */
export class CliUsageError extends Error {
  override name = "CliUsageError";
}

/** The downloaded bytes are not what the service described: exit code 1, nothing is kept. */
export class IntegrityError extends Error {
  override name = "IntegrityError";
}

// ---------------------------------------------------------------------------------------------
// Names: statuses and case types in kebab form, as everywhere else in the CLI.

/** Kebab names of the filing statuses, in enum order: draft, submitted, … */
export const FILING_STATUSES: readonly string[] = Object.values(intakeV1.FilingStatus)
  .filter((v): v is number => typeof v === "number" && v !== 0)
  .sort((a, b) => a - b)
  .map((v) => idFromEnum<string>(intakeV1.FilingStatus, v)!);

export function statusFromName(name: string): intakeV1.FilingStatus {
  const id = name.trim().toLowerCase().replace(/_/g, "-");
  if (!FILING_STATUSES.includes(id)) throw new CliUsageError(`unknown status "${name}"; one of ${FILING_STATUSES.join(", ")}`);
  return enumFromId(intakeV1.FilingStatus, id);
}

export const statusName = (s: intakeV1.FilingStatus): string => idFromEnum<string>(intakeV1.FilingStatus, s) ?? "unspecified";

/** "draft,submitted" → the enum values, without duplicates. */
export function parseStatuses(list: string): intakeV1.FilingStatus[] {
  const names = list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new CliUsageError(`--status needs at least one of ${FILING_STATUSES.join(", ")}`);
  return [...new Set(names.map(statusFromName))];
}

export function caseTypeFromId(id: string): commonV1.CaseType {
  if (!isCaseType(id)) throw new CliUsageError(`unknown case type "${id}"; one of ${CASE_TYPES.join(", ")}`);
  return enumFromId(commonV1.CaseType, id);
}

export const caseTypeId = (t: commonV1.CaseType): CaseType | undefined => idFromEnum<CaseType>(commonV1.CaseType, t);

const enumName = (e: Record<string, string | number>, v: number): string => idFromEnum<string>(e, v) ?? "-";

// ---------------------------------------------------------------------------------------------
// Dates and times: the courts' calendar is China time (UTC+8).

/** Start of a calendar day (YYYY-MM-DD) in China time. */
export function chinaDayStart(text: string, option: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!m) throw new CliUsageError(`${option} must be a date YYYY-MM-DD, got "${text}"`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const utc = new Date(Date.UTC(y, mo - 1, d));
  if (utc.getUTCFullYear() !== y || utc.getUTCMonth() !== mo - 1 || utc.getUTCDate() !== d) {
    throw new CliUsageError(`${option} is not a calendar date: "${text}"`);
  }
  return new Date(utc.getTime() - CHINA_UTC_OFFSET_MS);
}

/**
 * --from / --to as the service's half-open range: created at or after the start of `from` and
 * before the end of `to` (both days included, China time).
 */
export function parseDateRange(from?: string, to?: string): { createdFrom?: Timestamp; createdBefore?: Timestamp } {
  const start = from ? chinaDayStart(from, "--from") : undefined;
  const end = to ? new Date(chinaDayStart(to, "--to").getTime() + DAY_MS) : undefined;
  if (start && end && start.getTime() >= end.getTime()) throw new CliUsageError(`--from ${from} is after --to ${to}`);
  return { ...(start ? { createdFrom: timestampFromDate(start) } : {}), ...(end ? { createdBefore: timestampFromDate(end) } : {}) };
}

/** "2026-11-28 10:00:05" in China time; "-" when unset. */
export function chinaTime(ts: Timestamp | undefined): string {
  if (!ts) return "-";
  return new Date(timestampDate(ts).getTime() + CHINA_UTC_OFFSET_MS).toISOString().slice(0, 19).replace("T", " ");
}

// ---------------------------------------------------------------------------------------------
// Option → request mapping.

export interface ListOptions {
  status?: string;
  caseType?: string;
  from?: string;
  to?: string;
  pageSize?: string;
  pageToken?: string;
}

export function parsePageSize(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > 200) throw new CliUsageError(`--page-size must be a whole number from 1 to 200, got "${text}"`);
  return n;
}

export function listRequest(o: ListOptions): intakeV1.ListFilingsRequest {
  return create(intakeV1.ListFilingsRequestSchema, {
    statuses: o.status !== undefined ? parseStatuses(o.status) : [],
    caseType: o.caseType !== undefined ? caseTypeFromId(o.caseType) : commonV1.CaseType.UNSPECIFIED,
    ...parseDateRange(o.from, o.to),
    pageSize: o.pageSize !== undefined ? parsePageSize(o.pageSize) : 0,
    pageToken: o.pageToken ?? "",
  });
}

/** FilingDetails from protobuf JSON (enum names such as "CASE_TYPE_CIVIL_FIRST_INSTANCE" work). */
export function parseDetailsJson(text: string, source: string): intakeV1.FilingDetails {
  let json: JsonValue;
  try {
    json = JSON.parse(text) as JsonValue;
  } catch (err) {
    throw new CliUsageError(`${source} is not JSON: ${(err as Error).message}`);
  }
  try {
    return fromJson(intakeV1.FilingDetailsSchema, json);
  } catch (err) {
    throw new CliUsageError(`${source} is not a FilingDetails in protobuf JSON: ${(err as Error).message}`);
  }
}

export interface DetailsOptions {
  caseType?: string;
  court?: string;
  drill?: boolean;
}

/**
 * The details to send: those of the file (or empty ones) with the options on top. A court given
 * on the command line is the clerk's choice, so any finder basis of the file no longer applies.
 */
export function detailsFrom(base: intakeV1.FilingDetails | undefined, o: DetailsOptions): intakeV1.FilingDetails {
  const d = base ? clone(intakeV1.FilingDetailsSchema, base) : create(intakeV1.FilingDetailsSchema);
  if (o.caseType !== undefined) d.caseType = caseTypeFromId(o.caseType);
  if (o.court !== undefined) {
    const court = o.court.trim();
    if (!court) throw new CliUsageError("--court must not be empty");
    d.jurisdictionCourtId = court;
    d.jurisdictionSource = intakeV1.JurisdictionSource.CLERK;
    d.jurisdictionBasis = "";
  }
  if (o.drill) d.drill = true;
  return d;
}

/** An idempotency key: the one given (8–128 printable ASCII characters) or a new random UUID. */
export function idempotencyKey(given: string | undefined, newKey: () => string = randomUUID): { key: string; generated: boolean } {
  if (given === undefined) return { key: newKey(), generated: true };
  if (!/^[\x20-\x7e]{8,128}$/.test(given)) throw new CliUsageError("--key must be 8–128 printable ASCII characters");
  return { key: given, generated: false };
}

/** What a material downloads to: --out (a file, or a directory to put it in), else its name in the cwd. */
export function downloadTarget(out: string | undefined, fileName: string, materialId: string, cwd = process.cwd()): string {
  // Only the last path segment of what the service says, so a name cannot point elsewhere.
  const base = path.basename(fileName.replace(/\\/g, "/"));
  const safe = base && base !== "." && base !== ".." ? base : `material-${materialId}`;
  if (out === undefined) return path.resolve(cwd, safe);
  const resolved = path.resolve(cwd, out);
  return isDirectory(resolved) || /[/\\]$/.test(out) ? path.join(resolved, safe) : resolved;
}

export const isDirectory = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

// ---------------------------------------------------------------------------------------------
// Connection options shared by every filing command.

export interface CommonOptions {
  addr: string;
  token?: string;
  /** Mutual TLS files (default: env TLS_CA_FILE, TLS_CERT_FILE, TLS_KEY_FILE). */
  ca?: string;
  cert?: string;
  certKey?: string;
  timeout?: string;
  json?: boolean;
}

export const TOKEN_HINT =
  "no bearer token: pass --token <jwt> or set KUAYU_TOKEN, e.g.\n" +
  "  export KUAYU_TOKEN=$(kuayu token mint --court <your court id> --role window-clerk)\n" +
  "(--role filing-specialist to download materials sent to your court; add --province <code> when the court id has no 6-digit division code)";

export interface Connection {
  address: string;
  token: string;
  /** Deadline of single calls. */
  timeoutMs: number;
  /** Deadline of streams: Infinity unless --timeout was given. */
  streamTimeoutMs: number;
  /** Mutual TLS with --ca/--cert/--cert-key, or plaintext when none is given. */
  credentials: ChannelCredentials;
}

/**
 * --ca, --cert and --cert-key (each defaulting to its TLS_* variable), all three or none. (--key
 * already names the idempotency key of filing commands and the token signing key.)
 */
export function tlsOptions(cmd: Command): Command {
  return cmd
    .option("--ca <file>", "CA certificate (PEM) the service's certificate must be issued by (default: env TLS_CA_FILE)")
    .option("--cert <file>", "client certificate (PEM) for mutual TLS (default: env TLS_CERT_FILE)")
    .option("--cert-key <file>", "the client certificate's private key (PEM) (default: env TLS_KEY_FILE)");
}

/** The channel credentials of --ca/--cert/--cert-key or TLS_*: mutual TLS, or plaintext when none is set. */
export function channelCredentials(o: { ca?: string; cert?: string; certKey?: string }, env: NodeJS.ProcessEnv = process.env): ChannelCredentials {
  try {
    return tlsFromSettings({ TLS_CA_FILE: o.ca ?? env.TLS_CA_FILE, TLS_CERT_FILE: o.cert ?? env.TLS_CERT_FILE, TLS_KEY_FILE: o.certKey ?? env.TLS_KEY_FILE }).channel;
  } catch (err) {
    const problems = (err as { problems?: string[] }).problems;
    if (!problems) throw err;
    const flag = (p: string) => p.replace("TLS_CA_FILE", "--ca (TLS_CA_FILE)").replace("TLS_CERT_FILE", "--cert (TLS_CERT_FILE)").replace("TLS_KEY_FILE", "--cert-key (TLS_KEY_FILE)");
    throw new CliUsageError(`mutual TLS needs --ca, --cert and --cert-key together: ${problems.map(flag).join("; ")}`);
  }
}

export function connection(o: CommonOptions, env: NodeJS.ProcessEnv = process.env): Connection {
  const token = (o.token ?? env.KUAYU_TOKEN ?? "").trim();
  if (!token) throw new CliUsageError(TOKEN_HINT);
  const address = o.addr.trim();
  if (!/^[^\s:]+:\d{1,5}$/.test(address) && !/^\[[0-9a-fA-F:.]+\]:\d{1,5}$/.test(address)) {
    throw new CliUsageError(`--addr must be host:port, got "${o.addr}"`);
  }
  let timeoutMs: number | undefined;
  if (o.timeout !== undefined) {
    const s = Number(o.timeout);
    if (!Number.isFinite(s) || s <= 0) throw new CliUsageError(`--timeout must be a positive number of seconds, got "${o.timeout}"`);
    timeoutMs = s * 1000;
  }
  return { address, token, timeoutMs: timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS, streamTimeoutMs: timeoutMs ?? Infinity, credentials: channelCredentials(o, env) };
}

// ---------------------------------------------------------------------------------------------
// Failures.

export interface Failure {
  /** gRPC status name, e.g. INVALID_ARGUMENT; absent for local failures. */
  code?: string;
  message: string;
  fieldViolations: FieldViolation[];
  hint?: string;
}

const isServiceError = (err: unknown): err is { code: number; details: string; message: string } =>
  typeof err === "object" && err !== null && typeof (err as { code?: unknown }).code === "number" && typeof (err as { details?: unknown }).details === "string";

export function describeFailure(err: unknown, address: string): Failure {
  if (!isServiceError(err)) return { message: err instanceof Error ? err.message : String(err), fieldViolations: [] };
  const code = status[err.code] ?? String(err.code);
  const violations = fieldViolations(err);
  // The service's message repeats the violations after a colon; they get a line each instead.
  let message = err.details || err.message;
  const joined = violations.map((v) => `${v.field}: ${v.description}`).join("; ");
  if (joined && message.endsWith(`: ${joined}`)) message = message.slice(0, -joined.length - 2);
  const hints: Record<string, string> = {
    UNAVAILABLE: `is the intake service running at ${address}? (--addr or KUAYU_INTAKE_ADDR)`,
    UNAUTHENTICATED: "the token was refused (expired, or signed with another key?); mint a new one with `kuayu token mint --court <your court id> --role window-clerk`",
    DEADLINE_EXCEEDED: "no answer within the deadline; try again, or raise --timeout <seconds>",
  };
  return { code, message, fieldViolations: violations, ...(hints[code] ? { hint: hints[code] } : {}) };
}

/** Human text of a failure: the message, then one line per field violation (field: description). */
export function formatFailure(f: Failure): string {
  return [`kuayu: ${f.message}${f.code ? ` (${f.code})` : ""}`, ...f.fieldViolations.map((v) => `  ${v.field}: ${v.description}`), ...(f.hint ? [`  hint: ${f.hint}`] : [])].join("\n");
}

/**
 * Runs a command's body with a typed client of `service`; every failure goes to stderr — described
 * by the command group's `describe` (its own hints), as JSON with --json — with exit code 1.
 * Shared by every command group (filing, inbox, notify, supervise).
 */
export async function runWithClient<S extends DescService>(
  service: S,
  o: { json?: boolean; addr: string },
  connect: () => Connection,
  describe: (err: unknown, address: string) => Failure,
  body: (client: Client<S>, conn: Connection) => Promise<void>,
): Promise<void> {
  const report = (err: unknown, address: string) => {
    if (err instanceof CliUsageError) usageError(err.message);
    const f = describe(err, address);
    process.stderr.write(o.json ? `${JSON.stringify({ error: f })}\n` : `${formatFailure(f)}\n`);
    process.exitCode = 1;
  };
  let conn: Connection;
  try {
    conn = connect();
  } catch (err) {
    return report(err, o.addr);
  }
  const client = createClient(service, conn.address, { token: conn.token, timeoutMs: conn.timeoutMs, credentials: conn.credentials });
  try {
    await body(client, conn);
  } catch (err) {
    report(err, conn.address);
  } finally {
    client.close();
  }
}

const withClient = (o: CommonOptions, body: (client: IntakeClient, conn: Connection) => Promise<void>) => runWithClient(intakeV1.FilingIntakeService, o, () => connection(o), describeFailure, body);

/** Checks the options before connecting, so a usage error never waits on the network. */
export function validated<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof CliUsageError) usageError(err.message);
    throw err;
  }
}

const filingOf = (res: { filing?: Filing }): Filing => {
  if (!res.filing) throw new Error("the service answered without a filing");
  return res.filing;
};

// ---------------------------------------------------------------------------------------------
// Human output. Identity numbers and phone numbers are personal data: never shown in full.

/** Shows only the last 4 digits of a phone number (`13800138000` → `*******8000`). */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, "");
  if (!digits) return phone.trim() ? "****" : "";
  if (digits.length <= 4) return "*".repeat(digits.length);
  return "*".repeat(digits.length - 4) + digits.slice(-4);
}

/** Resident id or credit code with only the first 3 and last 2 characters visible. */
export const maskId = (id: string): string => (id.trim() ? maskIdentityNumber(id.trim()) : "");

/** Columns a terminal uses for the text: CJK and full-width characters take two. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const wide =
      (c >= 0x1100 && c <= 0x115f) ||
      (c >= 0x2e80 && c <= 0xa4cf) ||
      (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) ||
      (c >= 0xff00 && c <= 0xff60) ||
      (c >= 0xffe0 && c <= 0xffe6) ||
      (c >= 0x20000 && c <= 0x3fffd);
    w += wide ? 2 : 1;
  }
  return w;
}

export const pad = (s: string, width: number) => s + " ".repeat(Math.max(0, width - displayWidth(s)));

/** Aligned columns, two spaces apart; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ""))));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

export const oneLine = (s: string, max: number) => {
  const flat = s.replace(/\s+/g, " ").trim();
  return [...flat].length > max ? `${[...flat].slice(0, max).join("")}…` : flat;
};

export const caseTypeLabel = (t: commonV1.CaseType): string => {
  const id = caseTypeId(t);
  return id ? `${id} (${caseTypeInfo(id).name})` : "-";
};

export function formatSize(bytes: bigint | number): string {
  const n = Number(bytes);
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function partyLines(p: intakeV1.Party): string[] {
  const role = enumName(intakeV1.PartyRole, p.role);
  const who =
    p.identity.case === "person"
      ? `${p.identity.value.name}${p.identity.value.residentId ? `  id ${maskId(p.identity.value.residentId)}` : ""}`
      : p.identity.case === "organization"
        ? `${p.identity.value.name}${p.identity.value.creditCode ? `  credit code ${maskId(p.identity.value.creditCode)}` : ""}${p.identity.value.legalRepresentative ? `  represented by ${p.identity.value.legalRepresentative}` : ""}`
        : "(no identity)";
  const lines = [`  ${role}: ${who}${p.phone ? `  phone ${maskPhone(p.phone)}` : ""}`];
  if (p.address) lines.push(`    address ${p.address}`);
  for (const a of p.agents) {
    const bits = [
      enumName(intakeV1.AgentKind, a.kind),
      a.authorization ? `${enumName(intakeV1.AuthorizationScope, a.authorization)} authorisation` : "",
      a.residentId ? `id ${maskId(a.residentId)}` : "",
      a.licenseNumber ? `license ${a.licenseNumber}` : "",
      a.phone ? `phone ${maskPhone(a.phone)}` : "",
    ].filter(Boolean);
    lines.push(`    agent ${a.name} (${bits.join(", ")})`);
  }
  return lines;
}

/** Who caused a timeline event: "<name>, <court name>" (the user id without a display name; "-" for a service's own events). */
export function timelineActor(a: { user: string; name: string; courtId: string } | undefined, courtName: (id: string) => string | undefined = courtNameOf): string {
  if (!a?.user) return "-";
  return `${a.name || a.user}, ${courtName(a.courtId) ?? a.courtId}`;
}
let shipped: ReturnType<typeof loadDirectory> | undefined;
const courtNameOf = (id: string): string | undefined => {
  try {
    shipped ??= loadDirectory();
    return shipped.byId(id)?.name;
  } catch {
    return undefined;
  }
};

/** `filing show` without --json: summary, materials, timeline; no identity or phone number in full. */
export function formatFiling(f: Filing): string {
  const d = f.details;
  const field = (k: string, v: string) => `${pad(k, 21)}${v}`;
  const court = d?.jurisdictionCourtId ? `${d.jurisdictionCourtId}${d.jurisdictionSource ? ` (${enumName(intakeV1.JurisdictionSource, d.jurisdictionSource)})` : ""}` : "-";
  const out = [
    field("filing", f.filingId),
    field("status", statusName(f.status)),
    field("case type", caseTypeLabel(d?.caseType ?? commonV1.CaseType.UNSPECIFIED)),
    field("receipt", f.receiptNumber || "-"),
    field("round", String(f.round)),
    field("collaborating court", f.collaboratingCourtId || "-"),
    field("jurisdiction court", court),
  ];
  if (d?.jurisdictionBasis) out.push(field("basis", oneLine(d.jurisdictionBasis, 100)));
  if (d?.drill) out.push(field("drill", "yes (演练)"));
  out.push(field("created", chinaTime(f.createdAt)), field("submitted", chinaTime(f.submittedAt)), field("updated", chinaTime(f.updatedAt)));
  if (d?.claims) out.push(field("claims", oneLine(d.claims, 100)));
  if (d?.facts) out.push(field("facts", `${[...d.facts].length} characters`));
  if (f.decision) {
    const dec = f.decision;
    if (dec.caseNumber) out.push(field("case number", dec.caseNumber));
    if (dec.reason || dec.reasonCategory) out.push(field("not accepted", [dec.reasonCategory, dec.reason].filter(Boolean).join(": ")));
    if (dec.legalBasis) out.push(field("legal basis", dec.legalBasis));
    if (dec.decidedAt) out.push(field("decided", chinaTime(dec.decidedAt)));
  }
  if (f.correctionRequest) {
    const cr = f.correctionRequest;
    out.push("", `corrections requested ${chinaTime(cr.requestedAt)}, due ${chinaTime(cr.deadline)}${cr.note ? `: ${oneLine(cr.note, 200)}` : ""}`);
    for (const item of cr.items) out.push(`  ${item.materialKind}: ${item.description}`);
  }
  out.push("", `parties (${d?.parties.length ?? 0})`);
  for (const p of d?.parties ?? []) out.push(...partyLines(p));
  out.push("", `materials (${f.materials.length})`);
  if (f.materials.length > 0) {
    out.push(
      table(
        ["MATERIAL", "KIND", "ROUND", "SIZE", "TYPE", "SHA-256", "UPLOADED", "FILE"],
        f.materials.map((m) => [m.materialId, m.kind, String(m.round), formatSize(m.sizeBytes), m.mediaType, m.sha256.slice(0, 12), chinaTime(m.uploadedAt), m.fileName]),
      ),
    );
  }
  out.push("", `timeline (${f.timeline.length})`);
  if (f.timeline.length > 0) {
    out.push(
      table(
        ["TIME (UTC+8)", "EVENT", "BY", "DETAIL"],
        f.timeline.map((t) => [chinaTime(t.at), t.eventType, timelineActor(t.actor), t.detail]),
      ),
    );
  }
  return out.join("\n");
}

export function formatList(filings: Filing[]): string {
  if (filings.length === 0) return "no filings";
  return table(
    ["CREATED (UTC+8)", "FILING", "STATUS", "CASE TYPE", "JURISDICTION COURT", "RECEIPT"],
    filings.map((f) => [chinaTime(f.createdAt), f.filingId, statusName(f.status), caseTypeId(f.details?.caseType ?? 0) ?? "-", f.details?.jurisdictionCourtId || "-", f.receiptNumber || "-"]),
  );
}

/** One line of `filing watch`: time of the change, filing, status, event type. */
export function formatWatchLine(ev: intakeV1.WatchFilingsResponse): string {
  const f = ev.filing;
  return [chinaTime(f?.updatedAt), f?.filingId ?? "-", pad(statusName(f?.status ?? 0), 20), ev.eventType || "(draft edited)"].join("  ");
}

const brief = (f: Filing): string => [`filing   ${f.filingId}`, `status   ${statusName(f.status)}`, ...(f.receiptNumber ? [`receipt  ${f.receiptNumber}`] : [])].join("\n");

const filingJson = (f: Filing) => toJson(intakeV1.FilingSchema, f);

// ---------------------------------------------------------------------------------------------
// Uploads and downloads.

/** SHA-256 (lower-case hex) and size of a file, read once through a hash stream. */
export async function hashFile(file: string): Promise<{ sha256: string; sizeBytes: number }> {
  let sizeBytes = 0;
  const hash = createHash("sha256");
  await pipeline(
    createReadStream(file),
    async function* (chunks: AsyncIterable<Buffer>) {
      for await (const c of chunks) {
        sizeBytes += c.length;
        yield c;
      }
    },
    hash,
  );
  return { sha256: (hash.read() as Buffer).toString("hex"), sizeBytes };
}

export interface UploadSpec {
  filingId: string;
  file: string;
  kind: string;
  sha256: string;
  sizeBytes: number;
}

/** The upload stream: the header (name, size, hash), then the file in 256 KiB chunks. */
export async function* uploadRequests(spec: UploadSpec, onProgress?: (sentBytes: number) => void): AsyncGenerator<MessageInitShape<typeof intakeV1.UploadMaterialRequestSchema>> {
  yield {
    part: {
      case: "header",
      value: { filingId: spec.filingId, kind: spec.kind, fileName: path.basename(spec.file), sizeBytes: BigInt(spec.sizeBytes), sha256: spec.sha256 },
    },
  };
  let sent = 0;
  for await (const chunk of createReadStream(spec.file, { highWaterMark: UPLOAD_CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    sent += chunk.length;
    if (sent > spec.sizeBytes) throw new Error(`${spec.file} grew while it was being uploaded; nothing was kept`);
    yield { part: { case: "chunk", value: chunk } };
    onProgress?.(sent);
  }
  if (sent !== spec.sizeBytes) throw new Error(`${spec.file} shrank while it was being uploaded; nothing was kept`);
}

/** Percent on stderr: rewritten in place on a terminal, a line per 10% otherwise. */
function progressReporter(label: string, total: number): (sent: number) => void {
  const tty = process.stderr.isTTY === true;
  let last = -1;
  return (sent) => {
    const pct = Math.floor((sent * 100) / total);
    const step = tty ? pct : pct - (pct % 10);
    if (step === last) return;
    last = step;
    process.stderr.write(tty ? `\r${label} ${pct}%${sent >= total ? "\n" : ""}` : `${label} ${step}%\n`);
  };
}

interface DownloadResult {
  material: intakeV1.Material;
  out: string;
}

/**
 * Downloads into a hidden temporary file next to the target, checks size and SHA-256 against the
 * material's description, and only then puts the file in place (never over an existing one
 * without --force). On any failure nothing is left behind.
 */
export async function download(
  client: { downloadMaterial(req: { filingId: string; materialId: string }, opts: { timeoutMs: number }): AsyncIterable<Pick<intakeV1.DownloadMaterialResponse, "part">> },
  conn: Connection,
  req: { filingId: string; materialId: string },
  o: { out?: string; force?: boolean },
): Promise<DownloadResult> {
  const stream = client.downloadMaterial(req, { timeoutMs: conn.streamTimeoutMs })[Symbol.asyncIterator]();
  let tmp = "";
  try {
    const first = await stream.next();
    if (first.done || first.value.part.case !== "material") throw new Error("the service did not describe the material first");
    const material = first.value.part.value;
    const target = downloadTarget(o.out, material.fileName, material.materialId || req.materialId);
    if (!o.force && existsSync(target)) throw new CliUsageError(`${target} exists; pass --force to overwrite it`);
    if (!isDirectory(path.dirname(target))) throw new CliUsageError(`cannot write ${target}: no directory ${path.dirname(target)}`);

    const hash = createHash("sha256");
    let received = 0;
    tmp = path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID().slice(0, 8)}.part`);
    await pipeline(
      async function* () {
        for (;;) {
          const next = await stream.next();
          if (next.done) return;
          if (next.value.part.case !== "chunk") throw new Error("the service described the material twice");
          hash.update(next.value.part.value);
          received += next.value.part.value.length;
          yield next.value.part.value;
        }
      },
      createWriteStream("", { fd: openSync(tmp, "wx") }),
    ); // opened first: a failure part-way always finds it to remove

    const actual = hash.digest("hex");
    const expected = material.sha256.trim().toLowerCase();
    if (BigInt(received) !== material.sizeBytes) {
      throw new IntegrityError(`SIZE MISMATCH for material ${material.materialId}: expected ${material.sizeBytes} bytes, received ${received}; nothing was written`);
    }
    if (actual !== expected) {
      throw new IntegrityError(`SHA-256 MISMATCH for material ${material.materialId}: expected ${expected || "(none)"}, received ${actual}; nothing was written`);
    }
    if (o.force) {
      renameSync(tmp, target);
    } else {
      // A hard link fails if the target appeared meanwhile, so nothing is ever overwritten.
      try {
        linkSync(tmp, target);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new CliUsageError(`${target} exists; pass --force to overwrite it`);
        if (existsSync(target)) throw err;
        renameSync(tmp, target); // a file system without hard links
      }
    }
    return { material, out: target };
  } finally {
    // Ends the call if it is still running (a failure part-way); not awaited, as a pending read may hold it.
    stream.return?.().catch(() => undefined);
    // After a successful link or rename this removes nothing the user sees.
    if (tmp) rmSync(tmp, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Commands.

function common(cmd: Command): Command {
  return tlsOptions(cmd)
    .option("--addr <host:port>", "intake service address (env KUAYU_INTAKE_ADDR)", process.env.KUAYU_INTAKE_ADDR ?? DEFAULT_ADDRESS)
    .option("--token <jwt>", "bearer token (default: env KUAYU_TOKEN; see `kuayu token mint`)")
    .option("--timeout <seconds>", `deadline of the call (default: ${DEFAULT_CALL_TIMEOUT_MS / 1000}; none for upload, download and watch)`)
    .option("--json", "machine-readable output");
}

function checklistHint(filingId: string, t: commonV1.CaseType): string {
  const id = caseTypeId(t);
  if (!id) return `next: set the case type with \`kuayu filing update ${filingId} --file <details.json>\``;
  const items = caseTypeInfo(id).materials.map((m) => `  ${pad(m.id, 34)}${m.name}${m.requirement === "conditional" ? ` (if ${m.condition})` : ""}`);
  return [`next: kuayu filing upload ${filingId} <path> --kind <item>, for each item of the ${id} checklist:`, ...items].join("\n");
}

export function filingCommands(cmd: Command): void {
  const readDetails = (file: string | undefined) => {
    if (file === undefined) return undefined;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new CliUsageError(`cannot read ${file}: ${(err as Error).message}`);
    }
    return parseDetailsJson(text, file);
  };
  const detailsOptions = (c: Command) =>
    c
      .option("--case-type <type>", CASE_TYPES.join(" | "))
      .option("--court <id>", "directory id of the jurisdiction court (管辖法院), chosen by the clerk")
      .option("--drill", "drill traffic (演练), kept out of real statistics");

  type DetailsCli = DetailsOptions & CommonOptions & { file?: string };

  detailsOptions(
    common(
      cmd
        .command("create")
        .description("start a draft filing of your court")
        .option("--file <details.json>", "FilingDetails in protobuf JSON (enum names like CASE_TYPE_CIVIL_FIRST_INSTANCE, PARTY_ROLE_PLAINTIFF)"),
    ),
  ).action(async (o: DetailsCli) => {
    const details = validated(() => detailsFrom(readDetails(o.file), o));
    await withClient(o, async (client) => {
      const f = filingOf(await client.createDraft({ details }));
      print(o.json, filingJson(f), () => `${brief(f)}\n${checklistHint(f.filingId, f.details?.caseType ?? 0)}`);
    });
  });

  detailsOptions(
    common(
      cmd
        .command("update <filing-id>")
        .description("replace the details of a draft (or of a filing whose corrections were requested)")
        .requiredOption("--file <details.json>", "FilingDetails in protobuf JSON; replaces the details as a whole"),
    ),
  ).action(async (filingId: string, o: DetailsCli) => {
    const details = validated(() => detailsFrom(readDetails(o.file), o));
    await withClient(o, async (client) => {
      const f = filingOf(await client.updateDraft({ filingId, details }));
      print(o.json, filingJson(f), () => brief(f));
    });
  });

  common(
    cmd
      .command("upload <filing-id> <path>")
      .description("upload one material (PDF, JPEG, PNG or OFD); the service checks its SHA-256 and size")
      .requiredOption("--kind <item>", "checklist item id of the case type, e.g. complaint, evidence"),
  ).action(async (filingId: string, file: string, o: CommonOptions & { kind: string }) => {
    const kind = validated(() => {
      if (!o.kind.trim()) throw new CliUsageError("--kind must not be empty");
      let st: ReturnType<typeof statSync>;
      try {
        st = statSync(file);
      } catch (err) {
        throw new CliUsageError(`cannot read ${file}: ${(err as Error).message}`);
      }
      if (!st.isFile()) throw new CliUsageError(`${file} is not a regular file`);
      return o.kind.trim();
    });
    await withClient(o, async (client, conn) => {
      const { sha256, sizeBytes } = await hashFile(file);
      const progress = !o.json && sizeBytes > PROGRESS_THRESHOLD_BYTES ? progressReporter(`uploading ${path.basename(file)}`, sizeBytes) : undefined;
      const res = await client.uploadMaterial(uploadRequests({ filingId, file, kind, sha256, sizeBytes }, progress), { timeoutMs: conn.streamTimeoutMs });
      const m = res.material;
      if (!m) throw new Error("the service answered without a material");
      print(o.json, toJson(intakeV1.MaterialSchema, m), () =>
        [`material    ${m.materialId}`, `kind        ${m.kind}`, `media type  ${m.mediaType}`, `size        ${m.sizeBytes} bytes (${formatSize(m.sizeBytes)})`, `sha256      ${m.sha256}`].join("\n"),
      );
    });
  });

  common(
    cmd
      .command("download <filing-id> <material-id>")
      .description("download a material and verify its SHA-256")
      .option("--out <path>", "file (or directory) to write (default: the material's file name in the current directory)")
      .option("--force", "overwrite an existing file"),
  ).action(async (filingId: string, materialId: string, o: CommonOptions & { out?: string; force?: boolean }) => {
    await withClient(o, async (client, conn) => {
      const { material: m, out } = await download(client, conn, { filingId, materialId }, o);
      print(o.json, { out, material: toJson(intakeV1.MaterialSchema, m) }, () => `wrote ${out} (${m.sizeBytes} bytes, ${m.mediaType}, SHA-256 verified)`);
    });
  });

  const keyed = (name: string, what: string, rpc: (c: IntakeClient, filingId: string, key: string, note?: string) => Promise<{ filing?: Filing }>, note: boolean) => {
    const c = common(
      cmd
        .command(`${name} <filing-id>`)
        .description(what)
        .option("--key <idempotency-key>", "8–128 printable ASCII characters; a retry with the same key is safe (default: a new random UUID, printed on stderr)"),
    );
    if (note) c.option("--note <text>", "what was corrected, for the jurisdiction court (at most 2000 characters)");
    c.action(async (filingId: string, o: CommonOptions & { key?: string; note?: string }) => {
      const { key, generated } = validated(() => idempotencyKey(o.key));
      await withClient(o, async (client) => {
        // Before the call, so a timed-out or failed call can be retried with the same key.
        if (generated) process.stderr.write(`idempotency key ${key} (to retry safely: kuayu filing ${name} ${filingId} --key ${key})\n`);
        const f = filingOf(await rpc(client, filingId, key, o.note));
        print(o.json, filingJson(f), () => brief(f));
      });
    });
  };
  keyed(
    "submit",
    "check the filing against its checklist and route, and submit it (every problem is reported at once)",
    (c, filingId, idempotencyKey) => c.submitFiling({ filingId, idempotencyKey }),
    false,
  );
  keyed("correct", "submit the corrections the jurisdiction court asked for (补正)", (c, filingId, idempotencyKey, note) => c.submitCorrection({ filingId, idempotencyKey, note: note ?? "" }), true);

  common(cmd.command("show <filing-id>").description("a filing: summary, materials and timeline (identity and phone numbers masked; --json shows everything)")).action(
    async (filingId: string, o: CommonOptions) => {
      await withClient(o, async (client) => {
        const f = filingOf(await client.getFiling({ filingId }));
        print(o.json, filingJson(f), () => formatFiling(f));
      });
    },
  );

  common(
    cmd
      .command("list")
      .description("your court's filings, newest first")
      .option("--status <names>", `comma-separated: ${FILING_STATUSES.join(", ")}`)
      .option("--case-type <type>", CASE_TYPES.join(" | "))
      .option("--from <YYYY-MM-DD>", "created on or after this day (China time)")
      .option("--to <YYYY-MM-DD>", "created on or before this day (China time)")
      .option("--page-size <n>", "1–200 (default: the service's, 50)")
      .option("--page-token <token>", "continue from a previous page")
      .option("--all", "follow the pages to the end"),
  ).action(async (o: CommonOptions & ListOptions & { all?: boolean }) => {
    const req = validated(() => listRequest(o));
    await withClient(o, async (client) => {
      const filings: Filing[] = [];
      let next = "";
      for (;;) {
        const res = await client.listFilings(req);
        filings.push(...res.filings);
        next = res.nextPageToken;
        if (!o.all || !next) break;
        req.pageToken = next;
      }
      print(o.json, { filings: filings.map(filingJson), nextPageToken: next }, () => (next ? `${formatList(filings)}\nmore: add --all, or --page-token ${next}` : formatList(filings)));
    });
  });

  common(
    cmd
      .command("withdraw <filing-id>")
      .description("withdraw a filing before the jurisdiction court has decided (撤回)")
      .option("--reason <text>", "why the party withdraws (at most 2000 characters)"),
  ).action(async (filingId: string, o: CommonOptions & { reason?: string }) => {
    await withClient(o, async (client) => {
      const f = filingOf(await client.withdrawFiling({ filingId, reason: o.reason ?? "" }));
      print(o.json, filingJson(f), () => brief(f));
    });
  });

  common(cmd.command("watch [filing-id]").description("one line per status change of a filing — first as it is now — (default: of every filing of your court) until Ctrl-C")).action(
    async (filingId: string | undefined, o: CommonOptions) => {
      await withClient(o, async (client, conn) => {
        if (!o.json) process.stderr.write(`watching ${filingId ? `filing ${filingId}` : "your court's filings"} at ${conn.address} (Ctrl-C to stop); times are China time\n`);
        for await (const ev of client.watchFilings({ filingId: filingId ?? "" }, { timeoutMs: conn.streamTimeoutMs })) {
          process.stdout.write(o.json ? `${JSON.stringify(toJson(intakeV1.WatchFilingsResponseSchema, ev))}\n` : `${formatWatchLine(ev)}\n`);
        }
        throw new Error("the service ended the watch");
      });
    },
  );
}
