// The local broker as a boundary (scripts/infra/infra.sh): SASL/SCRAM-SHA-512 on its one client
// listener, the StandardAuthorizer with no access without an ACL, and the ACLs of
// libs/topics/src/kafka-acls.json. Each service user may do what its table entry says and nothing more.
// Records are written only to this run's own deployments (topic prefixes, whose topic ACLs the test
// renders from the table as a prefixed deployment's admin would), never to the shared topics: one
// with every province (a national release's scope), one with province 44 only — a province-44
// release, whose users may read kuayu.filing.lifecycle-44.v1 and no other province's lifecycle topic.
// The local broker's service users stand in for the release's (p44-intake … on the backbone): the
// grants differ only by the topic names the table expands for the scope.
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes, type Consumer, type AclEntry as KafkaAcl } from "kafkajs";
import { createLogger } from "@kuayu/logger";
import { assertInfraUp, eventually, infra, kafkaUser, uniqueName } from "@kuayu/testkit";
import { dlqName, ensureTopics } from "@kuayu/kafka";
import { PRINCIPALS, aclsOf, lifecycleTopic, supervisionTopics } from "@kuayu/topics";
import { brokerTopic, createKafka } from "../src/index.js";

jest.setTimeout(60_000);

const log = createLogger({ service: "acl-test", level: "silent" });
const prefix = `${uniqueName("acl").replace(/_/g, "-")}.`;
const lifecycle = prefix + lifecycleTopic("44").name;
const notices = prefix + supervisionTopics.noticePublished.name;
const admin = createKafka({ ...infra.kafka, clientId: "acl-test-admin", log, topicPrefix: prefix });
const ownTopics = [lifecycleTopic("44"), lifecycleTopic("11"), supervisionTopics.noticePublished];

// The province-44 deployment: its own lifecycle topic and another province's.
const prefix44 = `${uniqueName("acl44").replace(/_/g, "-")}.`;
const lifecycle44 = prefix44 + lifecycleTopic("44").name;
const lifecycle11 = prefix44 + lifecycleTopic("11").name;
const admin44 = createKafka({ ...infra.kafka, clientId: "acl-test-admin44", log, topicPrefix: prefix44 });
const topics44 = [lifecycleTopic("44"), lifecycleTopic("11")];

