import { CaseType } from "@gen/kuayu/common/v1/common_pb";
import { AgentKind, AuthorizationScope, FilingStatus, PartyRole } from "@gen/kuayu/intake/v1/intake_pb";
import { caseTypeInfo, isCaseType, type CaseType as CaseTypeId, type MaterialItem } from "../../../../../../libs/domain/src/case-types";

// Chinese names of the enums the window shows, and the case types' checklists (from the domain library,
// the same rules intake checks a submission against).

export const STATUS_NAMES: Record<FilingStatus, string> = {
  [FilingStatus.UNSPECIFIED]: "未知",
  [FilingStatus.DRAFT]: "草稿",
  [FilingStatus.SUBMITTED]: "已提交",
  [FilingStatus.ROUTED]: "已送达管辖法院",
  [FilingStatus.ACKNOWLEDGED]: "管辖法院已响应",
  [FilingStatus.CORRECTION_REQUESTED]: "待补正",
  [FilingStatus.ACCEPTED]: "已立案",
  [FilingStatus.REJECTED]: "不予受理",
  [FilingStatus.WITHDRAWN]: "已撤回",
  [FilingStatus.ROUTING_FAILED]: "流转失败",
};

/**
 * Tag colours dark enough to read (WCAG AA, 4.5:1): antd's preset tag colours are not (green text
 * on light green is about 3:1).
 */
export const TAG_COLORS = {
  blue: "#0958d9",
  geekblue: "#1d39c4",
  cyan: "#006d75",
  orange: "#ad4e00",
  green: "#237804",
  red: "#a8071a",
  volcano: "#ad2102",
  purple: "#531dab",
  default: "default",
} as const;

export const STATUS_COLORS: Record<FilingStatus, string> = {
  [FilingStatus.UNSPECIFIED]: TAG_COLORS.default,
  [FilingStatus.DRAFT]: TAG_COLORS.default,
  [FilingStatus.SUBMITTED]: TAG_COLORS.blue,
  [FilingStatus.ROUTED]: TAG_COLORS.geekblue,
  [FilingStatus.ACKNOWLEDGED]: TAG_COLORS.cyan,
  [FilingStatus.CORRECTION_REQUESTED]: TAG_COLORS.orange,
  [FilingStatus.ACCEPTED]: TAG_COLORS.green,
  [FilingStatus.REJECTED]: TAG_COLORS.red,
  [FilingStatus.WITHDRAWN]: TAG_COLORS.default,
  [FilingStatus.ROUTING_FAILED]: TAG_COLORS.volcano,
};

export const isFinal = (s: FilingStatus) => s === FilingStatus.ACCEPTED || s === FilingStatus.REJECTED || s === FilingStatus.WITHDRAWN;
/** Drafts and filings whose route failed go through the wizard again. */
export const isSubmittable = (s: FilingStatus) => s === FilingStatus.DRAFT || s === FilingStatus.ROUTING_FAILED;

export const PARTY_ROLE_NAMES: Record<PartyRole, string> = {
  [PartyRole.UNSPECIFIED]: "未选择",
  [PartyRole.PLAINTIFF]: "原告（申请人）",
  [PartyRole.DEFENDANT]: "被告（被申请人）",
  [PartyRole.THIRD_PARTY]: "第三人",
};

export const AGENT_KIND_NAMES: Record<AgentKind, string> = {
  [AgentKind.UNSPECIFIED]: "未选择",
  [AgentKind.LAWYER]: "律师",
  [AgentKind.LEGAL_WORKER]: "基层法律服务工作者",
  [AgentKind.CITIZEN]: "公民代理",
};

export const AUTHORIZATION_NAMES: Record<AuthorizationScope, string> = {
  [AuthorizationScope.UNSPECIFIED]: "未选择",
  [AuthorizationScope.GENERAL]: "一般授权",
  [AuthorizationScope.SPECIAL]: "特别授权",
};

export const CASE_TYPES = [
  CaseType.CIVIL_FIRST_INSTANCE,
  CaseType.ADMINISTRATIVE_FIRST_INSTANCE,
  CaseType.ENFORCEMENT,
  CaseType.CRIMINAL_PRIVATE_PROSECUTION,
  CaseType.STATE_COMPENSATION,
  CaseType.CIVIL_RETRIAL_APPLICATION,
];

/** The domain id of a case type: CIVIL_FIRST_INSTANCE → civil-first-instance. */
export function caseTypeId(c: CaseType): CaseTypeId | undefined {
  const id = (CaseType[c] ?? "").toLowerCase().replaceAll("_", "-");
  return isCaseType(id) ? id : undefined;
}

export function caseTypeName(c: CaseType | undefined): string {
  const id = c === undefined ? undefined : caseTypeId(c);
  return id ? caseTypeInfo(id).name : "未选择";
}

/** The case type's material checklist (empty when no case type is chosen). */
export function checklistOf(c: CaseType | undefined): readonly MaterialItem[] {
  const id = c === undefined ? undefined : caseTypeId(c);
  return id ? caseTypeInfo(id).materials : [];
}

export const CONDITION_NAMES: Record<string, string> = {
  "agent-acts": "委托代理人代为起诉（申请）时提交",
  "liable-organ-decided": "赔偿义务机关已作出决定时提交",
};

/** Name of a checklist item of any case type (falls back to the id). */
export function materialKindName(kind: string, c?: CaseType): string {
  // The case type's own list first, then any (a material may be of a type the filing had before).
  const lists = [...(c ? [checklistOf(c)] : []), ...CASE_TYPES.map(checklistOf)];
  for (const list of lists) {
    const item = list.find((m) => m.id === kind);
    if (item) return item.name;
  }
  return kind;
}

const EVENT_NAMES: Record<string, string> = {
  "kuayu.intake.v1.FilingSubmitted": "协作法院提交申请",
  "kuayu.intake.v1.CorrectionSubmitted": "协作法院提交补正",
  "kuayu.intake.v1.FilingWithdrawn": "申请已撤回",
  "kuayu.routing.v1.FilingRouted": "已送达管辖法院",
  "kuayu.routing.v1.RoutingFailed": "流转失败",
  "kuayu.decision.v1.Acknowledged": "管辖法院已响应",
  "kuayu.decision.v1.CorrectionRequested": "管辖法院要求补正",
  "kuayu.decision.v1.Accepted": "管辖法院已立案",
  "kuayu.decision.v1.Rejected": "管辖法院不予受理",
  "kuayu.decision.v1.DeadlinesChanged": "办理期限调整",
};

export const eventName = (type: string) => EVENT_NAMES[type] ?? type;

export const SOURCE_NAMES: Record<string, string> = {
  "kuayu.intake": "协作法院",
  "kuayu.routing": "流转",
  "kuayu.decision": "管辖法院",
};

export const REJECTION_CATEGORY_NAMES: Record<string, string> = {
  "no-jurisdiction": "不属于本院管辖",
  "outside-court-scope": "不属于人民法院受理范围",
  "conditions-not-met": "不符合法定起诉条件",
  duplicate: "重复起诉",
  "corrections-missing": "逾期未补正",
  other: "其他",
};
