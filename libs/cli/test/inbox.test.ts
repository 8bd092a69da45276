// `kuayu inbox`: the parts that need no service — names, options → requests, correction items and
// deadlines, failure hints, rows and human output — plus the built CLI's usage errors.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { Command } from "commander";
import { create, toJson } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { invalidArgument, notFound, status, toServiceError, type RpcError } from "@kuayu/grpc";
import { commonV1, decisionEventsV1, decisionV1, intakeV1 } from "@kuayu/proto";
import { CliUsageError, DEFAULT_CALL_TIMEOUT_MS, formatFailure } from "../src/filing";
import {
  DEFAULT_DECISION_ADDRESS,
  INBOX_LIST_HEADER,
  INBOX_STATUSES,
  INBOX_TOKEN_HINT,
  INBOX_VIEWS,
  MATERIAL_KINDS,
  REJECTION_CATEGORIES,
  categoryFromName,
  categoryName,
  correctionRequest,
  describeInboxFailure,
  formatInboxFiling,
  formatInboxList,
  formatInboxWatchLine,
  inboxBrief,
  inboxCommands,
  inboxConnection,
  inboxListRequest,
  inboxRows,
  inboxStatusName,
  materialsState,
  parseDeadline,
  parseItem,
  parseItemText,
  rejectRequest,
  relevantDue,
  requestedItems,
  useColor,
  viewFromName,
  viewName,
} from "../src/inbox";

const ts = (iso: string) => timestampFromDate(new Date(iso));
const iso = (t: ReturnType<typeof ts> | undefined) => (t ? timestampDate(t).toISOString() : undefined);
const received = (err: RpcError) => Object.assign(new Error(`${err.code} ${status[err.code]}: ${err.message}`), toServiceError(err));
const item = (materialKind: string, description: string) => ({ materialKind, description });
const items = (list: decisionEventsV1.RequestedItem[]) => list.map((i) => item(i.materialKind, i.description));

describe("view, status and category names", () => {
  it("lists the views in kebab form, in enum order, and maps them both ways", () => {
    expect(INBOX_VIEWS).toEqual(["awaiting-response", "awaiting-decision", "correction-pending", "overdue", "all"]);
    for (const name of INBOX_VIEWS) expect(viewName(viewFromName(name))).toBe(name);
    expect(viewFromName(" Correction_Pending ")).toBe(decisionV1.InboxView.CORRECTION_PENDING);
    expect(viewFromName("all")).toBe(decisionV1.InboxView.ALL);
    expect(viewName(decisionV1.InboxView.UNSPECIFIED)).toBe("unspecified");
  });

  it("refuses an unknown view, naming the known ones", () => {
    expect(() => viewFromName("pending")).toThrow(CliUsageError);
    expect(() => viewFromName("pending")).toThrow(/unknown view "pending"; one of awaiting-response, awaiting-decision, correction-pending, overdue, all$/);
    expect(() => viewFromName("unspecified")).toThrow(CliUsageError);
  });

  it("names the inbox statuses", () => {
    expect(INBOX_STATUSES).toEqual(["awaiting-response", "awaiting-decision", "correction-pending", "accepted", "rejected", "withdrawn"]);
    expect(inboxStatusName(decisionV1.InboxStatus.CORRECTION_PENDING)).toBe("correction-pending");
    expect(inboxStatusName(decisionV1.InboxStatus.UNSPECIFIED)).toBe("unspecified");
  });

  it("maps the rejection categories both ways", () => {
    expect(REJECTION_CATEGORIES).toEqual(["no-jurisdiction", "outside-court-scope", "conditions-not-met", "duplicate", "corrections-missing", "other"]);
    for (const name of REJECTION_CATEGORIES) expect(categoryName(categoryFromName(name))).toBe(name);
    expect(categoryFromName("NO_JURISDICTION")).toBe(decisionEventsV1.RejectionCategory.NO_JURISDICTION);
    expect(() => categoryFromName("late")).toThrow(/unknown rejection category "late"; one of no-jurisdiction, outside-court-scope/);
  });
});

