import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const consoleUrl = process.env.CONSOLE_URL ?? "http://127.0.0.1:8080";
const sameOrigin = (proxy: { on(event: "proxyReq", fn: (req: { getHeader(n: string): unknown; setHeader(n: string, v: string): void }) => void): void }) =>
  proxy.on("proxyReq", (req) => {
    if (req.getHeader("origin")) req.setHeader("origin", new URL(consoleUrl).origin);
  });
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// The single-page application. `npm run build:web -w @kuayu/console` writes dist-web/, which the
// console's HTTP server serves; `npm run dev:web -w @kuayu/console` serves it with hot reload and
// sends /api and /auth to a running console (CONSOLE_URL, default http://127.0.0.1:8080; the session
// cookie is the same for every port of 127.0.0.1, so signing in there signs in here too).
export default defineConfig({
  root: here("."),
  plugins: [react()],
  // The typed clients come from the protos' generated code (libs/proto), shared with the services.
  resolve: { alias: { "@gen": here("../../../libs/proto/src/gen") } },
  // The manifest lets scripts/console-budget.js weigh what a page loads.
  build: { outDir: here("../dist-web"), emptyOutDir: true, manifest: true, chunkSizeWarningLimit: 1500 },
  // The console refuses a foreign Origin: the proxied request comes from the console's own.
  server: { host: "127.0.0.1", proxy: Object.fromEntries(["/api", "/auth"].map((p) => [p, { target: consoleUrl, configure: sameOrigin }])) },
});
