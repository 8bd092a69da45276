// `kuayu retention run`: the environment each service's job gets.
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { retentionEnv } from "../src/retention";

describe("retentionEnv", () => {
  const root = mkdtempSync(path.join(tmpdir(), "kuayu-retention-"));
  mkdirSync(path.join(root, ".secrets"));
  writeFileSync(path.join(root, ".secrets/jwt-public.pem"), "x");
  writeFileSync(path.join(root, ".secrets/jwt-private.pem"), "x");

  it("fills in the development token keys only where none are set, the private one for decision only", () => {
    expect(retentionEnv("intake", root, { MONGO_URI: "m" })).toEqual({ MONGO_URI: "m", JWT_PUBLIC_KEY_FILE: path.join(root, ".secrets/jwt-public.pem"), LOG_LEVEL: "warn" });
    expect(retentionEnv("decision", root, {}).JWT_PRIVATE_KEY_FILE).toBe(path.join(root, ".secrets/jwt-private.pem"));
    expect(retentionEnv("intake", root, { JWT_PUBLIC_KEY: "pem", LOG_LEVEL: "info" })).toEqual({ JWT_PUBLIC_KEY: "pem", LOG_LEVEL: "info" });
    expect(retentionEnv("intake", path.join(root, "elsewhere"), {}).JWT_PUBLIC_KEY_FILE).toBeUndefined();
  });
});
