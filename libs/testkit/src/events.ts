import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { HEADERS, createEventSigner, eventJwk, eventJwks, type EventSigner } from "@kuayu/kafka";
import { EVENT_PRODUCERS } from "@kuayu/topics";

/** The event-signing keys of a test release: one per producer, and the JWKS its consumers verify against. */
export interface TestEventKeys {
  dir: string;
  /** EVENT_KEYS_FILE: the producers' public keys. */
  jwksFile: string;
  /** A producer's private key file (EVENT_SIGNING_KEY_FILE). */
  keyFile(producer: string): string;
  /** Signs as that producer, with its key. */
  signer(producer: string): Promise<EventSigner>;
  /** A test producer's signer: each record signed as the (first) producer its event type needs (EVENT_PRODUCERS). */
  signerOfEvents(): Promise<EventSigner>;
  /** EVENT_SIGNING_KEY_FILE (for a producer) and EVENT_KEYS_FILE of a service of this release. */
  env(service: string): Partial<Record<"EVENT_SIGNING_KEY_FILE" | "EVENT_KEYS_FILE", string>>;
}

/**
 * Fresh keys in a temporary directory (P-256, or SM2 with `curve: "SM2"`) for the producers named,
 * bound to `provinces` ("*" by default), as `make up` makes .secrets/events.
 */
export async function testEventKeys(opts: { producers?: string[]; curve?: "P-256" | "SM2"; provinces?: "*" | string[] } = {}): Promise<TestEventKeys> {
  // routing too: an earlier release's routing signed route events, which are still accepted.
  const producers = opts.producers ?? ["intake", "routing", "decision", "supervision"];
  const dir = mkdtempSync(path.join(tmpdir(), "kuayu-event-keys-"));
  const pems = new Map<string, string>();
  for (const p of producers) {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: opts.curve === "SM2" ? "SM2" : "prime256v1" });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    pems.set(p, pem);
    writeFileSync(path.join(dir, `${p}-key.pem`), pem, { mode: 0o600 });
  }
  writeFileSync(path.join(dir, "jwks.json"), JSON.stringify(eventJwks(await Promise.all(producers.map((p) => eventJwk(pems.get(p)!, p, opts.provinces ?? "*"))))));
  return keysIn(dir, producers);
}

/** The keys of a directory holding <producer>-key.pem files and jwks.json. */
function keysIn(dir: string, producers: string[]): TestEventKeys {
  const pems = new Map(producers.map((p) => [p, readFileSync(path.join(dir, `${p}-key.pem`), "utf8")]));
  const jwksFile = path.join(dir, "jwks.json");
  const keyFile = (p: string) => {
    if (!pems.has(p)) throw new Error(`no event key for ${p}`);
    return path.join(dir, `${p}-key.pem`);
  };
  const signer = (p: string) => createEventSigner(pems.get(p) ?? keyFile(p), p);
  return {
    dir,
    jwksFile,
    keyFile,
    signer,
    async signerOfEvents() {
      const signers = new Map(await Promise.all(producers.map(async (p) => [p, await signer(p)] as const)));
      return {
        producer: "(the producer of each event type)",
        kid: "",
        alg: "ES256",
        sign: (record) => {
          const type = record.headers[HEADERS.type] ?? "";
          const s = signers.get(EVENT_PRODUCERS[type]?.producers[0] ?? "");
          if (!s) throw new Error(`no test key signs ${type}`);
          return s.sign(record);
        },
      };
    },
    env: (service) => ({ ...(pems.has(service) ? { EVENT_SIGNING_KEY_FILE: keyFile(service) } : {}), EVENT_KEYS_FILE: jwksFile }),
  };
}

let shared: TestEventKeys | undefined;

/**
 * The event keys of this test process's spawned services, made by scripts/events/dev-keys.sh as
 * `make up` makes .secrets/events: spawnService starts every service signing and verifying events
 * with them; a test that publishes to spawned services signs with `serviceEventKeys().signerOfEvents()`.
 */
export function serviceEventKeys(): TestEventKeys {
  if (!shared) {
    const dir = mkdtempSync(path.join(tmpdir(), "kuayu-service-event-keys-"));
    execFileSync("bash", [path.resolve(__dirname, "../../../scripts/events/dev-keys.sh"), dir], { stdio: ["ignore", "ignore", "inherit"] });
    shared = keysIn(dir, ["intake", "decision", "supervision"]);
  }
  return shared;
}
