import { ConfigError, Registry, evaluateThresholds, parseExpression, parseMetricKey, parseThresholds } from "../src/index";

describe("parseExpression", () => {
  it.each([
    ["p(95)<500", { aggregation: "p(95)", operator: "<", value: 500 }],
    ["p(99.9) <= 1e3", { aggregation: "p(99.9)", operator: "<=", value: 1000 }],
    ["rate>0.99", { aggregation: "rate", operator: ">", value: 0.99 }],
    ["count>=0", { aggregation: "count", operator: ">=", value: 0 }],
    ["avg < 200", { aggregation: "avg", operator: "<", value: 200 }],
    ["med==150", { aggregation: "med", operator: "==", value: 150 }],
    ["max!=-1", { aggregation: "max", operator: "!=", value: -1 }],
    ["value===3", { aggregation: "value", operator: "===", value: 3 }],
  ])("reads %s", (src, expected) => {
    expect(parseExpression(src)).toEqual(expected);
  });

  it.each(["p95<500", "rate>", "avg<<2", "mean<3", "p(101)<1", "rate>0.9s"])("rejects %s", (src) => {
    expect(() => parseExpression(src)).toThrow(ConfigError);
  });
});

describe("parseMetricKey", () => {
  it("reads a plain metric and a submetric's tag filter", () => {
    expect(parseMetricKey("http_req_duration")).toEqual({ metric: "http_req_duration" });
    expect(parseMetricKey("http_req_duration{status:200, method:GET}")).toEqual({ metric: "http_req_duration", filter: { status: "200", method: "GET" } });
    expect(parseMetricKey('checks{check:"draft created"}')).toEqual({ metric: "checks", filter: { check: "draft created" } });
  });

  it("rejects a tag without a value", () => {
    expect(() => parseMetricKey("x{status}")).toThrow(/tag:value/);
  });
});

describe("parseThresholds", () => {
  it("reads strings and the object form with abortOnFail and delayAbortEval", () => {
    const t = parseThresholds({ checks: ["rate>0.99"], grpc_req_duration: [{ threshold: "p(95)<500", abortOnFail: true, delayAbortEval: "10s" }], iterations: "count>0" });
    expect(t.map((x) => [x.key, x.source, x.abortOnFail, x.delayAbortEvalMs])).toEqual([
      ["checks", "rate>0.99", false, 0],
      ["grpc_req_duration", "p(95)<500", true, 10_000],
      ["iterations", "count>0", false, 0],
    ]);
  });

  it("rejects what is not a threshold", () => {
    expect(() => parseThresholds([])).toThrow(ConfigError);
    expect(() => parseThresholds({ checks: [{ abortOnFail: true }] })).toThrow(/must be a string/);
  });
});

describe("evaluateThresholds", () => {
  const registry = () => {
    const r = new Registry();
    const trend = r.get("grpc_req_duration", "trend", true);
    for (const v of [10, 20, 30, 40, 1000]) trend.add(v, { method: v === 1000 ? "Slow" : "Fast" });
    const rate = r.get("checks", "rate");
    for (const ok of [1, 1, 1, 0]) rate.add(ok);
    const counter = r.get("iterations", "counter");
    counter.add(1);
    counter.add(1);
    r.get("vus", "gauge").add(3);
    r.get("empty_trend", "trend");
    return r;
  };
  const run = (spec: Record<string, unknown>, durationMs = 2000) => evaluateThresholds(parseThresholds(spec), registry().metrics, durationMs).map((r) => [r.threshold.source, r.ok, r.actual]);

  it("computes each aggregation and compares", () => {
    expect(run({ grpc_req_duration: ["p(95)<500", "med<=30", "avg>200", "min==10", "max<1000"], checks: ["rate>0.7", "rate>=0.8"], iterations: ["count==2", "rate==1"], vus: ["value==3"] })).toEqual([
      ["p(95)<500", false, expect.closeTo(808, 6)],
      ["med<=30", true, 30],
      ["avg>200", true, 220],
      ["min==10", true, 10],
      ["max<1000", false, 1000],
      ["rate>0.7", true, 0.75],
      ["rate>=0.8", false, 0.75],
      ["count==2", true, 2],
      ["rate==1", true, 1],
      ["value==3", true, 3],
    ]);
  });

  it("evaluates a submetric on the samples with its tags only", () => {
    expect(run({ "grpc_req_duration{method:Fast}": ["max<50"], "grpc_req_duration{method:Slow}": ["max<50"] })).toEqual([
      ["max<50", true, 40],
      ["max<50", false, 1000],
    ]);
  });

  it("counts a metric without samples as zero, as k6 does", () => {
    expect(run({ empty_trend: ["p(95)<1", "avg>0"] })).toEqual([
      ["p(95)<1", true, 0],
      ["avg>0", false, 0],
    ]);
  });

  it("rejects an aggregation the metric type doesn't have, and unknown metrics", () => {
    expect(() => run({ checks: ["p(95)<1"] })).toThrow(/not an aggregation of a rate metric/);
    expect(() => run({ grpc_req_duration: ["rate>0"] })).toThrow(/trend/);
    expect(() => run({ nope: ["count>0"] })).toThrow(/no metric "nope"/);
  });
});
