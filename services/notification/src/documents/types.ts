import { types } from "node:util";
import { isCaseType, VERIFICATION_CODE_PATTERN, type CaseType } from "@kuayu/domain";

/** The printable documents (proto kuayu.notification.v1.DocumentKind). */
export const DOCUMENT_KINDS = ["receipt", "acceptance-notice", "non-acceptance", "correction-notice"] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export const PARTY_ROLES = ["plaintiff", "defendant", "third-party"] as const;
export type PartyRole = (typeof PARTY_ROLES)[number];

export interface DocumentParty {
  role: PartyRole;
  /** Name of the person or organisation; identity numbers never go on a document. */
  name: string;
}

/** Everything printed on one document; court names, not ids. */
export interface DocumentInput {
  kind: DocumentKind;
  /** From `newVerificationCode()`, e.g. K7QF-9XMA-2RTD. */
  verificationCode: string;
  /** Printed as the document's date; also its PDF CreationDate/ModDate. */
  issuedAt: Date;
  filingId: string;
  caseType: CaseType;
  /** 协作法院: where the filer submitted (issues the receipt). */
  collaboratingCourt: string;
  /** 管辖法院: decides (issues the other three). */
  jurisdictionCourt: string;
  /** 收件编号, e.g. KY-110105-20261128-000001. */
  receiptNumber: string;
  parties: DocumentParty[];
  /** receipt: required; others: printed when given. */
  submittedAt?: Date;
  /** receipt: the materials received; `kind` is a checklist item id of the case type. */
  materials?: { kind: string; fileName: string }[];
  /** acceptance-notice: required (e.g. （2026）京0105民初1号); non-acceptance: printed when given. */
  caseNumber?: string;
  /** acceptance-notice and non-acceptance: the date of the decision. */
  decidedAt?: Date;
  /** non-acceptance: `category` is a decision RejectionCategory id (e.g. no-jurisdiction) or Chinese text. */
  rejection?: { category: string; reason: string; legalBasis: string };
  /** correction-notice: every item at once (一次性告知) and the deadline; `materialKind` "" for a general item. */
  correction?: { items: { materialKind: string; description: string }[]; deadline: Date; note: string };
}

/** The input lacks what its kind of document prints; `problems` names each field. */
export class DocumentInputError extends Error {
  override name = "DocumentInputError";
  constructor(
    readonly kind: string,
    readonly problems: readonly string[],
  ) {
    super(`cannot render ${kind} document: ${problems.join("; ")}`);
  }
}

export { VERIFICATION_CODE_PATTERN } from "@kuayu/domain";

// util.types.isDate, not instanceof: a Date from another realm (vm, structuredClone in tests) counts too.
const isDate = (d: unknown): d is Date => types.isDate(d) && !Number.isNaN(d.getTime());
const isText = (s: unknown): s is string => typeof s === "string" && s.trim() !== "";

/** Throws `DocumentInputError` listing every missing or invalid field for `input.kind`. */
export function validateDocumentInput(input: DocumentInput): void {
  const p: string[] = [];
  const need = (ok: boolean, what: string) => {
    if (!ok) p.push(what);
  };
  const kind = (DOCUMENT_KINDS as readonly string[]).includes(input.kind) ? input.kind : undefined;
  need(kind !== undefined, `kind must be one of ${DOCUMENT_KINDS.join(", ")} (got ${JSON.stringify(input.kind)})`);
  need(typeof input.verificationCode === "string" && VERIFICATION_CODE_PATTERN.test(input.verificationCode), "verificationCode must look like K7QF-9XMA-2RTD");
  need(isDate(input.issuedAt), "issuedAt (a valid Date) is missing");
  need(isText(input.filingId), "filingId is missing");
  need(isCaseType(input.caseType), `caseType is missing or unknown (got ${JSON.stringify(input.caseType)})`);
  need(isText(input.collaboratingCourt), "collaboratingCourt (name) is missing");
  need(isText(input.jurisdictionCourt), "jurisdictionCourt (name) is missing");
  need(isText(input.receiptNumber), "receiptNumber is missing");
  if (!Array.isArray(input.parties) || input.parties.length === 0) p.push("parties is missing");
  else {
    input.parties.forEach((party, i) => {
      need((PARTY_ROLES as readonly string[]).includes(party?.role), `parties[${i}].role must be one of ${PARTY_ROLES.join(", ")}`);
      need(isText(party?.name), `parties[${i}].name is missing`);
    });
    need(
      input.parties.some((party) => party?.role === "plaintiff"),
      "parties needs a plaintiff (the filing party the document is addressed to)",
    );
  }
  for (const f of ["submittedAt", "decidedAt"] as const) {
    if (input[f] !== undefined) need(isDate(input[f]), `${f} must be a valid Date`);
  }

  switch (kind) {
    case "receipt":
      need(isDate(input.submittedAt), "submittedAt is missing");
      if (!Array.isArray(input.materials) || input.materials.length === 0) p.push("materials (the materials received) is missing");
      else
        input.materials.forEach((m, i) => {
          need(isText(m?.kind), `materials[${i}].kind is missing`);
          need(isText(m?.fileName), `materials[${i}].fileName is missing`);
        });
      break;
    case "acceptance-notice":
      need(isText(input.caseNumber), "caseNumber is missing");
      need(isDate(input.decidedAt), "decidedAt (the acceptance date) is missing");
      break;
    case "non-acceptance":
      need(isDate(input.decidedAt), "decidedAt (the date of the decision) is missing");
      if (!input.rejection) p.push("rejection (category, reason, legalBasis) is missing");
      else {
        need(isText(input.rejection.category), "rejection.category is missing");
        need(isText(input.rejection.reason), "rejection.reason is missing");
        need(isText(input.rejection.legalBasis), "rejection.legalBasis is missing");
      }
      break;
    case "correction-notice":
      if (!input.correction) p.push("correction (items, deadline, note) is missing");
      else {
        const c = input.correction;
        if (!Array.isArray(c.items) || c.items.length === 0) p.push("correction.items is missing");
        else
          c.items.forEach((item, i) => {
            need(typeof item?.materialKind === "string", `correction.items[${i}].materialKind must be a string ("" for a general item)`);
            need(isText(item?.description), `correction.items[${i}].description is missing`);
          });
        need(isDate(c.deadline), "correction.deadline is missing");
        need(typeof c.note === "string", "correction.note must be a string (may be empty)");
      }
      break;
    case undefined:
      break;
  }
  if (p.length > 0) throw new DocumentInputError(String(input.kind), p);
}
