// `kuayu notify | webhook | subscription | document …`: kuayu.notification.v1.NotificationService over gRPC.
// In-app notifications for the window and the filing desk, webhook endpoints and e-mail / SMS
// subscriptions for a court's systems, and the printable documents with their verification codes.
// Connection options, failures, tables, China time and the download discipline (temporary file,
// SHA-256 check, then rename) are those of `kuayu filing` (./filing.ts); the pure parts here are
// exported for tests.
import { createHash, randomUUID } from "node:crypto";
import { createWriteStream, existsSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { Option, type Command } from "commander";
import { create, toJson } from "@bufbuild/protobuf";
import { normalizeVerificationCode as normalizeCode } from "@kuayu/domain";
import type { Client } from "@kuayu/grpc";
import { idFromEnum, notificationV1 } from "@kuayu/proto";
import {
  CliUsageError,
  DEFAULT_CALL_TIMEOUT_MS,
  IntegrityError,
  TOKEN_HINT,
  chinaTime,
  connection,
  describeFailure,
  downloadTarget,
  hashFile,
  isDirectory,
  oneLine,
  pad,
  parsePageSize,
  runWithClient,
  tlsOptions,
  table,
  validated,
  type CommonOptions,
  type Connection,
  type Failure,
} from "./filing.js";
import { collect, fromName, kebabNames, useColor } from "./inbox.js";
import { print } from "./output.js";
import type { SealVerdict } from "./document-seal.js";
import type { SealReport } from "@kuayu/seal";

type NotificationClient = Client<typeof notificationV1.NotificationService>;
type Notification = notificationV1.Notification;
type Webhook = notificationV1.Webhook;
type Delivery = notificationV1.Delivery;
type Subscription = notificationV1.Subscription;
type DocumentInfo = notificationV1.DocumentInfo;

export const DEFAULT_NOTIFICATION_ADDRESS = "127.0.0.1:50054";
export const WEBHOOK_SECRET_ENV = "KUAYU_WEBHOOK_SECRET";
export const SECRET_MIN_CHARS = 32;
export const SECRET_MAX_CHARS = 128;
/** A secret file larger than this is certainly not a secret (and is not read). */
const SECRET_FILE_MAX_BYTES = 4096;
/** MarkRead takes at most this many ids per call. */
export const MARK_READ_MAX_IDS = 500;

// ---------------------------------------------------------------------------------------------
// Names: document kinds, delivery statuses and channels in kebab form, as everywhere else in the CLI.

/** receipt, acceptance-notice, non-acceptance, correction-notice. */
export const DOCUMENT_KINDS: readonly string[] = kebabNames(notificationV1.DocumentKind);
export const documentKindFromName = (name: string): notificationV1.DocumentKind => fromName(notificationV1.DocumentKind, DOCUMENT_KINDS, name, "document kind");
export const documentKindName = (k: notificationV1.DocumentKind): string => idFromEnum<string>(notificationV1.DocumentKind, k) ?? "unspecified";

/** The title printed on each kind of document. */
export const DOCUMENT_TITLES: Readonly<Record<string, string>> = {
  receipt: "跨域立案申请回执",
  "acceptance-notice": "案件受理通知书",
  "non-acceptance": "不予受理通知书",
  "correction-notice": "补正材料通知书",
};
export const documentKindLabel = (k: notificationV1.DocumentKind): string => {
  const name = documentKindName(k);
  return DOCUMENT_TITLES[name] ? `${name} (${DOCUMENT_TITLES[name]})` : name;
};

/** pending, delivered, dead. */
export const DELIVERY_STATUSES: readonly string[] = kebabNames(notificationV1.DeliveryStatus);
export const deliveryStatusName = (s: notificationV1.DeliveryStatus): string => idFromEnum<string>(notificationV1.DeliveryStatus, s) ?? "unspecified";

/** email, sms. */
export const CHANNELS: readonly string[] = kebabNames(notificationV1.Channel);
export const channelName = (c: notificationV1.Channel): string => idFromEnum<string>(notificationV1.Channel, c) ?? "unspecified";

/** What webhooks and subscriptions can ask for: the lifecycle events, and the service's own notices. */
export const KNOWN_EVENT_TYPES: readonly string[] = [
  "kuayu.intake.v1.FilingSubmitted",
  "kuayu.intake.v1.CorrectionSubmitted",
  "kuayu.intake.v1.FilingWithdrawn",
  "kuayu.routing.v1.FilingRouted",
  "kuayu.routing.v1.RoutingFailed",
  "kuayu.decision.v1.Acknowledged",
  "kuayu.decision.v1.Accepted",
  "kuayu.decision.v1.Rejected",
  "kuayu.decision.v1.CorrectionRequested",
  "reminder",
  "escalation",
  "next-opening",
];
/** What the service accepts as an event type (it matches them exactly). */
const EVENT_TYPE_PATTERN = /^kuayu\.[a-z]+\.v\d+\.[A-Za-z]+$|^(reminder|escalation|next-opening)$/;

/**
 * `--event <type>` (repeatable) → the event types, without repeats; none means all. A type of the
 * right form that this CLI does not know is kept (the service may know newer ones) and returned in
 * `unknown`, for a warning: deliveries only match exact names.
 */
export function parseEventTypes(given: readonly string[]): { eventTypes: string[]; unknown: string[] } {
  const eventTypes = [...new Set(given.map((t) => t.trim()))];
  for (const t of eventTypes) {
    if (!EVENT_TYPE_PATTERN.test(t)) {
      const near = KNOWN_EVENT_TYPES.find((k) => k.toLowerCase().endsWith(`.${t.toLowerCase()}`) || k.toLowerCase() === t.toLowerCase());
      throw new CliUsageError(`--event "${t}" is not an event type${near ? `; did you mean ${near}?` : ""} (one of ${KNOWN_EVENT_TYPES.join(", ")})`);
    }
  }
  return { eventTypes, unknown: eventTypes.filter((t) => !KNOWN_EVENT_TYPES.includes(t)) };
}

export const unknownEventWarning = (unknown: readonly string[]): string =>
  `kuayu: warning: ${unknown.join(", ")} ${unknown.length === 1 ? "is not an event type" : "are not event types"} this CLI knows; only events of exactly that type will match`;

/** "kuayu.decision.v1.Accepted" → "Accepted"; the notices (reminder, …) as they are. */
export const shortKind = (kind: string): string => (kind ? (kind.split(".").pop() ?? kind) : "-");

// ---------------------------------------------------------------------------------------------
// Option → request mapping.

export interface NotifyListOptions {
  unread?: boolean;
  pageSize?: string;
  pageToken?: string;
}

export function notificationListRequest(o: NotifyListOptions): notificationV1.ListNotificationsRequest {
  return create(notificationV1.ListNotificationsRequestSchema, {
    unreadOnly: o.unread === true,
    pageSize: o.pageSize !== undefined ? parsePageSize(o.pageSize) : 0,
    pageToken: o.pageToken ?? "",
  });
}

/** `notify read <id...>`: the ids without repeats, 1–500 of them. */
export function markReadRequest(ids: readonly string[]): notificationV1.MarkReadRequest {
  const notificationIds = [...new Set(ids.map((id) => id.trim()).filter(Boolean))];
  if (notificationIds.length === 0) throw new CliUsageError("name at least one notification id (see `kuayu notify list`)");
  if (notificationIds.length > MARK_READ_MAX_IDS) throw new CliUsageError(`at most ${MARK_READ_MAX_IDS} notification ids at once, got ${notificationIds.length}`);
  return create(notificationV1.MarkReadRequestSchema, { notificationIds });
}

export interface DeliveriesOptions {
  dead?: boolean;
  pageSize?: string;
  pageToken?: string;
}

export function deliveriesRequest(webhookId: string, o: DeliveriesOptions): notificationV1.ListDeliveriesRequest {
  const id = webhookId.trim();
  if (!id) throw new CliUsageError("name the webhook (see `kuayu webhook list`)");
  return create(notificationV1.ListDeliveriesRequestSchema, {
    webhookId: id,
    deadOnly: o.dead === true,
    pageSize: o.pageSize !== undefined ? parsePageSize(o.pageSize) : 0,
    pageToken: o.pageToken ?? "",
  });
}

/** Why the service would refuse the URL: it must be https://, or http:// on loopback (local systems, tests). */
export function webhookUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `--url "${url}" is not a URL`;
  }
  if (u.username || u.password) return "--url must not carry credentials (the secret signs every delivery instead)";
  if (u.protocol === "https:") return undefined;
  const loopback = u.hostname === "127.0.0.1" || u.hostname === "localhost" || u.hostname === "[::1]";
  if (u.protocol === "http:" && loopback) return undefined; // only where the service allows it (WEBHOOK_ALLOW_LOOPBACK_HTTP)
  return `--url must be https:// (http:// only on loopback), got "${url}"`;
}

