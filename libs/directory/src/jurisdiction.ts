import { CASE_TYPES, ValidationError, isCaseType, type CaseType, type CourtKind, type CourtLevel, type Violation } from "@kuayu/domain";
import type { Court, Directory } from "./types.js";

/**
 * Competent-court finder (管辖法院查找): which courts may hear a case, with the legal basis of each.
 * Pure code over the loaded directory. Article numbers: 民事诉讼法 as amended in 2023 (arts 22, 24,
 * 29 unchanged since 2021; 210 and 235 renumbered in 2023); 行政诉讼法 2017; 刑事诉讼法 2018;
 * 国家赔偿法 2012 (arts 25 and 29 not re-checked, marked). Every other simplification is stated in
 * the candidate's `assumption`.
 */

/** Kind of IP case (知识产权案件) for first-instance jurisdiction. */
export const IP_KINDS = [
  // 专利、植物新品种、集成电路布图设计、技术秘密、计算机软件 and monopoly cases.
  "technical",
  // 著作权、商标、不正当竞争 and other IP cases.
  "other",
] as const;
export type IpKind = (typeof IP_KINDS)[number];

/** What the finder needs to know about a case. Divisions are six-digit GB/T 2260 codes. */
export interface JurisdictionQuery {
  readonly caseType: CaseType;
  /** 原告住所地; used for restrictions of personal liberty in administrative cases (行政诉讼法 art. 19). */
  readonly plaintiffDomicile?: string;
  /**
   * 被告住所地 (经常居住地 where different), one per defendant; at least one for civil and
   * administrative first instance. For enforcement: the respondent's (被执行人) domicile; for
   * criminal private prosecution: the defendant's residence (被告人居住地).
   */
  readonly defendantDomiciles: readonly string[];
  /** 合同履行地 (contract disputes, 民事诉讼法 art. 24). */
  readonly contractPerformancePlace?: string;
  /** 侵权行为地 (tort, art. 29); for criminal private prosecution, the crime place (犯罪地). */
  readonly tortPlace?: string;
  /** Maritime dispute (海事海商纠纷): maritime courts have exclusive jurisdiction. */
  readonly maritime?: boolean;
  /** Port (港口) where the maritime dispute arose; tried before the other places. */
  readonly portDivision?: string;
  readonly intellectualProperty?: boolean;
  /** Default `technical`, i.e. the kind centralised at IP courts and designated intermediate courts. */
  readonly ipKind?: IpKind;
  /** Online shopping on an e-commerce platform (网络购物合同纠纷) → internet courts in 杭州, 北京, 广州. */
  readonly ecommercePlatform?: boolean;
  /** Financial loan, securities and similar disputes (金融民商事案件) → financial courts in 上海, 北京, 成渝. */
  readonly financial?: boolean;
  /** Where the administrative organ that first acted sits (行政机关所在地); default: the defendant domiciles. */
  readonly administrativeOrgan?: string;
  /** Administrative compulsory measure restricting personal liberty (限制人身自由的行政强制措施, art. 19). */
  readonly personalLibertyRestricted?: boolean;
  /**
   * Enforcement: the court of first instance. Civil retrial: the court whose judgment took effect
   * (原审法院). A people's tribunal stands for its basic court.
   */
  readonly originalCourtId?: string;
  /** Enforcement: where the property to be enforced against lies (被执行的财产所在地). */
  readonly propertyPlace?: string;
  /** Civil retrial: one party is numerous or both parties are citizens, so the original court may also hear it. */
  readonly partiesAreCitizensOrNumerous?: boolean;
  /** State compensation: where the liable organ (赔偿义务机关) sits. */
  readonly liableOrganDivision?: string;
}

/** Stable ids of the rules, in ranking order (after exclusive courts come first). */
export const JURISDICTION_RULES = [
  "maritime-court",
  "ip-court",
  "ip-designated-court",
  "internet-court",
  "financial-court",
  "defendant-domicile",
  "contract-performance-place",
  "tort-place",
  "administrative-organ-location",
  "plaintiff-location",
  "first-instance-court",
  "respondent-domicile",
  "property-location",
  "court-above-original",
  "original-court",
  "liable-organ-location",
  "crime-place",
  "defendant-residence",
] as const;
export type JurisdictionRule = (typeof JURISDICTION_RULES)[number];

