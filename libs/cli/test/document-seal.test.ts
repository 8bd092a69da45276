import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { create } from "@bufbuild/protobuf";
import { notificationV1 } from "@kuayu/proto";
import type { SealReport } from "@kuayu/seal";
import { formatSealVerdict, onlineProblems, sealCaFile } from "../src/document-seal.js";
import { CliUsageError } from "../src/filing.js";
import { formatDocumentInfo, isPdfArgument } from "../src/notify.js";

const seal: SealReport = {
  courtName: "北京市朝阳区人民法院",
  courtId: "c-110105",
  issuer: "CN=Kuayu development court seal CA",
  subFilter: "ETSI.CAdES.detached",
  signedAt: new Date("2026-11-28T02:15:00Z"),
  verificationCode: "K7QF-9XMA-2RTD",
  signedDigest: "a".repeat(64),
  fileSha256: "b".repeat(64),
};
const info = (o: { issuingCourtId?: string; sha256?: string } = {}) =>
  create(notificationV1.DocumentInfoSchema, {
    verificationCode: "K7QF-9XMA-2RTD",
    issuingCourtId: "c-110105",
    sha256: "b".repeat(64),
    facts: { 案号: "（2026）京0105民初1号", 出具日期: "2026年11月28日" },
    ...o,
  });

let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), "kuayu-cli-seal-"))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("onlineProblems", () => {
  it("accepts the service's document of the same court and hash", () => expect(onlineProblems(seal, info())).toEqual([]));
  it("refuses another court, another hash, a document never rendered, or no document", () => {
    expect(onlineProblems(seal, info({ issuingCourtId: "c-440104" }))[0]).toMatch(/court c-440104 issued code K7QF-9XMA-2RTD, but the seal is court c-110105's/);
    expect(onlineProblems(seal, info({ sha256: "c".repeat(64) }))[0]).toMatch(/is not the issued document's/);
    expect(onlineProblems(seal, info({ sha256: "" }))[0]).toMatch(/no PDF issued under code/);
    expect(onlineProblems(seal, undefined)).toEqual(["the service answered without a document"]);
  });
});

describe("sealCaFile", () => {
  it("takes --seal-ca, then KUAYU_SEAL_CA, then the checkout's development CA; a missing file is a usage error", () => {
    const ca = path.join(dir, "ca.pem");
    writeFileSync(ca, "x");
    expect(sealCaFile(ca, {})).toBe(ca);
    expect(sealCaFile(undefined, { KUAYU_SEAL_CA: ca })).toBe(ca);
    expect(() => sealCaFile(undefined, { KUAYU_ROOT: dir })).toThrow(CliUsageError);
    expect(() => sealCaFile(path.join(dir, "none.pem"), {})).toThrow(/pass --seal-ca <pem> or set KUAYU_SEAL_CA/);
  });
});

describe("isPdfArgument", () => {
  it("tells a PDF from a verification code", () => {
    expect(isPdfArgument(["notice.pdf"])).toBe(true);
    expect(isPdfArgument(["K7QF-9XMA-2RTD"])).toBe(false);
    expect(isPdfArgument(["K7QF", "9XMA", "2RTD"])).toBe(false);
    const f = path.join(dir, "scan");
    writeFileSync(f, "%PDF-");
    expect(isPdfArgument([f])).toBe(true);
  });
});

describe("formatSealVerdict", () => {
  it("prints court, kind, date, case number and digest of a valid seal, and the reason of an invalid one", () => {
    const text = formatSealVerdict({ file: "n.pdf", valid: true, seal, document: info(), kindLabel: "acceptance-notice (案件受理通知书)", offline: false });
    for (const s of ["VALID: n.pdf is sealed by 北京市朝阳区人民法院", "c-110105", "acceptance-notice", "2026年11月28日", "（2026）京0105民初1号", "a".repeat(64), "2026-11-28 10:15"])
      expect(text).toContain(s);
    expect(formatSealVerdict({ file: "n.pdf", valid: false, reason: "the document was changed after it was sealed", offline: true })).toBe(
      "INVALID: n.pdf: the document was changed after it was sealed",
    );
  });
});

it("document verify <code> names the issuing court when the service gives it", () => {
  expect(formatDocumentInfo(create(notificationV1.DocumentInfoSchema, { issuingCourtId: "c-110105", issuingCourtName: "北京市朝阳区人民法院" }))).toContain(
    "issuing court      北京市朝阳区人民法院 (c-110105)",
  );
});
