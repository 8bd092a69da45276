import { checkKafkaClient, fields, loadConfig, z } from "@kuayu/config";

const bytes = (def: number) => z.coerce.number().int().min(1).default(def);

const schema = z
  .object({
    GRPC_PORT: fields.port(50051),
    GRPC_HOST: z.string().default("0.0.0.0"),
    KAFKA_BROKERS: fields.brokers,
    /** Consumer group; defaults to the service name (docs/platform.md (house rules)). Tests isolate themselves with it. */
    KAFKA_GROUP_ID: z.string().min(1).default("intake"),
    KAFKA_SESSION_TIMEOUT_MS: fields.millis(30_000),
    KAFKA_CONCURRENCY: fields.consumerConcurrency,
    ...fields.kafkaClient,
    ...fields.calendar,
    ...fields.grpcLimits,
    ...fields.tls,
    ...fields.events,
    ...fields.fieldcrypt,
    ...fields.storeGroupWait,
    GRPC_HEALTH_PORT: fields.healthPort,
    KAFKA_FROM_BEGINNING: fields.fromBeginning,
    MONGO_URI: fields.mongoUri.default("mongodb://127.0.0.1:27017"),
    MONGO_DB: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,63}$/, "letters, digits, _ and - only")
      .default("kuayu_intake"),
    /** The routing service (directory route rules), host:port. */
    ROUTING_ADDR: z
      .string()
      .regex(/^[^:\s]+:\d+$/, "expected host:port")
      .default("127.0.0.1:50052"),
    ROUTING_TIMEOUT_MS: fields.millis(5_000),
    /** Courts whose windows this release serves: two-digit province codes, or "all". */
    PROVINCE_SCOPE: fields.provinces,
    /** The court directory tokens are checked against (default: the shipped national directory). */
    DIRECTORY_FILE: z.string().optional(),
    /** Largest single material, and all materials of one filing together. */
    MATERIAL_MAX_BYTES: bytes(100 * 1024 * 1024),
    FILING_MAX_BYTES: bytes(1024 * 1024 * 1024),
    /** How often watchers look for changes made by other replicas. */
    WATCH_POLL_MS: fields.millis(5_000),
    /**
     * How long a fetch of the lifecycle topics waits for more events (at most; a full fetch returns). A filing's
     * events that arrive together are one change of it (its response and decision often are): fewer
     * writes, for up to this much later on the window's timeline.
     */
    LIFECYCLE_FETCH_WAIT_MS: fields.millis(200),
    /** An upload not referenced by its filing after this long is removed. */
    UPLOAD_ABANDON_MS: fields.millis(60 * 60 * 1000),
    /**
     * Failed party look-ups (LookupFiling: receipt number + the phone's last four digits) a receipt
     * number may have per hour on this replica; beyond, its look-ups are refused until the hour is
     * out (0: no limit).
     */
    PARTY_LOOKUP_FAILURES_PER_HOUR: z.coerce.number().int().min(0).default(10),
    ...fields.tokens,
    ...fields.retention,
    SHUTDOWN_GRACE_MS: fields.millis(25_000),
    LOG_LEVEL: fields.logLevel,
  })
  .refine((c) => c.JWT_PUBLIC_KEY || c.JWT_PUBLIC_KEY_FILE, {
    message: "set JWT_PUBLIC_KEY or JWT_PUBLIC_KEY_FILE",
    path: ["JWT_PUBLIC_KEY"],
  })
  .superRefine(checkKafkaClient);

export type Config = z.infer<typeof schema>;
export const readConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<Config> => loadConfig(schema, env);
