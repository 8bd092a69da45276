import { checkKafkaClient, fields, loadConfig, z } from "@kuayu/config";
import { PROVINCE_CODES } from "@kuayu/topics";

const schema = z
  .object({
    GRPC_PORT: fields.port(50055),
    GRPC_HOST: z.string().default("0.0.0.0"),
    /** The directory data file (court names on notices, provinces, working hours); default: the shipped one. */
    DIRECTORY_FILE: z.string().optional(),
    /** JSON HTTP API for dashboards; 0 = any free port. */
    HTTP_PORT: fields.port(8085),
    HTTP_HOST: z.string().default("0.0.0.0"),
    KAFKA_BROKERS: fields.brokers,
    KAFKA_GROUP_ID: z.string().min(1).default("supervision"),
    KAFKA_SESSION_TIMEOUT_MS: fields.millis(30_000),
    /** Lifecycle topics (one per province) handled at once: all of them (32), so that one flush takes every topic's fetch. */
    KAFKA_CONCURRENCY: fields.consumerConcurrency.default(PROVINCE_CODES.length),
    /** Group commit (adapters/partition-writer.ts): how long a fetch waits for the other topics' before they are written together. */
    SUPERVISION_FLUSH_MS: fields.millis(1000),
    /** …or until the flush holds this many events. */
    SUPERVISION_FLUSH_MAX_EVENTS: z.coerce.number().int().min(1).default(2000),
    /** How often the owner of a stream counts the ratings and complaints other replicas queued for it. */
    SUPERVISION_FEEDBACK_MS: fields.millis(2000),
    KAFKA_FROM_BEGINNING: fields.fromBeginning,
    /** The litigation-cost model (JSON; its fields replace the defaults': docs/supervision-cost.md). Unset: the defaults. */
    COST_MODEL_FILE: z.string().optional(),
    ...fields.kafkaClient,
    ...fields.calendar,
    ...fields.grpcLimits,
    ...fields.tls,
    ...fields.events,
    ...fields.retention,
    GRPC_HEALTH_PORT: fields.healthPort,
    MONGO_URI: fields.mongoUri.default("mongodb://127.0.0.1:27017"),
    MONGO_DB: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,63}$/, "letters, digits, _ and - only")
      .default("kuayu_supervision"),
    /** Jurisdiction courts' provinces whose filings this instance supervises ("all" nationally). */
    PROVINCE_SCOPE: fields.provinces,
    /** The audit chains' hash (docs/security.md "Audit trail"): SHA-256, or SM3 (GB/T 32905) for commercial-cryptography assessment. */
    AUDIT_HASH: z.enum(["sha256", "sm3"]).default("sha256"),
    /** When the scheduled notices are generated (China time, HH:MM); "off" disables the schedule. */
    NOTICE_TIME: z
      .string()
      .regex(/^(\d{2}:\d{2}|off)$/, "HH:MM or off")
      .default("08:00"),
    ...fields.tokens,
    SHUTDOWN_GRACE_MS: fields.millis(25_000),
    LOG_LEVEL: fields.logLevel,
  })
  .refine((c) => c.JWT_PUBLIC_KEY || c.JWT_PUBLIC_KEY_FILE, { message: "set JWT_PUBLIC_KEY or JWT_PUBLIC_KEY_FILE", path: ["JWT_PUBLIC_KEY"] })
  .superRefine(checkKafkaClient);

export type Config = z.infer<typeof schema>;
export const readConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<Config> => loadConfig(schema, env);
