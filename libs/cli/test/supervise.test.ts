// `kuayu supervise …`: the parts that need no service — scope flags, dates and instants, requests,
// rates and minutes, rows and human output, writing a notice's CSV, failure hints — plus the built
// CLI's usage errors.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Command } from "commander";
import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { status } from "@kuayu/grpc";
import { commonV1, supervisionV1 } from "@kuayu/proto";
import { CliUsageError, DEFAULT_CALL_TIMEOUT_MS, displayWidth, formatFailure } from "../src/filing";
import {
  COMPLAINT_HEADER,
  DEFAULT_SUPERVISION_ADDRESS,
  MISSING_COURTS_SHOWN,
  NOTICE_KINDS,
  NOTICE_LIST_HEADER,
  OVERDUE_HEADER,
  SUPERVISION_TOKEN_HINT,
  checkCsvTarget,
  complaintRows,
  complaintsRequest,
  csvTarget,
  describeSupervisionFailure,
  drillReportRequest,
  drillRequest,
  formatComplaints,
  formatDrill,
  formatDrillReport,
  formatIndicatorTable,
  formatIndicators,
  formatLate,
  formatMinutes,
  formatNotice,
  formatNoticeList,
  formatOverdue,
  formatRate,
  generateNoticeRequest,
  indicatorRows,
  indicatorsHeading,
  indicatorsRequest,
  noticeKindFromName,
  noticeKindLabel,
  noticeKindName,
  noticeLineRows,
  noticeRows,
  noticesRequest,
  overdueRows,
  parseDay,
  parseInstant,
  parseScope,
  participationGroups,
  saveCsv,
  scopeLabel,
  superviseCommands,
  supervisionConnection,
} from "../src/supervise";

const { ScopeLevel, NoticeKind } = supervisionV1;
const ts = (iso: string) => timestampFromDate(new Date(iso));
const tmp = () => mkdtempSync(path.join(tmpdir(), "kuayu-supervise-"));

describe("names", () => {
  it("lists the notice kinds and maps them both ways", () => {
    expect(NOTICE_KINDS).toEqual(["daily", "weekly"]);
    for (const k of NOTICE_KINDS) expect(noticeKindName(noticeKindFromName(k))).toBe(k);
    expect(noticeKindFromName(" Weekly ")).toBe(NoticeKind.WEEKLY);
    expect(noticeKindLabel(NoticeKind.DAILY)).toBe("daily (每日通报)");
    expect(noticeKindLabel(NoticeKind.UNSPECIFIED)).toBe("unspecified");
    expect(() => noticeKindFromName("monthly")).toThrow(/unknown notice kind "monthly"; one of daily, weekly$/);
  });
});