/** A court that may hear the case, and why. */
export interface JurisdictionCandidate {
  readonly court: Court;
  /** The legal basis in plain Chinese words (法律依据). */
  readonly basis: string;
  readonly rule: JurisdictionRule;
  /** True where the law gives this court the case to the exclusion of the ordinary courts of that place. */
  readonly exclusive: boolean;
  /** The division (GB/T 2260) that connects the case to the court, where one does. */
  readonly place?: string;
  /** What this answer assumes beyond the cited basis; absent when nothing is assumed. */
  readonly assumption?: string;
}

// ---- legal bases ------------------------------------------------------------------------------

const CPL_22 = "《民事诉讼法》第二十二条：对公民提起的民事诉讼，由被告住所地人民法院管辖；被告住所地与经常居住地不一致的，由经常居住地人民法院管辖";
const CPL_22_JOINT = "《民事诉讼法》第二十二条：同一诉讼的几个被告住所地、经常居住地在两个以上人民法院辖区的，各该人民法院都有管辖权";
const CPL_24 = "《民事诉讼法》第二十四条：因合同纠纷提起的诉讼，由被告住所地或者合同履行地人民法院管辖";
const CPL_29 = "《民事诉讼法》第二十九条：因侵权行为提起的诉讼，由侵权行为地或者被告住所地人民法院管辖";
const CPL_210 = "《民事诉讼法》第二百一十条：当事人对已经发生法律效力的判决、裁定，认为有错误的，可以向上一级人民法院申请再审";
const CPL_210_ORIGINAL = "《民事诉讼法》第二百一十条：当事人一方人数众多或者当事人双方为公民的案件，也可以向原审人民法院申请再审";
const CPL_235 = "《民事诉讼法》第二百三十五条：发生法律效力的民事判决、裁定，以及刑事判决、裁定中的财产部分，由第一审人民法院或者与第一审人民法院同级的被执行的财产所在地人民法院执行";
const CPL_235_OTHER = "《民事诉讼法》第二百三十五条：法律规定由人民法院执行的其他法律文书，由被执行人住所地或者被执行的财产所在地人民法院执行";
const ALL_18 = "《行政诉讼法》第十八条：行政案件由最初作出行政行为的行政机关所在地人民法院管辖";
const ALL_19 = "《行政诉讼法》第十九条：对限制人身自由的行政强制措施不服提起的诉讼，由被告所在地或者原告所在地人民法院管辖";
const CPL_CRIMINAL_25 = "《刑事诉讼法》第二十五条：刑事案件由犯罪地的人民法院管辖";
const CPL_CRIMINAL_25_RESIDENCE = "《刑事诉讼法》第二十五条：如果由被告人居住地的人民法院审判更为适宜的，可以由被告人居住地的人民法院管辖";
// Article numbers not re-checked against the 2012 text: art. 25 (复议后向复议机关所在地的同级人民法院
// 赔偿委员会申请) and art. 29 (中级以上的人民法院设立赔偿委员会).
const SCL = "《国家赔偿法》第二十五条、第二十九条：赔偿请求人可以向复议机关所在地的同级人民法院赔偿委员会申请作出赔偿决定；中级以上的人民法院设立赔偿委员会";
const MARITIME = "《海事诉讼特别程序法》第四条、第六条：海事法院受理海事侵权纠纷、海事合同纠纷和法律规定的其他海事纠纷，其地域管辖依照民事诉讼法确定；海事案件由海事法院专门管辖";
const IP_BSG =
  "《最高人民法院关于北京、上海、广州知识产权法院案件管辖的规定》第一条、第二条：知识产权法院管辖所在市辖区内专利、植物新品种、集成电路布图设计、技术秘密、计算机软件民事和行政第一审案件，广州知识产权法院对广东省内上述案件实行跨区域管辖";
const IP_BSG_OTHER =
  "《最高人民法院关于北京、上海、广州知识产权法院案件管辖的规定》：北京市、上海市各中级人民法院和广州市中级人民法院不再受理知识产权民事和行政案件，由知识产权法院管辖所在市辖区内应由中级人民法院受理的知识产权第一审案件";
const IP_HAINAN = "《全国人民代表大会常务委员会关于设立海南自由贸易港知识产权法院的决定》：海南自由贸易港知识产权法院管辖海南省有关知识产权第一审案件";
const IP_DESIGNATED =
  "《最高人民法院关于第一审知识产权民事、行政案件管辖的若干规定》第一条：发明专利、实用新型专利、植物新品种、集成电路布图设计、技术秘密、计算机软件的权属、侵权纠纷以及垄断纠纷第一审民事、行政案件由知识产权法院，省、自治区、直辖市人民政府所在地的中级人民法院和最高人民法院确定的中级人民法院管辖";
