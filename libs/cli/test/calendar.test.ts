// `kuayu calendar show|check` and the calendar line of `infra status`: the pure parts in process,
// the commands through the built CLI (like commands.test.ts). Operator files hold FICTIONAL years
// (see calendar-fixtures.ts).
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { HolidayCalendar, checkCalendarFile, useCalendar } from "@kuayu/domain";
import {
  calendarFileOf,
  calendarStatus,
  calendarYearJson,
  checkCalendar,
  firstProvisionalYear,
  formatCalendarCheck,
  formatCalendarStatus,
  formatCalendarYear,
  originLine,
  readCliCalendar,
} from "../src/calendar";
import { CLI_MS, FICTIONAL_SOURCE, failingCli, runCli, writeCalendarFiles } from "./calendar-fixtures";

const run = runCli;
const fails = failingCli;

const files = writeCalendarFiles();
afterAll(() => rmSync(files.dir, { recursive: true, force: true }));
const builtIn = HolidayCalendar.builtIn();
const withFile = () => {
  const read = readCliCalendar(files.good);
  if ("problems" in read) throw new Error(JSON.stringify(read.problems));
  return read.calendar;
};

afterEach(() => useCalendar(HolidayCalendar.builtIn()));

describe("the CLI's calendar", () => {
  it("is --calendar, else CALENDAR_FILE, else the built-in years", () => {
    expect(calendarFileOf("a.yaml", { CALENDAR_FILE: "b.yaml" })).toBe("a.yaml");
    expect(calendarFileOf(undefined, { CALENDAR_FILE: "b.yaml" })).toBe("b.yaml");
    expect(calendarFileOf(undefined, { CALENDAR_FILE: "" })).toBeUndefined();
    expect(readCliCalendar(undefined)).toMatchObject({ file: undefined });
    expect(readCliCalendar(files.good)).toMatchObject({ file: files.good });
    expect(readCliCalendar(files.broken)).toMatchObject({ file: files.broken, problems: expect.any(Array) });
  });

  it("names the first year without an official arrangement", () => {
    expect(firstProvisionalYear(builtIn, "2026-12-28", "2027-01-05")).toBe(2027);
    expect(firstProvisionalYear(builtIn, "2026-09-30", "2026-10-08")).toBeUndefined();
    expect(firstProvisionalYear(withFile(), "2027-12-28", "2028-01-05")).toBe(2028);
  });
});

