import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename } from "node:path";

/**
 * The CJK fonts of the printable documents. pdfkit embeds a subset of the glyphs used, so any
 * OpenType/TrueType font with the Chinese characters works; inside a font collection (.ttc/.otc)
 * one face is chosen by its PostScript name (fontkit.create's second argument, which is what
 * pdfkit's `registerFont(name, path, family)` passes on). Fonts are parsed once per process with
 * the fontkit that pdfkit uses (`loadFont`) and handed to pdfkit as parsed objects.
 *
 * Default: Debian's fonts-noto-cjk (installed by scripts/fonts.sh), which ships four collections
 * in /usr/share/fonts/opentype/noto/. Their faces are named `Noto{Serif,Sans}CJK{jp,kr,sc,tc,hk}-{Regular,Bold}`
 * (Sans also `NotoSansMonoCJK…`); the `sc` faces have the Simplified-Chinese glyph forms that
 * mainland court documents need (the `jp` face, first in the file, draws some hanzi the Japanese way).
 * Family names such as "Noto Serif CJK SC" do not work, only PostScript names.
 *
 * Override: `KUAYU_CJK_FONT=/path/to/font` (.ttf/.otf, or .ttc/.otc with `KUAYU_CJK_FONT_NAME`
 * set to the PostScript name of a face; for Noto CJK collections the `sc` face is derived from
 * the file name). The override is used for the titles as well, drawn larger.
 */
export interface FontFace {
  readonly path: string;
  /** PostScript name of the face inside a collection; undefined for a single-font file. */
  readonly postscriptName: string | undefined;
}

export interface CjkFonts {
  /** Body text. */
  readonly regular: FontFace;
  /** Titles; the regular face when there is no bold one. */
  readonly bold: FontFace;
  readonly source: "env" | "system";
}

const NOTO_DIR = "/usr/share/fonts/opentype/noto";
const noto = (style: "Serif" | "Sans", weight: "Regular" | "Bold"): FontFace => ({
  path: `${NOTO_DIR}/Noto${style}CJK-${weight}.ttc`,
  postscriptName: `Noto${style}CJKsc-${weight}`,
});

/**
 * Where Debian's fonts-noto-cjk puts its fonts, in order of preference: Serif (宋体-like, the
 * usual face of court documents), then Sans (黑体-like).
 */
export const SYSTEM_CJK_FONTS: readonly { regular: FontFace; bold: FontFace }[] = [
  { regular: noto("Serif", "Regular"), bold: noto("Serif", "Bold") },
  { regular: noto("Sans", "Regular"), bold: noto("Sans", "Bold") },
];

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
 * Finds the CJK fonts: `KUAYU_CJK_FONT` when set (it must exist: no silent fallback), else the
 * first of `SYSTEM_CJK_FONTS` whose regular face exists. Throws `CjkFontNotFoundError` listing
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
    const face: FontFace = { path: override, postscriptName };
    return { regular: face, bold: face, source: "env" };
  }
  const tried: string[] = [];
  for (const f of SYSTEM_CJK_FONTS) {
    tried.push(f.regular.path);
    if (exists(f.regular.path)) return { regular: f.regular, bold: exists(f.bold.path) ? f.bold : f.regular, source: "system" };
  }
  throw new CjkFontNotFoundError(tried);
}

/** The part of a fontkit font that matters here; pdfkit takes such an object in place of a path. */
export interface LoadedFont {
  readonly postscriptName: string;
  layout(text: string): unknown;
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

// Parsed once per process: handing pdfkit a path or the bytes makes it read (20–27 MB) and parse
// the collection on every document; a parsed font halves the render time (fontkit caches glyphs,
// and pdfkit makes a fresh subset per document, so the bytes are the same either way).
const fontCache = new Map<string, LoadedFont>();

/**
 * The parsed font of a face, once per process. Throws when the file is not a font or a
 * collection has no face of that name (listing the names it has).
 */
export function loadFont(face: FontFace): LoadedFont {
  const key = `${face.path}#${face.postscriptName ?? ""}`;
  const cached = fontCache.get(key);
  if (cached) return cached;
  const data = readFileSync(face.path);
  let font: LoadedFont | FontkitCollection | null | undefined;
  try {
    font = loadFontkit().create(data, face.postscriptName);
  } catch (e) {
    throw new Error(`${face.path} is not a font fontkit can read: ${(e as Error).message}`);
  }
  if (!isFont(font)) {
    const all = loadFontkit().create(data);
    const names = all && !isFont(all) && Array.isArray(all.fonts) ? all.fonts.map((f) => f.postscriptName) : [];
    const wanted = face.postscriptName ? `has no face with the PostScript name ${face.postscriptName}` : "is a collection: a PostScript name is needed";
    throw new Error(`${face.path} ${wanted}${names.length ? `; its faces: ${names.join(", ")}` : ""}`);
  }
  fontCache.set(key, font);
  return font;
}

/** Forgets the parsed fonts (tests). */
export function clearFontCache(): void {
  fontCache.clear();
}