const INTERNET =
  "《最高人民法院关于互联网法院审理案件若干问题的规定》第二条：北京、广州、杭州互联网法院集中管辖所在市的辖区内应当由基层人民法院受理的通过电子商务平台签订或者履行网络购物合同而产生的纠纷等第一审案件";

// ---- special courts and their areas ---------------------------------------------------------------

/** Division-code prefixes a special court covers (province "31", prefecture "3301"), minus exact exceptions. */
interface Area {
  readonly prefixes: readonly string[];
  readonly except?: readonly string[];
}
const inArea = (division: string, area: Area) => area.prefixes.some((p) => division.startsWith(p)) && !(area.except ?? []).includes(division);

interface SpecialCourt {
  readonly id: string;
  readonly area: Area;
  readonly basis: string;
  readonly assumption?: string;
}

const INTERNET_COURTS: readonly SpecialCourt[] = [
  { id: "c-33-0192", area: { prefixes: ["3301"] }, basis: INTERNET }, // 杭州互联网法院: the city of 杭州
  { id: "c-11-0491", area: { prefixes: ["11"] }, basis: INTERNET }, // 北京互联网法院
  { id: "c-44-0192", area: { prefixes: ["4401"] }, basis: INTERNET }, // 广州互联网法院: the city of 广州
];

const FINANCIAL_LEVEL_NOTE = "仅限应由中级人民法院受理的第一审金融民商事案件（级别按诉讼标的额等确定，此处未建模）；其余仍由基层人民法院管辖";
const FINANCIAL_COURTS: readonly SpecialCourt[] = [
  {
    id: "c-31-74",
    area: { prefixes: ["31"] },
    basis: "《最高人民法院关于上海金融法院案件管辖的规定》第一条：上海金融法院管辖上海市辖区内应由中级人民法院受理的第一审金融民商事案件",
    assumption: FINANCIAL_LEVEL_NOTE,
  },
  {
    id: "c-11-74",
    area: { prefixes: ["11"] },
    basis: "《最高人民法院关于北京金融法院案件管辖的规定》第一条：北京金融法院管辖北京市辖区内应由中级人民法院受理的第一审金融民商事案件",
    assumption: FINANCIAL_LEVEL_NOTE,
  },
  {
    id: "c-50-74",
    // 重庆市, and the Sichuan part of the 成渝地区双城经济圈: 成都, 自贡, 泸州, 德阳, 绵阳 (except 平武县,
    // 北川县), 遂宁, 内江, 乐山, 南充, 眉山, 宜宾, 广安, 达州 (except 万源市), 雅安 (except 天全县, 宝兴县),
    // 资阳. The county exceptions are from the published plan as remembered, not re-checked.
    area: {
      prefixes: ["50", "5101", "5103", "5105", "5106", "5107", "5109", "5110", "5111", "5113", "5114", "5115", "5116", "5117", "5118", "5120"],
      except: ["510726", "510727", "511781", "511825", "511827"],
    },
    basis: "《最高人民法院关于成渝金融法院案件管辖的规定》第一条：成渝金融法院管辖重庆市以及四川省属于成渝地区双城经济圈范围内的应由中级人民法院受理的第一审金融民商事案件",
    assumption: `${FINANCIAL_LEVEL_NOTE}；四川省内的经济圈范围（含除外县市）未逐一核实`,
  },
];

/** IP courts for technical IP cases (广州: all of 广东 by cross-regional jurisdiction; 海南: the province). */
const IP_COURTS_TECHNICAL: readonly SpecialCourt[] = [
  { id: "c-11-73", area: { prefixes: ["11"] }, basis: IP_BSG },
  { id: "c-31-73", area: { prefixes: ["31"] }, basis: IP_BSG },
  { id: "c-44-73", area: { prefixes: ["44"] }, basis: IP_BSG, assumption: "深圳市中级人民法院等最高人民法院另行确定的法院未建模" },
  { id: "c-46-73", area: { prefixes: ["46"] }, basis: IP_HAINAN, assumption: "设立决定的条文表述未逐字核实" },
];
/** IP courts for other IP cases that reach intermediate level (广州: the city only). */
const IP_COURTS_OTHER: readonly SpecialCourt[] = [
  { id: "c-11-73", area: { prefixes: ["11"] }, basis: IP_BSG_OTHER },
  { id: "c-31-73", area: { prefixes: ["31"] }, basis: IP_BSG_OTHER },
  { id: "c-44-73", area: { prefixes: ["4401"] }, basis: IP_BSG_OTHER },
  { id: "c-46-73", area: { prefixes: ["46"] }, basis: IP_HAINAN, assumption: "设立决定的条文表述未逐字核实" },
];
const IP_OTHER_LEVEL_NOTE = "仅限应由中级人民法院受理的知识产权第一审案件；其余由最高人民法院指定的基层人民法院管辖，此处未建模";
const IP_BASIC_DESIGNATION_NOTE = "假定该基层人民法院经指定具有一般知识产权案件管辖权（实际由最高人民法院确定）";