/**
 * The webhook secret, checked: 32–128 characters on one line, without control characters or white
 * space at either end (the receiving system must hold exactly the same text for the HMAC). Errors
 * name where it came from and its length, never the secret.
 */
export function checkSecret(secret: string, source: string): string {
  const n = secret.length;
  if (n === 0) throw new CliUsageError(`the webhook secret from ${source} is empty`);
  if (/[\r\n]/.test(secret)) throw new CliUsageError(`the webhook secret from ${source} must be a single line`);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(secret)) throw new CliUsageError(`the webhook secret from ${source} contains control characters`);
  if (secret.trim() !== secret) throw new CliUsageError(`the webhook secret from ${source} starts or ends with white space`);
  if (n < SECRET_MIN_CHARS || n > SECRET_MAX_CHARS) {
    throw new CliUsageError(`the webhook secret from ${source} must be ${SECRET_MIN_CHARS}–${SECRET_MAX_CHARS} characters, it has ${n} (e.g. \`openssl rand -hex 32 > secret.txt\`)`);
  }
  return secret;
}

export interface SecretSource {
  secret: string;
  /** "file <path>" or "env KUAYU_WEBHOOK_SECRET". */
  source: string;
  /** E.g. a secret file others can read. */
  warnings: string[];
}

/**
 * The webhook secret from --secret-file (one trailing line break is not part of it), else from
 * KUAYU_WEBHOOK_SECRET. Never from the command line: arguments show in `ps` and shell history.
 */
