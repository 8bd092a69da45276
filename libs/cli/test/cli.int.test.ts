// The built operator CLI against the real broker and store.
import { execFile } from "node:child_process";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createVerifier, publicJwk } from "@kuayu/auth";
import { assertInfraUp, infra, testKeys } from "@kuayu/testkit";

const bin = path.resolve(__dirname, "../bin/kuayu.js");
// As an operator runs it: the broker credentials in KAFKA_SASL_* (the tests' user).
const run = (...args: string[]) => promisify(execFile)(process.execPath, [bin, ...args], { encoding: "utf8", env: { ...process.env, ...infra.kafkaEnv } });

beforeAll(assertInfraUp);

describe("kuayu CLI", () => {
  it("infra status --json reports the broker and the store reachable", async () => {
    const { stdout } = await run("infra", "status", "--json");
    const out = JSON.parse(stdout);
    expect(out.ok).toBe(true);
    expect(out.checks.map((c: { component: string; reachable: boolean }) => [c.component, c.reachable])).toEqual([
      ["kafka", true],
      ["store", true],
    ]);
  });

  it("infra status fails (exit 1) when the store is unreachable", async () => {
    const err = await run("infra", "status", "--json", "--mongo", "mongodb://127.0.0.1:1").catch((e: { code: number; stdout: string }) => e);
    expect((err as { code: number }).code).toBe(1);
    expect(JSON.parse((err as { stdout: string }).stdout).checks[1]).toMatchObject({ component: "store", reachable: false });
  });

  it("token mint signs a token the services accept", async () => {
    const keys = testKeys();
    const key = path.join(mkdtempSync(path.join(tmpdir(), "kuayu-")), "k.pem");
    writeFileSync(key, keys.privateKey);
    const { stdout } = await run("token", "mint", "--court", "c-440703", "--role", "window-clerk", "--province", "44", "--key", key, "--json");
    const { token, kid } = JSON.parse(stdout);
    expect(await (await createVerifier(keys.publicKey)).verify(token)).toMatchObject({ courtId: "c-440703", roles: ["window-clerk"], province: "44" });
    // The kid printed is the one the token carries: the public key's RFC 7638 thumbprint.
    expect(kid).toBe((await publicJwk(keys.publicKey)).kid);
    expect(JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString()).kid).toBe(kid);
  });

  it("token mint refuses an unknown role", async () => {
    const err = await run("token", "mint", "--court", "c-1", "--role", "judge", "--province", "11").catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).not.toBe(0);
    expect((err as { stderr: string }).stderr).toMatch(/judge/);
  });
});
