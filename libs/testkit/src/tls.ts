import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** A CA's certificates in a directory of their own, made by scripts/tls/dev-certs.sh (as the bootstrap makes .secrets/tls). */
export interface TestCertificates {
  dir: string;
  ca: string;
  /** The server pair (subjectAltName localhost and 127.0.0.1; also a client certificate). */
  cert: string;
  key: string;
  /** The client pair (clientAuth only). */
  clientCert: string;
  clientKey: string;
  /** TLS_* settings of a service presenting the server pair. */
  serverEnv: Record<"TLS_CA_FILE" | "TLS_CERT_FILE" | "TLS_KEY_FILE", string>;
  /** TLS_* settings of a client presenting the client pair (the console, the CLI). */
  clientEnv: Record<"TLS_CA_FILE" | "TLS_CERT_FILE" | "TLS_KEY_FILE", string>;
}

const script = path.resolve(__dirname, "../../../scripts/tls/dev-certs.sh");

/** A fresh CA with a server and a client pair in a temporary directory (openssl; a fraction of a second). */
export function testCertificates(name = "Kuayu test"): TestCertificates {
  const dir = mkdtempSync(path.join(tmpdir(), "kuayu-tls-"));
  execFileSync("bash", [script, dir, name], { stdio: ["ignore", "ignore", "inherit"] });
  const f = (n: string) => path.join(dir, n);
  return {
    dir,
    ca: f("ca.pem"),
    cert: f("server.pem"),
    key: f("server-key.pem"),
    clientCert: f("client.pem"),
    clientKey: f("client-key.pem"),
    serverEnv: { TLS_CA_FILE: f("ca.pem"), TLS_CERT_FILE: f("server.pem"), TLS_KEY_FILE: f("server-key.pem") },
    clientEnv: { TLS_CA_FILE: f("ca.pem"), TLS_CERT_FILE: f("client.pem"), TLS_KEY_FILE: f("client-key.pem") },
  };
}

let shared: TestCertificates | undefined;

/**
 * The certificates of this test process's spawned services: spawnService starts every service with
 * mutual TLS on (the server pair); clients dial with `tlsFromSettings(serviceCertificates().clientEnv)`.
 */
export function serviceCertificates(): TestCertificates {
  return (shared ??= testCertificates("Kuayu services test"));
}
