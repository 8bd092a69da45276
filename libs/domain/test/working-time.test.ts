import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CALENDAR_FIRST_YEAR,
  CalendarRangeError,
  HolidayCalendar,
  DEFAULT_WORKING_HOURS,
  StateError,
  ValidationError,
  addWorkingMinutes,
  calendarDateInChina,
  filingDeadlines,
  isOpen,
  isWorkingDay,
  nextOpening,
  provisionalBetween,
  statutoryDeadline,
  useCalendar,
  workingDaysLater,
  workingMinutesBetween,
  type WorkingHours,
} from "@kuayu/domain";

/** An instant given as China wall-clock time. */
const cst = (local: string) => new Date(`${local}+08:00`);

describe("holiday calendar coverage", () => {
  it("takes 2004–2026 from the pinned chinese-days data as official years", () => {
    // A package upgrade that adds a year shows here: the official years follow the data.
    const file = require.resolve("chinese-days/dist/chinese-days.json");
    const data = JSON.parse(readFileSync(file, "utf8")) as Record<"holidays" | "workdays", Record<string, string>>;
    const years = (kind: "holidays" | "workdays") => [...new Set(Object.keys(data[kind]).map((d) => Number(d.slice(0, 4))))].sort();
    const builtIn = HolidayCalendar.builtIn();
    expect(CALENDAR_FIRST_YEAR).toBe(2004);
    expect(years("holidays")).toEqual(builtIn.officialYears());
    expect(years("workdays")).toEqual(builtIn.officialYears());
    expect(builtIn.officialUntil).toBe("2026-12-31");
  });

  it("answers past the official years from the provisional calendar, and refuses before 2004 and after 2100", () => {
    expect(isWorkingDay("2027-01-01")).toBe(false); // 元旦, provisional
    expect(isWorkingDay("2027-01-04")).toBe(true);
    expect(isWorkingDay(cst("2030-06-03T10:00:00"))).toBe(true);
    expect(() => isWorkingDay("2003-12-31")).toThrow(CalendarRangeError);
    expect(() => isWorkingDay("2101-01-03")).toThrow(StateError);
    expect(() => statutoryDeadline(cst("2003-06-02T10:00:00"), "enforcement")).toThrow(CalendarRangeError);
    expect(isWorkingDay("2004-01-01")).toBe(false);
    expect(isWorkingDay("2026-12-31")).toBe(true);
  });

  it("marks what a provisional year was used for", () => {
    expect(provisionalBetween("2026-12-30")).toBe(false);
    expect(provisionalBetween("2026-12-30", "2027-01-04")).toBe(true);
    expect(provisionalBetween(cst("2027-03-01T10:00:00"))).toBe(true);
    expect(statutoryDeadline(cst("2026-12-01T10:00:00"), "civil-first-instance").provisional).toBe(false);
    expect(statutoryDeadline(cst("2026-12-28T10:00:00"), "civil-first-instance")).toEqual({
      date: "2027-01-04", // 7 days reach 2027-01-04, a Monday (2027-01-01 元旦 is counted through)
      endsAt: cst("2027-01-05T00:00:00"),
      provisional: true,
    });
  });
});

