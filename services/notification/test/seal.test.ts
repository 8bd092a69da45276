// Court seals on the printed documents: PAdES signing (src/documents/seal.ts) with the keys of the
// local directory provider (src/documents/seal-keys.ts), checked by libs/seal's verifyPdfSeal and by
// poppler's pdfsig.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SealError, verifyPdfSeal } from "@kuayu/seal";
import { renderDocument, type DocumentInput, type DocumentKind } from "../src/documents/index.js";
import { sealPdf } from "../src/documents/seal.js";
import { localSealKeys, SealKeyMissingError } from "../src/documents/seal-keys.js";
import { sealTime } from "../src/adapters/documents.js";
import { X509Certificate } from "node:crypto";

const hasTool = (tool: string) => {
  try {
    execFileSync("which", [tool], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

/** A court seal CA made by openssl, as scripts/bootstrap.sh makes the development one. */
function newCa(dir: string, name: string): { dir: string; certPem: string } {
  execFileSync("mkdir", ["-p", dir]);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-sha256",
      "-days",
      "3650",
      "-keyout",
      join(dir, "ca.key.pem"),
      "-out",
      join(dir, "ca.crt.pem"),
      "-subj",
      `/C=CN/O=Test/CN=${name}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE,pathlen:0",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
    { stdio: "ignore" },
  );
  return { dir, certPem: readFileSync(join(dir, "ca.crt.pem"), "utf8") };
}

const CODE = "K7QF-9XMA-2RTD";
const issuedAt = new Date("2026-11-28T02:15:00Z");
/** When it is sealed (rendered): after the CA and the court's certificate were made (set in beforeAll). */
let sealedAt: Date;
const base: DocumentInput = {
  kind: "acceptance-notice",
  verificationCode: CODE,
  issuedAt,
  filingId: "f-01JDX4Y8Q2",
  caseType: "civil-first-instance",
  collaboratingCourt: "广州市天河区人民法院",
  jurisdictionCourt: "北京市朝阳区人民法院",
  receiptNumber: "KY-t-440106-20261128-000042",
  parties: [
    { role: "plaintiff", name: "张三" },
    { role: "defendant", name: "北京某某科技有限公司" },
  ],
  submittedAt: new Date("2026-11-28T01:40:00Z"),
  caseNumber: "（2026）京0105民初1号",
  decidedAt: new Date("2026-11-28T02:10:00Z"),
};
const inputs: Record<DocumentKind, DocumentInput> = {
  receipt: { ...base, kind: "receipt", caseNumber: undefined, decidedAt: undefined, materials: [{ kind: "complaint", fileName: "起诉状.pdf" }] },
  "acceptance-notice": base,
  "non-acceptance": { ...base, kind: "non-acceptance", rejection: { category: "no-jurisdiction", reason: "本院对本案没有管辖权。", legalBasis: "《中华人民共和国民事诉讼法》第一百二十七条" } },
  "correction-notice": {
    ...base,
    kind: "correction-notice",
    correction: { items: [{ materialKind: "evidence", description: "证据材料缺少第3页" }], deadline: new Date("2026-12-05T09:00:00Z"), note: "" },
  },
};
const court = { id: "t-110105001", name: "北京市朝阳区人民法院" };

let tmp: string;
let ca: { dir: string; certPem: string };
let unsealed: Buffer;
let sealed: Buffer;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "kuayu-seal-"));
  ca = newCa(join(tmp, "seal"), "Test court seal CA");
  sealedAt = new Date(Math.ceil(Date.now() / 1000) * 1000); // the CA's notBefore is this second or earlier
  unsealed = await renderDocument(base);
  sealed = await sealPdf(unsealed, await localSealKeys(ca.dir).forCourt(court), { signedAt: sealedAt, verificationCode: CODE });
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("sealPdf", () => {
  it("signs the PDF so that it verifies against the court seal CA and names the issuing court", () => {
    const r = verifyPdfSeal(sealed, { trusted: [ca.certPem] });
    expect(r).toMatchObject({ courtName: court.name, courtId: court.id, subFilter: "ETSI.CAdES.detached", verificationCode: CODE });
    expect(r.signedAt?.toISOString()).toBe(sealedAt.toISOString());
    expect(r.issuer).toContain("Test court seal CA");
    expect(r.fileSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("is deterministic: the same PDF, key and options give the same bytes", async () => {
    const again = await sealPdf(unsealed, await localSealKeys(ca.dir).forCourt(court), { signedAt: sealedAt, verificationCode: CODE });
    expect(again.equals(sealed)).toBe(true);
  });

  it("keeps every kind of notice within 40 KB, adding less than 4.5 KB", async () => {
    const key = await localSealKeys(ca.dir).forCourt(court);
    for (const input of Object.values(inputs)) {
      const pdf = await renderDocument(input);
      const out = await sealPdf(pdf, key, { signedAt: sealedAt, verificationCode: CODE });
      expect(out.length).toBeLessThanOrEqual(40 * 1024);
      expect(out.length - pdf.length).toBeLessThan(4500);
      expect(verifyPdfSeal(out, { trusted: [ca.certPem] }).courtId).toBe(court.id);
    }
  }, 60_000);
});

describe("verifyPdfSeal", () => {
  const fails = (pdf: Buffer, re: RegExp, trusted = [ca.certPem]) => {
    expect(() => verifyPdfSeal(pdf, { trusted })).toThrow(SealError);
    expect(() => verifyPdfSeal(pdf, { trusted })).toThrow(re);
  };

  it("rejects a copy with one byte changed in the signed content", () => {
    const tampered = Buffer.from(sealed);
    const at = sealed.indexOf("/Author") + 1; // a byte of the Info dictionary, inside the signed range
    tampered[at] = tampered[at]! ^ 0x01;
    fails(tampered, /changed after it was sealed/);
  });

  it("rejects a copy whose signature bytes were changed", () => {
    const tampered = Buffer.from(sealed);
    const contents = sealed.indexOf("/Contents <") + "/Contents <".length;
    const at = contents + 2 * 600; // inside the CMS: the certificate or the signature
    tampered[at] = tampered[at] === 0x30 ? 0x31 : 0x30;
    expect(() => verifyPdfSeal(tampered, { trusted: [ca.certPem] })).toThrow(SealError);
  });

  it("rejects bytes appended after sealing", () => {
    fails(Buffer.concat([sealed, Buffer.from("\n% appended\n")]), /does not cover the whole file/);
  });

  it("rejects a seal whose certificate another CA issued", () => {
    const other = newCa(join(tmp, "other"), "Other court seal CA");
    fails(sealed, /not issued by the configured court seal CA/, [other.certPem]);
  });

  it("rejects a seal made before the court's certificate was valid", async () => {
    const early = await sealPdf(unsealed, await localSealKeys(ca.dir).forCourt(court), { signedAt: issuedAt, verificationCode: CODE });
    fails(early, /not valid at the signing time 2026-11-28T02:15:00.000Z/);
  });

  it("rejects a PDF without a seal", () => {
    fails(unsealed, /no signature/);
  });
});

describe("sealTime", () => {
  it("is the issue time in whole seconds, or the certificate's start when that is later", async () => {
    const key = await localSealKeys(ca.dir).forCourt(court);
    const start = new Date(new X509Certificate(key.certificate).validFrom);
    expect(sealTime(new Date(start.getTime() + 90_500), key.certificate)).toEqual(new Date(start.getTime() + 90_000));
    expect(sealTime(issuedAt, key.certificate)).toEqual(start); // issued before the certificate
    // So a document issued before its court's certificate still verifies, and renders the same bytes each time.
    const a = await sealPdf(unsealed, key, { signedAt: sealTime(issuedAt, key.certificate), verificationCode: CODE });
    const b = await sealPdf(unsealed, key, { signedAt: sealTime(issuedAt, key.certificate), verificationCode: CODE });
    expect(a.equals(b)).toBe(true);
    expect(verifyPdfSeal(a, { trusted: [ca.certPem] }).signedAt).toEqual(start);
  });
});

describe("localSealKeys", () => {
  it("issues a court's certificate on first use from the development CA and keeps it", async () => {
    const dir = newCa(join(tmp, "first-use"), "First use CA").dir;
    const [a, b] = await Promise.all([localSealKeys(dir).forCourt(court), localSealKeys(dir).forCourt(court)]);
    expect(Buffer.from(a.certificate).equals(Buffer.from(b.certificate))).toBe(true); // two processes at once keep one
    expect(existsSync(join(dir, "courts", `${court.id}.pem`))).toBe(true);
    const later = await localSealKeys(dir).forCourt(court);
    expect(Buffer.from(later.certificate).equals(Buffer.from(a.certificate))).toBe(true);
  });

  it("refuses a court without a key file when there is no CA key to issue one", async () => {
    const dir = newCa(join(tmp, "prod"), "Production-like CA").dir;
    rmSync(join(dir, "ca.key.pem"));
    expect(() => localSealKeys(dir)).toThrow(/holds no court seal keys/);
    mkdirSync(join(dir, "courts"));
    await expect(localSealKeys(dir).forCourt(court)).rejects.toThrow(SealKeyMissingError);
  });

  it("refuses a key file whose certificate is another court's", async () => {
    const dir = newCa(join(tmp, "swap"), "Swap CA").dir;
    await localSealKeys(dir).forCourt(court);
    writeFileSync(join(dir, "courts", "t-440106001.pem"), readFileSync(join(dir, "courts", `${court.id}.pem`)));
    await expect(localSealKeys(dir).forCourt({ id: "t-440106001", name: "广州市天河区人民法院" })).rejects.toThrow(/is for court t-110105001, not t-440106001/);
  });
});

(hasTool("pdfsig") ? describe : describe.skip)("pdfsig (poppler)", () => {
  it("reports the signature valid and names the court", () => {
    const file = join(tmp, "sealed.pdf");
    writeFileSync(file, sealed);
    const out = execFileSync("pdfsig", [file], { encoding: "utf8" });
    expect(out).toContain("Signature is Valid");
    expect(out).toContain(court.name);
  });
});
