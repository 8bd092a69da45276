// Retention of the inbox: which entry is anonymised or deleted when, what anonymising keeps, which copies go.
import { ANONYMISED, DEFAULT_SCHEDULE } from "@kuayu/domain";
import { newInboxFiling, type Arrival, type InboxFiling } from "../src/domain/inbox";
import { anonymiseInbox, copiesToDelete, inboxRetention } from "../src/domain/retention";

const NOW = new Date("2031-06-01T00:00:00Z");
const details = {
  caseType: "CASE_TYPE_CIVIL_FIRST_INSTANCE",
  parties: [{ identity: { case: "person", value: { name: "张三", residentId: "11010519491231002X" } }, address: "广州市沙面大街1号", phone: "13800138000" }],
  claims: "支付货款",
  facts: "张三签订合同",
};
const arrival = (over: Partial<Arrival> = {}): Arrival => ({
  filingId: "f1",
  jurisdictionCourtId: "c-110105",
  collaboratingCourtId: "t-440103001",
  province: "11",
  originProvince: "44",
  court: { code: "京0105", level: "basic", kind: "basic" },
  caseType: "civil-first-instance",
  round: 1,
  receiptNumber: "KY-1",
  details,
  materials: [{ id: "m1", kind: "complaint", fileName: "张三起诉状.pdf", mediaType: "application/pdf", sizeBytes: 10, sha256: "a".repeat(64), round: 1, uploadedAt: new Date("2027-01-01") }],
  routedAt: new Date("2027-01-01"),
  responseDue: new Date("2027-01-02"),
  decisionDue: new Date("2027-01-08"),
  deadlinesEstimated: false,
  drill: false,
  ...over,
});
const decided = (decidedAt: string, over: Partial<InboxFiling> = {}): InboxFiling => ({
  ...newInboxFiling(arrival(), new Date("2027-01-01")),
  status: "rejected",
  decidedAt: new Date(decidedAt),
  rejection: { category: "other", reason: "张三的起诉不符合条件", legalBasis: "民事诉讼法第一百二十二条" },
  ...over,
});

describe("inboxRetention", () => {
  it("anonymises an entry decided more than the period ago; not a recent or an open one", () => {
    expect(inboxRetention(decided("2028-01-01"), NOW, DEFAULT_SCHEDULE)).toEqual({ action: "anonymise", rule: "personal-data-after-decision" });
    expect(inboxRetention(decided("2029-01-01"), NOW, DEFAULT_SCHEDULE)).toBeUndefined();
    expect(inboxRetention(decided("2020-01-01", { status: "awaiting-decision", decidedAt: undefined, updatedAt: new Date("2020-01-01") }), NOW, DEFAULT_SCHEDULE)).toBeUndefined();
    expect(inboxRetention(decided("2020-01-01", { anonymisedAt: new Date("2030-01-01") }), NOW, DEFAULT_SCHEDULE)).toBeUndefined();
  });

  it("deletes a drill entry the drill period after it arrived", () => {
    const drill = (arrivedAt: string) => ({ ...newInboxFiling(arrival({ drill: true }), new Date(arrivedAt)) });
    expect(inboxRetention(drill("2031-04-01"), NOW, DEFAULT_SCHEDULE)).toEqual({ action: "delete", rule: "drill" });
    expect(inboxRetention(drill("2031-05-20"), NOW, DEFAULT_SCHEDULE)).toBeUndefined();
  });
});

describe("anonymiseInbox", () => {
  it("anonymises the window's details, file names and the court's reasons; keeps the statistics", () => {
    const f = decided("2028-01-01", { caseNumber: "" });
    const a = anonymiseInbox(f, NOW);
    expect(JSON.stringify(a)).not.toMatch(/张三|11010519491231002X|13800138000|沙面/);
    expect(a.details).toEqual({
      caseType: "CASE_TYPE_CIVIL_FIRST_INSTANCE",
      parties: [{ identity: { case: "person", value: { name: ANONYMISED, residentId: "" } }, address: "", phone: "" }],
      claims: ANONYMISED,
      facts: ANONYMISED,
    });
    expect(a.rejection).toEqual({ category: "other", reason: ANONYMISED, legalBasis: "民事诉讼法第一百二十二条" });
    expect(a).toMatchObject({
      status: "rejected",
      caseType: "civil-first-instance",
      jurisdictionCourtId: "c-110105",
      collaboratingCourtId: "t-440103001",
      receiptNumber: "KY-1",
      decidedAt: f.decidedAt,
      arrivedAt: f.arrivedAt,
      anonymisedAt: NOW,
    });
    expect(a.materials[0]).toMatchObject({ fileName: ANONYMISED, sha256: "a".repeat(64), sizeBytes: 10 });
  });
});

describe("copiesToDelete", () => {
  it("deletes a copy only when no entry that keeps its data uses the same bytes", () => {
    const withDigests = (...d: string[]) => ({ materials: d.map((sha256) => ({ sha256 }) as InboxFiling["materials"][number]) });
    expect(copiesToDelete([withDigests("a", "b"), withDigests("b", "c")], new Set(["c", "d"])).sort()).toEqual(["a", "b"]);
    expect(copiesToDelete([], new Set(["a"]))).toEqual([]);
  });
});
