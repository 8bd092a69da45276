#!/usr/bin/env node
// `kuayu-dev-idp`: the development identity provider of `make up` (never deployed).
//   DEV_IDP_PORT (8090), DEV_IDP_ISSUER (http://127.0.0.1:<port>), CONSOLE_URL (http://127.0.0.1:8080),
//   CONSOLE_CLIENT_SECRET (the console's client secret; required).
import { startDevIdp } from "./index.js";

async function main(): Promise<void> {
  const secret = process.env.CONSOLE_CLIENT_SECRET;
  if (!secret) throw new Error("set CONSOLE_CLIENT_SECRET (the console's client secret)");
  const idp = await startDevIdp({
    port: Number(process.env.DEV_IDP_PORT ?? 8090),
    issuer: process.env.DEV_IDP_ISSUER,
    consoleUrl: process.env.CONSOLE_URL ?? "http://127.0.0.1:8080",
    clientSecret: secret,
  });
  process.stdout.write(`${JSON.stringify({ msg: "dev-idp started", issuer: idp.issuer })}\n`);
  const stop = () => void idp.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`dev-idp: ${(err as Error).message}\n`);
  process.exit(1);
});
