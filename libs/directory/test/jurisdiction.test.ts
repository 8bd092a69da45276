import { ValidationError } from "@kuayu/domain";
import { JURISDICTION_RULES, buildDirectory, loadDirectory, resolveJurisdiction, type JurisdictionCandidate, type JurisdictionQuery } from "../src";

const dir = loadDirectory();

/** What must hold for every answer: role, case type, a known rule, a basis, no duplicates, exclusive first. */
function problemsOf(query: JurisdictionQuery, found: JurisdictionCandidate[]): string[] {
  const problems: string[] = [];
  const where = `${query.caseType} ${JSON.stringify(query)}`;
  for (const c of found) {
    if (!c.court.roles.includes("jurisdiction")) problems.push(`${where}: ${c.court.id} lacks the jurisdiction role`);
    if (!c.court.caseTypes.includes(query.caseType)) problems.push(`${where}: ${c.court.id} does not accept the case type`);
    if (!JURISDICTION_RULES.includes(c.rule)) problems.push(`${where}: unknown rule ${c.rule}`);
    if (!/^《.+》/.test(c.basis)) problems.push(`${where}: basis does not cite a law: ${c.basis}`);
  }
  if (new Set(found.map((c) => c.court.id)).size !== found.length) problems.push(`${where}: duplicate courts`);
  const firstOrdinary = found.findIndex((c) => !c.exclusive);
  if (firstOrdinary >= 0 && found.slice(firstOrdinary).some((c) => c.exclusive)) problems.push(`${where}: exclusive court after an ordinary one`);
  return problems;
}

/** Resolves and checks the invariants above. */
function resolve(query: JurisdictionQuery): JurisdictionCandidate[] {
  const found = resolveJurisdiction(dir, query);
  expect(problemsOf(query, found)).toEqual([]);
  return found;
}

const names = (found: JurisdictionCandidate[]) => found.map((c) => c.court.name);

function violationsOf(query: JurisdictionQuery): { field: string; description: string }[] {
  try {
    resolveJurisdiction(dir, query);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).violations;
  }
  throw new Error("expected a ValidationError");
}

