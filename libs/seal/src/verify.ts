import { verify as nodeVerify, X509Certificate } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { OID, sha256 } from "./cms.js";

/** Why a seal does not hold: the first check that failed, in words for the person holding the paper. */
export class SealError extends Error {
  override name = "SealError";
}

/** What a valid court seal says. */
export interface SealReport {
  /** The signer certificate's CN and serialNumber: the issuing court. */
  courtName: string;
  courtId: string;
  /** The CA's subject (as node prints it) that issued the court's certificate. */
  issuer: string;
  /** ETSI.CAdES.detached or adbe.pkcs7.detached. */
  subFilter: string;
  /** The signature dictionary's /M: when the court says it sealed the document. */
  signedAt: Date | undefined;
  /** The verification code in the signature's /Reason, when there is one. */
  verificationCode: string | undefined;
  /** SHA-256 (hex) of the bytes the signature covers, and of the whole file. */
  signedDigest: string;
  fileSha256: string;
}

export interface VerifyOptions {
  /** The court seal CA certificates (PEM, one or several in one string, or DER) a signer must chain to. */
  trusted: (string | Uint8Array)[];
}

const ab = (u: Uint8Array): ArrayBuffer => u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;
const hex = (b: ArrayBuffer | Uint8Array) => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString("hex");

/** Every certificate of a PEM bundle (or one DER). */
export function parseCertificates(input: string | Uint8Array): X509Certificate[] {
  if (typeof input !== "string") return [new X509Certificate(input)];
  const pems = input.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) throw new SealError("the court seal CA file holds no PEM certificate");
  return pems.map((p) => new X509Certificate(p));
}

/** `D:YYYYMMDDHHmmSS[Z|+HH'mm']` of a PDF date string. */
function pdfDate(s: string): Date | undefined {
  const m = /^D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(Z|([+-])(\d{2})'?(\d{2})'?)?/.exec(s);
  if (!m) return undefined;
  const utc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  const offset = m[8] ? (m[8] === "-" ? -1 : 1) * (+m[9]! * 60 + +m[10]!) * 60_000 : 0;
  return new Date(utc - offset);
}

function subjectValue(name: pkijs.RelativeDistinguishedNames, oid: string): string | undefined {
  const v = name.typesAndValues.find((t) => t.type === oid)?.value as { valueBlock?: { value?: unknown } } | undefined;
  return typeof v?.valueBlock?.value === "string" ? v.valueBlock.value : undefined;
}

/**
 * Checks the court seal of a PDF, offline: the one signature's byte range covers the whole file
 * but its /Contents, the CMS message-digest is the SHA-256 of those bytes, the signature over the
 * signed attributes verifies with the signer certificate, the ESS signing-certificate-v2 names that
 * certificate, and the certificate was issued by one of `trusted` and was valid (as was the CA) at
 * the signing time /M. Throws SealError with the first failure.
 */
export function verifyPdfSeal(pdfIn: Uint8Array, options: VerifyOptions): SealReport {
  let trusted: X509Certificate[];
  try {
    trusted = options.trusted.flatMap(parseCertificates);
  } catch (e) {
    throw new SealError(e instanceof SealError ? e.message : `the court seal CA certificate cannot be read: ${(e as Error).message}`);
  }
  if (trusted.length === 0) throw new SealError("no court seal CA certificate to check against");
  try {
    return check(pdfIn, trusted);
  } catch (e) {
    if (e instanceof SealError) throw e;
    // A malformed structure that the parsers (asn1js, pkijs, node's X509Certificate) refused.
    throw new SealError(`the signature is malformed: ${(e as Error).message}`);
  }
}

