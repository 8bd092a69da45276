import { fields, loadConfig, z } from "@kuayu/config";

const schema = z
  .object({
    /** The console's HTTP port (the single-page application, its backend and sign-in). */
    CONSOLE_PORT: fields.port(8080),
    CONSOLE_HOST: z.string().default("0.0.0.0"),
    /** The URL users open (the OIDC redirect URI is `<PUBLIC_URL>/auth/callback`); https in production. */
    PUBLIC_URL: z
      .url()
      .default("http://127.0.0.1:8080")
      .transform((u) => u.replace(/\/$/, "")),
    /** The deployment's identity provider (OpenID Connect discovery at `<issuer>/.well-known/openid-configuration`). */
    OIDC_ISSUER: z.url(),
    OIDC_CLIENT_ID: z.string().min(1).default("kuayu-console"),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET_FILE: z.string().optional(),
    /** Scopes asked for at sign-in; the access token must carry the user's court, province and roles. */
    OIDC_SCOPES: z.string().default("openid profile kuayu"),
    /** RFC 8707 resource indicator of the services, if the provider needs one to issue their access tokens. */
    OIDC_RESOURCE: z.string().optional(),
    /** 32 random bytes, base64 (or SESSION_KEY_FILE): encrypts the session cookie (A256GCM). Not a signing key. */
    SESSION_KEY: z.string().optional(),
    SESSION_KEY_FILE: z.string().optional(),
    /** gRPC addresses of the services the console calls with the user's token. */
    INTAKE_ADDR: z.string().default("127.0.0.1:50051"),
    DIRECTORY_ADDR: z.string().default("127.0.0.1:50052"),
    DECISION_ADDR: z.string().default("127.0.0.1:50053"),
    NOTIFICATION_ADDR: z.string().default("127.0.0.1:50054"),
    SUPERVISION_ADDR: z.string().default("127.0.0.1:50055"),
    /** The built single-page application (npm run build:web). */
    WEB_ROOT: z.string().optional(),
    /** Largest upload accepted (bytes); the intake service applies its own limits too. */
    MAX_UPLOAD_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .default(50 * 1024 * 1024),
    /**
     * PEM of the release's token signing key (or JWT_PRIVATE_KEY_FILE): the public pages (/verify,
     * /party) call the services with public tokens per visitor. Without it they answer 503.
     */
    JWT_PRIVATE_KEY: z.string().optional(),
    JWT_PRIVATE_KEY_FILE: z.string().optional(),
    /** Checks of printed notices per visitor address and minute on /verify, per replica (0: no limit). */
    PUBLIC_VERIFY_PER_MINUTE: z.coerce.number().int().min(0).default(10),
    /** Party look-ups (receipt number + the phone's last four digits) per visitor address and minute on /party, per replica (0: no limit). */
    PUBLIC_LOOKUP_PER_MINUTE: z.coerce.number().int().min(0).default(5),
    /** Proxies in front of the console that append the visitor's address to X-Forwarded-For (0: none; the ingress: 1). */
    TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(5).default(0),
    /** Mutual TLS to the services (TLS_CA_FILE, TLS_CERT_FILE, TLS_KEY_FILE: the console's client pair). */
    ...fields.tls,
    SHUTDOWN_GRACE_MS: fields.millis(10_000),
    LOG_LEVEL: fields.logLevel,
  })
  .refine((c) => c.OIDC_CLIENT_SECRET || c.OIDC_CLIENT_SECRET_FILE, { message: "set OIDC_CLIENT_SECRET or OIDC_CLIENT_SECRET_FILE", path: ["OIDC_CLIENT_SECRET"] })
  .refine((c) => c.SESSION_KEY || c.SESSION_KEY_FILE, { message: "set SESSION_KEY or SESSION_KEY_FILE", path: ["SESSION_KEY"] });

export type Config = z.infer<typeof schema>;
export const readConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<Config> => loadConfig(schema, env);
