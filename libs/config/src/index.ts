import { readFileSync } from "node:fs";
import { z } from "zod";

export { z };

/** Thrown when the environment does not satisfy a service's schema; lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/**
 * Reads a service's configuration from the environment, validates all of it at once and
 * returns a frozen object. Schemas name environment variables directly (e.g. KAFKA_BROKERS).
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): Readonly<z.infer<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`));
  }
  return Object.freeze(result.data);
}

/** Reusable field schemas for the settings every service shares. */
export const fields = {
  /**
   * The Kafka client (the same group in every service, the CLI and the benchmarks):
   * KAFKA_TOPIC_PREFIX — this deployment's topic namespace on a shared cluster ("" or e.g. "staging.");
   * KAFKA_SASL_MECHANISM with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE
   * (the service's own Kafka user, docs/operations.md "Kafka identities and ACLs");
   * KAFKA_TLS, with KAFKA_TLS_CA_FILE for a private CA and KAFKA_TLS_CERT_FILE + KAFKA_TLS_KEY_FILE
   * for a client certificate (PEM files).
   */
  kafkaClient: {
    KAFKA_TOPIC_PREFIX: z
      .string()
      .regex(/^([a-z0-9][a-z0-9-]*\.)?$/, 'empty, or lowercase letters, digits and dashes ending in "." (e.g. "staging.")')
      .default(""),
    KAFKA_TLS: z
      .enum(["true", "false"])
      .default("false")
      .transform((v) => v === "true"),
    KAFKA_TLS_CA_FILE: z.string().min(1).optional(),
    KAFKA_TLS_CERT_FILE: z.string().min(1).optional(),
    KAFKA_TLS_KEY_FILE: z.string().min(1).optional(),
    KAFKA_SASL_MECHANISM: z.enum(["plain", "scram-sha-256", "scram-sha-512"]).optional(),
    KAFKA_SASL_USERNAME: z.string().optional(),
    KAFKA_SASL_PASSWORD: z.string().optional(),
    KAFKA_SASL_PASSWORD_FILE: z.string().min(1).optional(),
  },
  /**
   * KAFKA_CONCURRENCY: partitions a consumer handles at once (default 4). Order within a partition
   * is kept; handlers lock what they write and tolerate events of one filing arriving out of order.
   */
  consumerConcurrency: z.coerce.number().int().min(1).max(64).default(4),
  /** KAFKA_FROM_BEGINNING: where a new consumer group starts (default true: miss nothing). */
  fromBeginning: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
  /**
   * The holiday calendar: CALENDAR_FILE, the operator's file of official years (JSON or YAML; none:
   * the built-in years), checked for changes every CALENDAR_POLL_MS.
   */
  calendar: {
    CALENDAR_FILE: z.string().min(1).optional(),
    CALENDAR_POLL_MS: z.coerce.number().int().min(100).default(10_000),
  },
  /**
   * Who may call: JWT_PUBLIC_KEY (PEM or JWKS) or JWT_PUBLIC_KEY_FILE (one file or several, comma
   * separated: the current and the next key during a rotation) verifies this release's own ES256
   * tokens; JWT_TRUST (`<provinces>=<JWKS url or file>` entries, e.g. `11=https://kuayu-11…/.well-
   * known/jwks.json`) trusts another release's keys for its provinces' tokens only; JWT_MAX_LIFETIME
   * (default 12h) bounds exp − iat; OIDC_ISSUER (with OIDC_JWKS_URL, default `<issuer>/jwks`, and
   * OIDC_AUDIENCE, default "kuayu") also trusts the identity provider's access tokens — the web
   * console's users.
   */
  tokens: {
    JWT_PUBLIC_KEY: z.string().optional(),
    JWT_PUBLIC_KEY_FILE: z.string().optional(),
    JWT_TRUST: z.string().optional(),
    JWT_MAX_LIFETIME: z
      .string()
      .regex(/^\d+\s*[smhd]$/, "a number followed by s, m, h or d")
      .default("12h"),
    OIDC_ISSUER: z.url().optional(),
    OIDC_JWKS_URL: z.url().optional(),
    OIDC_AUDIENCE: z.string().min(1).optional(),
  },
  /**
   * Mutual TLS: TLS_CA_FILE, TLS_CERT_FILE and TLS_KEY_FILE (PEM files), all three or none. A server
   * presents the pair and requires client certificates issued by the CA; a client verifies the server
   * against the CA and presents the pair. None set: plaintext (a developer's own machine only).
   */
  tls: {
    TLS_CA_FILE: z.string().min(1).optional(),
    TLS_CERT_FILE: z.string().min(1).optional(),
    TLS_KEY_FILE: z.string().min(1).optional(),
  },
  /**
   * Signed events: EVENT_SIGNING_KEY_FILE, this service's private key (PEM, P-256 for ES256 or SM2 for
   * SM2 with SM3) that signs every event it produces; EVENT_KEYS_FILE, this release's event keys (a
   * JWKS naming each key's producer, `kuayu events jwks`) that consumers verify against; EVENT_TRUST,
   * `<provinces>=<JWKS url or file>` entries trusting another release's event keys for those
   * provinces. A consumer with neither EVENT_KEYS_FILE nor EVENT_TRUST verifies nothing (a
   * developer's machine; `make up` and the chart always set them).
   */
  events: {
    EVENT_SIGNING_KEY_FILE: z.string().min(1).optional(),
    EVENT_KEYS_FILE: z.string().min(1).optional(),
    EVENT_TRUST: z.string().optional(),
  },
  /**
   * Personal data encrypted at rest (@kuayu/fieldcrypt, docs/security.md): FIELDCRYPT_PROVIDER, the
   * key-management port (`local`: master keys are files `mk-*.key` in FIELDCRYPT_MASTER_KEY_DIR, the
   * newest current unless FIELDCRYPT_MASTER_KEY_ID names one); FIELDCRYPT_ALGORITHM, `aes-256-gcm`
   * or `sm4` (SM4-CTR + HMAC-SM3); FIELDCRYPT_ROTATE_DAYS, a data key's age before a new one is made.
   */
  fieldcrypt: {
    FIELDCRYPT_PROVIDER: z.enum(["local"]).default("local"),
    FIELDCRYPT_MASTER_KEY_DIR: z.string().min(1).default(".secrets/fieldcrypt"),
    FIELDCRYPT_MASTER_KEY_ID: z.string().min(1).optional(),
    FIELDCRYPT_ALGORITHM: z.enum(["aes-256-gcm", "sm4"]).default("aes-256-gcm"),
    FIELDCRYPT_ROTATE_DAYS: z.coerce.number().min(0).default(90),
  },
  /**
   * STORE_GROUP_WAIT_MS: while writes have company (one carried several changes within the last
   * ten waits), how long a version row or head waits for others to share its command
   * (@kuayu/outbox groupCommit): fewer store commands a filing for a few milliseconds a write; 0
   * writes each at once. An idle store, or a writer alone, never waits.
   */
  storeGroupWait: { STORE_GROUP_WAIT_MS: z.coerce.number().int().min(0).max(100).default(8) },
  /** GRPC_HEALTH_PORT: a plaintext port answering grpc.health.v1 only, for Kubernetes' gRPC probes (they do no TLS); unset: none. */
  healthPort: z.coerce.number().int().min(0).max(65535).optional(),
  port: (def: number) => z.coerce.number().int().min(0).max(65535).default(def),
  /**
   * The gRPC server's limits: GRPC_CALLS_PER_COURT_PER_SECOND, calls (and stream openings) one court
   * may make per second on a replica (default 0: none, for local runs, tests and benchmarks; the
   * chart sets 200 in every deployment).
   */
  grpcLimits: {
    GRPC_CALLS_PER_COURT_PER_SECOND: z.coerce.number().int().min(0).default(0),
  },
  /** Comma-separated host:port list. */
  brokers: z
    .string()
    .default("127.0.0.1:9092")
    .transform((s) =>
      s
        .split(",")
        .map((b) => b.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, "expected host:port")).min(1)),
  mongoUri: z.string().regex(/^mongodb(\+srv)?:\/\//, "expected a mongodb:// URI"),
  /**
   * Retention (docs/security.md "Retention"): RETENTION_ENABLED runs it daily at RETENTION_HOUR
   * (China time); personal data is anonymised RETENTION_PERSONAL_DATA_YEARS after the final decision
   * or withdrawal, drill data deleted RETENTION_DRILL_DAYS after the filing was created, in-app
   * notifications and finished deliveries deleted RETENTION_NOTIFICATION_DAYS after they were made.
   */
  retention: {
    RETENTION_ENABLED: z
      .enum(["true", "false"])
      .default("true")
      .transform((v) => v === "true"),
    RETENTION_HOUR: z.coerce.number().int().min(0).max(23).default(3),
    RETENTION_PERSONAL_DATA_YEARS: z.coerce.number().int().min(1).max(100).default(3),
    RETENTION_DRILL_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
    RETENTION_NOTIFICATION_DAYS: z.coerce.number().int().min(1).max(3650).default(180),
  },
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Milliseconds, at least 1. */
  millis: (def: number) => z.coerce.number().int().min(1).default(def),
  /** Province scope: comma-separated two-digit GB/T 2260 province codes, or "all". */
  provinces: z
    .string()
    .default("all")
    .transform((s) => (s.trim() === "all" ? ("all" as const) : s.split(",").map((p) => p.trim())))
    .pipe(z.union([z.literal("all"), z.array(z.string().regex(/^\d{2}$/, "expected two-digit province codes")).min(1)])),
};

