export * from "./errors.js";
export * from "./case-types.js";
