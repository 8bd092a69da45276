// Pure rules of the window: details validation, the checklist, and how lifecycle events move the status.
import { applyLifecycle, missingCorrections, missingMaterials, partiesReachedBy, validateDetails, type Filing, type FilingDetails, type Material } from "../src/domain/filing";
import { chinaDay, formatReceiptNumber, normalizeReceiptNumber, recordLifecycle, validateUploadHeader, type LifecycleItem } from "../src/domain/intake";

const details = (over: Partial<FilingDetails> = {}): FilingDetails => ({
  caseType: "civil-first-instance",
  parties: [
    { role: "plaintiff", identity: { kind: "person", name: "张三", residentId: "11010519491231002X" }, address: "广州市", phone: "", agents: [] },
    { role: "defendant", identity: { kind: "organization", name: "某公司", creditCode: "", legalRepresentative: "" }, address: "北京市", phone: "", agents: [] },
  ],
  claims: "支付货款",
  facts: "未付货款",
  jurisdictionCourtId: "c-110105",
  jurisdictionSource: "clerk",
  jurisdictionBasis: "",
  liableOrganDecided: false,
  drill: false,
  ...over,
});
const material = (kind: string, round = 1): Material => ({
  id: `m-${kind}-${round}`,
  kind,
  fileName: "a.pdf",
  mediaType: "application/pdf",
  sizeBytes: 1,
  sha256: "0".repeat(64),
  round,
  uploadedAt: new Date(),
});
const filing = (over: Partial<Filing> = {}): Filing => ({
  id: "f1",
  collaboratingCourtId: "t-440103001",
  status: "submitted",
  details: details(),
  materials: [],
  receiptNumber: "KY-x",
  jurisdictionProvince: "11",
  submittedTo: "c-110105",
  round: 1,
  submitKeys: ["k"],
  createdAt: new Date(0),
  submittedAt: new Date(0),
  updatedAt: new Date(0),
  lastEventType: "",
  correctionRequest: undefined,
  decision: undefined,
  ...over,
});
const fields = (v: { field: string }[]) => v.map((x) => x.field);

describe("validateDetails", () => {
  it("accepts complete details, and an empty draft", () => {
    expect(validateDetails(details(), true)).toEqual([]);
    expect(validateDetails(details({ caseType: undefined, parties: [], claims: "", facts: "", jurisdictionCourtId: "" }), false)).toEqual([]);
  });

  it("lists everything a submission still lacks", () => {
    const v = validateDetails(details({ caseType: undefined, parties: [], claims: " ", facts: "", jurisdictionCourtId: "" }), true);
    expect(fields(v)).toEqual(["details.case_type", "details.parties", "details.parties", "details.claims", "details.facts", "details.jurisdiction_court_id"]);
  });

  it("checks identity numbers wherever they are given, and requires them of the filing side", () => {
    const bad = details();
    bad.parties[0]!.identity = { kind: "person", name: "张三", residentId: "110105194912310021" };
    bad.parties[1]!.identity = { kind: "organization", name: "某公司", creditCode: "91350100M000100Y44", legalRepresentative: "" };
    expect(fields(validateDetails(bad, false))).toEqual(["details.parties[0].person.resident_id", "details.parties[1].organization.credit_code"]);
    const missing = details();
    missing.parties[0]!.identity = { kind: "person", name: "张三", residentId: "" };
    expect(fields(validateDetails(missing, false))).toEqual([]);
    expect(fields(validateDetails(missing, true))).toEqual(["details.parties[0].person.resident_id"]);
  });

  it("checks agents: kind, authorisation, licence for lawyers, identity", () => {
    const d = details();
    d.parties[0]!.agents = [{ name: "王律师", kind: "lawyer", residentId: "", licenseNumber: "", authorization: undefined, phone: "abc" }];
    expect(fields(validateDetails(d, true))).toEqual([
      "details.parties[0].agents[0].authorization",
      "details.parties[0].agents[0].license_number",
      "details.parties[0].agents[0].resident_id",
      "details.parties[0].agents[0].phone",
    ]);
  });

  it("requires the finder's legal basis when the court came from the finder", () => {
    expect(fields(validateDetails(details({ jurisdictionSource: "finder" }), true))).toEqual(["details.jurisdiction_basis"]);
  });
});

