import { Lunar } from "lunar-typescript";
import { StateError, type Violation } from "./errors.js";

/**
 * The national holiday calendar (法定节假日与调休) that every working-time computation asks.
 *
 * Three kinds of year, in order of precedence:
 * - operator: a year from the operator's calendar file (CALENDAR_FILE), copied from the State
 *   Council General Office's notice (国务院办公厅关于XXXX年部分节假日安排的通知) the day it is
 *   published; it replaces a built-in year whole;
 * - library: the years the `chinese-days` package ships (2004–2026 in 1.5.7);
 * - provisional: any later year without an official arrangement, built from the statutory rules
 *   alone (see `provisionalYear`). Everything computed from a provisional day says so.
 *
 * The official coverage ends at `officialUntil`: the last day of the last year of an unbroken run
 * of official years from 2004. A process holds one calendar at a time (`currentCalendar`); loading
 * a new file replaces it whole (`useCalendar`), so a computation never sees half of each.
 */

/** A calendar date in China time, `YYYY-MM-DD`. */
export type CalendarDate = string;

/** The first year the built-in data covers; earlier dates are refused. */
export const CALENDAR_FIRST_YEAR = 2004;
/** The last year a provisional calendar is built for (the lunar library's range ends in 2100). */
export const CALENDAR_LAST_PROVISIONAL_YEAR = 2100;

/**
 * The holidays of 《全国年节及纪念日放假办法》 (as amended 2024-11-10, in force 2025-01-01) that
 * every citizen has off. A range in an operator file is named with one of them, or with several
 * joined by "、" where one range covers two (e.g. "国庆节、中秋节" in 2025).
 */
export const HOLIDAY_NAMES = ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"] as const;
/** One-off holidays the State Council proclaimed (2015-09-03), accepted so the library's years can be copied. */
const ONE_OFF_HOLIDAYS = ["中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日"];

/** One holiday range of a year's arrangement, both ends inclusive. */
export interface HolidayRange {
  name: string;
  from: CalendarDate;
  to: CalendarDate;
}
/** A year as the State Council arranges it: holiday ranges and adjusted working days (调休上班). */
export interface YearArrangement {
  /** The notice it comes from, e.g. 国务院办公厅关于2027年部分节假日安排的通知. */
  source: string;
  holidays: HolidayRange[];
  workdays: CalendarDate[];
}
/** The operator calendar file: whole years, each replacing any built-in one. */
export interface CalendarFile {
  years: Record<string, YearArrangement>;
}

export type YearOrigin = "library" | "operator" | "provisional";

/** One year as the calendar uses it. */
export interface CalendarYear {
  year: number;
  origin: YearOrigin;
  source: string;
  /** Holiday dates → the holiday's name (weekdays and weekends alike). */
  holidays: ReadonlyMap<CalendarDate, string>;
  /** Adjusted working days on weekends → the holiday they make up for ("" when not known). */
  workdays: ReadonlyMap<CalendarDate, string>;
}

/** What one day is. */
export interface DayInfo {
  date: CalendarDate;
  working: boolean;
  kind: "workday" | "weekend" | "holiday" | "adjusted-workday";
  /** The holiday, or what an adjusted working day makes up for. */
  name: string;
  origin: YearOrigin;
  provisional: boolean;
}

/**
 * The calendar does not cover a date (before 2004 or after 2100). A state of the deployment, not
 * a bad request, hence StateError (gRPC FAILED_PRECONDITION).
 */
export class CalendarRangeError extends StateError {
  override name = "CalendarRangeError";
  constructor(readonly date: CalendarDate) {
    super(`no holiday calendar for ${date}: covered years are ${CALENDAR_FIRST_YEAR}–${CALENDAR_LAST_PROVISIONAL_YEAR}`);
  }
}

