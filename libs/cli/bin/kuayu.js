#!/usr/bin/env node
// grpc-js names the TLS server after the address it dials, an IP too (127.0.0.1 after `make up`),
// which Node flags as DEP0123 on every run: not the user's concern, so not printed.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => {
  const code = typeof rest[0] === "object" ? rest[0]?.code : rest[1];
  if (code !== "DEP0123") emitWarning.call(process, warning, ...rest);
};
require("../dist/main.js");
