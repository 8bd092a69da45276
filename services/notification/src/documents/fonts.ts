import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename } from "node:path";

/**
 * The CJK font of the printable documents: one face, for the body and (drawn larger, and for the
 * headings emboldened by stroking the outlines) the titles. Any OpenType/TrueType font with the
 * Chinese characters works (.ttf/.otf, or one face of a .ttc/.otc chosen by its PostScript name).
 * Each document embeds a subset of the face with only the characters it prints, made by HarfBuzz
 * (subset.ts); the font file is read once per process.
 *
 * Default: Noto Sans CJK SC Regular (黑体-like) from Debian's fonts-noto-cjk (installed by
 * scripts/fonts.sh), which ships four collections in /usr/share/fonts/opentype/noto/. Their faces
 * are named `Noto{Serif,Sans}CJK{jp,kr,sc,tc,hk}-{Regular,Bold}` (Sans also `NotoSansMonoCJK…`);
 * the `sc` faces have the Simplified-Chinese glyph forms that mainland court documents need (the
 * `jp` face, first in the file, draws some hanzi the Japanese way). Family names such as
 * "Noto Sans CJK SC" do not work, only PostScript names.
 *
 * Why Sans and one face: once only the glyphs printed are embedded, the size of a document is
 * mostly the outlines of its 220–300 distinct characters. Noto Serif CJK's (宋体-like, the face
 * court documents usually have) take about 160 bytes a glyph compressed, even without hints;
 * Sans's about 120. The receipt of the tests is 33 KB in Sans, 41 KB in Serif, 49 KB in Serif with
 * Serif Bold for the headings. Documents are kept under 40 KB: Sans, one face (headings emboldened
 * by stroking). Serif stays a choice: `KUAYU_CJK_FONT=/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc`
 * (the `sc` face is derived from a Noto file name) gives 37–45 KB documents.
 *
 * Override: `KUAYU_CJK_FONT=/path/to/font` (.ttf/.otf, or .ttc/.otc with `KUAYU_CJK_FONT_NAME`
 * set to the PostScript name of a face; for Noto CJK collections the `sc` face is derived from
 * the file name).
 */
export interface FontFace {
  readonly path: string;
  /** PostScript name of the face inside a collection; undefined for a single-font file. */
  readonly postscriptName: string | undefined;
}

export interface CjkFonts {
  /** Body and titles. */
  readonly face: FontFace;
  readonly source: "env" | "system";
}

const NOTO_DIR = "/usr/share/fonts/opentype/noto";
const noto = (style: "Serif" | "Sans"): FontFace => ({
  path: `${NOTO_DIR}/Noto${style}CJK-Regular.ttc`,
  postscriptName: `Noto${style}CJKsc-Regular`,
});

/** Where Debian's fonts-noto-cjk puts its fonts, in order of preference: Sans (黑体-like), then Serif (宋体-like). */
export const SYSTEM_CJK_FONTS: readonly FontFace[] = [noto("Sans"), noto("Serif")];

export const INSTALL_HINT =
  "install Debian's fonts-noto-cjk (bash scripts/fonts.sh, or: sudo apt-get install -y fonts-noto-cjk), " +
  "or set KUAYU_CJK_FONT to a font file with Chinese glyphs (plus KUAYU_CJK_FONT_NAME, its PostScript name, for a .ttc/.otc)";

export class CjkFontNotFoundError extends Error {
  override name = "CjkFontNotFoundError";
  constructor(
    readonly tried: readonly string[],
    detail?: string,
  ) {
    super(`no CJK font for the printable documents${detail ? ` (${detail})` : ""}; tried: ${tried.join(", ")}; ${INSTALL_HINT}`);
  }
}

const isCollection = (path: string) => /\.(ttc|otc)$/i.test(path);

/** The `sc` face of a Noto CJK collection from its file name (NotoSerifCJK-Bold.ttc → NotoSerifCJKsc-Bold). */
function notoFaceOf(path: string): string | undefined {
  const m = /^Noto(Sans|Serif|SansMono)CJK-([A-Za-z]+)\.ttc$/.exec(basename(path));
  return m ? `Noto${m[1]}CJKsc-${m[2]}` : undefined;
}

