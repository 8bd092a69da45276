/** Kinds of court in the national directory (docs/domain.md (Courts)). */
export const COURT_KINDS = [
  "supreme", // 最高人民法院
  "high", // 高级人民法院 (31 provinces + XPCC branch court 兵团分院)
  "intermediate", // 中级人民法院
  "basic", // 基层人民法院
  "maritime", // 海事法院
  "intellectual-property", // 知识产权法院
  "internet", // 互联网法院
  "financial", // 金融法院
  "railway", // 铁路运输法院 (intermediate and basic)
  "military", // 军事法院
  "tribunal", // 人民法庭 — belongs to a basic court
] as const;
export type CourtKind = (typeof COURT_KINDS)[number];

/** Level in the four-level court system; special courts sit at intermediate or basic level. */
export const COURT_LEVELS = ["supreme", "high", "intermediate", "basic", "tribunal"] as const;
export type CourtLevel = (typeof COURT_LEVELS)[number];

/** A court's roles in cross-domain filing. */
export const COURT_ROLES = ["collaborating", "jurisdiction"] as const;
export type CourtRole = (typeof COURT_ROLES)[number];
