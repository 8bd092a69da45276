import { randomBytes, X509Certificate } from "node:crypto";
import type { FileStore } from "@kuayu/mongo";
import type { Logger } from "@kuayu/logger";
import { issuerOf, type DocumentKind, type FilingFacts } from "../domain/notify.js";
import { renderDocument, type DocumentInput } from "../documents/render.js";
import { documentFacts, newVerificationCode, sha256 } from "../documents/codes.js";
import { sealPdf } from "../documents/seal.js";
import type { Court, SealKeys } from "../documents/seal-keys.js";
import { insertAll, insertOnce, type DocumentDoc, type DocumentPdfDoc, type Store } from "./store.js";

const REJECTION_NAMES: Record<string, string> = {
  "no-jurisdiction": "不属于本院管辖",
  "outside-court-scope": "不属于人民法院受理范围",
  "conditions-not-met": "不符合法定起诉条件",
  duplicate: "重复起诉",
  "corrections-missing": "逾期未补正",
  other: "其他",
};

const date = (d: Date | undefined): Date | undefined => (d ? new Date(d.getTime()) : undefined);

/**
 * What the renderer needs for the document of a filing, as plain data (strings, numbers, Dates,
 * arrays and plain objects, nothing else): it is stored in the document record and rendered from
 * there, possibly much later, by whichever replica is asked for the PDF.
 */
export function documentInput(f: FilingFacts, kind: DocumentKind, verificationCode: string, issuedAt: Date, courtName: (id: string) => string): DocumentInput {
  return {
    kind,
    verificationCode,
    issuedAt: new Date(issuedAt.getTime()),
    filingId: f.filingId,
    caseType: f.caseType!,
    collaboratingCourt: courtName(f.collaboratingCourtId),
    jurisdictionCourt: courtName(f.jurisdictionCourtId),
    receiptNumber: f.receiptNumber,
    parties: f.parties.filter((p) => p.name).map((p) => ({ role: p.role, name: p.name })),
    submittedAt: date(f.submittedAt),
    materials: (f.materials ?? []).map((m) => ({ kind: m.kind, fileName: m.fileName })),
    caseNumber: f.caseNumber || undefined,
    decidedAt: date(f.decidedAt),
    rejection: f.rejection && {
      category: REJECTION_NAMES[f.rejection.category] ?? f.rejection.category,
      reason: f.rejection.reason,
      legalBasis: f.rejection.legalBasis,
    },
    correction: f.correction && {
      items: f.correction.items.map((i) => ({ materialKind: i.materialKind, description: i.description })),
      deadline: new Date(f.correction.deadline.getTime()),
      note: f.correction.note,
    },
  };
}

/**
 * The record of the printable document an event calls for, once per (filing, kind, round) — the
 * unique `key`: its verification code, the facts printed on it (for VerifyDocument) and its
 * DocumentInput. No PDF: most documents are never downloaded, so the PDF is rendered on the first
 * GetDocument (`documentPdfs`). Undefined while the facts lack the case type (nothing to print).
 */
export function documentRecord(f: FilingFacts, kind: DocumentKind, round: number, courtName: (id: string) => string): DocumentDoc | undefined {
  if (!f.caseType) return undefined;
  const code = newVerificationCode();
  const issuedAt = new Date();
  const input = documentInput(f, kind, code, issuedAt, courtName);
  return {
    _id: code,
    key: `${f.filingId}:${kind}:${round}`,
    filingId: f.filingId,
    kind,
    issuedAt,
    facts: documentFacts(input),
    input,
    collaboratingCourtId: f.collaboratingCourtId,
    jurisdictionCourtId: f.jurisdictionCourtId,
  };
}

/**
 * Inserts document records at once. A record whose key is there already was issued before (a
 * redelivery, another replica): it keeps its first code, the new one is dropped.
 */
export async function issueDocuments(store: Store, records: DocumentDoc[], log: Logger): Promise<void> {
  for (const d of await insertAll(store.documents, records)) log.info({ filing: d.filingId, kind: d.kind, code: d._id }, "document issued");
}

/**
 * Issues one document (documentRecord, issueDocuments). `_files` is unused since rendering became
 * lazy (the PDFs are written by `documentPdfs`).
 */
export function documentIssuer(store: Store, _files: FileStore, courtName: (id: string) => string, log: Logger) {
  return async (f: FilingFacts, kind: DocumentKind, round: number): Promise<void> => {
    const record = documentRecord(f, kind, round, courtName);
    if (record) await issueDocuments(store, [record], log);
  };
}

