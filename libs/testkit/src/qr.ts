import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import jsQR from "jsqr";

/**
 * The text of the QR code on a PDF, as a phone's scanner reads it: each page rendered by poppler's
 * pdftoppm (scripts/fonts.sh installs it) at 150 dpi in grey and decoded by jsQR; the first code
 * found. undefined when no page has one.
 */
export function scanPdfQr(pdf: Buffer): string | undefined {
  const dir = mkdtempSync(path.join(tmpdir(), "kuayu-qr-"));
  try {
    writeFileSync(path.join(dir, "doc.pdf"), pdf);
    execFileSync("pdftoppm", ["-gray", "-r", "150", path.join(dir, "doc.pdf"), path.join(dir, "page")]);
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith(".pgm"))
      .sort()) {
      const text = decode(readFileSync(path.join(dir, file)));
      if (text !== undefined) return text;
    }
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A binary PGM ("P5 <width> <height> 255", one byte a pixel) through jsQR. */
function decode(pgm: Buffer): string | undefined {
  const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.toString("latin1", 0, 40));
  if (!header) throw new Error("pdftoppm wrote no 8-bit PGM");
  const [width, height] = [Number(header[1]), Number(header[2])];
  const grey = pgm.subarray(header[0].length);
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.set([grey[i]!, grey[i]!, grey[i]!, 255], i * 4);
  return jsQR(rgba, width, height)?.data;
}