describe("list options → ListInboxRequest", () => {
  it("asks for the awaiting-response view by default", () => {
    expect(inboxListRequest({})).toMatchObject({ view: decisionV1.InboxView.AWAITING_RESPONSE, pageSize: 0, pageToken: "" });
  });

  it("maps every option and checks the page size", () => {
    expect(inboxListRequest({ view: "overdue", pageSize: "200", pageToken: "p2" })).toMatchObject({ view: decisionV1.InboxView.OVERDUE, pageSize: 200, pageToken: "p2" });
    for (const bad of ["0", "201", "1.5"]) expect(() => inboxListRequest({ pageSize: bad })).toThrow(/--page-size must be a whole number from 1 to 200/);
    expect(() => inboxListRequest({ view: "new" })).toThrow(CliUsageError);
  });
});

describe("reject options → RejectRequest", () => {
  it("maps the category and trims the texts", () => {
    const req = rejectRequest("f-1", { category: "conditions-not-met", reason: " 缺少明确的被告 ", basis: "《民事诉讼法》第一百二十二条" });
    expect(toJson(decisionV1.RejectRequestSchema, req)).toEqual({
      filingId: "f-1",
      category: "REJECTION_CATEGORY_CONDITIONS_NOT_MET",
      reason: "缺少明确的被告",
      legalBasis: "《民事诉讼法》第一百二十二条",
    });
  });

  it("refuses an unknown category and empty texts", () => {
    expect(() => rejectRequest("f-1", { category: "nope", reason: "r", basis: "b" })).toThrow(/unknown rejection category/);
    expect(() => rejectRequest("f-1", { category: "other", reason: " ", basis: "b" })).toThrow(/--reason must not be empty/);
    expect(() => rejectRequest("f-1", { category: "other", reason: "r", basis: "" })).toThrow(/--basis must not be empty/);
  });
});

describe("correction items", () => {
  it("knows every checklist item of the six case types, once", () => {
    expect(MATERIAL_KINDS).toEqual(expect.arrayContaining(["complaint", "evidence", "filer-identity", "effective-legal-document", "original-judgment", "liable-organ-decision"]));
    expect(new Set(MATERIAL_KINDS).size).toBe(MATERIAL_KINDS.length);
  });

  it("splits --item at the first colon, ASCII or full-width", () => {
    expect(items([parseItem("evidence:借条原件不清晰")])).toEqual([item("evidence", "借条原件不清晰")]);
    expect(items([parseItem("evidence：借条原件不清晰")])).toEqual([item("evidence", "借条原件不清晰")]);
    expect(items([parseItem(" Evidence : 第2页: 模糊 ")])).toEqual([item("evidence", "第2页: 模糊")]);
    expect(items([parseItem("power-of-attorney")])).toEqual([item("power-of-attorney", "")]);
    expect(items([parseItem("complaint:")])).toEqual([item("complaint", "")]);
  });

  it("refuses an item without a kind, or of an unknown kind", () => {
    expect(() => parseItem(":被告地址不详")).toThrow(/names no material kind before the colon; use --item-text/);
    expect(() => parseItem("  ")).toThrow(CliUsageError);
    expect(() => parseItem("evidense:x")).toThrow(/unknown material kind "evidense"; one of complaint, filer-identity/);
  });

  it("takes --item-text as an item without a material kind", () => {
    expect(items([parseItemText(" 诉讼请求金额不明确 ")])).toEqual([item("", "诉讼请求金额不明确")]);
    expect(() => parseItemText(" ")).toThrow(/--item-text must not be empty/);
  });

  it("lists the --item ones first, then the --item-text ones, without exact repeats", () => {
    const list = requestedItems(["evidence:不清晰", "complaint", "evidence:不清晰", "evidence:缺第3页"], ["被告名称有误", "被告名称有误"]);
    expect(items(list)).toEqual([item("evidence", "不清晰"), item("complaint", ""), item("evidence", "缺第3页"), item("", "被告名称有误")]);
  });

  it("needs at least one item (the complete list, 一次性告知)", () => {
    expect(() => requestedItems([], [])).toThrow(/at least one --item <kind>\[:<description>\] or --item-text <description>/);
  });
});

