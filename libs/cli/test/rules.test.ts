// `kuayu deadline` over the holiday calendar, through the built CLI (like commands.test.ts):
// provisional past the official years, official again with an operator file (FICTIONAL 2027, see
// calendar-fixtures.ts).
import { rmSync } from "node:fs";
import { CLI_MS, failingCli, runCli, writeCalendarFiles } from "./calendar-fixtures";

const run = runCli;
const fails = failingCli;

const files = writeCalendarFiles();
afterAll(() => rmSync(files.dir, { recursive: true, force: true }));
const deadline = (received: string, ...more: string[]) => ["deadline", "--case-type", "civil-first-instance", "--received", received, ...more];

describe("kuayu deadline and the holiday calendar", () => {
  it(
    "answers past 2026, marked provisional",
    async () => {
      const d = JSON.parse((await run(deadline("2027-01-04T10:00:00+08:00", "--json"))).stdout);
      expect(d).toEqual({
        caseType: "civil-first-instance",
        received: "2027-01-04T02:00:00.000Z",
        respondBy: "2027-01-04T02:30:00.000Z",
        decideBy: "2027-01-11",
        decideByEndsAt: "2027-01-11T16:00:00.000Z",
        periodDays: 7,
        provisional: true,
        provisionalYear: 2027,
      });
      const text = (await run(deadline("2027-01-04T10:00:00+08:00"))).stdout.trim().split("\n");
      expect(text).toEqual([
        "respond by  2027-01-04 10:30 (China time, 30 working minutes)",
        "decide by   2027-01-11 (7 days, Civil Procedure Law art. 85)",
        "provisional — the official 2027 arrangement is not loaded",
      ]);
    },
    CLI_MS,
  );

  it(
    "is provisional when only the end of the period reaches the next year",
    async () => {
      const d = JSON.parse((await run(deadline("2026-12-28T10:00:00+08:00", "--json"))).stdout);
      expect(d).toMatchObject({ decideBy: "2027-01-04", provisional: true, provisionalYear: 2027 });
    },
    CLI_MS,
  );

  it(
    "is not provisional within 2026, and says nothing about it",
    async () => {
      const d = JSON.parse((await run(deadline("2026-09-30T10:00:00+08:00", "--json"))).stdout);
      expect(d).toMatchObject({ decideBy: "2026-10-08", provisional: false });
      expect(d).not.toHaveProperty("provisionalYear");
      const text = (await run(deadline("2026-09-30T10:00:00+08:00"))).stdout;
      expect(text).not.toMatch(/provisional/);
    },
    CLI_MS,
  );

  it(
    "gives the operator file's answer for 2027, not provisional (CALENDAR_FILE or --calendar)",
    async () => {
      // The fictional 2027 makes Mon 11 – Tue 12 January holidays: the 7-day period ends on Wed 13 January.
      const fromEnv = JSON.parse((await run(deadline("2027-01-04T10:00:00+08:00", "--json"), { CALENDAR_FILE: files.good })).stdout);
      expect(fromEnv).toMatchObject({ decideBy: "2027-01-13", decideByEndsAt: "2027-01-13T16:00:00.000Z", provisional: false });
      expect(fromEnv).not.toHaveProperty("provisionalYear");
      const fromOption = await run(deadline("2027-01-04T10:00:00+08:00", "--calendar", files.goodYaml));
      expect(fromOption.stdout).toContain("decide by   2027-01-13");
      expect(fromOption.stdout).not.toMatch(/provisional/);
      // Past the file's last year it is provisional again.
      const later = JSON.parse((await run(deadline("2027-12-28T10:00:00+08:00", "--json", "--calendar", files.good))).stdout);
      expect(later).toMatchObject({ provisional: true, provisionalYear: 2028 });
    },
    CLI_MS,
  );

  it(
    "refuses a bad calendar file, listing every problem (exit 2)",
    async () => {
      const err = await fails(deadline("2027-01-04T10:00:00+08:00", "--calendar", files.broken));
      expect(err.code).toBe(2);
      expect(err.stdout).toBe("");
      expect(err.stderr).toMatch(/--calendar/);
      expect(err.stderr).toContain("years.2027.holidays[2]: overlaps years.2027.holidays[1]");
      expect(err.stderr.split("\n").filter((l) => l.startsWith("  years.2027"))).toHaveLength(5);
    },
    CLI_MS,
  );

  it(
    "refuses a date the calendar does not cover (exit 2)",
    async () => {
      const err = await fails(deadline("2003-06-02T10:00:00+08:00"));
      expect(err.code).toBe(2);
      expect(err.stderr).toMatch(/no holiday calendar for 2003-06-02/);
    },
    CLI_MS,
  );
});