export function readWebhookSecret(o: { secretFile?: string }, env: NodeJS.ProcessEnv = process.env): SecretSource {
  if (o.secretFile !== undefined) {
    const file = o.secretFile;
    const source = `file ${file}`;
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(file);
    } catch (err) {
      throw new CliUsageError(`cannot read the webhook secret: ${(err as Error).message}`);
    }
    if (st.isDirectory()) throw new CliUsageError(`cannot read the webhook secret: ${file} is a directory`);
    if (st.isFile() && st.size > SECRET_FILE_MAX_BYTES) throw new CliUsageError(`${file} is ${st.size} bytes: not a webhook secret (${SECRET_MIN_CHARS}–${SECRET_MAX_CHARS} characters)`);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new CliUsageError(`cannot read the webhook secret: ${(err as Error).message}`);
    }
    const warnings =
      st.isFile() && process.platform !== "win32" && (st.mode & 0o077) !== 0 ? [`kuayu: warning: ${file} can be read by other users (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`] : [];
    return { secret: checkSecret(text.replace(/\r?\n$/, ""), source), source, warnings };
  }
  const fromEnv = env[WEBHOOK_SECRET_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return { secret: checkSecret(fromEnv, `env ${WEBHOOK_SECRET_ENV}`), source: `env ${WEBHOOK_SECRET_ENV}`, warnings: [] };
  throw new CliUsageError(`the webhook secret is needed: --secret-file <path> (e.g. \`openssl rand -hex 32 > secret.txt\`) or env ${WEBHOOK_SECRET_ENV}; it is never taken from the command line`);
}

export interface WebhookAddOptions {
  url: string;
  event?: string[];
}

export function webhookRequest(o: WebhookAddOptions, secret: string): { request: notificationV1.AddWebhookRequest; unknown: string[] } {
  const url = o.url.trim();
  const problem = webhookUrlProblem(url);
  if (problem) throw new CliUsageError(problem);
  const { eventTypes, unknown } = parseEventTypes(o.event ?? []);
  return { request: create(notificationV1.AddWebhookRequestSchema, { url, secret, eventTypes }), unknown };
}

/** The service's own check of an e-mail address. */
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
/** A mainland mobile number: 11 digits from 13… to 19…. */
const MAINLAND_MOBILE = /^1[3-9]\d{9}$/;

/** A mobile number as typed (spaces, hyphens, +86 or 0086 in front) in the 11 digits the service takes. */
export function normalizeMobile(typed: string): string | undefined {
  const digits = typed.replace(/[\s-]/g, "").replace(/^(\+86|0086)/, "");
  return MAINLAND_MOBILE.test(digits) ? digits : undefined;
}

export interface SubscriptionAddOptions {
  email?: string;
  sms?: string;
  event?: string[];
}

/** `--email <addr> | --sms <mobile>` (exactly one) and `--event <type>`… → AddSubscriptionRequest. */
export function subscriptionRequest(o: SubscriptionAddOptions): { request: notificationV1.AddSubscriptionRequest; unknown: string[] } {
  if ((o.email === undefined) === (o.sms === undefined)) throw new CliUsageError("give exactly one of --email <address> or --sms <mobile number>");
  let channel: notificationV1.Channel;
  let address: string;
  if (o.email !== undefined) {
    address = o.email.trim();
    if (!EMAIL.test(address)) throw new CliUsageError(`--email "${o.email}" is not an e-mail address`);
    channel = notificationV1.Channel.EMAIL;
  } else {
    const mobile = normalizeMobile(o.sms!);
    if (!mobile) throw new CliUsageError(`--sms "${o.sms}" is not a mainland mobile number (11 digits, e.g. 13800138000)`);
    address = mobile;
    channel = notificationV1.Channel.SMS;
  }
  const { eventTypes, unknown } = parseEventTypes(o.event ?? []);
  return { request: create(notificationV1.AddSubscriptionRequestSchema, { channel, address, eventTypes }), unknown };
}

/** A code as typed off paper (lower case, spaces, with or without hyphens) → K7QF-9XMA-2RTD. */
export function normalizeVerificationCode(typed: string): string {
  const code = normalizeCode(typed);
  if (!code) {
    throw new CliUsageError(`"${typed}" is not a verification code: 12 characters (digits 2–9, letters without I, L, O), as printed, e.g. K7QF-9XMA-2RTD`);
  }
  return code;
}

// ---------------------------------------------------------------------------------------------
// Connection and failures: those of `kuayu filing`, with the notification service's address and roles.

/** Who the commands are for, which decides the token they need. */
export type Audience = "notify" | "manage" | "document" | "verify";

const MINT = "export KUAYU_TOKEN=$(kuayu token mint --court <your court id>";
const TOKEN_HINTS: Record<Audience, string> = {
  notify:
    `no bearer token: pass --token <jwt> or set KUAYU_TOKEN, e.g.\n  ${MINT} --role window-clerk)\n` +
    "(--role filing-specialist for the jurisdiction court's desk; you see the notifications of your court for the roles of the token)",
  manage:
    `no bearer token: pass --token <jwt> or set KUAYU_TOKEN, e.g.\n  ${MINT} --role court-system)\n` +
    "(webhooks and subscriptions belong to the court of the token; add --province <code> when the court id has no 6-digit division code)",
  document:
    `no bearer token: pass --token <jwt> or set KUAYU_TOKEN, e.g.\n  ${MINT} --role window-clerk)\n` +
    "(or --role filing-specialist: a document is the collaborating court's and the jurisdiction court's)",
  verify: `no bearer token: pass --token <jwt> or set KUAYU_TOKEN (any role will do), e.g.\n  ${MINT} --role window-clerk)`,
};

export const notificationTokenHint = (a: Audience): string => TOKEN_HINTS[a];