describe("resolveJurisdiction: civil first instance", () => {
  it("sends a suit to the defendant's domicile (民诉法 art. 22)", () => {
    const [first, ...rest] = resolve({ caseType: "civil-first-instance", defendantDomiciles: ["110105"] });
    expect(first).toMatchObject({ rule: "defendant-domicile", exclusive: false, place: "110105" });
    expect(first!.court.name).toBe("北京市朝阳区人民法院");
    expect(first!.basis).toContain("《民事诉讼法》第二十二条");
    expect(first!.basis).toContain("由被告住所地人民法院管辖");
    expect(rest).toEqual([]);
  });

  it("gives every defendant's court when there are several (art. 22, third paragraph)", () => {
    const found = resolve({ caseType: "civil-first-instance", defendantDomiciles: ["110105", "440703"] });
    expect(names(found)).toEqual(["北京市朝阳区人民法院", "江门市蓬江区人民法院"]);
    expect(found.every((c) => c.basis.includes("各该人民法院都有管辖权"))).toBe(true);
  });

  it("adds the contract's place of performance, both under art. 24", () => {
    const found = resolve({ caseType: "civil-first-instance", defendantDomiciles: ["110105"], contractPerformancePlace: "440703" });
    expect(found.map((c) => [c.court.name, c.rule])).toEqual([
      ["北京市朝阳区人民法院", "defendant-domicile"],
      ["江门市蓬江区人民法院", "contract-performance-place"],
    ]);
    for (const c of found) expect(c.basis).toContain("《民事诉讼法》第二十四条：因合同纠纷提起的诉讼，由被告住所地或者合同履行地人民法院管辖");
  });

  it("lists a court once when two rules reach it, under the higher-ranked rule", () => {
    const found = resolve({ caseType: "civil-first-instance", defendantDomiciles: ["440703"], contractPerformancePlace: "440703" });
    expect(found.map((c) => [c.court.name, c.rule])).toEqual([["江门市蓬江区人民法院", "defendant-domicile"]]);
  });

  it("adds the tort place under art. 29", () => {
    const found = resolve({ caseType: "civil-first-instance", defendantDomiciles: ["110105"], tortPlace: "330106" });
    expect(found.map((c) => [c.court.name, c.rule])).toEqual([
      ["北京市朝阳区人民法院", "defendant-domicile"],
      ["杭州市西湖区人民法院", "tort-place"],
    ]);
    for (const c of found) expect(c.basis).toContain("第二十九条");
  });

  it("maps a prefecture to its intermediate court, and falls back up for a division without a court", () => {
    expect(names(resolve({ caseType: "civil-first-instance", defendantDomiciles: ["440700"] }))).toEqual(["江门市中级人民法院"]);
    // 下城区 (330103) was merged away in 2021: the directory knows the code but has no court for it.
    expect(names(resolve({ caseType: "civil-first-instance", defendantDomiciles: ["330103"] }))).toEqual(["杭州市中级人民法院"]);
  });

  it("gives the numbered basic courts of a prefecture without counties (东莞)", () => {
    const found = resolve({ caseType: "civil-first-instance", defendantDomiciles: ["441900"] });
    expect(names(found)).toEqual(["东莞市第一人民法院", "东莞市第二人民法院", "东莞市第三人民法院"]);
    expect(found[0]!.assumption).toContain("镇街");
  });

  it("sends an e-commerce dispute with a Hangzhou defendant to 杭州互联网法院, exclusively", () => {
    const found = resolve({ caseType: "civil-first-instance", defendantDomiciles: ["330106"], ecommercePlatform: true, contractPerformancePlace: "440703" });
    expect(found[0]).toMatchObject({ rule: "internet-court", exclusive: true, place: "330106" });
    expect(found[0]!.court.name).toBe("杭州互联网法院");
    expect(found[0]!.basis).toContain("网络购物合同");
    // The Hangzhou basic court loses the case; the buyer's place outside the three cities keeps it.
    expect(names(found)).toEqual(["杭州互联网法院", "江门市蓬江区人民法院"]);
    expect(found[1]!.exclusive).toBe(false);
  });

  it("sends e-commerce disputes in 北京 and 广州 to their internet courts, and leaves other cities alone", () => {
    expect(names(resolve({ caseType: "civil-first-instance", defendantDomiciles: ["110105"], ecommercePlatform: true }))).toEqual(["北京互联网法院"]);
    expect(names(resolve({ caseType: "civil-first-instance", defendantDomiciles: ["440106"], ecommercePlatform: true }))).toEqual(["广州互联网法院"]);
    expect(names(resolve({ caseType: "civil-first-instance", defendantDomiciles: ["330203"], ecommercePlatform: true }))).toEqual(["宁波市海曙区人民法院"]);
  });

  it("sends a maritime dispute at a Shanghai port to 上海海事法院, and no ordinary court", () => {
    const found = resolve({ caseType: "civil-first-instance", defendantDomiciles: ["310115"], maritime: true, portDivision: "310115" });
    expect(names(found)).toEqual(["上海海事法院"]);
    expect(found[0]).toMatchObject({ rule: "maritime-court", exclusive: true });
    expect(found[0]!.basis).toContain("《海事诉讼特别程序法》");
    expect(found[0]!.assumption).toContain("近似");
  });

  it("tries the port first, then the other connecting places, for maritime disputes", () => {
    const found = resolve({ caseType: "civil-first-instance", defendantDomiciles: ["440703"], maritime: true, portDivision: "330203" });
    expect(names(found)).toEqual(["宁波海事法院", "广州海事法院"]);
  });

  it("falls back to the ordinary courts, saying so, when no maritime court covers the places", () => {
    const found = resolve({ caseType: "civil-first-instance", defendantDomiciles: ["520102"], maritime: true });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ rule: "defendant-domicile", exclusive: false });
    expect(found[0]!.assumption).toContain("海事法院");
  });

  it("sends an IP case in 广州 to 广州知识产权法院", () => {
    const found = resolve({ caseType: "civil-first-instance", defendantDomiciles: ["440106"], intellectualProperty: true });
    expect(names(found)).toEqual(["广州知识产权法院"]);
    expect(found[0]).toMatchObject({ rule: "ip-court", exclusive: true });
  });

  it("uses the IP courts across their areas and a provincial capital's intermediate court elsewhere (assumed)", () => {
    // 广州知识产权法院 has cross-regional jurisdiction over technical cases in all of 广东.
    expect(names(resolve({ caseType: "civil-first-instance", defendantDomiciles: ["440703"], intellectualProperty: true }))).toEqual(["广州知识产权法院"]);
    expect(names(resolve({ caseType: "administrative-first-instance", defendantDomiciles: ["310115"], intellectualProperty: true }))).toEqual(["上海知识产权法院"]);
    const hubei = resolve({ caseType: "civil-first-instance", defendantDomiciles: ["420281"], intellectualProperty: true });
    expect(names(hubei)).toEqual(["武汉市中级人民法院"]);
    expect(hubei[0]).toMatchObject({ rule: "ip-designated-court", exclusive: true });
    expect(hubei[0]!.assumption).toContain("省会");
    // 天津 has no IP court and no prefecture: the intermediate court above the place.
    expect(names(resolve({ caseType: "civil-first-instance", defendantDomiciles: ["120101"], intellectualProperty: true }))).toEqual(["天津市第一中级人民法院"]);
  });

  it("keeps other IP cases at the basic court, adding the IP court for intermediate-level ones in its city", () => {
    const found = resolve({ caseType: "civil-first-instance", defendantDomiciles: ["440106", "440703"], intellectualProperty: true, ipKind: "other" });
    expect(found.map((c) => [c.court.name, c.exclusive])).toEqual([
      ["广州知识产权法院", true],
      ["广州市天河区人民法院", false],
      ["江门市蓬江区人民法院", false],
    ]);
    expect(found[1]!.assumption).toContain("指定");
  });

  it("sends a financial loan dispute in 上海 to 上海金融法院 first, the basic court after it", () => {
    const found = resolve({ caseType: "civil-first-instance", defendantDomiciles: ["310115"], financial: true });
    expect(names(found)).toEqual(["上海金融法院", "上海市浦东新区人民法院"]);
    expect(found[0]).toMatchObject({ rule: "financial-court", exclusive: true });
    expect(found[0]!.assumption).toContain("中级人民法院受理");
  });

  it("covers 重庆 and the Sichuan part of the 成渝 circle with 成渝金融法院, minus the excluded counties", () => {
    expect(names(resolve({ caseType: "civil-first-instance", defendantDomiciles: ["510104"], financial: true }))[0]).toBe("成渝金融法院");
    expect(names(resolve({ caseType: "civil-first-instance", defendantDomiciles: ["500103"], financial: true }))[0]).toBe("成渝金融法院");
    expect(names(resolve({ caseType: "civil-first-instance", defendantDomiciles: ["511781"], financial: true }))).toEqual(["万源市人民法院"]);
    // An intermediate court inside the area loses the case to the financial court.
    expect(names(resolve({ caseType: "civil-first-instance", defendantDomiciles: ["510100"], financial: true }))).toEqual(["成渝金融法院"]);
  });
});

