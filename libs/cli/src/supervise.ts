// `kuayu supervise …`: national supervision (全国监管平台, kuayu.supervision.v1.SupervisionService) over gRPC,
// for supervisors: the SPC's see the whole country, a high court's its own province. Indicators,
// overdue filings, notices (通报) with their CSV, drills (演练) and their reports, complaints.
// Connection options, failures, tables and China time are those of `kuayu filing` (./filing.ts);
// the pure parts here are exported for tests.
import { randomUUID } from "node:crypto";
import { existsSync, linkSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { create, toJson } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Client } from "@kuayu/grpc";
import { CASE_TYPES, COURT_LEVELS } from "@kuayu/domain";
import { commonV1, idFromEnum, supervisionV1 } from "@kuayu/proto";
import {
  CliUsageError,
  DEFAULT_CALL_TIMEOUT_MS,
  TOKEN_HINT,
  caseTypeFromId,
  caseTypeId,
  chinaDayStart,
  chinaTime,
  connection,
  describeFailure,
  displayWidth,
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
import { ISO_INSTANT, collect, fromName, kebabNames } from "./inbox.js";
import { print } from "./output.js";

type SupervisionClient = Client<typeof supervisionV1.SupervisionService>;
type Scope = supervisionV1.Scope;
type Indicators = supervisionV1.Indicators;
type Notice = supervisionV1.Notice;
type Drill = supervisionV1.Drill;

export const DEFAULT_SUPERVISION_ADDRESS = "127.0.0.1:50055";
/** `supervise drill report` lists this many missing courts; --json lists them all. */
export const MISSING_COURTS_SHOWN = 20;

const DAY_MS = 24 * 3600_000;
const CHINA_UTC_OFFSET_MS = 8 * 3600_000;
/** Every value of the time: zero counts and rates are results here, not absent fields. */
const JSON_OPTIONS = { alwaysEmitImplicit: true } as const;

// ---------------------------------------------------------------------------------------------
// Names.

/** daily, weekly. */
export const NOTICE_KINDS: readonly string[] = kebabNames(supervisionV1.NoticeKind);
export const noticeKindFromName = (name: string): supervisionV1.NoticeKind => fromName(supervisionV1.NoticeKind, NOTICE_KINDS, name, "notice kind");
export const noticeKindName = (k: supervisionV1.NoticeKind): string => idFromEnum<string>(supervisionV1.NoticeKind, k) ?? "unspecified";
const NOTICE_TITLES: Readonly<Record<string, string>> = { daily: "每日通报", weekly: "每周通报" };
export const noticeKindLabel = (k: supervisionV1.NoticeKind): string => {
  const name = noticeKindName(k);
  return NOTICE_TITLES[name] ? `${name} (${NOTICE_TITLES[name]})` : name;
};

const LEVEL_TITLES: Readonly<Record<string, string>> = { supreme: "最高", high: "高级", intermediate: "中级", basic: "基层", tribunal: "人民法庭" };

// ---------------------------------------------------------------------------------------------
// Scope: --national | --province <code> | --court <id>, at most one; national by default.

export interface ScopeOptions {
  national?: boolean;
  province?: string;
  court?: string;
}

export function parseScope(o: ScopeOptions): Scope {
  const given = [o.national ? "--national" : "", o.province !== undefined ? "--province" : "", o.court !== undefined ? "--court" : ""].filter(Boolean);
  if (given.length > 1) throw new CliUsageError(`give at most one of --national, --province <code>, --court <id> (got ${given.join(" and ")})`);
  if (o.province !== undefined) {
    const id = o.province.trim();
    if (id === "00") throw new CliUsageError("--province 00 is the SPC's code: use --national (the default) for the whole country");
    if (!/^\d{2}$/.test(id)) throw new CliUsageError(`--province must be a two-digit province code such as 44, got "${o.province}"`);
    return create(supervisionV1.ScopeSchema, { level: supervisionV1.ScopeLevel.PROVINCE, id });
  }
  if (o.court !== undefined) {
    const id = o.court.trim();
    if (!id || /\s/.test(id)) throw new CliUsageError(`--court must be a court id of the directory (see \`kuayu directory find\`), got "${o.court}"`);
    return create(supervisionV1.ScopeSchema, { level: supervisionV1.ScopeLevel.COURT, id });
  }
  return create(supervisionV1.ScopeSchema, { level: supervisionV1.ScopeLevel.NATIONAL, id: "" });
}

export function scopeLabel(s: Scope | undefined): string {
  switch (s?.level) {
    case supervisionV1.ScopeLevel.NATIONAL:
      return "national (全国)";
    case supervisionV1.ScopeLevel.PROVINCE:
      return `province ${s.id}`;
    case supervisionV1.ScopeLevel.COURT:
      return `court ${s.id}`;
    default:
      return "-";
  }
}

// ---------------------------------------------------------------------------------------------
// Dates and instants (China time).

/** A calendar day YYYY-MM-DD as given (checked against the calendar). */
export function parseDay(text: string, option: string): string {
  chinaDayStart(text, option);
  return text.trim();
}

export interface IndicatorsOptions extends ScopeOptions {
  from?: string;
  to?: string;
  caseType?: string;
}

export function indicatorsRequest(o: IndicatorsOptions): supervisionV1.GetIndicatorsRequest {
  const fromDate = o.from !== undefined ? parseDay(o.from, "--from") : "";
  const toDate = o.to !== undefined ? parseDay(o.to, "--to") : "";
  // Same-format dates compare as strings.
  if (fromDate && toDate && fromDate > toDate) throw new CliUsageError(`--from ${fromDate} is after --to ${toDate}`);
  return create(supervisionV1.GetIndicatorsRequestSchema, {
    scope: parseScope(o),
    fromDate,
    toDate,
    caseType: o.caseType !== undefined ? caseTypeFromId(o.caseType) : commonV1.CaseType.UNSPECIFIED,
  });
}

/**
 * An instant: an ISO instant with its offset (2026-12-01T09:00:00+08:00, 2026-12-01T01:00:00Z), or a
 * day YYYY-MM-DD in China time — its start (00:00:00), or with `endOfDay` its end (23:59:59).
 */
export function parseInstant(text: string, option: string, endOfDay = false): Date {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) {
    const start = chinaDayStart(t, option);
    return endOfDay ? new Date(start.getTime() + DAY_MS - 1000) : start;
  }
  const m = ISO_INSTANT.exec(t);
  if (!m) throw new CliUsageError(`${option} must be a date YYYY-MM-DD (China time) or an ISO instant such as 2026-12-01T09:00:00+08:00, got "${text}"`);
  const day = chinaDayStart(m[1]!, option); // checks the calendar date
  const [h, mi, s] = [Number(m[2]), Number(m[3]), Number(m[4] ?? 0)];
  const [oh, om] = [Number(m[8] ?? 0), Number(m[9] ?? 0)];
  if (h > 23 || mi > 59 || s > 59 || oh > 23 || om > 59) throw new CliUsageError(`${option} is not a valid time: "${text}"`);
  const ms = Number(((m[5] ?? "") + "000").slice(0, 3));
  const offsetMs = (m[7] === "-" ? -1 : 1) * (oh * 60 + om) * 60_000;
  // chinaDayStart is midnight UTC+8; back to midnight UTC, then the wall time at the given offset.
  return new Date(day.getTime() + CHINA_UTC_OFFSET_MS + ((h * 60 + mi) * 60 + s) * 1000 + ms - offsetMs);
}

