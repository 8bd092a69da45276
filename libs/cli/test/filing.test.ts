// `kuayu filing`: the parts that need no service — options → requests, names, dates, masking,
// tables, upload chunking and failure text — plus the built CLI's usage errors.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Command } from "commander";
import { create, toJson } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { invalidArgument, notFound, status, toServiceError, type RpcError } from "@kuayu/grpc";
import { commonV1, intakeV1 } from "@kuayu/proto";
import {
  CliUsageError,
  DEFAULT_CALL_TIMEOUT_MS,
  FILING_STATUSES,
  UPLOAD_CHUNK_BYTES,
  caseTypeFromId,
  caseTypeId,
  chinaDayStart,
  chinaTime,
  connection,
  describeFailure,
  detailsFrom,
  displayWidth,
  downloadTarget,
  filingCommands,
  formatFailure,
  formatFiling,
  formatList,
  formatWatchLine,
  hashFile,
  idempotencyKey,
  listRequest,
  maskId,
  maskPhone,
  parseDateRange,
  parseDetailsJson,
  parseStatuses,
  statusFromName,
  statusName,
  table,
  uploadRequests,
} from "../src/filing";

const ts = (iso: string) => timestampFromDate(new Date(iso));
const iso = (t: ReturnType<typeof ts> | undefined) => (t ? timestampDate(t).toISOString() : undefined);
const tmp = () => mkdtempSync(path.join(tmpdir(), "kuayu-filing-"));

/** What a client receives for an error the service threw on purpose (status + details trailer). */
const received = (err: RpcError) => Object.assign(new Error(`${err.code} ${status[err.code]}: ${err.message}`), toServiceError(err));

describe("status and case type names", () => {
  it("lists the statuses in kebab form, in enum order", () => {
    expect(FILING_STATUSES).toEqual(["draft", "submitted", "routed", "acknowledged", "correction-requested", "accepted", "rejected", "withdrawn", "routing-failed"]);
  });

  it("maps names to the enum and back", () => {
    for (const name of FILING_STATUSES) expect(statusName(statusFromName(name))).toBe(name);
    expect(statusFromName("correction-requested")).toBe(intakeV1.FilingStatus.CORRECTION_REQUESTED);
    expect(statusFromName(" Routing_Failed ")).toBe(intakeV1.FilingStatus.ROUTING_FAILED);
    expect(statusName(intakeV1.FilingStatus.UNSPECIFIED)).toBe("unspecified");
  });

  it("refuses an unknown status, naming the known ones", () => {
    expect(() => statusFromName("pending")).toThrow(CliUsageError);
    expect(() => statusFromName("pending")).toThrow(/unknown status "pending"; one of draft, submitted/);
    expect(() => statusFromName("unspecified")).toThrow(CliUsageError);
  });

  it("parses a comma-separated status list without duplicates", () => {
    expect(parseStatuses("draft, submitted,,draft")).toEqual([intakeV1.FilingStatus.DRAFT, intakeV1.FilingStatus.SUBMITTED]);
    expect(() => parseStatuses(" , ")).toThrow(/at least one/);
  });

  it("maps kebab case types to the enum and back", () => {
    expect(caseTypeFromId("civil-first-instance")).toBe(commonV1.CaseType.CIVIL_FIRST_INSTANCE);
    expect(caseTypeFromId("civil-retrial-application")).toBe(commonV1.CaseType.CIVIL_RETRIAL_APPLICATION);
    expect(caseTypeId(commonV1.CaseType.STATE_COMPENSATION)).toBe("state-compensation");
    expect(caseTypeId(commonV1.CaseType.UNSPECIFIED)).toBeUndefined();
    expect(() => caseTypeFromId("civil")).toThrow(/unknown case type "civil"; one of civil-first-instance/);
  });
});

