import { checkKafkaClient, fields, loadConfig, z } from "@kuayu/config";
import { parseCidrs } from "./channels/address-guard.js";

const schema = z
  .object({
    GRPC_PORT: fields.port(50054),
    GRPC_HOST: z.string().default("0.0.0.0"),
    /** The directory data file (court names on notices, provinces, working hours); default: the shipped one. */
    DIRECTORY_FILE: z.string().optional(),
    KAFKA_BROKERS: fields.brokers,
    KAFKA_GROUP_ID: z.string().min(1).default("notification"),
    KAFKA_SESSION_TIMEOUT_MS: fields.millis(30_000),
    KAFKA_CONCURRENCY: fields.consumerConcurrency,
    KAFKA_FROM_BEGINNING: fields.fromBeginning,
    ...fields.kafkaClient,
    ...fields.calendar,
    ...fields.grpcLimits,
    ...fields.tls,
    ...fields.events,
    ...fields.retention,
    ...fields.fieldcrypt,
    GRPC_HEALTH_PORT: fields.healthPort,
    MONGO_URI: fields.mongoUri.default("mongodb://127.0.0.1:27017"),
    MONGO_DB: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,63}$/, "letters, digits, _ and - only")
      .default("kuayu_notification"),
    /** Courts whose notifications this release keeps ("all", or two-digit province codes). */
    PROVINCE_SCOPE: fields.provinces,
    /** SMTP for e-mail; unset: e-mail subscriptions are refused. */
    SMTP_HOST: z.string().optional(),
    SMTP_PORT: fields.port(587),
    SMTP_SECURE: z
      .enum(["true", "false"])
      .default("false")
      .transform((v) => v === "true"),
    SMTP_USER: z.string().optional(),
    SMTP_PASS: z.string().optional(),
    SMTP_FROM: z.string().default("跨域立案服务 <no-reply@kuayu.court.example>"),
    /**
     * SMS: `aliyun` (Alibaba Cloud SMS), `tencent` (Tencent Cloud SMS) — through their official
     * SDKs, a pre-approved template per kind of message (SMS_TEMPLATES_FILE) under SMS_SIGN_NAME — or
     * `http` (a gateway taking the text, SMS_URL + SMS_TOKEN). Unset: `http` when SMS_URL is set,
     * else no SMS (SMS subscriptions are refused).
     */
    SMS_PROVIDER: z.enum(["aliyun", "tencent", "http"]).optional(),
    /** SMS gateway (HTTP provider). */
    SMS_URL: z.string().url().optional(),
    SMS_TOKEN: z.string().optional(),
    /** The provider's API endpoint (default dysmsapi.aliyuncs.com / sms.tencentcloudapi.com over https). */
    SMS_ENDPOINT: z.string().url().optional(),
    /** The registered signature name (签名), e.g. 某某人民法院. */
    SMS_SIGN_NAME: z.string().min(1).max(32).optional(),
    /** JSON: kind → { templateId, params } for every kind of message (docs in the notification README). */
    SMS_TEMPLATES_FILE: z.string().optional(),
    /** Alibaba: AccessKey id and secret; Tencent: SecretId and SecretKey. Each secret also as a file (…_FILE). */
    SMS_ACCESS_KEY_ID: z.string().optional(),
    SMS_ACCESS_KEY_SECRET: z.string().optional(),
    SMS_ACCESS_KEY_SECRET_FILE: z.string().optional(),
    /** Tencent: the SMS application id (SmsSdkAppId) and the region (default ap-guangzhou). */
    SMS_SDK_APP_ID: z.string().optional(),
    SMS_REGION: z.string().default("ap-guangzhou"),
    /** An HTTP(S) proxy to the provider; unset: none. */
    SMS_PROXY: z.string().url().optional(),
    /** Webhook URLs must be https, except on loopback when this is true (local systems, tests). */
    WEBHOOK_ALLOW_LOOPBACK_HTTP: z
      .enum(["true", "false"])
      .default("false")
      .transform((v) => v === "true"),
    /**
     * Address ranges (comma-separated CIDRs) webhook receivers may have although they are not
     * public, e.g. a court's private network; by default only public addresses are reached.
     */
    WEBHOOK_ALLOW_CIDRS: z
      .string()
      .default("")
      .transform((v) =>
        v
          .split(",")
          .map((c) => c.trim())
          .filter(Boolean),
      )
      .refine(
        (list) => {
          try {
            parseCidrs(list);
            return true;
          } catch {
            return false;
          }
        },
        { message: "comma-separated CIDR ranges, e.g. 10.20.0.0/16" },
      ),
    WEBHOOK_TIMEOUT_MS: fields.millis(10_000),
    /** Deliveries in flight at once in one replica, all receivers together. */
    DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(32),
    /** Deliveries in flight at once to one receiver: a webhook, or the SMTP server, or the SMS gateway. */
    DELIVERY_CONCURRENCY_PER_RECEIVER: z.coerce.number().int().min(1).max(100).default(4),
    /** How long a webhook receiver's open breaker holds its deliveries before one probe delivery. */
    WEBHOOK_BREAKER_RESET_MS: fields.millis(30_000),
    /** First retry delay of a failed delivery, doubled per attempt (capped at 60 s). */
    DELIVERY_BACKOFF_MS: fields.millis(1_000),
    DELIVERY_INTERVAL_MS: fields.millis(500),
    /** A delivery waits this long after its event, so a filing's events that arrive out of order go out in order. */
    DELIVERY_SETTLE_MS: z.coerce.number().int().min(0).default(300),
    REMINDER_INTERVAL_MS: fields.millis(10_000),
    /**
     * The court seal keys (documents/seal-keys.ts): ca.crt.pem and courts/<court id>.pem; with
     * ca.key.pem (development only) a court's certificate is issued on first use.
     */
    SEAL_KEY_DIR: z.string().min(1).default(".secrets/court-seal"),
    /**
     * The console's public verification page: each printed notice carries a QR code of
     * `<DOCUMENT_VERIFY_URL>/<verification code>` and names the page beside its code.
     */
    DOCUMENT_VERIFY_URL: z
      .url({ protocol: /^https?$/ })
      .default("http://127.0.0.1:8080/verify")
      .transform((u) => u.replace(/\/$/, "")),
    /** VerifyDocument calls per caller address (or public visitor) and minute, per replica (0: no limit). */
    VERIFY_DOCUMENT_PER_MINUTE: z.coerce.number().int().min(0).default(30),
    WATCH_POLL_MS: fields.millis(1_000),
    ...fields.tokens,
    SHUTDOWN_GRACE_MS: fields.millis(25_000),
    LOG_LEVEL: fields.logLevel,
  })
  .refine((c) => c.JWT_PUBLIC_KEY || c.JWT_PUBLIC_KEY_FILE, { message: "set JWT_PUBLIC_KEY or JWT_PUBLIC_KEY_FILE", path: ["JWT_PUBLIC_KEY"] })
  .refine((c) => !c.SMS_URL || c.SMS_TOKEN, { message: "SMS_URL needs SMS_TOKEN", path: ["SMS_TOKEN"] })
  .refine((c) => c.SMS_PROVIDER !== "http" || c.SMS_URL, { message: "SMS_PROVIDER http needs SMS_URL", path: ["SMS_URL"] })
  .refine(
    (c) =>
      !(c.SMS_PROVIDER === "aliyun" || c.SMS_PROVIDER === "tencent") || (c.SMS_SIGN_NAME && c.SMS_TEMPLATES_FILE && c.SMS_ACCESS_KEY_ID && (c.SMS_ACCESS_KEY_SECRET || c.SMS_ACCESS_KEY_SECRET_FILE)),
    {
      message: "SMS_PROVIDER aliyun or tencent needs SMS_SIGN_NAME, SMS_TEMPLATES_FILE, SMS_ACCESS_KEY_ID and SMS_ACCESS_KEY_SECRET(_FILE)",
      path: ["SMS_PROVIDER"],
    },
  )
  .refine((c) => c.SMS_PROVIDER !== "tencent" || c.SMS_SDK_APP_ID, { message: "SMS_PROVIDER tencent needs SMS_SDK_APP_ID", path: ["SMS_SDK_APP_ID"] })
  .superRefine(checkKafkaClient);

export type Config = z.infer<typeof schema>;
export const readConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<Config> => loadConfig(schema, env);
