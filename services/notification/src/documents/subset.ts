import { readFileSync } from "node:fs";
import { faceIndex, type FontFace } from "./fonts.js";

/*
 * Font subsetting with HarfBuzz's hb-subset (the wasm build of the harfbuzzjs package, published
 * by the HarfBuzz project), so a document embeds only the glyphs it prints.
 *
 * Why: pdfkit embeds a subset made by fontkit, which for a CFF font (Noto CJK is CID-keyed CFF)
 * keeps an entry for every subroutine of the font — the unused ones as one-byte stubs, each with
 * its offset: 3,241 global and ~54,000 local ones in Noto Serif CJK, most of the 107 KB + 63 KB of
 * the two faces of a 178 KB receipt. HarfBuzz
 * subsets the outlines (and, DESUBROUTINIZE below, inlines the subroutines they call); pdfkit then
 * makes its own subset of that small font, which is only the glyphs printed (a document is 30–36 KB,
 * see fonts.ts for the face, and renders in less time: fontkit no longer works on the whole font).
 *
 * hb-subset opens one face of a collection by its index (Noto's .ttc files hold five faces that
 * share one CFF table), so the Simplified-Chinese `sc` face is subset straight from Debian's file.
 * Each font file is copied once per process into the memory of a HarfBuzz instance of its own (the
 * collections are 19–27 MB; the wasm build has a fixed 64 MiB memory) and its face kept; as with
 * fontkit's parsed fonts before, that memory is kept for the life of the process.
 * The output depends only on the font file and the set of characters: deterministic.
 *
 * harfbuzzjs's JavaScript API (an ES module) wraps shaping, not subsetting; the subset entry points
 * of its harfbuzz-subset.wasm are called here directly, as the subset-font package does (which
 * itself opens only the first face of a file: no .ttc, so it is not used).
 */

// Node's WebAssembly, as used here (the project's TypeScript lib, ES2023, does not declare it).
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}
const WebAssembly = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

interface HbSubset {
  memory: { readonly buffer: ArrayBuffer };
  _initialize(): void;
  malloc(n: number): number;
  free(p: number): void;
  hb_blob_create(data: number, length: number, mode: number, userData: number, destroy: number): number;
  hb_blob_destroy(blob: number): void;
  hb_blob_get_data(blob: number, length: number): number;
  hb_blob_get_length(blob: number): number;
  hb_face_create(blob: number, index: number): number;
  hb_face_destroy(face: number): void;
  hb_face_reference_blob(face: number): number;
  hb_set_add(set: number, codepoint: number): void;
  hb_subset_input_create_or_fail(): number;
  hb_subset_input_destroy(input: number): void;
  hb_subset_input_unicode_set(input: number): number;
  hb_subset_input_set(input: number, which: number): number;
  hb_subset_input_get_flags(input: number): number;
  hb_subset_input_set_flags(input: number, flags: number): void;
  hb_subset_or_fail(face: number, input: number): number;
}

const HB_MEMORY_MODE_READONLY = 1;
const HB_SUBSET_SETS_DROP_TABLE_TAG = 3;
const FLAGS =
  // Hints (CFF stem hints) are for rasterising small sizes on screens; a PDF viewer or printer
  // does without them. A sixth of the outline bytes.
  0x1 | // HB_SUBSET_FLAGS_NO_HINTING
  // The charstrings with their subroutines inlined: pdfkit's own subset (fontkit) copies a CFF
  // font's subroutine indexes whole, and the inlined outlines compress better. Another sixth.
  0x4 | // HB_SUBSET_FLAGS_DESUBROUTINIZE
  // Layout closure would pull in every glyph a GSUB feature can reach from the text (vertical
  // forms, width variants, the other locales' forms): twice the glyphs, none of them drawn. GSUB
  // and GPOS stay (for the glyphs kept), so fontkit lays the text out as with the whole font
  // (checked: the same positions in the page content).
  0x200; // HB_SUBSET_FLAGS_NO_LAYOUT_CLOSURE
// Tables pdfkit does not use (vertical metrics and baselines: the documents are set horizontally).
const DROP_TABLES = ["vhea", "vmtx", "VORG", "BASE", "DSIG"];