/**
 * Finds the CJK font: `KUAYU_CJK_FONT` when set (it must exist: no silent fallback), else the
 * first of `SYSTEM_CJK_FONTS` that exists. Throws `CjkFontNotFoundError` listing
 * the paths tried and how to install one.
 */
export function findCjkFonts(env: NodeJS.ProcessEnv = process.env, exists: (path: string) => boolean = existsSync): CjkFonts {
  const override = env.KUAYU_CJK_FONT?.trim();
  if (override) {
    if (!exists(override)) throw new CjkFontNotFoundError([override], "KUAYU_CJK_FONT does not exist");
    let postscriptName = env.KUAYU_CJK_FONT_NAME?.trim() || undefined;
    if (isCollection(override)) {
      postscriptName ??= notoFaceOf(override);
      if (!postscriptName) {
        throw new CjkFontNotFoundError([override], "KUAYU_CJK_FONT is a font collection: set KUAYU_CJK_FONT_NAME to the PostScript name of one of its faces");
      }
    }
    return { face: { path: override, postscriptName }, source: "env" };
  }
  const tried: string[] = [];
  for (const face of SYSTEM_CJK_FONTS) {
    tried.push(face.path);
    if (exists(face.path)) return { face, source: "system" };
  }
  throw new CjkFontNotFoundError(tried);
}

/** The part of a fontkit font that matters here; pdfkit takes such an object in place of a path. */
export interface LoadedFont {
  readonly postscriptName: string;
  layout(text: string, ...rest: unknown[]): unknown;
}
interface FontkitCollection {
  readonly fonts: readonly LoadedFont[];
}
type Fontkit = { create(data: Uint8Array, postscriptName?: string): LoadedFont | FontkitCollection | null | undefined };

// The fontkit that pdfkit itself uses (a dependency of pdfkit, resolved from there), so its font
// objects are the ones pdfkit expects.
let fontkit: Fontkit | undefined;
const loadFontkit = (): Fontkit => (fontkit ??= createRequire(require.resolve("pdfkit"))("fontkit") as Fontkit);

const isFont = (x: unknown): x is LoadedFont => typeof (x as LoadedFont | undefined)?.layout === "function";

/** Parses a font (a document's subset) with pdfkit's fontkit: what `doc.registerFont` takes. */
export function parseFont(data: Uint8Array): LoadedFont {
  const font = loadFontkit().create(data);
  if (!isFont(font)) throw new Error("not a single font");
  return font;
}

/**
 * The index of a face in its file, as HarfBuzz opens it (`hb_face_create(blob, index)`): for a
 * collection the position of the face named `face.postscriptName`, else 0. Throws when the file
 * is not a font or a collection has no face of that name (listing the names it has).
 */
export function faceIndex(face: FontFace, data: Uint8Array = readFileSync(face.path)): number {
  let parsed: LoadedFont | FontkitCollection | null | undefined;
  try {
    parsed = loadFontkit().create(data);
  } catch (e) {
    throw new Error(`${face.path} is not a font fontkit can read: ${(e as Error).message}`);
  }
  if (isFont(parsed)) {
    if (face.postscriptName && parsed.postscriptName !== face.postscriptName) {
      throw new Error(`${face.path} has no face with the PostScript name ${face.postscriptName}; its face: ${parsed.postscriptName}`);
    }
    return 0;
  }
  const names = parsed && Array.isArray(parsed.fonts) ? parsed.fonts.map((f) => f.postscriptName) : [];
  const index = face.postscriptName ? names.indexOf(face.postscriptName) : -1;
  if (index < 0) {
    const wanted = face.postscriptName ? `has no face with the PostScript name ${face.postscriptName}` : "is a collection: a PostScript name is needed";
    throw new Error(`${face.path} ${wanted}${names.length ? `; its faces: ${names.join(", ")}` : ""}`);
  }
  return index;
}