describe("calendar show", () => {
  it("lists 2026 as official, from the library: holidays with names, adjusted working days, weekends not one by one", () => {
    expect(originLine(builtIn.year(2026))).toMatch(/^official \(chinese-days /);
    const text = formatCalendarYear(builtIn, 2026);
    expect(text.split("\n")[0]).toMatch(/^2026 {2}official \(chinese-days 1\.5\.7/);
    expect(text).toContain("non-working days: these holidays, plus weekends");
    expect(text).toMatch(/^ {2}2026-10-01 Thu – 2026-10-07 Wed {2}7 days {3}国庆节$/m);
    expect(text).toMatch(/^ {2}2026-02-15 Sun – 2026-02-23 Mon {2}9 days {3}春节$/m);
    expect(text).toMatch(/^adjusted working days \(调休上班\)$/m);
    expect(text).toMatch(/^ {2}2026-10-10 Sat {2}国庆节$/m);
    expect(text).toMatch(/^official calendar until 2026-12-31 \(built-in years\)$/m);
    expect(text).not.toMatch(/2026-03-07/); // an ordinary Saturday
    expect(calendarYearJson(builtIn, 2026)).toMatchObject({ year: 2026, origin: "library", provisional: false, officialUntil: "2026-12-31", calendarFile: null });
  });

  it("lists 2027 as provisional: the statutory holidays with their 补假, no adjusted working days", () => {
    const text = formatCalendarYear(builtIn, 2027);
    expect(text.split("\n")[0]).toBe("2027  provisional — the official 2027 arrangement is not loaded");
    expect(text).toMatch(/^ {2}2027-01-01 Fri\s+1 day\s+元旦$/m);
    expect(text).toContain("adjusted working days (调休上班): none");
    const json = calendarYearJson(builtIn, 2027);
    expect(json).toMatchObject({ year: 2027, origin: "provisional", provisional: true, officialUntil: "2026-12-31" });
    expect(json.arrangement.workdays).toEqual([]);
  });

  it("lists a year of the operator file as official, from the file", () => {
    const calendar = withFile();
    expect(originLine(calendar.year(2027))).toBe(`official (operator file: ${FICTIONAL_SOURCE})`);
    const text = formatCalendarYear(calendar, 2027, files.good);
    expect(text).toMatch(/^ {2}2027-01-11 Mon – 2027-01-12 Tue {2}2 days {3}春节$/m);
    expect(text).toMatch(/^ {2}2027-01-09 Sat$/m);
    expect(text).toContain(`official calendar until 2027-12-31 (with ${files.good})`);
  });

  it(
    "prints the year through the built CLI: text, --json, --file-format; an operator file through CALENDAR_FILE or --calendar",
    async () => {
      expect((await run(["calendar", "show", "2027"])).stdout).toMatch(/^2027 {2}provisional — the official 2027 arrangement is not loaded$/m);
      const json = JSON.parse((await run(["calendar", "show", "2027", "--json"], { CALENDAR_FILE: files.good })).stdout);
      expect(json).toMatchObject({ year: 2027, origin: "operator", provisional: false, officialUntil: "2027-12-31", calendarFile: files.good, source: FICTIONAL_SOURCE });
      expect(json.arrangement.holidays).toContainEqual({ name: "春节", from: "2027-01-11", to: "2027-01-12" });

      const { stdout, stderr } = await run(["calendar", "show", "2027", "--file-format", "--calendar", files.goodYaml]);
      const file = JSON.parse(stdout);
      expect(Object.keys(file)).toEqual(["years"]);
      expect(file.years["2027"]).toEqual({
        source: FICTIONAL_SOURCE,
        holidays: [
          { name: "元旦", from: "2027-01-01", to: "2027-01-03" },
          { name: "春节", from: "2027-01-11", to: "2027-01-12" },
        ],
        workdays: ["2027-01-09"],
      });
      expect(checkCalendarFile(file).problems).toEqual([]);
      expect(stderr).toBe("");

      const provisional = await run(["calendar", "show", "2027", "--file-format"]);
      expect(Object.keys(JSON.parse(provisional.stdout).years)).toEqual(["2027"]);
      expect(provisional.stderr).toMatch(/2027 is provisional/);
    },
    CLI_MS,
  );

  it(
    "refuses a year outside 2004–2100 and a bad calendar file (exit 2, every problem listed)",
    async () => {
      const year = await fails(["calendar", "show", "1999"]);
      expect(year.code).toBe(2);
      expect(year.stderr).toMatch(/2004–2100/);
      const bad = await fails(["calendar", "show", "2027"], { CALENDAR_FILE: files.broken });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/CALENDAR_FILE/);
      expect(bad.stderr.split("\n").filter((l) => l.startsWith("  years.2027"))).toHaveLength(5);
    },
    CLI_MS,
  );
});

describe("calendar check", () => {
  it("reports every problem of a file at once, field: description", () => {
    const c = checkCalendar(files.broken);
    expect(c.ok).toBe(false);
    const lines = formatCalendarCheck(c).split("\n");
    expect(lines).toHaveLength(5);
    expect(lines).toEqual(
      expect.arrayContaining([
        "years.2027.holidays[0].to: 2028-01-02 is outside 2027",
        "years.2027.holidays[2]: overlaps years.2027.holidays[1]",
        expect.stringMatching(/^years\.2027\.holidays\[3\]\.name: unknown holiday "圣诞节"/),
        expect.stringMatching(/^years\.2027\.workdays\[0\]: 2027-01-06 is not a Saturday or Sunday/),
        "years.2027.workdays[1]: 2027-10-02 is a holiday (years.2027.holidays[4]) and an adjusted working day",
      ]),
    );
  });

  it("on success lists the years with their source and the official coverage they give", () => {
    const c = checkCalendar(files.goodYaml);
    expect(c).toMatchObject({ ok: true, officialUntil: "2027-12-31", builtInOfficialUntil: "2026-12-31", notes: [] });
    expect(c.ok && c.years).toEqual([{ year: 2027, source: FICTIONAL_SOURCE, holidayRanges: 2, adjustedWorkdays: 1, builtIn: "none" }]);
    const text = formatCalendarCheck(c);
    expect(text).toContain(`${files.goodYaml}: OK, 1 year`);
    expect(text).toContain(`  2027  ${FICTIONAL_SOURCE}`);
    expect(text).toContain("official calendar until 2027-12-31 (built-in years alone: 2026-12-31)");
  });

  it("notes a year that leaves a gap, and refuses a source copied from a provisional year", () => {
    const gap = path.join(files.dir, "gap.json");
    writeFileSync(gap, JSON.stringify({ years: { "2028": { source: "test data", holidays: [], workdays: [] } } }));
    const c = checkCalendar(gap);
    expect(c).toMatchObject({ ok: true, officialUntil: "2026-12-31" });
    expect(c.ok && c.notes).toEqual([expect.stringMatching(/^2028 does not extend the official calendar: 2027 is missing/)]);
    writeFileSync(gap, JSON.stringify({ years: { "2028": { source: "provisional: copied", holidays: [], workdays: [] } } }));
    expect(checkCalendar(gap)).toMatchObject({ ok: false, problems: [{ field: "years.2028.source", description: expect.stringMatching(/not an official arrangement/) }] });
  });

  it(
    "exits 2 through the built CLI with the problems, one per line; --json is machine-readable",
    async () => {
      const err = await fails(["calendar", "check", files.broken]);
      expect(err.code).toBe(2);
      expect(err.stdout.trim().split("\n")).toHaveLength(5);
      expect(err.stderr).toMatch(/5 problems/);
      const json = await fails(["calendar", "check", files.broken, "--json"]);
      expect(json.code).toBe(2);
      expect(JSON.parse(json.stdout)).toMatchObject({
        ok: false,
        file: files.broken,
        problems: expect.arrayContaining([{ field: "years.2027.holidays[2]", description: "overlaps years.2027.holidays[1]" }]),
      });
      const missing = await fails(["calendar", "check", path.join(files.dir, "none.yaml")]);
      expect(missing.code).toBe(2);
      expect(missing.stdout).toMatch(/^\(file\): cannot read/);

      const ok = JSON.parse((await run(["calendar", "check", files.good, "--json"])).stdout);
      expect(ok).toMatchObject({ ok: true, officialUntil: "2027-12-31", years: [{ year: 2027, builtIn: "none" }] });
    },
    CLI_MS,
  );
});

describe("the calendar line of infra status", () => {
  const at = (iso: string) => new Date(iso);

  it("says until when the official calendar lasts and how many days are left", () => {
    const s = calendarStatus(readCliCalendar(undefined), at("2026-06-01T00:00:00+08:00"));
    expect(s).toEqual({ ok: true, file: null, officialUntil: "2026-12-31", daysLeft: 214, warning: false });
    expect(formatCalendarStatus(s)).toBe("calendar official until 2026-12-31 (214 days left)  built-in years");
  });

  it("warns from 60 days before the end, and once it has passed", () => {
    const near = calendarStatus(readCliCalendar(undefined), at("2026-11-01T12:00:00+08:00"));
    expect(near).toMatchObject({ daysLeft: 60, warning: true });
    expect(formatCalendarStatus(near)).toMatch(/^calendar official until 2026-12-31 \(60 days left\) {2}built-in years {2}WARNING: load the 2027 arrangement/);
    expect(calendarStatus(readCliCalendar(undefined), at("2026-10-31T12:00:00+08:00"))).toMatchObject({ daysLeft: 61, warning: false });
    const past = calendarStatus(readCliCalendar(undefined), at("2027-01-03T12:00:00+08:00"));
    expect(formatCalendarStatus(past)).toMatch(/\(ended 2 days ago\).*WARNING: deadlines in 2027 are provisional/);
  });

  it("uses the operator file, and reports a bad one", () => {
    const s = calendarStatus(readCliCalendar(files.good), at("2026-11-01T12:00:00+08:00"));
    expect(s).toMatchObject({ ok: true, file: files.good, officialUntil: "2027-12-31", warning: false });
    expect(formatCalendarStatus(s)).toBe(`calendar official until 2027-12-31 (425 days left)  ${files.good}`);
    const bad = calendarStatus(readCliCalendar(files.broken), at("2026-11-01T12:00:00+08:00"));
    expect(bad).toMatchObject({ ok: false, file: files.broken });
    expect(formatCalendarStatus(bad)).toBe(`calendar INVALID     ${files.broken}  5 problems: kuayu calendar check ${files.broken}`);
  });
});
