#!/usr/bin/env node
// The Kafka identities and ACLs of a deployment, from the one table libs/topics/src/kafka-acls.json
// (docs/operations.md, "Kafka identities and ACLs").
//
//   node scripts/infra/kafka-acls.js users                 the principals of the table, one a line
//   node scripts/infra/kafka-acls.js apply [options]       make the broker's ACLs of these principals exactly the table's
//   node scripts/infra/kafka-acls.js print [options]       the same as kafka-acls.sh commands, for an IT centre's broker
//   node scripts/infra/kafka-acls.js topics                create this deployment's topics (needs `npm run build`)
//
// Options: --topic-prefix P (KAFKA_TOPIC_PREFIX: before every topic name), --user-prefix U (a
// release's users are U<principal>, e.g. "p44-"), --group-suffix S (a release's groups are
// <service>S, e.g. "-44"; the CLI's kuayu-cli- groups keep their name).
// apply and topics connect as the admin: KAFKA_BROKERS (127.0.0.1:$KAFKA_PORT), KAFKA_SASL_USERNAME
// (admin) and KAFKA_SASL_PASSWORD, or .secrets/kafka/admin.password.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "../..");
const TABLE = require(path.join(ROOT, "libs/topics/src/kafka-acls.json")).principals;

function option(name, def = "") {
  const i = process.argv.indexOf(name);
  return i > 0 ? (process.argv[i + 1] ?? def) : def;
}

/** [{ principal, resource, name, pattern, operation }] of the deployment. */
function entries({ topicPrefix, userPrefix, groupSuffix }) {
  const out = [];
  for (const [p, list] of Object.entries(TABLE)) {
    for (const e of list) {
      const name = e.resource === "topic" ? topicPrefix + e.name : e.resource === "group" && !e.name.endsWith("-") ? e.name + groupSuffix : e.name;
      for (const operation of e.operations) out.push({ principal: `User:${userPrefix}${p}`, resource: e.resource, name, pattern: e.pattern, operation });
    }
  }
  return out;
}

const opts = () => ({ topicPrefix: option("--topic-prefix", process.env.KAFKA_TOPIC_PREFIX ?? ""), userPrefix: option("--user-prefix"), groupSuffix: option("--group-suffix") });

const brokers = () => (process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`).split(",");
const adminSasl = () => ({
  mechanism: "scram-sha-512",
  username: process.env.KAFKA_SASL_USERNAME ?? "admin",
  password: process.env.KAFKA_SASL_PASSWORD ?? fs.readFileSync(path.join(ROOT, ".secrets/kafka/admin.password"), "utf8").trim(),
});

function adminClient() {
  const { Kafka, logLevel } = require("kafkajs");
  return new Kafka({ clientId: "kuayu-kafka-acls", brokers: brokers(), sasl: adminSasl(), logLevel: logLevel.WARN, retry: { retries: 5 } });
}

async function apply() {
  const { AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = require("kafkajs");
  const wanted = entries(opts()).map((e) => ({
    resourceType: AclResourceTypes[e.resource.toUpperCase()],
    resourceName: e.name,
    resourcePatternType: ResourcePatternTypes[e.pattern.toUpperCase()],
    principal: e.principal,
    host: "*",
    operation: AclOperationTypes[e.operation.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()],
    permissionType: AclPermissionTypes.ALLOW,
  }));
  const key = (a) => [a.resourceType, a.resourceName, a.resourcePatternType, a.principal, a.host, a.operation, a.permissionType].join("|");
  const admin = adminClient().admin();
  await admin.connect();
  try {
    // What these principals may do now; grants the table no longer has are removed.
    const principals = new Set(wanted.map((a) => a.principal));
    const current = [];
    for (const principal of principals) {
      const { resources } = await admin.describeAcls({
        resourceType: AclResourceTypes.ANY,
        resourcePatternType: ResourcePatternTypes.ANY,
        principal,
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      });
      for (const r of resources) for (const a of r.acls) current.push({ resourceType: r.resourceType, resourceName: r.resourceName, resourcePatternType: r.resourcePatternType, ...a });
    }
    const have = new Set(current.map(key));
    const want = new Set(wanted.map(key));
    const missing = wanted.filter((a) => !have.has(key(a)));
    // Only this deployment's topics (another prefix's topic ACLs are that deployment's), its groups and the cluster.
    const topics = new Set(wanted.filter((a) => a.resourceType === AclResourceTypes.TOPIC).map((a) => a.resourceName));
    const extra = current.filter((a) => !want.has(key(a)) && (a.resourceType !== AclResourceTypes.TOPIC || topics.has(a.resourceName)));
    if (extra.length > 0) await admin.deleteAcls({ filters: extra });
    if (missing.length > 0) await admin.createAcls({ acl: missing });
    console.log(`kafka-acls: ${wanted.length} ACLs of ${principals.size} principals (${missing.length} added, ${extra.length} removed)`);
  } finally {
    await admin.disconnect();
  }
}

function print() {
  const o = opts();
  const groups = new Map();
  for (const e of entries(o)) {
    const k = [e.principal, e.resource, e.name, e.pattern].join(" ");
    groups.set(k, [...(groups.get(k) ?? []), e.operation]);
  }
  for (const [k, ops] of groups) {
    const [principal, resource, name, pattern] = k.split(" ");
    const target = resource === "cluster" ? "--cluster" : `--${resource} '${name}' --resource-pattern-type ${pattern}`;
    console.log(`kafka-acls.sh --bootstrap-server "$BROKER" --command-config admin.properties --add --allow-principal ${principal} ${ops.map((op) => `--operation ${op}`).join(" ")} ${target}`);
  }
}

async function topics() {
  const { createKafka, ensureTopics } = require(path.join(ROOT, "libs/kafka/dist"));
  const { filingLifecycle, supervisionTopics } = require(path.join(ROOT, "libs/topics/dist"));
  const { topicPrefix } = opts();
  const log = { error: (o, m) => console.error(m, o), warn: (o, m) => console.error(m, o), debug: () => {} };
  const kafka = createKafka({ brokers: brokers(), clientId: "kuayu-kafka-topics", log, topicPrefix, sasl: adminSasl() });
  const all = [filingLifecycle, ...Object.values(supervisionTopics)];
  await ensureTopics(kafka, all);
  console.log(`kafka-acls: topics ${all.map((t) => topicPrefix + t.name).join(", ")} and their .dlq exist`);
}

const commands = { users: () => console.log(Object.keys(TABLE).join("\n")), apply, print, topics };
const cmd = commands[process.argv[2]];
if (!cmd) {
  console.error("usage: kafka-acls.js users|apply|print|topics [--topic-prefix P] [--user-prefix U] [--group-suffix S]");
  process.exit(2);
}
Promise.resolve(cmd()).catch((err) => {
  console.error(`kafka-acls: ${err.message}`);
  process.exit(1);
});