// ---------------------------------------------------------------------------------------------
// Option → request mapping.

export interface NoticesOptions extends ScopeOptions {
  pageSize?: string;
}

export function noticesRequest(o: NoticesOptions): supervisionV1.ListNoticesRequest {
  return create(supervisionV1.ListNoticesRequestSchema, { scope: parseScope(o), pageSize: o.pageSize !== undefined ? parsePageSize(o.pageSize) : 0 });
}

export function generateNoticeRequest(o: ScopeOptions & { kind: string }): supervisionV1.GenerateNoticeRequest {
  return create(supervisionV1.GenerateNoticeRequestSchema, { kind: noticeKindFromName(o.kind), scope: parseScope(o) });
}

export function complaintsRequest(o: ScopeOptions & { open?: boolean }): supervisionV1.ListComplaintsRequest {
  return create(supervisionV1.ListComplaintsRequestSchema, { scope: parseScope(o), openOnly: o.open === true });
}

const INT32_MAX = 2 ** 31 - 1;

function wholeNumber(text: string, option: string, min: number): number {
  const n = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || n < min || n > INT32_MAX) throw new CliUsageError(`${option} must be a whole number${min > 0 ? ` from ${min}` : ""}, got "${text}"`);
  return n;
}

export interface DrillCreateOptions {
  name: string;
  rounds?: string;
  court?: string[];
  caseType?: string[];
  from: string;
  to: string;
}

