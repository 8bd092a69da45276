// `kuayu document verify FILE.pdf`: the court seal in the PDF (offline, libs/seal) and, unless
// --offline, the verification code in it against the service (VerifyDocument).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { notificationV1 } from "@kuayu/proto";
import { SealError, verifyPdfSeal, type SealReport } from "@kuayu/seal";
import { CliUsageError } from "./filing.js";

/** Where the court seal CA certificate is looked for: --seal-ca, KUAYU_SEAL_CA, the development CA of the checkout. */
export function sealCaFile(option: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const file = option ?? env.KUAYU_SEAL_CA ?? path.join(env.KUAYU_ROOT ?? cwd, ".secrets/court-seal/ca.crt.pem");
  if (!existsSync(file)) throw new CliUsageError(`no court seal CA certificate at ${file}: pass --seal-ca <pem> or set KUAYU_SEAL_CA`);
  return file;
}

/** The seal of `file` checked against the CA in `caFile`; SealError says why it does not hold. */
export function checkSeal(file: string, caFile: string): SealReport {
  let pdf: Buffer;
  try {
    pdf = readFileSync(file);
  } catch (err) {
    throw new CliUsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return verifyPdfSeal(pdf, { trusted: [readFileSync(caFile, "utf8")] });
}

/**
 * What the service says of the code in the seal, against the file: the same issuing court as the
 * certificate, and the file's SHA-256 the one of the document the service issued. Empty: it holds.
 */
export function onlineProblems(seal: SealReport, d: notificationV1.DocumentInfo | undefined): string[] {
  if (!d) return ["the service answered without a document"];
  const problems: string[] = [];
  if (d.issuingCourtId && d.issuingCourtId !== seal.courtId) problems.push(`the service says court ${d.issuingCourtId} issued code ${d.verificationCode}, but the seal is court ${seal.courtId}'s`);
  if (!d.sha256) problems.push(`the service has no PDF issued under code ${d.verificationCode}`);
  else if (d.sha256 !== seal.fileSha256)
    problems.push(`the file's SHA-256 ${seal.fileSha256} is not the issued document's ${d.sha256}: it is another copy of code ${d.verificationCode}, or it was altered`);
  return problems;
}

export interface SealVerdict {
  file: string;
  valid: boolean;
  /** Why not, when not valid. */
  reason?: string;
  seal?: SealReport;
  document?: notificationV1.DocumentInfo;
  kindLabel?: string;
  offline: boolean;
}

const chinaDate = (d: Date | undefined) => (d ? new Date(d.getTime() + 8 * 3600_000).toISOString().replace("T", " ").slice(0, 16) : "-");

/** Text of a verdict: VALID or INVALID and why, then court, kind, date, case number, digest. */
export function formatSealVerdict(v: SealVerdict): string {
  const field = (k: string, val: string) => `${k.padEnd(19)}${val}`;
  const lines = [
    v.valid ? `VALID: ${v.file} is sealed by ${v.seal!.courtName}${v.offline ? " (signature only: --offline)" : " and is the document issued under its code"}` : `INVALID: ${v.file}: ${v.reason}`,
  ];
  if (v.seal) {
    const facts = v.document?.facts ?? {};
    lines.push(
      "",
      field("court", `${v.seal.courtName} (${v.seal.courtId})`),
      field("kind", v.kindLabel ?? facts["文书"] ?? "-"),
      field("issued", facts["出具日期"] ?? "-"),
      field("sealed (UTC+8)", chinaDate(v.seal.signedAt)),
      field("case number", facts["案号"] ?? (v.document ? "-" : "(--offline: ask the service)")),
      field("receipt number", facts["收件编号"] ?? "-"),
      field("verification code", v.seal.verificationCode ?? "-"),
      field("signed digest", `SHA-256 ${v.seal.signedDigest}`),
      field("file sha256", v.seal.fileSha256),
      field("seal CA", v.seal.issuer),
    );
  }
  return lines.join("\n");
}

export { SealError };
