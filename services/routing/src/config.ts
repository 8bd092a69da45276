import { fields, loadConfig, z } from "@kuayu/config";

const schema = z
  .object({
    GRPC_PORT: fields.port(50052),
    GRPC_HOST: z.string().default("0.0.0.0"),
    /** The directory data file (JSON as written by `kuayu directory export`); default: the shipped one. */
    DIRECTORY_FILE: z.string().optional(),
    ...fields.calendar,
    ...fields.grpcLimits,
    ...fields.tls,
    GRPC_HEALTH_PORT: fields.healthPort,
    ...fields.tokens,
    SHUTDOWN_GRACE_MS: fields.millis(25_000),
    LOG_LEVEL: fields.logLevel,
  })
  .refine((c) => c.JWT_PUBLIC_KEY || c.JWT_PUBLIC_KEY_FILE, { message: "set JWT_PUBLIC_KEY or JWT_PUBLIC_KEY_FILE", path: ["JWT_PUBLIC_KEY"] });

export type Config = z.infer<typeof schema>;
export const readConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<Config> => loadConfig(schema, env);