describe("the checklist", () => {
  it("names each missing required material; the defendant's details stand for opposing-party-details", () => {
    const missing = missingMaterials(details(), [material("complaint")]).map((v) => v.description);
    expect(missing).toEqual([expect.stringContaining("filer-identity"), expect.stringContaining("evidence"), expect.stringContaining("address-for-service-confirmation")]);
    const all = ["complaint", "filer-identity", "evidence", "address-for-service-confirmation"].map((k) => material(k));
    expect(missingMaterials(details(), all)).toEqual([]);
  });

  it("adds the power of attorney and the agent's identity when an agent acts", () => {
    const d = details();
    d.parties[0]!.agents = [{ name: "王律师", kind: "lawyer", residentId: "11010519491231002X", licenseNumber: "11101200910000001", authorization: "special", phone: "" }];
    const all = ["complaint", "filer-identity", "evidence", "address-for-service-confirmation"].map((k) => material(k));
    expect(missingMaterials(d, all).map((v) => v.description)).toEqual([expect.stringContaining("power-of-attorney"), expect.stringContaining("agent-identity")]);
  });

  it("asks for the requested corrections in the new round", () => {
    const f = filing({ status: "correction-requested", correctionRequest: { items: [{ materialKind: "evidence", description: "" }], deadline: undefined, note: "", requestedAt: new Date() } });
    expect(missingCorrections({ ...f, materials: [material("evidence", 1)] })).toHaveLength(1);
    expect(missingCorrections({ ...f, materials: [material("evidence", 2)] })).toEqual([]);
  });
});

describe("applyLifecycle", () => {
  const now = new Date(1000);
  const at = new Date(500);
  it("moves the status forward within the round, and never back", () => {
    const routed = applyLifecycle(filing(), { round: 1, status: "routed", eventType: "R", at }, now)!;
    expect(routed.status).toBe("routed");
    expect(routed.updatedAt).toBe(now);
    const acked = applyLifecycle(routed, { round: 1, status: "acknowledged", eventType: "A", at }, now)!;
    expect(applyLifecycle(acked, { round: 1, status: "routed", eventType: "R", at }, now)).toBeUndefined();
    expect(applyLifecycle(acked, { round: 1, status: "acknowledged", eventType: "A", at }, now)).toBeUndefined();
  });

  it("accepts out-of-order arrival: a decision before the acknowledgement", () => {
    const accepted = applyLifecycle(
      filing(),
      { round: 1, status: "accepted", eventType: "X", at, decision: { caseNumber: "（2026）京0105民初1号", reasonCategory: "", reason: "", legalBasis: "", decidedAt: at } },
      now,
    )!;
    expect(accepted.status).toBe("accepted");
    expect(applyLifecycle(accepted, { round: 1, status: "acknowledged", eventType: "A", at }, now)).toBeUndefined();
  });

  it("ignores events of an earlier round, and anything after withdrawal", () => {
    expect(applyLifecycle(filing({ round: 2 }), { round: 1, status: "rejected", eventType: "X", at }, now)).toBeUndefined();
    expect(applyLifecycle(filing({ status: "withdrawn" }), { round: 1, status: "accepted", eventType: "X", at }, now)).toBeUndefined();
    expect(applyLifecycle(filing({ status: "draft", round: 0 }), { round: 0, status: "routed", eventType: "X", at }, now)).toBeUndefined();
  });
});

describe("the round's desk and deadlines", () => {
  const now = new Date(1000);
  const at = new Date(500);
  const routing = { contact: { name: "王专员", phone: "010-65000000" }, responseDue: new Date(2000), decisionDue: new Date(9000), provisional: true };
  it("come with the routing and follow a recomputation, without a status change or telling watchers", () => {
    const routed = applyLifecycle(filing(), { round: 1, status: "routed", eventType: "R", at, routing }, now)!;
    expect(routed.routing).toEqual(routing);
    const later = new Date(10_000);
    const recomputed = applyLifecycle(routed, { round: 1, eventType: "D", at, deadlines: { responseDue: routing.responseDue, decisionDue: later, provisional: false } }, new Date(5000))!;
    expect([recomputed.status, recomputed.routing, recomputed.updatedAt, recomputed.lastEventType]).toEqual([
      "routed",
      { ...routing, decisionDue: later, provisional: false },
      routed.updatedAt,
      routed.lastEventType,
    ]);
    // Another round's recomputation, a decided filing's or one never routed: nothing.
    expect(applyLifecycle(routed, { round: 2, eventType: "D", at, deadlines: { responseDue: undefined, decisionDue: later, provisional: false } }, now)).toBeUndefined();
    expect(applyLifecycle(filing(), { round: 1, eventType: "D", at, deadlines: { responseDue: undefined, decisionDue: later, provisional: false } }, now)).toBeUndefined();
    expect(applyLifecycle({ ...routed, status: "accepted" }, { round: 1, eventType: "D", at, deadlines: { responseDue: undefined, decisionDue: later, provisional: false } }, now)).toBeUndefined();
  });
});