describe("scope flags", () => {
  it("is national by default and with --national, with an empty id", () => {
    for (const o of [{}, { national: true }]) {
      const s = parseScope(o);
      expect(s.level).toBe(ScopeLevel.NATIONAL);
      expect(s.id).toBe("");
    }
  });

  it("maps --province and --court to their levels", () => {
    expect(parseScope({ province: " 44 " })).toMatchObject({ level: ScopeLevel.PROVINCE, id: "44" });
    expect(parseScope({ court: "c-440103" })).toMatchObject({ level: ScopeLevel.COURT, id: "c-440103" });
  });

  it("takes at most one of them", () => {
    expect(() => parseScope({ national: true, province: "44" })).toThrow(/at most one of --national, --province <code>, --court <id> \(got --national and --province\)/);
    expect(() => parseScope({ province: "44", court: "c" })).toThrow(CliUsageError);
    expect(() => parseScope({ national: true, province: "44", court: "c" })).toThrow(/--national and --province and --court/);
    // --national false (not given) does not count.
    expect(parseScope({ national: false, court: "c" }).level).toBe(ScopeLevel.COURT);
  });

  it("checks the province code and the court id", () => {
    expect(() => parseScope({ province: "4" })).toThrow(/two-digit province code/);
    expect(() => parseScope({ province: "guangdong" })).toThrow(/two-digit province code/);
    expect(() => parseScope({ province: "00" })).toThrow(/use --national/);
    expect(() => parseScope({ court: " " })).toThrow(/--court must be a court id/);
    expect(() => parseScope({ court: "c 1" })).toThrow(/--court must be a court id/);
  });

  it("labels scopes", () => {
    expect(scopeLabel(parseScope({}))).toBe("national (全国)");
    expect(scopeLabel(parseScope({ province: "44" }))).toBe("province 44");
    expect(scopeLabel(parseScope({ court: "c-1" }))).toBe("court c-1");
    expect(scopeLabel(undefined)).toBe("-");
  });

  it("goes into every scoped request", () => {
    expect(noticesRequest({ province: "44" }).scope).toMatchObject({ level: ScopeLevel.PROVINCE, id: "44" });
    expect(noticesRequest({ pageSize: "20" }).pageSize).toBe(20);
    expect(() => noticesRequest({ pageSize: "0" })).toThrow(/--page-size/);
    expect(generateNoticeRequest({ kind: "daily", court: "c-1" })).toMatchObject({ kind: NoticeKind.DAILY, scope: { level: ScopeLevel.COURT, id: "c-1" } });
    expect(complaintsRequest({}).openOnly).toBe(false);
    expect(complaintsRequest({ open: true, province: "11" })).toMatchObject({ openOnly: true, scope: { level: ScopeLevel.PROVINCE, id: "11" } });
  });
});

describe("dates", () => {
  it("takes calendar days YYYY-MM-DD", () => {
    expect(parseDay("2026-11-28", "--from")).toBe("2026-11-28");
    expect(parseDay(" 2024-02-29 ", "--from")).toBe("2024-02-29");
    expect(() => parseDay("2026-02-29", "--from")).toThrow(/--from is not a calendar date: "2026-02-29"/);
    expect(() => parseDay("2026/11/28", "--to")).toThrow(/--to must be a date YYYY-MM-DD/);
    expect(() => parseDay("28-11-2026", "--to")).toThrow(CliUsageError);
  });

  it("maps indicator options to the request", () => {
    const req = indicatorsRequest({ from: "2026-11-01", to: "2026-11-30", caseType: "enforcement", province: "44" });
    expect(req).toMatchObject({ fromDate: "2026-11-01", toDate: "2026-11-30", caseType: commonV1.CaseType.ENFORCEMENT, scope: { level: ScopeLevel.PROVINCE, id: "44" } });
    const today = indicatorsRequest({});
    expect(today).toMatchObject({ fromDate: "", toDate: "", caseType: commonV1.CaseType.UNSPECIFIED, scope: { level: ScopeLevel.NATIONAL, id: "" } });
    expect(indicatorsRequest({ from: "2026-11-30", to: "2026-11-30" }).toDate).toBe("2026-11-30");
  });

  it("refuses a range that ends before it starts, and unknown case types", () => {
    expect(() => indicatorsRequest({ from: "2026-12-01", to: "2026-11-30" })).toThrow(/--from 2026-12-01 is after --to 2026-11-30/);
    expect(() => indicatorsRequest({ caseType: "civil" })).toThrow(/unknown case type "civil"/);
  });

  it("reads instants: a day's start or end in China time, or an ISO instant with its offset", () => {
    expect(parseInstant("2026-12-01", "--from").toISOString()).toBe("2026-11-30T16:00:00.000Z");
    expect(parseInstant("2026-12-05", "--to", true).toISOString()).toBe("2026-12-05T15:59:59.000Z");
    expect(parseInstant("2026-12-01T09:00:00+08:00", "--from").toISOString()).toBe("2026-12-01T01:00:00.000Z");
    expect(parseInstant("2026-12-01T09:00+0800", "--from").toISOString()).toBe("2026-12-01T01:00:00.000Z");
    expect(parseInstant("2026-12-01T01:00:00.5Z", "--from", true).toISOString()).toBe("2026-12-01T01:00:00.500Z");
    expect(parseInstant("2026-12-01 00:30:00-05:00", "--to").toISOString()).toBe("2026-12-01T05:30:00.000Z");
    expect(() => parseInstant("2026-12-01T09:00:00", "--from")).toThrow(/--from must be a date YYYY-MM-DD \(China time\) or an ISO instant/);
    expect(() => parseInstant("2026-12-01T24:00:00Z", "--from")).toThrow(/--from is not a valid time/);
    expect(() => parseInstant("2026-13-01T09:00:00Z", "--to")).toThrow(/--to is not a calendar date/);
  });
});

