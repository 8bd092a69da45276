export * from "./events.js";
export * from "./client.js";
export * from "./producer.js";
export * from "./consumer.js";
export * from "./signing.js";
