import { plainAddPlaceholder } from "@signpdf/placeholder-plain";
import signpdf from "@signpdf/signpdf";
import { Signer, SUBFILTER_ETSI_CADES_DETACHED } from "@signpdf/utils";
import { detachedCms } from "@kuayu/seal";
import type { CourtSealKey } from "./seal-keys.js";

/** @signpdf's Signer: the CMS of the court seal (libs/seal) over the bytes outside /Contents. */
class CourtSigner extends Signer {
  constructor(private readonly key: CourtSealKey) {
    super();
  }
  override async sign(pdf: Buffer): Promise<Buffer> {
    return detachedCms(pdf, this.key.certificate, this.key.sign, this.key.chain);
  }
}

/** Bytes of the CMS a key makes (its certificates, signature size): the /Contents reserved for it. */
const cmsSizes = new WeakMap<CourtSealKey, Promise<number>>();
function cmsSize(key: CourtSealKey): Promise<number> {
  let size = cmsSizes.get(key);
  if (!size) {
    size = detachedCms(Buffer.alloc(0), key.certificate, key.sign, key.chain).then((cms) => cms.length);
    cmsSizes.set(key, size);
  }
  return size;
}

export interface SealOptions {
  /**
   * The signature dictionary's /M, the time the court claims for its seal (whole seconds; the
   * adapter gives the issue time, or the certificate's start when later: `sealTime`). The court's
   * certificate must be valid then.
   */
  signedAt: Date;
  /** Written in the signature's /Reason, where `kuayu document verify` finds it. */
  verificationCode: string;
}

/**
 * Seals a rendered PDF with the issuing court's key, as PAdES B-B: an incremental update adds an
 * invisible signature field on the first page and its signature dictionary (/SubFilter
 * ETSI.CAdES.detached, /Name the court, /Reason with the verification code, /M the issue time),
 * then @signpdf/signpdf fills /ByteRange and /Contents with the CMS of libs/seal. Deterministic:
 * the same PDF, key and options (signedAt) give the same bytes (RSASSA-PKCS1-v1_5, no signing-time attribute).
 * Adds about 2 × (the CMS size) + 700 bytes: 3.6 KB with a 2048-bit key and a 900-byte certificate.
 */
export async function sealPdf(pdf: Buffer, key: CourtSealKey, o: SealOptions): Promise<Buffer> {
  const withField = plainAddPlaceholder({
    pdfBuffer: pdf,
    reason: `Kuayu verification code ${o.verificationCode}`,
    contactInfo: "",
    name: key.court.name,
    location: "CN",
    signingTime: o.signedAt,
    // Room for this key's CMS and a few bytes: RSA signatures have a fixed size, so it always fits.
    signatureLength: (await cmsSize(key)) + 8,
    subFilter: SUBFILTER_ETSI_CADES_DETACHED,
  });
  return signpdf.sign(withField, new CourtSigner(key));
}
