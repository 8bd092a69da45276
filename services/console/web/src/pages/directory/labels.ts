import { CaseType } from "@gen/kuayu/common/v1/common_pb";
import { CourtKind, CourtLevel, CourtRole } from "@gen/kuayu/directory/v1/directory_pb";
import { PROVINCES } from "../../../../../../libs/directory/src/provinces";

export const LEVEL_NAMES: Record<CourtLevel, string> = {
  [CourtLevel.UNSPECIFIED]: "—",
  [CourtLevel.SUPREME]: "最高人民法院",
  [CourtLevel.HIGH]: "高级人民法院",
  [CourtLevel.INTERMEDIATE]: "中级人民法院",
  [CourtLevel.BASIC]: "基层人民法院",
  [CourtLevel.TRIBUNAL]: "人民法庭",
};

export const KIND_NAMES: Record<CourtKind, string> = {
  [CourtKind.UNSPECIFIED]: "—",
  [CourtKind.SUPREME]: "最高法院",
  [CourtKind.HIGH]: "高级法院",
  [CourtKind.INTERMEDIATE]: "中级法院",
  [CourtKind.BASIC]: "基层法院",
  [CourtKind.MARITIME]: "海事法院",
  [CourtKind.INTELLECTUAL_PROPERTY]: "知识产权法院",
  [CourtKind.INTERNET]: "互联网法院",
  [CourtKind.FINANCIAL]: "金融法院",
  [CourtKind.RAILWAY]: "铁路运输法院",
  [CourtKind.MILITARY]: "军事法院",
  [CourtKind.TRIBUNAL]: "人民法庭",
};

export const ROLE_NAMES: Record<CourtRole, string> = {
  [CourtRole.UNSPECIFIED]: "—",
  [CourtRole.COLLABORATING]: "协作法院",
  [CourtRole.JURISDICTION]: "管辖法院",
};

export const CASE_TYPE_NAMES: Record<CaseType, string> = {
  [CaseType.UNSPECIFIED]: "—",
  [CaseType.CIVIL_FIRST_INSTANCE]: "民事一审",
  [CaseType.ADMINISTRATIVE_FIRST_INSTANCE]: "行政一审",
  [CaseType.ENFORCEMENT]: "执行申请",
  [CaseType.CRIMINAL_PRIVATE_PROSECUTION]: "刑事自诉",
  [CaseType.STATE_COMPENSATION]: "国家赔偿申请",
  [CaseType.CIVIL_RETRIAL_APPLICATION]: "民事再审申请",
};

export const provinceName = (code: string) => (code === "00" ? "全国" : (PROVINCES[code]?.name ?? code));
export const PROVINCE_OPTIONS = Object.entries(PROVINCES).map(([value, p]) => ({ value, label: p.name }));
