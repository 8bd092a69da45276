// Helpers for integration tests. They talk to the real broker and store (started by
// scripts/infra/infra.sh through `make test`) and fail loudly — never skip — when those are down.
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import mongoose from "mongoose";
import { serviceCertificates } from "./tls.js";
import { serviceEventKeys } from "./events.js";

const ROOT = process.env.KUAYU_ROOT ?? resolve(__dirname, "../../..");

/** SCRAM credentials of a local broker user (scripts/infra/infra.sh writes .secrets/kafka/<user>.password). */
export function kafkaUser(username: string, password?: string) {
  return { mechanism: "scram-sha-512" as const, username, password: password ?? readFileSync(resolve(ROOT, `.secrets/kafka/${username}.password`), "utf8").trim() };
}

/** The admin (a super user) unless KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD say otherwise; read when first used. */
const testUser = () => kafkaUser(process.env.KAFKA_SASL_USERNAME ?? "admin", process.env.KAFKA_SASL_PASSWORD);

export const infra = {
  brokers: (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(","),
  mongoUri: process.env.MONGO_URI ?? "mongodb://127.0.0.1:27017",
  /** The broker and the tests' credentials, for createKafka or kafkajs: `createKafka({ ...infra.kafka, clientId, log })`. */
  get kafka() {
    return { brokers: this.brokers, sasl: testUser() };
  },
  /** The same as a service's environment (KAFKA_BROKERS, KAFKA_SASL_*), for readConfig and spawnService. */
  get kafkaEnv(): Record<string, string> {
    const u = testUser();
    return { KAFKA_BROKERS: this.brokers.join(","), KAFKA_SASL_MECHANISM: u.mechanism, KAFKA_SASL_USERNAME: u.username, KAFKA_SASL_PASSWORD: u.password };
  },
};

/** Throws a clear error unless both the broker and the store answer within a few seconds. */
export async function assertInfraUp(): Promise<void> {
  const kafka = new Kafka({ ...infra.kafka, clientId: "testkit", logLevel: logLevel.NOTHING, connectionTimeout: 2000, retry: { retries: 1 } });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (err) {
    throw new Error(`Kafka is not reachable at ${infra.brokers.join(",")} (${(err as Error).message}); run the tests with \`make test\``);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const conn = mongoose.createConnection(infra.mongoUri, { serverSelectionTimeoutMS: 3000 });
  try {
    await conn.asPromise();
    await conn.db!.admin().command({ ping: 1 });
  } catch (err) {
    throw new Error(`the store is not reachable at ${infra.mongoUri} (${(err as Error).message}); run the tests with \`make test\``);
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/** A name no other test run uses (databases, consumer groups). */
export const uniqueName = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;

/** A throw-away ES256 key pair for tokens, so tests never depend on the developer's keys. */
export function testKeys(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    publicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

/** Polls until check() returns a truthy value or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 30_000, what = "condition"): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ServiceProcess {
  proc: ChildProcess;
  /** Every JSON log line so far. */
  lines: Record<string, unknown>[];
  /** Resolves with the first log line matching, or rejects when the process exits first. */
  waitFor(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Sends a signal and resolves with the exit code once the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs a built service (dist/main.js) as its own process, with telemetry loaded first as in
 * production, and with mutual TLS on and events signed and verified as in a release: TLS_* of
 * serviceCertificates() and EVENT_* of serviceEventKeys() (the service named by the path
 * services/<name>/dist/main.js) unless `env` names others. `make test` builds before running the integration tests.
 */
export function spawnService(mainJs: string, env: Record<string, string>): ServiceProcess {
  const proc = spawn(process.execPath, ["--require", require.resolve("@kuayu/telemetry/register"), mainJs], {
    env: { PATH: process.env.PATH ?? "", METRICS_PORT: "off", ...serviceCertificates().serverEnv, ...serviceEventKeys().env(/services\/([a-z-]+)\/dist\//.exec(mainJs)?.[1] ?? ""), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: { match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let buf = "";
  let stderr = "";
  proc.stdout!.on("data", (chunk: Buffer) => {
    buf += chunk.toString();
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const text = buf.slice(0, i);
      buf = buf.slice(i + 1);
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text);
      } catch {
        line = { msg: text };
      }
      lines.push(line);
      for (const w of [...waiters]) if (w.match(line)) w.resolve(line);
    }
  });
  proc.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  return {
    proc,
    lines,
    waitFor: (match, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const found = lines.find(match);
        if (found) return resolve(found);
        const timer = setTimeout(() => reject(new Error(`service did not log the expected line in ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`)), timeoutMs);
        waiters.push({ match, resolve: (l) => (clearTimeout(timer), resolve(l)) });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`service exited with ${code} before logging the expected line; stderr: ${stderr.slice(-2000)}; last lines: ${JSON.stringify(lines.slice(-5))}`));
        });
      }),
    kill: (signal = "SIGTERM") => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}
export { startMetricsEndpoint, type MetricsEndpoint } from "./metrics.js";
export * from "./fuzz.js";
export * from "./authz.js";
export { serviceCertificates, testCertificates, type TestCertificates } from "./tls.js";
export { serviceEventKeys, testEventKeys, type TestEventKeys } from "./events.js";
export { publishLifecycle, routedEnforcement } from "./lifecycle.js";
export { scanPdfQr } from "./qr.js";
export { startSmsProviderCheck, type AcceptedSms, type SmsCheck, type SmsCheckOptions } from "./sms-check.js";

/**
 * The text of stored documents as the store holds their bytes (BSON), packed bodies included
 * (@kuayu/outbox packedHeads keeps a head in one BSON binary): for "no personal data here" checks,
 * which JSON.stringify would pass over (it writes a binary as base64).
 */
export const storedText = (docs: readonly object[]): string => docs.map((d) => Buffer.from(mongoose.mongo.BSON.serialize(d)).toString("utf8")).join("\n");

/** The stored text (storedText) of the documents of `collection` whose `_id` is one of `ids`, read raw. */
export const storedTextOf = async (db: mongoose.mongo.Db, collection: string, ids: readonly string[]): Promise<string> =>
  storedText(
    await db
      .collection<{ _id: string }>(collection)
      .find({ _id: { $in: [...ids] } })
      .toArray(),
  );