/**
 * Maritime court per province. Assumed approximation: real ranges follow coasts and river sections
 * (SPC notices on maritime court areas), e.g. 大连 covers 辽宁 and 黑龙江's navigable rivers, 武汉 the
 * Yangtze from 宜宾 to 浏河口, 北海 广西 and 云南's 澜沧江; 南京 took 江苏 in 2019.
 */
const MARITIME_BY_PROVINCE: Readonly<Record<string, string>> = {
  "21": "c-21-72",
  "23": "c-21-72",
  "12": "c-12-72",
  "13": "c-12-72",
  "37": "c-37-72",
  "32": "c-32-72",
  "31": "c-31-72",
  "33": "c-33-72",
  "35": "c-35-72",
  "44": "c-44-72",
  "45": "c-45-72",
  "53": "c-45-72",
  "46": "c-46-72",
  "42": "c-42-72",
  "43": "c-42-72",
  "36": "c-42-72",
  "34": "c-42-72",
  "50": "c-42-72",
  "51": "c-42-72",
};
const MARITIME_AREA_NOTE = "海事法院管辖区域按省级行政区近似（实际按海域、江段划分）";

// ---- divisions → courts -----------------------------------------------------------------------------

const ORDINARY_KINDS: ReadonlySet<CourtKind> = new Set<CourtKind>(["basic", "intermediate", "high"]);
const LEVEL_RANK: Readonly<Record<CourtLevel, number>> = { supreme: 0, high: 1, intermediate: 2, basic: 3, tribunal: 4 };

interface DivisionIndex {
  /** Ordinary courts (basic, intermediate, high) by the division they serve. */
  readonly byDivision: ReadonlyMap<string, readonly Court[]>;
  /** Divisions the directory knows but gives no court (obsolete codes, placeholders). */
  readonly skipped: ReadonlySet<string>;
  /** First four digits of the prefectures that have county-level courts. */
  readonly prefecturesWithCounties: ReadonlySet<string>;
}

// One index per loaded directory; the directory is immutable, so the index never goes stale.
const indexes = new WeakMap<Directory, DivisionIndex>();

function divisionIndex(dir: Directory): DivisionIndex {
  let ix = indexes.get(dir);
  if (ix) return ix;
  const byDivision = new Map<string, Court[]>();
  for (const court of dir.courts) {
    if (!ORDINARY_KINDS.has(court.kind)) continue;
    const list = byDivision.get(court.division);
    if (list) list.push(court);
    else byDivision.set(court.division, [court]);
  }
  const skipped = new Set<string>();
  const listed = dir.header["skipped"];
  if (Array.isArray(listed)) {
    for (const entry of listed as unknown[]) {
      const division = typeof entry === "object" && entry !== null ? (entry as { division?: unknown }).division : undefined;
      if (typeof division === "string") skipped.add(division);
    }
  }
  const prefecturesWithCounties = new Set([...byDivision.keys()].filter((d) => !d.endsWith("00")).map((d) => d.slice(0, 4)));
  ix = { byDivision, skipped, prefecturesWithCounties };
  indexes.set(dir, ix);
  return ix;
}

const isDivisionCode = (s: unknown): s is string => typeof s === "string" && /^\d{6}$/.test(s);
const prefectureOf = (division: string) => `${division.slice(0, 4)}00`;
const provinceOf = (division: string) => `${division.slice(0, 2)}0000`;
const isPrefectureCode = (division: string) => division.endsWith("00") && !division.endsWith("0000");

/** The division, then its prefecture, then its province: where to look when a division has no court. */
function fallbackChain(division: string): string[] {
  const chain = [division, prefectureOf(division), provinceOf(division)];
  return chain.filter((code, i) => chain.indexOf(code) === i);
}

/** The ordinary court of a division: county → basic, prefecture → intermediate, province → high; falls back up. */
function localCourts(dir: Directory, division: string): readonly Court[] {
  const { byDivision } = divisionIndex(dir);
  for (const code of fallbackChain(division)) {
    const courts = byDivision.get(code);
    if (!courts || courts.length === 0) continue;
    const own = courts.find((c) => c.id === `c-${code}`);
    if (own) return [own];
    const top = Math.min(...courts.map((c) => LEVEL_RANK[c.level]));
    return courts.filter((c) => LEVEL_RANK[c.level] === top);
  }
  return [];
}

