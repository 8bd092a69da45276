/** The six case types handled cross-domain (DESIGN.md §2). */
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
