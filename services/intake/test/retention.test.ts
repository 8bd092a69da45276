// Retention of intake's filings: which filing is anonymised or deleted when, and what anonymising keeps.
import { ANONYMISED, DEFAULT_SCHEDULE } from "@kuayu/domain";
import type { Filing, FilingDetails } from "../src/domain/filing";
import { anonymiseFiling, filingRetention } from "../src/domain/retention";

const NOW = new Date("2031-06-01T00:00:00Z");
const details = (over: Partial<FilingDetails> = {}): FilingDetails => ({
  caseType: "civil-first-instance",
  parties: [
    {
      role: "plaintiff",
      identity: { kind: "person", name: "张三", residentId: "11010519491231002X" },
      address: "广州市荔湾区沙面大街1号",
      phone: "13800138000",
      agents: [{ name: "王律师", kind: "lawyer", residentId: "11010519491231002X", licenseNumber: "14401200000000", authorization: "general", phone: "13900139000" }],
    },
    { role: "defendant", identity: { kind: "organization", name: "某公司", creditCode: "91350100M000100Y43", legalRepresentative: "李四" }, address: "北京市", phone: "", agents: [] },
  ],
  claims: "支付货款",
  facts: "张三与某公司签订合同",
  jurisdictionCourtId: "c-110105",
  jurisdictionSource: "clerk",
  jurisdictionBasis: "合同履行地",
  liableOrganDecided: false,
  drill: false,
  ...over,
});
const filing = (over: Partial<Filing> = {}): Filing => ({
  id: "f1",
  collaboratingCourtId: "t-440103001",
  status: "accepted",
  details: details(),
  materials: [{ id: "m1", kind: "complaint", fileName: "张三起诉状.pdf", mediaType: "application/pdf", sizeBytes: 10, sha256: "a".repeat(64), round: 1, uploadedAt: new Date("2027-01-01") }],
  receiptNumber: "KY-44-20270101-000001",
  jurisdictionProvince: "11",
  submittedTo: "c-110105",
  round: 1,
  submitKeys: ["k"],
  createdAt: new Date("2027-01-01T00:00:00Z"),
  submittedAt: new Date("2027-01-01T01:00:00Z"),
  updatedAt: new Date("2027-01-05T00:00:00Z"),
  lastEventType: "kuayu.decision.v1.Accepted",
  correctionRequest: undefined,
  decision: { caseNumber: "（2027）京0105民初1号", reasonCategory: "", reason: "", legalBasis: "", decidedAt: new Date("2027-01-05T00:00:00Z") },
  ...over,
});

