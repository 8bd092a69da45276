export * from "./errors.js";
export * from "./case-types.js";
export * from "./courts.js";
