import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createEventSigner, eventJwk, eventJwks, type EventSigner } from "@kuayu/kafka";

/** The event-signing keys of a test release: one per producer, and the JWKS its consumers verify against. */
export interface TestEventKeys {
  dir: string;
  /** EVENT_KEYS_FILE: the producers' public keys. */
  jwksFile: string;
  /** A producer's private key file (EVENT_SIGNING_KEY_FILE). */
  keyFile(producer: string): string;
  /** Signs as that producer, with its key. */
  signer(producer: string): Promise<EventSigner>;
  /** EVENT_SIGNING_KEY_FILE and EVENT_KEYS_FILE of a service of this release. */
  env(producer: string): Record<"EVENT_SIGNING_KEY_FILE" | "EVENT_KEYS_FILE", string>;
}

/**
 * Fresh keys in a temporary directory (P-256, or SM2 with `curve: "SM2"`) for the producers named,
 * bound to `provinces` ("*" by default), as `make up` makes .secrets/events.
 */
export async function testEventKeys(opts: { producers?: string[]; curve?: "P-256" | "SM2"; provinces?: "*" | string[] } = {}): Promise<TestEventKeys> {
  const producers = opts.producers ?? ["intake", "routing", "decision", "supervision"];
  const dir = mkdtempSync(path.join(tmpdir(), "kuayu-event-keys-"));
  const pems = new Map<string, string>();
  for (const p of producers) {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: opts.curve === "SM2" ? "SM2" : "prime256v1" });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    pems.set(p, pem);
    writeFileSync(path.join(dir, `${p}-key.pem`), pem, { mode: 0o600 });
  }
  const jwksFile = path.join(dir, "jwks.json");
  writeFileSync(jwksFile, JSON.stringify(eventJwks(await Promise.all(producers.map((p) => eventJwk(pems.get(p)!, p, opts.provinces ?? "*"))))));
  const keyFile = (p: string) => {
    if (!pems.has(p)) throw new Error(`no event key for ${p}`);
    return path.join(dir, `${p}-key.pem`);
  };
  return {
    dir,
    jwksFile,
    keyFile,
    signer: (p) => createEventSigner(pems.get(p) ?? keyFile(p), p),
    env: (p) => ({ EVENT_SIGNING_KEY_FILE: keyFile(p), EVENT_KEYS_FILE: jwksFile }),
  };
}
