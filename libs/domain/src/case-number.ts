import { SPECIAL_TRIAL_CODES, TYPE_CODES, caseTypeInfo, caseTypeOfTypeCode, type SpecialTrialCode, type TypeCode } from "./case-types.js";
import { ValidationError, type Violation } from "./errors.js";

/**
 * Case number (案号): `（收案年度）` + court code (法院代字) + [special-trial code] + type code
 * (类型代字) + sequence (顺序号) + `号` + [`之一`, `之二` … for later rulings in the same case],
 * e.g. `（2016）最高法民申2763号`, `（2020）浙01知民初277号`.
 */
export interface CaseNumber {
  /** Year the case was received (收案年度). */
  year: number;
  /** Court code (法院代字), e.g. `最高法`, `粤`, `粤07`, `粤0703`, `京0491`, `沪7101`. */
  courtCode: string;
  specialCode?: SpecialTrialCode;
  typeCode: TypeCode;
  /** Order of acceptance within (court, year, special code + type code), from 1. */
  sequence: number;
  /** n of `之n` (later rulings in one case), from 1; absent for the case itself. */
  suffix?: number;
}

/** Code of the Supreme People's Court. */
const SPC_CODE = "最高法";
/**
 * One-character court codes of the high courts: 31 provinces (Guizhou's court code is 黔, Inner
 * Mongolia's 内), the XPCC branch court 兵 and the PLA military court 军. Written from public case
 * numbers; not checked against an official table.
 */
export const PROVINCE_COURT_CODES = [
  "京",
  "津",
  "冀",
  "晋",
  "内",
  "辽",
  "吉",
  "黑",
  "沪",
  "苏",
  "浙",
  "皖",
  "闽",
  "赣",
  "鲁",
  "豫",
  "鄂",
  "湘",
  "粤",
  "桂",
  "琼",
  "渝",
  "川",
  "黔",
  "云",
  "藏",
  "陕",
  "甘",
  "青",
  "宁",
  "新",
  "兵",
  "军",
] as const;

/**
 * Court code: `最高法`, or a high court's character optionally followed by two digits
 * (intermediate and intermediate-level special courts: `粤07`, `京01`, `沪72`) or four digits
 * (basic and basic-level special courts: `粤0703`, `京0491`, `沪7101`).
 */
export function isCourtCode(text: string): boolean {
  if (text === SPC_CODE) return true;
  const [first, ...rest] = [...text];
  const digits = rest.join("");
  return first !== undefined && (PROVINCE_COURT_CODES as readonly string[]).includes(first) && (digits === "" || /^(\d{2}|\d{4})$/.test(digits));
}

/** Formats a case number with full-width parentheses, as courts write them. */
export function formatCaseNumber(n: CaseNumber): string {
  const violations = caseNumberViolations(n);
  if (violations.length > 0) throw new ValidationError(violations);
  const suffix = n.suffix === undefined ? "" : `之${toChineseNumeral(n.suffix)}`;
  return `（${n.year}）${n.courtCode}${n.specialCode ?? ""}${n.typeCode}${n.sequence}号${suffix}`;
}

/** Parses a case number; accepts full- or half-width parentheses. Throws `ValidationError` (field `case_number`). */
export function parseCaseNumber(text: string): CaseNumber {
  const fail = (description: string): never => {
    throw new ValidationError([{ field: "case_number", description: `${description} (got "${text}")` }]);
  };
  const s = text.trim();
  const head = /^[（(](\d{4})[）)]/.exec(s);
  if (!head) return fail("must start with the four-digit receipt year in parentheses, e.g. （2020）");
  let rest = s.slice(head[0].length);

  const court = /^(最高法|[^\d\s])(\d*)/.exec(rest);
  const courtCode = court ? court[1]! + court[2]! : "";
  if (!court || !isCourtCode(courtCode)) {
    return fail("court code must be 最高法 or a province character with optionally 2 or 4 digits, e.g. 粤, 粤07, 粤0703");
  }
  rest = rest.slice(courtCode.length);

  const specialCode = SPECIAL_TRIAL_CODES.find((c) => rest.startsWith(c));
  if (specialCode) rest = rest.slice(specialCode.length);

  // Longest first, so a future code that extends a shorter one cannot be cut short.
  const typeCode = [...TYPE_CODES].sort((a, b) => b.length - a.length).find((c) => rest.startsWith(c));
  if (!typeCode) return fail(`type code must be one of ${TYPE_CODES.join(", ")}`);
  rest = rest.slice(typeCode.length);

  const tail = /^([1-9]\d*)号(?:之(.+))?$/.exec(rest);
  if (!tail) return fail("type code must be followed by the sequence number (no leading zeros) and 号, optionally 之一, 之二 …");
  const suffixText = tail[2];
  const suffix = suffixText === undefined ? undefined : parseChineseNumeral(suffixText);
  if (suffix === null) return fail("the part after 之 must be a Chinese numeral such as 一, 二, 十一");

  const parsed: CaseNumber = { year: Number(head[1]), courtCode, typeCode, sequence: Number(tail[1]) };
  if (specialCode) parsed.specialCode = specialCode;
  if (suffix !== undefined) parsed.suffix = suffix;
  const violations = caseNumberViolations(parsed);
  if (violations.length > 0) return fail(violations.map((v) => v.description).join("; "));
  return parsed;
}

