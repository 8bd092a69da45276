import { createHash, createPrivateKey, randomBytes, X509Certificate, type KeyObject, sign as nodeSign } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

/*
 * The CMS (RFC 5652) of a court seal on a PDF, as PAdES baseline B-B (ETSI EN 319 142-1) asks:
 * a detached SignedData over the PDF's byte ranges, SHA-256, signed attributes content-type,
 * message-digest and ESS signing-certificate-v2 (the hash of the signer's certificate, so the
 * signature names the certificate it was made with); no signing-time attribute (PAdES puts the
 * time in the signature dictionary's /M). RSASSA-PKCS1-v1_5: the same key and bytes give the same
 * signature, so a document renders to the same bytes on every replica.
 */

export const OID = {
  data: "1.2.840.113549.1.7.1",
  signedData: "1.2.840.113549.1.7.2",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  sha256: "2.16.840.1.101.3.4.2.1",
  rsaEncryption: "1.2.840.113549.1.1.1",
  sha256WithRSA: "1.2.840.113549.1.1.11",
  commonName: "2.5.4.3",
  serialNumber: "2.5.4.5",
  country: "2.5.4.6",
  organization: "2.5.4.10",
} as const;

const ab = (u: Uint8Array): ArrayBuffer => u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;
export const sha256 = (b: Uint8Array): Buffer => createHash("sha256").update(b).digest();

/** Signs `data` with RSASSA-PKCS1-v1_5 and SHA-256 (what a seal key does; an HSM/KMS key does the same). */
export type RawSigner = (data: Uint8Array) => Promise<Uint8Array>;

/** A RawSigner with a private key held in this process (the local key directory). */
export const keySigner =
  (key: KeyObject): RawSigner =>
  async (data) =>
    nodeSign("sha256", data, key);

/** ESS SigningCertificateV2 { certs: [ ESSCertIDv2 { certHash } ] } (hash algorithm: the default, SHA-256). */
function signingCertificateV2(certDer: Uint8Array): asn1js.Sequence {
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: ab(sha256(certDer)) })] })] })] });
}

/** DER of the signed attributes as they are signed: a SET (RFC 5652 5.4), not the [0] they are stored as. */
function signedAttributesDer(attrs: pkijs.SignedAndUnsignedAttributes): Uint8Array {
  const der = new Uint8Array(attrs.toSchema().toBER(false));
  der[0] = 0x31;
  return der;
}

/**
 * The DER ContentInfo of a detached SignedData over `content` (the PDF outside /Contents), made by
 * `sign` with the key of `certificate` (DER). `chain`: further certificates to embed (none needed
 * when verifiers hold the CA).
 */
export async function detachedCms(content: Uint8Array, certificate: Uint8Array, sign: RawSigner, chain: Uint8Array[] = []): Promise<Buffer> {
  const cert = pkijs.Certificate.fromBER(ab(certificate));
  const sha256Alg = () => new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 });
  const attrs = new pkijs.SignedAndUnsignedAttributes({
    type: 0,
    attributes: [
      new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.data })] }),
      new pkijs.Attribute({ type: OID.messageDigest, values: [new asn1js.OctetString({ valueHex: ab(sha256(content)) })] }),
      new pkijs.Attribute({ type: OID.signingCertificateV2, values: [signingCertificateV2(certificate)] }),
    ],
  });
  const signature = await sign(signedAttributesDer(attrs));
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
    digestAlgorithm: sha256Alg(),
    signedAttrs: attrs,
    signatureAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.rsaEncryption, algorithmParams: new asn1js.Null() }),
    signature: new asn1js.OctetString({ valueHex: ab(signature) }),
  });
  const signedData = new pkijs.SignedData({
    version: 1,
    digestAlgorithms: [sha256Alg()],
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    certificates: [cert, ...chain.map((c) => pkijs.Certificate.fromBER(ab(c)))],
    signerInfos: [signerInfo],
  });
  const info = new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) });
  return Buffer.from(info.toSchema().toBER(false));
}

/** What a certificate's subject says of its court: CN = the court's name, serialNumber = its id. */
export interface CourtSubject {
  courtName: string;
  courtId: string;
}

