import { checkKafkaClient, fields, loadConfig, z } from "@kuayu/config";

/** "44=intake.kuayu-44:50051,*=127.0.0.1:50051": the intake of each window province ("*": any other). */
const intakeAddrs = z
  .string()
  .default("*=127.0.0.1:50051")
  .transform(
    (s) =>
      Object.fromEntries(
        s
          .split(",")
          .map((pair) =>
            pair
              .trim()
              .split("=")
              .map((x) => x.trim()),
          )
          .filter((p) => p.length === 2),
      ) as Record<string, string>,
  )
  .pipe(z.record(z.string().regex(/^(\d{2}|\*)$/, "keys are province codes or *"), z.string().regex(/^[^:\s]+:\d+$/, "values are host:port")));

const schema = z
  .object({
    GRPC_PORT: fields.port(50053),
    GRPC_HOST: z.string().default("0.0.0.0"),
    KAFKA_BROKERS: fields.brokers,
    /** Consumer group; default decision-<scope> (e.g. decision-44): one group per province scope. */
    KAFKA_GROUP_ID: z.string().min(1).optional(),
    KAFKA_SESSION_TIMEOUT_MS: fields.millis(30_000),
    /** 16: an arrival waits for its copy, and the consumer fetches again only when every partition of the last fetch is done. */
    KAFKA_CONCURRENCY: fields.consumerConcurrency.default(16),
    ...fields.kafkaClient,
    ...fields.calendar,
    ...fields.grpcLimits,
    ...fields.tls,
    ...fields.events,
    ...fields.retention,
    ...fields.fieldcrypt,
    ...fields.storeGroupWait,
    GRPC_HEALTH_PORT: fields.healthPort,
    KAFKA_FROM_BEGINNING: fields.fromBeginning,
    MONGO_URI: fields.mongoUri.default("mongodb://127.0.0.1:27017"),
    MONGO_DB: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,63}$/, "letters, digits, _ and - only")
      .default("kuayu_decision"),
    /** Jurisdiction courts whose inboxes this instance keeps: two-digit province codes, or "all". */
    PROVINCE_SCOPE: fields.provinces,
    /** The directory data file (its courts' working hours count the deadlines); default: the shipped one. */
    DIRECTORY_FILE: z.string().optional(),
    INTAKE_ADDRS: intakeAddrs,
    ...fields.tokens,
    /** PEM of the private key that signs this service's calls to intake (or JWT_PRIVATE_KEY_FILE). */
    JWT_PRIVATE_KEY: z.string().optional(),
    JWT_PRIVATE_KEY_FILE: z.string().optional(),
    WATCH_POLL_MS: fields.millis(5_000),
    /**
     * How far the clock of an intake that makes filing ids (stamped with its time) may be from this
     * one's: a watch of a filing made this much after the watchers' polls began needs no look-up
     * before its arrival.
     */
    FILING_ID_CLOCK_SKEW_MS: fields.millis(10_000),
    COPY_INTERVAL_MS: fields.millis(1_000),
    /** How long a new arrival waits for its materials to be copied, so that one write commits both (0: never; the copier copies them after). */
    COPY_ON_ARRIVAL_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
    /** Filings whose materials are copied from the windows at once. */
    COPY_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
    SHUTDOWN_GRACE_MS: fields.millis(25_000),
    LOG_LEVEL: fields.logLevel,
  })
  .refine((c) => c.JWT_PUBLIC_KEY || c.JWT_PUBLIC_KEY_FILE, { message: "set JWT_PUBLIC_KEY or JWT_PUBLIC_KEY_FILE", path: ["JWT_PUBLIC_KEY"] })
  .refine((c) => c.JWT_PRIVATE_KEY || c.JWT_PRIVATE_KEY_FILE, { message: "set JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE (to fetch materials from intake)", path: ["JWT_PRIVATE_KEY"] })
  .superRefine(checkKafkaClient);

export type Config = z.infer<typeof schema>;
export const readConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<Config> => loadConfig(schema, env);

/**
 * The consumer group: KAFKA_GROUP_ID, or decision-<scope> (decision-44, decision-all). Instances
 * with different scopes must not share a group: each group's partition assignment is per scope.
 */
export const groupIdOf = (c: Pick<Config, "KAFKA_GROUP_ID" | "PROVINCE_SCOPE">) => c.KAFKA_GROUP_ID ?? `decision-${c.PROVINCE_SCOPE === "all" ? "all" : c.PROVINCE_SCOPE.join("-")}`;
