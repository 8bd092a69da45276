import { caseTypeInfo, toChineseNumeral, validateCreditCode, type CaseType } from "@kuayu/domain";
import type { DocumentKind, DocumentParty, PartyRole } from "./types.js";

/** Titles as printed (and as the PDF Title). */
export const DOCUMENT_TITLES: Readonly<Record<DocumentKind, string>> = {
  receipt: "跨域立案申请回执",
  "acceptance-notice": "案件受理通知书",
  "non-acceptance": "不予受理通知书",
  "correction-notice": "补正材料通知书",
};

/** Offset of China Standard Time (UTC+8, no daylight saving): documents show China time whatever TZ the host has. */
const CHINA_UTC_OFFSET_MS = 8 * 60 * 60 * 1000;
const chinaParts = (d: Date) => {
  const t = new Date(d.getTime() + CHINA_UTC_OFFSET_MS);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate(), h: t.getUTCHours(), min: t.getUTCMinutes() };
};
const pad2 = (n: number) => String(n).padStart(2, "0");
const YEAR_DIGITS = "〇一二三四五六七八九";

/** The date of a document's signature line: 二〇二六年十一月二十八日 (China time). */
export function chineseDate(d: Date): string {
  const p = chinaParts(d);
  const year = [...String(p.y)].map((c) => YEAR_DIGITS[Number(c)]).join("");
  return `${year}年${toChineseNumeral(p.m)}月${toChineseNumeral(p.d)}日`;
}

/** 2026年11月28日 (China time). */
export function numericDate(d: Date): string {
  const p = chinaParts(d);
  return `${p.y}年${p.m}月${p.d}日`;
}

/** 2026年11月28日 09:05 (China time). */
export function numericDateTime(d: Date): string {
  const p = chinaParts(d);
  return `${numericDate(d)} ${pad2(p.h)}:${pad2(p.min)}`;
}

/** How each case type names the parties' roles. */
const ROLE_LABELS: Readonly<Record<CaseType, Readonly<Record<PartyRole, string>>>> = {
  "civil-first-instance": { plaintiff: "原告", defendant: "被告", "third-party": "第三人" },
  "administrative-first-instance": { plaintiff: "原告", defendant: "被告", "third-party": "第三人" },
  enforcement: { plaintiff: "申请执行人", defendant: "被执行人", "third-party": "第三人" },
  "criminal-private-prosecution": { plaintiff: "自诉人", defendant: "被告人", "third-party": "其他诉讼参与人" },
  "state-compensation": { plaintiff: "赔偿请求人", defendant: "赔偿义务机关", "third-party": "第三人" },
  "civil-retrial-application": { plaintiff: "再审申请人", defendant: "被申请人", "third-party": "原审其他当事人" },
};

export const roleLabel = (caseType: CaseType, role: PartyRole): string => ROLE_LABELS[caseType][role];

const names = (parties: readonly DocumentParty[], role: PartyRole) => parties.filter((p) => p.role === role).map((p) => redactIdentityNumbers(p.name.trim()));

/** 原告：张三、王五；被告：李四 (roles in the case type's words, in the order plaintiff, defendant, third party). */
export function partiesLine(caseType: CaseType, parties: readonly DocumentParty[]): string {
  return (["plaintiff", "defendant", "third-party"] as const)
    .map((role) => ({ role, list: names(parties, role) }))
    .filter((r) => r.list.length > 0)
    .map((r) => `${roleLabel(caseType, r.role)}：${r.list.join("、")}`)
    .join("；");
}

/** The names a notice is addressed to (the filing side): 张三、王五. */
export const addressee = (parties: readonly DocumentParty[]): string => names(parties, "plaintiff").join("、");

/** The case as a notice names it, e.g. 原告张三诉被告李四民事纠纷一案 (without the trailing 一案). */
export function caseDescription(caseType: CaseType, parties: readonly DocumentParty[]): string {
  const plaintiffs = names(parties, "plaintiff").join("、");
  const defendants = names(parties, "defendant").join("、");
  const p = `${roleLabel(caseType, "plaintiff")}${plaintiffs}`;
  const d = defendants ? `${roleLabel(caseType, "defendant")}${defendants}` : "";
  switch (caseType) {
    case "civil-first-instance":
      return d ? `${p}诉${d}民事纠纷` : `${p}民事纠纷`;
    case "administrative-first-instance":
      return d ? `${p}诉${d}行政诉讼` : `${p}行政诉讼`;
    case "enforcement":
      return d ? `${p}与${d}申请执行` : `${p}申请执行`;
    case "criminal-private-prosecution":
      return d ? `${p}诉${d}刑事自诉` : `${p}刑事自诉`;
    case "state-compensation":
      return d ? `${p}向${d}申请国家赔偿` : `${p}申请国家赔偿`;
    case "civil-retrial-application":
      return d ? `${p}与${d}申请民事再审` : `${p}申请民事再审`;
  }
}

/** Chinese names of the decision service's RejectionCategory ids; other text is printed as is. */
const REJECTION_CATEGORY_NAMES: Readonly<Record<string, string>> = {
  "no-jurisdiction": "不属于本院管辖",
  "outside-court-scope": "不属于人民法院受理范围",
  "conditions-not-met": "不符合法定起诉（申请）条件",
  duplicate: "重复起诉",
  "corrections-missing": "逾期未补正材料",
  other: "其他",
};
export const rejectionCategoryName = (category: string): string => REJECTION_CATEGORY_NAMES[category] ?? category;

/**
 * The checklist name of a material kind (caseTypeInfo(caseType).materials); a kind the case type
 * does not list is printed as is, and "" (a general correction item) as 其他.
 */
export function materialName(caseType: CaseType, kind: string): string {
  if (kind.trim() === "") return "其他";
  return caseTypeInfo(caseType).materials.find((m) => m.id === kind)?.name ?? kind;
}

export const caseTypeName = (caseType: CaseType): string => caseTypeInfo(caseType).name;

/**
 * Masks identity numbers that slipped into free text (a reason, a note, a file name): any
 * 18-character resident-identity-number shape (17 digits and a digit or X) and any valid
 * unified social credit code, keeping the first 3 and last 2 characters as maskIdentityNumber does.
 * Receipt and case numbers never match (hyphens, Chinese characters, shorter runs).
 */
export function redactIdentityNumbers(text: string): string {
  const mask = (s: string) => s.slice(0, 3) + "*".repeat(s.length - 5) + s.slice(-2);
  return text
    .replace(/(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/g, mask)
    .replace(/(?<![0-9A-Za-z])[0-9A-HJ-NP-RT-UWXY]{2}\d{6}[0-9A-HJ-NP-RT-UWXY]{10}(?![0-9A-Za-z])/g, (s) => (validateCreditCode(s) === undefined ? mask(s) : s));
}