const DAY_MS = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a valid date, or undefined (also for 2026-02-30). */
export function dayNumber(date: string): number | undefined {
  const m = DATE_RE.exec(date);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(ms).toISOString().slice(0, 10) === date ? ms / DAY_MS : undefined;
}
export const dateOfDay = (day: number): CalendarDate => new Date(day * DAY_MS).toISOString().slice(0, 10);
/** 0 = Sunday … 6 = Saturday (day 0, 1970-01-01, was a Thursday). */
export const weekdayOfDay = (day: number) => (((day + 4) % 7) + 7) % 7;
const isWeekendDay = (day: number) => weekdayOfDay(day) === 0 || weekdayOfDay(day) === 6;

/** Shape of chinese-days/dist/chinese-days.json: date → "English name,中文名,days" per kind of day. */
interface LibraryData {
  holidays: Readonly<Record<CalendarDate, string>>;
  workdays: Readonly<Record<CalendarDate, string>>;
}
/**
 * The library's years. We read chinese-days' shipped data file rather than calling its
 * functions: the package builds its tables at import time with local-time Date getters, so west of
 * UTC every entry shifts one day. Its newest release covers 2004–2026.
 */
const LIBRARY_SOURCE = "chinese-days 1.5.7 (国务院办公厅 yearly notices 2004–2026)";
function libraryYears(): ReadonlyMap<number, CalendarYear> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a JSON data file; the shared tsconfig has no resolveJsonModule
  const data = require("chinese-days/dist/chinese-days.json") as LibraryData;
  const years = new Map<number, CalendarYear & { holidays: Map<string, string>; workdays: Map<string, string> }>();
  const yearOf = (y: number) => {
    let entry = years.get(y);
    if (!entry) years.set(y, (entry = { year: y, origin: "library", source: LIBRARY_SOURCE, holidays: new Map(), workdays: new Map() }));
    return entry;
  };
  // The package writes 清明, 端午 and 中秋; the notices (and operator files) say 清明节, 端午节, 中秋节.
  const full: Record<string, string> = { 清明: "清明节", 端午: "端午节", 中秋: "中秋节" };
  const nameOf = (v: string) => {
    const name = v.split(",")[1] ?? "";
    return full[name] ?? name;
  };
  for (const [date, v] of Object.entries(data.holidays)) yearOf(Number(date.slice(0, 4))).holidays.set(date, nameOf(v));
  for (const [date, v] of Object.entries(data.workdays)) yearOf(Number(date.slice(0, 4))).workdays.set(date, nameOf(v));
  return years;
}

/** An operator year (already checked) as the calendar uses it. */
function operatorYear(year: number, a: YearArrangement): CalendarYear {
  const holidays = new Map<CalendarDate, string>();
  for (const h of a.holidays) {
    for (let d = dayNumber(h.from)!; d <= dayNumber(h.to)!; d++) holidays.set(dateOfDay(d), h.name);
  }
  return { year, origin: "operator", source: a.source, holidays, workdays: new Map(a.workdays.map((d) => [d, ""])) };
}

/**
 * A year from the statutory rules alone, for when no official arrangement is loaded: the holidays
 * of 《全国年节及纪念日放假办法》 (2024) — 元旦 1 January; 春节 除夕 to 正月初三 (4 days); 清明节 on the
 * 清明 solar term; 劳动节 1–2 May; 端午节 5th of the 5th lunar month; 中秋节 15th of the 8th lunar
 * month; 国庆节 1–3 October — and, by its art. 6, a holiday day that falls on a weekend is made up
 * on the next working day (补假). No adjusted working days: only the yearly notice creates them.
 * Lunar dates and solar terms come from lunar-typescript (Beijing time).
 */