describe("correction deadline", () => {
  const now = new Date("2026-11-28T02:00:00Z");
  const deadline = (text: string) => iso(parseDeadline(text, now));

  it("takes a day as its end in China time", () => {
    expect(deadline("2026-12-05")).toBe("2026-12-05T15:59:59.000Z");
    expect(deadline(" 2027-02-28 ")).toBe("2027-02-28T15:59:59.000Z");
  });

  it("takes an ISO instant with its offset", () => {
    expect(deadline("2026-12-05T17:00:00+08:00")).toBe("2026-12-05T09:00:00.000Z");
    expect(deadline("2026-12-05T09:00:00Z")).toBe("2026-12-05T09:00:00.000Z");
    expect(deadline("2026-12-05T09:00Z")).toBe("2026-12-05T09:00:00.000Z");
    expect(deadline("2026-12-05 04:30:15.25-0500")).toBe("2026-12-05T09:30:15.250Z");
    expect(deadline("2026-12-31T23:30:00-08:00")).toBe("2027-01-01T07:30:00.000Z");
  });

  it("refuses what is not a date or an instant with an offset", () => {
    for (const bad of ["2026-12-05T17:00:00", "next friday", "2026/12/05", "1733389200"]) {
      expect(() => parseDeadline(bad, now)).toThrow(/--deadline must be a date YYYY-MM-DD \(the end of that day, China time\) or an ISO instant/);
    }
    expect(() => parseDeadline("2027-02-29", now)).toThrow(/--deadline is not a calendar date/);
    expect(() => parseDeadline("2027-02-30T10:00:00Z", now)).toThrow(/--deadline is not a calendar date/);
    expect(() => parseDeadline("2026-12-05T24:00:00Z", now)).toThrow(/--deadline is not a valid time/);
    expect(() => parseDeadline("2026-12-05T10:00:60Z", now)).toThrow(/--deadline is not a valid time/);
  });

  it("must be in the future", () => {
    expect(() => parseDeadline("2026-11-27", now)).toThrow(/--deadline 2026-11-27 \(2026-11-27 23:59:59 China time\) is not in the future/);
    expect(() => parseDeadline("2026-11-28T02:00:00Z", now)).toThrow(/not in the future/);
    // Today (China time) still counts until its end.
    expect(deadline("2026-11-28")).toBe("2026-11-28T15:59:59.000Z");
  });

  it("builds the whole RequestCorrectionsRequest", () => {
    const req = correctionRequest("f-1", { item: ["evidence:借条不清晰"], itemText: ["诉讼请求金额不明确"], deadline: "2026-12-05", note: " 请一次补齐 " }, now);
    expect(toJson(decisionV1.RequestCorrectionsRequestSchema, req)).toEqual({
      filingId: "f-1",
      items: [{ materialKind: "evidence", description: "借条不清晰" }, { description: "诉讼请求金额不明确" }],
      deadline: "2026-12-05T15:59:59Z",
      note: "请一次补齐",
    });
    expect(correctionRequest("f-1", { item: ["complaint"], deadline: "2026-12-05" }, now).note).toBe("");
    expect(() => correctionRequest("f-1", { deadline: "2026-12-05" }, now)).toThrow(/at least one --item/);
  });
});

describe("connection and failures", () => {
  const addr = DEFAULT_DECISION_ADDRESS;

  it("defaults to the decision service's port", () => {
    expect(DEFAULT_DECISION_ADDRESS).toBe("127.0.0.1:50053");
  });

  it("without a token, says how to mint a filing specialist's", () => {
    expect(() => inboxConnection({ addr }, {})).toThrow(INBOX_TOKEN_HINT);
    expect(INBOX_TOKEN_HINT).toContain("kuayu token mint --court <court id> --role filing-specialist --province <code>");
  });

  it("otherwise connects like `kuayu filing`", () => {
    expect(inboxConnection({ addr }, { KUAYU_TOKEN: "t" })).toMatchObject({ address: addr, token: "t", timeoutMs: DEFAULT_CALL_TIMEOUT_MS, streamTimeoutMs: Infinity });
    expect(() => inboxConnection({ addr: "decision", token: "t" }, {})).toThrow(/--addr must be host:port/);
  });

  it("hints at the decision service, the filing-specialist role and the court", () => {
    const unavailable = Object.assign(new Error("14 UNAVAILABLE: No connection established"), { code: status.UNAVAILABLE, details: "No connection established" });
    expect(formatFailure(describeInboxFailure(unavailable, "10.0.0.5:50053"))).toMatch(/hint: is the jurisdiction-decision service running at 10\.0\.0\.5:50053\? \(--addr or KUAYU_DECISION_ADDR\)/);
    const refused = Object.assign(new Error("16 UNAUTHENTICATED: token expired"), { code: status.UNAUTHENTICATED, details: "token expired" });
    expect(describeInboxFailure(refused, "a:1").hint).toMatch(/--role filing-specialist --province <code>/);
    const denied = Object.assign(new Error("7 PERMISSION_DENIED: not your court"), { code: status.PERMISSION_DENIED, details: "not your court" });
    expect(describeInboxFailure(denied, "a:1").hint).toMatch(/--role filing-specialist/);
    const late = Object.assign(new Error("4 DEADLINE_EXCEEDED"), { code: status.DEADLINE_EXCEEDED, details: "Deadline exceeded" });
    expect(describeInboxFailure(late, "a:1").hint).toMatch(/--timeout/);
  });

  it("prints field violations one per line, and no hint where none helps", () => {
    const f = describeInboxFailure(received(invalidArgument([{ field: "deadline", description: "more than 90 days ahead" }])), "a:1");
    expect(formatFailure(f).split("\n")).toEqual(["kuayu: request has invalid fields (INVALID_ARGUMENT)", "  deadline: more than 90 days ahead"]);
    expect(describeInboxFailure(received(notFound("no filing f-9 in your inbox")), "a:1")).toEqual({ code: "NOT_FOUND", message: "no filing f-9 in your inbox", fieldViolations: [] });
  });
});