describe("the party's look-up", () => {
  it("reads a receipt number as printed, spaces and the prefix's case aside", () => {
    expect(normalizeReceiptNumber(" ky-c-110105-20261128-000042 ")).toBe("KY-c-110105-20261128-000042");
    expect(normalizeReceiptNumber("KY-c-110105-2026 1128-000042")).toBe("KY-c-110105-20261128-000042");
    for (const bad of ["", "c-110105-20261128-000042", "KY-c-110105-2026112-000042", "KY-c-110105-20261128-42", '{"$ne":null}', `KY-${"c".repeat(65)}-20261128-000042`]) {
      expect([bad, normalizeReceiptNumber(bad)]).toEqual([bad, undefined]);
    }
  });

  it("finds the parties a phone's last four digits belong to: their own phone or an agent's, never one too short", () => {
    const agent = { name: "王律师", kind: "lawyer" as const, residentId: "", licenseNumber: "1", authorization: "special" as const, phone: "+86 139-0000-4321" };
    const [plaintiff, defendant] = details().parties;
    const f = filing({
      details: details({
        parties: [
          { ...plaintiff!, phone: "138 0013 8000" },
          { ...defendant!, phone: "", agents: [agent] },
          { ...defendant!, phone: "800" },
        ],
      }),
    });
    expect(partiesReachedBy(f, "8000").map((p) => [p.party.identity?.name, p.throughAgent])).toEqual([["张三", false]]);
    expect(partiesReachedBy(f, "4321").map((p) => [p.party.identity?.name, p.throughAgent])).toEqual([["某公司", true]]);
    expect(partiesReachedBy(f, "0800")).toEqual([]);
    expect(partiesReachedBy(f, "1234")).toEqual([]);
  });
});

describe("recordLifecycle", () => {
  const now = new Date(1000);
  const at = new Date(500);
  const entry = (eventId: string) => ({ eventId, eventType: eventId, at, source: "kuayu.decision", detail: "" });
  /** What the log was asked to record, and the filing its change makes of `start`. */
  async function record(start: Filing, items: LifecycleItem[]) {
    const calls: { entries: string[]; after: Filing | undefined }[] = [];
    const log = {
      record: async (_id: string, entries: { eventId: string }[], apply: (f: Filing) => Filing | undefined) => {
        calls.push({ entries: entries.map((e) => e.eventId), after: apply(start) });
        return true;
      },
    };
    await recordLifecycle({ now: () => now, log }, start.id, items);
    return calls;
  }

  it("records a filing's events of one batch as one change: every entry, the status they lead to", async () => {
    const calls = await record(filing(), [
      { entry: entry("routed"), update: { round: 1, status: "routed", eventType: "R", at } },
      { entry: entry("acknowledged"), update: { round: 1, status: "acknowledged", eventType: "A", at } },
      { entry: entry("deadlines") },
      { entry: entry("stale"), update: { round: 0, status: "rejected", eventType: "X", at } },
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.entries).toEqual(["routed", "acknowledged", "deadlines", "stale"]);
    expect(calls[0]!.after).toMatchObject({ status: "acknowledged", lastEventType: "A", updatedAt: now });
  });

  it("changes no status when none of the events moves it", async () => {
    const calls = await record(filing({ status: "accepted" }), [{ entry: entry("late"), update: { round: 1, status: "acknowledged", eventType: "A", at } }]);
    expect(calls[0]!.after).toBeUndefined();
  });
});

describe("receipt numbers and upload headers", () => {
  it("counts days in China time", () => {
    expect(chinaDay(new Date("2026-11-27T16:30:00Z"))).toBe("20261128");
    expect(chinaDay(new Date("2026-11-27T15:59:59Z"))).toBe("20261127");
    expect(formatReceiptNumber("t-440103001", "20261128", 42)).toBe("KY-t-440103001-20261128-000042");
  });

  it("checks an upload header field by field", () => {
    expect(validateUploadHeader({ filingId: "f", kind: "complaint", fileName: "起诉状.pdf", sizeBytes: 10, sha256: "" }, 100)).toEqual([]);
    expect(fields(validateUploadHeader({ filingId: "", kind: "Complaint!", fileName: "../etc/passwd", sizeBytes: 101, sha256: "xyz" }, 100))).toEqual([
      "header.filing_id",
      "header.kind",
      "header.file_name",
      "header.size_bytes",
      "header.sha256",
    ]);
  });
});
