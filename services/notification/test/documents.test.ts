// Printable documents: PDF rendering with Chinese text (read back with poppler's pdftotext and
// pdftoppm, installed with the CJK fonts by scripts/fonts.sh), verification codes and facts.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import {
  CjkFontNotFoundError,
  DOCUMENT_KINDS,
  DocumentInputError,
  SYSTEM_CJK_FONTS,
  VERIFICATION_CODE_ALPHABET,
  chineseDate,
  clearFontCache,
  documentFacts,
  findCjkFonts,
  isVerificationCode,
  newVerificationCode,
  normalizeVerificationCode,
  numericDateTime,
  renderDocument,
  sha256,
  verificationQr,
  type DocumentInput,
  type DocumentKind,
} from "../src/documents/index.js";
import { redactIdentityNumbers } from "../src/documents/format.js";
import { scanPdfQr } from "@kuayu/testkit";

const PNG_PATH = "/tmp/kuayu-acceptance.png";
const hasTool = (tool: string) => {
  try {
    execFileSync(tool, ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

const CODE = "K7QF-9XMA-2RTD";
const base: DocumentInput = {
  kind: "receipt",
  verificationCode: CODE,
  issuedAt: new Date("2026-11-28T02:15:00Z"), // 10:15 in China
  filingId: "f-01JDX4Y8Q2",
  caseType: "civil-first-instance",
  collaboratingCourt: "广州市天河区人民法院",
  jurisdictionCourt: "北京市朝阳区人民法院",
  receiptNumber: "KY-t-440106-20261128-000042",
  parties: [
    { role: "plaintiff", name: "张三" },
    { role: "plaintiff", name: "王五" },
    { role: "defendant", name: "北京某某科技有限公司" },
    { role: "third-party", name: "李四" },
  ],
  submittedAt: new Date("2026-11-28T01:40:00Z"),
};

const inputs: Record<DocumentKind, DocumentInput> = {
  receipt: {
    ...base,
    kind: "receipt",
    materials: [
      { kind: "complaint", fileName: "起诉状.pdf" },
      { kind: "filer-identity", fileName: "身份证明.jpg" },
      { kind: "opposing-party-details", fileName: "被告信息.pdf" },
      { kind: "evidence", fileName: "证据目录及证据.pdf" },
      { kind: "address-for-service-confirmation", fileName: "送达地址确认书.pdf" },
    ],
  },
  "acceptance-notice": {
    ...base,
    kind: "acceptance-notice",
    caseNumber: "（2026）京0105民初1号",
    decidedAt: new Date("2026-11-28T02:10:00Z"),
  },
  "non-acceptance": {
    ...base,
    kind: "non-acceptance",
    decidedAt: new Date("2026-11-28T02:10:00Z"),
    rejection: {
      category: "no-jurisdiction",
      reason: "被告住所地及合同履行地均不在本院辖区，本院对本案没有管辖权。",
      legalBasis: "《中华人民共和国民事诉讼法》第一百二十二条、第一百二十七条",
    },
  },
  "correction-notice": {
    ...base,
    kind: "correction-notice",
    correction: {
      items: [
        { materialKind: "evidence", description: "证据材料缺少第3页，请补充完整的借款合同复印件" },
        { materialKind: "filer-identity", description: "身份证明复印件不清晰，请重新提交" },
        { materialKind: "", description: "起诉状未写明具体的诉讼请求金额" },
      ],
      deadline: new Date("2026-12-05T09:00:00Z"), // 17:00 in China
      note: "补正材料可通过协作法院立案窗口提交",
    },
  },
};

const TITLES: Record<DocumentKind, string> = {
  receipt: "跨域立案申请回执",
  "acceptance-notice": "案件受理通知书",
  "non-acceptance": "不予受理通知书",
  "correction-notice": "补正材料通知书",
};

let dir: string;
const pdfText = (pdf: Buffer, name: string): string => {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync("pdftotext", ["-layout", "-enc", "UTF-8", file, "-"], { encoding: "utf8" });
};
/** Text without any whitespace: table cells and spaced titles come out with padding. */
const squeeze = (s: string) => s.replace(/\s+/g, "");
/** The (still compressed) bytes of the stream object that `ref` (a regex capturing its number) points to. */
function streamOf(pdf: Buffer, ref: RegExp): Buffer {
  const text = pdf.toString("latin1");
  const id = ref.exec(text)?.[1];
  expect(id).toBeDefined();
  const m = new RegExp(`\\n${id} 0 obj\\s*<<[^]*?/Length (\\d+)[^]*?>>\\s*stream\\n`).exec(text)!;
  const start = m.index + m[0].length;
  return pdf.subarray(start, start + Number(m[1]));
}

/** Share of dark pixels (luminance < 128) in an 8-bit grayscale or RGB PNG, as pdftoppm writes them. */
function inkRatio(png: Buffer): number {
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString("latin1", off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8]).toBe(8); // bit depth
      channels = ({ 0: 1, 2: 3 } as Record<number, number>)[data[9]!]!; // grayscale or RGB, no palette/alpha
      expect(data[12]).toBe(0); // not interlaced
    } else if (type === "IDAT") idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  let prev = new Uint8Array(stride);
  let dark = 0;
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const cur = new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? cur[i - channels]! : 0;
      const b = prev[i]!;
      const c = i >= channels ? prev[i - channels]! : 0;
      const pa = Math.abs(b - c);
      const pb = Math.abs(a - c);
      const pc = Math.abs(a + b - 2 * c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter]!;
      cur[i] = (row[i]! + pred) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const px = cur.subarray(x * channels, (x + 1) * channels);
      const lum = channels === 1 ? px[0]! : 0.299 * px[0]! + 0.587 * px[1]! + 0.114 * px[2]!;
      if (lum < 128) dark++;
    }
    prev = cur;
  }
  return dark / (width * height);
}

