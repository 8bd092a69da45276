// The local broker as a boundary (scripts/infra/infra.sh): SASL/SCRAM-SHA-512 on its one client
// listener, the StandardAuthorizer with no access without an ACL, and the ACLs of
// libs/topics/src/kafka-acls.json. Each service user may do what its table entry says and nothing more.
// Records are written only to this run's own deployment (a topic prefix, whose topic ACLs the test
// renders from the table as a prefixed deployment's admin would), never to the shared topics.
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes, type Consumer, type AclEntry as KafkaAcl } from "kafkajs";
import { createLogger } from "@kuayu/logger";
import { assertInfraUp, eventually, infra, kafkaUser, uniqueName } from "@kuayu/testkit";
import { dlqName, ensureTopics } from "@kuayu/kafka";
import { PRINCIPALS, aclsOf, filingLifecycle, supervisionTopics } from "@kuayu/topics";
import { brokerTopic, createKafka } from "../src/index.js";

jest.setTimeout(60_000);

const log = createLogger({ service: "acl-test", level: "silent" });
const prefix = `${uniqueName("acl").replace(/_/g, "-")}.`;
const lifecycle = prefix + filingLifecycle.name;
const notices = prefix + supervisionTopics.noticePublished.name;
const admin = createKafka({ ...infra.kafka, clientId: "acl-test-admin", log, topicPrefix: prefix });

/** The table's topic ACLs for this run's prefix (group and cluster ACLs do not depend on it). */
const topicAcls: KafkaAcl[] = PRINCIPALS.flatMap((p) =>
  aclsOf(p, prefix)
    .filter((e) => e.resource === "topic")
    .flatMap((e) =>
      e.operations.map((op) => ({
        resourceType: AclResourceTypes.TOPIC,
        resourceName: e.name,
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal: `User:${p}`,
        host: "*",
        operation: AclOperationTypes[op.toUpperCase() as "READ" | "WRITE" | "DESCRIBE"],
        permissionType: AclPermissionTypes.ALLOW,
      })),
    ),
);
const as = (user: string, password?: string) =>
  new Kafka({ brokers: infra.brokers, clientId: `acl-test-${user}`, sasl: kafkaUser(user, password), logLevel: logLevel.NOTHING, connectionTimeout: 3000, retry: { retries: 2 } });