describe("isWorkingDay", () => {
  it.each([
    ["2026-09-29", true], // Tuesday
    ["2026-09-25", false], // Mid-Autumn Festival, a Friday
    ["2026-10-01", false], // National Day
    ["2026-10-07", false],
    ["2026-10-08", true],
    ["2026-10-10", true], // Saturday, adjusted working day (调休)
    ["2026-10-11", false], // Sunday
    ["2026-09-20", true], // Sunday, adjusted working day
    ["2026-02-14", true], // Saturday, adjusted working day before Spring Festival
  ])("%s → %s", (date, working) => {
    expect(isWorkingDay(date)).toBe(working);
  });

  it("reads an instant in China time", () => {
    expect(isWorkingDay(new Date("2026-10-09T16:30:00Z"))).toBe(true); // 10-10 00:30 in China
    expect(isWorkingDay(new Date("2026-10-10T16:30:00Z"))).toBe(false); // 10-11 00:30 in China
    expect(calendarDateInChina(new Date("2026-09-30T16:00:00Z"))).toBe("2026-10-01");
    expect(calendarDateInChina(new Date("2026-09-30T15:59:59.999Z"))).toBe("2026-09-30");
  });

  it("does not depend on the process time zone", () => {
    // Jest sandboxes process.env, so TZ can only change in a child process; it loads the sources
    // through swc, as jest does. (chinese-days' own functions fail this in America/Los_Angeles.)
    const script = `
      const { registerHooks } = require("node:module");
      const { readFileSync } = require("node:fs");
      const { fileURLToPath } = require("node:url");
      const { transformSync } = require("@swc/core");
      registerHooks({
        resolve(spec, ctx, next) {
          try { return next(spec, ctx); } catch (err) {
            if (spec.startsWith(".") && spec.endsWith(".js")) return next(spec.slice(0, -3) + ".ts", ctx);
            throw err;
          }
        },
        load(url, ctx, next) {
          if (!url.endsWith(".ts")) return next(url, ctx);
          const filename = fileURLToPath(url);
          const options = { filename, jsc: { parser: { syntax: "typescript" }, target: "es2023" }, module: { type: "commonjs" } };
          return { format: "commonjs", source: transformSync(readFileSync(filename, "utf8"), options).code, shortCircuit: true };
        },
      });
      const d = require(${JSON.stringify(join(__dirname, "../src/index.ts"))});
      console.log(JSON.stringify({
        offset: new Date(2026, 0, 1).getTimezoneOffset(),
        days: ["2026-10-10", "2026-10-11", "2026-10-08", "2026-09-25"].map((x) => d.isWorkingDay(x)),
        deadline: d.statutoryDeadline(new Date("2026-09-30T02:00:00Z"), "civil-first-instance").date,
        response: d.addWorkingMinutes(new Date("2026-09-18T17:20:00+08:00"), 30).toISOString(),
      }));`;
    for (const [tz, offset] of [
      ["America/Los_Angeles", 480],
      ["Pacific/Kiritimati", -840],
    ] as const) {
      const out = execFileSync(process.execPath, ["-e", script], { cwd: join(__dirname, "../../.."), env: { ...process.env, TZ: tz }, encoding: "utf8" });
      expect(JSON.parse(out)).toEqual({
        offset, // proves the child really ran in that zone
        days: [true, false, true, false],
        deadline: "2026-10-08",
        response: "2026-09-20T00:50:00.000Z",
      });
    }
  });

  it("rejects malformed dates", () => {
    expect(() => isWorkingDay("2026-02-30")).toThrow(ValidationError);
    expect(() => isWorkingDay("2026-2-3")).toThrow(ValidationError);
    expect(() => isWorkingDay(new Date(NaN))).toThrow(RangeError);
  });
});

