import PDFDocument from "pdfkit";
import QRCode from "qrcode";
import { caseTypeInfo, toChineseNumeral } from "@kuayu/domain";
import { documentFacts } from "./codes.js";
import { findCjkFonts, parseFont, type CjkFonts, type FontFace, type LoadedFont } from "./fonts.js";
import { subsetFont } from "./subset.js";
import { DOCUMENT_TITLES, addressee, caseDescription, chineseDate, materialName, numericDate, numericDateTime, redactIdentityNumbers, rejectionCategoryName } from "./format.js";
import { validateDocumentInput, type DocumentInput } from "./types.js";

export type { DocumentInput, DocumentKind } from "./types.js";

export interface RenderOptions {
  /** Default: findCjkFonts() (KUAYU_CJK_FONT, else Debian's fonts-noto-cjk). */
  fonts?: CjkFonts;
  /**
   * The public verification page (e.g. https://kuayu.example/verify): the notice prints a QR code
   * of `<verifyUrl>/<code>` beside its verification block and names the page. Without it, neither.
   */
  verifyUrl?: string;
}

/** A QR code's side: 2 pt a module (0.7 mm, well above what phone cameras need at reading distance). */
const QR_MODULE = 2;

/** The QR code of a document's verification link: its modules, error correction M (survives a stamp or a crease). */
export function verificationQr(verifyUrl: string, code: string): { size: number; dark(row: number, col: number): boolean; text: string } {
  const text = `${verifyUrl.replace(/\/$/, "")}/${code}`;
  const { modules } = QRCode.create(text, { errorCorrectionLevel: "M" });
  return { size: modules.size, dark: (r, c) => Boolean(modules.get(r, c)), text };
}

/*
 * Determinism: the same input gives the same bytes. pdfkit 0.20 takes nothing random for an
 * unencrypted document: the trailer /ID is the MD5 of the Info dictionary (CreationDate and every
 * entry), the font subset tag comes from the font id (F1), and the subset from the glyphs used. So CreationDate/ModDate are set to issuedAt (else pdfkit uses `new Date()`), and the
 * verification code goes into Info (Keywords), which makes the /ID derived from it as well.
 * The fonts pdfkit subsets are HarfBuzz subsets of the characters the document prints (subset.ts),
 * which depend on the font file and those characters only.
 * Checked by the tests: two renders give identical bytes, also across a fresh read of the fonts
 * and with Dates of another realm; another code or issuedAt changes the bytes and the /ID.
 * (Same bytes also need the same font files: another fonts-noto-cjk version may differ.)
 *
 * Size: one face (fonts.ts says why), embedded with only the glyphs the document prints: every
 * string drawn is known before the first is drawn (`content` and the fixed texts below), so the
 * face is subset to exactly those characters; drawing a character that was not declared throws
 * (a bug here, caught by the tests of every kind) rather than printing an empty box. Headings are
 * emboldened by stroking the outlines, not by a second (bold) face.
 */

// A4. Margins a little narrower than GB/T 9704's (37/35/28/26 mm) so that a usual notice,
// with its facts table and verification block, fits on one page.
const MM = 72 / 25.4;
const MARGINS = { top: 25 * MM, bottom: 22 * MM, left: 26 * MM, right: 24 * MM };
// Points: 二号 22, 三号 16, 13 (between 四号 14 and 小四 12) for the body, 五号 10.5 for tables.
const SIZE = { court: 16, title: 22, ref: 12, body: 13, table: 10.5, note: 9.5, footer: 8.5 } as const;
const BODY_LINE_GAP = 4;
const CELL_PADDING: [number, number] = [3.5, 5];
const FACT_LABEL_WIDTH = 62;
const RULE = "#444444";
const LABEL_BG = "#f0f0f0";

/** What a kind of document says, before layout. */
interface Content {
  issuingCourt: string;
  /** Right-aligned under the title: the case number or receipt number. */
  reference: string;
  /** "张三：" */
  salutation: string;
  /** Paragraphs before the tables. */
  intro: string[];
  /** Facts table rows (label, value): documentFacts minus what the text prints. */
  facts: [string, string][];
  /** A list table: header and rows. */
  list?: { header: [string, string, string]; rows: [string, string, string][] };
  /** Paragraphs after the tables. */
  outro: string[];
}