interface Located {
  readonly courts: readonly Court[];
  readonly assumption?: string;
}

/**
 * The courts that hear first-instance cases of a place. A prefecture without counties (东莞, 中山) has
 * numbered basic courts that share its code; which of them serves which town is not modelled.
 */
function firstInstanceCourts(dir: Directory, division: string): Located {
  const local = localCourts(dir, division);
  const [court] = local;
  if (court && court.level === "intermediate" && isPrefectureCode(court.division)) {
    const { byDivision, prefecturesWithCounties } = divisionIndex(dir);
    const basic = (byDivision.get(court.division) ?? []).filter((c) => c.level === "basic");
    if (!prefecturesWithCounties.has(court.division.slice(0, 4)) && basic.length > 0) {
      return { courts: basic, assumption: "该地级市不设区县，各基层人民法院按镇街分片管辖，具体归属未建模" };
    }
  }
  return { courts: local };
}

/** The place's court at the given level: walks up from the local court; stays put if that is already higher. */
function courtAtLevel(dir: Directory, division: string, level: CourtLevel): Located {
  if (level === "basic") return firstInstanceCourts(dir, division);
  const [local] = localCourts(dir, division);
  if (!local) return { courts: [] };
  const found = dir.chain(local.id).find((c) => c.level === level && ORDINARY_KINDS.has(c.kind));
  return { courts: [found ?? local] };
}

// ---- validation ----------------------------------------------------------------------------------

const DIVISION_FIELDS = [
  ["plaintiffDomicile", "plaintiff_domicile"],
  ["contractPerformancePlace", "contract_performance_place"],
  ["tortPlace", "tort_place"],
  ["portDivision", "port_division"],
  ["administrativeOrgan", "administrative_organ"],
  ["propertyPlace", "property_place"],
  ["liableOrganDivision", "liable_organ_division"],
] as const;

function validate(dir: Directory, q: JurisdictionQuery): void {
  const violations: Violation[] = [];
  const add = (field: string, description: string) => violations.push({ field, description });
  const ix = divisionIndex(dir);
  const checkDivision = (field: string, value: unknown) => {
    if (!isDivisionCode(value)) add(field, `must be a six-digit GB/T 2260 division code (got ${JSON.stringify(value)})`);
    else if (!ix.byDivision.has(value) && !ix.skipped.has(value)) add(field, `unknown division code ${value}: no court in the directory serves it`);
  };

  const caseTypeValid = isCaseType(q.caseType);
  if (!caseTypeValid) add("case_type", `must be one of ${CASE_TYPES.join(", ")} (got ${JSON.stringify(q.caseType)})`);

  const defendants: readonly unknown[] = Array.isArray(q.defendantDomiciles) ? q.defendantDomiciles : [];
  if (!Array.isArray(q.defendantDomiciles)) add("defendant_domiciles", "must be a list of division codes");
  defendants.forEach((d, i) => checkDivision(`defendant_domiciles[${i}]`, d));
  for (const [key, field] of DIVISION_FIELDS) if (q[key] !== undefined) checkDivision(field, q[key]);

  if (q.ipKind !== undefined && !(IP_KINDS as readonly string[]).includes(q.ipKind)) {
    add("ip_kind", `must be one of ${IP_KINDS.join(", ")} (got ${JSON.stringify(q.ipKind)})`);
  }
  if (q.originalCourtId !== undefined && (typeof q.originalCourtId !== "string" || !dir.byId(q.originalCourtId))) {
    add("original_court_id", `unknown court ${JSON.stringify(q.originalCourtId)}`);
  }

  if (caseTypeValid) {
    switch (q.caseType) {
      case "civil-first-instance":
      case "administrative-first-instance":
        if (defendants.length === 0) add("defendant_domiciles", `at least one defendant domicile is required for ${q.caseType}`);
        break;
      case "enforcement":
        if (q.originalCourtId === undefined && q.propertyPlace === undefined && defendants.length === 0) {
          add("original_court_id", "enforcement needs the court of first instance, the property place (property_place) or the respondent's domicile (defendant_domiciles)");
        }
        break;
      case "civil-retrial-application":
        if (q.originalCourtId === undefined) add("original_court_id", "required for a civil retrial application: the court whose judgment took effect");
        break;
      case "state-compensation":
        if (q.liableOrganDivision === undefined) add("liable_organ_division", "required for state compensation: where the liable organ sits");
        break;
      case "criminal-private-prosecution":
        if (q.tortPlace === undefined && defendants.length === 0) {
          add("tort_place", "criminal private prosecution needs the crime place (tort_place) or the defendant's residence (defendant_domiciles)");
        }
        break;
    }
  }
  if (violations.length > 0) throw new ValidationError(violations);
}