function check(pdfIn: Uint8Array, trusted: X509Certificate[]): SealReport {
  const pdf = Buffer.from(pdfIn.buffer, pdfIn.byteOffset, pdfIn.byteLength);
  if (pdf.subarray(0, 5).toString("latin1") !== "%PDF-") throw new SealError("the file is not a PDF");
  const text = pdf.toString("latin1");
  const ranges = [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)];
  if (ranges.length === 0) throw new SealError("the PDF carries no signature (no /ByteRange): it is not a sealed document");
  if (ranges.length > 1) throw new SealError(`the PDF carries ${ranges.length} signatures; a sealed document has exactly one`);
  const [a, b, c, d] = ranges[0]!.slice(1).map(Number) as [number, number, number, number];
  if (a !== 0 || b <= 0 || c <= b || c + d !== pdf.length) {
    throw new SealError(`the signature's byte range [${a} ${b} ${c} ${d}] does not cover the whole file of ${pdf.length} bytes: something was added or removed after sealing`);
  }
  const contents = text.slice(b, c);
  if (!/^<[0-9A-Fa-f]*>$/.test(contents)) throw new SealError("the signature's byte range does not frame its /Contents");
  const signed = Buffer.concat([pdf.subarray(0, b), pdf.subarray(c, c + d)]);
  const digest = sha256(signed);

  // The signature dictionary without its /Contents: from its "<<" before /ByteRange to its endobj.
  const dictEnd = text.indexOf("endobj", c);
  const dict = text.slice(text.lastIndexOf("<<", ranges[0]!.index), b) + text.slice(c, dictEnd === -1 ? undefined : dictEnd);
  const subFilter = /\/SubFilter\s*\/([A-Za-z0-9.]+)/.exec(dict)?.[1] ?? "";
  if (subFilter !== "ETSI.CAdES.detached" && subFilter !== "adbe.pkcs7.detached") throw new SealError(`unsupported signature /SubFilter ${subFilter || "(none)"}`);
  const signedAt = pdfDate(/\/M\s*\((D:[^)]*)\)/.exec(dict)?.[1] ?? "");
  const verificationCode = /\/Reason\s*\([^)]*?([2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4})[^)]*\)/.exec(dict)?.[1];

  // The CMS.
  let signedData: pkijs.SignedData;
  try {
    const der = Buffer.from(contents.slice(1, -1), "hex");
    const parsed = asn1js.fromBER(ab(der));
    if (parsed.offset === -1) throw new Error(parsed.result.error);
    const info = new pkijs.ContentInfo({ schema: parsed.result });
    if (info.contentType !== OID.signedData) throw new Error(`content type ${info.contentType}`);
    signedData = new pkijs.SignedData({ schema: info.content });
  } catch (e) {
    throw new SealError(`the signature is not a CMS SignedData: ${(e as Error).message}`);
  }
  if (signedData.signerInfos.length !== 1) throw new SealError(`the signature has ${signedData.signerInfos.length} signers; a seal has one`);
  if (signedData.encapContentInfo.eContent) throw new SealError("the signature is not detached");
  const si = signedData.signerInfos[0]!;
  if (si.digestAlgorithm.algorithmId !== OID.sha256) throw new SealError(`the signature's digest algorithm ${si.digestAlgorithm.algorithmId} is not SHA-256`);
  const attrs = si.signedAttrs?.attributes ?? [];
  const attrValue = (oid: string) => attrs.find((x) => x.type === oid)?.values[0] as asn1js.BaseBlock | undefined;
  const md = attrValue(OID.messageDigest) as asn1js.OctetString | undefined;
  if (!md) throw new SealError("the signature has no message-digest attribute");
  if (hex(md.valueBlock.valueHexView) !== digest.toString("hex")) {
    throw new SealError(`the document was changed after it was sealed: its signed bytes hash to ${digest.toString("hex")}, the seal was made over ${hex(md.valueBlock.valueHexView)}`);
  }
  const ct = attrValue(OID.contentType) as asn1js.ObjectIdentifier | undefined;
  if (ct?.valueBlock.toString() !== OID.data) throw new SealError("the signature's content-type attribute is not id-data");

  // The signer's certificate: the one the signer info names (issuer and serial number).
  const sid = si.sid as pkijs.IssuerAndSerialNumber;
  const certs = (signedData.certificates ?? []).filter((x): x is pkijs.Certificate => x instanceof pkijs.Certificate);
  const signerCert = certs.find((x) => sid instanceof pkijs.IssuerAndSerialNumber && x.issuer.isEqual(sid.issuer) && x.serialNumber.isEqual(sid.serialNumber));
  if (!signerCert) throw new SealError("the signature does not carry the signer's certificate");
  const signerDer = new Uint8Array(signerCert.toSchema(true).toBER(false));
  const signer = new X509Certificate(signerDer);
  const essValue = attrValue(OID.signingCertificateV2);
  const essHash = essValue && (asn1js.fromBER(essValue.toBER(false)).result as asn1js.Sequence);
  const firstId = (essHash?.valueBlock.value[0] as asn1js.Sequence | undefined)?.valueBlock.value[0] as asn1js.Sequence | undefined;
  const hashField = firstId?.valueBlock.value.find((v): v is asn1js.OctetString => v instanceof asn1js.OctetString);
  if (!hashField) throw new SealError("the signature has no signing-certificate-v2 attribute naming its certificate");
  if (firstId!.valueBlock.value[0] instanceof asn1js.Sequence) throw new SealError("the signing-certificate-v2 attribute uses a hash other than SHA-256");
  if (hex(hashField.valueBlock.valueHexView) !== sha256(signerDer).toString("hex")) throw new SealError("the signing-certificate-v2 attribute names another certificate than the signer's");

  const signedAttrs = new Uint8Array(si.signedAttrs!.toSchema().toBER(false));
  signedAttrs[0] = 0x31; // signed as a SET
  const signature = new Uint8Array(si.signature.valueBlock.valueHexView);
  if (!nodeVerify("sha256", signedAttrs, signer.publicKey, signature)) throw new SealError("the signature does not verify with the signer's certificate: the seal was not made with that court's key");

  // Chain: the court certificate issued by a trusted court seal CA, both valid when it was sealed.
  const at = signedAt ?? new Date();
  const valid = (x: X509Certificate) => new Date(x.validFrom) <= at && at <= new Date(x.validTo);
  const ca = trusted.find((t) => signer.checkIssued(t) && signer.verify(t.publicKey));
  if (!ca) throw new SealError(`the signer's certificate (${signer.subject.replace(/\n/g, ", ")}) was not issued by the configured court seal CA`);
  if (!ca.ca) throw new SealError("the configured court seal CA certificate is not a CA certificate");
  if (signer.ca) throw new SealError("the signer's certificate is a CA certificate, not a court's");
  if (!valid(signer)) throw new SealError(`the court's certificate was not valid at the signing time ${at.toISOString()} (valid ${signer.validFrom} – ${signer.validTo})`);
  if (!valid(ca)) throw new SealError(`the court seal CA was not valid at the signing time ${at.toISOString()}`);

  const courtName = subjectValue(signerCert.subject, OID.commonName);
  const courtId = subjectValue(signerCert.subject, OID.serialNumber);
  if (!courtName || !courtId) throw new SealError("the signer's certificate does not name a court (CN and serialNumber)");
  return {
    courtName,
    courtId,
    issuer: ca.subject.replace(/\n/g, ", "),
    subFilter,
    signedAt,
    verificationCode,
    signedDigest: digest.toString("hex"),
    fileSha256: sha256(pdf).toString("hex"),
  };
}