describe("resolveJurisdiction: other case types", () => {
  it("sends an administrative case to the organ's location (行政诉讼法 art. 18), and the plaintiff's for liberty measures (art. 19)", () => {
    const found = resolve({
      caseType: "administrative-first-instance",
      defendantDomiciles: ["440703"],
      administrativeOrgan: "440703",
      personalLibertyRestricted: true,
      plaintiffDomicile: "110105",
    });
    expect(found.map((c) => [c.court.name, c.rule])).toEqual([
      ["江门市蓬江区人民法院", "administrative-organ-location"],
      ["北京市朝阳区人民法院", "plaintiff-location"],
    ]);
    expect(found[0]!.basis).toContain("《行政诉讼法》第十八条");
    expect(found[1]!.basis).toContain("《行政诉讼法》第十九条");
  });

  it("enforces at the first-instance court, or the same-level court where the property lies (民诉法 art. 235)", () => {
    const basic = resolve({ caseType: "enforcement", defendantDomiciles: [], originalCourtId: "c-440703", propertyPlace: "110105" });
    expect(basic.map((c) => [c.court.name, c.rule])).toEqual([
      ["江门市蓬江区人民法院", "first-instance-court"],
      ["北京市朝阳区人民法院", "property-location"],
    ]);
    expect(basic[0]!.basis).toContain("第二百三十五条");
    const intermediate = resolve({ caseType: "enforcement", defendantDomiciles: [], originalCourtId: "c-440700", propertyPlace: "110105" });
    expect(names(intermediate)).toEqual(["江门市中级人民法院", "北京市第三中级人民法院"]);
  });

  it("enforces other legal documents at the respondent's domicile or the property's place", () => {
    const found = resolve({ caseType: "enforcement", defendantDomiciles: ["330106"], propertyPlace: "440703" });
    expect(found.map((c) => [c.court.name, c.rule])).toEqual([
      ["杭州市西湖区人民法院", "respondent-domicile"],
      ["江门市蓬江区人民法院", "property-location"],
    ]);
    expect(found[0]!.basis).toContain("其他法律文书");
  });

  it("sends a civil retrial application one level above the original court (民诉法 art. 210)", () => {
    const found = resolve({ caseType: "civil-retrial-application", defendantDomiciles: [], originalCourtId: "c-440703" });
    expect(names(found)).toEqual(["江门市中级人民法院"]);
    expect(found[0]).toMatchObject({ rule: "court-above-original", exclusive: false });
    expect(found[0]!.basis).toContain("第二百一十条");
    // A tribunal's judgment is its basic court's.
    const tribunal = dir.children("c-440703").find((c) => c.kind === "tribunal")!;
    expect(names(resolve({ caseType: "civil-retrial-application", defendantDomiciles: [], originalCourtId: tribunal.id }))).toEqual(["江门市中级人民法院"]);
    // Special courts: 上海海事法院's judgments go to 上海市高级人民法院.
    expect(names(resolve({ caseType: "civil-retrial-application", defendantDomiciles: [], originalCourtId: "c-31-72" }))).toEqual(["上海市高级人民法院"]);
  });

  it("also lists the original court when both parties are citizens, if it hears retrial applications", () => {
    const found = resolve({ caseType: "civil-retrial-application", defendantDomiciles: [], originalCourtId: "c-440700", partiesAreCitizensOrNumerous: true });
    expect(found.map((c) => [c.court.name, c.rule])).toEqual([
      ["广东省高级人民法院", "court-above-original"],
      ["江门市中级人民法院", "original-court"],
    ]);
    // A basic court takes no retrial applications, so it is not offered.
    expect(names(resolve({ caseType: "civil-retrial-application", defendantDomiciles: [], originalCourtId: "c-440703", partiesAreCitizensOrNumerous: true }))).toEqual(["江门市中级人民法院"]);
  });

  it("sends state compensation to the intermediate court of the liable organ's place (assumed)", () => {
    const found = resolve({ caseType: "state-compensation", defendantDomiciles: [], liableOrganDivision: "440703" });
    expect(names(found)).toEqual(["江门市中级人民法院"]);
    expect(found[0]!.basis).toContain("《国家赔偿法》");
    expect(found[0]!.assumption).toBeDefined();
    expect(names(resolve({ caseType: "state-compensation", defendantDomiciles: [], liableOrganDivision: "110105" }))).toEqual(["北京市第三中级人民法院"]);
  });

  it("sends a private prosecution to the crime place, then the defendant's residence (刑诉法 art. 25)", () => {
    const found = resolve({ caseType: "criminal-private-prosecution", defendantDomiciles: ["110105"], tortPlace: "440703" });
    expect(found.map((c) => [c.court.name, c.rule])).toEqual([
      ["江门市蓬江区人民法院", "crime-place"],
      ["北京市朝阳区人民法院", "defendant-residence"],
    ]);
    expect(found[0]!.basis).toContain("《刑事诉讼法》第二十五条");
  });
});

