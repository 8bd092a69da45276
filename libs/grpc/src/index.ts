export { serviceDefinition } from "./definition.js";
export * from "./errors.js";
export * from "./server.js";
export * from "./client.js";
export * from "./tls.js";
export { reflectionFor } from "./reflection.js";
export { status, Metadata } from "@grpc/grpc-js";
export * from "./audit.js";