export function provisionalYear(year: number): CalendarYear {
  const ymd = (s: { toYmd(): string }) => s.toYmd();
  const spring = dayNumber(ymd(Lunar.fromYmd(year, 1, 1).getSolar()))!;
  const fixed = (md: string) => dayNumber(`${year}-${md}`)!;
  const groups: [string, number[]][] = [
    ["元旦", [fixed("01-01")]],
    ["春节", [spring - 1, spring, spring + 1, spring + 2]],
    ["清明节", [dayNumber(ymd(Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]!))!]],
    ["劳动节", [fixed("05-01"), fixed("05-02")]],
    ["端午节", [dayNumber(ymd(Lunar.fromYmd(year, 5, 5).getSolar()))!]],
    ["中秋节", [dayNumber(ymd(Lunar.fromYmd(year, 8, 15).getSolar()))!]],
    ["国庆节", [fixed("10-01"), fixed("10-02"), fixed("10-03")]],
  ];
  const holidays = new Map<CalendarDate, string>();
  for (const [name, days] of groups) for (const d of days) holidays.set(dateOfDay(d), name);
  for (const [name, days] of groups) {
    let owed = days.filter(isWeekendDay).length;
    for (let d = Math.max(...days) + 1; owed > 0; d++) {
      if (isWeekendDay(d) || holidays.has(dateOfDay(d))) continue;
      holidays.set(dateOfDay(d), `${name}${MAKE_UP}`);
      owed--;
    }
  }
  return {
    year,
    origin: "provisional",
    source: `${PROVISIONAL_SOURCE}《全国年节及纪念日放假办法》(2024) without the yearly arrangement`,
    holidays,
    workdays: new Map(),
  };
}

/** The holiday calendar: official years (library, operator) and provisional ones past them. */
export class HolidayCalendar {
  /** The last day covered officially without a gap from 2004 (e.g. 2026-12-31). */
  readonly officialUntil: CalendarDate;
  private readonly provisional = new Map<number, CalendarYear>();

  private constructor(private readonly official: ReadonlyMap<number, CalendarYear>) {
    let y = CALENDAR_FIRST_YEAR;
    while (official.has(y)) y++;
    this.officialUntil = `${y - 1}-12-31`;
  }

  /** The library's years only. */
  static builtIn(): HolidayCalendar {
    return new HolidayCalendar(libraryYears());
  }

  /** This calendar with an operator file's years in place of its own (the file must have passed checkCalendarFile). */
  withOperatorYears(file: CalendarFile): HolidayCalendar {
    const years = new Map(this.official);
    for (const [y, a] of Object.entries(file.years)) years.set(Number(y), operatorYear(Number(y), a));
    return new HolidayCalendar(years);
  }

  /** Whether `year` has an official arrangement (library or operator). */
  isOfficial(year: number): boolean {
    return this.official.has(year);
  }

  /** The years with an official arrangement, in order. */
  officialYears(): number[] {
    return [...this.official.keys()].sort((a, b) => a - b);
  }

  /** A year as used: official, or provisional (built once). CalendarRangeError outside 2004–2100. */
  year(year: number): CalendarYear {
    const official = this.official.get(year);
    if (official) return official;
    if (!Number.isInteger(year) || year < CALENDAR_FIRST_YEAR || year > CALENDAR_LAST_PROVISIONAL_YEAR) throw new CalendarRangeError(`${year}-01-01`);
    let p = this.provisional.get(year);
    if (!p) this.provisional.set(year, (p = provisionalYear(year)));
    return p;
  }

  /** Whether courts work on a day (days since 1970-01-01, China time). */
  isWorkingDay(day: number): boolean {
    const date = dateOfDay(day);
    const year = Number(date.slice(0, 4));
    if (year < CALENDAR_FIRST_YEAR || year > CALENDAR_LAST_PROVISIONAL_YEAR) throw new CalendarRangeError(date);
    const y = this.year(year);
    if (y.workdays.has(date)) return true;
    return !isWeekendDay(day) && !y.holidays.has(date);
  }

