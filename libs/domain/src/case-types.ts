/** The six case types handled cross-domain (docs/domain.md (Courts)). */
export const CASE_TYPES = [
  "civil-first-instance", // 民事一审
  "administrative-first-instance", // 行政一审
  "enforcement", // 执行申请
  "criminal-private-prosecution", // 刑事自诉
  "state-compensation", // 国家赔偿申请
  "civil-retrial-application", // 民事再审申请
] as const;
export type CaseType = (typeof CASE_TYPES)[number];

export function isCaseType(x: unknown): x is CaseType {
  return typeof x === "string" && (CASE_TYPES as readonly string[]).includes(x);
}

/** Case-number type codes (类型代字) of the six case types. */
export const TYPE_CODES = ["民初", "行初", "执", "刑初", "法赔", "委赔", "民申"] as const;
export type TypeCode = (typeof TYPE_CODES)[number];

/** Special-trial codes (专门审判代字) written before the type code, e.g. 知 in 知民初. */
export const SPECIAL_TRIAL_CODES = ["知"] as const;
export type SpecialTrialCode = (typeof SPECIAL_TRIAL_CODES)[number];

/**
 * When a checklist item is needed beyond "always":
 * - `agent-acts`: an agent (委托代理人) files for the party;
 * - `liable-organ-decided`: the liable organ (赔偿义务机关) has already made a decision.
 */
export const MATERIAL_CONDITIONS = ["agent-acts", "liable-organ-decided"] as const;
export type MaterialCondition = (typeof MATERIAL_CONDITIONS)[number];

interface MaterialBase {
  /** Stable kebab-case id; clients and stored filings refer to it, so never rename one. */
  readonly id: string;
  /** Chinese name as shown at the window (立案窗口). */
  readonly name: string;
  /** The original plus one copy per opposing party (按对方当事人人数提交副本). */
  readonly copiesForOpposingParties: boolean;
}
/** One entry of a case type's material checklist (立案登记规定 art. 6). */
export type MaterialItem = (MaterialBase & { readonly requirement: "required" }) | (MaterialBase & { readonly requirement: "conditional"; readonly condition: MaterialCondition });

/**
 * How long the court has to decide (or, for 民申, to send the acceptance notice).
 * Counting follows Civil Procedure Law art. 85 for every type (see `statutoryDeadline`):
 * the day the clock starts is not counted, which is also what 刑事自诉's "次日起十五日" means.
 */
export interface DecisionPeriod {
  readonly days: number;
  /** `receipt`: receipt of the complaint/application; `complete-materials`: receipt of complete materials. */
  readonly startsOn: "receipt" | "complete-materials";
  /** What the court must do within the period. */
  readonly duty: "decide-whether-to-docket" | "send-acceptance-notice";
}

export interface CaseTypeInfo {
  readonly id: CaseType;
  /** Chinese name (案件类型). */
  readonly name: string;
  /** Type codes (类型代字); state compensation has two: 法赔 (court as liable organ), 委赔 (compensation committee). */
  readonly typeCodes: readonly TypeCode[];
  /** Special-trial codes allowed before the type code (IP civil cases: 知民初, numbered separately). */
  readonly specialTrialCodes: readonly SpecialTrialCode[];
  readonly decisionPeriod: DecisionPeriod;
  readonly materials: readonly MaterialItem[];
}

const required = (id: string, name: string, copiesForOpposingParties = false): MaterialItem => ({
  id,
  name,
  copiesForOpposingParties,
  requirement: "required",
});
const conditional = (id: string, name: string, condition: MaterialCondition): MaterialItem => ({
  id,
  name,
  copiesForOpposingParties: false,
  requirement: "conditional",
  condition,
});

/** Items every filing needs after its initiating document, and before the type-specific ones. */
const COMMON_MATERIALS: readonly MaterialItem[] = [
  // 居民身份证; for organisations 营业执照/统一社会信用代码 plus 法定代表人身份证明书.
  required("filer-identity", "当事人身份证明"),
  conditional("power-of-attorney", "授权委托书", "agent-acts"),
  conditional("agent-identity", "代理人身份证明", "agent-acts"),
  required("opposing-party-details", "对方当事人的姓名或者名称、住所等信息"),
  required("evidence", "证据材料"),
];
// Collected at the window rather than brought by the filer, but still part of a complete filing.
const ADDRESS_FOR_SERVICE = required("address-for-service-confirmation", "送达地址确认书");

