import { checkKafkaClient, fields, loadConfig, z } from "@kuayu/config";

const schema = z
  .object({
    GRPC_PORT: fields.port(50052),
    GRPC_HOST: z.string().default("0.0.0.0"),
    /** The directory data file (JSON as written by `kuayu directory export`); default: the shipped one. */
    DIRECTORY_FILE: z.string().optional(),
    /** The routing stage (Kafka): on in every deployment; off serves only the directory (tests, tools). */
    ROUTING_STAGE: z.enum(["on", "off"]).default("on"),
    KAFKA_BROKERS: fields.brokers,
    KAFKA_GROUP_ID: z.string().min(1).default("routing"),
    KAFKA_SESSION_TIMEOUT_MS: fields.millis(30_000),
    KAFKA_CONCURRENCY: fields.consumerConcurrency,
    ...fields.kafkaClient,
    ...fields.calendar,
    ...fields.grpcLimits,
    ...fields.tls,
    ...fields.events,
    GRPC_HEALTH_PORT: fields.healthPort,
    KAFKA_FROM_BEGINNING: fields.fromBeginning,
    /** Routes the filings of collaborating courts in these provinces ("all", or two-digit codes). */
    PROVINCE_SCOPE: fields.provinces,
    ...fields.tokens,
    SHUTDOWN_GRACE_MS: fields.millis(25_000),
    LOG_LEVEL: fields.logLevel,
  })
  .refine((c) => c.JWT_PUBLIC_KEY || c.JWT_PUBLIC_KEY_FILE, { message: "set JWT_PUBLIC_KEY or JWT_PUBLIC_KEY_FILE", path: ["JWT_PUBLIC_KEY"] })
  .superRefine(checkKafkaClient);

export type Config = z.infer<typeof schema>;
export const readConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<Config> => loadConfig(schema, env);
