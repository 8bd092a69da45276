import { AssignerProtocol, type Cluster, type GroupMember, type Logger } from "kafkajs";
import { assignScoped, normalizeScope, scopedAssignerName, scopedPartitionAssigner } from "@kuayu/kafka";

const six = () => [0, 1, 2, 3, 4, 5];

describe("scoped partition assigner", () => {
  it("spreads only the scoped partitions of a scoped topic round-robin over the members sorted by id", () => {
    const a = assignScoped({ routed: [1, 4] }, ["m-b", "m-a"], ["routed"], six);
    expect(Object.fromEntries(a)).toEqual({ "m-a": { routed: [1] }, "m-b": { routed: [4] } });
  });

  it("assigns all partitions of topics not in the scope, and gives idle members an empty assignment", () => {
    const a = assignScoped({ routed: [3] }, ["m-1", "m-2", "m-3"], ["other", "routed"], (t) => (t === "other" ? [0, 1] : six()));
    expect(Object.fromEntries(a)).toEqual({ "m-1": { other: [0] }, "m-2": { other: [1] }, "m-3": { routed: [3] } });
    const lonely = assignScoped({ routed: [3] }, ["m-1", "m-2"], ["routed"], six);
    expect(Object.fromEntries(lonely)).toEqual({ "m-1": { routed: [3] }, "m-2": {} });
  });

  it("skips scoped partitions the topic does not have", () => {
    const a = assignScoped({ routed: [1, 9] }, ["m"], ["routed"], six);
    expect(Object.fromEntries(a)).toEqual({ m: { routed: [1] } });
  });

  it("names itself after a hash of the canonical scope", () => {
    const name = scopedAssignerName({ t: [4, 1] });
    expect(name).toMatch(/^KuayuScoped-[0-9a-f]{8}$/);
    expect(scopedAssignerName({ t: [1, 4, 4] })).toBe(name);
    expect(scopedAssignerName({ t: [1] })).not.toBe(name);
    expect(scopedAssignerName({ u: [1, 4] })).not.toBe(name);
  });

  it("rejects an empty or invalid scope", () => {
    expect(() => normalizeScope({ t: [] })).toThrow(/empty/);
    expect(() => normalizeScope({ t: [-1] })).toThrow(/invalid partition/);
    expect(() => normalizeScope({ t: [1.5] })).toThrow(/invalid partition/);
  });

  it("speaks the kafkajs assigner protocol", async () => {
    const cluster = { findTopicPartitionMetadata: () => six().map((partitionId) => ({ partitionId })) } as unknown as Cluster;
    const logger = { warn: () => undefined } as unknown as Logger;
    const assigner = scopedPartitionAssigner({ routed: [1, 4] })({ cluster, logger, groupId: "g" });
    expect(assigner.name).toBe(scopedAssignerName({ routed: [1, 4] }));
    const proto = assigner.protocol({ topics: ["routed"] });
    expect(proto.name).toBe(assigner.name);
    expect(AssignerProtocol.MemberMetadata.decode(proto.metadata)).toMatchObject({ version: 0, topics: ["routed"] });
    const members: GroupMember[] = ["m-2", "m-1"].map((memberId) => ({ memberId, memberMetadata: proto.metadata }));
    const out = await assigner.assign({ members, topics: ["routed"] });
    const decoded = Object.fromEntries(out.map((o) => [o.memberId, AssignerProtocol.MemberAssignment.decode(o.memberAssignment)!.assignment]));
    expect(decoded).toEqual({ "m-1": { routed: [1] }, "m-2": { routed: [4] } });
  });
});