export function notificationConnection(o: CommonOptions, audience: Audience, env: NodeJS.ProcessEnv = process.env): Connection {
  try {
    return connection(o, env);
  } catch (err) {
    if (err instanceof CliUsageError && err.message === TOKEN_HINT) throw new CliUsageError(TOKEN_HINTS[audience]);
    throw err;
  }
}

const ROLE_HINT: Record<Audience, string> = {
  notify: "--role window-clerk (or filing-specialist)",
  manage: "--role court-system",
  document: "--role window-clerk (or filing-specialist)",
  verify: "--role window-clerk (any role will do)",
};

export function describeNotificationFailure(err: unknown, address: string, audience: Audience): Failure {
  const f = describeFailure(err, address);
  const hints: Record<string, string> = {
    UNAVAILABLE: `is the notification service running at ${address}? (--addr or KUAYU_NOTIFICATION_ADDR)`,
    UNAUTHENTICATED: `the token was refused (expired, or signed with another key?); mint a new one with \`kuayu token mint --court <your court id> ${ROLE_HINT[audience]}\``,
  };
  if (audience === "manage")
    hints.PERMISSION_DENIED = "webhooks and subscriptions are managed with a token of their court with --role court-system (replaying a delivery of another court needs --role operator)";
  if (audience === "document") hints.PERMISSION_DENIED = "a document is only the collaborating and the jurisdiction court's: use a token of one of them";
  const hint = f.code ? hints[f.code] : undefined;
  return hint ? { ...f, hint } : f;
}

const withClient = (o: CommonOptions, audience: Audience, body: (client: NotificationClient, conn: Connection) => Promise<void>) =>
  runWithClient(
    notificationV1.NotificationService,
    o,
    () => notificationConnection(o, audience),
    (err: unknown, address: string) => describeNotificationFailure(err, address, audience),
    body,
  );

// ---------------------------------------------------------------------------------------------
// Human output. Times are China time; the service masks subscription addresses.

export const NOTIFICATION_LIST_HEADER = ["CREATED (UTC+8)", "NOTIFICATION", "STATE", "FILING", "KIND", "TITLE"];

export function notificationRows(ns: readonly Notification[]): string[][] {
  return ns.map((n) => [chinaTime(n.createdAt), n.notificationId, n.read ? "read" : "UNREAD", n.filingId || "-", shortKind(n.kind), oneLine(n.title, 60) || "-"]);
}

/** `notify list` without --json; unread rows in bold when `color`. */
export function formatNotificationList(ns: readonly Notification[], color = false): string {
  if (ns.length === 0) return "no notifications";
  return table(NOTIFICATION_LIST_HEADER, notificationRows(ns))
    .split("\n")
    .map((l, i) => (color && i > 0 && !ns[i - 1]!.read ? `\x1b[1m${l}\x1b[0m` : l))
    .join("\n");
}

/** One line of `notify watch`: time, notification, filing, kind, title — then the body. */
export function formatNotificationWatchLine(ev: notificationV1.WatchNotificationsResponse): string {
  const n = ev.notification;
  const head = [chinaTime(n?.createdAt), n?.notificationId || "-", n?.filingId || "-", pad(shortKind(n?.kind ?? ""), 20), n?.title || "-"].join("  ");
  return n?.body ? `${head}\n    ${oneLine(n.body, 200)}` : head;
}

const events = (types: readonly string[]) => (types.length > 0 ? types.join(",") : "all");

export const WEBHOOK_LIST_HEADER = ["WEBHOOK", "URL", "CREATED (UTC+8)", "EVENTS"];

export function webhookRows(ws: readonly Webhook[]): string[][] {
  return ws.map((w) => [w.webhookId, w.url, chinaTime(w.createdAt), events(w.eventTypes)]);
}

export const formatWebhookList = (ws: readonly Webhook[]): string => (ws.length === 0 ? "no webhooks" : table(WEBHOOK_LIST_HEADER, webhookRows(ws)));

export function formatWebhook(w: Webhook): string {
  return [`webhook  ${w.webhookId}`, `url      ${w.url}`, `events   ${events(w.eventTypes)}`, `created  ${chinaTime(w.createdAt)} (UTC+8)`].join("\n");
}

export const DELIVERY_LIST_HEADER = ["DELIVERY", "STATUS", "EVENT", "FILING", "ATTEMPTS", "CREATED (UTC+8)", "DELIVERED / NEXT (UTC+8)", "LAST ERROR"];

export function deliveryRows(ds: readonly Delivery[]): string[][] {
  return ds.map((d) => [
    d.deliveryId,
    deliveryStatusName(d.status),
    shortKind(d.eventType),
    d.filingId || "-",
    String(d.attempts),
    chinaTime(d.createdAt),
    d.status === notificationV1.DeliveryStatus.PENDING ? `next ${chinaTime(d.nextAttemptAt)}` : chinaTime(d.deliveredAt),
    d.lastError ? oneLine(d.lastError, 60) : "-",
  ]);
}

export function formatDeliveryList(ds: readonly Delivery[]): string {
  if (ds.length === 0) return "no deliveries";
  const text = table(DELIVERY_LIST_HEADER, deliveryRows(ds));
  return ds.some((d) => d.status === notificationV1.DeliveryStatus.DEAD) ? `${text}\ndead deliveries are sent again with: kuayu webhook replay <delivery-id>` : text;
}

