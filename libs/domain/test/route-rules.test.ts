import { CASE_TYPES, COURT_KINDS, ROUTE_PROBLEM_CODES, defaultAcceptedCaseTypes, defaultRoles, validateRoute, type CaseType, type CourtKind, type CourtLevel, type RouteCourt } from "@kuayu/domain";

/** A court with its kind's default roles and case types. */
const court = (id: string, kind: CourtKind, level: CourtLevel, overrides: Partial<RouteCourt> = {}): RouteCourt => ({
  id,
  kind,
  level,
  roles: defaultRoles(kind),
  acceptsCaseTypes: defaultAcceptedCaseTypes(kind),
  ...overrides,
});

const basic = court("gd-0703", "basic", "basic");
const intermediate = court("gd-07", "intermediate", "intermediate");
const high = court("gd", "high", "high");
const spc = court("spc", "supreme", "supreme");
const tribunal = court("gd-0703-t1", "tribunal", "tribunal");

const codes = (collaboratingCourt: RouteCourt, jurisdictionCourt: RouteCourt, caseType: CaseType) => validateRoute({ collaboratingCourt, jurisdictionCourt, caseType }).map((p) => p.code);

describe("validateRoute", () => {
  it("accepts valid routes", () => {
    expect(codes(basic, intermediate, "civil-first-instance")).toEqual([]);
    expect(codes(tribunal, high, "civil-retrial-application")).toEqual([]);
    expect(codes(tribunal, spc, "state-compensation")).toEqual([]);
    expect(codes(intermediate, basic, "enforcement")).toEqual([]);
  });

  it("refuses the same court on both ends", () => {
    expect(codes(basic, { ...basic }, "civil-first-instance")).toEqual(["same-court"]);
  });

  it("never uses a tribunal as jurisdiction court", () => {
    const asJurisdiction = court("t2", "tribunal", "tribunal", { roles: ["collaborating", "jurisdiction"], acceptsCaseTypes: ["civil-first-instance"] });
    expect(codes(basic, asJurisdiction, "civil-first-instance")).toEqual(["tribunal-as-jurisdiction-court"]);
  });

  it("never uses the SPC or a high court as collaborating court, whatever its roles say", () => {
    const highWithBothRoles = { ...high, roles: ["collaborating", "jurisdiction"] as const };
    expect(codes(highWithBothRoles, basic, "civil-first-instance")).toEqual(["upper-court-as-collaborating-court"]);
    expect(codes(spc, basic, "civil-first-instance")).toEqual(["upper-court-as-collaborating-court", "collaborating-role-missing"]);
    // A high-level special court is caught by its level.
    const militaryHigh = court("pla", "military", "high", { acceptsCaseTypes: [] });
    expect(codes(militaryHigh, basic, "civil-first-instance")).toEqual(["upper-court-as-collaborating-court"]);
  });

  it("requires the role a court is used in", () => {
    const noRoles = court("gd-0704", "basic", "basic", { roles: [] });
    expect(codes(noRoles, intermediate, "civil-first-instance")).toEqual(["collaborating-role-missing"]);
    expect(codes(intermediate, noRoles, "civil-first-instance")).toEqual(["jurisdiction-role-missing"]);
  });

  it("requires the jurisdiction court to accept the case type", () => {
    expect(codes(basic, high, "civil-first-instance")).toEqual(["case-type-not-accepted"]);
    expect(codes(basic, court("ip-bj", "intellectual-property", "intermediate"), "enforcement")).toEqual(["case-type-not-accepted"]);
  });

  it("reports every reason at once, in plain words naming the courts", () => {
    const upper = court("x", "high", "high", { roles: [] });
    const sameIdTribunal = court("x", "tribunal", "tribunal", { roles: [] });
    const problems = validateRoute({ collaboratingCourt: upper, jurisdictionCourt: sameIdTribunal, caseType: "enforcement" });
    expect(problems.map((p) => p.code).sort()).toEqual([...ROUTE_PROBLEM_CODES].sort());
    for (const p of problems) expect(p.message).toMatch(/\bx\b/);
    expect(problems.find((p) => p.code === "case-type-not-accepted")?.message).toContain("执行申请");
  });
});

describe("court kind defaults", () => {
  it("gives the roles of docs/domain.md", () => {
    expect(defaultRoles("supreme")).toEqual(["jurisdiction"]);
    expect(defaultRoles("high")).toEqual(["jurisdiction"]);
    expect(defaultRoles("tribunal")).toEqual(["collaborating"]);
    for (const kind of ["intermediate", "basic", "maritime", "intellectual-property", "internet", "financial", "railway", "military"] as const) {
      expect([...defaultRoles(kind)].sort()).toEqual(["collaborating", "jurisdiction"]);
    }
  });

  it("gives the accepted case types per kind", () => {
    const accepts = (kind: CourtKind) => [...defaultAcceptedCaseTypes(kind)].sort();
    expect(accepts("supreme")).toEqual(["civil-retrial-application", "state-compensation"]);
    expect(accepts("high")).toEqual(["civil-retrial-application", "state-compensation"]);
    expect(accepts("intermediate")).toEqual([...CASE_TYPES].sort());
    expect(accepts("basic")).toEqual(CASE_TYPES.filter((t) => t !== "civil-retrial-application").sort());
    expect(accepts("maritime")).toEqual(["civil-first-instance", "enforcement"]);
    expect(accepts("intellectual-property")).toEqual(["administrative-first-instance", "civil-first-instance"]);
    expect(accepts("internet")).toEqual(["administrative-first-instance", "civil-first-instance", "enforcement"]);
    expect(accepts("financial")).toEqual(["administrative-first-instance", "civil-first-instance", "enforcement"]);
    expect(accepts("tribunal")).toEqual([]);
  });

  it.each(COURT_KINDS)("%s accepts case types only if it can be a jurisdiction court", (kind) => {
    if (defaultAcceptedCaseTypes(kind).length > 0) expect(defaultRoles(kind)).toContain("jurisdiction");
  });
});