beforeAll(() => {
  if (!hasTool("pdftotext") || !hasTool("pdftoppm")) throw new Error("pdftotext/pdftoppm missing: run bash scripts/fonts.sh");
  findCjkFonts(); // throws with the install hint when fonts-noto-cjk is missing
  // KUAYU_DOCUMENTS_OUT=/some/dir keeps the PDFs the tests render there, to look at them.
  dir = process.env.KUAYU_DOCUMENTS_OUT || mkdtempSync(join(tmpdir(), "kuayu-documents-"));
  mkdirSync(dir, { recursive: true });
});
afterAll(() => {
  if (dir && !process.env.KUAYU_DOCUMENTS_OUT) rmSync(dir, { recursive: true, force: true });
});

describe("renderDocument", () => {
  it.each(DOCUMENT_KINDS)("renders the %s with its title, the courts, the parties and the code", async (kind) => {
    await renderDocument(inputs[kind]); // warm: reads the font files once per process
    const t0 = performance.now();
    const pdf = await renderDocument(inputs[kind]);
    expect(performance.now() - t0).toBeLessThan(2000); // ~20–60 ms in plain Node, ~70–200 ms under jest
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    const text = pdfText(pdf, kind);
    const flat = squeeze(text);
    for (const s of [TITLES[kind], "北京市朝阳区人民法院", "张三", "王五", "北京某某科技有限公司", "李四", CODE, `kuayudocumentverify${CODE}`]) {
      expect(flat).toContain(s);
    }
    // The issuing court heads the document and signs it with the date in Chinese numerals.
    const issuer = kind === "receipt" ? "广州市天河区人民法院" : "北京市朝阳区人民法院";
    expect(
      text
        .split("\n")
        .find((l) => l.trim() !== "")
        ?.replace(/\s+/g, ""),
    ).toBe(issuer);
    expect(flat).toContain(`${issuer}二〇二六年十一月二十八日`);
    expect(flat).toContain("KY-t-440106-20261128-000042");
    if (kind !== "acceptance-notice") expect(flat).toContain("广州市天河区人民法院");
  });

  it("prints what each kind needs", async () => {
    const receipt = squeeze(pdfText(await renderDocument(inputs.receipt), "receipt-facts"));
    for (const s of ["起诉状", "起诉状.pdf", "当事人身份证明", "证据材料", "送达地址确认书.pdf", "30个工作分钟", "民事一审", "2026年11月28日09:40"]) expect(receipt).toContain(s);

    const acceptance = squeeze(pdfText(await renderDocument(inputs["acceptance-notice"]), "acceptance-facts"));
    for (const s of ["（2026）京0105民初1号", "已于2026年11月28日立案受理", "原告张三、王五诉被告北京某某科技有限公司民事纠纷一案", "张三、王五："]) {
      expect(acceptance).toContain(s);
    }

    const rejection = squeeze(pdfText(await renderDocument(inputs["non-acceptance"]), "rejection-facts"));
    for (const s of ["不属于本院管辖", "本院对本案没有管辖权", "《中华人民共和国民事诉讼法》第一百二十二条", "决定不予受理"]) expect(rejection).toContain(s);

    const correction = squeeze(pdfText(await renderDocument(inputs["correction-notice"]), "correction-facts"));
    for (const s of ["一次性告知", "证据材料", "借款合同复印件", "当事人身份证明", "其他", "诉讼请求金额", "2026年12月5日17:00", "协作法院立案窗口"]) {
      expect(correction).toContain(s);
    }
  });

  it("names the parties in the words of the case type", async () => {
    const text = squeeze(pdfText(await renderDocument({ ...inputs["acceptance-notice"], caseType: "enforcement", caseNumber: "（2026）京0105执1号" }), "enforcement"));
    expect(text).toContain("申请执行人：张三、王五");
    expect(text).toContain("被执行人：北京某某科技有限公司");
    expect(text).toContain("执行申请");
  });

  it("embeds one face, a subset of Noto Sans CJK SC (the Simplified-Chinese forms), and emboldens the headings", async () => {
    const file = join(dir, "fonts.pdf");
    const pdf = await renderDocument(inputs["acceptance-notice"]);
    writeFileSync(file, pdf);
    const fonts = execFileSync("pdffonts", [file], { encoding: "utf8" }).trim().split("\n").slice(2);
    expect(fonts).toHaveLength(1);
    expect(fonts[0]).toMatch(/^[A-Z]{6}\+NotoSansCJKsc-Regular\s+CID Type 0C\s+Identity-H\s+yes\s+yes\s+yes/);
    // Court, title and code are drawn filled and stroked (text render mode 2): bold without a bold face.
    const page = inflateSync(streamOf(pdf, /\/Contents (\d+) 0 R/)).toString("latin1");
    expect(page.match(/\b2 Tr\b/g)?.length).toBeGreaterThanOrEqual(3);
  });

  it.each(DOCUMENT_KINDS)("keeps the %s under 40 KB", async (kind) => {
    const pdf = await renderDocument(inputs[kind]);
    expect(pdf.length).toBeLessThanOrEqual(40_000); // ~30–36 KB; each further distinct character adds ~120 bytes
    // The embedded font holds the glyphs printed, no more: a few hundred.
    const font = streamOf(pdf, /\/FontFile3 (\d+) 0 R/);
    expect(inflateSync(font).length).toBeLessThan(40_000);
  });

  it("keeps a two-page correction notice with 40 items under 40 KB", async () => {
    const items = Array.from({ length: 40 }, (_, i) => ({ materialKind: "evidence", description: `第${i + 1}组证据需提交原件核对` }));
    const pdf = await renderDocument({ ...inputs["correction-notice"], correction: { ...inputs["correction-notice"].correction!, items } });
    expect(pdf.length).toBeLessThanOrEqual(40_000);
  });

  it("takes the KUAYU_CJK_FONT override: Noto Serif CJK, the sc face derived from the file name", async () => {
    const path = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc";
    const fonts = findCjkFonts({ KUAYU_CJK_FONT: path });
    expect(fonts).toEqual({ face: { path, postscriptName: "NotoSerifCJKsc-Regular" }, source: "env" });
    const pdf = await renderDocument(inputs.receipt, { fonts });
    const file = join(dir, "serif.pdf");
    writeFileSync(file, pdf);
    expect(execFileSync("pdffonts", [file], { encoding: "utf8" })).toMatch(/\+NotoSerifCJKsc-Regular\s+CID Type 0C/);
    const text = squeeze(pdfText(pdf, "serif"));
    for (const s of ["跨域立案申请回执", "广州市天河区人民法院", "北京某某科技有限公司", CODE]) expect(text).toContain(s);
    expect(pdf.length).toBeLessThan(50_000); // Serif outlines are bigger: ~41 KB
    expect((await renderDocument(inputs.receipt, { fonts })).equals(pdf)).toBe(true);
  });

  it("rasterises the acceptance notice to a page with ink on it", async () => {
    const file = join(dir, "acceptance.pdf");
    writeFileSync(file, await renderDocument(inputs["acceptance-notice"]));
    execFileSync("pdftoppm", ["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", file, PNG_PATH.replace(/\.png$/, "")]);
    const png = readFileSync(PNG_PATH);
    expect(png.length).toBeGreaterThan(15_000);
    // A4 at 60 dpi: 496 × 702 pixels. Text and table lines cover a few percent of the page.
    expect(Math.abs(png.readUInt32BE(16) - 496)).toBeLessThanOrEqual(1);
    expect(Math.abs(png.readUInt32BE(20) - 702)).toBeLessThanOrEqual(1);
    const ink = inkRatio(png);
    expect(ink).toBeGreaterThan(0.01);
    expect(ink).toBeLessThan(0.2);
  });

  it("gives identical bytes for the same input, and different ones for another code or date", async () => {
    const first = new Map<DocumentKind, Buffer>();
    for (const kind of DOCUMENT_KINDS) {
      const a = await renderDocument(inputs[kind]);
      const b = await renderDocument(structuredClone(inputs[kind])); // Dates of another realm, too
      expect(sha256(a)).toBe(sha256(b));
      expect(a.equals(b)).toBe(true);
      first.set(kind, a);
    }
    clearFontCache(); // the fonts parsed afresh: same bytes as with the glyphs cached
    for (const kind of DOCUMENT_KINDS) expect((await renderDocument(inputs[kind])).equals(first.get(kind)!)).toBe(true);
    const a = await renderDocument(inputs.receipt);
    expect(a.toString("latin1")).toContain("(D:20261128021500Z)"); // CreationDate and ModDate (indirect objects)
    expect(a.toString("latin1")).not.toMatch(/\(D:(?!20261128021500Z)/);
    const other = await renderDocument({ ...inputs.receipt, verificationCode: "ABCD-EFGH-JKMN" });
    expect(other.equals(a)).toBe(false);
    // The trailer /ID is an MD5 of the Info dictionary, which holds the code.
    const id = (pdf: Buffer) => /\/ID \[<([0-9a-f]+)>/.exec(pdf.toString("latin1"))?.[1];
    expect(id(a)).toMatch(/^[0-9a-f]{32}$/);
    expect(id(other)).not.toBe(id(a));
    expect(sha256(await renderDocument({ ...inputs.receipt, issuedAt: new Date("2026-11-28T02:16:00Z") }))).not.toBe(sha256(a));
  });

  it("continues a long correction notice on a second page, numbered", async () => {
    const items = Array.from({ length: 40 }, (_, i) => ({ materialKind: "evidence", description: `第${i + 1}组证据需提交原件核对` }));
    const pdf = await renderDocument({ ...inputs["correction-notice"], correction: { ...inputs["correction-notice"].correction!, items } });
    const text = squeeze(pdfText(pdf, "long"));
    expect(text).toContain("第40组证据需提交原件核对");
    expect(text).toMatch(/第1页共[2-9]页/);
    expect(text).toContain(`验证码${CODE}`);
    expect(text).toMatch(/（此页无正文）北京市朝阳区人民法院二〇二六年十一月二十八日/); // the signature went to a page of its own
  });

  it("rejects input that lacks what its kind prints, listing every field", async () => {
    const { caseNumber: _c, decidedAt: _d, ...noCase } = inputs["acceptance-notice"];
    await expect(renderDocument(noCase)).rejects.toThrow(DocumentInputError);
    await expect(renderDocument(noCase)).rejects.toThrow(/acceptance-notice.*caseNumber is missing.*decidedAt/);

    await expect(renderDocument({ ...inputs.receipt, materials: [] })).rejects.toThrow(/materials/);
    await expect(renderDocument({ ...inputs.receipt, submittedAt: undefined })).rejects.toThrow(/submittedAt is missing/);
    await expect(renderDocument({ ...inputs["non-acceptance"], rejection: { category: "other", reason: " ", legalBasis: "" } })).rejects.toThrow(
      /rejection.reason is missing; rejection.legalBasis is missing/,
    );
    await expect(renderDocument({ ...inputs["correction-notice"], correction: { items: [], deadline: new Date(Number.NaN), note: "" } })).rejects.toThrow(
      /correction.items is missing; correction.deadline is missing/,
    );

    const err = await renderDocument({
      ...base,
      kind: "receipt",
      verificationCode: "K0QF-9XMA-2RTD",
      jurisdictionCourt: "",
      parties: [{ role: "defendant", name: "" }],
      caseType: "civil-second-instance" as never,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DocumentInputError);
    expect((err as DocumentInputError).problems).toEqual([
      "verificationCode must look like K7QF-9XMA-2RTD",
      'caseType is missing or unknown (got "civil-second-instance")',
      "jurisdictionCourt (name) is missing",
      "parties[0].name is missing",
      "parties needs a plaintiff (the filing party the document is addressed to)",
      "materials (the materials received) is missing",
    ]);
    await expect(renderDocument({ ...base, kind: "summons" as never })).rejects.toThrow(/kind must be one of receipt, acceptance-notice/);
  });

  it("explains a font face that is not in the collection", async () => {
    const fonts = findCjkFonts();
    const bad = { ...fonts, face: { ...fonts.face, postscriptName: "Noto Sans CJK SC" } };
    await expect(renderDocument(inputs.receipt, { fonts: bad })).rejects.toThrow(
      /cannot use the CJK font .*NotoSansCJK-Regular.ttc \(PostScript name Noto Sans CJK SC\): .*has no face with the PostScript name Noto Sans CJK SC; its faces: NotoSansCJKjp-Regular, .*NotoSansCJKsc-Regular/,
    );
  });
});

describe("the QR code of the verification page", () => {
  const VERIFY = "https://kuayu-11.court.example/verify";
  const scan = (file: string) => scanPdfQr(readFileSync(file));

  it("opens <verifyUrl>/<code> on every kind of notice, which names the page too, and still fits where it did", async () => {
    for (const kind of DOCUMENT_KINDS) {
      const file = join(dir, `qr-${kind}.pdf`);
      const pdf = await renderDocument(inputs[kind], { verifyUrl: VERIFY });
      writeFileSync(file, pdf);
      expect(scan(file)).toBe(`${VERIFY}/${CODE}`);
      expect(pdfText(pdf, `qr-${kind}`).replace(/\s+/g, "")).toContain(`访问${VERIFY}并输入验证码`);
      expect(pdf.length).toBeLessThan(40_000);
      expect((await renderDocument(inputs[kind], { verifyUrl: VERIFY })).equals(pdf)).toBe(true); // still deterministic
    }
  });

  it("is not printed without a verification page", async () => {
    const file = join(dir, "no-qr.pdf");
    writeFileSync(file, await renderDocument(inputs["acceptance-notice"]));
    expect(scan(file)).toBeUndefined();
    expect(verificationQr(`${VERIFY}/`, CODE).text).toBe(`${VERIFY}/${CODE}`);
  });
});

describe("verification codes", () => {
  it("are 12 characters of the unambiguous alphabet, grouped 4-4-4", () => {
    expect(VERIFICATION_CODE_ALPHABET).toHaveLength(31);
    expect(VERIFICATION_CODE_ALPHABET).not.toMatch(/[01OIL]/);
    const codes = Array.from({ length: 2000 }, newVerificationCode);
    const seen = new Set<string>();
    for (const code of codes) {
      expect(code).toMatch(/^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
      expect(isVerificationCode(code)).toBe(true);
      for (const ch of code.replaceAll("-", "")) seen.add(ch);
    }
    expect(new Set(codes).size).toBe(codes.length);
    expect([...seen].sort().join("")).toBe(VERIFICATION_CODE_ALPHABET); // every character occurs
  });

  it("are recognised as typed", () => {
    expect(normalizeVerificationCode(" k7qf 9xma 2rtd ")).toBe(CODE);
    expect(normalizeVerificationCode("K7QF9XMA2RTD")).toBe(CODE);
    expect(normalizeVerificationCode("K7QF-9XMA-2RT0")).toBeUndefined(); // 0 is not in the alphabet
    expect(normalizeVerificationCode("K7QF-9XMA")).toBeUndefined();
    expect(isVerificationCode("K7QF-9XMA-2RTL")).toBe(false);
  });
});

describe("documentFacts", () => {
  it("lists the printed facts of an acceptance notice, in print order", () => {
    expect(documentFacts(inputs["acceptance-notice"])).toEqual({
      文书: "案件受理通知书",
      案号: "（2026）京0105民初1号",
      案件类型: "民事一审",
      收件编号: "KY-t-440106-20261128-000042",
      当事人: "原告：张三、王五；被告：北京某某科技有限公司；第三人：李四",
      协作法院: "广州市天河区人民法院",
      管辖法院: "北京市朝阳区人民法院",
      提交时间: "2026年11月28日 09:40",
      受理日期: "2026年11月28日",
      出具日期: "2026年11月28日",
    });
  });

  it("are refused for input that lacks what its kind prints", () => {
    expect(() => documentFacts({ ...inputs["acceptance-notice"], caseNumber: "" })).toThrow(/caseNumber is missing/);
  });

  it("has the kind's own facts", () => {
    expect(documentFacts(inputs.receipt).收到材料).toBe(
      "起诉状（起诉状.pdf）；当事人身份证明（身份证明.jpg）；对方当事人的姓名或者名称、住所等信息（被告信息.pdf）；证据材料（证据目录及证据.pdf）；送达地址确认书（送达地址确认书.pdf）",
    );
    expect(documentFacts(inputs["non-acceptance"])).toMatchObject({ 不予受理类别: "不属于本院管辖", 决定日期: "2026年11月28日" });
    expect(documentFacts(inputs["correction-notice"])).toMatchObject({
      补正事项: "1. 证据材料：证据材料缺少第3页，请补充完整的借款合同复印件；2. 当事人身份证明：身份证明复印件不清晰，请重新提交；3. 其他：起诉状未写明具体的诉讼请求金额",
      补正期限: "2026年12月5日 17:00",
    });
  });

  it("never carries identity numbers, even ones typed into free text", async () => {
    const input: DocumentInput = {
      ...inputs["non-acceptance"],
      rejection: { category: "other", reason: "原告张三（身份证号11010519491231002X）与统一社会信用代码91350100M000100Y43的公司", legalBasis: "无" },
    };
    const facts = JSON.stringify(documentFacts(input));
    expect(facts).not.toContain("11010519491231002X");
    expect(facts).not.toContain("91350100M000100Y43");
    expect(facts).toContain("110*************2X");
    const text = squeeze(pdfText(await renderDocument(input), "redacted"));
    expect(text).not.toContain("11010519491231002X");
    expect(text).not.toContain("91350100M000100Y43");
    expect(text).toContain("913*************43");
    // Receipt and case numbers are left alone.
    expect(redactIdentityNumbers("KY-t-440106-20261128-000042 （2026）京0105民初1号")).toBe("KY-t-440106-20261128-000042 （2026）京0105民初1号");
  });
});

describe("dates", () => {
  it("are written in China time, the signature date in Chinese numerals", () => {
    expect(chineseDate(new Date("2026-11-28T02:00:00Z"))).toBe("二〇二六年十一月二十八日");
    expect(chineseDate(new Date("2026-11-27T16:30:00Z"))).toBe("二〇二六年十一月二十八日"); // 00:30 on the 28th in China
    expect(chineseDate(new Date("2030-01-10T04:00:00Z"))).toBe("二〇三〇年一月十日");
    expect(numericDateTime(new Date("2026-03-01T23:05:00Z"))).toBe("2026年3月2日 07:05");
  });
});

describe("findCjkFonts", () => {
  const none = () => false;
  it("uses Debian's Noto Sans CJK, the sc face, else Noto Serif CJK", () => {
    expect(findCjkFonts({}, () => true)).toEqual({ face: { path: "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", postscriptName: "NotoSansCJKsc-Regular" }, source: "system" });
    expect(findCjkFonts({}, (p) => p.includes("Serif")).face).toEqual({ path: "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", postscriptName: "NotoSerifCJKsc-Regular" });
  });

  it("takes KUAYU_CJK_FONT, deriving the face of a Noto collection", () => {
    expect(findCjkFonts({ KUAYU_CJK_FONT: "/opt/f/NotoSansCJK-Bold.ttc" }, () => true).face).toEqual({ path: "/opt/f/NotoSansCJK-Bold.ttc", postscriptName: "NotoSansCJKsc-Bold" });
    expect(findCjkFonts({ KUAYU_CJK_FONT: "/opt/f/simsun.ttf" }, () => true).face).toEqual({ path: "/opt/f/simsun.ttf", postscriptName: undefined });
    expect(findCjkFonts({ KUAYU_CJK_FONT: "/opt/f/x.ttc", KUAYU_CJK_FONT_NAME: "SimSun" }, () => true).face.postscriptName).toBe("SimSun");
    expect(() => findCjkFonts({ KUAYU_CJK_FONT: "/opt/f/x.ttc" }, () => true)).toThrow(/KUAYU_CJK_FONT_NAME/);
    expect(() => findCjkFonts({ KUAYU_CJK_FONT: "/opt/missing.otf" }, none)).toThrow(/KUAYU_CJK_FONT does not exist\); tried: \/opt\/missing.otf/);
  });

  it("lists the paths tried and how to install when there is none", () => {
    const err = (() => {
      try {
        findCjkFonts({}, none);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(CjkFontNotFoundError);
    for (const f of SYSTEM_CJK_FONTS) expect(err!.message).toContain(f.path);
    expect(err!.message).toContain("bash scripts/fonts.sh");
    expect(err!.message).toContain("apt-get install -y fonts-noto-cjk");
  });
});