describe("drills", () => {
  const base = { name: " 冬季演练 ", from: "2026-12-01", to: "2026-12-05" };

  it("creates a drill of one round, every court and case type by default", () => {
    const d = drillRequest(base).drill!;
    expect(d).toMatchObject({ name: "冬季演练", rounds: 1, courtIds: [], caseTypes: [] });
    expect(timestampDate(d.startsAt!).toISOString()).toBe("2026-11-30T16:00:00.000Z");
    expect(timestampDate(d.endsAt!).toISOString()).toBe("2026-12-05T15:59:59.000Z");
  });

  it("takes rounds, courts and case types, without repeats", () => {
    const d = drillRequest({ ...base, rounds: "3", court: ["c-1", " c-2", "c-1"], caseType: ["enforcement", "civil-first-instance", "enforcement"] }).drill!;
    expect(d.rounds).toBe(3);
    expect(d.courtIds).toEqual(["c-1", "c-2"]);
    expect(d.caseTypes).toEqual([commonV1.CaseType.ENFORCEMENT, commonV1.CaseType.CIVIL_FIRST_INSTANCE]);
  });

  it("refuses bad options", () => {
    expect(() => drillRequest({ ...base, name: "  " })).toThrow(/--name must not be empty/);
    expect(() => drillRequest({ ...base, rounds: "0" })).toThrow(/--rounds must be a whole number from 1/);
    expect(() => drillRequest({ ...base, rounds: "1.5" })).toThrow(/--rounds/);
    expect(() => drillRequest({ ...base, rounds: "99999999999" })).toThrow(/--rounds/);
    expect(() => drillRequest({ ...base, court: [""] })).toThrow(/--court must be a court id/);
    expect(() => drillRequest({ ...base, caseType: ["criminal"] })).toThrow(/unknown case type "criminal"/);
    expect(() => drillRequest({ ...base, from: "2026-12-05T10:00:00+08:00", to: "2026-12-05T09:00:00+08:00" })).toThrow(
      /--to \(2026-12-05 09:00:00\) must be after --from \(2026-12-05 10:00:00\), China time/,
    );
    expect(() => drillRequest({ ...base, from: "tomorrow" })).toThrow(/--from must be a date/);
  });

  it("asks for every round together unless --round is given", () => {
    expect(drillReportRequest(" d-1 ", {})).toMatchObject({ drillId: "d-1", round: 0 });
    expect(drillReportRequest("d-1", { round: "2" }).round).toBe(2);
    expect(drillReportRequest("d-1", { round: "0" }).round).toBe(0);
    expect(() => drillReportRequest("d-1", { round: "-1" })).toThrow(/--round must be a whole number/);
    expect(() => drillReportRequest(" ", {})).toThrow(/name the drill/);
  });
});

