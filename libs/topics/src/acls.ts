import table from "./kafka-acls.json";

// The Kafka ACLs of every identity of a deployment (kafka-acls.json, the one declarative table the
// local broker and the chart apply). docs/operations.md, "Kafka identities and ACLs".

export type AclResource = "topic" | "group" | "cluster";
export type AclOperation = "Describe" | "Read" | "Write" | "IdempotentWrite";

export interface AclEntry {
  resource: AclResource;
  name: string;
  pattern: "literal" | "prefixed";
  operations: AclOperation[];
}

/** Kafka principals (User:<name> locally; a release's users are `<userPrefix><name>`). */
export type Principal = keyof typeof table.principals;

/** The table as written: topic names without the deployment's prefix. */
export const ACLS = table.principals as Record<Principal, AclEntry[]>;

export const PRINCIPALS = Object.keys(ACLS) as Principal[];

/** A principal's ACLs for a deployment: its topic prefix (KAFKA_TOPIC_PREFIX) before every topic name. */
export function aclsOf(principal: Principal, topicPrefix = ""): AclEntry[] {
  return ACLS[principal].map((e) => (e.resource === "topic" ? { ...e, name: topicPrefix + e.name } : e));
}
