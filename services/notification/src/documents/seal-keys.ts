import { createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate, type KeyObject } from "node:crypto";
import { existsSync } from "node:fs";
import { link, mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { StateError } from "@kuayu/domain";
import { issueCourtCertificate, keySigner, type RawSigner } from "@kuayu/seal";

/** An issuing court, as the seal must name it. */
export interface Court {
  id: string;
  name: string;
}

/** The seal key of one court: its certificate and a way to sign with its private key. */
export interface CourtSealKey {
  court: Court;
  /** DER of the court's certificate (subject CN = the court's name, serialNumber = its id). */
  certificate: Uint8Array;
  /** DER of further certificates to embed (intermediate CAs); empty when verifiers hold the issuing CA. */
  chain: Uint8Array[];
  /** RSASSA-PKCS1-v1_5 with SHA-256 over `data`; the private key need not be in this process. */
  sign: RawSigner;
}

/**
 * The port through which notification gets an issuing court's seal key. The local directory
 * provider below is for development and tests; a production provider keeps the private keys in an
 * HSM or KMS and implements the same interface: `forCourt` returns the court's certificate (from
 * the courts' CA) and a `sign` that asks the HSM/KMS for an RSASSA-PKCS1-v1_5 SHA-256 signature of
 * the given bytes (PKCS#11 C_Sign with CKM_SHA256_RSA_PKCS, or a KMS "sign" of the message with
 * RSASSA_PKCS1_V1_5_SHA_256) — the key never leaves it. A court without a key must fail with
 * SealKeyMissingError: a notice is never served unsealed.
 */
export interface SealKeys {
  forCourt(court: Court): Promise<CourtSealKey>;
  /** For the start-up log: where the keys come from. */
  readonly description: string;
}

/** No seal key for the court (and none may be issued here): GetDocument fails with FAILED_PRECONDITION. */
export class SealKeyMissingError extends StateError {
  override name = "SealKeyMissingError";
}

const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Seal keys in a local directory (`SEAL_KEY_DIR`, `.secrets/court-seal` in development):
 * - `ca.crt.pem`: the court seal CA (what `kuayu document verify` trusts);
 * - `courts/<court id>.pem`: a court's private key and certificate (PEM, both in one file);
 * - `ca.key.pem`, development only: when present, a court without a file gets one on first use —
 *   a new RSA-2048 key and a certificate issued by this CA, written with a link so that two
 *   processes issuing at once keep the first and both use it. Without it, a court without a file
 *   fails with SealKeyMissingError.
 */
export function localSealKeys(dir: string): SealKeys {
  if (!existsSync(join(dir, "ca.key.pem")) && !existsSync(join(dir, "courts"))) {
    throw new Error(`SEAL_KEY_DIR ${dir} holds no court seal keys (courts/) nor a development CA (ca.key.pem): run scripts/bootstrap.sh, or mount the courts' keys`);
  }
  const caKeyFile = join(dir, "ca.key.pem");
  const caCertFile = join(dir, "ca.crt.pem");
  const courtsDir = join(dir, "courts");
  const cache = new Map<string, Promise<CourtSealKey>>();
  const issuing = existsSync(caKeyFile);

  function parse(court: Court, pem: string, file: string): CourtSealKey {
    let key: KeyObject, cert: X509Certificate;
    try {
      key = createPrivateKey(pem);
      cert = new X509Certificate(pem.slice(pem.indexOf("-----BEGIN CERTIFICATE-----")));
    } catch (e) {
      throw new Error(`court seal file ${file} must hold the court's private key and certificate (PEM): ${(e as Error).message}`);
    }
    if (!cert.checkPrivateKey(key)) throw new Error(`court seal file ${file}: the private key does not belong to the certificate`);
    const serial = /(?:^|\n)serialNumber=([^\n]*)/.exec(cert.subject)?.[1];
    if (serial !== court.id) throw new Error(`court seal file ${file}: the certificate is for court ${serial ?? "(none)"}, not ${court.id}`);
    return { court, certificate: cert.raw, chain: [], sign: keySigner(key) };
  }

  async function issue(court: Court, file: string): Promise<void> {
    const [caCertPem, caKeyPem] = await Promise.all([readFile(caCertFile, "utf8"), readFile(caKeyFile, "utf8")]);
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const der = await issueCourtCertificate({ courtId: court.id, courtName: court.name }, publicKey, { certPem: caCertPem, keyPem: caKeyPem });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }) + new X509Certificate(der).toString();
    await mkdir(courtsDir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
    await writeFile(tmp, pem, { mode: 0o600 });
    try {
      await link(tmp, file); // fails with EEXIST when another process issued it first: theirs is kept
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    } finally {
      await unlink(tmp);
    }
  }

  async function load(court: Court): Promise<CourtSealKey> {
    if (!SAFE_ID.test(court.id)) throw new SealKeyMissingError(`court id ${JSON.stringify(court.id)} cannot name a seal key file`);
    const file = join(courtsDir, `${court.id}.pem`);
    if (!existsSync(file)) {
      if (!issuing) throw new SealKeyMissingError(`no seal key for court ${court.id} (${court.name}) in ${courtsDir}`);
      await issue(court, file);
    }
    return parse(court, await readFile(file, "utf8"), file);
  }

  return {
    description: `local directory ${dir}${issuing ? " (development: court certificates issued on first use from ca.key.pem)" : ""}`,
    forCourt(court) {
      let p = cache.get(court.id);
      if (!p) {
        p = load(court);
        cache.set(court.id, p);
        p.catch(() => cache.delete(court.id));
      }
      return p;
    },
  };
}
