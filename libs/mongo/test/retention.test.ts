// The shared pieces of retention: cut-offs, the anonymiser, the report, the schedule of the daily run, the command's arguments.
import { createLogger } from "@kuayu/logger";
import { ANONYMISED, RetentionReport, anonymiseFields, daysBefore, dueBy, formatRetention, retentionArgs, startRetentionTimer, untilNextRun, yearsBefore } from "../src/retention";

describe("retention helpers", () => {
  it("counts calendar years and days back", () => {
    expect(yearsBefore(new Date("2031-06-01T10:00:00Z"), 3).toISOString()).toBe("2028-06-01T10:00:00.000Z");
    expect(daysBefore(new Date("2031-06-01T10:00:00Z"), 30).toISOString()).toBe("2031-05-02T10:00:00.000Z");
    expect(dueBy(new Date("2020-01-01"), new Date("2020-01-01"))).toBe(true);
    expect(dueBy("2020-01-02T00:00:00Z", new Date("2020-01-01"))).toBe(false);
    expect(dueBy(undefined, new Date())).toBe(false);
  });

  it("anonymises personal fields at any depth and nothing else", () => {
    const value = { caseType: "CIVIL", parties: [{ identity: { person: { name: "张三", residentId: "X" } }, address: "某地", phone: "1", email: "a@b" }], claims: "", n: 3, at: new Date(0) };
    expect(anonymiseFields(value)).toEqual({
      caseType: "CIVIL",
      parties: [{ identity: { person: { name: ANONYMISED, residentId: "" } }, address: "", phone: "", email: "" }],
      claims: "",
      n: 3,
      at: new Date(0),
    });
  });

  it("reports counts per collection and rule, sorted, with a total", () => {
    const r = new RetentionReport();
    r.add("filings", "drill", "delete");
    r.add("filings", "drill", "delete", 2);
    r.add("deliveries", "notification-period", "delete", 5);
    expect(r.rows()).toEqual([
      { collection: "deliveries", rule: "notification-period", action: "delete", count: 5 },
      { collection: "filings", rule: "drill", action: "delete", count: 3 },
    ]);
    expect(r.total).toBe(8);
    const text = formatRetention({ service: "x", now: "2031-06-01T00:00:00.000Z", dryRun: true, counts: r.rows(), total: r.total });
    expect(text).toContain("dry run");
    expect(text).toMatch(/filings\s+drill\s+would delete\s+3/);
  });

  it("runs next at the given hour, China time", () => {
    // 2031-06-01 02:00 China = 2031-05-31T18:00Z: 03:00 China is an hour away.
    expect(untilNextRun(new Date("2031-05-31T18:00:00Z"), 3)).toBe(3600_000);
    // 04:00 China: tomorrow's 03:00, 23 hours away.
    expect(untilNextRun(new Date("2031-05-31T20:00:00Z"), 3)).toBe(23 * 3600_000);
  });

  it("takes --dry-run and --now, refuses anything else", () => {
    expect(retentionArgs(["--dry-run", "--now", "2031-06-01T00:00:00Z"])).toEqual({ dryRun: true, now: new Date("2031-06-01T00:00:00Z"), json: false });
    expect(retentionArgs(["--now=2031-06-01", "--json"])).toMatchObject({ dryRun: false, json: true });
    expect(() => retentionArgs(["--now", "yesterday"])).toThrow(/ISO 8601/);
    expect(() => retentionArgs(["--force"])).toThrow(/unknown argument/);
  });
});

describe("the daily timer", () => {
  const log = createLogger({ service: "retention-test", level: "silent" });
  afterEach(() => jest.useRealTimers());

  it("runs at the hour every day, one run at a time, and again after a failure", async () => {
    jest.useFakeTimers({ now: new Date("2031-05-31T18:30:00Z") }); // 02:30 China time
    const runs: string[] = [];
    let fail = true;
    const timer = startRetentionTimer({
      enabled: true,
      hour: 3,
      log,
      run: async () => {
        runs.push(new Date().toISOString());
        if (fail) {
          fail = false;
          throw new Error("store down");
        }
      },
    });
    await jest.advanceTimersByTimeAsync(29 * 60_000);
    expect(runs).toEqual([]);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(runs).toEqual(["2031-05-31T19:00:00.000Z"]);
    await jest.advanceTimersByTimeAsync(24 * 3600_000);
    expect(runs).toEqual(["2031-05-31T19:00:00.000Z", "2031-06-01T19:00:00.000Z"]);
    await timer.stop();
    await jest.advanceTimersByTimeAsync(48 * 3600_000);
    expect(runs).toHaveLength(2);
  });

  it("never runs when disabled (RETENTION_ENABLED=false)", async () => {
    jest.useFakeTimers({ now: new Date("2031-05-31T18:30:00Z") });
    const run = jest.fn(async () => undefined);
    const timer = startRetentionTimer({ enabled: false, hour: 3, log, run });
    await jest.advanceTimersByTimeAsync(72 * 3600_000);
    expect(run).not.toHaveBeenCalled();
    await timer.stop();
  });
});