function caseNumberViolations(n: CaseNumber): Violation[] {
  const v: Violation[] = [];
  const field = (name: string) => `case_number.${name}`;
  if (!Number.isInteger(n.year) || n.year < 1000 || n.year > 9999) {
    v.push({ field: field("year"), description: "must be a four-digit year" });
  }
  if (!isCourtCode(n.courtCode)) {
    v.push({ field: field("court_code"), description: "must be 最高法 or a province character with optionally 2 or 4 digits" });
  }
  if (!(TYPE_CODES as readonly string[]).includes(n.typeCode)) {
    v.push({ field: field("type_code"), description: `must be one of ${TYPE_CODES.join(", ")}` });
  } else if (n.specialCode !== undefined && !caseTypeInfo(caseTypeOfTypeCode(n.typeCode)).specialTrialCodes.includes(n.specialCode)) {
    v.push({ field: field("special_code"), description: `special-trial code ${n.specialCode} is not used with type code ${n.typeCode}` });
  }
  if (!Number.isSafeInteger(n.sequence) || n.sequence < 1) {
    v.push({ field: field("sequence"), description: "must be a whole number from 1" });
  }
  if (n.suffix !== undefined && !(Number.isInteger(n.suffix) && n.suffix >= 1 && n.suffix <= MAX_NUMERAL)) {
    v.push({ field: field("suffix"), description: `must be a whole number from 1 to ${MAX_NUMERAL}` });
  }
  return v;
}

const DIGITS = "零一二三四五六七八九";
const UNITS = ["千", "百", "十", ""] as const;
const UNIT_VALUES: Readonly<Record<string, number>> = { 十: 10, 百: 100, 千: 1000 };
const MAX_NUMERAL = 9999;

/** 1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 101 → 一百零一, 110 → 一百一十 (1..9999). */
export function toChineseNumeral(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > MAX_NUMERAL) throw new RangeError(`${n} is not a whole number from 1 to ${MAX_NUMERAL}`);
  const digits = String(n).padStart(4, "0").split("").map(Number);
  let out = "";
  let pendingZero = false;
  digits.forEach((d, i) => {
    if (d === 0) {
      pendingZero = out !== "";
      return;
    }
    out += (pendingZero ? "零" : "") + DIGITS[d] + UNITS[i];
    pendingZero = false;
  });
  // 10–19 are written 十, 十一 … without a leading 一.
  return n >= 10 && n < 20 ? out.slice(1) : out;
}

/** Inverse of `toChineseNumeral`; null unless `text` is exactly how that function writes a number. */
export function parseChineseNumeral(text: string): number | null {
  let total = 0;
  let digit = 0;
  for (const ch of text) {
    const d = DIGITS.indexOf(ch);
    if (d >= 0) {
      digit = d;
      continue;
    }
    const unit = UNIT_VALUES[ch];
    if (unit === undefined) return null;
    total += (digit === 0 ? 1 : digit) * unit;
    digit = 0;
  }
  total += digit;
  // Accept only the canonical spelling, so 一十, 二二 or 零 are rejected rather than guessed.
  return total >= 1 && total <= MAX_NUMERAL && toChineseNumeral(total) === text ? total : null;
}
