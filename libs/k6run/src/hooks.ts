// Makes a k6 script loadable by Node: `import … from "k6/…"` resolves to k6run's implementations
// (synchronous in-thread module hooks), the script and the local modules it imports load as ES
// modules wherever they live, and k6's globals (__ENV, __VU, __ITER, open) exist.
import { readFileSync } from "node:fs";
import { registerHooks } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { current, requirePhase, runtime } from "./context.js";

export const MODULES: Readonly<Record<string, string>> = {
  k6: "k6.js",
  "k6/net/grpc": "grpc.js",
  "k6/http": "http.js",
  "k6/metrics": "k6-metrics.js",
  "k6/execution": "execution.js",
  "k6/encoding": "encoding.js",
};

const withoutQuery = (url: string) => url.replace(/[?#].*$/, "");

let installed = false;

export function installHooks(scriptPath: string): void {
  if (installed) return;
  installed = true;
  /** The script and the local files it imports (by URL without the per-VU query). */
  const scriptFiles = new Set([pathToFileURL(scriptPath).href]);
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const file = MODULES[specifier];
      if (file) return { url: pathToFileURL(path.join(__dirname, "modules", file)).href, shortCircuit: true };
      const fromScript = context.parentURL !== undefined && scriptFiles.has(withoutQuery(context.parentURL));
      if (fromScript && (specifier === "k6" || specifier.startsWith("k6/"))) {
        throw new Error(`k6run does not implement the module "${specifier}" (it has ${Object.keys(MODULES).join(", ")}); run this script with k6`);
      }
      if (fromScript && /^https?:\/\//.test(specifier)) throw new Error(`k6run does not load remote modules (${specifier}); keep a copy next to the script and import it by a relative path`);
      const resolved = nextResolve(specifier, context);
      if (fromScript && resolved.url.startsWith("file:") && !resolved.url.includes("/node_modules/")) {
        scriptFiles.add(withoutQuery(resolved.url));
        // Each VU has its own copy of the script's local modules too, as in k6.
        const vu = /\?vu=\d+$/.exec(context.parentURL!)?.[0];
        if (vu) return { ...resolved, url: `${withoutQuery(resolved.url)}${vu}` };
      }
      return resolved;
    },
    load(url, context, nextLoad) {
      // k6 scripts are ES modules whatever the nearest package.json says.
      if (scriptFiles.has(withoutQuery(url))) return { format: "module", source: readFileSync(fileURLToPath(withoutQuery(url))), shortCircuit: true };
      return nextLoad(url, context);
    },
  });
}

/** open(path, "b"?): a file's text (or bytes) relative to the script; init context only. */
function open(file: string, mode?: string): string | ArrayBuffer {
  requirePhase("open()", ["init"]);
  const buf = readFileSync(path.resolve(runtime.scriptDir, file));
  return mode === "b" ? buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) : buf.toString("utf8");
}

export function installGlobals(): void {
  const define = (name: string, get: () => unknown) => Object.defineProperty(globalThis, name, { get, configurable: true });
  define("__ENV", () => current().env);
  define("__VU", () => current().vu);
  define("__ITER", () => current().iter);
  Object.defineProperty(globalThis, "open", { value: open, configurable: true, writable: true });
}