export function drillRequest(o: DrillCreateOptions): supervisionV1.CreateDrillRequest {
  const name = o.name.trim();
  if (!name) throw new CliUsageError("--name must not be empty");
  const courtIds = [...new Set((o.court ?? []).map((c) => c.trim()))];
  for (const c of courtIds) if (!c || /\s/.test(c)) throw new CliUsageError(`--court must be a court id of the directory, got "${c}"`);
  const caseTypes = [...new Set((o.caseType ?? []).map((t) => caseTypeFromId(t.trim())))];
  const startsAt = parseInstant(o.from, "--from");
  const endsAt = parseInstant(o.to, "--to", true);
  if (endsAt.getTime() <= startsAt.getTime()) {
    throw new CliUsageError(`--to (${chinaTime(timestampFromDate(endsAt))}) must be after --from (${chinaTime(timestampFromDate(startsAt))}), China time`);
  }
  return create(supervisionV1.CreateDrillRequestSchema, {
    drill: {
      name,
      rounds: o.rounds !== undefined ? wholeNumber(o.rounds, "--rounds", 1) : 1,
      courtIds,
      caseTypes,
      startsAt: timestampFromDate(startsAt),
      endsAt: timestampFromDate(endsAt),
    },
  });
}

export function drillReportRequest(drillId: string, o: { round?: string }): supervisionV1.GetDrillReportRequest {
  const id = drillId.trim();
  if (!id) throw new CliUsageError("name the drill (its id, as `kuayu supervise drill create` printed it)");
  return create(supervisionV1.GetDrillReportRequestSchema, { drillId: id, round: o.round !== undefined ? wholeNumber(o.round, "--round", 0) : 0 });
}

// ---------------------------------------------------------------------------------------------
// Connection and failures: those of `kuayu filing`, with the supervision service's address and role.

export const SUPERVISION_TOKEN_HINT =
  "no bearer token: pass --token <jwt> or set KUAYU_TOKEN, e.g.\n" +
  "  export KUAYU_TOKEN=$(kuayu token mint --court c-spc --role supervisor --province 00)\n" +
  "(the SPC's supervisors see the whole country; a high court's see its province: --court <high court id> --province <its code>)";

export function supervisionConnection(o: CommonOptions, env: NodeJS.ProcessEnv = process.env): Connection {
  try {
    return connection(o, env);
  } catch (err) {
    if (err instanceof CliUsageError && err.message === TOKEN_HINT) throw new CliUsageError(SUPERVISION_TOKEN_HINT);
    throw err;
  }
}

export function describeSupervisionFailure(err: unknown, address: string): Failure {
  const f = describeFailure(err, address);
  const hints: Record<string, string> = {
    UNAVAILABLE: `is the supervision service running at ${address}? (--addr or KUAYU_SUPERVISION_ADDR)`,
    UNAUTHENTICATED: "the token was refused (expired, or signed with another key?); mint a new one with `kuayu token mint --court c-spc --role supervisor --province 00`",
    PERMISSION_DENIED: "supervision needs --role supervisor: the SPC's token (--court c-spc --province 00) for the whole country, a high court's for its own province and its courts",
  };
  const hint = f.code ? hints[f.code] : undefined;
  return hint ? { ...f, hint } : f;
}

const withClient = (o: CommonOptions, body: (client: SupervisionClient, conn: Connection) => Promise<void>) =>
  runWithClient(supervisionV1.SupervisionService, o, () => supervisionConnection(o), describeSupervisionFailure, body);

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the service answered without ${what}`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Human output. Times are China time.

/** A ratio (0.935) as a percentage with one decimal ("93.5%"); "-" when it is not a number. */
export const formatRate = (ratio: number): string => (Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)}%` : "-");