export function formatDelivery(d: Delivery): string {
  const lines = [
    `delivery  ${d.deliveryId}`,
    `webhook   ${d.webhookId}`,
    `status    ${deliveryStatusName(d.status)}`,
    `event     ${d.eventType || "-"}`,
    `filing    ${d.filingId || "-"}`,
    `attempts  ${d.attempts}`,
  ];
  if (d.status === notificationV1.DeliveryStatus.PENDING && d.nextAttemptAt) lines.push(`next      ${chinaTime(d.nextAttemptAt)} (UTC+8)`);
  if (d.lastError) lines.push(`error     ${oneLine(d.lastError, 200)}`);
  return lines.join("\n");
}

export const SUBSCRIPTION_LIST_HEADER = ["SUBSCRIPTION", "CHANNEL", "ADDRESS", "EVENTS"];

export function subscriptionRows(ss: readonly Subscription[]): string[][] {
  return ss.map((s) => [s.subscriptionId, channelName(s.channel), s.address || "-", events(s.eventTypes)]);
}

export const formatSubscriptionList = (ss: readonly Subscription[]): string => (ss.length === 0 ? "no subscriptions" : table(SUBSCRIPTION_LIST_HEADER, subscriptionRows(ss)));

export function formatSubscription(s: Subscription): string {
  return [`subscription  ${s.subscriptionId}`, `channel       ${channelName(s.channel)}`, `address       ${s.address || "-"}`, `events        ${events(s.eventTypes)}`].join("\n");
}

/** The facts printed on a document, in the service's (print) order. */
export const factRows = (facts: Readonly<Record<string, string>>): string[][] => Object.entries(facts).map(([k, v]) => [k, v]);

/** `document verify` without --json: what the code stands for, then the facts on the document. */
export function formatDocumentInfo(d: DocumentInfo): string {
  const field = (k: string, v: string) => `${pad(k, 19)}${v}`;
  const out = [
    field("verification code", d.verificationCode || "-"),
    field("kind", documentKindLabel(d.kind)),
    field("filing", d.filingId || "-"),
    field("issued (UTC+8)", chinaTime(d.issuedAt)),
    field("sha256", d.sha256 || "-"),
    ...(d.issuingCourtId ? [field("issuing court", `${d.issuingCourtName || "-"} (${d.issuingCourtId})`)] : []),
  ];
  const rows = factRows(d.facts);
  out.push("", rows.length > 0 ? table(["FACT", "VALUE"], rows) : "no facts");
  return out.join("\n");
}

export interface FileCheck {
  path: string;
  sha256: string;
  match: boolean;
}

export const compareDigest = (file: string, actual: string, expected: string): FileCheck => ({
  path: file,
  sha256: actual,
  match: actual.toLowerCase() === expected.trim().toLowerCase() && actual !== "",
});

export function formatFileCheck(c: FileCheck, expected: string): string {
  return c.match
    ? `MATCH: ${c.path} is the issued document (SHA-256 ${c.sha256})`
    : `MISMATCH: ${c.path} has SHA-256 ${c.sha256}, the issued document ${expected || "(none)"}; it is not the document the court issued, or it was altered`;
}

// ---------------------------------------------------------------------------------------------
// Documents: streamed to a temporary file, checked against the SHA-256 of the info, then put in place.

/** Default file name of a document: <filing-id>-<kind>.pdf, with only safe characters. */
export function documentFileName(filingId: string, kind: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "");
  return `${safe(filingId) || "filing"}-${safe(kind) || "document"}.pdf`;
}

export interface SavedDocument {
  info: DocumentInfo;
  out: string;
  sizeBytes: number;
  sha256: string;
}

/**
 * Writes a GetDocument stream (info first, then the PDF bytes) into a hidden temporary file next to
 * the target, checks the bytes' SHA-256 against info.sha256, and only then puts the file in place
 * (never over an existing one without --force). On any failure nothing is left behind.
 */