function attr(type: string, value: string) {
  const v = type === OID.country || type === OID.serialNumber ? new asn1js.PrintableString({ value }) : new asn1js.Utf8String({ value });
  return new pkijs.AttributeTypeAndValue({ type, value: v });
}

function extension(extnID: string, critical: boolean, value: asn1js.BaseBlock) {
  return new pkijs.Extension({ extnID, critical, extnValue: value.toBER(false) });
}

/**
 * A court seal certificate (DER) for `publicKey`, issued and signed by the CA (its certificate and
 * private key, PEM): subject C=CN, O=<court name>, CN=<court name>, serialNumber=<court id>;
 * key usage digitalSignature + nonRepudiation (critical), not a CA; valid from an hour ago (or the
 * CA's start) for `years`. For development: production keys and certificates come from the courts' CA.
 */
export async function issueCourtCertificate(subject: CourtSubject, publicKey: KeyObject, ca: { certPem: string; keyPem: string }, years = 5): Promise<Buffer> {
  if (!/^[A-Za-z0-9 '()+,./:=?-]{1,64}$/.test(subject.courtId)) throw new Error(`court id ${JSON.stringify(subject.courtId)} cannot be a certificate serialNumber`);
  const caX509 = new X509Certificate(ca.certPem);
  const caCert = pkijs.Certificate.fromBER(ab(caX509.raw));
  const crypto = globalThis.crypto;
  const caKey = await crypto.subtle.importKey("pkcs8", ab(new Uint8Array(createPrivateDer(ca.keyPem))), { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]);
  const cert = new pkijs.Certificate();
  cert.version = 2;
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  cert.serialNumber = new asn1js.Integer({ valueHex: ab(serial) });
  cert.issuer = caCert.subject;
  // One attribute per RDN (pkijs would put attributes it is given in one multi-valued RDN).
  const rdns = [attr(OID.country, "CN"), attr(OID.organization, subject.courtName), attr(OID.commonName, subject.courtName), attr(OID.serialNumber, subject.courtId)];
  cert.subject = pkijs.RelativeDistinguishedNames.fromBER(new asn1js.Sequence({ value: rdns.map((a) => new asn1js.Set({ value: [a.toSchema()] })) }).toBER(false));
  const now = Date.now();
  // An hour back for clocks a little behind, but never before the CA's own start.
  cert.notBefore.value = new Date(Math.max(now - 3600_000, new Date(caX509.validFrom).getTime()));
  cert.notAfter.value = new Date(now + years * 365 * 86_400_000);
  const spki = publicKey.export({ type: "spki", format: "der" });
  cert.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(ab(spki));
  const ski = createHash("sha1").update(new Uint8Array(cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView)).digest();
  const caSki = caCert.extensions?.find((e) => e.extnID === "2.5.29.14");
  const aki = caSki
    ? (asn1js.fromBER(caSki.extnValue.valueBlock.valueHexView).result as asn1js.OctetString).valueBlock.valueHexView
    : createHash("sha1").update(new Uint8Array(caCert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView)).digest();
  cert.extensions = [
    extension("2.5.29.19", true, new pkijs.BasicConstraints({ cA: false }).toSchema()),
    // digitalSignature (bit 0) and nonRepudiation (bit 1): 0b11000000, 6 unused bits.
    extension("2.5.29.15", true, new asn1js.BitString({ valueHex: new Uint8Array([0xc0]).buffer, unusedBits: 6 })),
    extension("2.5.29.14", false, new asn1js.OctetString({ valueHex: ab(ski) })),
    extension("2.5.29.35", false, new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: ab(new Uint8Array(aki)) }) }).toSchema()),
  ];
  await cert.sign(caKey, "SHA-256", new pkijs.CryptoEngine({ crypto }));
  return Buffer.from(cert.toSchema(true).toBER(false));
}

/** Any PEM private key node reads (PKCS#1 or PKCS#8), as PKCS#8 DER for WebCrypto. */
const createPrivateDer = (pem: string): Buffer => createPrivateKey(pem).export({ type: "pkcs8", format: "der" });