/** The error a producer of `user` gets writing one record to `topic` (undefined: written). */
async function writeAs(kafka: Kafka, topic: string): Promise<{ type?: string; name: string; message: string } | undefined> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 2 } });
  try {
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: "acl-test", value: "x", partition: 0 }] });
    return undefined;
  } catch (err) {
    const e = err as { type?: string; name: string; message: string; cause?: { type?: string } };
    return { type: e.type ?? e.cause?.type, name: e.name, message: e.message };
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

/**
 * Joins `groupId` as `user` and resolves with "joined", or with the broker's error code when it
 * refuses. (kafkajs reports a refused FindCoordinator only as "Failed to find group coordinator";
 * the broker's error code is in its debug log line, which is where this reads it.)
 */
async function joinAs(user: string, groupId: string, topic: string): Promise<string> {
  const brokerErrors: string[] = [];
  const kafka = new Kafka({
    brokers: infra.brokers,
    clientId: `acl-test-${user}`,
    sasl: user === "admin" ? infra.kafka.sasl : kafkaUser(user),
    logLevel: logLevel.DEBUG,
    logCreator: () => (e) => {
      const error = (e.log as { error?: { type?: string } }).error;
      if (error?.type) brokerErrors.push(error.type);
    },
  });
  const consumer: Consumer = kafka.consumer({ groupId, retry: { retries: 5 }, sessionTimeout: 6000 });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic] });
    return await new Promise<string>((resolve) => {
      const refused = () => resolve(brokerErrors.find((t) => t.endsWith("_AUTHORIZATION_FAILED")) ?? `refused: ${brokerErrors.join(",")}`);
      consumer.on(consumer.events.GROUP_JOIN, () => resolve("joined"));
      consumer.on(consumer.events.CRASH, refused);
      void consumer.run({ eachMessage: async () => undefined }).catch(refused);
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

beforeAll(async () => {
  await assertInfraUp();
  // Topics are the admin's to create (the services only describe them). The shared ones exist in
  // every deployment (a fresh broker has them once the services' topics are created): without
  // them a user with Describe would get UNKNOWN_TOPIC_OR_PARTITION, not the authorization error.
  await ensureTopics(createKafka({ ...infra.kafka, clientId: "acl-test-shared", log }), [filingLifecycle, supervisionTopics.noticePublished]);
  await ensureTopics(admin, [filingLifecycle, supervisionTopics.noticePublished]);
  const a = admin.admin();
  await a.connect();
  await a.createAcls({ acl: topicAcls });
  await a.disconnect();
  // The authorizer has them once intake may write its topic.
  await eventually(async () => (await writeAs(as("intake"), lifecycle)) === undefined, 10_000, "the ACLs of the test's prefix");
  // On a fresh broker the group coordinator (__consumer_offsets) comes up with the first group.
  await eventually(async () => (await joinAs("admin", uniqueName("acl-warmup"), lifecycle)) === "joined", 30_000, "the group coordinator");
});

afterAll(async () => {
  const a = admin.admin();
  await a.connect();
  await a.deleteAcls({ filters: topicAcls });
  const names = [filingLifecycle, supervisionTopics.noticePublished].map((t) => brokerTopic(admin, t.name));
  await a.deleteTopics({ topics: [...names, ...names.map(dlqName)] });
  await a.disconnect();
});

it("refuses a service user another deployment's topics and the shared topics it does not produce", async () => {
  expect((await writeAs(as("notification"), filingLifecycle.name))?.type).toBe("TOPIC_AUTHORIZATION_FAILED");
  expect((await writeAs(as("intake"), supervisionTopics.noticePublished.name))?.type).toBe("TOPIC_AUTHORIZATION_FAILED");
  expect((await writeAs(as("intake"), `other-${prefix}${filingLifecycle.name}`))?.type).toBe("TOPIC_AUTHORIZATION_FAILED");
});

it("lets a service write the topics it produces and refuses the others (TOPIC_AUTHORIZATION_FAILED)", async () => {
  expect(await writeAs(as("intake"), lifecycle)).toBeUndefined();
  expect((await writeAs(as("intake"), notices))?.type).toBe("TOPIC_AUTHORIZATION_FAILED");
  expect(await writeAs(as("supervision"), notices)).toBeUndefined();
  expect((await writeAs(as("supervision"), lifecycle))?.type).toBe("TOPIC_AUTHORIZATION_FAILED");
});

it("lets notification dead-letter lifecycle events but never write the lifecycle topic", async () => {
  expect((await writeAs(as("notification"), lifecycle))?.type).toBe("TOPIC_AUTHORIZATION_FAILED");
  expect(await writeAs(as("notification"), dlqName(lifecycle))).toBeUndefined();
});

it("refuses an unknown user, a wrong password and a client without credentials", async () => {
  const refused = async (kafka: Kafka) => {
    const admin = kafka.admin({ retry: { retries: 0 } });
    try {
      await admin.connect();
      await admin.listTopics();
      return "connected";
    } catch (err) {
      return `${(err as Error).name}: ${(err as Error).message}`;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };
  expect(await refused(as("mallory", "guess"))).toMatch(/KafkaJSSASLAuthenticationError: SASL SCRAM SHA512 authentication failed/);
  expect(await refused(as("intake", "not-the-password"))).toMatch(/KafkaJSSASLAuthenticationError: SASL SCRAM SHA512 authentication failed/);
  const anonymous = new Kafka({ brokers: infra.brokers, clientId: "acl-test-anonymous", logLevel: logLevel.NOTHING, connectionTimeout: 3000, retry: { retries: 2 } });
  expect(await refused(anonymous)).not.toBe("connected");
  expect(await refused(as("intake"))).toBe("connected");
});

it("lets a service join its own consumer groups only (GROUP_AUTHORIZATION_FAILED), and the admin any", async () => {
  expect(await joinAs("notification", uniqueName("notification-acl"), lifecycle)).toBe("joined");
  expect(await joinAs("notification", uniqueName("intake-acl"), lifecycle)).toBe("GROUP_AUTHORIZATION_FAILED");
  expect(await joinAs("routing", uniqueName("decision-acl"), lifecycle)).toBe("GROUP_AUTHORIZATION_FAILED");
  expect(await joinAs("admin", uniqueName("intake-acl"), lifecycle)).toBe("joined");
});

it("lets the admin write every topic", async () => {
  const admin = new Kafka({ ...infra.kafka, clientId: "acl-test-admin", logLevel: logLevel.NOTHING });
  expect(await writeAs(admin, lifecycle)).toBeUndefined();
  expect(await writeAs(admin, notices)).toBeUndefined();
});
