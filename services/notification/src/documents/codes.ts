import { createHash, randomBytes } from "node:crypto";
import { DOCUMENT_TITLES, caseTypeName, materialName, numericDate, numericDateTime, partiesLine, redactIdentityNumbers, rejectionCategoryName } from "./format.js";
import { validateDocumentInput, type DocumentInput } from "./types.js";

/**
 * Alphabet of verification codes: digits 2–9 and A–Z without I, L, O (no 0/O, 1/I/L confusion
 * when read off paper): 31 characters, so 12 of them carry about 59 bits.
 */
export const VERIFICATION_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const ALPHABET_SIZE = VERIFICATION_CODE_ALPHABET.length; // 31
// Bytes at or above 248 (= 8 × 31) are dropped, so every character is equally likely.
const UNBIASED_LIMIT = 256 - (256 % ALPHABET_SIZE);

/** A new verification code: 12 characters of the alphabet from crypto.randomBytes, as K7QF-9XMA-2RTD. */
export function newVerificationCode(): string {
  const chars: string[] = [];
  while (chars.length < 12) {
    for (const b of randomBytes(16)) {
      if (b < UNBIASED_LIMIT && chars.length < 12) chars.push(VERIFICATION_CODE_ALPHABET[b % ALPHABET_SIZE]!);
    }
  }
  return `${chars.slice(0, 4).join("")}-${chars.slice(4, 8).join("")}-${chars.slice(8).join("")}`;
}

export { isVerificationCode, normalizeVerificationCode } from "@kuayu/domain";

/** SHA-256 (hex) of a document's bytes, as in DocumentInfo.sha256. */
export const sha256 = (buf: Uint8Array): string => createHash("sha256").update(buf).digest("hex");

/**
 * The facts printed on a document, in print order, as DocumentInfo.facts (Chinese keys). Party
 * names only: the input has no identity numbers, and any that appear in free text are masked.
 * Throws DocumentInputError as renderDocument does when the input lacks what its kind prints.
 */
export function documentFacts(input: DocumentInput): Record<string, string> {
  validateDocumentInput(input);
  const f: Record<string, string> = {};
  const put = (key: string, value: string | undefined) => {
    if (value !== undefined && value.trim() !== "") f[key] = redactIdentityNumbers(value.trim());
  };
  put("文书", DOCUMENT_TITLES[input.kind]);
  put("案号", input.caseNumber);
  put("案件类型", caseTypeName(input.caseType));
  put("收件编号", input.receiptNumber);
  put("当事人", partiesLine(input.caseType, input.parties));
  put("协作法院", input.collaboratingCourt);
  put("管辖法院", input.jurisdictionCourt);
  if (input.submittedAt) put("提交时间", numericDateTime(input.submittedAt));
  switch (input.kind) {
    case "receipt":
      put("收到材料", (input.materials ?? []).map((m) => `${materialName(input.caseType, m.kind)}（${m.fileName}）`).join("；"));
      break;
    case "acceptance-notice":
      if (input.decidedAt) put("受理日期", numericDate(input.decidedAt));
      break;
    case "non-acceptance":
      if (input.decidedAt) put("决定日期", numericDate(input.decidedAt));
      if (input.rejection) {
        put("不予受理类别", rejectionCategoryName(input.rejection.category));
        put("理由", input.rejection.reason);
        put("法律依据", input.rejection.legalBasis);
      }
      break;
    case "correction-notice":
      if (input.correction) {
        put("补正事项", input.correction.items.map((item, i) => `${i + 1}. ${materialName(input.caseType, item.materialKind)}：${item.description}`).join("；"));
        put("补正期限", numericDateTime(input.correction.deadline));
      }
      break;
  }
  put("出具日期", numericDate(input.issuedAt));
  return f;
}