// ---- rules ----------------------------------------------------------------------------------------

interface Draft {
  readonly court: Court;
  readonly rule: JurisdictionRule;
  readonly basis: string;
  readonly exclusive: boolean;
  readonly place?: string;
  readonly assumption?: string;
}

const joinNotes = (...notes: (string | undefined)[]): string | undefined => {
  const present = notes.filter((n): n is string => n !== undefined && n !== "");
  return present.length > 0 ? present.join("；") : undefined;
};

function draftsAt(located: Located, rule: JurisdictionRule, basis: string, place: string, assumption?: string): Draft[] {
  const note = joinNotes(located.assumption, assumption);
  return located.courts.map((court) => ({ court, rule, basis, exclusive: false, place, ...(note ? { assumption: note } : {}) }));
}

function specialDraft(dir: Directory, id: string, rule: JurisdictionRule, basis: string, place: string, ...notes: (string | undefined)[]): Draft[] {
  const court = dir.byId(id);
  if (!court) return [];
  const note = joinNotes(...notes);
  return [{ court, rule, basis, exclusive: true, place, ...(note ? { assumption: note } : {}) }];
}

const special = (dir: Directory, s: SpecialCourt, rule: JurisdictionRule, place: string, extra?: string): Draft[] => specialDraft(dir, s.id, rule, s.basis, place, s.assumption, extra);

/** The special court whose area holds the draft's place, if any. */
const coveringCourt = (courts: readonly SpecialCourt[], place: string | undefined) => (place === undefined ? undefined : courts.find((s) => inArea(place, s.area)));

/** A people's tribunal's judgments and cases are its basic court's. */
function asJudgingCourt(dir: Directory, id: string): Court | undefined {
  const court = dir.byId(id);
  if (court && court.kind === "tribunal" && court.parentId !== null) return dir.byId(court.parentId);
  return court;
}

function civilDrafts(dir: Directory, q: JurisdictionQuery): Draft[] {
  const defendantBasis = q.contractPerformancePlace !== undefined ? CPL_24 : q.tortPlace !== undefined ? CPL_29 : q.defendantDomiciles.length > 1 ? CPL_22_JOINT : CPL_22;
  const drafts = q.defendantDomiciles.flatMap((d) => draftsAt(firstInstanceCourts(dir, d), "defendant-domicile", defendantBasis, d));
  if (q.contractPerformancePlace !== undefined) {
    drafts.push(...draftsAt(firstInstanceCourts(dir, q.contractPerformancePlace), "contract-performance-place", CPL_24, q.contractPerformancePlace));
  }
  if (q.tortPlace !== undefined) drafts.push(...draftsAt(firstInstanceCourts(dir, q.tortPlace), "tort-place", CPL_29, q.tortPlace));
  return drafts;
}

function administrativeDrafts(dir: Directory, q: JurisdictionQuery): Draft[] {
  const organs = q.administrativeOrgan !== undefined ? [q.administrativeOrgan] : q.defendantDomiciles;
  // Level jurisdiction (行政诉讼法 art. 15: cases against county-level governments and above go to the
  // intermediate court) and provincial cross-region centralisation are not modelled.
  const drafts = organs.flatMap((d) => draftsAt(firstInstanceCourts(dir, d), "administrative-organ-location", ALL_18, d));
  if (q.personalLibertyRestricted && q.plaintiffDomicile !== undefined) {
    drafts.push(...draftsAt(firstInstanceCourts(dir, q.plaintiffDomicile), "plaintiff-location", ALL_19, q.plaintiffDomicile));
  }
  return drafts;
}

