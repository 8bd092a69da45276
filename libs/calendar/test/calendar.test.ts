// The process's calendar as operators run it: the file checked at start (every problem at once),
// reloaded when it changes, a bad new version refused with the old calendar kept.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { ConfigError } from "@kuayu/config";
import { HolidayCalendar, currentCalendar, isWorkingDay, useCalendar } from "@kuayu/domain";
import { createLogger } from "@kuayu/logger";
import { daysOfficialLeft, officialEnd, readCalendarFile, startCalendar, type CalendarWatch } from "@kuayu/calendar";

const lines: Record<string, unknown>[] = [];
const log = createLogger({ service: "test", level: "info", destination: new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(JSON.parse(chunk.toString())), done()) }) });
const dir = mkdtempSync(join(tmpdir(), "kuayu-calendar-"));
// Test data only: not the published arrangement of any year.
const year2027 = { source: "test notice", holidays: [{ name: "元旦", from: "2027-01-01", to: "2027-01-05" }], workdays: ["2027-01-09"] };
let watch: CalendarWatch | undefined;
afterEach(() => {
  watch?.stop();
  watch = undefined;
  useCalendar(HolidayCalendar.builtIn());
  lines.length = 0;
});

const waitFor = async <T>(check: () => T | undefined, ms = 5_000): Promise<T> => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 25))) {
    const v = check();
    if (v !== undefined) return v;
  }
  throw new Error("timed out");
};

it("refuses to start on a bad file, listing every problem", () => {
  const file = join(dir, "bad.json");
  writeFileSync(file, JSON.stringify({ years: { "2027": { source: "", holidays: [{ name: "元旦", from: "2026-12-31", to: "2027-01-01" }], workdays: ["2027-01-04"] } } }));
  let err: unknown;
  try {
    startCalendar({ file, log });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).problems).toEqual([
    `CALENDAR_FILE ${file}: years.2027.source: required: the notice the year comes from, e.g. 国务院办公厅关于2027年部分节假日安排的通知`,
    `CALENDAR_FILE ${file}: years.2027.holidays[0].from: 2026-12-31 is outside 2027`,
    `CALENDAR_FILE ${file}: years.2027.workdays[0]: 2027-01-04 is not a Saturday or Sunday: only a weekend day can be an adjusted working day`,
  ]);
  expect(readCalendarFile(join(dir, "missing.json"))).toEqual({ problems: [{ field: "(file)", description: expect.stringMatching(/^cannot read .*missing\.json/) }] });
  writeFileSync(join(dir, "broken.yaml"), "years: [\n");
  expect(readCalendarFile(join(dir, "broken.yaml"))).toMatchObject({ problems: [{ field: "(file)", description: expect.stringMatching(/^not valid YAML/) }] });
});

it("reads YAML as well as JSON, and a year in the file replaces the library's", () => {
  const file = join(dir, "calendar.yaml");
  writeFileSync(file, "years:\n  '2026':\n    source: test notice\n    holidays:\n      - { name: 国庆节, from: '2026-10-01', to: '2026-10-02' }\n    workdays: []\n");
  watch = startCalendar({ file, log });
  expect(isWorkingDay("2026-10-05")).toBe(true); // a holiday in the library's 2026, a working day in the file's
  expect(currentCalendar().day("2026-10-02")).toMatchObject({ working: false, origin: "operator" });
});

it("reloads a changed file, reports the changed years, refuses a bad version and keeps the calendar", async () => {
  const file = join(dir, "calendar.json");
  writeFileSync(file, JSON.stringify({ years: {} }));
  const changes: number[][] = [];
  const now = () => new Date("2026-12-02T10:00:00+08:00");
  watch = startCalendar({ file, log, pollMs: 50, now, onChange: async (years) => void changes.push(years) });
  expect(currentCalendar().officialUntil).toBe("2026-12-31");
  // 29 days before the end: the daily warning says so at start.
  expect(lines.find((l) => l.level === "warn")).toMatchObject({ officialUntil: "2026-12-31", daysLeft: 29 });
  expect(isWorkingDay("2027-01-04")).toBe(true);

  writeFileSync(file, JSON.stringify({ years: { "2027": year2027 } }));
  expect(await waitFor(() => changes[0])).toEqual([2027]);
  expect(isWorkingDay("2027-01-04")).toBe(false);
  expect(currentCalendar().officialUntil).toBe("2027-12-31");
  expect(daysOfficialLeft(currentCalendar(), now())).toBe(394);
  expect(officialEnd(currentCalendar())).toEqual(new Date("2028-01-01T00:00:00+08:00"));

  writeFileSync(file, JSON.stringify({ years: { "2027": { ...year2027, workdays: ["2027-01-06"] } } }));
  const refused = await waitFor(() => lines.find((l) => l.msg === "calendar file refused; keeping the calendar in use"));
  expect(refused.problems).toEqual([{ field: "years.2027.workdays[0]", description: expect.stringMatching(/not a Saturday or Sunday/) }]);
  expect(isWorkingDay("2027-01-04")).toBe(false);
  expect(changes).toHaveLength(1);
});
