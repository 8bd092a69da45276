// Running retention: the report as printed, the command's arguments, the daily timer.
import { createLogger } from "@kuayu/logger";
import { RetentionReport } from "@kuayu/domain";
import { formatRetention, retentionArgs, startRetentionTimer } from "../src/retention";

describe("retention runner", () => {
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