export interface RenderedPdf {
  pdf: Buffer;
  /** SHA-256 (hex) of `pdf`: the document's DocumentInfo.sha256 from now on. */
  sha256: string;
}

/** The document's PDF is stored under a file id of its own for each render: `<code>.<8 hex>`. */
const newFileId = (code: string) => `${code}.${randomBytes(4).toString("hex")}`;

/** GridFS said the file is not there (FileNotFound) or its chunks are not what the file says. */
const brokenFile = (err: unknown) => (err as { code?: unknown }).code === "ENOENT" || (err as Error).name === "MongoGridFSChunkError";

/**
 * The PDF of a document record, rendered the first time it is asked for and served from GridFS
 * (bucket `documents`) after that.
 *
 * How concurrent first requests (two replicas, or two calls here) stay safe, given that the store
 * makes only inserts of a new _id and deletes by _id atomic:
 * - each render writes its bytes to a GridFS file of a fresh id, which no one else writes
 *   (FileStore.write removes what it wrote when it fails: a shared id could lose another's file);
 * - it then inserts `document_pdfs` {_id: code, fileId, sha256}. The first insert wins and is
 *   never changed; the loser removes its own file and serves the winner's bytes (its own when they
 *   are the same, which with deterministic rendering and sealing and the same fonts and seal key they are);
 * - the record's sha256 is then set to the winner's (every writer sets the same value, so the
 *   update needs no atomicity), before any byte is served.
 * Readers thus see either no `document_pdfs` entry (and render) or one whose file is complete.
 * A crash between the file write and the insert leaves an unreferenced file (removed by
 * FileStore.sweep with `pdfReferences`), never a wrong one. A file found missing or not matching its hash
 * is dropped and rendered again.
 *
 * Records issued before rendering was lazy have no `input`: their PDF was stored under the code
 * itself and is served as it is.
 */
/** Which of these files (`<code>.<hex>`) are the stored PDF of their document: for FileStore.sweep. */
export function pdfReferences(store: Store) {
  return async (_filingId: string, fileIds: string[]): Promise<Set<string>> => {
    const kept = new Set<string>();
    for (const id of fileIds) {
      const entry = await store.documentPdfs.findOne({ _id: id.slice(0, id.lastIndexOf(".")) }, { projection: { fileId: 1 } });
      if (entry?.fileId === id) kept.add(id);
    }
    return kept;
  };
}

/** The court that issues (and seals) a document: the window for a receipt, else the jurisdiction court. */
export function issuingCourt(d: Pick<DocumentDoc, "kind" | "collaboratingCourtId" | "jurisdictionCourtId">, input?: Pick<DocumentInput, "collaboratingCourt" | "jurisdictionCourt">): Court {
  return issuerOf(d.kind as DocumentKind) === "window"
    ? { id: d.collaboratingCourtId, name: input?.collaboratingCourt ?? d.collaboratingCourtId }
    : { id: d.jurisdictionCourtId, name: input?.jurisdictionCourt ?? d.jurisdictionCourtId };
}

/** Seals a rendered document's PDF (see `courtSealer`). */
export type SealDocument = (pdf: Buffer, d: DocumentDoc, input: DocumentInput) => Promise<Buffer>;

/**
 * The seal's signing time (/M): the document's issue time, or the start of the court's certificate
 * when that is later (a certificate issued or renewed after the document) — whole seconds, so that
 * the same document and key always give the same bytes, on any replica and when rendered again.
 */
export function sealTime(issuedAt: Date, certificate: Uint8Array): Date {
  const issued = Math.floor(issuedAt.getTime() / 1000) * 1000;
  return new Date(Math.max(issued, new Date(new X509Certificate(certificate).validFrom).getTime()));
}

/**
 * Seals each rendered PDF with its issuing court's key (`keys`, the SealKeys port): PAdES,
 * src/documents/seal.ts, at `sealTime`. A court without a key fails the rendering, so a notice is
 * never served unsealed.
 */
export function courtSealer(keys: SealKeys): SealDocument {
  return async (pdf, d, input) => {
    const key = await keys.forCourt(issuingCourt(d, input));
    return sealPdf(pdf, key, { signedAt: sealTime(d.issuedAt, key.certificate), verificationCode: d._id });
  };
}

/**
 * `seal`: applied to each new render before it is stored (the app always passes one; tests of the
 * cache alone may leave it out).
 */