describe("date range (China time)", () => {
  it("starts a day at midnight in UTC+8", () => {
    expect(chinaDayStart("2026-11-01", "--from").toISOString()).toBe("2026-10-31T16:00:00.000Z");
  });

  it("maps --from/--to to the half-open range with both days included", () => {
    const r = parseDateRange("2026-11-01", "2026-11-30");
    expect(iso(r.createdFrom)).toBe("2026-10-31T16:00:00.000Z");
    expect(iso(r.createdBefore)).toBe("2026-11-30T16:00:00.000Z");
    const oneDay = parseDateRange("2026-02-28", "2026-02-28");
    expect(iso(oneDay.createdBefore)).toBe("2026-02-28T16:00:00.000Z");
  });

  it("leaves an open end unset", () => {
    expect(parseDateRange(undefined, undefined)).toEqual({});
    const from = parseDateRange("2026-01-01", undefined);
    expect(Object.keys(from)).toEqual(["createdFrom"]);
    expect(Object.keys(parseDateRange(undefined, "2026-01-01"))).toEqual(["createdBefore"]);
  });

  it("refuses what is not a calendar date, and a reversed range", () => {
    expect(() => parseDateRange("2026-02-29")).toThrow(/--from is not a calendar date/);
    expect(() => parseDateRange(undefined, "2026/03/01")).toThrow(/--to must be a date YYYY-MM-DD/);
    expect(() => parseDateRange("2026-03-02", "2026-03-01")).toThrow(/--from 2026-03-02 is after --to 2026-03-01/);
    expect(() => parseDateRange("2024-02-29")).not.toThrow();
  });

  it("prints times in China time", () => {
    expect(chinaTime(ts("2026-11-27T16:30:05Z"))).toBe("2026-11-28 00:30:05");
    expect(chinaTime(undefined)).toBe("-");
  });
});

describe("list options → ListFilingsRequest", () => {
  it("maps every option", () => {
    const req = listRequest({ status: "draft,correction-requested", caseType: "enforcement", from: "2026-11-01", to: "2026-11-02", pageSize: "20", pageToken: "p2" });
    expect(req.statuses).toEqual([intakeV1.FilingStatus.DRAFT, intakeV1.FilingStatus.CORRECTION_REQUESTED]);
    expect(req.caseType).toBe(commonV1.CaseType.ENFORCEMENT);
    expect(iso(req.createdFrom)).toBe("2026-10-31T16:00:00.000Z");
    expect(iso(req.createdBefore)).toBe("2026-11-02T16:00:00.000Z");
    expect(req.pageSize).toBe(20);
    expect(req.pageToken).toBe("p2");
  });

  it("asks for everything by default", () => {
    const req = listRequest({});
    expect(req).toMatchObject({ statuses: [], caseType: commonV1.CaseType.UNSPECIFIED, pageSize: 0, pageToken: "" });
    expect(req.createdFrom).toBeUndefined();
    expect(req.createdBefore).toBeUndefined();
  });

  it("checks the page size", () => {
    expect(listRequest({ pageSize: "200" }).pageSize).toBe(200);
    for (const bad of ["0", "201", "2.5", "ten", "-1"]) expect(() => listRequest({ pageSize: bad })).toThrow(/--page-size must be a whole number from 1 to 200/);
  });
});

