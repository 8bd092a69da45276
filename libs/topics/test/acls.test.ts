import { readFileSync } from "node:fs";
import { join } from "node:path";
import { dlqName } from "@kuayu/kafka";
import { ACLS, PRINCIPALS, aclsOf, filingLifecycle, supervisionTopics, type AclEntry, type AclOperation, type Principal } from "@kuayu/topics";

const topics = [filingLifecycle, ...Object.values(supervisionTopics)].map((t) => t.name);
const services = PRINCIPALS.filter((p) => p !== "operator");
const may = (p: Principal, op: AclOperation, topic: string) => ACLS[p].some((e) => e.resource === "topic" && e.pattern === "literal" && e.name === topic && e.operations.includes(op));
const hasCluster = (p: Principal, op: AclOperation) => ACLS[p].some((e) => e.resource === "cluster" && e.operations.includes(op));

describe("the Kafka ACL table", () => {
  it("has a service that produces and a principal that consumes every topic", () => {
    for (const t of topics) {
      expect([t, services.filter((p) => may(p, "Write", t))]).not.toEqual([t, []]);
      expect([t, PRINCIPALS.filter((p) => may(p, "Read", t))]).not.toEqual([t, []]);
    }
  });

  it("lets every consumer of a topic dead-letter to its .dlq and read with its own groups, and the operator read every .dlq", () => {
    for (const p of PRINCIPALS) {
      for (const t of topics.filter((t) => may(p, "Read", t) && p !== "operator")) {
        expect([p, t, may(p, "Write", dlqName(t)), may(p, "Describe", t)]).toEqual([p, t, true, true]);
        expect(ACLS[p].some((e) => e.resource === "group" && e.operations.includes("Read"))).toBe(true);
      }
    }
    for (const t of topics) expect([t, may("operator", "Read", dlqName(t))]).toEqual([t, true]);
  });

  it("gives every writer IdempotentWrite (kafkajs's idempotent producer) and Describe where it writes", () => {
    for (const p of PRINCIPALS) {
      const writes = ACLS[p].filter((e) => e.operations.includes("Write"));
      if (writes.length > 0) expect([p, hasCluster(p, "IdempotentWrite")]).toEqual([p, true]);
      for (const e of writes) expect([p, e.name, e.operations.includes("Describe")]).toEqual([p, e.name, true]);
    }
  });

  it("names only the topics of libs/topics and their dead-letter topics, literally, and no Create, Alter or All", () => {
    const known = new Set(topics.flatMap((t) => [t, dlqName(t)]));
    for (const p of PRINCIPALS) {
      for (const e of ACLS[p] as AclEntry[]) {
        if (e.resource === "topic") expect([p, e.name, known.has(e.name), e.pattern]).toEqual([p, e.name, true, "literal"]);
        if (e.resource === "group") expect(e.pattern).toBe("prefixed");
        for (const op of e.operations) expect(["Describe", "Read", "Write", "IdempotentWrite"]).toContain(op);
      }
    }
  });

  it("does not let notification write the lifecycle topic nor intake the supervision notices", () => {
    expect(may("notification", "Write", filingLifecycle.name)).toBe(false);
    expect(may("intake", "Write", supervisionTopics.noticePublished.name)).toBe(false);
    expect(may("notification", "Write", dlqName(filingLifecycle.name))).toBe(true);
  });

  it("prefixes topic names with the deployment's topic prefix, not groups", () => {
    const drill = aclsOf("intake", "drill.");
    expect(drill.filter((e) => e.resource === "topic").every((e) => e.name.startsWith("drill.kuayu."))).toBe(true);
    expect(drill.find((e) => e.resource === "group")?.name).toBe("intake");
  });

  it("is the same table in the chart (charts/kuayu/files/kafka-acls.json)", () => {
    const root = join(__dirname, "../../..");
    const read = (p: string) => JSON.parse(readFileSync(join(root, p), "utf8")) as unknown;
    expect(read("charts/kuayu/files/kafka-acls.json")).toEqual(read("libs/topics/src/kafka-acls.json"));
  });
});
