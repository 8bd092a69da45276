// `kuayu inbox …`: the jurisdiction court's inbox (kuayu.decision.v1.JurisdictionDecisionService) over gRPC,
// for the court's filing specialists (跨域立案专员). Connection options, failures, masking, tables and
// downloads are those of `kuayu filing` (./filing.ts); the pure parts here are exported for tests.
import type { Command } from "commander";
import { create, toJson } from "@bufbuild/protobuf";
import { timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { Client } from "@kuayu/grpc";
import { CASE_TYPES, caseTypeInfo } from "@kuayu/domain";
import { decisionEventsV1, decisionV1, enumFromId, idFromEnum, intakeV1 } from "@kuayu/proto";
import {
  CliUsageError,
  DEFAULT_CALL_TIMEOUT_MS,
  TOKEN_HINT,
  caseTypeId,
  caseTypeLabel,
  chinaDayStart,
  chinaTime,
  connection,
  describeFailure,
  download,
  formatSize,
  oneLine,
  pad,
  parsePageSize,
  runWithClient,
  tlsOptions,
  partyLines,
  table,
  validated,
  type CommonOptions,
  type Connection,
  type Failure,
} from "./filing.js";
import { print } from "./output.js";

type DecisionClient = Client<typeof decisionV1.JurisdictionDecisionService>;
type InboxFiling = decisionV1.InboxFiling;
type RequestedItem = decisionEventsV1.RequestedItem;

export const DEFAULT_DECISION_ADDRESS = "127.0.0.1:50053";

const DAY_MS = 24 * 3600_000;

// ---------------------------------------------------------------------------------------------
// Names: views, statuses and rejection categories in kebab form, as everywhere else in the CLI.

/** Kebab names of an enum's values other than UNSPECIFIED, in enum order. */
export const kebabNames = (e: Record<string, string | number>): readonly string[] =>
  Object.values(e)
    .filter((v): v is number => typeof v === "number" && v !== 0)
    .sort((a, b) => a - b)
    .map((v) => idFromEnum<string>(e, v)!);

export function fromName<E extends Record<string, string | number>>(e: E, names: readonly string[], name: string, what: string): E[keyof E] {
  const id = name.trim().toLowerCase().replace(/_/g, "-");
  if (!names.includes(id)) throw new CliUsageError(`unknown ${what} "${name}"; one of ${names.join(", ")}`);
  return enumFromId(e, id);
}

/** awaiting-response, awaiting-decision, correction-pending, overdue, all. */
export const INBOX_VIEWS: readonly string[] = kebabNames(decisionV1.InboxView);
export const DEFAULT_VIEW = "awaiting-response";
export const viewFromName = (name: string): decisionV1.InboxView => fromName(decisionV1.InboxView, INBOX_VIEWS, name, "view");
export const viewName = (v: decisionV1.InboxView): string => idFromEnum<string>(decisionV1.InboxView, v) ?? "unspecified";

/** awaiting-response, awaiting-decision, correction-pending, accepted, rejected, withdrawn. */
export const INBOX_STATUSES: readonly string[] = kebabNames(decisionV1.InboxStatus);
export const inboxStatusName = (s: decisionV1.InboxStatus): string => idFromEnum<string>(decisionV1.InboxStatus, s) ?? "unspecified";

/** no-jurisdiction, outside-court-scope, conditions-not-met, duplicate, corrections-missing, other. */
export const REJECTION_CATEGORIES: readonly string[] = kebabNames(decisionEventsV1.RejectionCategory);
export const categoryFromName = (name: string): decisionEventsV1.RejectionCategory => fromName(decisionEventsV1.RejectionCategory, REJECTION_CATEGORIES, name, "rejection category");
export const categoryName = (c: decisionEventsV1.RejectionCategory): string => idFromEnum<string>(decisionEventsV1.RejectionCategory, c) ?? "unspecified";

/** Every checklist item id of the six case types: what a correction item may ask for. */
export const MATERIAL_KINDS: readonly string[] = [...new Set(CASE_TYPES.flatMap((t) => caseTypeInfo(t).materials.map((m) => m.id)))];

// ---------------------------------------------------------------------------------------------
// Option → request mapping.

export interface InboxListOptions {
  view?: string;
  pageSize?: string;
  pageToken?: string;
}

export function inboxListRequest(o: InboxListOptions): decisionV1.ListInboxRequest {
  return create(decisionV1.ListInboxRequestSchema, {
    view: viewFromName(o.view ?? DEFAULT_VIEW),
    pageSize: o.pageSize !== undefined ? parsePageSize(o.pageSize) : 0,
    pageToken: o.pageToken ?? "",
  });
}

export interface RejectOptions {
  category: string;
  reason: string;
  basis: string;
}

export function rejectRequest(filingId: string, o: RejectOptions): decisionV1.RejectRequest {
  const category = categoryFromName(o.category);
  const reason = o.reason.trim();
  const legalBasis = o.basis.trim();
  if (!reason) throw new CliUsageError("--reason must not be empty");
  if (!legalBasis) throw new CliUsageError("--basis must not be empty");
  return create(decisionV1.RejectRequestSchema, { filingId, category, reason, legalBasis });
}

/**
 * `--item <kind>[:<description>]`: a checklist item id, then what is wrong with it. The first colon
 * (ASCII or full-width ：) separates them, so the description may contain more colons.
 */
export function parseItem(text: string): RequestedItem {
  const m = /^([^:：]*)[:：]([\s\S]*)$/.exec(text);
  const kind = (m ? m[1]! : text).trim().toLowerCase();
  const description = (m ? m[2]! : "").trim();
  if (!kind) throw new CliUsageError(`--item "${text}" names no material kind before the colon; use --item-text <description> for an item without one`);
  if (!MATERIAL_KINDS.includes(kind)) throw new CliUsageError(`--item: unknown material kind "${kind}"; one of ${MATERIAL_KINDS.join(", ")}`);
  return create(decisionEventsV1.RequestedItemSchema, { materialKind: kind, description });
}

/** `--item-text <description>`: something to correct that is not a material (e.g. the claims). */
export function parseItemText(text: string): RequestedItem {
  const description = text.trim();
  if (!description) throw new CliUsageError("--item-text must not be empty");
  return create(decisionEventsV1.RequestedItemSchema, { materialKind: "", description });
}

/** The complete list (一次性告知): the --item ones, then the --item-text ones, without exact repeats. */
export function requestedItems(items: readonly string[], texts: readonly string[]): RequestedItem[] {
  const all = [...items.map(parseItem), ...texts.map(parseItemText)];
  if (all.length === 0) throw new CliUsageError("name what to correct: at least one --item <kind>[:<description>] or --item-text <description> (the complete list, 一次性告知)");
  const seen = new Set<string>();
  return all.filter((i) => {
    const key = `${i.materialKind}\u0000${i.description}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/**
 * --deadline: a day YYYY-MM-DD means the end of that day in China time (23:59:59 UTC+8); otherwise an
 * ISO instant with its offset (2026-12-05T17:00:00+08:00, 2026-12-05T09:00:00Z). It must be in the
 * future; the service also holds it to at most 90 days ahead.
 */
export function parseDeadline(text: string, now: Date = new Date()): Timestamp {
  const t = text.trim();
  let at: Date;
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) {
    at = new Date(chinaDayStart(t, "--deadline").getTime() + DAY_MS - 1000);
  } else {
    const m = ISO_INSTANT.exec(t);
    if (!m) throw new CliUsageError(`--deadline must be a date YYYY-MM-DD (the end of that day, China time) or an ISO instant such as 2026-12-05T17:00:00+08:00, got "${text}"`);
    const day = chinaDayStart(m[1]!, "--deadline"); // checks the calendar date
    const [h, mi, s] = [Number(m[2]), Number(m[3]), Number(m[4] ?? 0)];
    const [oh, om] = [Number(m[8] ?? 0), Number(m[9] ?? 0)];
    if (h > 23 || mi > 59 || s > 59 || oh > 23 || om > 59) throw new CliUsageError(`--deadline is not a valid time: "${text}"`);
    const ms = Number(((m[5] ?? "") + "000").slice(0, 3));
    const offsetMs = (m[7] === "-" ? -1 : 1) * (oh * 60 + om) * 60_000;
    // chinaDayStart is midnight UTC+8; back to midnight UTC, then the wall time at the given offset.
    at = new Date(day.getTime() + 8 * 3600_000 + ((h * 60 + mi) * 60 + s) * 1000 + ms - offsetMs);
  }
  if (at.getTime() <= now.getTime()) throw new CliUsageError(`--deadline ${t} (${chinaTime(timestampFromDate(at))} China time) is not in the future`);
  return timestampFromDate(at);
}

export interface CorrectOptions {
  item?: string[];
  itemText?: string[];
  deadline: string;
  note?: string;
}

export function correctionRequest(filingId: string, o: CorrectOptions, now: Date = new Date()): decisionV1.RequestCorrectionsRequest {
  return create(decisionV1.RequestCorrectionsRequestSchema, {
    filingId,
    items: requestedItems(o.item ?? [], o.itemText ?? []),
    deadline: parseDeadline(o.deadline, now),
    note: o.note?.trim() ?? "",
  });
}

// ---------------------------------------------------------------------------------------------
// Connection and failures: those of `kuayu filing`, with the decision service's address and role.

export const INBOX_TOKEN_HINT =
  "no bearer token: pass --token <jwt> or set KUAYU_TOKEN, e.g.\n" +
  "  export KUAYU_TOKEN=$(kuayu token mint --court <court id> --role filing-specialist --province <code>)\n" +
  "(the jurisdiction court's id; --province is its two-digit province code, optional when the court id has a 6-digit division code)";

export function inboxConnection(o: CommonOptions, env: NodeJS.ProcessEnv = process.env): Connection {
  try {
    return connection(o, env);
  } catch (err) {
    if (err instanceof CliUsageError && err.message === TOKEN_HINT) throw new CliUsageError(INBOX_TOKEN_HINT);
    throw err;
  }
}

export function describeInboxFailure(err: unknown, address: string): Failure {
  const f = describeFailure(err, address);
  const hints: Record<string, string> = {
    UNAVAILABLE: `is the jurisdiction-decision service running at ${address}? (--addr or KUAYU_DECISION_ADDR)`,
    UNAUTHENTICATED: "the token was refused (expired, or signed with another key?); mint a new one with `kuayu token mint --court <court id> --role filing-specialist --province <code>`",
    PERMISSION_DENIED: "the inbox is the jurisdiction court's: use a token of that court with --role filing-specialist",
  };
  const hint = f.code ? hints[f.code] : undefined;
  return hint ? { ...f, hint } : f;
}

const withClient = (o: CommonOptions, body: (client: DecisionClient, conn: Connection) => Promise<void>) =>
  runWithClient(decisionV1.JurisdictionDecisionService, o, () => inboxConnection(o), describeInboxFailure, body);

const filingOf = (res: { filing?: InboxFiling }): InboxFiling => {
  if (!res.filing) throw new Error("the service answered without a filing");
  return res.filing;
};

// ---------------------------------------------------------------------------------------------
// Human output. Identity numbers and phone numbers are masked as in `kuayu filing show`.

const caseTypeOf = (f: InboxFiling) => f.caseType || (f.details?.caseType ?? 0);

/** The deadline that matters for a filing: the response's while it awaits one, else the decision's. */
export function relevantDue(f: InboxFiling): { which: "response" | "decision"; at: Timestamp | undefined } {
  return f.status === decisionV1.InboxStatus.AWAITING_RESPONSE ? { which: "response", at: f.responseDue } : { which: "decision", at: f.decisionDue };
}

/** "complete", or how many materials of the current round the court holds a verified copy of. */
export function materialsState(f: InboxFiling): string {
  if (f.materialsComplete) return "complete";
  const current = f.materials.filter((m) => m.material?.round === f.round);
  return current.length > 0 ? `incomplete (${current.filter((m) => m.copied).length}/${current.length} copied)` : "incomplete";
}

export const INBOX_LIST_HEADER = ["FILING", "STATUS", "CASE TYPE", "RECEIPT", "ARRIVED (UTC+8)", "DUE (UTC+8)", "OVERDUE", "MATERIALS"];
/** `deadlinesEstimated` (proto name kept) means provisional: counted over a year without the official holiday arrangement. */
const PROVISIONAL_NOTE = "* provisional deadline (the official holiday arrangement of that year is not loaded)";

/** One row per filing; DUE is the response deadline for awaiting-response, the decision deadline otherwise. */
export function inboxRows(filings: InboxFiling[]): string[][] {
  return filings.map((f) => {
    const due = relevantDue(f).at;
    return [
      f.filingId,
      inboxStatusName(f.status),
      caseTypeId(caseTypeOf(f)) ?? "-",
      f.receiptNumber || "-",
      chinaTime(f.arrivedAt),
      `${chinaTime(due)}${due && f.deadlinesEstimated ? "*" : ""}`,
      f.overdue ? "OVERDUE" : "-",
      materialsState(f),
    ];
  });
}

const highlight = (line: string) => `\x1b[1;31m${line}\x1b[0m`;

/** Colour only on a terminal, and never with NO_COLOR set (https://no-color.org). */
export const useColor = (stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean => stream.isTTY === true && !env.NO_COLOR && env.TERM !== "dumb";

/** `inbox list` without --json; overdue rows in bold red when `color`. */
export function formatInboxList(filings: InboxFiling[], color = false): string {
  if (filings.length === 0) return "no filings";
  // Coloured after aligning, so the escape codes do not count as columns.
  const lines = table(INBOX_LIST_HEADER, inboxRows(filings))
    .split("\n")
    .map((l, i) => (color && i > 0 && filings[i - 1]!.overdue ? highlight(l) : l));
  if (filings.some((f) => f.deadlinesEstimated)) lines.push(PROVISIONAL_NOTE);
  return lines.join("\n");
}

const itemLine = (i: RequestedItem) => `  ${i.materialKind || "(not a material)"}: ${i.description || "-"}`;

/** `inbox show` without --json: summary, deadlines, decision or corrections, parties, claims, materials. */
export function formatInboxFiling(f: InboxFiling): string {
  const d = f.details;
  const field = (k: string, v: string) => `${pad(k, 21)}${v}`;
  const provisional = f.deadlinesEstimated ? " (provisional)" : "";
  const out = [
    field("filing", f.filingId),
    field("status", inboxStatusName(f.status)),
    field("case type", caseTypeLabel(caseTypeOf(f))),
    field("receipt", f.receiptNumber || "-"),
    field("round", String(f.round)),
    field("collaborating court", f.collaboratingCourtId || "-"),
    field("jurisdiction court", f.jurisdictionCourtId || d?.jurisdictionCourtId || "-"),
  ];
  if (d?.jurisdictionBasis) out.push(field("basis", oneLine(d.jurisdictionBasis, 100)));
  if (f.drill || d?.drill) out.push(field("drill", "yes (演练)"));
  out.push(
    field("materials", materialsState(f)),
    "",
    "deadlines (UTC+8)",
    field("  arrived", chinaTime(f.arrivedAt)),
    field("  response due", `${chinaTime(f.responseDue)}${f.responseDue ? provisional : ""}`),
    field("  acknowledged", chinaTime(f.acknowledgedAt)),
    field("  decision due", `${chinaTime(f.decisionDue)}${f.decisionDue ? provisional : ""}`),
  );
  if (f.overdue) out.push(field("  overdue", `OVERDUE: the ${relevantDue(f).which} is late`));
  if (f.correctionDeadline) out.push(field("  corrections due", chinaTime(f.correctionDeadline)));
  if (f.decidedAt) out.push(field("  decided", chinaTime(f.decidedAt)));
  out.push(field("  updated", chinaTime(f.updatedAt)));

  if (f.caseNumber || f.rejectionCategory || f.rejectionReason || f.rejectionLegalBasis) {
    out.push("", "decision");
    if (f.caseNumber) out.push(field("  case number", f.caseNumber));
    if (f.rejectionCategory || f.rejectionReason) {
      out.push(field("  not accepted", [f.rejectionCategory ? categoryName(f.rejectionCategory) : "", f.rejectionReason].filter(Boolean).join(": ")));
    }
    if (f.rejectionLegalBasis) out.push(field("  legal basis", f.rejectionLegalBasis));
  }
  if (f.correctionItems.length > 0) {
    out.push("", `corrections requested (${f.correctionItems.length}), due ${chinaTime(f.correctionDeadline)}`, ...f.correctionItems.map(itemLine));
  }

  out.push("", `parties (${d?.parties.length ?? 0})`);
  for (const p of d?.parties ?? []) out.push(...partyLines(p));
  out.push("", "claims", d?.claims ? `  ${oneLine(d.claims, 200)}` : "  -");
  if (d?.facts) out.push(`  facts: ${[...d.facts].length} characters (--json shows them)`);

  out.push("", `materials (${f.materials.length})`);
  if (f.materials.length > 0) {
    out.push(
      table(
        ["MATERIAL", "KIND", "ROUND", "SIZE", "TYPE", "SHA-256", "UPLOADED", "COPIED", "FILE"],
        f.materials.map(({ material: m, copied }) => [
          m?.materialId ?? "-",
          m?.kind ?? "-",
          String(m?.round ?? "-"),
          m ? formatSize(m.sizeBytes) : "-",
          m?.mediaType ?? "-",
          m?.sha256.slice(0, 12) ?? "-",
          chinaTime(m?.uploadedAt),
          copied ? "yes" : "no",
          m?.fileName ?? "-",
        ]),
      ),
    );
  }
  return out.join("\n");
}

/** One line of `inbox watch`: time of the change, filing, status, receipt, then case number and OVERDUE when they apply. */
export function formatInboxWatchLine(ev: decisionV1.WatchInboxResponse): string {
  const f = ev.filing;
  return [
    chinaTime(f?.updatedAt),
    f?.filingId ?? "-",
    pad(inboxStatusName(f?.status ?? 0), 18),
    f?.receiptNumber || "-",
    ...(f?.caseNumber ? [`case ${f.caseNumber}`] : []),
    ...(f?.overdue ? ["OVERDUE"] : []),
  ].join("  ");
}

/** After ack, accept, reject and correct: what changed. */
export function inboxBrief(f: InboxFiling): string {
  const lines = [`filing       ${f.filingId}`, `status       ${inboxStatusName(f.status)}`];
  if (f.receiptNumber) lines.push(`receipt      ${f.receiptNumber}`);
  if (f.status === decisionV1.InboxStatus.ACCEPTED) lines.push(`case number  ${f.caseNumber || "-"}`);
  if (f.status === decisionV1.InboxStatus.REJECTED) lines.push(`category     ${categoryName(f.rejectionCategory)}`);
  if (f.status === decisionV1.InboxStatus.CORRECTION_PENDING) lines.push(`corrections  ${f.correctionItems.length} item(s), due ${chinaTime(f.correctionDeadline)} (UTC+8)`);
  const due = relevantDue(f);
  if (f.status === decisionV1.InboxStatus.AWAITING_RESPONSE || f.status === decisionV1.InboxStatus.AWAITING_DECISION) {
    lines.push(`${due.which} due ${chinaTime(due.at)} (UTC+8)${f.overdue ? "  OVERDUE" : ""}`);
  }
  return lines.join("\n");
}

const filingJson = (f: InboxFiling) => toJson(decisionV1.InboxFilingSchema, f);

// ---------------------------------------------------------------------------------------------
// Commands.

function common(cmd: Command): Command {
  return tlsOptions(cmd)
    .option("--addr <host:port>", "jurisdiction-decision service address (env KUAYU_DECISION_ADDR)", process.env.KUAYU_DECISION_ADDR ?? DEFAULT_DECISION_ADDRESS)
    .option("--token <jwt>", "bearer token of a filing specialist (default: env KUAYU_TOKEN; see `kuayu token mint --role filing-specialist`)")
    .option("--timeout <seconds>", `deadline of the call (default: ${DEFAULT_CALL_TIMEOUT_MS / 1000}; none for download and watch)`)
    .option("--json", "machine-readable output");
}

export const collect = (value: string, previous: string[] = []) => [...previous, value];

export function inboxCommands(cmd: Command): void {
  common(
    cmd
      .command("list")
      .description("your court's filings in a view, the most urgent first (DUE: the response deadline while awaiting response, else the decision deadline)")
      .option("--view <name>", `${INBOX_VIEWS.join(" | ")} (default: ${DEFAULT_VIEW})`)
      .option("--page-size <n>", "1–200 (default: the service's, 50)")
      .option("--page-token <token>", "continue from a previous page")
      .option("--all", "follow the pages to the end"),
  ).action(async (o: CommonOptions & InboxListOptions & { all?: boolean }) => {
    const req = validated(() => inboxListRequest(o));
    await withClient(o, async (client) => {
      const filings: InboxFiling[] = [];
      let next = "";
      for (;;) {
        const res = await client.listInbox(req);
        filings.push(...res.filings);
        next = res.nextPageToken;
        if (!o.all || !next) break;
        req.pageToken = next;
      }
      print(o.json, { view: viewName(req.view), filings: filings.map(filingJson), nextPageToken: next }, () => {
        const text = formatInboxList(filings, useColor());
        return next ? `${text}\nmore: add --all, or --page-token ${next}` : text;
      });
    });
  });

  common(
    cmd.command("show <filing-id>").description("a filing of your inbox: summary, deadlines, decision, parties, claims, materials (identity and phone numbers masked; --json shows everything)"),
  ).action(async (filingId: string, o: CommonOptions) => {
    await withClient(o, async (client) => {
      const f = filingOf(await client.getInboxFiling({ filingId }));
      print(o.json, filingJson(f), () => formatInboxFiling(f));
    });
  });

  common(cmd.command("ack <filing-id>").description("respond to a filing (响应), within 30 working minutes of its arrival; safe to repeat")).action(async (filingId: string, o: CommonOptions) => {
    await withClient(o, async (client) => {
      const f = filingOf(await client.acknowledge({ filingId }));
      print(o.json, filingJson(f), () => inboxBrief(f));
    });
  });

  common(cmd.command("accept <filing-id>").description("docket the filing (立案) and print its case number (案号); safe to repeat")).action(async (filingId: string, o: CommonOptions) => {
    await withClient(o, async (client) => {
      const f = filingOf(await client.accept({ filingId }));
      print(o.json, filingJson(f), () => inboxBrief(f));
    });
  });

  common(
    cmd
      .command("reject <filing-id>")
      .description("refuse the filing (不予受理 / 不予立案) with a category, the reasons and the legal basis")
      .requiredOption("--category <name>", REJECTION_CATEGORIES.join(" | "))
      .requiredOption("--reason <text>", "the reasons (1–2000 characters)")
      .requiredOption("--basis <legal basis>", "the legal basis, e.g. 《民事诉讼法》第一百二十七条 (1–500 characters)"),
  ).action(async (filingId: string, o: CommonOptions & RejectOptions) => {
    const req = validated(() => rejectRequest(filingId, o));
    await withClient(o, async (client) => {
      const f = filingOf(await client.reject(req));
      print(o.json, filingJson(f), () => inboxBrief(f));
    });
  });

  common(
    cmd
      .command("correct <filing-id>")
      .description("ask for corrections (补正): the complete list of items at once (一次性告知) and a deadline")
      .option("--item <kind[:description]>", "a checklist item to bring, e.g. evidence:借条原件不清晰 (repeatable)", collect)
      .option("--item-text <description>", "something to correct that is not a material, e.g. 诉讼请求金额不明确 (repeatable)", collect)
      .requiredOption("--deadline <date|instant>", "YYYY-MM-DD (the end of that day, China time) or an ISO instant with offset; in the future, at most 90 days ahead")
      .option("--note <text>", "a note for the collaborating court's window"),
  ).action(async (filingId: string, o: CommonOptions & CorrectOptions) => {
    const req = validated(() => correctionRequest(filingId, o));
    await withClient(o, async (client) => {
      const f = filingOf(await client.requestCorrections(req));
      print(o.json, filingJson(f), () => inboxBrief(f));
    });
  });

  common(
    cmd
      .command("download <filing-id> <material-id>")
      .description("download your court's copy of a material and verify its SHA-256")
      .option("--out <path>", "file (or directory) to write (default: the material's file name in the current directory)")
      .option("--force", "overwrite an existing file"),
  ).action(async (filingId: string, materialId: string, o: CommonOptions & { out?: string; force?: boolean }) => {
    await withClient(o, async (client, conn) => {
      const { material: m, out } = await download(client, conn, { filingId, materialId }, o);
      print(o.json, { out, material: toJson(intakeV1.MaterialSchema, m) }, () => `wrote ${out} (${m.sizeBytes} bytes, ${m.mediaType}, SHA-256 verified)`);
    });
  });

  common(cmd.command("watch").description("one line per change in your court's inbox until Ctrl-C")).action(async (o: CommonOptions) => {
    await withClient(o, async (client, conn) => {
      if (!o.json) process.stderr.write(`watching your court's inbox at ${conn.address} (Ctrl-C to stop); times are China time\n`);
      for await (const ev of client.watchInbox({}, { timeoutMs: conn.streamTimeoutMs })) {
        process.stdout.write(o.json ? `${JSON.stringify(toJson(decisionV1.WatchInboxResponseSchema, ev))}\n` : `${formatInboxWatchLine(ev)}\n`);
      }
      throw new Error("the service ended the watch");
    });
  });
}