describe("filing details", () => {
  const json = JSON.stringify({
    caseType: "CASE_TYPE_CIVIL_FIRST_INSTANCE",
    parties: [{ role: "PARTY_ROLE_PLAINTIFF", person: { name: "张三", resident_id: "11010519491231002X" }, address: "北京市朝阳区", phone: "13800138000" }],
    claims: "判令被告支付货款",
    jurisdiction_court_id: "c-110105",
    jurisdictionSource: "JURISDICTION_SOURCE_FINDER",
    jurisdictionBasis: "民事诉讼法第二十二条",
  });

  it("reads protobuf JSON with enum names and either field spelling", () => {
    const d = parseDetailsJson(json, "details.json");
    expect(d.caseType).toBe(commonV1.CaseType.CIVIL_FIRST_INSTANCE);
    expect(d.parties[0]!.role).toBe(intakeV1.PartyRole.PLAINTIFF);
    expect(d.parties[0]!.identity).toMatchObject({ case: "person", value: { name: "张三", residentId: "11010519491231002X" } });
    expect(d.jurisdictionCourtId).toBe("c-110105");
    expect(d.jurisdictionSource).toBe(intakeV1.JurisdictionSource.FINDER);
  });

  it("names the file when it is not JSON or not FilingDetails", () => {
    expect(() => parseDetailsJson("{", "d.json")).toThrow(/^d\.json is not JSON/);
    expect(() => parseDetailsJson(JSON.stringify({ caseTyp: 1 }), "d.json")).toThrow(/d\.json is not a FilingDetails in protobuf JSON: .*caseTyp/);
    expect(() => parseDetailsJson(JSON.stringify({ caseType: "CASE_TYPE_NOPE" }), "d.json")).toThrow(CliUsageError);
  });

  it("builds minimal details from the options alone", () => {
    const d = detailsFrom(undefined, { caseType: "civil-first-instance", court: " c-110105 ", drill: true });
    expect(toJson(intakeV1.FilingDetailsSchema, d)).toEqual({
      caseType: "CASE_TYPE_CIVIL_FIRST_INSTANCE",
      jurisdictionCourtId: "c-110105",
      jurisdictionSource: "JURISDICTION_SOURCE_CLERK",
      drill: true,
    });
    expect(toJson(intakeV1.FilingDetailsSchema, detailsFrom(undefined, {}))).toEqual({});
  });

  it("lets the options override the file; a court on the command line is the clerk's choice", () => {
    const base = parseDetailsJson(json, "details.json");
    const d = detailsFrom(base, { caseType: "enforcement", court: "c-440703" });
    expect(d.caseType).toBe(commonV1.CaseType.ENFORCEMENT);
    expect(d.jurisdictionCourtId).toBe("c-440703");
    expect(d.jurisdictionSource).toBe(intakeV1.JurisdictionSource.CLERK);
    expect(d.jurisdictionBasis).toBe("");
    expect(d.parties).toHaveLength(1);
    expect(d.drill).toBe(false);
    // The parsed file itself is untouched.
    expect(base.jurisdictionCourtId).toBe("c-110105");
    expect(base.jurisdictionSource).toBe(intakeV1.JurisdictionSource.FINDER);
    expect(() => detailsFrom(base, { court: " " })).toThrow(/--court must not be empty/);
    expect(() => detailsFrom(base, { caseType: "civil" })).toThrow(CliUsageError);
  });
});