const tag = (s: string) => [...s].reduce((a, c) => a * 256 + c.charCodeAt(0), 0);

let wasmModule: object | undefined;

/**
 * A HarfBuzz instance of its own for each font file: the wasm build has a fixed 64 MiB memory, and
 * a Noto CJK collection takes 19–26 MiB of it (two would leave too little to subset in).
 */
function harfbuzz(): HbSubset {
  // The package's exports map lists "./dist/*.wasm"; compiled once per process (0.7 MB).
  wasmModule ??= new WebAssembly.Module(readFileSync(require.resolve("harfbuzzjs/dist/harfbuzz-subset.wasm")));
  const exports = new WebAssembly.Instance(wasmModule, {}).exports as unknown as HbSubset;
  exports._initialize();
  return exports;
}

interface LoadedFace {
  hb: HbSubset;
  face: number;
}
/** By font file and face, one per process: the file in the memory of its HarfBuzz instance. */
const faces = new Map<string, LoadedFace>();

function hbFace(face: FontFace): LoadedFace {
  const key = `${face.path}#${face.postscriptName ?? ""}`;
  const cached = faces.get(key);
  if (cached) return cached;
  const bytes = readFileSync(face.path);
  const index = faceIndex(face, bytes); // throws, naming the faces, when the collection has no such face
  const h = harfbuzz();
  const data = h.malloc(bytes.length);
  if (data === 0) throw new Error(`${face.path}: too large for HarfBuzz's memory (${bytes.length} bytes)`);
  new Uint8Array(h.memory.buffer, data, bytes.length).set(bytes);
  // Read-only and not copied: the face reads the file where it is, for the life of the process.
  const blob = h.hb_blob_create(data, bytes.length, HB_MEMORY_MODE_READONLY, 0, 0);
  const f = h.hb_face_create(blob, index);
  h.hb_blob_destroy(blob); // the face holds its own reference
  const loaded = { hb: h, face: f };
  faces.set(key, loaded);
  return loaded;
}

/**
 * An OpenType font with the glyphs of `text` only (and .notdef), from one face of a font file or
 * collection: what pdfkit then embeds. Same face and characters, same bytes. Throws when the
 * file is not a font HarfBuzz can subset, or the collection has no face of that name.
 */
export function subsetFont(face: FontFace, text: string): Buffer {
  const { hb: h, face: f } = hbFace(face);
  const input = h.hb_subset_input_create_or_fail();
  if (input === 0) throw new Error("hb_subset_input_create_or_fail failed (out of memory?)");
  let subset = 0;
  try {
    const unicodes = h.hb_subset_input_unicode_set(input);
    for (const ch of new Set(text)) h.hb_set_add(unicodes, ch.codePointAt(0)!);
    const drop = h.hb_subset_input_set(input, HB_SUBSET_SETS_DROP_TABLE_TAG);
    for (const t of DROP_TABLES) h.hb_set_add(drop, tag(t));
    h.hb_subset_input_set_flags(input, h.hb_subset_input_get_flags(input) | FLAGS);
    subset = h.hb_subset_or_fail(f, input);
  } finally {
    h.hb_subset_input_destroy(input);
  }
  if (subset === 0) throw new Error(`${face.path}: HarfBuzz could not subset the font${face.postscriptName ? ` (face ${face.postscriptName})` : ""}`);
  const blob = h.hb_face_reference_blob(subset);
  try {
    const length = h.hb_blob_get_length(blob);
    if (length === 0) throw new Error(`${face.path}: HarfBuzz made an empty subset`);
    // Copied out: the wasm memory is reused (and may grow, detaching views) by the next call.
    return Buffer.from(new Uint8Array(h.memory.buffer, h.hb_blob_get_data(blob, 0), length));
  } finally {
    h.hb_blob_destroy(blob);
    h.hb_face_destroy(subset);
  }
}

/** Forgets the fonts read so far (tests): the next document reads the files again. */
export function clearFontCache(): void {
  faces.clear(); // the HarfBuzz instances, with the files in their memory, go with them
}
