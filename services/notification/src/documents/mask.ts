import { maskName } from "@kuayu/domain";
import type { DocumentInput } from "./types.js";

/*
 * Masked names for what VerifyDocument returns to anyone with a token: enough to recognise the
 * paper in one's hand (张*三), not a list of who is in court. The PDF itself prints the names in
 * full: the party holds it, and its seal covers it.
 */

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