describe("idempotency keys", () => {
  it("generates one when none is given", () => {
    expect(idempotencyKey(undefined, () => "k-00000001")).toEqual({ key: "k-00000001", generated: true });
    expect(idempotencyKey(undefined).key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("takes 8–128 printable ASCII characters", () => {
    expect(idempotencyKey("retry-key-1")).toEqual({ key: "retry-key-1", generated: false });
    expect(idempotencyKey("x".repeat(128)).key).toHaveLength(128);
    for (const bad of ["short", "x".repeat(129), "重试重试重试重试", "tab\there1"]) expect(() => idempotencyKey(bad)).toThrow(CliUsageError);
  });
});

describe("download target", () => {
  const cwd = "/work/here";

  it("defaults to the material's file name in the working directory", () => {
    expect(downloadTarget(undefined, "起诉状.pdf", "m-1", cwd)).toBe("/work/here/起诉状.pdf");
  });

  it("keeps only the last segment of the name the service gives", () => {
    expect(downloadTarget(undefined, "../../etc/passwd", "m-1", cwd)).toBe("/work/here/passwd");
    expect(downloadTarget(undefined, "C:\\docs\\证据.png", "m-1", cwd)).toBe("/work/here/证据.png");
    expect(downloadTarget(undefined, "..", "m-1", cwd)).toBe("/work/here/material-m-1");
    expect(downloadTarget(undefined, "", "m-1", cwd)).toBe("/work/here/material-m-1");
  });

  it("writes --out as a file, or into it when it is a directory", () => {
    const dir = tmp();
    mkdirSync(path.join(dir, "sub"));
    expect(downloadTarget("out.pdf", "a.pdf", "m-1", dir)).toBe(path.join(dir, "out.pdf"));
    expect(downloadTarget("sub", "a.pdf", "m-1", dir)).toBe(path.join(dir, "sub", "a.pdf"));
    expect(downloadTarget("new/", "a.pdf", "m-1", dir)).toBe(path.join(dir, "new", "a.pdf"));
  });
});

describe("connection options", () => {
  const addr = "127.0.0.1:50051";

  it("takes the token from --token, else from KUAYU_TOKEN", () => {
    expect(connection({ addr, token: "t1" }, { KUAYU_TOKEN: "t2" }).token).toBe("t1");
    expect(connection({ addr }, { KUAYU_TOKEN: "t2" }).token).toBe("t2");
  });

  it("without a token, says how to mint one", () => {
    expect(() => connection({ addr }, {})).toThrow(CliUsageError);
    expect(() => connection({ addr }, { KUAYU_TOKEN: " " })).toThrow(/kuayu token mint --court <your court id> --role window-clerk/);
  });

  it("checks the address and the timeout", () => {
    expect(connection({ addr: "intake.kuayu.svc:50051", token: "t" }, {}).address).toBe("intake.kuayu.svc:50051");
    expect(connection({ addr: "[::1]:50051", token: "t" }, {}).address).toBe("[::1]:50051");
    expect(() => connection({ addr: "localhost", token: "t" }, {})).toThrow(/--addr must be host:port/);
    expect(() => connection({ addr, token: "t", timeout: "0" }, {})).toThrow(/--timeout must be a positive number/);
  });

  it("gives single calls a deadline and streams none, unless --timeout says otherwise", () => {
    expect(connection({ addr, token: "t" }, {})).toMatchObject({ timeoutMs: DEFAULT_CALL_TIMEOUT_MS, streamTimeoutMs: Infinity });
    expect(connection({ addr, token: "t", timeout: "2.5" }, {})).toMatchObject({ timeoutMs: 2500, streamTimeoutMs: 2500 });
  });
});

describe("failures", () => {
  const violations = [
    { field: "materials", description: "missing checklist item complaint (起诉状)" },
    { field: "details.parties[0].resident_id", description: "check digit mismatch" },
  ];

  it("prints the field violations one per line, without repeating them in the message", () => {
    const f = describeFailure(received(invalidArgument(violations)), "127.0.0.1:50051");
    expect(f).toEqual({ code: "INVALID_ARGUMENT", message: "request has invalid fields", fieldViolations: violations });
    expect(formatFailure(f).split("\n")).toEqual([
      "kuayu: request has invalid fields (INVALID_ARGUMENT)",
      "  materials: missing checklist item complaint (起诉状)",
      "  details.parties[0].resident_id: check digit mismatch",
    ]);
  });

  it("keeps the message of an error without violations", () => {
    const f = describeFailure(received(notFound("no filing f-9")), "a:1");
    expect(formatFailure(f)).toBe("kuayu: no filing f-9 (NOT_FOUND)");
  });

  it("hints at the address when the service is unavailable, and at minting when the token is refused", () => {
    const unavailable = Object.assign(new Error("14 UNAVAILABLE: No connection established"), { code: status.UNAVAILABLE, details: "No connection established" });
    expect(formatFailure(describeFailure(unavailable, "10.0.0.5:50051"))).toMatch(/hint: is the intake service running at 10\.0\.0\.5:50051\?/);
    const refused = Object.assign(new Error("16 UNAUTHENTICATED: token expired"), { code: status.UNAUTHENTICATED, details: "token expired" });
    expect(formatFailure(describeFailure(refused, "a:1"))).toMatch(/kuayu token mint --court/);
  });

  it("reports a local error by its message", () => {
    expect(describeFailure(new Error("SHA-256 MISMATCH for material m-1"), "a:1")).toEqual({ message: "SHA-256 MISMATCH for material m-1", fieldViolations: [] });
  });
});

describe("masking", () => {
  it("shows only the last 4 digits of a phone number", () => {
    expect(maskPhone("13800138000")).toBe("*******8000");
    expect(maskPhone("020-1234 5678")).toBe("*******5678");
    expect(maskPhone("110")).toBe("***");
    expect(maskPhone("")).toBe("");
  });

  it("shows the first 3 and last 2 characters of an identity number", () => {
    expect(maskId("11010519491231002X")).toBe("110*************2X");
    expect(maskId("91350100M000100Y43")).toBe("913*************43");
    expect(maskId("")).toBe("");
  });
});

const filing = create(intakeV1.FilingSchema, {
  filingId: "f-1",
  collaboratingCourtId: "c-440703",
  status: intakeV1.FilingStatus.CORRECTION_REQUESTED,
  receiptNumber: "KY-c-440703-20261128-000001",
  round: 1,
  createdAt: ts("2026-11-28T01:00:00Z"),
  submittedAt: ts("2026-11-28T02:00:00Z"),
  details: {
    caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE,
    jurisdictionCourtId: "c-110105",
    jurisdictionSource: intakeV1.JurisdictionSource.CLERK,
    claims: "判令被告支付货款",
    parties: [
      {
        role: intakeV1.PartyRole.PLAINTIFF,
        identity: { case: "person", value: { name: "张三", residentId: "11010519491231002X" } },
        address: "北京市朝阳区某路1号",
        phone: "13800138000",
        agents: [
          {
            name: "李律师",
            kind: intakeV1.AgentKind.LAWYER,
            residentId: "440703198001011234",
            licenseNumber: "14401201010000000",
            authorization: intakeV1.AuthorizationScope.SPECIAL,
            phone: "02012345678",
          },
        ],
      },
      { role: intakeV1.PartyRole.DEFENDANT, identity: { case: "organization", value: { name: "某某有限公司", creditCode: "91350100M000100Y43" } }, address: "广州市" },
    ],
  },
  materials: [
    { materialId: "m-1", kind: "complaint", fileName: "起诉状.pdf", mediaType: "application/pdf", sizeBytes: 2048n, sha256: "ab".repeat(32), round: 1, uploadedAt: ts("2026-11-28T01:30:00Z") },
  ],
  correctionRequest: { items: [{ materialKind: "evidence", description: "证据材料不清晰" }], deadline: ts("2026-12-05T09:00:00Z"), requestedAt: ts("2026-11-28T03:00:00Z") },
  timeline: [
    { eventType: "kuayu.intake.v1.FilingSubmitted", at: ts("2026-11-28T02:00:00Z"), detail: "submitted", actor: { user: "u-1", name: "张三", courtId: "t-440103001" } },
    { eventType: "kuayu.routing.v1.FilingRouted", at: ts("2026-11-28T02:00:03Z"), detail: "in the inbox" },
  ],
});

describe("human output", () => {
  it("shows a filing without any identity or phone number in full", () => {
    const text = formatFiling(filing);
    for (const secret of ["11010519491231002X", "440703198001011234", "91350100M000100Y43", "13800138000", "02012345678"]) expect(text).not.toContain(secret);
    expect(text).toContain("110*************2X");
    expect(text).toContain("913*************43");
    expect(text).toContain("*******8000");
    expect(text).toMatch(/status\s+correction-requested/);
    expect(text).toMatch(/case type\s+civil-first-instance \(民事一审\)/);
    expect(text).toMatch(/evidence: 证据材料不清晰/);
  });

  it("tabulates the materials and the timeline", () => {
    const lines = formatFiling(filing).split("\n");
    const m = lines.findIndex((l) => l.startsWith("MATERIAL"));
    expect(lines[m + 1]).toMatch(/^m-1\s+complaint\s+1\s+2\.0 KiB\s+application\/pdf\s+abababababab\s+2026-11-28 09:30:00\s+起诉状\.pdf$/);
    const t = lines.findIndex((l) => l.startsWith("TIME"));
    // Who caused each event: the display name and the court's name; a service's own event, "-".
    expect(lines.slice(t + 1, t + 3)).toEqual([
      "2026-11-28 10:00:00  kuayu.intake.v1.FilingSubmitted  张三, 广州市荔湾区人民法院沙面人民法庭  submitted",
      "2026-11-28 10:00:03  kuayu.routing.v1.FilingRouted    -                                       in the inbox",
    ]);
  });

  it("lists filings one per line, and says when there are none", () => {
    const lines = formatList([filing]).split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^2026-11-28 09:00:00\s+f-1\s+correction-requested\s+civil-first-instance\s+c-110105\s+KY-c-440703-20261128-000001$/);
    expect(formatList([])).toBe("no filings");
  });

  it("prints a watch event as time, filing, status, event type", () => {
    const f = create(intakeV1.FilingSchema, { filingId: "f-2", status: intakeV1.FilingStatus.ROUTED, updatedAt: ts("2026-11-28T02:00:03Z") });
    expect(formatWatchLine(create(intakeV1.WatchFilingsResponseSchema, { filing: f, eventType: "kuayu.routing.v1.FilingRouted" }))).toMatch(
      /^2026-11-28 10:00:03 {2}f-2 {2}routed\s+kuayu\.routing\.v1\.FilingRouted$/,
    );
    expect(formatWatchLine(create(intakeV1.WatchFilingsResponseSchema, { filing: f }))).toMatch(/\(draft edited\)$/);
  });

  it("aligns columns by display width, CJK counting double", () => {
    expect(displayWidth("起诉状.pdf")).toBe(10);
    expect(
      table(
        ["A", "B"],
        [
          ["起诉状", "x"],
          ["ab", "y"],
        ],
      ).split("\n"),
    ).toEqual(["A       B", "起诉状  x", "ab      y"]);
  });
});

describe("upload stream", () => {
  it("sends the header (basename, size, SHA-256) first, then 256 KiB chunks", async () => {
    const file = path.join(tmp(), "证据.pdf");
    const bytes = Buffer.alloc(2 * UPLOAD_CHUNK_BYTES + 1000, 7);
    writeFileSync(file, bytes);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    expect(await hashFile(file)).toEqual({ sha256, sizeBytes: bytes.length });

    const progress: number[] = [];
    const reqs = [];
    for await (const r of uploadRequests({ filingId: "f-1", file, kind: "evidence", sha256, sizeBytes: bytes.length }, (n) => progress.push(n))) reqs.push(r);
    expect(reqs[0]).toEqual({ part: { case: "header", value: { filingId: "f-1", kind: "evidence", fileName: "证据.pdf", sizeBytes: BigInt(bytes.length), sha256 } } });
    const chunks = reqs.slice(1).map((r) => (r.part as { case: "chunk"; value: Uint8Array }).value);
    expect(chunks.map((c) => c.length)).toEqual([UPLOAD_CHUNK_BYTES, UPLOAD_CHUNK_BYTES, 1000]);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    expect(progress).toEqual([UPLOAD_CHUNK_BYTES, 2 * UPLOAD_CHUNK_BYTES, bytes.length]);
  });

  it("fails when the file changed size after it was hashed", async () => {
    const file = path.join(tmp(), "a.pdf");
    writeFileSync(file, Buffer.alloc(100));
    const drain = async (sizeBytes: number) => {
      for await (const _ of uploadRequests({ filingId: "f-1", file, kind: "evidence", sha256: "", sizeBytes })) void _;
    };
    await expect(drain(200)).rejects.toThrow(/shrank/);
    await expect(drain(50)).rejects.toThrow(/grew/);
  });
});

describe("command tree", () => {
  it("registers every filing command with --json and the connection options", () => {
    const root = new Command("filing");
    filingCommands(root);
    const names = root.commands.map((c) => c.name());
    expect(names).toEqual(["create", "update", "upload", "download", "submit", "correct", "show", "list", "withdraw", "watch"]);
    for (const c of root.commands) {
      const flags = c.options.map((o) => o.long);
      expect(flags).toEqual(expect.arrayContaining(["--json", "--addr", "--token", "--timeout"]));
    }
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

describe("kuayu filing (built CLI, no service)", () => {
  const env = { ...process.env, KUAYU_TOKEN: "", KUAYU_INTAKE_ADDR: "127.0.0.1:1" };

  it("without a token, exits 2 and says how to mint one", async () => {
    const err = await fails(env, "filing", "show", "f-1");
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/kuayu token mint --court <your court id> --role window-clerk/);
    expect(err.stdout).toBe("");
  });

  it("rejects a bad status before connecting", async () => {
    const err = await fails({ ...env, KUAYU_TOKEN: "t" }, "filing", "list", "--status", "draft,pending", "--json");
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/unknown status "pending"/);
  });
});
