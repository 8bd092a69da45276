import type { DocumentInput } from "./types.js";

/*
 * Masked names for what VerifyDocument returns to anyone with a token: enough to recognise the
 * paper in one's hand (张*三), not a list of who is in court. The PDF itself prints the names in
 * full: the party holds it, and its seal covers it.
 */

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

/** The names in a 当事人 fact ("原告：张三、王五；被告：某公司"), for records that kept no input. */
function namesInPartiesFact(line: string): string[] {
  return line
    .split("；")
    .flatMap((part) => (part.includes("：") ? part.slice(part.indexOf("：") + 1) : part).split("、"))
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The facts with every party's name masked wherever it appears (当事人, but also a reason, a
 * correction item or a file name that repeats it). The names are the input's parties, or for a
 * record without input those of its 当事人 fact.
 */
export function maskFacts(facts: Readonly<Record<string, string>>, input: Pick<DocumentInput, "parties"> | undefined): Record<string, string> {
  const names = new Set((input?.parties ?? []).map((p) => p.name.trim()).filter(Boolean));
  for (const n of namesInPartiesFact(facts["当事人"] ?? "")) names.add(n);
  // Longest first, so that 张三丰 is masked whole before 张三 is looked for.
  const ordered = [...names].sort((a, b) => [...b].length - [...a].length);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(facts)) {
    let masked = v;
    for (const n of ordered) masked = masked.split(n).join(maskName(n));
    out[k] = masked;
  }
  return out;
}
