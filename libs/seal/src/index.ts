export { OID, detachedCms, issueCourtCertificate, keySigner, sha256, type CourtSubject, type RawSigner } from "./cms.js";
export { SealError, parseCertificates, verifyPdfSeal, type SealReport, type VerifyOptions } from "./verify.js";
