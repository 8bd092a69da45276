// Property-based fuzzing of every NotificationService RPC (fast-check), the service in this process
// on the real broker and store: valid messages (existing webhooks and subscriptions, plausible URLs
// and addresses), invalid messages, raw bytes, valid and refused tokens. No INTERNAL/UNKNOWN, no
// unhandled rejection, and the service still answers afterwards.
import fc from "fast-check";
import { createSigner, type Role } from "@kuayu/auth";
import { createClient } from "@kuayu/grpc";
import { createLogger } from "@kuayu/logger";
import { connectMongo } from "@kuayu/mongo";
import { notificationV1 } from "@kuayu/proto";
import { assertInfraUp, directoryOverrides, formatReports, fuzzMethod, fuzzSettings, infra, methodsOf, refusedTokens, testKeys, uniqueName, type FuzzReport, type FuzzTokens } from "@kuayu/testkit";
import { readConfig } from "../src/config";
import { startApp, type App } from "../src/app";

const { runs, seed } = fuzzSettings();
const reports: FuzzReport[] = [];
const keys = testKeys();
const log = createLogger({ service: "test", level: "silent" });
const COURT = "c-110105";
const fatal: Error[] = [];
const db = uniqueName("notification_fuzz");
let app: App;
let tokens: FuzzTokens;
let operator: ReturnType<typeof createClient<typeof notificationV1.NotificationService>>;
const ids: { webhook: string[]; subscription: string[] } = { webhook: [], subscription: [] };

beforeAll(async () => {
  await assertInfraUp();
  const signer = await createSigner(keys.privateKey);
  const mint = (courtId: string, province: string, roles: Role[]) => signer.mint({ user: `u-${courtId}`, courtId, roles, province });
  app = await startApp(
    readConfig({
      GRPC_PORT: "0",
      GRPC_HOST: "127.0.0.1",
      ...infra.kafkaEnv,
      MONGO_URI: infra.mongoUri,
      MONGO_DB: db,
      KAFKA_GROUP_ID: uniqueName("notification"),
      KAFKA_FROM_BEGINNING: "false",
      JWT_PUBLIC_KEY: keys.publicKey,
      LOG_LEVEL: "silent",
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: "2", // nothing listens: no filing events here, so nothing is ever sent
      WATCH_POLL_MS: "200",
    }),
    log,
    (err) => void fatal.push(err),
  );
  const valid = [
    await mint(COURT, "11", ["court-system", "operator"]),
    await mint(COURT, "11", ["filing-specialist"]),
    await mint("t-440103001", "44", ["window-clerk"]),
    await mint("c-440104", "44", ["operator"]),
  ];
  tokens = { valid, invalid: await refusedTokens(valid[0]!, { user: "u", courtId: COURT, roles: ["operator"], province: "11" }, signer) };
  operator = createClient(notificationV1.NotificationService, `127.0.0.1:${app.grpcPort}`, { token: valid[0], timeoutMs: 30_000 });
  ids.webhook.push((await operator.addWebhook({ url: "https://hooks.example.com/kuayu", secret: "s".repeat(40) })).webhook!.webhookId);
  ids.subscription.push((await operator.addSubscription({ channel: notificationV1.Channel.EMAIL, address: "clerk@court.example" })).subscription!.subscriptionId);
}, 60_000);
afterAll(async () => {
  console.log(formatReports(reports, seed));
  operator?.close();
  expect(await app?.stop()).toBe(true);
  expect(fatal).toEqual([]);
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: db });
  await conn.dropDatabase();
  await conn.close();
});

const known = (list: () => string[]) => fc.oneof({ weight: 3, arbitrary: fc.constant(null).map(() => list()[0]!) }, { weight: 1, arbitrary: fc.uuid() });
const overrides = () => ({
  ...directoryOverrides(),
  url: fc.oneof(fc.webUrl(), fc.constantFrom("https://hooks.example.com/kuayu", "http://127.0.0.1:1/hook", "https://10.0.0.1/x", "ftp://x")),
  secret: fc.oneof(fc.constant("s".repeat(40)), fc.string({ minLength: 32, maxLength: 64 })),
  address: fc.oneof(fc.emailAddress(), fc.constantFrom("13800138000", "+8613800138000")),
  event_types: fc.constantFrom("filing.submitted", "filing.accepted", "filing.rejected", "nope"),
  webhook_id: known(() => ids.webhook),
  subscription_id: known(() => ids.subscription),
  filing_id: fc.uuid(),
});

it.each(methodsOf(notificationV1.NotificationService))(
  "NotificationService/%s survives fuzzing",
  async (_name, method) => {
    const report = await fuzzMethod(method, {
      address: `127.0.0.1:${app.grpcPort}`,
      tokens,
      runs,
      seed,
      overrides: overrides(),
      normal: async () => expect((await operator.listNotifications({})).notifications).toBeDefined(),
    });
    reports.push(report);
    expect(fatal).toEqual([]);
  },
  60_000 + runs * 100,
);