describe("rates, minutes and indicator rows", () => {
  it("formats rates as percentages with one decimal", () => {
    expect(formatRate(0.935)).toBe("93.5%");
    expect(formatRate(1)).toBe("100.0%");
    expect(formatRate(0)).toBe("0.0%");
    expect(formatRate(2 / 3)).toBe("66.7%");
    expect(formatRate(Number.NaN)).toBe("-");
    expect(formatRate(Number.POSITIVE_INFINITY)).toBe("-");
  });

  it("formats minutes and lateness with one decimal", () => {
    expect(formatMinutes(4.25)).toBe("4.3 min");
    expect(formatMinutes(0)).toBe("0.0 min");
    expect(formatMinutes(Number.NaN)).toBe("-");
    expect(formatLate(3.14159, "hours")).toBe("3.1 hours");
    expect(formatLate(2, "")).toBe("2.0");
  });

  const indicators = create(supervisionV1.IndicatorsSchema, {
    filings: 120n,
    responded: 118n,
    respondedWithin30Minutes: 112n,
    respondedWithin5Minutes: 80n,
    responseRate30Minutes: 112 / 120,
    responseMinutesP50: 4.25,
    responseMinutesP90: 22.04,
    responseMinutesMean: 7.5,
    decided: 100n,
    decidedInTime: 97n,
    accepted: 90n,
    rejected: 10n,
    corrected: 14n,
    acceptanceRate: 0.9,
    rejectionRate: 0.1,
    correctionRate: 14 / 120,
    overdueNow: 3n,
    satisfactionAverage: 4.567,
    satisfactionCount: 45n,
    complaints: 2n,
  });

  it("has a Chinese label, an English label and a value for every indicator", () => {
    const rows = indicatorRows(indicators);
    expect(rows).toHaveLength(20);
    for (const [zh, en, v] of rows) {
      expect(zh).toMatch(/[\u4e00-\u9fff]/);
      expect(en).toMatch(/^[\x20-\x7e–]+$/);
      expect(v).not.toBe("");
    }
    const byEn = Object.fromEntries(rows.map(([, en, v]) => [en, v]));
    expect(byEn).toMatchObject({
      filings: "120",
      "30-minute response rate": "93.3%",
      "median response time (working)": "4.3 min",
      "90th-percentile response time (working)": "22.0 min",
      "mean response time (working)": "7.5 min",
      "acceptance rate": "90.0%",
      "rejection rate": "10.0%",
      "correction rate": "11.7%",
      "overdue now": "3",
      "satisfaction (1–5)": "4.57",
      ratings: "45",
      complaints: "2",
    });
    expect(rows.find(([, en]) => en === "30-minute response rate")![0]).toBe("30分钟响应率");
  });

  it("shows no response times or satisfaction when there are none", () => {
    const empty = create(supervisionV1.IndicatorsSchema, {});
    const byEn = Object.fromEntries(indicatorRows(empty).map(([, en, v]) => [en, v]));
    expect(byEn["median response time (working)"]).toBe("-");
    expect(byEn["satisfaction (1–5)"]).toBe("-");
    expect(byEn["30-minute response rate"]).toBe("0.0%");
    expect(byEn.filings).toBe("0");
  });

  it("prints two aligned columns, the labels Chinese then English", () => {
    const lines = formatIndicatorTable(indicators).split("\n");
    expect(lines[0]).toMatch(/^INDICATOR 指标 +VALUE$/);
    expect(lines).toHaveLength(21);
    // Every value starts at the same terminal column (CJK characters are two wide); columns are two spaces apart.
    const valueColumn = (l: string) => displayWidth(l.slice(0, l.lastIndexOf("  ") + 2));
    const col = valueColumn(lines[0]!);
    for (const l of lines) expect(valueColumn(l)).toBe(col);
    expect(lines.find((l) => l.includes("median response time"))).toMatch(/ {2}4\.3 min$/);
    expect(lines.find((l) => l.startsWith("30分钟响应率"))).toMatch(/^30分钟响应率 +30-minute response rate +93\.3%$/);
  });

  it("says what the indicators are of", () => {
    expect(indicatorsHeading(indicatorsRequest({}))).toBe("indicators of national (全国), today (China time, whole days), all case types");
    expect(indicatorsHeading(indicatorsRequest({ court: "c-1", from: "2026-11-01", to: "2026-11-30", caseType: "enforcement" }))).toBe(
      "indicators of court c-1, 2026-11-01 to 2026-11-30 (China time, whole days), enforcement",
    );
    expect(indicatorsHeading(indicatorsRequest({ from: "2026-11-01" }))).toContain("2026-11-01 to today");
    expect(indicatorsHeading(indicatorsRequest({ from: "2026-11-01", to: "2026-11-01" }))).toContain(", 2026-11-01 (China");
    expect(formatIndicators(indicatorsRequest({}), indicators).split("\n")[2]).toMatch(/^INDICATOR/);
  });
});