function enforcementDrafts(dir: Directory, q: JurisdictionQuery): Draft[] {
  const original = q.originalCourtId !== undefined ? asJudgingCourt(dir, q.originalCourtId) : undefined;
  if (original) {
    const drafts: Draft[] = [{ court: original, rule: "first-instance-court", basis: CPL_235, exclusive: false }];
    if (q.propertyPlace !== undefined) {
      drafts.push(...draftsAt(courtAtLevel(dir, q.propertyPlace, original.level), "property-location", CPL_235, q.propertyPlace));
    }
    return drafts;
  }
  const note = "未提供第一审法院，按其他法律文书（仲裁裁决、公证债权文书等）处理；其中仲裁裁决由中级人民法院执行，此处未区分";
  const drafts = q.defendantDomiciles.flatMap((d) => draftsAt(firstInstanceCourts(dir, d), "respondent-domicile", CPL_235_OTHER, d, note));
  if (q.propertyPlace !== undefined) {
    drafts.push(...draftsAt(firstInstanceCourts(dir, q.propertyPlace), "property-location", CPL_235_OTHER, q.propertyPlace, note));
  }
  return drafts;
}

function retrialDrafts(dir: Directory, q: JurisdictionQuery): Draft[] {
  const original = q.originalCourtId !== undefined ? asJudgingCourt(dir, q.originalCourtId) : undefined;
  if (!original) return [];
  const drafts: Draft[] = [];
  const above = original.parentId !== null ? dir.byId(original.parentId) : undefined;
  if (above) drafts.push({ court: above, rule: "court-above-original", basis: CPL_210, exclusive: false });
  if (q.partiesAreCitizensOrNumerous) drafts.push({ court: original, rule: "original-court", basis: CPL_210_ORIGINAL, exclusive: false });
  return drafts;
}

function stateCompensationDrafts(dir: Directory, q: JurisdictionQuery): Draft[] {
  const division = q.liableOrganDivision;
  if (division === undefined) return [];
  const [local] = localCourts(dir, division);
  if (!local) return [];
  const committee = dir.chain(local.id).find((c) => c.level === "intermediate" && c.kind === "intermediate") ?? local;
  const assumption =
    "假定由赔偿义务机关所在地的中级人民法院赔偿委员会作出决定；实际取决于是否经复议及复议机关的级别，赔偿义务机关为人民法院的，向其上一级人民法院赔偿委员会申请，向人民法院本身提出的法赔案件未建模";
  return [{ court: committee, rule: "liable-organ-location", basis: SCL, exclusive: false, place: division, assumption }];
}

function criminalDrafts(dir: Directory, q: JurisdictionQuery): Draft[] {
  const drafts = q.tortPlace !== undefined ? draftsAt(firstInstanceCourts(dir, q.tortPlace), "crime-place", CPL_CRIMINAL_25, q.tortPlace) : [];
  drafts.push(...q.defendantDomiciles.flatMap((d) => draftsAt(firstInstanceCourts(dir, d), "defendant-residence", CPL_CRIMINAL_25_RESIDENCE, d)));
  return drafts;
}

// ---- special (centralised) jurisdiction ------------------------------------------------------------

/** Maritime courts have exclusive jurisdiction; the port is tried first, then the other connecting places. */
function applyMaritime(dir: Directory, q: JurisdictionQuery, drafts: Draft[]): Draft[] {
  const places = [q.portDivision, ...drafts.map((d) => d.place)].filter((p): p is string => p !== undefined);
  const maritime = places.flatMap((place) => {
    const id = MARITIME_BY_PROVINCE[place.slice(0, 2)];
    return id ? specialDraft(dir, id, "maritime-court", MARITIME, place, MARITIME_AREA_NOTE) : [];
  });
  if (maritime.length > 0) return maritime;
  const note = "未找到管辖该地的海事法院，按普通地域管辖列出，受理法院可能需要移送海事法院";
  return drafts.map((d) => ({ ...d, assumption: joinNotes(d.assumption, note) }));
}

/**
 * Technical IP cases go only to IP courts or designated intermediate courts. Other IP cases stay with
 * (designated) basic courts, except that in the IP courts' cities the intermediate-level ones go to the IP court.
 */
function applyIntellectualProperty(dir: Directory, q: JurisdictionQuery, drafts: Draft[]): Draft[] {
  const places = drafts.map((d) => d.place).filter((p): p is string => p !== undefined);
  if ((q.ipKind ?? "technical") === "technical") {
    return places.flatMap((place) => {
      const ipCourt = IP_COURTS_TECHNICAL.find((s) => inArea(place, s.area));
      if (ipCourt) return special(dir, ipCourt, "ip-court", place);
      // Provincial capitals all have code <province>0100; the municipalities without an IP court (天津,
      // 重庆) get the intermediate court above the place.
      const capital = dir.byId(`c-${place.slice(0, 2)}0100`);
      const designated = capital && capital.kind === "intermediate" ? capital : courtAtLevel(dir, place, "intermediate").courts[0];
      if (!designated) return [];
      const assumption = "假定由省会城市（直辖市为该地所属）的中级人民法院管辖；最高人民法院另行确定的中级人民法院未建模";
      return [{ court: designated, rule: "ip-designated-court" as const, basis: IP_DESIGNATED, exclusive: true, place, assumption }];
    });
  }
  const out: Draft[] = [];
  for (const d of drafts) {
    const ipCourt = coveringCourt(IP_COURTS_OTHER, d.place);
    if (ipCourt && d.place !== undefined) out.push(...special(dir, ipCourt, "ip-court", d.place, IP_OTHER_LEVEL_NOTE));
    if (d.court.level === "basic") out.push({ ...d, assumption: joinNotes(d.assumption, IP_BASIC_DESIGNATION_NOTE) });
    else if (!ipCourt) out.push(d);
  }
  return out;
}