  /** What a day is and where that comes from. */
  day(date: CalendarDate): DayInfo {
    const day = dayNumber(date);
    if (day === undefined) throw new RangeError(`not a calendar date: "${date}"`);
    const y = this.year(Number(date.slice(0, 4)));
    const base = { date, origin: y.origin, provisional: y.origin === "provisional" };
    const made = y.workdays.get(date);
    if (made !== undefined) return { ...base, working: true, kind: "adjusted-workday", name: made };
    const holiday = y.holidays.get(date);
    if (holiday !== undefined) return { ...base, working: false, kind: "holiday", name: holiday };
    return isWeekendDay(day) ? { ...base, working: false, kind: "weekend", name: "" } : { ...base, working: true, kind: "workday", name: "" };
  }

  /** The years (2004 on) whose days or whose official standing differ between the two calendars. */
  changedYears(other: HolidayCalendar): number[] {
    const last = Math.max(...this.official.keys(), ...other.official.keys(), CALENDAR_FIRST_YEAR);
    const out: number[] = [];
    for (let y = CALENDAR_FIRST_YEAR; y <= last; y++) {
      const a = this.year(y);
      const b = other.year(y);
      const same = (a.origin === "provisional") === (b.origin === "provisional") && sameKeys(a.holidays, b.holidays) && sameKeys(a.workdays, b.workdays);
      if (!same) out.push(y);
    }
    return out;
  }
}

const sameKeys = (a: ReadonlyMap<string, unknown>, b: ReadonlyMap<string, unknown>) => a.size === b.size && [...a.keys()].every((k) => b.has(k));

let current: HolidayCalendar | undefined;

/** The calendar this process computes with (the built-in one until an operator file is loaded). */
export function currentCalendar(): HolidayCalendar {
  return (current ??= HolidayCalendar.builtIn());
}
/** Replaces the process's calendar whole (start-up, reload; tests). */
export function useCalendar(calendar: HolidayCalendar): void {
  current = calendar;
}

const MAKE_UP = "（补假）";
const PROVISIONAL_SOURCE = "provisional: ";

/**
 * The same year in the file's own shape (for `kuayu calendar show`, to copy and edit); a made-up
 * day (补假) joins its holiday's range, as the notices write it.
 */
export function arrangementOf(y: CalendarYear): YearArrangement {
  const holidays: HolidayRange[] = [];
  const dates = [...y.holidays.keys()].sort();
  for (const date of dates) {
    const name = y.holidays.get(date)!.replace(MAKE_UP, "");
    const last = holidays[holidays.length - 1];
    if (last && last.name === name && dayNumber(last.to)! + 1 === dayNumber(date)) last.to = date;
    else holidays.push({ name, from: date, to: date });
  }
  return { source: y.source, holidays, workdays: [...y.workdays.keys()].sort() };
}

/**
 * Checks an operator calendar file (parsed JSON or YAML) and lists every problem at once: shape,
 * dates that are not dates or lie outside their year, ranges that end before they start or
 * overlap, unknown holiday names, adjusted working days that are not weekends or fall on a
 * holiday, and years outside 2004–2100.
 */
