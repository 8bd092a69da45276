import { ConfigError, deriveScenarios, formatDuration, parseDuration } from "../src/index";

const scenarios = {
  reads: { executor: "constant-arrival-rate", rate: 20, timeUnit: "1s", duration: "1m", preAllocatedVUs: 5, maxVUs: 30, exec: "reads", startTime: "10s" },
  writes: { executor: "constant-vus", vus: 3, duration: "30s", gracefulStop: "5s", env: { MODE: "w" } },
};

describe("deriveScenarios", () => {
  it("takes the script's scenarios with k6's defaults", () => {
    const { scenarios: s, warnings } = deriveScenarios({ scenarios });
    expect(warnings).toEqual([]);
    expect(s.map((x) => [x.name, x.executor, x.exec, x.startTimeMs, x.gracefulStopMs])).toEqual([
      ["reads", "constant-arrival-rate", "reads", 10_000, 30_000],
      ["writes", "constant-vus", "default", 0, 5000],
    ]);
    expect(s[0]).toMatchObject({ rate: 20, timeUnitMs: 1000, durationMs: 60_000, preAllocatedVUs: 5, maxVUs: 30 });
    expect(s[1]).toMatchObject({ vus: 3, durationMs: 30_000, env: { MODE: "w" } });
  });

  it("replaces the scenarios by one shared-iterations scenario for --iterations, as k6 does", () => {
    const { scenarios: s, warnings } = deriveScenarios({ scenarios }, { vus: 2, iterations: 4 });
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ name: "default", executor: "shared-iterations", exec: "default", vus: 2, iterations: 4, maxDurationMs: 600_000 });
    expect(warnings).toEqual([expect.stringMatching(/replace the script's scenarios/)]);
  });

  it("makes --duration a constant-vus scenario, and --duration with --iterations the maxDuration", () => {
    expect(deriveScenarios({ scenarios }, { vus: 3, duration: "10s" }).scenarios[0]).toMatchObject({ executor: "constant-vus", vus: 3, durationMs: 10_000 });
    expect(deriveScenarios({}, { iterations: 5, duration: "2s" }).scenarios[0]).toMatchObject({ executor: "shared-iterations", vus: 1, iterations: 5, maxDurationMs: 2000 });
  });

  it("keeps the scenarios when only --vus is given, with a warning", () => {
    const { scenarios: s, warnings } = deriveScenarios({ scenarios }, { vus: 9 });
    expect(s.map((x) => x.name)).toEqual(["reads", "writes"]);
    expect(warnings).toEqual([expect.stringMatching(/--vus alone/)]);
  });

  it("uses the script's shortcut options, and one iteration of one VU without any", () => {
    expect(deriveScenarios({ vus: 4, duration: "1m" }).scenarios[0]).toMatchObject({ executor: "constant-vus", vus: 4, durationMs: 60_000 });
    expect(deriveScenarios({ vus: 2, iterations: 10 }, { vus: 5 }).scenarios[0]).toMatchObject({ executor: "shared-iterations", vus: 5, iterations: 10 });
    expect(deriveScenarios({}).scenarios[0]).toMatchObject({ executor: "shared-iterations", vus: 1, iterations: 1 });
  });

  it("names an unsupported executor", () => {
    expect(() => deriveScenarios({ scenarios: { ramp: { executor: "ramping-arrival-rate", stages: [] } } })).toThrow(/executor "ramping-arrival-rate" is not supported by k6run/);
    expect(() => deriveScenarios({ stages: [{ duration: "1m", target: 10 }] })).toThrow(/ramping-vus/);
  });

  it("rejects invalid scenarios as k6 does", () => {
    expect(() => deriveScenarios({}, { vus: 3, iterations: 2 })).toThrow(/can't be less than vus/);
    expect(() => deriveScenarios({ scenarios: { a: { executor: "constant-vus", vus: 1 } } })).toThrow(/duration is required/);
    expect(() => deriveScenarios({ scenarios: { a: { executor: "constant-arrival-rate", rate: 5, duration: "1m" } } })).toThrow(/preAllocatedVUs/);
    expect(() => deriveScenarios({ scenarios: { a: { executor: "per-vu-iterations", vus: 0 } } })).toThrow(ConfigError);
    expect(() => deriveScenarios({ scenarios: { a: { executor: "constant-vus", duration: "soon" } } })).toThrow(/not a duration/);
    expect(() => deriveScenarios({ scenarios: {}, iterations: 3 })).toThrow(/either scenarios or the shortcuts/);
  });
});

describe("durations", () => {
  it("parses k6's duration strings and numbers of milliseconds", () => {
    expect(["1h2m3.5s", "500ms", "250us", "1d", "0", "90s"].map((d) => parseDuration(d))).toEqual([3_723_500, 500, 0.25, 86_400_000, 0, 90_000]);
    expect(parseDuration(1500)).toBe(1500);
    for (const bad of ["10", "1x", "", "s", -1]) expect(() => parseDuration(bad)).toThrow(/not a duration/);
  });

  it("prints durations as k6 does", () => {
    expect([0.5, 12.345, 1500, 63_000].map(formatDuration)).toEqual(["500.00µs", "12.35ms", "1.50s", "1m3.0s"]);
  });
});