/** Facts printed in the body text rather than in the facts table. */
const FACTS_IN_TEXT = new Set(["文书", "出具日期", "收到材料", "不予受理类别", "理由", "法律依据", "补正事项"]);

function content(input: DocumentInput): Content {
  const r = redactIdentityNumbers;
  const info = caseTypeInfo(input.caseType);
  const facts = Object.entries(documentFacts(input)).filter(([k]) => !FACTS_IN_TEXT.has(k));
  const caseDesc = caseDescription(input.caseType, input.parties);
  const salutation = `${addressee(input.parties)}：`;
  const submitted = input.submittedAt ? `于${numericDateTime(input.submittedAt)}` : "";
  const via = `通过${r(input.collaboratingCourt)}跨域立案`;
  const base = { salutation, facts };

  switch (input.kind) {
    case "receipt": {
      const period = info.decisionPeriod;
      const periodText =
        period.duty === "send-acceptance-notice"
          ? `依法在收到符合条件的${info.name}材料之日起${toChineseNumeral(period.days)}日内发送受理通知书`
          : `依法在${toChineseNumeral(period.days)}日内决定是否立案`;
      return {
        ...base,
        issuingCourt: r(input.collaboratingCourt),
        reference: `收件编号：${input.receiptNumber}`,
        intro: [
          `本院作为协作法院，已${submitted}收到你方向${r(input.jurisdictionCourt)}提出的${caseDesc}一案跨域立案申请及下列材料，并已通过跨域立案服务转交管辖法院审查。`,
          `管辖法院将在收到申请后30个工作分钟内作出响应（非工作时间提交的，自下一工作时段开始时起算），并${periodText}。`,
        ],
        list: {
          header: ["序号", "材料名称", "文件名"],
          rows: (input.materials ?? []).map((m, i) => [String(i + 1), materialName(input.caseType, m.kind), r(m.fileName)]),
        },
        outro: ["本回执仅证明本院已收到上述材料，不代表案件已被受理。是否立案，以管辖法院出具的案件受理通知书、补正材料通知书或者不予受理通知书为准。"],
      };
    }
    case "acceptance-notice":
      return {
        ...base,
        issuingCourt: r(input.jurisdictionCourt),
        reference: input.caseNumber!,
        intro: [
          `你方${submitted}${via}提交的${caseDesc}一案，经本院审查，符合法定受理条件，本院已于${numericDate(input.decidedAt!)}立案受理，案号为${input.caseNumber}。`,
          "现将有关事项通知如下：",
          "一、本案已通过跨域立案受理，你方无需再到本院重复提交立案材料；本院需要核对材料原件的，将另行通知。",
          "二、本案的诉讼文书将按照你方确认的送达地址送达；送达地址变更的，应当及时书面告知本院。",
          "三、你方与本院联系或者向本院提交材料时，请注明本案案号。",
        ],
        outro: [],
      };
    case "non-acceptance": {
      const rej = input.rejection!;
      return {
        ...base,
        issuingCourt: r(input.jurisdictionCourt),
        reference: input.caseNumber ?? `收件编号：${input.receiptNumber}`,
        intro: [
          `你方${submitted}${via}提交的${caseDesc}一案，经本院审查，决定不予受理（不予立案）。`,
          `不予受理的类别：${r(rejectionCategoryName(rej.category))}。`,
          `理由：${r(rej.reason.trim())}`,
          `法律依据：${r(rej.legalBasis.trim())}`,
          "你方如对本决定不服，可以依照法律规定的途径和期限寻求救济；本院依法作出不予受理裁定的，以裁定书载明的途径和期限为准。",
        ],
        outro: [],
      };
    }
    case "correction-notice": {
      const c = input.correction!;
      return {
        ...base,
        issuingCourt: r(input.jurisdictionCourt),
        reference: `收件编号：${input.receiptNumber}`,
        intro: [
          `你方${submitted}${via}提交的${caseDesc}一案，经本院审查，所提交的材料尚不符合法律规定的要求。依照《最高人民法院关于人民法院登记立案若干问题的规定》第七条的规定，现将需要补正的全部材料一次性告知如下：`,
        ],
        list: {
          header: ["序号", "补正材料", "补正要求"],
          rows: c.items.map((item, i) => [String(i + 1), materialName(input.caseType, item.materialKind), r(item.description.trim())]),
        },
        outro: [
          `请于${numericDateTime(c.deadline)}前通过${r(input.collaboratingCourt)}或者跨域立案服务一次补正上述全部材料。在指定期限内补正的，本院决定是否立案的期间自收到补正材料之日起计算；逾期未补正的，本院将退回起诉（申请）材料并记录在册。`,
          ...(c.note.trim() ? [`其他说明：${r(c.note.trim())}`] : []),
        ],
      };
    }
  }
}