describe("statutoryDeadline", () => {
  it("moves a 7-day deadline that ends in the 2026 National Day holiday to the next working day", () => {
    // 2026: Mid-Autumn 09-25..27, National Day 10-01..07; 09-20 and 10-10 are worked.
    // Received 09-30: day 1 is 10-01, day 7 is 10-07 (holiday) → 10-08, the first working day.
    const deadline = statutoryDeadline(cst("2026-09-30T10:00:00"), "civil-first-instance");
    expect(deadline).toEqual({ date: "2026-10-08", endsAt: new Date("2026-10-08T16:00:00Z"), provisional: false });
  });

  it("does not count the day of receipt, even late in the evening", () => {
    expect(statutoryDeadline(cst("2026-03-02T23:59:00"), "enforcement").date).toBe("2026-03-09");
    expect(statutoryDeadline(cst("2026-03-03T00:00:00"), "enforcement").date).toBe("2026-03-10");
  });

  it("uses the China date of receipt, not the UTC date", () => {
    // 09-24 00:30 in China is still 09-23 in UTC; 09-23 + 7 would be 09-30, a working day.
    expect(statutoryDeadline(cst("2026-09-24T00:30:00"), "administrative-first-instance").date).toBe("2026-10-08");
  });

  it("ends on an adjusted working day (调休) that falls on a weekend", () => {
    expect(statutoryDeadline(cst("2026-10-03T09:00:00"), "civil-first-instance").date).toBe("2026-10-10");
    expect(statutoryDeadline(cst("2026-02-07T09:00:00"), "civil-first-instance").date).toBe("2026-02-14");
  });

  it("moves a deadline off an ordinary weekend and off the whole Spring Festival", () => {
    expect(statutoryDeadline(cst("2026-03-07T09:00:00"), "civil-first-instance").date).toBe("2026-03-16");
    expect(statutoryDeadline(cst("2026-02-09T09:00:00"), "civil-first-instance").date).toBe("2026-02-24");
  });

  it("uses each case type's period", () => {
    const received = cst("2026-09-30T10:00:00");
    expect(statutoryDeadline(received, "criminal-private-prosecution").date).toBe("2026-10-15");
    expect(statutoryDeadline(received, "civil-retrial-application").date).toBe("2026-10-08"); // 10-05 is a holiday
    expect(statutoryDeadline(cst("2026-03-02T10:00:00"), "civil-retrial-application").date).toBe("2026-03-09"); // 03-07 Sat
    expect(statutoryDeadline(cst("2026-03-02T10:00:00"), "state-compensation").date).toBe("2026-03-09");
  });
});

describe("working hours", () => {
  it("is open inside the periods of a working day only", () => {
    const open = (local: string) => isOpen(cst(local));
    expect(open("2026-03-10T08:29:59")).toBe(false);
    expect(open("2026-03-10T08:30:00")).toBe(true);
    expect(open("2026-03-10T11:59:59")).toBe(true);
    expect(open("2026-03-10T12:00:00")).toBe(false);
    expect(open("2026-03-10T14:00:00")).toBe(true);
    expect(open("2026-03-10T17:30:00")).toBe(false);
    expect(open("2026-10-01T10:00:00")).toBe(false); // National Day
    expect(open("2026-10-10T10:00:00")).toBe(true); // adjusted working Saturday
  });

  it("finds the next opening", () => {
    const at = cst("2026-03-10T09:15:00");
    expect(nextOpening(at)).toEqual(at);
    expect(nextOpening(cst("2026-03-10T12:30:00"))).toEqual(cst("2026-03-10T14:00:00"));
    expect(nextOpening(cst("2026-03-10T06:00:00"))).toEqual(cst("2026-03-10T08:30:00"));
    expect(nextOpening(cst("2026-09-30T18:00:00"))).toEqual(cst("2026-10-08T08:30:00"));
    expect(nextOpening(cst("2026-09-19T10:00:00"))).toEqual(cst("2026-09-20T08:30:00")); // worked Sunday
  });

  it("uses a court's own hours", () => {
    const hours: WorkingHours = { timeZone: "Asia/Shanghai", periods: [{ start: "09:00", end: "17:00" }] };
    expect(isOpen(cst("2026-03-10T12:30:00"), hours)).toBe(true);
    expect(addWorkingMinutes(cst("2026-03-10T16:50:00"), 30, hours)).toEqual(cst("2026-03-11T09:20:00"));
  });

  it("rejects malformed hours, listing every problem", () => {
    const bad = {
      timeZone: "UTC",
      periods: [
        { start: "8:30", end: "12:00" },
        { start: "14:00", end: "13:00" },
        { start: "16:00", end: "24:30" },
      ],
    } as unknown as WorkingHours;
    try {
      isOpen(cst("2026-03-10T10:00:00"), bad);
      throw new Error("expected a ValidationError");
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).violations.map((v) => v.field)).toEqual([
        "working_hours.time_zone",
        "working_hours.periods[0].start",
        "working_hours.periods[1]",
        "working_hours.periods[2].end",
      ]);
    }
    const overlapping: WorkingHours = {
      timeZone: "Asia/Shanghai",
      periods: [
        { start: "08:00", end: "12:00" },
        { start: "11:00", end: "17:00" },
      ],
    };
    expect(() => nextOpening(cst("2026-03-10T10:00:00"), overlapping)).toThrow(/must start after the previous period ends/);
    expect(() => nextOpening(cst("2026-03-10T10:00:00"), { timeZone: "Asia/Shanghai", periods: [] })).toThrow(ValidationError);
  });

  it("has a frozen default", () => {
    expect(DEFAULT_WORKING_HOURS.periods).toEqual([
      { start: "08:30", end: "12:00" },
      { start: "14:00", end: "17:30" },
    ]);
    expect(Object.isFrozen(DEFAULT_WORKING_HOURS.periods)).toBe(true);
  });
});