describe("resolveJurisdiction: bad input", () => {
  it("rejects an unknown division code, naming the field", () => {
    const v = violationsOf({ caseType: "civil-first-instance", defendantDomiciles: ["119999"] });
    expect(v).toEqual([{ field: "defendant_domiciles[0]", description: expect.stringContaining("unknown division code 119999") }]);
  });

  it("lists every problem at once, with snake_case field names", () => {
    const v = violationsOf({
      caseType: "civil-first-instance",
      defendantDomiciles: ["440703", "44070"],
      contractPerformancePlace: "999999",
      propertyPlace: "abc",
      originalCourtId: "c-nowhere",
    });
    expect(v.map((x) => x.field)).toEqual(["defendant_domiciles[1]", "contract_performance_place", "property_place", "original_court_id"]);
  });

  it("requires the facts each case type needs", () => {
    expect(violationsOf({ caseType: "civil-first-instance", defendantDomiciles: [] }).map((x) => x.field)).toEqual(["defendant_domiciles"]);
    expect(violationsOf({ caseType: "administrative-first-instance", defendantDomiciles: [] }).map((x) => x.field)).toEqual(["defendant_domiciles"]);
    expect(violationsOf({ caseType: "civil-retrial-application", defendantDomiciles: [] }).map((x) => x.field)).toEqual(["original_court_id"]);
    expect(violationsOf({ caseType: "enforcement", defendantDomiciles: [] }).map((x) => x.field)).toEqual(["original_court_id"]);
    expect(violationsOf({ caseType: "state-compensation", defendantDomiciles: [] }).map((x) => x.field)).toEqual(["liable_organ_division"]);
    expect(violationsOf({ caseType: "criminal-private-prosecution", defendantDomiciles: [] }).map((x) => x.field)).toEqual(["tort_place"]);
  });

  it("rejects an unknown case type and IP kind", () => {
    const v = violationsOf({ caseType: "divorce" as never, defendantDomiciles: ["110105"], ipKind: "trade-secret" as never });
    expect(v.map((x) => x.field)).toEqual(["case_type", "ip_kind"]);
  });
});

