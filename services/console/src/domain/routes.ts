/** The console's plain-HTTP endpoints beside the Connect ones (what a browser cannot do over Connect, or should open itself). */
export type FileRoute =
  { kind: "upload"; filingId: string } | { kind: "material"; side: "window" | "inbox"; filingId: string; materialId: string } | { kind: "document"; filingId: string; documentKind: string };

const seg = "([^/]{1,128})";
const UPLOAD = new RegExp(`^/api/filings/${seg}/materials$`);
const MATERIAL = new RegExp(`^/api/(filings|inbox)/${seg}/materials/${seg}$`);
const DOCUMENT = new RegExp(`^/api/documents/${seg}/(DOCUMENT_KIND_[A-Z_]{1,40})$`);

export function fileRoute(method: string, pathname: string): FileRoute | undefined {
  const d = (s: string) => decodeURIComponent(s);
  let m;
  if (method === "POST" && (m = UPLOAD.exec(pathname))) return { kind: "upload", filingId: d(m[1]!) };
  if (method === "GET" && (m = MATERIAL.exec(pathname))) return { kind: "material", side: m[1] === "filings" ? "window" : "inbox", filingId: d(m[2]!), materialId: d(m[3]!) };
  if (method === "GET" && (m = DOCUMENT.exec(pathname))) return { kind: "document", filingId: d(m[1]!), documentKind: m[2]! };
  return undefined;
}

/** Content types a browser may render inline from this origin; anything else is a download, sandboxed. */
const INLINE = new Set(["application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "text/plain"]);
export const inlineSafe = (contentType: string) => INLINE.has(contentType.split(";")[0]!.trim().toLowerCase());

/** RFC 6266 Content-Disposition with a UTF-8 file name (Chinese names survive). */
export function contentDisposition(inline: boolean, fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `${inline ? "inline" : "attachment"}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