describe("overdue, notices, complaints", () => {
  it("has a row per overdue filing, in China time, with the unit of lateness", () => {
    const fs = [
      create(supervisionV1.OverdueFilingSchema, {
        filingId: "f-1",
        jurisdictionCourtId: "j-1",
        collaboratingCourtId: "c-1",
        caseType: commonV1.CaseType.ENFORCEMENT,
        overdueFor: "response",
        due: ts("2026-11-28T02:00:00Z"),
        lateBy: 42.25,
        lateUnit: "",
      }),
      create(supervisionV1.OverdueFilingSchema, { filingId: "f-2", overdueFor: "decision", lateBy: 5, lateUnit: "hours" }),
    ];
    expect(overdueRows(fs)).toEqual([
      ["f-1", "j-1", "c-1", "enforcement", "response", "2026-11-28 10:00:00", "42.3 working minutes"],
      ["f-2", "-", "-", "-", "decision", "-", "5.0 hours"],
    ]);
    expect(overdueRows(fs)[0]).toHaveLength(OVERDUE_HEADER.length);
    expect(formatOverdue(fs).split("\n")).toHaveLength(4);
    expect(formatOverdue(fs)).toMatch(/\n2 overdue$/);
    expect(formatOverdue([])).toBe("no overdue filings");
  });

  const notice = create(supervisionV1.NoticeSchema, {
    noticeId: "n-1",
    kind: NoticeKind.WEEKLY,
    scope: { level: ScopeLevel.PROVINCE, id: "44" },
    generatedAt: ts("2026-11-30T00:00:00Z"),
    rows: [
      { jurisdictionCourtId: "c-440103", jurisdictionCourtName: "广州市荔湾区人民法院", filingId: "f-1", receiptNumber: "R-1", arrivedAt: ts("2026-11-18T01:30:00Z"), lateBy: 2, lateUnit: "" },
      { jurisdictionCourtId: "c-440104", filingId: "f-2", lateBy: 1.25, lateUnit: "working days" },
    ],
    csv: "\ufeffcourt,filing\n",
  });

  it("lists notices", () => {
    expect(noticeRows([notice])).toEqual([["n-1", "weekly (每周通报)", "province 44", "2026-11-30 08:00:00"]]);
    expect(noticeRows([notice])[0]).toHaveLength(NOTICE_LIST_HEADER.length);
    expect(formatNoticeList([])).toBe("no notices");
    expect(formatNoticeList([notice])).toContain("kuayu supervise notice <id> [--csv <file>]");
  });

  it("shows a notice's rows, in working days for a weekly one", () => {
    expect(noticeLineRows(notice)).toEqual([
      ["广州市荔湾区人民法院 c-440103", "f-1", "R-1", "2026-11-18 09:30:00", "2.0 working days"],
      ["c-440104", "f-2", "-", "-", "1.3 working days"],
    ]);
    const daily = create(supervisionV1.NoticeSchema, { kind: NoticeKind.DAILY, rows: [{ filingId: "f", lateBy: 30 }] });
    expect(noticeLineRows(daily)[0]![4]).toBe("30.0 hours");
    const text = formatNotice(notice);
    expect(text).toMatch(/^notice +n-1\nkind +weekly \(每周通报\)\nscope +province 44\ngenerated +2026-11-30 08:00:00 \(UTC\+8\)/);
    expect(text).toMatch(/\n2 filings$/);
    expect(text).not.toContain("court,filing");
    expect(formatNotice(create(supervisionV1.NoticeSchema, { noticeId: "n-0" }))).toContain("no filings to report");
  });

  it("lists complaints", () => {
    const c = create(supervisionV1.ComplaintSchema, {
      complaintId: "cp-1",
      filingId: "f-1",
      category: "slow-response",
      text: "  等了很久\n没有回复 ".repeat(10),
      status: "open",
      filedAt: ts("2026-11-28T02:00:00Z"),
      jurisdictionCourtId: "c-1",
    });
    const [row] = complaintRows([c]);
    expect(row).toHaveLength(COMPLAINT_HEADER.length);
    expect(row!.slice(0, 7)).toEqual(["cp-1", "open", "slow-response", "f-1", "c-1", "2026-11-28 10:00:00", "-"]);
    expect(row![7]).toMatch(/^等了很久 没有回复 .*…$/);
    expect(formatComplaints([])).toBe("no complaints");
  });
});