describe("resolveJurisdiction against the directory's roles and case types", () => {
  it("leaves out a court that does not accept the case type or lacks the jurisdiction role", () => {
    const edited = buildDirectory(
      dir.courts.map((c) =>
        c.id === "c-110105" ? { ...c, caseTypes: c.caseTypes.filter((t) => t !== "civil-first-instance") } : c.id === "c-440703" ? { ...c, roles: ["collaborating" as const] } : c,
      ),
      dir.header,
    );
    const query: JurisdictionQuery = { caseType: "civil-first-instance", defendantDomiciles: ["110105", "440703", "330106"] };
    expect(resolveJurisdiction(edited, query).map((c) => c.court.name)).toEqual(["杭州市西湖区人民法院"]);
    expect(resolveJurisdiction(edited, { ...query, caseType: "enforcement" }).map((c) => c.court.name)).toEqual(["北京市朝阳区人民法院", "杭州市西湖区人民法院"]);
  });
});

describe("resolveJurisdiction over the whole directory", () => {
  // Every division that has a basic court of its own, as defendant domicile and as every other place.
  const divisions = dir
    .byKind("basic")
    .filter((c) => c.id === `c-${c.division}`)
    .map((c) => c.division);
  const facts: Partial<JurisdictionQuery>[] = [
    {},
    { maritime: true },
    { intellectualProperty: true },
    { intellectualProperty: true, ipKind: "other" },
    { ecommercePlatform: true },
    { financial: true },
  ];

  it("finds at least one valid court for every division, case type and special fact", () => {
    expect(divisions.length).toBeGreaterThan(2800);
    const problems: string[] = [];
    for (const d of divisions) {
      const queries: JurisdictionQuery[] = [
        ...facts.map((f) => ({ caseType: "civil-first-instance" as const, defendantDomiciles: [d], ...f })),
        { caseType: "administrative-first-instance", defendantDomiciles: [d] },
        { caseType: "enforcement", defendantDomiciles: [], originalCourtId: `c-${d}`, propertyPlace: d },
        { caseType: "civil-retrial-application", defendantDomiciles: [], originalCourtId: `c-${d}` },
        { caseType: "state-compensation", defendantDomiciles: [], liableOrganDivision: d },
        { caseType: "criminal-private-prosecution", defendantDomiciles: [], tortPlace: d },
      ];
      for (const q of queries) {
        const found = resolveJurisdiction(dir, q);
        if (found.length === 0) problems.push(`${q.caseType} ${JSON.stringify(q)}: no court`);
        problems.push(...problemsOf(q, found));
      }
    }
    expect(problems).toEqual([]);
  });
});
