#!/usr/bin/env node
// The Kafka identities and ACLs of a deployment, from the one table libs/topics/src/kafka-acls.json
// (docs/operations.md, "Kafka identities and ACLs").
//
//   node scripts/infra/kafka-acls.js users                 the principals of the table, one a line
//   node scripts/infra/kafka-acls.js apply [options]       make the broker's ACLs of these principals exactly the table's
//   node scripts/infra/kafka-acls.js print [options]       the same as kafka-acls.sh commands, for an IT centre's broker
//   node scripts/infra/kafka-acls.js topics                create this deployment's topics (needs `npm run build`):
//                                                          every province's lifecycle topic, the others, and their .dlq
//
// Options: --topic-prefix P (KAFKA_TOPIC_PREFIX: before every topic name), --user-prefix U (a
// release's users are U<principal>, e.g. "p44-"), --group-suffix S (a release's groups are
// <service>S, e.g. "-44"; the CLI's kuayu-cli- groups keep their name), --provinces 44,11 (the
// release's PROVINCE_SCOPE, default all: the lifecycle topics it may read; it writes any province's).
// apply and topics connect as the admin: KAFKA_BROKERS (127.0.0.1:$KAFKA_PORT), KAFKA_SASL_USERNAME
// (admin) and KAFKA_SASL_PASSWORD, or .secrets/kafka/admin.password.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "../..");
const { principals: TABLE, provinces: PROVINCES } = require(path.join(ROOT, "libs/topics/src/kafka-acls.json"));
const OPERATIONS = ["Describe", "Read", "Write", "IdempotentWrite"];

function option(name, def = "") {
  const i = process.argv.indexOf(name);
  return i > 0 ? (process.argv[i + 1] ?? def) : def;
}

/** The table's topic name for the deployment: {any} one per province code, {province} one per province of the scope. */
function topicNames(name, provinces) {
  if (name.includes("{any}")) return PROVINCES.map((p) => name.replace("{any}", p));
  if (name.includes("{province}")) return provinces.map((p) => name.replace("{province}", p));
  return [name];
}

/** [{ principal, resource, name, pattern, operation }] of the deployment, each once. */
function entries({ topicPrefix, userPrefix, groupSuffix, provinces }) {
  const out = new Map();
  for (const [p, list] of Object.entries(TABLE)) {
    for (const e of list) {
      const names = e.resource === "topic" ? topicNames(e.name, provinces).map((n) => topicPrefix + n) : [e.resource === "group" && !e.name.endsWith("-") ? e.name + groupSuffix : e.name];
      for (const name of names) {
        for (const operation of e.operations) {
          const a = { principal: `User:${userPrefix}${p}`, resource: e.resource, name, pattern: e.pattern, operation };
          out.set(Object.values(a).join(" "), a);
        }
      }
    }
  }
  return [...out.values()];
}

function provincesOption() {
  const v = option("--provinces", "all");
  if (v === "all") return PROVINCES;
  const list = v.split(",").map((p) => p.trim());
  for (const p of list) if (!PROVINCES.includes(p)) throw new Error(`--provinces: unknown province code "${p}"`);
  return list;
}

const opts = () => ({
  topicPrefix: option("--topic-prefix", process.env.KAFKA_TOPIC_PREFIX ?? ""),
  userPrefix: option("--user-prefix"),
  groupSuffix: option("--group-suffix"),
  provinces: provincesOption(),
});

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
    // Only this deployment's topics (<prefix>kuayu.*, also those it no longer has, like the single
    // lifecycle topic before the per-province ones; another prefix's are that deployment's), its groups and the cluster.
    const { topicPrefix } = opts();
    const extra = current.filter((a) => !want.has(key(a)) && (a.resourceType !== AclResourceTypes.TOPIC || a.resourceName.startsWith(`${topicPrefix}kuayu.`)));
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
    ops.sort((a, b) => OPERATIONS.indexOf(a) - OPERATIONS.indexOf(b));
    const target = resource === "cluster" ? "--cluster" : `--${resource} '${name}' --resource-pattern-type ${pattern}`;
    console.log(`kafka-acls.sh --bootstrap-server "$BROKER" --command-config admin.properties --add --allow-principal ${principal} ${ops.map((op) => `--operation ${op}`).join(" ")} ${target}`);
  }
}

async function topics() {
  const { createKafka, ensureTopics } = require(path.join(ROOT, "libs/kafka/dist"));
  const { ALL_AUDIT_TOPICS, ALL_LIFECYCLE_TOPICS, supervisionTopics } = require(path.join(ROOT, "libs/topics/dist"));
  const { topicPrefix } = opts();
  const log = { error: (o, m) => console.error(m, o), warn: (o, m) => console.error(m, o), debug: () => {} };
  const kafka = createKafka({ brokers: brokers(), clientId: "kuayu-kafka-topics", log, topicPrefix, sasl: adminSasl() });
  const all = [...ALL_LIFECYCLE_TOPICS, ...Object.values(supervisionTopics), ...ALL_AUDIT_TOPICS];
  await ensureTopics(kafka, all);
  console.log(
    `kafka-acls: ${all.length} topics (${ALL_LIFECYCLE_TOPICS.length} lifecycle topics, ${topicPrefix}kuayu.filing.lifecycle-00.v1 … -65.v1; ${ALL_AUDIT_TOPICS.length} audit topics) and their .dlq exist`,
  );
}

const commands = { users: () => console.log(Object.keys(TABLE).join("\n")), apply, print, topics };
const cmd = commands[process.argv[2]];
if (!cmd) {
  console.error("usage: kafka-acls.js users|apply|print|topics [--topic-prefix P] [--user-prefix U] [--group-suffix S] [--provinces 44,11]");
  process.exit(2);
}
Promise.resolve()
  .then(cmd)
  .catch((err) => {
    console.error(`kafka-acls: ${err.message}`);
    process.exit(1);
  });