/** Minutes with one decimal ("12.3 min"); "-" when it is not a number. */
export const formatMinutes = (minutes: number): string => (Number.isFinite(minutes) ? `${minutes.toFixed(1)} min` : "-");

/** How late, with one decimal and the service's unit ("3.5 hours"). */
export const formatLate = (value: number, unit: string): string => (Number.isFinite(value) ? `${value.toFixed(1)}${unit ? ` ${unit}` : ""}` : "-");

/** [Chinese label, English label, value] of every indicator, in the order of the report. */
export function indicatorRows(i: Indicators): [string, string, string][] {
  const n = (v: bigint) => v.toString();
  // Response times and satisfaction of nothing are not zero.
  const minutes = (v: number) => (i.responded > 0n ? formatMinutes(v) : "-");
  return [
    ["收案数", "filings", n(i.filings)],
    ["已响应", "responded", n(i.responded)],
    ["30分钟内响应", "responded within 30 minutes", n(i.respondedWithin30Minutes)],
    ["5分钟内响应", "responded within 5 minutes", n(i.respondedWithin5Minutes)],
    ["30分钟响应率", "30-minute response rate", formatRate(i.responseRate30Minutes)],
    ["响应用时中位数", "median response time (working)", minutes(i.responseMinutesP50)],
    ["响应用时90分位", "90th-percentile response time (working)", minutes(i.responseMinutesP90)],
    ["平均响应用时", "mean response time (working)", minutes(i.responseMinutesMean)],
    ["已审查", "decided", n(i.decided)],
    ["按期审查", "decided in time", n(i.decidedInTime)],
    ["受理", "accepted", n(i.accepted)],
    ["不予受理", "rejected", n(i.rejected)],
    ["补正", "with corrections requested", n(i.corrected)],
    ["受理率", "acceptance rate", formatRate(i.acceptanceRate)],
    ["不予受理率", "rejection rate", formatRate(i.rejectionRate)],
    ["补正率", "correction rate", formatRate(i.correctionRate)],
    ["当前超期", "overdue now", n(i.overdueNow)],
    ["满意度", "satisfaction (1–5)", i.satisfactionCount > 0n && Number.isFinite(i.satisfactionAverage) ? i.satisfactionAverage.toFixed(2) : "-"],
    ["评价数", "ratings", n(i.satisfactionCount)],
    ["投诉", "complaints", n(i.complaints)],
  ];
}

/** Two columns: the indicator (Chinese, then English, aligned) and its value. */
export function formatIndicatorTable(i: Indicators): string {
  const rows = indicatorRows(i);
  const zh = Math.max(...rows.map(([z]) => displayWidth(z)));
  return table(
    ["INDICATOR 指标", "VALUE"],
    rows.map(([z, en, v]) => [`${pad(z, zh)}  ${en}`, v]),
  );
}

/** What the indicators are of: scope, days, case type. */
export function indicatorsHeading(req: supervisionV1.GetIndicatorsRequest): string {
  const days = !req.fromDate && !req.toDate ? "today" : req.fromDate === req.toDate ? req.fromDate : `${req.fromDate || "…"} to ${req.toDate || "today"}`;
  const type = req.caseType ? `, ${caseTypeId(req.caseType) ?? "-"}` : ", all case types";
  return `indicators of ${scopeLabel(req.scope)}, ${days} (China time, whole days)${type}`;
}

export const formatIndicators = (req: supervisionV1.GetIndicatorsRequest, i: Indicators): string => `${indicatorsHeading(req)}\n\n${formatIndicatorTable(i)}`;

export const OVERDUE_HEADER = ["FILING", "JURISDICTION COURT", "COLLABORATING COURT", "CASE TYPE", "OVERDUE FOR", "DUE (UTC+8)", "LATE BY"];

export function overdueRows(fs: readonly supervisionV1.OverdueFiling[]): string[][] {
  return fs.map((f) => [
    f.filingId,
    f.jurisdictionCourtId || "-",
    f.collaboratingCourtId || "-",
    caseTypeId(f.caseType) ?? "-",
    f.overdueFor || "-",
    chinaTime(f.due),
    formatLate(f.lateBy, f.lateUnit || (f.overdueFor === "response" ? "working minutes" : f.overdueFor === "decision" ? "hours" : "")),
  ]);
}

