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

/**
 * The table as written: topic names without the deployment's prefix, lifecycle topics templated —
 * `{province}` one per province of the release's scope, `{any}` one per province code.
 */
export const ACLS = table.principals as Record<Principal, AclEntry[]>;

export const PRINCIPALS = Object.keys(ACLS) as Principal[];

/** The province codes `{any}` stands for (libs/topics PROVINCE_CODES; a unit test keeps them equal). */
export const ACL_PROVINCES: readonly string[] = table.provinces;

const OPERATIONS: AclOperation[] = ["Describe", "Read", "Write", "IdempotentWrite"];

/**
 * A principal's ACLs for a deployment: the templated topic names expanded for the release's
 * provinces ("all": every code), its topic prefix (KAFKA_TOPIC_PREFIX) before every topic name,
 * and entries naming the same resource merged into one.
 */
export function aclsOf(principal: Principal, topicPrefix = "", provinces: "all" | readonly string[] = "all"): AclEntry[] {
  const scope = provinces === "all" ? ACL_PROVINCES : provinces;
  for (const p of scope) if (!ACL_PROVINCES.includes(p)) throw new Error(`unknown province code "${p}"`);
  const merged = new Map<string, AclEntry>();
  for (const e of ACLS[principal]) {
    const names =
      e.resource !== "topic"
        ? [e.name]
        : e.name.includes("{any}")
          ? ACL_PROVINCES.map((p) => e.name.replace("{any}", p))
          : e.name.includes("{province}")
            ? scope.map((p) => e.name.replace("{province}", p))
            : [e.name];
    for (const n of names) {
      const name = e.resource === "topic" ? topicPrefix + n : n;
      const key = [e.resource, name, e.pattern].join(" ");
      const ops = new Set([...(merged.get(key)?.operations ?? []), ...e.operations]);
      merged.set(key, { ...e, name, operations: OPERATIONS.filter((op) => ops.has(op)) });
    }
  }
  return [...merged.values()];
}
