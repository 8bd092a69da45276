import { PROVINCES } from "@kuayu/directory";
import { PROVINCE_CODES, PROVINCE_PARTITIONS, partitionsOfScope, provincePartition, filingLifecycle } from "@kuayu/topics";

describe("province partitions of the lifecycle topic", () => {
  it("has one partition per province code of the directory", () => {
    expect([...PROVINCE_CODES].sort()).toEqual([...new Set(["00", ...Object.keys(PROVINCES)])].sort());
    expect(PROVINCE_CODES).toHaveLength(PROVINCE_PARTITIONS);
    expect(filingLifecycle.partitions).toBe(PROVINCE_PARTITIONS);
    expect(filingLifecycle.envelope).toBe(true);
  });

  it("maps provinces to distinct partitions and scopes to their partitions", () => {
    expect(new Set(PROVINCE_CODES.map(provincePartition)).size).toBe(PROVINCE_CODES.length);
    expect(partitionsOfScope(["44", "11"])).toEqual([provincePartition("44"), provincePartition("11")]);
    expect(partitionsOfScope("all")).toHaveLength(PROVINCE_PARTITIONS);
    expect(() => provincePartition("99")).toThrow(/unknown province/);
  });
});