describe("drill output", () => {
  const drill = create(supervisionV1.DrillSchema, {
    drillId: "d-1",
    name: "冬季演练",
    rounds: 3,
    caseTypes: [commonV1.CaseType.ENFORCEMENT],
    startsAt: ts("2026-12-01T01:00:00Z"),
    endsAt: ts("2026-12-05T15:59:59Z"),
  });

  it("shows a drill", () => {
    expect(formatDrill(drill)).toBe(
      [
        "drill       d-1",
        "name        冬季演练",
        "rounds      3",
        "window      2026-12-01 09:00:00 – 2026-12-05 23:59:59 (UTC+8)",
        "case types  enforcement",
        "courts      every court that may collaborate",
      ].join("\n"),
    );
    const many = create(supervisionV1.DrillSchema, { courtIds: ["a", "b", "c", "d", "e", "f"] });
    expect(formatDrill(many)).toContain("courts      6 courts (a, b, c, d, e, …)");
  });

  const row = (group: string, key: string, expected: bigint, participated: bigint, rate: number) => create(supervisionV1.ParticipationRowSchema, { group, key, expected, participated, rate });

  it("groups participation by province, then by level in court order", () => {
    const groups = participationGroups([
      row("level", "basic", 100n, 90n, 0.9),
      row("province", "44", 50n, 49n, 0.98),
      row("other", "x", 1n, 0n, 0),
      row("level", "high", 31n, 31n, 1),
      row("province", "11", 20n, 10n, 0.5),
    ]);
    expect(groups.map((g) => g.group)).toEqual(["province", "level", "other"]);
    expect(groups[0]!.rows).toEqual([
      ["11", "20", "10", "50.0%"],
      ["44", "50", "49", "98.0%"],
    ]);
    expect(groups[1]!.rows).toEqual([
      ["high (高级)", "31", "31", "100.0%"],
      ["basic (基层)", "100", "90", "90.0%"],
    ]);
  });

  it("reports participation, the response rate and the first missing courts", () => {
    const missing = Array.from({ length: MISSING_COURTS_SHOWN + 3 }, (_, k) => `c-${k}`);
    const res = create(supervisionV1.GetDrillReportResponseSchema, {
      drill,
      filings: 300n,
      responseRate30Minutes: 0.971,
      participation: [row("province", "44", 50n, 49n, 0.98), row("level", "basic", 100n, 90n, 0.9)],
      missingCourtIds: missing,
    });
    const text = formatDrillReport(res, 0);
    expect(text).toMatch(/^drill +d-1 {2}冬季演练\nround +all 3 rounds together\n/);
    expect(text).toMatch(/\nfilings +300\n30-minute response rate +97\.1%\n/);
    expect(text).toContain("participation by province\nPROVINCE  EXPECTED  PARTICIPATED  RATE\n44        50        49            98.0%");
    expect(text).toContain("participation by level\nLEVEL         EXPECTED  PARTICIPATED  RATE\nbasic (基层)  100       90            90.0%");
    expect(text).toContain(`missing courts: ${missing.length} (did not file every case type of the round)`);
    expect(text).toContain(`  c-${MISSING_COURTS_SHOWN - 1}\n`);
    expect(text).not.toContain(`  c-${MISSING_COURTS_SHOWN}\n`);
    expect(text).toMatch(/ {2}… and 3 more \(--json lists them all\)$/);
    expect(formatDrillReport(res, 2)).toMatch(/\nround +2 of 3\n/);
  });

  it("says when every court took part, and shows no rate without filings", () => {
    const text = formatDrillReport(create(supervisionV1.GetDrillReportResponseSchema, {}), 0);
    expect(text).toMatch(/30-minute response rate +-\n/);
    expect(text).toMatch(/missing courts: 0$/);
  });
});

