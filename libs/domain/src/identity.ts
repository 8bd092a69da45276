/**
 * Identity numbers of parties: the resident identity number of a person (公民身份号码,
 * GB 11643-1999) and the unified social credit code of an organisation (统一社会信用代码,
 * GB 32100-2015). Both are personal or business data: show them only through
 * `maskIdentityNumber` and never log them in full.
 */

/** Weights of the 17 body digits of a resident identity number: 2^(17-i) mod 11. */
const RESIDENT_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
/** Check character of a resident identity number, indexed by (weighted sum mod 11). */
const RESIDENT_ID_CHECK = "10X98765432";

/**
 * First two digits of the address code: the provinces, autonomous regions and municipalities
 * of GB/T 2260 (11 Beijing … 65 Xinjiang, 71 Taiwan, 81 Hong Kong, 82 Macao), plus 83, which
 * GB/T 2260 does not list but the residence permits of Taiwan residents use (830000), as those
 * of Hong Kong and Macao residents use 810000 and 820000.
 */
const PROVINCE_CODES: ReadonlySet<string> = new Set([
  "11",
  "12",
  "13",
  "14",
  "15",
  "21",
  "22",
  "23",
  "31",
  "32",
  "33",
  "34",
  "35",
  "36",
  "37",
  "41",
  "42",
  "43",
  "44",
  "45",
  "46",
  "50",
  "51",
  "52",
  "53",
  "54",
  "61",
  "62",
  "63",
  "64",
  "65",
  "71",
  "81",
  "82",
  "83",
]);

/** Offset of China Standard Time (UTC+8, no daylight saving since 1991) in milliseconds. */
const CHINA_UTC_OFFSET_MS = 8 * 60 * 60 * 1000;

/**
 * Checks an 18-character resident identity number (GB 11643-1999): 6-digit address code,
 * 8-digit birth date (YYYYMMDD), 3-digit sequence and a check character (0-9 or X, ISO 7064
 * MOD 11-2). The address code is checked only for its province (first two digits); the birth
 * date must be a real calendar date from 1900-01-01 to `today` (as a date in China, UTC+8).
 * The input is taken as is: no trimming, and a lowercase `x` is rejected.
 *
 * @returns undefined when valid, otherwise a short English reason.
 */
export function validateResidentId(id: string, today: Date = new Date()): string | undefined {
  if (id.length !== 18) return "must be 18 characters";
  if (!/^\d{17}$/.test(id.slice(0, 17))) return "first 17 characters must be digits";
  const last = id.charAt(17);
  if (last === "x") return "check character must be an uppercase X, not a lowercase x";
  if (!/^[0-9X]$/.test(last)) return "last character must be a digit or X";
  if (!PROVINCE_CODES.has(id.slice(0, 2))) return "invalid province code";

  const year = Number(id.slice(6, 10));
  const month = Number(id.slice(10, 12));
  const day = Number(id.slice(12, 14));
  const birth = new Date(Date.UTC(year, month - 1, day));
  const isRealDate = birth.getUTCFullYear() === year && birth.getUTCMonth() === month - 1 && birth.getUTCDate() === day;
  if (!isRealDate || year < 1900) return "invalid birth date";
  const local = new Date(today.getTime() + CHINA_UTC_OFFSET_MS);
  const todayUtc = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  if (birth.getTime() > todayUtc) return "birth date is in the future";

  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * RESIDENT_ID_WEIGHTS[i]!;
  if (RESIDENT_ID_CHECK[sum % 11] !== last) return "check digit mismatch";
  return undefined;
}

/** Characters of a unified social credit code (no I, O, S, V, Z); a character's value is its index. */
const CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/** Weights of the 17 body characters of a unified social credit code: 3^i mod 31. */
const CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

/**
 * Checks an 18-character unified social credit code (GB 32100-2015): registration-authority
 * code (1), organisation-type code (1), region code (6 digits), organisation code (9) and a
 * check character, all from `0-9A-Z` without I, O, S, V, Z. The check character's value is
 * 31 - (weighted sum mod 31), with 31 written as 0. The authority and type codes are not
 * checked against their tables, nor the region code against GB/T 2260 (central bodies use
 * 100000), nor the organisation code's own GB 11714 check character. The input is taken as
 * is: no trimming, and lowercase letters are rejected.
 *
 * @returns undefined when valid, otherwise a short English reason.
 */
export function validateCreditCode(code: string): string | undefined {
  if (code.length !== 18) return "must be 18 characters";
  const values = [...code].map((ch) => CREDIT_CODE_CHARS.indexOf(ch));
  if (values.some((v) => v < 0)) return "only digits and uppercase letters other than I, O, S, V, Z are allowed";
  if (!/^\d{6}$/.test(code.slice(2, 8))) return "characters 3-8 (region code) must be digits";

  let sum = 0;
  for (let i = 0; i < 17; i++) sum += values[i]! * CREDIT_CODE_WEIGHTS[i]!;
  const check = (31 - (sum % 31)) % 31;
  if (values[17] !== check) return "check character mismatch";
  return undefined;
}

/**
 * Masks an identity number for display: keeps the first 3 and last 2 characters and replaces
 * the rest with `*`, keeping the length (`11010519491231002X` → `110*************2X`).
 * Input of 5 characters or fewer is masked entirely, so nothing is ever shown in full.
 */
export function maskIdentityNumber(s: string): string {
  const chars = [...s];
  if (chars.length <= 5) return "*".repeat(chars.length);
  return chars.slice(0, 3).join("") + "*".repeat(chars.length - 5) + chars.slice(-2).join("");
}

/** Endings of organisations' names kept in view: 北京某贸易有限公司 → 北京***有限公司. */
const ORG_SUFFIXES = [
  "股份有限公司",
  "有限责任公司",
  "有限公司",
  "合伙企业",
  "事务所",
  "委员会",
  "研究院",
  "集团",
  "公司",
  "银行",
  "医院",
  "学校",
  "大学",
  "中心",
  "协会",
  "法院",
  "政府",
  "局",
  "厂",
  "社",
  "行",
  "店",
];

const stars = (n: number) => "*".repeat(Math.max(1, n));

/**
 * A party's name masked: a person's of two characters keeps the first (张*), a longer one the first
 * and the last (张*三, 欧**明); an organisation's keeps its first two characters and its kind
 * (北京***有限公司), or the first two and last two when it has none of the known endings. Latin
 * names keep each word's first letter (J*** S****).
 */
export function maskName(name: string): string {
  const n = name.trim();
  const chars = [...n];
  if (chars.length === 0) return "";
  if (/^[\x20-\x7e]+$/.test(n)) return n.replace(/\S+/g, (w) => w[0] + stars(w.length - 1));
  const suffix = chars.length > 4 ? ORG_SUFFIXES.find((s) => n.endsWith(s) && chars.length - [...s].length >= 2) : undefined;
  if (suffix) {
    const body = chars.slice(0, chars.length - [...suffix].length);
    return body.slice(0, 2).join("") + stars(body.length - 2) + suffix;
  }
  if (chars.length > 4) return chars.slice(0, 2).join("") + stars(chars.length - 4) + chars.slice(-2).join("");
  if (chars.length === 1) return "*";
  if (chars.length === 2) return `${chars[0]}*`;
  return chars[0] + stars(chars.length - 2) + chars[chars.length - 1];
}