const DIGITS = "0123456789";
/** The mark of a signature page without body text. */
const NO_BODY = "（此页无正文）";

// Emphasis (court, title, verification code, table headings) with the one face: the outlines
// filled and stroked, the stroke this share of the size (0.6 pt at 22 pt).
const EMBOLDEN = 0.028;

/** The subset of `face` with the characters of `text`, parsed for pdfkit; laying out any other character throws. */
function fontFor(face: FontFace, text: string): LoadedFont {
  const chars = new Set(text);
  let font: LoadedFont;
  try {
    font = parseFont(subsetFont(face, [...chars].join("")));
  } catch (e) {
    const detail = face.postscriptName ? ` (PostScript name ${face.postscriptName})` : "";
    throw new Error(`cannot use the CJK font ${face.path}${detail}: ${(e as Error).message}`);
  }
  // pdfkit measures and encodes every string through the font's layout (EmbeddedFont.layoutRun).
  const layout = font.layout.bind(font);
  font.layout = (s: string, ...rest: unknown[]) => {
    for (const ch of s) {
      if (!chars.has(ch)) throw new Error(`render.ts draws ${JSON.stringify(ch)} (in ${JSON.stringify(s)}) with ${face.postscriptName ?? face.path} but did not declare it for the font subset`);
    }
    return layout(s, ...rest);
  };
  return font;
}

/**
 * Renders a printable document as an A4 PDF with Chinese text: the issuing court and title,
 * the reference number, the body, a facts table, the list of materials or items, the signature
 * (court and date 二〇二六年十一月二十八日) and the verification code with how to check it.
 * Deterministic: the same input (and font files) gives the same bytes. The face is embedded
 * with the glyphs of the characters the document prints only (HarfBuzz subset): 30–36 KB a document.
 * Throws DocumentInputError when the input lacks what its kind prints, CjkFontNotFoundError when
 * there is no CJK font.
 */
