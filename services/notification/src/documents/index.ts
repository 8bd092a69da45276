export * from "./types.js";
export * from "./codes.js";
export * from "./fonts.js";
export { clearFontCache, subsetFont } from "./subset.js";
export { renderDocument, verificationQr, type RenderOptions } from "./render.js";
export { DOCUMENT_TITLES, chineseDate, numericDate, numericDateTime } from "./format.js";
