export * from "./errors.js";
export * from "./case-types.js";
export * from "./courts.js";
export * from "./case-number.js";
export * from "./calendar.js";
export * from "./working-time.js";
export * from "./route-rules.js";
export * from "./identity.js";