export async function saveDocument(
  parts: AsyncIterable<Pick<notificationV1.GetDocumentResponse, "part">>,
  req: { filingId: string; kind: string },
  o: { out?: string; force?: boolean },
  cwd = process.cwd(),
): Promise<SavedDocument> {
  const stream = parts[Symbol.asyncIterator]();
  let tmp = "";
  try {
    const first = await stream.next();
    if (first.done || first.value.part.case !== "info") throw new Error("the service did not describe the document first");
    const info = first.value.part.value;
    const expected = info.sha256.trim().toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(expected)) throw new IntegrityError(`the service gave no SHA-256 for the document (got "${info.sha256}"); nothing was written`);
    const target = downloadTarget(o.out, documentFileName(info.filingId || req.filingId, req.kind), req.filingId, cwd);
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
          if (next.value.part.case !== "chunk") throw new Error("the service described the document twice");
          hash.update(next.value.part.value);
          received += next.value.part.value.length;
          yield next.value.part.value;
        }
      },
      createWriteStream("", { fd: openSync(tmp, "wx") }),
    ); // opened first: a failure part-way always finds it to remove

    // What was written, read back: the check is of the file, not of the bytes in transit.
    const written = await hashFile(tmp);
    const inTransit = hash.digest("hex");
    if (written.sha256 !== inTransit || written.sizeBytes !== received) throw new IntegrityError(`the file written differs from the bytes received; nothing was written`);
    if (written.sha256 !== expected) {
      throw new IntegrityError(`SHA-256 MISMATCH for the ${req.kind} of filing ${req.filingId}: expected ${expected}, received ${written.sha256} (${received} bytes); nothing was written`);
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
    return { info, out: target, sizeBytes: received, sha256: written.sha256 };
  } finally {
    // Ends the call if it is still running (a failure part-way); not awaited, as a pending read may hold it.
    stream.return?.().catch(() => undefined);
    // After a successful link or rename this removes nothing the user sees.
    if (tmp) rmSync(tmp, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Commands.

function common(cmd: Command, role: string, streams?: string): Command {
  return tlsOptions(cmd)
    .option("--addr <host:port>", "notification service address (env KUAYU_NOTIFICATION_ADDR)", process.env.KUAYU_NOTIFICATION_ADDR ?? DEFAULT_NOTIFICATION_ADDRESS)
    .option("--token <jwt>", `bearer token, ${role} (default: env KUAYU_TOKEN; see \`kuayu token mint\`)`)
    .option("--timeout <seconds>", `deadline of the call (default: ${DEFAULT_CALL_TIMEOUT_MS / 1000}${streams ? `; none for ${streams}` : ""})`)
    .option("--json", "machine-readable output");
}

const warn = (lines: readonly string[]) => {
  for (const l of lines) process.stderr.write(`${l}\n`);
};

const EVENT_HELP = `an event type to deliver, repeatable (default: all), e.g. ${KNOWN_EVENT_TYPES[6]}; one of ${KNOWN_EVENT_TYPES.join(", ")}`;

/** `kuayu notify …`: the in-app notifications of the caller's court and role. */
export function notifyCommands(cmd: Command): void {
  const role = "of a window clerk or filing specialist";
  common(
    cmd
      .command("list")
      .description("your court's notifications for the roles of your token, newest first")
      .option("--unread", "only those not read yet")
      .option("--page-size <n>", "1–200 (default: the service's, 50)")
      .option("--page-token <token>", "continue from a previous page")
      .option("--all", "follow the pages to the end"),
    role,
    "watch",
  ).action(async (o: CommonOptions & NotifyListOptions & { all?: boolean }) => {
    const req = validated(() => notificationListRequest(o));
    await withClient(o, "notify", async (client) => {
      const ns: Notification[] = [];
      let next = "";
      for (;;) {
        const res = await client.listNotifications(req);
        ns.push(...res.notifications);
        next = res.nextPageToken;
        if (!o.all || !next) break;
        req.pageToken = next;
      }
      print(o.json, { notifications: ns.map((n) => toJson(notificationV1.NotificationSchema, n)), nextPageToken: next }, () => {
        const text = formatNotificationList(ns, useColor());
        return next ? `${text}\nmore: add --all, or --page-token ${next}` : text;
      });
    });
  });

  common(cmd.command("read <id...>").description(`mark notifications read (at most ${MARK_READ_MAX_IDS} at once)`), role, "watch").action(async (ids: string[], o: CommonOptions) => {
    const req = validated(() => markReadRequest(ids));
    await withClient(o, "notify", async (client) => {
      const res = await client.markRead(req);
      const skipped = req.notificationIds.length - res.marked;
      print(
        o.json,
        { marked: res.marked, requested: req.notificationIds.length },
        () => `marked ${res.marked} of ${req.notificationIds.length} read${skipped > 0 ? ` (${skipped} already read, or not your court's and role's)` : ""}`,
      );
    });
  });

  common(cmd.command("watch").description("one line per new notification of your court and role until Ctrl-C"), role, "watch").action(async (o: CommonOptions) => {
    await withClient(o, "notify", async (client, conn) => {
      if (!o.json) process.stderr.write(`watching your court's notifications at ${conn.address} (Ctrl-C to stop); times are China time\n`);
      for await (const ev of client.watchNotifications({}, { timeoutMs: conn.streamTimeoutMs })) {
        process.stdout.write(o.json ? `${JSON.stringify(toJson(notificationV1.WatchNotificationsResponseSchema, ev))}\n` : `${formatNotificationWatchLine(ev)}\n`);
      }
      throw new Error("the service ended the watch");
    });
  });
}

/** `kuayu webhook …`: webhook endpoints of the caller's court and their deliveries. */
export function webhookCommands(cmd: Command): void {
  const role = "with role court-system";
  common(
    cmd
      .command("add")
      .description("deliver your court's filing events to an https:// endpoint, signed with HMAC-SHA256 over a shared secret")
      .requiredOption("--url <url>", "https:// endpoint (http:// only on loopback, where the service allows it)")
      .option("--secret-file <path>", `file holding the shared secret, ${SECRET_MIN_CHARS}–${SECRET_MAX_CHARS} characters on one line (default: env ${WEBHOOK_SECRET_ENV}); never on the command line`)
      .option("--event <type>", EVENT_HELP, collect)
      .addOption(new Option("--secret <secret>").hideHelp()),
    role,
  ).action(async (o: CommonOptions & WebhookAddOptions & { secretFile?: string; secret?: string }) => {
    const { request, unknown, warnings } = validated(() => {
      if (o.secret !== undefined) {
        throw new CliUsageError(`the secret is never taken from the command line (it would show in \`ps\` and shell history): use --secret-file <path> or env ${WEBHOOK_SECRET_ENV}`);
      }
      const s = readWebhookSecret(o);
      return { ...webhookRequest(o, s.secret), warnings: s.warnings };
    });
    warn(warnings);
    if (unknown.length > 0) warn([unknownEventWarning(unknown)]);
    await withClient(o, "manage", async (client) => {
      const w = (await client.addWebhook(request)).webhook;
      if (!w) throw new Error("the service answered without a webhook");
      // The service never returns the secret; neither does this.
      print(o.json, toJson(notificationV1.WebhookSchema, w), () => `${formatWebhook(w)}\nnext: kuayu webhook deliveries ${w.webhookId}`);
    });
  });

  common(cmd.command("list").description("your court's webhook endpoints"), role).action(async (o: CommonOptions) => {
    await withClient(o, "manage", async (client) => {
      const { webhooks } = await client.listWebhooks({});
      print(o.json, { webhooks: webhooks.map((w) => toJson(notificationV1.WebhookSchema, w)) }, () => formatWebhookList(webhooks));
    });
  });

  common(cmd.command("remove <webhook-id>").description("stop delivering to an endpoint"), role).action(async (webhookId: string, o: CommonOptions) => {
    await withClient(o, "manage", async (client) => {
      await client.removeWebhook({ webhookId });
      print(o.json, { removed: webhookId }, () => `removed webhook ${webhookId}`);
    });
  });

  common(
    cmd
      .command("deliveries <webhook-id>")
      .description("delivery history of an endpoint, newest first")
      .option("--dead", "only the dead-letter list (failed on every attempt)")
      .option("--page-size <n>", "1–200 (default: the service's, 50)")
      .option("--page-token <token>", "continue from a previous page")
      .option("--all", "follow the pages to the end"),
    role,
  ).action(async (webhookId: string, o: CommonOptions & DeliveriesOptions & { all?: boolean }) => {
    const req = validated(() => deliveriesRequest(webhookId, o));
    await withClient(o, "manage", async (client) => {
      const ds: Delivery[] = [];
      let next = "";
      for (;;) {
        const res = await client.listDeliveries(req);
        ds.push(...res.deliveries);
        next = res.nextPageToken;
        if (!o.all || !next) break;
        req.pageToken = next;
      }
      print(o.json, { deliveries: ds.map((d) => toJson(notificationV1.DeliverySchema, d)), nextPageToken: next }, () => {
        const text = formatDeliveryList(ds);
        return next ? `${text}\nmore: add --all, or --page-token ${next}` : text;
      });
    });
  });

  common(cmd.command("replay <delivery-id>").description("send a dead delivery again (it goes back to pending)"), role).action(async (deliveryId: string, o: CommonOptions) => {
    await withClient(o, "manage", async (client) => {
      const d = (await client.replayDelivery({ deliveryId })).delivery;
      if (!d) throw new Error("the service answered without a delivery");
      print(o.json, toJson(notificationV1.DeliverySchema, d), () => formatDelivery(d));
    });
  });
}

/** `kuayu subscription …`: e-mail and SMS subscriptions of the caller's court. */
export function subscriptionCommands(cmd: Command): void {
  const role = "with role court-system";
  common(
    cmd
      .command("add")
      .description("send your court's filing events by e-mail or SMS (短信)")
      .option("--email <address>", "an e-mail address")
      .option("--sms <mobile>", "a mainland mobile number, e.g. 13800138000")
      .option("--event <type>", EVENT_HELP, collect),
    role,
  ).action(async (o: CommonOptions & SubscriptionAddOptions) => {
    const { request, unknown } = validated(() => subscriptionRequest(o));
    if (unknown.length > 0) warn([unknownEventWarning(unknown)]);
    await withClient(o, "manage", async (client) => {
      const s = (await client.addSubscription(request)).subscription;
      if (!s) throw new Error("the service answered without a subscription");
      print(o.json, toJson(notificationV1.SubscriptionSchema, s), () => formatSubscription(s));
    });
  });

  common(cmd.command("list").description("your court's subscriptions (addresses masked)"), role).action(async (o: CommonOptions) => {
    await withClient(o, "manage", async (client) => {
      const { subscriptions } = await client.listSubscriptions({});
      print(o.json, { subscriptions: subscriptions.map((s) => toJson(notificationV1.SubscriptionSchema, s)) }, () => formatSubscriptionList(subscriptions));
    });
  });

  common(cmd.command("remove <subscription-id>").description("stop a subscription"), role).action(async (subscriptionId: string, o: CommonOptions) => {
    await withClient(o, "manage", async (client) => {
      await client.removeSubscription({ subscriptionId });
      print(o.json, { removed: subscriptionId }, () => `removed subscription ${subscriptionId}`);
    });
  });
}

/** `kuayu document …`: printable documents of a filing, and checking one by its verification code. */
export function documentCommands(cmd: Command): void {
  common(
    cmd
      .command("get <filing-id>")
      .description("download a filing's document (PDF) and verify its SHA-256")
      .requiredOption("--kind <kind>", DOCUMENT_KINDS.join(" | "))
      .option("--out <path>", "file (or directory) to write (default: <filing-id>-<kind>.pdf in the current directory)")
      .option("--force", "overwrite an existing file"),
    "of the collaborating or jurisdiction court (window-clerk or filing-specialist)",
    "document get",
  ).action(async (filingId: string, o: CommonOptions & { kind: string; out?: string; force?: boolean }) => {
    const kind = validated(() => documentKindFromName(o.kind));
    await withClient(o, "document", async (client, conn) => {
      const name = documentKindName(kind);
      const d = await saveDocument(client.getDocument({ filingId, kind }, { timeoutMs: conn.streamTimeoutMs }), { filingId, kind: name }, o);
      print(o.json, { out: d.out, sizeBytes: d.sizeBytes, document: toJson(notificationV1.DocumentInfoSchema, d.info) }, () =>
        [
          `wrote ${d.out} (${d.sizeBytes} bytes, SHA-256 verified)`,
          `kind               ${documentKindLabel(d.info.kind || kind)}`,
          `verification code  ${d.info.verificationCode || "-"}`,
          `issued             ${chinaTime(d.info.issuedAt)} (UTC+8)`,
          `sha256             ${d.sha256}`,
        ].join("\n"),
      );
    });
  });

  common(
    cmd
      .command("verify <code-or-pdf...>")
      .description(
        "check a printed document by its verification code (kind, filing, issue time, SHA-256, facts), " +
          "or a PDF: its court seal (byte range, CMS signature, certificate chained to the court seal CA, signer = the issuing court) " +
          "and the code in it against the service; exit code 1 with the reason on any failure",
      )
      .option("--file <pdf>", "with a code: also hash this PDF and say whether it is the issued document (MATCH / MISMATCH, exit code 1 on a mismatch)")
      .option("--offline", "with a PDF: check only its seal, without asking the service")
      .option("--seal-ca <pem>", "with a PDF: the court seal CA certificate (default: env KUAYU_SEAL_CA, else .secrets/court-seal/ca.crt.pem)"),
    "of any role",
  ).action(async (typed: string[], o: CommonOptions & { file?: string; offline?: boolean; sealCa?: string }) => {
    if (isPdfArgument(typed) && o.file === undefined) return verifySealedFile(typed[0]!, o);
    if (o.offline || o.sealCa)
      validated(() => {
        throw new CliUsageError("--offline and --seal-ca go with a PDF (kuayu document verify notice.pdf)");
      });
    const code = validated(() => {
      if (o.file !== undefined) {
        let st: ReturnType<typeof statSync>;
        try {
          st = statSync(o.file);
        } catch (err) {
          throw new CliUsageError(`cannot read ${o.file}: ${(err as Error).message}`);
        }
        if (!st.isFile()) throw new CliUsageError(`${o.file} is not a regular file`);
      }
      return normalizeVerificationCode(typed.join(" ")); // as typed off paper, maybe in groups: K7QF 9XMA 2RTD
    });
    await withClient(o, "verify", async (client) => {
      const d = (await client.verifyDocument({ verificationCode: code })).document;
      if (!d) throw new Error("the service answered without a document");
      const check = o.file !== undefined ? compareDigest(o.file, (await hashFile(o.file)).sha256, d.sha256) : undefined;
      print(o.json, { document: toJson(notificationV1.DocumentInfoSchema, d), ...(check ? { file: check } : {}) }, () =>
        check ? `${formatDocumentInfo(d)}\n\n${formatFileCheck(check, d.sha256)}` : formatDocumentInfo(d),
      );
      if (check && !check.match) process.exitCode = 1;
    });
  });
}

/** `verify` was given one PDF rather than a verification code. */
export const isPdfArgument = (args: readonly string[]): boolean =>
  args.length === 1 && (/\.pdf$/i.test(args[0]!) || (existsSync(args[0]!) && !/^[0-9A-Za-z]{4}-?[0-9A-Za-z]{4}-?[0-9A-Za-z]{4}$/.test(args[0]!)));

/** `document verify FILE.pdf`: the seal offline, then (unless --offline) the code in it against the service. */
async function verifySealedFile(file: string, o: CommonOptions & { offline?: boolean; sealCa?: string }): Promise<void> {
  // Loaded here: the CMS library costs every other command nothing.
  const { checkSeal, formatSealVerdict, onlineProblems, sealCaFile, SealError } = await import("./document-seal.js");
  const caFile = validated(() => sealCaFile(o.sealCa));
  const fail = (v: SealVerdict) => {
    print(o.json, verdictJson(v), () => formatSealVerdict(v));
    process.exitCode = 1;
  };
  let seal: SealReport;
  try {
    seal = validated(() => checkSeal(file, caFile));
  } catch (err) {
    if (err instanceof SealError) return fail({ file, valid: false, reason: err.message, offline: !!o.offline });
    throw err;
  }
  if (o.offline) return print(o.json, verdictJson({ file, valid: true, seal, offline: true }), () => formatSealVerdict({ file, valid: true, seal, offline: true }));
  if (!seal.verificationCode)
    return fail({ file, valid: false, reason: "the seal carries no verification code to check with the service (use --offline for the signature alone)", seal, offline: false });
  await withClient(o, "verify", async (client) => {
    const d = (await client.verifyDocument({ verificationCode: seal.verificationCode! })).document;
    const problems = onlineProblems(seal, d);
    const v: SealVerdict = { file, valid: problems.length === 0, reason: problems.join("; "), seal, document: d, kindLabel: d && documentKindLabel(d.kind), offline: false };
    if (!v.valid) return fail(v);
    print(o.json, verdictJson(v), () => formatSealVerdict(v));
  });
}

const verdictJson = (v: SealVerdict) => ({
  file: v.file,
  valid: v.valid,
  ...(v.valid ? {} : { reason: v.reason }),
  ...(v.seal ? { seal: { ...v.seal, signedAt: v.seal.signedAt?.toISOString() } } : {}),
  ...(v.document ? { document: toJson(notificationV1.DocumentInfoSchema, v.document) } : {}),
  offline: v.offline,
});