/** Internet courts take over the basic courts' online-shopping cases in their city. */
function applyInternet(dir: Directory, drafts: Draft[]): Draft[] {
  return drafts.flatMap((d) => {
    const court = d.court.level === "basic" ? coveringCourt(INTERNET_COURTS, d.place) : undefined;
    return court && d.place !== undefined ? special(dir, court, "internet-court", d.place) : [d];
  });
}

/**
 * Financial courts take the intermediate-level financial cases of their area; basic-level courts
 * (including an internet court) keep theirs; ordinary intermediate courts there lose them.
 */
function applyFinancial(dir: Directory, drafts: Draft[]): Draft[] {
  return drafts.flatMap((d) => {
    const court = coveringCourt(FINANCIAL_COURTS, d.place);
    if (!court || d.place === undefined || (d.exclusive && d.court.level !== "basic")) return [d];
    const financial = special(dir, court, "financial-court", d.place);
    return d.court.level === "basic" ? [...financial, d] : financial;
  });
}

// ---- entry point ------------------------------------------------------------------------------------

const RULE_RANK = new Map<JurisdictionRule, number>(JURISDICTION_RULES.map((r, i) => [r, i]));

/**
 * The courts competent for a case (管辖法院), best first: exclusive special courts, then the ordinary
 * rules in the order of JURISDICTION_RULES. Every candidate has the jurisdiction role and accepts the
 * case type; a court reached by several rules appears once, under the first. Throws ValidationError
 * listing every problem with the query (unknown division codes, missing required facts).
 */
export function resolveJurisdiction(dir: Directory, query: JurisdictionQuery): JurisdictionCandidate[] {
  validate(dir, query);
  let drafts: Draft[];
  switch (query.caseType) {
    case "civil-first-instance":
      drafts = civilDrafts(dir, query);
      if (query.maritime) drafts = applyMaritime(dir, query, drafts);
      else if (query.intellectualProperty) drafts = applyIntellectualProperty(dir, query, drafts);
      if (!query.maritime && query.ecommercePlatform) drafts = applyInternet(dir, drafts);
      if (!query.maritime && query.financial) drafts = applyFinancial(dir, drafts);
      break;
    case "administrative-first-instance":
      // Maritime, internet and financial administrative cases are not modelled; IP ones are.
      drafts = administrativeDrafts(dir, query);
      if (query.intellectualProperty) drafts = applyIntellectualProperty(dir, query, drafts);
      break;
    case "enforcement":
      drafts = enforcementDrafts(dir, query);
      break;
    case "civil-retrial-application":
      drafts = retrialDrafts(dir, query);
      break;
    case "state-compensation":
      drafts = stateCompensationDrafts(dir, query);
      break;
    case "criminal-private-prosecution":
      drafts = criminalDrafts(dir, query);
      break;
  }

  const rank = (d: Draft) => (d.exclusive ? 0 : JURISDICTION_RULES.length) + (RULE_RANK.get(d.rule) ?? 0);
  const ranked = drafts
    .filter((d) => d.court.roles.includes("jurisdiction") && d.court.caseTypes.includes(query.caseType))
    .map((d, order) => ({ d, order }))
    .sort((a, b) => rank(a.d) - rank(b.d) || a.order - b.order); // explicit tie-break: keep input order
  const seen = new Set<string>();
  const candidates: JurisdictionCandidate[] = [];
  for (const { d } of ranked) {
    if (seen.has(d.court.id)) continue;
    seen.add(d.court.id);
    candidates.push({
      court: d.court,
      basis: d.basis,
      rule: d.rule,
      exclusive: d.exclusive,
      ...(d.place !== undefined ? { place: d.place } : {}),
      ...(d.assumption !== undefined ? { assumption: d.assumption } : {}),
    });
  }
  return candidates;
}