/**
 * For a service's main(): the validated configuration, or — on a ConfigError — every problem on
 * stderr and exit code 2 (a configuration error, not a crash).
 */
export function configOrExit<T>(service: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${service}: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

export interface KafkaClientConfig {
  KAFKA_TOPIC_PREFIX: string;
  KAFKA_TLS: boolean;
  KAFKA_TLS_CA_FILE?: string;
  KAFKA_TLS_CERT_FILE?: string;
  KAFKA_TLS_KEY_FILE?: string;
  KAFKA_SASL_MECHANISM?: "plain" | "scram-sha-256" | "scram-sha-512";
  KAFKA_SASL_USERNAME?: string;
  KAFKA_SASL_PASSWORD?: string;
  KAFKA_SASL_PASSWORD_FILE?: string;
}

/** What is inconsistent in the kafkaClient fields (empty: nothing). */
export function kafkaClientProblems(c: KafkaClientConfig): string[] {
  const problems: string[] = [];
  if (c.KAFKA_SASL_MECHANISM && !(c.KAFKA_SASL_USERNAME && (c.KAFKA_SASL_PASSWORD || c.KAFKA_SASL_PASSWORD_FILE)))
    problems.push("KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE");
  if (!c.KAFKA_TLS && (c.KAFKA_TLS_CA_FILE || c.KAFKA_TLS_CERT_FILE || c.KAFKA_TLS_KEY_FILE)) problems.push("KAFKA_TLS_*_FILE needs KAFKA_TLS=true");
  if (!c.KAFKA_TLS_CERT_FILE !== !c.KAFKA_TLS_KEY_FILE) problems.push("a client certificate needs both KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE");
  return problems;
}

/** For a service's schema: `.superRefine(checkKafkaClient)` rejects inconsistent Kafka client settings at load time. */
export function checkKafkaClient(c: KafkaClientConfig, ctx: z.RefinementCtx): void {
  for (const message of kafkaClientProblems(c)) ctx.addIssue({ code: "custom", message, path: ["KAFKA_SASL_MECHANISM"] });
}

const readPem = (file: string) => readFileSync(file, "utf8");

/**
 * createKafka options from the kafkaClient fields: no `sasl` when SASL is not configured; the
 * password file and the PEM files are read here (at start: a rotated password needs a restart).
 * Throws a ConfigError when the settings are inconsistent.
 */
export function kafkaClient(c: KafkaClientConfig) {
  const problems = kafkaClientProblems(c);
  if (problems.length > 0) throw new ConfigError(problems);
  const files = {
    ...(c.KAFKA_TLS_CA_FILE ? { ca: [readPem(c.KAFKA_TLS_CA_FILE)] } : {}),
    ...(c.KAFKA_TLS_CERT_FILE && c.KAFKA_TLS_KEY_FILE ? { cert: readPem(c.KAFKA_TLS_CERT_FILE), key: readPem(c.KAFKA_TLS_KEY_FILE) } : {}),
  };
  const password = c.KAFKA_SASL_PASSWORD ?? (c.KAFKA_SASL_PASSWORD_FILE ? readFileSync(c.KAFKA_SASL_PASSWORD_FILE, "utf8").trim() : "");
  return {
    topicPrefix: c.KAFKA_TOPIC_PREFIX,
    ssl: c.KAFKA_TLS ? (Object.keys(files).length > 0 ? files : true) : false,
    ...(c.KAFKA_SASL_MECHANISM ? { sasl: { mechanism: c.KAFKA_SASL_MECHANISM, username: c.KAFKA_SASL_USERNAME ?? "", password } } : {}),
  };
}

/** The TLS settings (fields.tls). */
export interface TlsSettings {
  TLS_CA_FILE?: string;
  TLS_CERT_FILE?: string;
  TLS_KEY_FILE?: string;
}

/** The contents of the TLS files: the CA's certificates, this side's certificate chain and key (PEM). */
export interface TlsFiles {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/**
 * Reads the TLS_* files; undefined when none is set. Throws a ConfigError when only some are set or
 * a file cannot be read.
 */
export function tlsFiles(s: TlsSettings): TlsFiles | undefined {
  const names = ["TLS_CA_FILE", "TLS_CERT_FILE", "TLS_KEY_FILE"] as const;
  const set = names.filter((n) => s[n]);
  if (set.length === 0) return undefined;
  if (set.length < names.length) throw new ConfigError(names.filter((n) => !s[n]).map((n) => `${n}: required when ${set.join(" and ")} ${set.length > 1 ? "are" : "is"} set`));
  const problems: string[] = [];
  const read = (n: (typeof names)[number]) => {
    try {
      return readFileSync(s[n]!);
    } catch (err) {
      problems.push(`${n}: cannot read ${s[n]} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      return Buffer.alloc(0);
    }
  };
  const files = { ca: read("TLS_CA_FILE"), cert: read("TLS_CERT_FILE"), key: read("TLS_KEY_FILE") };
  if (problems.length > 0) throw new ConfigError(problems);
  return files;
}

/** The retention schedule of the retention fields. */
export const retentionSchedule = (c: { RETENTION_PERSONAL_DATA_YEARS: number; RETENTION_DRILL_DAYS: number; RETENTION_NOTIFICATION_DAYS: number }) => ({
  personalDataYears: c.RETENTION_PERSONAL_DATA_YEARS,
  drillDays: c.RETENTION_DRILL_DAYS,
  notificationDays: c.RETENTION_NOTIFICATION_DAYS,
});
