/** File types accepted for filing materials (立案材料). */
export type MaterialFileType = "pdf" | "jpeg" | "png" | "ofd";

/** Media type to store and serve each material file type with. */
export const MEDIA_TYPES: Record<MaterialFileType, string> = {
  pdf: "application/pdf",
  jpeg: "image/jpeg",
  png: "image/png",
  ofd: "application/ofd",
};

/** How many leading bytes of a file `sniffFileType` needs (or the whole file if it is smaller). */
export const SNIFF_BYTES = 4096;

const PDF_SIGNATURE = [0x25, 0x50, 0x44, 0x46, 0x2d]; // "%PDF-"
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const ZIP_LOCAL_HEADER = [0x50, 0x4b, 0x03, 0x04]; // "PK\x03\x04"
/** Length of a ZIP local file header before its file name. */
const ZIP_LOCAL_HEADER_LENGTH = 30;
/** General-purpose flag bit 3: sizes follow the data in a data descriptor, not in the header. */
const ZIP_FLAG_DATA_DESCRIPTOR = 0x0008;
/** Root document of an OFD container (GB/T 33190-2016). */
const OFD_ENTRY_NAME = "OFD.xml";

/**
 * Decides a material's file type from its first bytes (pass at least `SNIFF_BYTES`, or the
 * whole file if smaller), never from its name or declared type: PDF (`%PDF-`), JPEG (FF D8 FF),
 * PNG (8-byte signature) or OFD (a ZIP container holding an `OFD.xml` entry).
 *
 * For OFD only the ZIP local file headers inside `head` are walked, from offset 0, so a
 * container whose `OFD.xml` entry starts beyond the head, or follows an entry whose size is
 * only in a data descriptor or ZIP64 field, is not recognised.
 *
 * @returns the file type, or undefined for anything else (plain ZIP, DOCX, GIF, text, empty or
 * truncated input).
 */
export function sniffFileType(head: Uint8Array): MaterialFileType | undefined {
  if (startsWith(head, PDF_SIGNATURE)) return "pdf";
  if (startsWith(head, JPEG_SIGNATURE)) return "jpeg";
  if (startsWith(head, PNG_SIGNATURE)) return "png";
  if (zipEntryNames(head).includes(OFD_ENTRY_NAME)) return "ofd";
  return undefined;
}

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  return offset + signature.length <= bytes.length && signature.every((b, i) => bytes[offset + i] === b);
}

/** Names of the ZIP entries whose local headers (name included) lie wholly within `head`, in order. */
function zipEntryNames(head: Uint8Array): string[] {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const names: string[] = [];
  let offset = 0;
  while (offset + ZIP_LOCAL_HEADER_LENGTH <= head.length && startsWith(head, ZIP_LOCAL_HEADER, offset)) {
    const flags = view.getUint16(offset + 6, true);
    const compressedSize = view.getUint32(offset + 18, true);
    const nameLength = view.getUint16(offset + 26, true);
    const extraLength = view.getUint16(offset + 28, true);
    const nameStart = offset + ZIP_LOCAL_HEADER_LENGTH;
    if (nameStart + nameLength > head.length) break;
    names.push(new TextDecoder().decode(head.subarray(nameStart, nameStart + nameLength)));
    // Without the size in the header (data descriptor, ZIP64) the next header cannot be found.
    if (flags & ZIP_FLAG_DATA_DESCRIPTOR || compressedSize === 0xffffffff) break;
    offset = nameStart + nameLength + extraLength + compressedSize;
  }
  return names;
}