describe("filingRetention", () => {
  const s = DEFAULT_SCHEDULE; // 3 years, drills 30 days

  it("anonymises a filing decided more than the personal-data period ago, not one decided since", () => {
    expect(filingRetention(filing(), NOW, s)).toEqual({ action: "anonymise", rule: "personal-data-after-decision" });
    const recent = filing({ decision: { ...filing().decision!, decidedAt: new Date("2029-06-02T00:00:00Z") } });
    expect(filingRetention(recent, NOW, s)).toBeUndefined();
    // Exactly the period: due.
    expect(filingRetention(filing({ decision: { ...filing().decision!, decidedAt: new Date("2028-06-01T00:00:00Z") } }), NOW, s)?.action).toBe("anonymise");
    expect(filingRetention(filing({ decision: { ...filing().decision!, decidedAt: new Date("2028-06-01T00:00:01Z") } }), NOW, s)).toBeUndefined();
  });

  it("counts a withdrawal from its last change, an abandoned draft from its last edit; never an open filing", () => {
    expect(filingRetention(filing({ status: "withdrawn", decision: undefined, updatedAt: new Date("2027-03-01") }), NOW, s)?.action).toBe("anonymise");
    expect(filingRetention(filing({ status: "withdrawn", decision: undefined, updatedAt: new Date("2029-03-01") }), NOW, s)).toBeUndefined();
    expect(filingRetention(filing({ status: "draft", decision: undefined, updatedAt: new Date("2027-03-01") }), NOW, s)).toEqual({ action: "anonymise", rule: "personal-data-abandoned" });
    for (const status of ["submitted", "routed", "acknowledged", "correction-requested"] as const) {
      expect(filingRetention(filing({ status, decision: undefined, updatedAt: new Date("2020-01-01") }), NOW, s)).toBeUndefined();
    }
  });

  it("leaves an anonymised filing alone", () => {
    expect(filingRetention(filing({ anonymisedAt: new Date("2030-06-01") }), NOW, s)).toBeUndefined();
  });

  it("deletes a drill filing the drill period after it was created, whatever its status", () => {
    const drill = (createdAt: string, status: Filing["status"] = "routed") => filing({ details: details({ drill: true }), status, createdAt: new Date(createdAt), decision: undefined });
    expect(filingRetention(drill("2031-05-01T00:00:00Z"), NOW, s)).toEqual({ action: "delete", rule: "drill" });
    expect(filingRetention(drill("2031-05-02T00:00:00Z"), NOW, s)).toEqual({ action: "delete", rule: "drill" }); // exactly 30 days
    expect(filingRetention(drill("2031-05-02T00:00:01Z"), NOW, s)).toBeUndefined();
    expect(filingRetention(drill("2031-05-20T00:00:00Z", "accepted"), NOW, s)).toBeUndefined();
    expect(filingRetention(drill("2031-05-20T00:00:00Z", "accepted"), NOW, { ...s, drillDays: 7 })?.action).toBe("delete");
  });
});

describe("anonymiseFiling", () => {
  it("replaces names and free texts, empties identifiers and contacts, keeps the facts statistics need", () => {
    const f = filing({ decision: { ...filing().decision!, reason: "张三的起诉不符合条件", reasonCategory: "other", legalBasis: "民事诉讼法第一百二十二条" } });
    const a = anonymiseFiling(f, NOW);
    const [p, o] = a.details.parties;
    expect(p!.identity).toEqual({ kind: "person", name: ANONYMISED, residentId: "" });
    expect(p!.address).toBe("");
    expect(p!.phone).toBe("");
    expect(p!.agents[0]).toMatchObject({ name: ANONYMISED, residentId: "", licenseNumber: "", phone: "", kind: "lawyer" });
    expect(o!.identity).toEqual({ kind: "organization", name: ANONYMISED, creditCode: "", legalRepresentative: ANONYMISED });
    expect(a.details.claims).toBe(ANONYMISED);
    expect(a.details.facts).toBe(ANONYMISED);
    expect(a.materials[0]!.fileName).toBe(ANONYMISED);
    expect(a.decision!.reason).toBe(ANONYMISED);
    expect(JSON.stringify(a)).not.toMatch(/张三|李四|王律师|11010519491231002X|138001|沙面/);
    // Statistics: unchanged.
    expect(a.details.caseType).toBe("civil-first-instance");
    expect(a.details.jurisdictionCourtId).toBe("c-110105");
    expect(a.details.drill).toBe(false);
    expect(a.collaboratingCourtId).toBe(f.collaboratingCourtId);
    expect(a.status).toBe("accepted");
    expect(a.receiptNumber).toBe(f.receiptNumber);
    expect(a.decision!.caseNumber).toBe(f.decision!.caseNumber);
    expect(a.decision!.decidedAt).toEqual(f.decision!.decidedAt);
    expect(a.decision!.reasonCategory).toBe("other");
    expect(a.createdAt).toEqual(f.createdAt);
    expect(a.submittedAt).toEqual(f.submittedAt);
    expect(a.materials[0]).toMatchObject({ kind: "complaint", sizeBytes: 10, sha256: "a".repeat(64) });
    expect(a.anonymisedAt).toEqual(NOW);
    // Once anonymised, not again.
    expect(filingRetention(a, NOW, DEFAULT_SCHEDULE)).toBeUndefined();
  });
});
