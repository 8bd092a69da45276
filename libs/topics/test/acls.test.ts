import { readFileSync } from "node:fs";
import { join } from "node:path";
import { dlqName } from "@kuayu/kafka";
import {
  ACLS,
  ACL_PROVINCES,
  ALL_AUDIT_TOPICS,
  ALL_LIFECYCLE_TOPICS,
  PRINCIPALS,
  PROVINCE_CODES,
  aclsOf,
  lifecycleTopicName,
  supervisionTopics,
  type AclEntry,
  type AclOperation,
  type Principal,
} from "@kuayu/topics";

const lifecycle = ALL_LIFECYCLE_TOPICS.map((t) => t.name);
const topics = [...lifecycle, ...Object.values(supervisionTopics).map((t) => t.name), ...ALL_AUDIT_TOPICS.map((t) => t.name)];
const services = PRINCIPALS.filter((p) => p !== "operator");
const producers: Principal[] = ["intake", "decision"];
const may = (acls: AclEntry[], op: AclOperation, topic: string) => acls.some((e) => e.resource === "topic" && e.pattern === "literal" && e.name === topic && e.operations.includes(op));
const all = (p: Principal) => aclsOf(p);
const hasCluster = (p: Principal, op: AclOperation) => all(p).some((e) => e.resource === "cluster" && e.operations.includes(op));