export const formatOverdue = (fs: readonly supervisionV1.OverdueFiling[]): string => (fs.length === 0 ? "no overdue filings" : `${table(OVERDUE_HEADER, overdueRows(fs))}\n${fs.length} overdue`);

export const NOTICE_LIST_HEADER = ["NOTICE", "KIND", "SCOPE", "GENERATED (UTC+8)"];

export function noticeRows(ns: readonly Notice[]): string[][] {
  return ns.map((n) => [n.noticeId, noticeKindLabel(n.kind), scopeLabel(n.scope), chinaTime(n.generatedAt)]);
}

export const formatNoticeList = (ns: readonly Notice[]): string =>
  ns.length === 0 ? "no notices" : `${table(NOTICE_LIST_HEADER, noticeRows(ns))}\nrows and CSV: kuayu supervise notice <id> [--csv <file>]`;

export const NOTICE_ROW_HEADER = ["JURISDICTION COURT", "FILING", "RECEIPT", "ARRIVED (UTC+8)", "LATE BY"];

export function noticeLineRows(n: Notice): string[][] {
  const unit = n.kind === supervisionV1.NoticeKind.WEEKLY ? "working days" : "hours";
  return n.rows.map((r) => [
    [r.jurisdictionCourtName, r.jurisdictionCourtId].filter(Boolean).join(" ") || "-",
    r.filingId || "-",
    r.receiptNumber || "-",
    chinaTime(r.arrivedAt),
    formatLate(r.lateBy, r.lateUnit || unit),
  ]);
}

export function formatNotice(n: Notice): string {
  const field = (k: string, v: string) => `${pad(k, 16)}${v}`;
  const out = [field("notice", n.noticeId), field("kind", noticeKindLabel(n.kind)), field("scope", scopeLabel(n.scope)), field("generated", `${chinaTime(n.generatedAt)} (UTC+8)`), ""];
  out.push(n.rows.length === 0 ? "no filings to report" : `${table(NOTICE_ROW_HEADER, noticeLineRows(n))}\n${n.rows.length} ${n.rows.length === 1 ? "filing" : "filings"}`);
  return out.join("\n");
}

export const COMPLAINT_HEADER = ["COMPLAINT", "STATUS", "CATEGORY", "FILING", "JURISDICTION COURT", "FILED (UTC+8)", "ANSWERED (UTC+8)", "TEXT"];

export function complaintRows(cs: readonly supervisionV1.Complaint[]): string[][] {
  return cs.map((c) => [c.complaintId, c.status || "-", c.category || "-", c.filingId || "-", c.jurisdictionCourtId || "-", chinaTime(c.filedAt), chinaTime(c.answeredAt), oneLine(c.text, 40) || "-"]);
}

export const formatComplaints = (cs: readonly supervisionV1.Complaint[]): string => (cs.length === 0 ? "no complaints" : table(COMPLAINT_HEADER, complaintRows(cs)));

const caseTypesText = (ts: readonly commonV1.CaseType[]) => (ts.length === 0 ? "all" : ts.map((t) => caseTypeId(t) ?? String(t)).join(", "));
const courtsText = (ids: readonly string[]) => (ids.length === 0 ? "every court that may collaborate" : ids.length <= 5 ? ids.join(", ") : `${ids.length} courts (${ids.slice(0, 5).join(", ")}, …)`);

export function formatDrill(d: Drill): string {
  const field = (k: string, v: string) => `${pad(k, 12)}${v}`;
  return [
    field("drill", d.drillId),
    field("name", d.name),
    field("rounds", String(d.rounds)),
    field("window", `${chinaTime(d.startsAt)} – ${chinaTime(d.endsAt)} (UTC+8)`),
    field("case types", caseTypesText(d.caseTypes)),
    field("courts", courtsText(d.courtIds)),
  ].join("\n");
}

export const PARTICIPATION_HEADER = ["EXPECTED", "PARTICIPATED", "RATE"];