describe("addWorkingMinutes (30-minute response deadline)", () => {
  it("skips the lunch break: 11:50 + 30 → 14:20", () => {
    expect(addWorkingMinutes(cst("2026-03-10T11:50:00"), 30)).toEqual(cst("2026-03-10T14:20:00"));
  });

  it("carries Friday 17:20 over to Monday morning", () => {
    expect(addWorkingMinutes(cst("2026-03-13T17:20:00"), 30)).toEqual(cst("2026-03-16T08:50:00"));
  });

  it("carries Friday 17:20 over to an adjusted working Sunday (调休)", () => {
    expect(addWorkingMinutes(cst("2026-09-18T17:20:00"), 30)).toEqual(cst("2026-09-20T08:50:00"));
  });

  it("counts an adjusted working Saturday as a working day", () => {
    expect(addWorkingMinutes(cst("2026-10-10T09:00:00"), 30)).toEqual(cst("2026-10-10T09:30:00"));
    expect(addWorkingMinutes(cst("2026-02-14T11:40:00"), 30)).toEqual(cst("2026-02-14T14:10:00"));
  });

  it("carries over the National Day holiday", () => {
    expect(addWorkingMinutes(cst("2026-09-30T17:20:00"), 30)).toEqual(cst("2026-10-08T08:50:00"));
    expect(addWorkingMinutes(cst("2026-10-03T10:00:00"), 30)).toEqual(cst("2026-10-08T09:00:00"));
  });

  it("starts counting at the opening when it arrives before hours", () => {
    expect(addWorkingMinutes(cst("2026-03-10T07:00:00"), 30)).toEqual(cst("2026-03-10T09:00:00"));
  });

  it("ends at the close of a period it uses up exactly", () => {
    expect(addWorkingMinutes(cst("2026-03-10T11:30:00"), 30)).toEqual(cst("2026-03-10T12:00:00"));
  });

  it("returns the instant itself for zero minutes and rejects negative ones", () => {
    expect(addWorkingMinutes(cst("2026-03-10T13:00:00"), 0)).toEqual(cst("2026-03-10T13:00:00"));
    expect(() => addWorkingMinutes(cst("2026-03-10T13:00:00"), -1)).toThrow(RangeError);
  });
});

describe("workingMinutesBetween", () => {
  it("counts only working time", () => {
    expect(workingMinutesBetween(cst("2026-03-10T11:50:00"), cst("2026-03-10T14:20:00"))).toBe(30);
    expect(workingMinutesBetween(cst("2026-03-13T17:20:00"), cst("2026-03-16T08:50:00"))).toBe(30);
    expect(workingMinutesBetween(cst("2026-03-10T00:00:00"), cst("2026-03-11T00:00:00"))).toBe(420);
    // 09-30 and 10-08 are the only working days in this range.
    expect(workingMinutesBetween(cst("2026-09-30T00:00:00"), cst("2026-10-09T00:00:00"))).toBe(840);
    expect(workingMinutesBetween(cst("2026-10-01T09:00:00"), cst("2026-10-01T17:00:00"))).toBe(0);
  });

  it("keeps seconds and is negative when the end is before the start", () => {
    expect(workingMinutesBetween(cst("2026-03-10T09:00:00"), cst("2026-03-10T09:00:30"))).toBe(0.5);
    expect(workingMinutesBetween(cst("2026-03-10T14:20:00"), cst("2026-03-10T11:50:00"))).toBe(-30);
  });

  it("is the inverse of addWorkingMinutes", () => {
    const starts = ["2026-03-10T11:50:00", "2026-09-18T17:29:00", "2026-09-30T16:00:00", "2026-02-13T12:30:00"];
    for (const start of starts) {
      for (const minutes of [1, 30, 209, 211, 420, 1000]) {
        expect(workingMinutesBetween(cst(start), addWorkingMinutes(cst(start), minutes))).toBe(minutes);
      }
    }
  });
});