export async function renderDocument(input: DocumentInput, options: RenderOptions = {}): Promise<Buffer> {
  validateDocumentInput(input);
  const fonts = options.fonts ?? findCjkFonts();
  const c = content(input);
  const title = DOCUMENT_TITLES[input.kind];
  // pdfkit writes a Date as D:… only when it is `instanceof Date` of this realm; one from another
  // (a vm context, structuredClone under jest) would be written as an object, not a date.
  const issuedAt = new Date(input.issuedAt.getTime());

  const doc = new PDFDocument({
    size: "A4",
    margins: MARGINS,
    bufferPages: true, // page numbers and the code are written on every page at the end
    lang: "zh-CN",
    displayTitle: true,
    info: {
      Title: title,
      Author: c.issuingCourt,
      Subject: `${title} ${input.receiptNumber}`,
      Keywords: `验证码 ${input.verificationCode}`,
      Creator: "Kuayu 跨域立案服务",
      Producer: "PDFKit",
      CreationDate: issuedAt,
      ModDate: issuedAt,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("data", (chunk: Buffer) => chunks.push(chunk));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });

  // Every string drawn, for the font subset.
  const signDate = chineseDate(input.issuedAt);
  const codeLine = `验证码：${input.verificationCode}`;
  const qr = options.verifyUrl ? verificationQr(options.verifyUrl, input.verificationCode) : undefined;
  const howToVerify =
    (qr
      ? `核验方法：用手机扫描右侧二维码，或访问 ${options.verifyUrl!.replace(/\/$/, "")} 并输入验证码，`
      : `核验方法：执行 kuayu document verify ${input.verificationCode}，或调用跨域立案服务的 VerifyDocument 接口并提交验证码，`) +
    "可查询本文书的出具法院、出具时间、载明事项和文件摘要（SHA-256），核对本文书是否真实、完整。";
  const footer = (page: number, pages: number) => `${title}\u3000验证码 ${input.verificationCode}\u3000第${page}页 共${pages}页`;
  const list = c.list && c.list.rows.length > 0 ? c.list : undefined;
  const printed = [
    c.issuingCourt,
    title,
    c.reference,
    c.salutation,
    ...c.intro,
    ...c.facts.flat(),
    ...(list ? [...list.header, ...list.rows.flat()] : []),
    ...c.outro,
    NO_BODY,
    signDate,
    codeLine,
    howToVerify,
    footer(0, 0),
    DIGITS, // page numbers
  ].join("");
  // pdfkit 0.20 takes a parsed fontkit font (PDFFontFactory.open: anything with layout());
  // @types/pdfkit only lists paths and bytes.
  doc.registerFont("cjk", fontFor(fonts.face, printed) as unknown as Buffer);
  doc.font("cjk");

  const left = MARGINS.left;
  const width = doc.page.width - MARGINS.left - MARGINS.right;
  const ensureSpace = (h: number) => {
    if (doc.y + h > doc.page.height - MARGINS.bottom) doc.addPage();
  };

  // Heading: issuing court, title, reference.
  const emphasis = (size: number) =>
    doc
      .font("cjk")
      .fontSize(size)
      .fillColor("black")
      .strokeColor("black")
      .lineWidth(EMBOLDEN * size);
  const strong = { fill: true, stroke: true } as const;
  emphasis(SIZE.court).text(c.issuingCourt, left, MARGINS.top, { width, align: "center", characterSpacing: 1, ...strong });
  doc.moveDown(0.2);
  emphasis(SIZE.title).text(title, { width, align: "center", characterSpacing: 3, ...strong });
  doc.moveDown(0.3);
  doc.font("cjk").fontSize(SIZE.ref).text(c.reference, { width, align: "right" });
  doc.moveDown(0.5);

  // Body: paragraphs indented by two characters.
  const paragraph = (text: string, indent = true) => {
    doc.font("cjk").fontSize(SIZE.body).fillColor("black");
    doc.text(text, left, doc.y, { width, lineGap: BODY_LINE_GAP, indent: indent ? 2 * SIZE.body : 0 });
  };
  paragraph(c.salutation, false);
  for (const p of c.intro) paragraph(p);
  doc.moveDown(0.5);

  // Tables: shaded labels, thin rules.
  const label = (text: string): PDFKit.Mixins.CellOptions => ({ text, backgroundColor: LABEL_BG, align: { x: "center", y: "center" } });
  const cell = (text: string, colSpan = 1, x: "left" | "center" = "left"): PDFKit.Mixins.CellOptions => ({ text, colSpan, align: { x, y: "center" } });
  const table = (columns: (number | string)[], rows: PDFKit.Mixins.CellOptions[][]) => {
    doc.font("cjk").fontSize(SIZE.table).fillColor("black");
    ensureSpace(3 * (SIZE.table * 1.5 + 2 * CELL_PADDING[0]));
    const t = doc.table({
      position: { x: left, y: doc.y },
      maxWidth: width,
      columnStyles: columns,
      defaultStyle: { border: 0.5, borderColor: RULE, padding: CELL_PADDING },
    });
    for (const row of rows) t.row(row);
    t.end();
    doc.x = left;
    doc.moveDown(0.6);
  };

  // Facts, two to a row where both values fit in half the table, else one across.
  const valueWidth = (width - 2 * FACT_LABEL_WIDTH) / 2 - 2 * CELL_PADDING[1];
  doc.font("cjk").fontSize(SIZE.table);
  const factRows: PDFKit.Mixins.CellOptions[][] = [];
  let pending: [string, string] | undefined;
  for (const [k, v] of c.facts) {
    if (doc.widthOfString(v) > valueWidth) factRows.push([label(k), cell(v, 3)]);
    else if (pending) {
      factRows.push([label(pending[0]), cell(pending[1]), label(k), cell(v)]);
      pending = undefined;
    } else pending = [k, v];
  }
  if (pending) factRows.push([label(pending[0]), cell(pending[1], 3)]);
  table([FACT_LABEL_WIDTH, "*", FACT_LABEL_WIDTH, "*"], factRows);

  if (list) {
    const header = list.header.map((h) => ({ ...label(h), textStroke: EMBOLDEN * SIZE.table, textStrokeColor: "black" }));
    table([36, 130, "*"], [header, ...list.rows.map(([n, a, b]) => [cell(n, 1, "center"), cell(a), cell(b)])]);
  }

  for (const p of c.outro) paragraph(p);

  // Signature (court, date) kept on one page with the verification block.
  const noteLines = 3;
  const qrSide = qr ? qr.size * QR_MODULE : 0;
  // Beside the QR code the note is narrower: its height as laid out, the code's box at least.
  const textWidth = qr ? width - qrSide - 12 : width;
  const noteHeight = qr ? doc.font("cjk").fontSize(SIZE.note).heightOfString(howToVerify, { width: textWidth, lineGap: 2 }) : noteLines * (SIZE.note * 1.45 + 2);
  const block = Math.max(SIZE.body * 1.45 + 2 + noteHeight, qrSide);
  const needed = 2.2 * SIZE.body + 2 * (SIZE.body * 1.45 + BODY_LINE_GAP) + 16 + block;
  if (doc.y + needed > doc.page.height - MARGINS.bottom) {
    doc.addPage();
    doc.font("cjk").fontSize(SIZE.body).fillColor("black").text(NO_BODY, left, MARGINS.top, { width });
  }
  doc.moveDown(0.8);
  doc.font("cjk").fontSize(SIZE.body).fillColor("black");
  const signWidth = width - 2 * SIZE.body; // two characters in from the right edge
  doc.text(c.issuingCourt, left, doc.y, { width: signWidth, align: "right", lineGap: BODY_LINE_GAP });
  doc.text(signDate, left, doc.y, { width: signWidth, align: "right", lineGap: BODY_LINE_GAP });
  doc.moveDown(0.6);

  const ruleY = doc.y;
  doc
    .moveTo(left, ruleY)
    .lineTo(left + width, ruleY)
    .lineWidth(0.5)
    .strokeColor(RULE)
    .stroke();
  // The code and how to check it; the QR code of the verification link on the right.
  emphasis(SIZE.body).text(codeLine, left, ruleY + 6, { width: textWidth, ...strong });
  doc
    .font("cjk")
    .fontSize(SIZE.note)
    .fillColor("#333333")
    .text(howToVerify, left, doc.y + 2, { width: textWidth, lineGap: 2 });
  if (qr) {
    const x0 = left + width - qrSide;
    const y0 = ruleY + 6;
    for (let r = 0; r < qr.size; r++) for (let c = 0; c < qr.size; c++) if (qr.dark(r, c)) doc.rect(x0 + c * QR_MODULE, y0 + r * QR_MODULE, QR_MODULE, QR_MODULE);
    doc.fillColor("black").fill();
    doc.y = Math.max(doc.y, y0 + qrSide);
  }

  // Every page: title, code and page number in the bottom margin.
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const saved = doc.page.margins.bottom;
    doc.page.margins.bottom = 0; // writing inside the bottom margin must not start a new page
    doc.font("cjk").fontSize(SIZE.footer).fillColor("#666666");
    doc.text(footer(i - range.start + 1, range.count), left, doc.page.height - MARGINS.bottom + 22, {
      width,
      align: "center",
      lineBreak: false,
    });
    doc.page.margins.bottom = saved;
  }
  doc.end();
  return done;
}