export function documentPdfs(store: Store, files: FileStore, log: Logger, render: (input: DocumentInput) => Promise<Buffer> = renderDocument, seal?: SealDocument) {
  const inflight = new Map<string, Promise<RenderedPdf>>();

  // A file no entry refers to (any more) is only wasted space: failing to remove it fails nothing.
  const removeFile = (id: string) => files.remove(id).catch((err: unknown) => log.warn({ err, file: id }, "could not remove an unused document PDF"));

  const readAll = async (id: string): Promise<Buffer> => {
    const parts: Uint8Array[] = [];
    for await (const chunk of files.read(id)) parts.push(chunk);
    return Buffer.concat(parts);
  };

  /** The stored PDF of `entry` when it is whole; else undefined, with the entry and file dropped. */
  async function stored(entry: DocumentPdfDoc): Promise<Buffer | undefined> {
    let problem: string;
    try {
      const pdf = await readAll(entry.fileId);
      if (sha256(pdf) === entry.sha256) return pdf;
      problem = "its bytes do not match their SHA-256";
    } catch (err) {
      if (!brokenFile(err)) throw err; // the store being unreachable is no reason to drop anything
      problem = (err as Error).message;
    }
    log.warn({ code: entry._id, file: entry.fileId, problem }, "stored document PDF is broken; rendering it again");
    await store.documentPdfs.deleteOne({ _id: entry._id });
    await removeFile(entry.fileId);
    return undefined;
  }

  /** Records the hash on the document (what VerifyDocument returns) unless it is there already. */
  async function recordHash(d: DocumentDoc, entry: DocumentPdfDoc): Promise<void> {
    if (d.sha256 !== entry.sha256) {
      await store.documents.updateOne({ _id: d._id }, { $set: { sha256: entry.sha256, renderedAt: entry.renderedAt } });
    }
  }

  async function renderAndStore(d: DocumentDoc, input: DocumentInput): Promise<RenderedPdf> {
    const code = d._id;
    const existing = await store.documentPdfs.findOne({ _id: code });
    if (existing) {
      const pdf = await stored(existing);
      if (pdf) {
        await recordHash(d, existing);
        return { pdf, sha256: existing.sha256 };
      }
    }
    const t0 = performance.now();
    const rendered = await render(input);
    const pdf = seal ? await seal(rendered, d, input) : rendered;
    const ms = Math.round(performance.now() - t0);
    const entry: DocumentPdfDoc = { _id: code, fileId: newFileId(code), sha256: sha256(pdf), sizeBytes: pdf.length, renderedAt: new Date() };
    await files.write(
      entry.fileId,
      d.filingId,
      (async function* () {
        yield pdf;
      })(),
    );
    if (await insertOnce(store.documentPdfs, entry)) {
      await recordHash(d, entry);
      log.info({ filing: d.filingId, kind: d.kind, code, bytes: pdf.length, ms }, "document rendered");
      return { pdf, sha256: entry.sha256 };
    }
    // Another replica stored it first: its bytes are the document's.
    await removeFile(entry.fileId);
    const winner = await store.documentPdfs.findOne({ _id: code });
    if (!winner) throw new Error(`document ${code}: its stored PDF went away while it was being stored; ask again`);
    await recordHash(d, winner);
    if (winner.sha256 === entry.sha256) return { pdf, sha256: entry.sha256 };
    log.warn({ code, ours: entry.sha256, theirs: winner.sha256 }, "another replica rendered other bytes for this document (other fonts or seal key?); serving theirs");
    const theirs = await readAll(winner.fileId);
    if (sha256(theirs) !== winner.sha256) throw new Error(`document ${code}: the stored PDF does not match its SHA-256; ask again`);
    return { pdf: theirs, sha256: winner.sha256 };
  }

  return async (d: DocumentDoc): Promise<RenderedPdf> => {
    if (!d.input) {
      // Issued (and rendered) before rendering was lazy: stored under the code.
      if (!d.sha256) throw new Error(`document ${d._id} has neither a PDF nor what it takes to render one`);
      return { pdf: await readAll(d._id), sha256: d.sha256 };
    }
    const running = inflight.get(d._id);
    if (running) return running;
    const p = renderAndStore(d, d.input).finally(() => inflight.delete(d._id));
    inflight.set(d._id, p);
    return p;
  };
}

/**
 * The SHA-256 of a document's PDF for VerifyDocument, or "" while it has never been rendered
 * (nobody has downloaded it yet: there is no PDF whose hash could be given; the code still
 * verifies the facts).
 */
export async function documentHash(store: Store, d: DocumentDoc): Promise<string> {
  if (d.sha256) return d.sha256;
  // Rendered and stored, but the process stopped before it wrote the hash on the record.
  if (d.input) return (await store.documentPdfs.findOne({ _id: d._id }))?.sha256 ?? "";
  return "";
}
