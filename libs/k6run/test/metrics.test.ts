import { Registry, metricValues, percentile, trendStat } from "../src/index";

describe("percentile (k6's TrendSink.P: linear interpolation between closest ranks)", () => {
  const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

  it("interpolates between ranks", () => {
    expect(percentile(sorted, 50)).toBeCloseTo(5.5);
    expect(percentile(sorted, 90)).toBeCloseTo(9.1);
    expect(percentile(sorted, 95)).toBeCloseTo(9.55);
    expect(percentile([100, 200], 25)).toBeCloseTo(125);
  });

  it("hits the ends and single values exactly", () => {
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile(sorted, 100)).toBe(10);
    expect(percentile([42], 99)).toBe(42);
    expect(percentile([], 95)).toBe(0);
  });

  it("rejects a percentile outside 0–100", () => {
    expect(() => percentile(sorted, 101)).toThrow(/outside/);
  });
});

describe("trendStat and metricValues", () => {
  it("gives k6's statistics by name", () => {
    const s = [3, 5, 7, 100];
    expect(["avg", "min", "med", "max", "count", "p(50)", "p(99.9)"].map((n) => trendStat(s, n))).toEqual([28.75, 3, 6, 100, 4, 6, expect.closeTo(99.721, 3)]);
    expect(() => trendStat(s, "mean")).toThrow(/unknown trend statistic/);
  });

  it("summarizes each metric type as k6's handleSummary does", () => {
    const r = new Registry();
    const c = r.get("reqs", "counter");
    c.add(3);
    c.add(1);
    expect(metricValues(c, 2000)).toEqual({ count: 4, rate: 2 });
    const rate = r.get("ok", "rate");
    [1, 0, 1, 1].forEach((v) => rate.add(v));
    expect(metricValues(rate, 1000)).toEqual({ rate: 0.75, passes: 3, fails: 1 });
    const g = r.get("vus", "gauge");
    [2, 5, 1].forEach((v) => g.add(v));
    expect(metricValues(g, 1000)).toEqual({ value: 1, min: 1, max: 5 });
    const t = r.get("t", "trend", true);
    [4, 2].forEach((v) => t.add(v));
    expect(metricValues(t, 1000, ["min", "max", "p(90)"])).toEqual({ min: 2, max: 4, "p(90)": expect.closeTo(3.8, 5) });
  });
});

describe("Registry", () => {
  it("returns the same metric for a name, refuses another type and bad names", () => {
    const r = new Registry();
    expect(r.get("submit_to_inbox", "trend", true)).toBe(r.get("submit_to_inbox", "trend"));
    expect(() => r.get("submit_to_inbox", "counter")).toThrow(/already exists as a trend/);
    expect(() => r.get("1bad", "counter")).toThrow(/invalid metric name/);
    expect(() => r.get("with space", "counter")).toThrow(/invalid metric name/);
  });
});