describe("workingDaysLater", () => {
  it("counts working days after the date, skipping holidays and using adjusted working days", () => {
    expect(workingDaysLater("2026-09-30", 1)).toBe("2026-10-08");
    // 09-29, 09-30, 10-08, 10-09, 10-10 (Sat, worked), 10-12, 10-13
    expect(workingDaysLater("2026-09-28", 7)).toBe("2026-10-13");
    expect(workingDaysLater("2026-09-28", 0)).toBe("2026-09-28");
    expect(workingDaysLater(new Date("2026-09-29T16:30:00Z"), 1)).toBe("2026-10-08"); // 09-30 in China
  });

  it("rejects a negative or fractional count", () => {
    expect(() => workingDaysLater("2026-09-28", -1)).toThrow(RangeError);
    expect(() => workingDaysLater("2026-09-28", 1.5)).toThrow(RangeError);
  });
});

describe("filingDeadlines", () => {
  const at = (iso: string) => new Date(iso);
  afterEach(() => useCalendar(HolidayCalendar.builtIn()));

  it("matches the exact deadlines inside the official calendar", () => {
    const arrival = at("2026-11-27T02:00:00Z"); // Friday 10:00 in Beijing
    const d = filingDeadlines(arrival, "civil-first-instance");
    expect(d).toEqual({ responseDue: addWorkingMinutes(arrival, 30), decisionDue: statutoryDeadline(arrival, "civil-first-instance").endsAt, provisional: false });
  });

  it("counts past the official calendar with the provisional one, and says so", () => {
    // 2027-01-29 (Friday) + 7 days = 2027-02-05, 除夕: the provisional 春节 runs 02-05..02-08 and
    // two of its days fall on a weekend, made up on 02-09 and 02-10 (补假): the period ends 02-11.
    const d = filingDeadlines(cst("2027-01-29T10:00:00"), "civil-first-instance");
    expect(d.provisional).toBe(true);
    expect(d.responseDue).toEqual(cst("2027-01-29T10:30:00"));
    expect(d.decisionDue).toEqual(cst("2027-02-12T00:00:00"));
  });

  it("follows an operator year instead, which is official", () => {
    // Test data only, not the real 2027 arrangement: 春节 02-06..02-14, 02-20 a working Saturday.
    const file = { years: { "2027": { source: "test", holidays: [{ name: "春节", from: "2027-02-06", to: "2027-02-14" }], workdays: ["2027-02-20"] } } };
    useCalendar(HolidayCalendar.builtIn().withOperatorYears(file));
    const d = filingDeadlines(cst("2027-01-29T10:00:00"), "civil-first-instance");
    expect(d.provisional).toBe(false);
    expect(d.decisionDue).toEqual(cst("2027-02-06T00:00:00")); // 02-05 is a working Friday in this file
    expect(statutoryDeadline(cst("2027-01-31T10:00:00"), "civil-first-instance").date).toBe("2027-02-15");
    expect(isWorkingDay("2027-02-20")).toBe(true);
    expect(provisionalBetween("2027-06-01", "2028-01-03")).toBe(true); // 2028 is still provisional
  });

  it("still refuses dates before the calendar", () => {
    expect(() => filingDeadlines(at("2003-06-02T02:00:00Z"), "civil-first-instance")).toThrow(CalendarRangeError);
  });
});
