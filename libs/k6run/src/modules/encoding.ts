// The "k6/encoding" module: base64 in k6's four variants.
type Variant = "std" | "rawstd" | "url" | "rawurl";

const bytesOf = (input: unknown): Buffer => {
  if (typeof input === "string") return Buffer.from(input, "utf8");
  if (input instanceof ArrayBuffer) return Buffer.from(input);
  if (ArrayBuffer.isView(input)) return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  throw new Error("b64encode() needs a string or an ArrayBuffer");
};

export function b64encode(input: unknown, encoding: Variant = "std"): string {
  const b = bytesOf(input);
  const url = encoding === "url" || encoding === "rawurl";
  const s = b.toString(url ? "base64url" : "base64");
  if (encoding === "url") return s + "=".repeat((4 - (s.length % 4)) % 4);
  if (encoding === "rawstd") return s.replace(/=+$/, "");
  return s;
}

/** Decodes to an ArrayBuffer, or to a string with format "s". */
export function b64decode(input: string, encoding: Variant = "std", format?: "s"): ArrayBuffer | string {
  const url = encoding === "url" || encoding === "rawurl";
  const b = Buffer.from(input, url ? "base64url" : "base64");
  if (format === "s") return b.toString("utf8");
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}