const inboxFiling = (init: Omit<Partial<decisionV1.InboxFiling>, "$typeName" | "$unknown"> = {}) =>
  create(decisionV1.InboxFilingSchema, {
    filingId: "f-1",
    jurisdictionCourtId: "c-110105",
    collaboratingCourtId: "c-440703",
    caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE,
    status: decisionV1.InboxStatus.AWAITING_RESPONSE,
    round: 2,
    receiptNumber: "KY-c-440703-20261128-000001",
    details: {
      caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE,
      claims: "判令被告支付货款",
      facts: "事实与理由",
      parties: [
        {
          role: intakeV1.PartyRole.PLAINTIFF,
          identity: { case: "person", value: { name: "张三", residentId: "11010519491231002X" } },
          phone: "13800138000",
          agents: [{ name: "李律师", kind: intakeV1.AgentKind.LAWYER, residentId: "440703198001011234", phone: "02012345678" }],
        },
        { role: intakeV1.PartyRole.DEFENDANT, identity: { case: "organization", value: { name: "某某有限公司", creditCode: "91350100M000100Y43" } } },
      ],
    },
    materials: [
      {
        material: {
          materialId: "m-1",
          kind: "complaint",
          fileName: "起诉状.pdf",
          mediaType: "application/pdf",
          sizeBytes: 2048n,
          sha256: "ab".repeat(32),
          round: 1,
          uploadedAt: ts("2026-11-28T01:30:00Z"),
        },
        copied: true,
      },
      {
        material: {
          materialId: "m-2",
          kind: "evidence",
          fileName: "证据.pdf",
          mediaType: "application/pdf",
          sizeBytes: 4096n,
          sha256: "cd".repeat(32),
          round: 2,
          uploadedAt: ts("2026-12-01T01:00:00Z"),
        },
        copied: true,
      },
      {
        material: { materialId: "m-3", kind: "evidence", fileName: "证据2.png", mediaType: "image/png", sizeBytes: 100n, sha256: "ef".repeat(32), round: 2, uploadedAt: ts("2026-12-01T01:05:00Z") },
        copied: false,
      },
    ],
    arrivedAt: ts("2026-11-28T02:00:03Z"),
    responseDue: ts("2026-11-28T02:30:03Z"),
    decisionDue: ts("2026-12-07T15:59:59Z"),
    updatedAt: ts("2026-11-28T02:00:03Z"),
    ...init,
  });

