import { PROVINCES } from "@kuayu/directory";
import { ALL_LIFECYCLE_TOPICS, PROVINCE_CODES, lifecycleStream, lifecycleTopic, lifecycleTopicName, lifecycleTopics, ownCopy, provinceOfTopic, provincePartition, topicsOfFiling } from "@kuayu/topics";

describe("one lifecycle topic per province", () => {
  it("has one topic of one partition per province code of the directory", () => {
    expect([...PROVINCE_CODES].sort()).toEqual([...new Set(["00", ...Object.keys(PROVINCES)])].sort());
    expect(ALL_LIFECYCLE_TOPICS).toHaveLength(32);
    expect(ALL_LIFECYCLE_TOPICS.map((t) => t.name)).toEqual(PROVINCE_CODES.map((p) => `kuayu.filing.lifecycle-${p}.v1`));
    for (const t of ALL_LIFECYCLE_TOPICS) expect([t.name, t.partitions, t.envelope]).toEqual([t.name, 1, true]);
    expect(new Set(ALL_LIFECYCLE_TOPICS.map((t) => t.name)).size).toBe(32);
  });

  it("names a province's topic and finds the province of a topic", () => {
    expect(lifecycleTopicName("44")).toBe("kuayu.filing.lifecycle-44.v1");
    expect(lifecycleTopic("44").name).toBe("kuayu.filing.lifecycle-44.v1");
    for (const p of PROVINCE_CODES) expect(provinceOfTopic(lifecycleTopic(p).name)).toBe(p);
    expect(provinceOfTopic("kuayu.filing.lifecycle-99.v1")).toBeUndefined();
    expect(provinceOfTopic("kuayu.filing.lifecycle-44.v1.dlq")).toBeUndefined();
    expect(provinceOfTopic("kuayu.supervision.notice-published.v1")).toBeUndefined();
    expect(() => lifecycleTopic("99")).toThrow(/unknown province/);
  });

  it("gives a scope its provinces' topics", () => {
    expect(lifecycleTopics(["44", "11"]).map((t) => t.name)).toEqual(["kuayu.filing.lifecycle-44.v1", "kuayu.filing.lifecycle-11.v1"]);
    expect(lifecycleTopics("all")).toEqual(ALL_LIFECYCLE_TOPICS);
  });

  it("sends a filing's events to its window's province's topic and, when another, its jurisdiction's", () => {
    expect(topicsOfFiling("44", "44").map((t) => t.name)).toEqual(["kuayu.filing.lifecycle-44.v1"]);
    expect(topicsOfFiling("44", "").map((t) => t.name)).toEqual(["kuayu.filing.lifecycle-44.v1"]);
    expect(topicsOfFiling("44", "11").map((t) => t.name)).toEqual(["kuayu.filing.lifecycle-44.v1", "kuayu.filing.lifecycle-11.v1"]);
  });

  it("handles each copy from its side's court's province's topic only (ownCopy)", () => {
    const province = (court: string) => ({ gz: "44", bj: "11" })[court];
    const message = { collaboratingCourtId: "gz", jurisdictionCourtId: "bj" };
    const on = (p: string) => ({ topic: { name: lifecycleTopicName(p) }, message });
    expect([ownCopy("window", province)(on("44")), ownCopy("window", province)(on("11"))]).toEqual([true, false]);
    expect([ownCopy("jurisdiction", province)(on("44")), ownCopy("jurisdiction", province)(on("11"))]).toEqual([false, true]);
    expect(ownCopy("jurisdiction", province)({ topic: { name: lifecycleTopicName("44") }, message: { collaboratingCourtId: "gz" } })).toBe(false);
    expect(ownCopy("window", () => undefined)(on("44"))).toBe(false);
  });

  it("numbers the streams by PROVINCE_CODES, distinct per province", () => {
    expect(PROVINCE_CODES.map((p) => lifecycleStream(lifecycleTopicName(p)))).toEqual(PROVINCE_CODES.map((_, i) => i));
    expect(lifecycleStream("kuayu.filing.lifecycle-44.v1")).toBe(provincePartition("44"));
    expect(() => lifecycleStream("kuayu.supervision.notice-published.v1")).toThrow(/not a lifecycle topic/);
    expect(() => provincePartition("99")).toThrow(/unknown province/);
  });
});