/** The table's topic ACLs for a prefix and scope (group and cluster ACLs do not depend on them). */
const topicAclsOf = (topicPrefix: string, provinces: "all" | string[]): KafkaAcl[] =>
  PRINCIPALS.flatMap((p) =>
    aclsOf(p, topicPrefix, provinces)
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
const topicAcls = [...topicAclsOf(prefix, "all"), ...topicAclsOf(prefix44, ["44"])];
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

/**
 * Reads `topic` from the beginning as `user` in `groupId`: "read" once a record arrives, or the
 * broker's authorization error (the consumer's crash, or its refused request in the debug log).
 */
async function readAs(user: string, groupId: string, topic: string): Promise<string> {
  const brokerErrors: string[] = [];
  const kafka = new Kafka({
    brokers: infra.brokers,
    clientId: `acl-test-${user}`,
    sasl: kafkaUser(user),
    logLevel: logLevel.DEBUG,
    logCreator: () => (e) => {
      const error = (e.log as { error?: { type?: string } }).error;
      if (error?.type) brokerErrors.push(error.type);
    },
  });
  const consumer: Consumer = kafka.consumer({ groupId, retry: { retries: 2 }, sessionTimeout: 6000 });
  const refusal = (err?: unknown) => {
    const e = err as { type?: string; cause?: { type?: string } } | undefined;
    const type = e?.type ?? e?.cause?.type;
    return type?.endsWith("_AUTHORIZATION_FAILED") ? type : (brokerErrors.find((t) => t.endsWith("_AUTHORIZATION_FAILED")) ?? `refused: ${String(err)} ${brokerErrors.join(",")}`);
  };
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    return await new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve(`nothing read: ${brokerErrors.join(",")}`), 20_000);
      const done = (result: string) => {
        clearTimeout(timer);
        resolve(result);
      };
      consumer.on(consumer.events.CRASH, (e) => done(refusal(e.payload.error)));
      void consumer.run({ eachMessage: async () => done("read") }).catch((err: unknown) => done(refusal(err)));
    });
  } catch (err) {
    return refusal(err);
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

beforeAll(async () => {
  await assertInfraUp();
  // Topics are the admin's to create (the services only describe them). The shared ones exist in
  // every deployment (a fresh broker has them once the services' topics are created): without
  // them a user with Describe would get UNKNOWN_TOPIC_OR_PARTITION, not the authorization error.
  await ensureTopics(createKafka({ ...infra.kafka, clientId: "acl-test-shared", log }), ownTopics);
  await ensureTopics(admin, ownTopics);
  await ensureTopics(admin44, topics44);
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
  const names = [...ownTopics.map((t) => brokerTopic(admin, t.name)), ...topics44.map((t) => brokerTopic(admin44, t.name))];
  await a.deleteTopics({ topics: [...names, ...names.map(dlqName)] });
  await a.disconnect();
});

it("refuses a service user another deployment's topics and the shared topics it does not produce", async () => {
  expect((await writeAs(as("notification"), lifecycleTopic("44").name))?.type).toBe("TOPIC_AUTHORIZATION_FAILED");
  expect((await writeAs(as("intake"), supervisionTopics.noticePublished.name))?.type).toBe("TOPIC_AUTHORIZATION_FAILED");
  expect((await writeAs(as("intake"), `other-${lifecycle}`))?.type).toBe("TOPIC_AUTHORIZATION_FAILED");
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
  expect(await joinAs("intake", uniqueName("decision-acl"), lifecycle)).toBe("GROUP_AUTHORIZATION_FAILED");
  expect(await joinAs("admin", uniqueName("intake-acl"), lifecycle)).toBe("joined");
});

it("lets the admin write every topic", async () => {
  const admin = new Kafka({ ...infra.kafka, clientId: "acl-test-admin", logLevel: logLevel.NOTHING });
  expect(await writeAs(admin, lifecycle)).toBeUndefined();
  expect(await writeAs(admin, notices)).toBeUndefined();
});

describe('a province-44 release (ACLs of the table for provinces ["44"])', () => {
  beforeAll(async () => {
    const producer = new Kafka({ ...infra.kafka, clientId: "acl-test-admin44", logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    for (const topic of [lifecycle44, lifecycle11, prefix + lifecycleTopic("11").name]) await producer.send({ topic, acks: -1, messages: [{ key: "acl-test", value: "x" }] });
    await producer.disconnect();
  });

  it("reads its own province's lifecycle topic", async () => {
    expect(await readAs("notification", uniqueName("notification-44-acl"), lifecycle44)).toBe("read");
    expect(await readAs("supervision", uniqueName("supervision-44-acl"), lifecycle44)).toBe("read");
  });

  it("cannot read another province's lifecycle topic (TOPIC_AUTHORIZATION_FAILED), which a release of every province can", async () => {
    expect(await readAs("notification", uniqueName("notification-44-acl"), lifecycle11)).toBe("TOPIC_AUTHORIZATION_FAILED");
    expect(await readAs("supervision", uniqueName("supervision-44-acl"), lifecycle11)).toBe("TOPIC_AUTHORIZATION_FAILED");
    // intake may write (and describe) lifecycle-11, but not read it.
    expect(await readAs("intake", uniqueName("intake-44-acl"), lifecycle11)).toBe("TOPIC_AUTHORIZATION_FAILED");
    expect(await readAs("notification", uniqueName("notification-all-acl"), prefix + lifecycleTopic("11").name)).toBe("read");
  });

  it("lets its producers write every province's lifecycle topic, and notification and supervision none", async () => {
    for (const user of ["intake", "decision"]) {
      expect([user, await writeAs(as(user), lifecycle44), await writeAs(as(user), lifecycle11)]).toEqual([user, undefined, undefined]);
    }
    for (const user of ["notification", "supervision"]) {
      for (const topic of [lifecycle44, lifecycle11, prefix + lifecycleTopic("11").name])
        expect([user, topic, (await writeAs(as(user), topic))?.type]).toEqual([user, topic, "TOPIC_AUTHORIZATION_FAILED"]);
    }
  });

  it("dead-letters to its own province's .dlq only", async () => {
    expect(await writeAs(as("notification"), dlqName(lifecycle44))).toBeUndefined();
    expect((await writeAs(as("notification"), dlqName(lifecycle11)))?.type).toBe("TOPIC_AUTHORIZATION_FAILED");
  });
});
