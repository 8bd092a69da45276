import type { FileStore } from "@kuayu/mongo";
import type { Logger } from "@kuayu/logger";
import type { DocumentKind, FilingFacts } from "../domain/notify.js";
import { renderDocument, type DocumentInput } from "../documents/render.js";
import { documentFacts, newVerificationCode, sha256 } from "../documents/codes.js";
import { insertOnce, type Store } from "./store.js";

const REJECTION_NAMES: Record<string, string> = {
  "no-jurisdiction": "不属于本院管辖",
  "outside-court-scope": "不属于人民法院受理范围",
  "conditions-not-met": "不符合法定起诉条件",
  duplicate: "重复起诉",
  "corrections-missing": "逾期未补正",
  other: "其他",
};

/**
 * Issues the printable document an event calls for, once per (filing, kind, round): renders it,
 * stores the PDF (GridFS bucket `documents`, keyed by its verification code) and records its hash
 * and printed facts for VerifyDocument.
 */
export function documentIssuer(store: Store, files: FileStore, courtName: (id: string) => string, log: Logger) {
  return async (f: FilingFacts, kind: DocumentKind, round: number): Promise<void> => {
    const key = `${f.filingId}:${kind}:${round}`;
    if (!f.caseType || (await store.documents.findOne({ key }))) return;
    const code = newVerificationCode();
    const issuedAt = new Date();
    const input: DocumentInput = {
      kind,
      verificationCode: code,
      issuedAt,
      filingId: f.filingId,
      caseType: f.caseType,
      collaboratingCourt: courtName(f.collaboratingCourtId),
      jurisdictionCourt: courtName(f.jurisdictionCourtId),
      receiptNumber: f.receiptNumber,
      parties: f.parties.filter((p) => p.name),
      submittedAt: f.submittedAt,
      materials: f.materials,
      caseNumber: f.caseNumber || undefined,
      decidedAt: f.decidedAt,
      rejection: f.rejection && { ...f.rejection, category: REJECTION_NAMES[f.rejection.category] ?? f.rejection.category },
      correction: f.correction,
    };
    const pdf = await renderDocument(input);
    await files.write(code, f.filingId, (async function* () {
      yield pdf;
    })());
    const inserted = await insertOnce(store.documents, {
      _id: code,
      key,
      filingId: f.filingId,
      kind,
      sha256: sha256(pdf),
      issuedAt,
      facts: documentFacts(input),
      collaboratingCourtId: f.collaboratingCourtId,
      jurisdictionCourtId: f.jurisdictionCourtId,
    });
    // The key (filing, kind, round) is unique: another replica or a redelivery issued it first.
    if (!inserted) {
      await files.remove(code);
      return;
    }
    await files.committed(code);
    log.info({ filing: f.filingId, kind, code }, "document issued");
  };
}