describe("a notice's CSV", () => {
  it("goes to the file named, or notice-<id>.csv in a directory", () => {
    const dir = tmp();
    expect(csvTarget("out.csv", "n-1", dir)).toBe(path.join(dir, "out.csv"));
    expect(csvTarget(dir, "n-1")).toBe(path.join(dir, "notice-n-1.csv"));
    expect(csvTarget("later/", "n-1", dir)).toBe(path.join(dir, "later", "notice-n-1.csv"));
    expect(csvTarget(dir, "../../etc/passwd")).toBe(path.join(dir, "notice-passwd.csv"));
  });

  it("is written as the service made it (UTF-8 with BOM), leaving no temporary file", () => {
    const dir = tmp();
    const target = path.join(dir, "n.csv");
    const csv = "\ufeff管辖法院,立案申请\n广州市荔湾区人民法院,f-1\n";
    const bytes = saveCsv(target, csv, false);
    const written = readFileSync(target);
    expect(bytes).toBe(written.length);
    expect([...written.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(written.toString("utf8")).toBe(csv);
    expect(readdirSync(dir)).toEqual(["n.csv"]);
  });

  it("never overwrites a file without --force", () => {
    const dir = tmp();
    const target = path.join(dir, "n.csv");
    writeFileSync(target, "keep");
    expect(() => checkCsvTarget(target, false)).toThrow(`${target} exists; pass --force to overwrite it`);
    expect(() => saveCsv(target, "new", false)).toThrow(CliUsageError);
    expect(readFileSync(target, "utf8")).toBe("keep");
    saveCsv(target, "new", true);
    expect(readFileSync(target, "utf8")).toBe("\uFEFFnew"); // the BOM protobuf decoding dropped is put back
    expect(readdirSync(dir)).toEqual(["n.csv"]);
  });

  it("needs the directory to exist", () => {
    const dir = tmp();
    expect(() => checkCsvTarget(path.join(dir, "missing", "n.csv"), false)).toThrow(/cannot write .*: no directory/);
    mkdirSync(path.join(dir, "sub"));
    expect(() => checkCsvTarget(path.join(dir, "sub", "n.csv"), false)).not.toThrow();
  });
});

describe("connection and failures", () => {
  const addr = DEFAULT_SUPERVISION_ADDRESS;

  it("asks for a supervisor's token", () => {
    expect(DEFAULT_SUPERVISION_ADDRESS).toBe("127.0.0.1:50055");
    expect(() => supervisionConnection({ addr }, {})).toThrow(SUPERVISION_TOKEN_HINT);
    expect(SUPERVISION_TOKEN_HINT).toContain("kuayu token mint --court c-spc --role supervisor --province 00");
    expect(supervisionConnection({ addr }, { KUAYU_TOKEN: "t" })).toMatchObject({ address: addr, token: "t", timeoutMs: DEFAULT_CALL_TIMEOUT_MS });
    expect(() => supervisionConnection({ addr: "supervision", token: "t" }, {})).toThrow(/--addr must be host:port/);
  });

  it("hints at the supervision service and the supervisor role", () => {
    const err = (code: number, details: string) => Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details });
    expect(formatFailure(describeSupervisionFailure(err(status.UNAVAILABLE, "No connection established"), "10.0.0.5:50055"))).toMatch(
      /hint: is the supervision service running at 10\.0\.0\.5:50055\? \(--addr or KUAYU_SUPERVISION_ADDR\)/,
    );
    expect(describeSupervisionFailure(err(status.UNAUTHENTICATED, "expired"), "a:1").hint).toMatch(/--role supervisor/);
    expect(describeSupervisionFailure(err(status.PERMISSION_DENIED, "scope"), "a:1").hint).toMatch(/high court's for its own province/);
    expect(describeSupervisionFailure(err(status.NOT_FOUND, "no such notice"), "a:1").hint).toBeUndefined();
  });
});

describe("command tree", () => {
  const root = new Command("x");
  superviseCommands(root);
  const find = (...names: string[]) => names.reduce((c, n) => c.commands.find((s) => s.name() === n)!, root);
  const longs = (...names: string[]) => find(...names).options.map((o) => o.long);

  it("registers every command with --json and the connection options", () => {
    expect(root.commands.map((c) => c.name())).toEqual(["indicators", "overdue", "notices", "notice", "notice-generate", "drill", "complaints"]);
    expect(find("drill").commands.map((c) => c.name())).toEqual(["create", "report"]);
    const leaves = [...root.commands.filter((c) => c.name() !== "drill"), ...find("drill").commands];
    for (const c of leaves) expect(c.options.map((o) => o.long)).toEqual(expect.arrayContaining(["--json", "--addr", "--token", "--timeout"]));
  });

  it("gives the scoped commands the scope flags", () => {
    for (const name of ["indicators", "overdue", "notices", "notice-generate", "complaints"]) {
      expect(longs(name)).toEqual(expect.arrayContaining(["--national", "--province", "--court"]));
    }
    expect(longs("indicators")).toEqual(expect.arrayContaining(["--from", "--to", "--case-type"]));
    expect(longs("notice")).toEqual(expect.arrayContaining(["--csv", "--force"]));
    expect(longs("notice-generate")).toContain("--kind");
    expect(longs("complaints")).toContain("--open");
    expect(longs("drill", "create")).toEqual(expect.arrayContaining(["--name", "--rounds", "--court", "--case-type", "--from", "--to"]));
    expect(longs("drill", "report")).toContain("--round");
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

describe("kuayu supervise (built CLI, no service)", () => {
  const env = { ...process.env, KUAYU_TOKEN: "", KUAYU_SUPERVISION_ADDR: "127.0.0.1:1" };
  const t = { ...env, KUAYU_TOKEN: "t" };

  it("without a token, exits 2 and says how to mint a supervisor's", async () => {
    const r = await fails(env, "supervise", "indicators", "--json");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--role supervisor");
    expect(r.stdout).toBe("");
  });

  it("rejects bad options before connecting", async () => {
    const both = await fails(t, "supervise", "overdue", "--province", "44", "--court", "c-1");
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("give at most one of --national, --province <code>, --court <id>");
    const date = await fails(t, "supervise", "indicators", "--from", "2026-02-30");
    expect(date.code).toBe(2);
    expect(date.stderr).toContain("not a calendar date");
    const drill = await fails(t, "supervise", "drill", "create", "--name", "x", "--from", "2026-12-05", "--to", "2026-12-01");
    expect(drill.code).toBe(2);
    expect(drill.stderr).toContain("must be after --from");
  });

  it("refuses to overwrite a CSV before asking the service", async () => {
    const dir = tmp();
    const target = path.join(dir, "n.csv");
    writeFileSync(target, "keep");
    const r = await fails(t, "supervise", "notice", "n-1", "--csv", target);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("exists; pass --force to overwrite it");
    expect(readFileSync(target, "utf8")).toBe("keep");
  });

  it("reports an unreachable service with exit code 1 and a hint, as JSON with --json", async () => {
    const r = await fails(t, "supervise", "complaints", "--open", "--json", "--timeout", "5");
    expect(r.code).toBe(1);
    const { error } = JSON.parse(r.stderr) as { error: { code: string; hint: string } };
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.hint).toContain("KUAYU_SUPERVISION_ADDR");
  }, 15_000);
});