describe("the Kafka ACL table", () => {
  it("has a service that produces and a principal that consumes every topic", () => {
    for (const t of topics) {
      expect([t, services.filter((p) => may(all(p), "Write", t))]).not.toEqual([t, []]);
      expect([t, PRINCIPALS.filter((p) => may(all(p), "Read", t))]).not.toEqual([t, []]);
    }
  });

  it("lets every consumer of a topic dead-letter to its .dlq and read with its own groups, and the operator read every .dlq", () => {
    for (const p of PRINCIPALS) {
      for (const t of topics.filter((t) => may(all(p), "Read", t) && p !== "operator")) {
        expect([p, t, may(all(p), "Write", dlqName(t)), may(all(p), "Describe", t)]).toEqual([p, t, true, true]);
        expect(all(p).some((e) => e.resource === "group" && e.operations.includes("Read"))).toBe(true);
      }
    }
    for (const t of topics) expect([t, may(all("operator"), "Read", dlqName(t))]).toEqual([t, true]);
  });

  it("gives every writer IdempotentWrite (kafkajs's idempotent producer) and Describe where it writes", () => {
    for (const p of PRINCIPALS) {
      const writes = all(p).filter((e) => e.operations.includes("Write"));
      if (writes.length > 0) expect([p, hasCluster(p, "IdempotentWrite")]).toEqual([p, true]);
      for (const e of writes) expect([p, e.name, e.operations.includes("Describe")]).toEqual([p, e.name, true]);
    }
  });

  it("names only the topics of libs/topics and their dead-letter topics, literally, and no Create, Alter or All", () => {
    const known = new Set(topics.flatMap((t) => [t, dlqName(t)]));
    for (const p of PRINCIPALS) {
      for (const e of all(p)) {
        if (e.resource === "topic") expect([p, e.name, known.has(e.name), e.pattern]).toEqual([p, e.name, true, "literal"]);
        if (e.resource === "group") expect(e.pattern).toBe("prefixed");
        for (const op of e.operations) expect(["Describe", "Read", "Write", "IdempotentWrite"]).toContain(op);
      }
    }
  });

  it("templates the lifecycle and audit topics only, with {province} or {any}, over the province codes of libs/topics", () => {
    expect(ACL_PROVINCES).toEqual(PROVINCE_CODES);
    for (const p of PRINCIPALS) {
      for (const e of ACLS[p].filter((e) => e.name.includes("{"))) expect([p, e.name]).toEqual([p, expect.stringMatching(/^kuayu\.(filing\.lifecycle|audit\.trail)-\{(province|any)\}\.v1(\.dlq)?$/)]);
    }
  });

  it("lets a province release read only its provinces' lifecycle topics, and its producers write (and describe) every one", () => {
    for (const p of PRINCIPALS) {
      const acls = aclsOf(p, "", ["44"]);
      const readable = lifecycle.filter((t) => may(acls, "Read", t));
      expect([p, readable]).toEqual([p, p === "operator" ? lifecycle : [lifecycleTopicName("44")]]);
      const writable = lifecycle.filter((t) => may(acls, "Write", t));
      expect([p, writable]).toEqual([p, producers.includes(p) || p === "operator" ? lifecycle : []]);
      const dlqWritable = lifecycle.filter((t) => may(acls, "Write", dlqName(t)));
      expect([p, dlqWritable]).toEqual([p, p === "operator" ? [] : [lifecycleTopicName("44")]]);
      if (producers.includes(p)) for (const t of lifecycle) expect([p, t, may(acls, "Describe", t), may(acls, "Describe", dlqName(t))]).toEqual([p, t, true, true]);
    }
    const two = aclsOf("notification", "", ["11", "12"]);
    expect(lifecycle.filter((t) => may(two, "Read", t))).toEqual([lifecycleTopicName("11"), lifecycleTopicName("12")]);
    expect(() => aclsOf("notification", "", ["99"])).toThrow(/unknown province code "99"/);
  });

  it("merges the entries of one topic (a producer's own province: Describe, Read and Write in one entry)", () => {
    const own = aclsOf("intake", "", ["44"]).filter((e) => e.name === lifecycleTopicName("44"));
    expect(own).toEqual([{ resource: "topic", name: lifecycleTopicName("44"), pattern: "literal", operations: ["Describe", "Read", "Write"] }]);
    const names = aclsOf("intake").map((e) => `${e.resource} ${e.name}`);
    expect(new Set(names).size).toBe(names.length);
  });

  it("does not let notification or supervision write a lifecycle topic nor intake the supervision notices", () => {
    for (const t of lifecycle) expect([t, may(all("notification"), "Write", t), may(all("supervision"), "Write", t)]).toEqual([t, false, false]);
    expect(may(all("intake"), "Write", supervisionTopics.noticePublished.name)).toBe(false);
    expect(may(all("notification"), "Write", dlqName(lifecycleTopicName("44")))).toBe(true);
  });

  it("lets every service write every province's audit topic, and only supervision (its provinces') and the operator read them", () => {
    const audit = ALL_AUDIT_TOPICS.map((t) => t.name);
    for (const p of services) for (const t of audit) expect([p, t, may(all(p), "Write", t)]).toEqual([p, t, true]);
    for (const t of audit) expect([t, PRINCIPALS.filter((p) => may(all(p), "Read", t))]).toEqual([t, ["supervision", "operator"]]);
    const guangdong = aclsOf("supervision", "", ["44"]);
    expect(audit.filter((t) => may(guangdong, "Read", t))).toEqual(["kuayu.audit.trail-44.v1"]);
    expect(audit.every((t) => may(aclsOf("intake", "", ["44"]), "Write", t))).toBe(true);
  });

  it("prefixes topic names with the deployment's topic prefix, not groups", () => {
    const drill = aclsOf("intake", "drill.", ["44"]);
    expect(drill.filter((e) => e.resource === "topic").every((e) => e.name.startsWith("drill.kuayu."))).toBe(true);
    expect(drill.some((e) => e.name === "drill.kuayu.filing.lifecycle-44.v1")).toBe(true);
    expect(drill.find((e) => e.resource === "group")?.name).toBe("intake");
  });

  it("is the same table in the chart (charts/kuayu/files/kafka-acls.json)", () => {
    const root = join(__dirname, "../../..");
    const read = (p: string) => JSON.parse(readFileSync(join(root, p), "utf8")) as unknown;
    expect(read("charts/kuayu/files/kafka-acls.json")).toEqual(read("libs/topics/src/kafka-acls.json"));
  });
});