const checklist = (initiating: MaterialItem, ...specific: MaterialItem[]): readonly MaterialItem[] => [initiating, ...COMMON_MATERIALS, ...specific, ADDRESS_FOR_SERVICE];

const SEVEN_DAYS: DecisionPeriod = { days: 7, startsOn: "receipt", duty: "decide-whether-to-docket" };

/**
 * Facts per case type (docs/domain.md (Courts), verified there). Periods: 立案登记规定 art. 8 (民事/行政 7 days,
 * 刑事自诉 15 days from the day after receipt); the 7 days for 执行 and 国家赔偿 and the 5 days for
 * 民申 are taken from docs/domain.md, the article numbers behind them were not re-checked here.
 */
const CASE_TYPE_INFO: Readonly<Record<CaseType, CaseTypeInfo>> = {
  "civil-first-instance": {
    id: "civil-first-instance",
    name: "民事一审",
    typeCodes: ["民初"],
    specialTrialCodes: ["知"],
    decisionPeriod: SEVEN_DAYS,
    materials: checklist(required("complaint", "起诉状", true)),
  },
  "administrative-first-instance": {
    id: "administrative-first-instance",
    name: "行政一审",
    typeCodes: ["行初"],
    specialTrialCodes: [],
    decisionPeriod: SEVEN_DAYS,
    materials: checklist(required("complaint", "起诉状", true)),
  },
  enforcement: {
    id: "enforcement",
    name: "执行申请",
    typeCodes: ["执"],
    specialTrialCodes: [],
    decisionPeriod: SEVEN_DAYS,
    materials: checklist(required("enforcement-application", "执行申请书", true), required("effective-legal-document", "生效法律文书")),
  },
  "criminal-private-prosecution": {
    id: "criminal-private-prosecution",
    name: "刑事自诉",
    typeCodes: ["刑初"],
    specialTrialCodes: [],
    decisionPeriod: { days: 15, startsOn: "receipt", duty: "decide-whether-to-docket" },
    materials: checklist(required("private-prosecution-complaint", "自诉状", true)),
  },
  "state-compensation": {
    id: "state-compensation",
    name: "国家赔偿申请",
    typeCodes: ["法赔", "委赔"],
    specialTrialCodes: [],
    decisionPeriod: SEVEN_DAYS,
    materials: checklist(required("compensation-application", "国家赔偿申请书", true), conditional("liable-organ-decision", "赔偿义务机关作出的决定书", "liable-organ-decided")),
  },
  "civil-retrial-application": {
    id: "civil-retrial-application",
    name: "民事再审申请",
    typeCodes: ["民申"],
    specialTrialCodes: [],
    decisionPeriod: { days: 5, startsOn: "complete-materials", duty: "send-acceptance-notice" },
    materials: checklist(required("retrial-application", "再审申请书", true), required("original-judgment", "原审裁判文书")),
  },
};

/** Names, codes, decision period and material checklist of a case type. */
export function caseTypeInfo(id: CaseType): CaseTypeInfo {
  return CASE_TYPE_INFO[id];
}

/** The case type a type code (类型代字) belongs to; each code belongs to exactly one. */
export function caseTypeOfTypeCode(code: TypeCode): CaseType {
  const found = CASE_TYPES.find((id) => CASE_TYPE_INFO[id].typeCodes.includes(code));
  if (!found) throw new Error(`type code ${code} belongs to no case type`); // unreachable: tested
  return found;
}

/**
 * The checklist items that apply to one filing, given which conditions hold; the basis for the
 * one-time, complete notice of missing materials (一次性告知补正).
 */
export function applicableMaterials(caseType: CaseType, conditions: Iterable<MaterialCondition>): MaterialItem[] {
  const holds = new Set(conditions);
  return CASE_TYPE_INFO[caseType].materials.filter((m) => m.requirement === "required" || holds.has(m.condition));
}
