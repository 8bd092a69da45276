import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { CaseType } from "@gen/kuayu/common/v1/common_pb";
import { InboxStatus } from "@gen/kuayu/decision/v1/decision_pb";
import { RejectionCategory } from "@gen/kuayu/decision/v1/events_pb";
import { AgentKind, PartyRole } from "@gen/kuayu/intake/v1/intake_pb";
import dayjs from "dayjs";
import { caseTypeInfo, type CaseType as CaseTypeId, type MaterialItem } from "../../../../../../libs/domain/src/case-types";

/** Tag colours dark enough for white text (WCAG AA contrast). */
export const COLORS = { ok: "#237804", warn: "#ad4e00", info: "#0958d9", wait: "#874d00", bad: "#a8071a", muted: "#595959" };

export const STATUS: Record<InboxStatus, { text: string; color: string }> = {
  [InboxStatus.UNSPECIFIED]: { text: "未知", color: COLORS.muted },
  [InboxStatus.AWAITING_RESPONSE]: { text: "待响应", color: COLORS.warn },
  [InboxStatus.AWAITING_DECISION]: { text: "待决定", color: COLORS.info },
  [InboxStatus.CORRECTION_PENDING]: { text: "待补正", color: COLORS.wait },
  [InboxStatus.ACCEPTED]: { text: "已受理", color: COLORS.ok },
  [InboxStatus.REJECTED]: { text: "不予受理", color: COLORS.bad },
  [InboxStatus.WITHDRAWN]: { text: "已撤回", color: COLORS.muted },
};

export const CASE_TYPE_NAMES: Record<CaseType, string> = {
  [CaseType.UNSPECIFIED]: "未知",
  [CaseType.CIVIL_FIRST_INSTANCE]: "民事一审",
  [CaseType.ADMINISTRATIVE_FIRST_INSTANCE]: "行政一审",
  [CaseType.ENFORCEMENT]: "执行申请",
  [CaseType.CRIMINAL_PRIVATE_PROSECUTION]: "刑事自诉",
  [CaseType.STATE_COMPENSATION]: "国家赔偿申请",
  [CaseType.CIVIL_RETRIAL_APPLICATION]: "民事再审申请",
};

export const REJECTION_NAMES: Record<Exclude<RejectionCategory, RejectionCategory.UNSPECIFIED>, string> = {
  [RejectionCategory.NO_JURISDICTION]: "不属于本院管辖",
  [RejectionCategory.OUTSIDE_COURT_SCOPE]: "不属于人民法院受理范围",
  [RejectionCategory.CONDITIONS_NOT_MET]: "不符合法定起诉条件",
  [RejectionCategory.DUPLICATE]: "重复起诉",
  [RejectionCategory.CORRECTIONS_MISSING]: "逾期未补正",
  [RejectionCategory.OTHER]: "其他",
};

export const PARTY_ROLE_NAMES: Record<PartyRole, string> = {
  [PartyRole.UNSPECIFIED]: "未知",
  [PartyRole.PLAINTIFF]: "原告 / 申请人",
  [PartyRole.DEFENDANT]: "被告 / 被申请人",
  [PartyRole.THIRD_PARTY]: "第三人",
};

export const AGENT_KIND_NAMES: Record<AgentKind, string> = {
  [AgentKind.UNSPECIFIED]: "代理人",
  [AgentKind.LAWYER]: "律师",
  [AgentKind.LEGAL_WORKER]: "基层法律服务工作者",
  [AgentKind.CITIZEN]: "公民代理",
};

/** The material checklist of a case type (the items a correction request may name). */
export function checklistOf(t: CaseType): readonly MaterialItem[] {
  const name = CaseType[t];
  if (t === CaseType.UNSPECIFIED || !name) return [];
  return caseTypeInfo(name.toLowerCase().replaceAll("_", "-") as CaseTypeId).materials;
}

/** The checklist name of a material kind, or the kind itself. */
export const kindName = (t: CaseType, kind: string) => checklistOf(t).find((m) => m.id === kind)?.name ?? (kind || "其他");

export const dateOf = (ts: Timestamp | undefined) => (ts ? timestampDate(ts) : undefined);
export const fmt = (ts: Timestamp | undefined) => (ts ? dayjs(timestampDate(ts)).format("YYYY-MM-DD HH:mm") : "—");

export function fmtSize(n: bigint | number) {
  const b = Number(n);
  if (b < 1024) return `${b} B`;
  if (b < 1024 * 1024) return `${(b / 1024).toFixed(1)} KB`;
  return `${(b / 1024 / 1024).toFixed(1)} MB`;
}