describe("rows and list output", () => {
  it("takes the response deadline while awaiting response, the decision deadline otherwise", () => {
    expect(relevantDue(inboxFiling())).toMatchObject({ which: "response", at: ts("2026-11-28T02:30:03Z") });
    for (const s of [decisionV1.InboxStatus.AWAITING_DECISION, decisionV1.InboxStatus.CORRECTION_PENDING, decisionV1.InboxStatus.ACCEPTED]) {
      expect(relevantDue(inboxFiling({ status: s }))).toMatchObject({ which: "decision", at: ts("2026-12-07T15:59:59Z") });
    }
  });

  it("counts the verified copies of the current round until the materials are complete", () => {
    expect(materialsState(inboxFiling())).toBe("incomplete (1/2 copied)");
    expect(materialsState(inboxFiling({ materialsComplete: true }))).toBe("complete");
    expect(materialsState(inboxFiling({ materials: [] }))).toBe("incomplete");
  });

  it("gives one row per filing: id, status, case type, receipt, arrived, due, overdue, materials", () => {
    expect(INBOX_LIST_HEADER).toEqual(["FILING", "STATUS", "CASE TYPE", "RECEIPT", "ARRIVED (UTC+8)", "DUE (UTC+8)", "OVERDUE", "MATERIALS"]);
    expect(inboxRows([inboxFiling({ overdue: true }), inboxFiling({ filingId: "f-2", status: decisionV1.InboxStatus.AWAITING_DECISION, materialsComplete: true, deadlinesEstimated: true })])).toEqual([
      ["f-1", "awaiting-response", "civil-first-instance", "KY-c-440703-20261128-000001", "2026-11-28 10:00:03", "2026-11-28 10:30:03", "OVERDUE", "incomplete (1/2 copied)"],
      ["f-2", "awaiting-decision", "civil-first-instance", "KY-c-440703-20261128-000001", "2026-11-28 10:00:03", "2026-12-07 23:59:59*", "-", "complete"],
    ]);
    const bare = create(decisionV1.InboxFilingSchema, { filingId: "f-3", status: decisionV1.InboxStatus.AWAITING_RESPONSE, deadlinesEstimated: true });
    expect(inboxRows([bare])).toEqual([["f-3", "awaiting-response", "-", "-", "-", "-", "-", "incomplete"]]);
  });

  it("falls back to the case type of the details", () => {
    const f = inboxFiling({ caseType: commonV1.CaseType.UNSPECIFIED });
    f.details!.caseType = commonV1.CaseType.ENFORCEMENT;
    expect(inboxRows([f])[0]![2]).toBe("enforcement");
  });

  it("aligns the table, explains provisional deadlines, and says when there are none", () => {
    const lines = formatInboxList([inboxFiling({ overdue: true }), inboxFiling({ filingId: "f-2", deadlinesEstimated: true })]).split("\n");
    expect(lines[0]).toMatch(/^FILING\s+STATUS\s+CASE TYPE\s+RECEIPT\s+ARRIVED \(UTC\+8\)\s+DUE \(UTC\+8\)\s+OVERDUE\s+MATERIALS$/);
    expect(lines[1]).toMatch(/^f-1\s+awaiting-response\s+civil-first-instance\s+KY-\S+\s+2026-11-28 10:00:03\s+2026-11-28 10:30:03\s+OVERDUE\s+incomplete \(1\/2 copied\)$/);
    expect(lines[2]).toMatch(/\s-\s+incomplete/);
    expect(lines[3]).toBe("* provisional deadline (the official holiday arrangement of that year is not loaded)");
    expect(lines[1]!.indexOf("OVERDUE")).toBe(lines[0]!.indexOf("OVERDUE"));
    expect(formatInboxList([])).toBe("no filings");
    expect(formatInboxList([inboxFiling({ overdue: true })])).not.toContain("\x1b[");
  });

  it("highlights overdue rows when colour is on, after aligning", () => {
    const plain = formatInboxList([inboxFiling({ overdue: true }), inboxFiling({ filingId: "f-2" })]).split("\n");
    const coloured = formatInboxList([inboxFiling({ overdue: true }), inboxFiling({ filingId: "f-2" })], true).split("\n");
    expect(coloured).toEqual([plain[0], `\x1b[1;31m${plain[1]}\x1b[0m`, plain[2]]);
  });

  it("colours only a terminal, and never with NO_COLOR or TERM=dumb", () => {
    expect(useColor({ isTTY: true }, {})).toBe(true);
    expect(useColor({ isTTY: false }, {})).toBe(false);
    expect(useColor({}, {})).toBe(false);
    expect(useColor({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(useColor({ isTTY: true }, { TERM: "dumb" })).toBe(false);
  });
});

describe("show output", () => {
  it("never shows an identity or phone number in full", () => {
    const text = formatInboxFiling(inboxFiling());
    for (const secret of ["11010519491231002X", "440703198001011234", "91350100M000100Y43", "13800138000", "02012345678"]) expect(text).not.toContain(secret);
    expect(text).toContain("110*************2X");
    expect(text).toContain("913*************43");
    expect(text).toContain("*******8000");
    expect(text).toContain("*******5678");
  });

  it("shows the summary, deadlines, claims and the materials with their copies", () => {
    const text = formatInboxFiling(inboxFiling({ overdue: true, deadlinesEstimated: true, drill: true }));
    expect(text).toMatch(/^filing\s+f-1$/m);
    expect(text).toMatch(/^status\s+awaiting-response$/m);
    expect(text).toMatch(/^case type\s+civil-first-instance \(民事一审\)$/m);
    expect(text).toMatch(/^collaborating court\s+c-440703$/m);
    expect(text).toMatch(/^jurisdiction court\s+c-110105$/m);
    expect(text).toMatch(/^drill\s+yes \(演练\)$/m);
    expect(text).toMatch(/^materials\s+incomplete \(1\/2 copied\)$/m);
    expect(text).toMatch(/^ {2}response due\s+2026-11-28 10:30:03 \(provisional\)$/m);
    expect(text).toMatch(/^ {2}decision due\s+2026-12-07 23:59:59 \(provisional\)$/m);
    expect(text).toMatch(/^ {2}acknowledged\s+-$/m);
    expect(text).toMatch(/^ {2}overdue\s+OVERDUE: the response is late$/m);
    expect(text).toMatch(/^ {2}判令被告支付货款$/m);
    expect(text).toMatch(/facts: 5 characters/);
    const lines = text.split("\n");
    const m = lines.findIndex((l) => l.startsWith("MATERIAL"));
    expect(lines[m]).toMatch(/^MATERIAL\s+KIND\s+ROUND\s+SIZE\s+TYPE\s+SHA-256\s+UPLOADED\s+COPIED\s+FILE$/);
    expect(lines[m + 1]).toMatch(/^m-1\s+complaint\s+1\s+2\.0 KiB\s+application\/pdf\s+abababababab\s+2026-11-28 09:30:00\s+yes\s+起诉状\.pdf$/);
    expect(lines[m + 3]).toMatch(/^m-3\s+evidence\s+2\s+100 B\s+image\/png\s+efefefefefef\s+2026-12-01 09:05:00\s+no\s+证据2\.png$/);
  });

  it("shows the case number of an accepted filing", () => {
    const text = formatInboxFiling(inboxFiling({ status: decisionV1.InboxStatus.ACCEPTED, caseNumber: "（2026）京0105民初123号", decidedAt: ts("2026-11-29T01:00:00Z") }));
    expect(text).toMatch(/^ {2}case number\s+（2026）京0105民初123号$/m);
    expect(text).toMatch(/^ {2}decided\s+2026-11-29 09:00:00$/m);
  });

  it("shows the category, reasons and legal basis of a rejection", () => {
    const text = formatInboxFiling(
      inboxFiling({
        status: decisionV1.InboxStatus.REJECTED,
        rejectionCategory: decisionEventsV1.RejectionCategory.NO_JURISDICTION,
        rejectionReason: "不属于本院管辖",
        rejectionLegalBasis: "《民事诉讼法》第一百二十七条",
      }),
    );
    expect(text).toMatch(/^ {2}not accepted\s+no-jurisdiction: 不属于本院管辖$/m);
    expect(text).toMatch(/^ {2}legal basis\s+《民事诉讼法》第一百二十七条$/m);
  });

  it("lists the requested corrections, items without a material kind included", () => {
    const text = formatInboxFiling(
      inboxFiling({
        status: decisionV1.InboxStatus.CORRECTION_PENDING,
        correctionItems: [create(decisionEventsV1.RequestedItemSchema, item("evidence", "借条不清晰")), create(decisionEventsV1.RequestedItemSchema, item("", "诉讼请求金额不明确"))],
        correctionDeadline: ts("2026-12-05T15:59:59Z"),
      }),
    );
    expect(text).toMatch(/^ {2}corrections due\s+2026-12-05 23:59:59$/m);
    expect(text).toContain("corrections requested (2), due 2026-12-05 23:59:59\n  evidence: 借条不清晰\n  (not a material): 诉讼请求金额不明确");
  });
});

describe("brief output and watch lines", () => {
  it("prints the case number after accept", () => {
    const text = inboxBrief(inboxFiling({ status: decisionV1.InboxStatus.ACCEPTED, caseNumber: "（2026）京0105民初123号" }));
    expect(text.split("\n")).toEqual(["filing       f-1", "status       accepted", "receipt      KY-c-440703-20261128-000001", "case number  （2026）京0105民初123号"]);
  });

  it("prints the deadline that now applies after ack, and the corrections after correct", () => {
    expect(inboxBrief(inboxFiling({ status: decisionV1.InboxStatus.AWAITING_DECISION }))).toMatch(/\ndecision due 2026-12-07 23:59:59 \(UTC\+8\)$/);
    expect(inboxBrief(inboxFiling({ overdue: true }))).toMatch(/\nresponse due 2026-11-28 10:30:03 \(UTC\+8\) {2}OVERDUE$/);
    const corrected = inboxFiling({
      status: decisionV1.InboxStatus.CORRECTION_PENDING,
      correctionItems: [create(decisionEventsV1.RequestedItemSchema, item("evidence", ""))],
      correctionDeadline: ts("2026-12-05T15:59:59Z"),
    });
    expect(inboxBrief(corrected)).toMatch(/\ncorrections {2}1 item\(s\), due 2026-12-05 23:59:59 \(UTC\+8\)$/);
    expect(inboxBrief(inboxFiling({ status: decisionV1.InboxStatus.REJECTED, rejectionCategory: decisionEventsV1.RejectionCategory.DUPLICATE }))).toMatch(/\ncategory {5}duplicate$/);
  });

  it("prints a watch event as time, filing, status, receipt, then case number and OVERDUE", () => {
    const line = (f: decisionV1.InboxFiling) => formatInboxWatchLine(create(decisionV1.WatchInboxResponseSchema, { filing: f }));
    expect(line(inboxFiling({ overdue: true }))).toBe("2026-11-28 10:00:03  f-1  awaiting-response   KY-c-440703-20261128-000001  OVERDUE");
    expect(line(inboxFiling({ status: decisionV1.InboxStatus.ACCEPTED, caseNumber: "（2026）京0105民初123号" }))).toBe(
      "2026-11-28 10:00:03  f-1  accepted            KY-c-440703-20261128-000001  case （2026）京0105民初123号",
    );
    expect(formatInboxWatchLine(create(decisionV1.WatchInboxResponseSchema))).toMatch(/^- {2}- {2}unspecified\s+-$/);
  });
});

describe("command tree", () => {
  it("registers every inbox command with --json and the connection options", () => {
    const root = new Command("inbox");
    inboxCommands(root);
    expect(root.commands.map((c) => c.name())).toEqual(["list", "show", "ack", "accept", "reject", "correct", "download", "watch"]);
    for (const c of root.commands) expect(c.options.map((o) => o.long)).toEqual(expect.arrayContaining(["--json", "--addr", "--token", "--timeout"]));
    const correct = root.commands.find((c) => c.name() === "correct")!;
    expect(correct.options.map((o) => o.long)).toEqual(expect.arrayContaining(["--item", "--item-text", "--deadline", "--note"]));
  });
});

// The built CLI: usage errors need no service.
const bin = path.resolve(__dirname, "../bin/kuayu.js");
const fails = (env: NodeJS.ProcessEnv, ...args: string[]) =>
  promisify(execFile)(process.execPath, [bin, ...args], { encoding: "utf8", env }).then(
    () => {
      throw new Error("expected a failure");
    },
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

describe("kuayu inbox (built CLI, no service)", () => {
  const env = { ...process.env, KUAYU_TOKEN: "", KUAYU_DECISION_ADDR: "127.0.0.1:1" };

  it("without a token, exits 2 and says how to mint a filing specialist's", async () => {
    const err = await fails(env, "inbox", "list");
    expect(err.code).toBe(2);
    expect(err.stderr).toContain("kuayu token mint --court <court id> --role filing-specialist --province <code>");
    expect(err.stdout).toBe("");
  });

  it("rejects a bad view, category, item or deadline before connecting", async () => {
    const t = { ...env, KUAYU_TOKEN: "t" };
    const cases: [string[], RegExp][] = [
      [["inbox", "list", "--view", "pending", "--json"], /unknown view "pending"/],
      [["inbox", "reject", "f-1", "--category", "late", "--reason", "r", "--basis", "b"], /unknown rejection category "late"/],
      [["inbox", "correct", "f-1", "--item", "evidense", "--deadline", "2099-01-01"], /unknown material kind "evidense"/],
      [["inbox", "correct", "f-1", "--item", "evidence", "--deadline", "2000-01-01"], /is not in the future/],
      [["inbox", "correct", "f-1", "--deadline", "2099-01-01"], /at least one --item/],
    ];
    for (const [args, message] of cases) {
      const err = await fails(t, ...args);
      expect(err.code).toBe(2);
      expect(err.stderr).toMatch(message);
    }
  });
});
