// Every service starts and runs as its own Kafka user with only the ACLs of
// libs/topics/src/kafka-acls.json (as `make up` starts them): describing its topics (ensureTopics
// creates nothing: the admin has), its idempotent producer, joining its consumer group, the lag
// watcher's offsets. The ACL table being too narrow fails here; too wide, in acl.int.test.ts.
import path from "node:path";
import { connectMongo } from "@kuayu/mongo";
import { assertInfraUp, infra, kafkaUser, spawnService, testKeys, uniqueName, type ServiceProcess } from "@kuayu/testkit";
import { ensureTopics } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { ALL_LIFECYCLE_TOPICS, supervisionTopics } from "@kuayu/topics";
import { createKafka } from "../src/index.js";

jest.setTimeout(180_000);

const root = path.resolve(__dirname, "../../..");
const keys = testKeys();
const services = ["intake", "decision", "notification", "supervision"] as const;
const running: ServiceProcess[] = [];
const dbs: string[] = [];

beforeAll(async () => {
  await assertInfraUp();
  await ensureTopics(createKafka({ ...infra.kafka, clientId: "service-users-test", log: createLogger({ service: "test", level: "silent" }) }), [
    ...ALL_LIFECYCLE_TOPICS,
    ...Object.values(supervisionTopics),
  ]);
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.kill()));
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: "admin" });
  for (const db of dbs) await conn.useDb(db).dropDatabase();
  await conn.close();
});

it("starts every service as its own Kafka user, and it consumes in its own group", async () => {
  const started = await Promise.all(
    services.map(async (svc) => {
      const db = uniqueName(`users_${svc}`);
      dbs.push(db);
      const user = kafkaUser(svc);
      const proc = spawnService(path.join(root, `services/${svc}/dist/main.js`), {
        GRPC_PORT: "0",
        GRPC_HOST: "127.0.0.1",
        HTTP_PORT: "0",
        HTTP_HOST: "127.0.0.1",
        NOTICE_TIME: "off",
        LOG_LEVEL: "info",
        KAFKA_BROKERS: infra.brokers.join(","),
        KAFKA_SASL_MECHANISM: user.mechanism,
        KAFKA_SASL_USERNAME: user.username,
        KAFKA_SASL_PASSWORD: user.password,
        KAFKA_GROUP_ID: uniqueName(`${svc}-users`),
        KAFKA_FROM_BEGINNING: "false",
        MONGO_URI: infra.mongoUri,
        MONGO_DB: db,
        JWT_PUBLIC_KEY: keys.publicKey,
        JWT_PRIVATE_KEY: keys.privateKey,
        OTEL_SERVICE_NAME: svc,
      });
      running.push(proc);
      await proc.waitFor((l) => l.msg === `${svc} started`, 150_000);
      return proc;
    }),
  );
  // A few seconds of running: the consumer's group, fetches and lag watcher, the readiness check.
  await new Promise((r) => setTimeout(r, 4000));
  for (const [i, proc] of started.entries()) {
    const refused = proc.lines.filter((l) => ["warn", "error", "fatal"].includes(String(l.level)) && /authoriz|authenticat/i.test(JSON.stringify(l)));
    expect([services[i], refused]).toEqual([services[i], []]);
    expect([services[i], proc.proc.exitCode]).toEqual([services[i], null]);
  }
});