/**
 * Participation rows grouped for tables: province (by code), then level (supreme … tribunal),
 * then any other group the service sends, by name.
 */
const groupRank = (group: string) => (group === "province" ? 0 : group === "level" ? 1 : 2);

export function participationGroups(rows: readonly supervisionV1.ParticipationRow[]): { group: string; rows: string[][] }[] {
  const groups = [...new Set(rows.map((r) => r.group))].sort((a, b) => groupRank(a) - groupRank(b) || a.localeCompare(b));
  const levelRank = (k: string) => {
    const i = (COURT_LEVELS as readonly string[]).indexOf(k);
    return i < 0 ? COURT_LEVELS.length : i;
  };
  return groups.map((group) => ({
    group,
    rows: rows
      .filter((r) => r.group === group)
      .sort((a, b) => (group === "level" ? levelRank(a.key) - levelRank(b.key) : 0) || a.key.localeCompare(b.key))
      .map((r) => [group === "level" && LEVEL_TITLES[r.key] ? `${r.key} (${LEVEL_TITLES[r.key]})` : r.key || "-", r.expected.toString(), r.participated.toString(), formatRate(r.rate)]),
  }));
}

export function formatDrillReport(r: supervisionV1.GetDrillReportResponse, round: number): string {
  const d = r.drill;
  const field = (k: string, v: string) => `${pad(k, 25)}${v}`;
  const out = [
    field("drill", d ? `${d.drillId}  ${d.name}` : "-"),
    field("round", round === 0 ? (d ? `all ${d.rounds} ${d.rounds === 1 ? "round" : "rounds"} together` : "all together") : `${round}${d ? ` of ${d.rounds}` : ""}`),
  ];
  if (d) out.push(field("window", `${chinaTime(d.startsAt)} – ${chinaTime(d.endsAt)} (UTC+8)`), field("case types", caseTypesText(d.caseTypes)), field("courts", courtsText(d.courtIds)));
  out.push(field("filings", r.filings.toString()), field("30-minute response rate", r.filings > 0n ? formatRate(r.responseRate30Minutes) : "-"));
  for (const g of participationGroups(r.participation)) {
    out.push("", `participation by ${g.group}`, table([g.group.toUpperCase(), ...PARTICIPATION_HEADER], g.rows));
  }
  const missing = r.missingCourtIds;
  out.push("", `missing courts: ${missing.length}${missing.length > 0 ? " (did not file every case type of the round)" : ""}`);
  for (const id of missing.slice(0, MISSING_COURTS_SHOWN)) out.push(`  ${id}`);
  if (missing.length > MISSING_COURTS_SHOWN) out.push(`  … and ${missing.length - MISSING_COURTS_SHOWN} more (--json lists them all)`);
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// A notice's CSV, written to a file: never over an existing one without --force.

/** --csv <path>: that file, or notice-<id>.csv in it when it is a directory (or ends with a slash). */
export function csvTarget(out: string, noticeId: string, cwd = process.cwd()): string {
  const resolved = path.resolve(cwd, out);
  if (!isDirectory(resolved) && !/[/\\]$/.test(out)) return resolved;
  const base = path.basename(noticeId.replace(/\\/g, "/"));
  return path.join(resolved, `notice-${base && base !== "." && base !== ".." ? base : "unnamed"}.csv`);
}

/** Checks the target before anything is asked of the service. */
export function checkCsvTarget(target: string, force: boolean): void {
  if (!force && existsSync(target)) throw new CliUsageError(`${target} exists; pass --force to overwrite it`);
  if (!isDirectory(path.dirname(target))) throw new CliUsageError(`cannot write ${target}: no directory ${path.dirname(target)}`);
}

/**
 * Writes the CSV as the service made it (UTF-8 with BOM) through a temporary file next to the
 * target, then puts it in place; returns the bytes written.
 */
export function saveCsv(target: string, csv: string, force: boolean): number {
  checkCsvTarget(target, force);
  // protobuf's UTF-8 decoding drops a leading BOM: put it back for spreadsheet programs.
  const bytes = Buffer.from(csv.startsWith("\uFEFF") ? csv : `\uFEFF${csv}`, "utf8");
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID().slice(0, 8)}.part`);
  try {
    writeFileSync(tmp, bytes, { flag: "wx" });
    if (force) {
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
    return bytes.length;
  } finally {
    rmSync(tmp, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Commands.

function common(cmd: Command): Command {
  return tlsOptions(cmd)
    .option("--addr <host:port>", "supervision service address (env KUAYU_SUPERVISION_ADDR)", process.env.KUAYU_SUPERVISION_ADDR ?? DEFAULT_SUPERVISION_ADDRESS)
    .option("--token <jwt>", "bearer token of a supervisor (default: env KUAYU_TOKEN; see `kuayu token mint --role supervisor`)")
    .option("--timeout <seconds>", `deadline of the call (default: ${DEFAULT_CALL_TIMEOUT_MS / 1000})`)
    .option("--json", "machine-readable output");
}

function scoped(cmd: Command): Command {
  return common(
    cmd
      .option("--national", "the whole country (default; the SPC's supervisors)")
      .option("--province <code>", "a province, by its two-digit code, e.g. 44")
      .option("--court <id>", "one court, by its directory id"),
  );
}

const scopeJson = (s: Scope) => toJson(supervisionV1.ScopeSchema, s, JSON_OPTIONS);

export function superviseCommands(cmd: Command): void {
  scoped(
    cmd
      .command("indicators")
      .description("filings, response within 30 minutes, response times, decisions, corrections, overdue, satisfaction and complaints")
      .option("--from <YYYY-MM-DD>", "first day (China time; default: today)")
      .option("--to <YYYY-MM-DD>", "last day, included (China time; default: today)")
      .option("--case-type <type>", `only this case type: ${CASE_TYPES.join(" | ")}`),
  ).action(async (o: CommonOptions & IndicatorsOptions) => {
    const req = validated(() => indicatorsRequest(o));
    await withClient(o, async (client) => {
      const i = required((await client.getIndicators(req)).indicators, "indicators");
      print(
        o.json,
        { scope: scopeJson(req.scope!), fromDate: req.fromDate, toDate: req.toDate, caseType: caseTypeId(req.caseType) ?? "all", indicators: toJson(supervisionV1.IndicatorsSchema, i, JSON_OPTIONS) },
        () => formatIndicators(req, i),
      );
    });
  });

  scoped(cmd.command("overdue").description("filings overdue now: no response after 30 working minutes, or no decision in time")).action(async (o: CommonOptions & ScopeOptions) => {
    const req = validated(() => create(supervisionV1.ListOverdueRequestSchema, { scope: parseScope(o) }));
    await withClient(o, async (client) => {
      const { filings } = await client.listOverdue(req);
      print(o.json, { scope: scopeJson(req.scope!), filings: filings.map((f) => toJson(supervisionV1.OverdueFilingSchema, f, JSON_OPTIONS)) }, () => formatOverdue(filings));
    });
  });

  scoped(
    cmd
      .command("notices")
      .description("notices (通报) of a scope, newest first: daily (no feedback after 24 hours) and weekly (not decided after 7 working days)")
      .option("--page-size <n>", "1–200 (default: the service's)"),
  ).action(async (o: CommonOptions & NoticesOptions) => {
    const req = validated(() => noticesRequest(o));
    await withClient(o, async (client) => {
      const { notices } = await client.listNotices(req);
      print(o.json, { notices: notices.map((n) => toJson(supervisionV1.NoticeSchema, n, JSON_OPTIONS)) }, () => formatNoticeList(notices));
    });
  });

  common(
    cmd
      .command("notice <notice-id>")
      .description("a notice and its rows; --csv writes its CSV (UTF-8 with BOM, for spreadsheet programs)")
      .option("--csv <file>", "write the notice's CSV to this file (or notice-<id>.csv in this directory)")
      .option("--force", "overwrite an existing file"),
  ).action(async (noticeId: string, o: CommonOptions & { csv?: string; force?: boolean }) => {
    const target = validated(() => {
      if (!noticeId.trim()) throw new CliUsageError("name the notice (see `kuayu supervise notices`)");
      if (o.csv === undefined) return undefined;
      const t = csvTarget(o.csv, noticeId.trim());
      checkCsvTarget(t, o.force === true);
      return t;
    });
    await withClient(o, async (client) => {
      const n = required((await client.getNotice({ noticeId: noticeId.trim() })).notice, "a notice");
      if (target === undefined) {
        print(o.json, toJson(supervisionV1.NoticeSchema, n, JSON_OPTIONS), () => formatNotice(n));
        return;
      }
      if (!n.csv) throw new Error(`the service sent no CSV for notice ${n.noticeId || noticeId}`);
      const bytes = saveCsv(target, n.csv, o.force === true);
      print(
        o.json,
        { out: target, sizeBytes: bytes, notice: toJson(supervisionV1.NoticeSchema, n, JSON_OPTIONS) },
        () =>
          `wrote ${target} (${n.rows.length} ${n.rows.length === 1 ? "row" : "rows"}, ${bytes} bytes): ${noticeKindLabel(n.kind)} of ${scopeLabel(n.scope)}, generated ${chinaTime(n.generatedAt)} (UTC+8)`,
      );
    });
  });

  scoped(
    cmd.command("notice-generate").description("generate a notice now (the daily and weekly ones are also generated on schedule)").requiredOption("--kind <kind>", NOTICE_KINDS.join(" | ")),
  ).action(async (o: CommonOptions & ScopeOptions & { kind: string }) => {
    const req = validated(() => generateNoticeRequest(o));
    await withClient(o, async (client) => {
      const n = required((await client.generateNotice(req)).notice, "a notice");
      print(o.json, toJson(supervisionV1.NoticeSchema, n, JSON_OPTIONS), () => `${formatNotice(n)}\nCSV: kuayu supervise notice ${n.noticeId} --csv <file>`);
    });
  });

  const drill = cmd.command("drill").description("drill campaigns (演练) and their participation reports");

  common(
    drill
      .command("create")
      .description("register a drill: its rounds, expected courts and case types, and its window")
      .requiredOption("--name <name>", "what the drill is called, e.g. 2026年冬季跨域立案演练")
      .option("--rounds <n>", "how many rounds (default: 1)")
      .option("--court <id>", "a collaborating court expected to take part, repeatable (default: every court that may collaborate)", collect)
      .option("--case-type <type>", `a case type to file, repeatable (default: all): ${CASE_TYPES.join(" | ")}`, collect)
      .requiredOption("--from <date|instant>", "start: YYYY-MM-DD (00:00 China time) or an ISO instant with offset")
      .requiredOption("--to <date|instant>", "end: YYYY-MM-DD (23:59:59 China time) or an ISO instant with offset"),
  ).action(async (o: CommonOptions & DrillCreateOptions) => {
    const req = validated(() => drillRequest(o));
    await withClient(o, async (client) => {
      const d = required((await client.createDrill(req)).drill, "a drill");
      print(o.json, toJson(supervisionV1.DrillSchema, d, JSON_OPTIONS), () => `${formatDrill(d)}\nnext: kuayu supervise drill report ${d.drillId}`);
    });
  });

  common(
    drill
      .command("report <drill-id>")
      .description("participation by province and by level, the 30-minute response rate, and the courts that missed a case type")
      .option("--round <n>", "one round, from 1 (default: every round together)"),
  ).action(async (drillId: string, o: CommonOptions & { round?: string }) => {
    const req = validated(() => drillReportRequest(drillId, o));
    await withClient(o, async (client) => {
      const res = await client.getDrillReport(req);
      print(o.json, toJson(supervisionV1.GetDrillReportResponseSchema, res, JSON_OPTIONS), () => formatDrillReport(res, req.round));
    });
  });

  scoped(cmd.command("complaints").description("complaints about filings, newest first").option("--open", "only those not answered yet")).action(
    async (o: CommonOptions & ScopeOptions & { open?: boolean }) => {
      const req = validated(() => complaintsRequest(o));
      await withClient(o, async (client) => {
        const { complaints } = await client.listComplaints(req);
        print(o.json, { scope: scopeJson(req.scope!), openOnly: req.openOnly, complaints: complaints.map((c) => toJson(supervisionV1.ComplaintSchema, c, JSON_OPTIONS)) }, () =>
          formatComplaints(complaints),
        );
      });
    },
  );
}