export function checkCalendarFile(raw: unknown): { file: CalendarFile; problems: [] } | { file?: undefined; problems: Violation[] } {
  const problems: Violation[] = [];
  const bad = (field: string, description: string) => problems.push({ field, description });
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  const unknownKeys = (v: Record<string, unknown>, field: string, known: string[]) => {
    for (const k of Object.keys(v)) if (!known.includes(k)) bad(field ? `${field}.${k}` : k, `unknown key (expected ${known.join(", ")})`);
  };
  if (!isObject(raw)) return { problems: [{ field: "(root)", description: 'must be an object {"years": {…}}' }] };
  unknownKeys(raw, "", ["years"]);
  if (!isObject(raw.years)) {
    bad("years", 'must be an object keyed by year, e.g. {"2027": {…}}');
    return { problems };
  }
  const years: Record<string, YearArrangement> = {};
  for (const [key, value] of Object.entries(raw.years)) {
    const at = `years.${key}`;
    const year = Number(key);
    if (!/^\d{4}$/.test(key) || year < CALENDAR_FIRST_YEAR || year > CALENDAR_LAST_PROVISIONAL_YEAR) {
      bad(at, `a year ${CALENDAR_FIRST_YEAR}–${CALENDAR_LAST_PROVISIONAL_YEAR} written with four digits`);
      continue;
    }
    if (!isObject(value)) {
      bad(at, "must be an object with source, holidays and workdays");
      continue;
    }
    unknownKeys(value, at, ["source", "holidays", "workdays"]);
    if (typeof value.source !== "string" || value.source.trim() === "") bad(`${at}.source`, "required: the notice the year comes from, e.g. 国务院办公厅关于2027年部分节假日安排的通知");
    else if (value.source.startsWith(PROVISIONAL_SOURCE)) bad(`${at}.source`, "the provisional calendar is not an official arrangement: load the year from its notice");
    const date = (v: unknown, field: string): number | undefined => {
      const day = typeof v === "string" ? dayNumber(v) : undefined;
      if (day === undefined) bad(field, `must be a date YYYY-MM-DD (got ${JSON.stringify(v)})`);
      else if (!(v as string).startsWith(`${key}-`)) bad(field, `${v as string} is outside ${key}`);
      else return day;
      return undefined;
    };
    const ranges: { i: number; from: number; to: number }[] = [];
    const holidays: HolidayRange[] = [];
    if (!Array.isArray(value.holidays)) bad(`${at}.holidays`, "must be a list of {name, from, to}");
    else
      value.holidays.forEach((h: unknown, i) => {
        const field = `${at}.holidays[${i}]`;
        if (!isObject(h)) return bad(field, "must be {name, from, to}");
        unknownKeys(h, field, ["name", "from", "to"]);
        const parts = typeof h.name === "string" ? h.name.split("、") : [];
        if (parts.length === 0 || parts.some((p) => !(HOLIDAY_NAMES as readonly string[]).includes(p) && !ONE_OFF_HOLIDAYS.includes(p))) {
          bad(`${field}.name`, `unknown holiday ${JSON.stringify(h.name)}: one of ${HOLIDAY_NAMES.join(", ")} (several joined by 、)`);
        }
        const from = date(h.from, `${field}.from`);
        const to = date(h.to, `${field}.to`);
        if (from === undefined || to === undefined) return;
        if (to < from) return bad(field, `ends (${h.to as string}) before it starts (${h.from as string})`);
        for (const r of ranges) {
          if (from <= r.to && r.from <= to) bad(field, `overlaps ${at}.holidays[${r.i}]`);
        }
        ranges.push({ i, from, to });
        holidays.push({ name: h.name as string, from: h.from as string, to: h.to as string });
      });
    const workdays: CalendarDate[] = [];
    if (value.workdays !== undefined && !Array.isArray(value.workdays)) bad(`${at}.workdays`, "must be a list of dates YYYY-MM-DD");
    else
      ((value.workdays as unknown[] | undefined) ?? []).forEach((w, i) => {
        const field = `${at}.workdays[${i}]`;
        const day = date(w, field);
        if (day === undefined) return;
        if (workdays.includes(w as string)) bad(field, `${w as string} is listed twice`);
        if (!isWeekendDay(day)) bad(field, `${w as string} is not a Saturday or Sunday: only a weekend day can be an adjusted working day`);
        const clash = ranges.find((r) => r.from <= day && day <= r.to);
        if (clash) bad(field, `${w as string} is a holiday (${at}.holidays[${clash.i}]) and an adjusted working day`);
        workdays.push(w as string);
      });
    years[key] = { source: typeof value.source === "string" ? value.source : "", holidays, workdays };
  }
  return problems.length > 0 ? { problems } : { file: { years }, problems: [] };
}
