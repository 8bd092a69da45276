import { CASE_TYPES, TYPE_CODES, applicableMaterials, caseTypeInfo, caseTypeOfTypeCode, isCaseType, type CaseType } from "@kuayu/domain";

const ids = (caseType: CaseType) => caseTypeInfo(caseType).materials.map((m) => m.id);

describe("case types", () => {
  it("recognises exactly the six ids", () => {
    expect(CASE_TYPES.every(isCaseType)).toBe(true);
    expect(isCaseType("civil-second-instance")).toBe(false);
    expect(isCaseType(7)).toBe(false);
  });

  it("describes each case type under its own id", () => {
    for (const id of CASE_TYPES) expect(caseTypeInfo(id).id).toBe(id);
  });

  it("has the Chinese names and type codes of docs/domain.md", () => {
    const table = CASE_TYPES.map((id) => [id, caseTypeInfo(id).name, caseTypeInfo(id).typeCodes]);
    expect(table).toEqual([
      ["civil-first-instance", "民事一审", ["民初"]],
      ["administrative-first-instance", "行政一审", ["行初"]],
      ["enforcement", "执行申请", ["执"]],
      ["criminal-private-prosecution", "刑事自诉", ["刑初"]],
      ["state-compensation", "国家赔偿申请", ["法赔", "委赔"]],
      ["civil-retrial-application", "民事再审申请", ["民申"]],
    ]);
  });

  it("allows the special-trial code 知 only for civil first instance", () => {
    for (const id of CASE_TYPES) {
      expect(caseTypeInfo(id).specialTrialCodes).toEqual(id === "civil-first-instance" ? ["知"] : []);
    }
  });

  it("maps every type code back to exactly one case type", () => {
    for (const code of TYPE_CODES) {
      const owners = CASE_TYPES.filter((id) => caseTypeInfo(id).typeCodes.includes(code));
      expect(owners).toEqual([caseTypeOfTypeCode(code)]);
    }
    expect(caseTypeOfTypeCode("委赔")).toBe("state-compensation");
  });

  it("has the statutory decision periods", () => {
    expect(caseTypeInfo("civil-first-instance").decisionPeriod).toEqual({ days: 7, startsOn: "receipt", duty: "decide-whether-to-docket" });
    expect(caseTypeInfo("administrative-first-instance").decisionPeriod.days).toBe(7);
    expect(caseTypeInfo("enforcement").decisionPeriod.days).toBe(7);
    expect(caseTypeInfo("state-compensation").decisionPeriod.days).toBe(7);
    expect(caseTypeInfo("criminal-private-prosecution").decisionPeriod).toEqual({ days: 15, startsOn: "receipt", duty: "decide-whether-to-docket" });
    expect(caseTypeInfo("civil-retrial-application").decisionPeriod).toEqual({
      days: 5,
      startsOn: "complete-materials",
      duty: "send-acceptance-notice",
    });
  });
});

describe("material checklists", () => {
  const common = ["filer-identity", "power-of-attorney", "agent-identity", "opposing-party-details", "evidence", "address-for-service-confirmation"];

  it.each(CASE_TYPES)("%s has the common items, unique kebab-case ids and names", (id) => {
    const materials = caseTypeInfo(id).materials;
    expect(ids(id)).toEqual(expect.arrayContaining(common));
    expect(new Set(ids(id)).size).toBe(materials.length);
    for (const m of materials) {
      expect(m.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(m.name).toMatch(/\p{Script=Han}/u);
    }
  });

  it.each(CASE_TYPES)("%s starts with one initiating document, copied for each opposing party", (id) => {
    const copied = caseTypeInfo(id).materials.filter((m) => m.copiesForOpposingParties);
    expect(copied).toHaveLength(1);
    expect(caseTypeInfo(id).materials[0]).toBe(copied[0]);
  });

  it("names the initiating document after the case type", () => {
    const first = (id: CaseType) => caseTypeInfo(id).materials[0]?.name;
    expect(first("civil-first-instance")).toBe("起诉状");
    expect(first("criminal-private-prosecution")).toBe("自诉状");
    expect(first("enforcement")).toBe("执行申请书");
    expect(first("civil-retrial-application")).toBe("再审申请书");
  });

  it("asks for the agent's papers only when an agent acts", () => {
    const agentItems = caseTypeInfo("enforcement").materials.filter((m) => m.requirement === "conditional" && m.condition === "agent-acts");
    expect(agentItems.map((m) => m.id)).toEqual(["power-of-attorney", "agent-identity"]);
  });

  it("adds the type-specific documents", () => {
    expect(ids("enforcement")).toContain("effective-legal-document");
    expect(ids("civil-retrial-application")).toContain("original-judgment");
    expect(ids("civil-first-instance")).not.toContain("effective-legal-document");
    expect(ids("civil-first-instance")).not.toContain("original-judgment");
    const decision = caseTypeInfo("state-compensation").materials.find((m) => m.id === "liable-organ-decision");
    expect(decision).toMatchObject({ requirement: "conditional", condition: "liable-organ-decided" });
  });

  it("lists the applicable items for the conditions that hold", () => {
    const plain = applicableMaterials("state-compensation", []).map((m) => m.id);
    expect(plain).not.toContain("power-of-attorney");
    expect(plain).not.toContain("liable-organ-decision");
    expect(plain).toContain("address-for-service-confirmation");

    const withAgent = applicableMaterials("state-compensation", ["agent-acts"]).map((m) => m.id);
    expect(withAgent).toEqual(expect.arrayContaining(["power-of-attorney", "agent-identity"]));
    expect(withAgent).not.toContain("liable-organ-decision");

    const all = applicableMaterials("state-compensation", ["agent-acts", "liable-organ-decided"]);
    expect(all).toHaveLength(caseTypeInfo("state-compensation").materials.length);
  });
});
