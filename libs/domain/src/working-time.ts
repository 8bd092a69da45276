import { caseTypeInfo, type CaseType } from "./case-types.js";
import { StateError, ValidationError, type Violation } from "./errors.js";

/**
 * Working time of courts (工作时间): working days from the national holiday calendar (法定节假日
 * and 调休 adjusted working days, from the `chinese-days` package) and each court's working hours.
 *
 * We read chinese-days' shipped data file rather than calling its functions: the package builds
 * its lookup tables at import time with local-time Date getters, so in a process whose time zone
 * is west of UTC every entry shifts one day (2026-10-10, an adjusted working Saturday, comes out
 * as a holiday). The JSON was generated once and is the same everywhere; for 2004–2026 it agrees
 * day by day with the package's functions run in UTC (checked by hand against 1.5.7).
 *
 * Instants are JS Dates (UTC inside); every calendar question is asked in China time. China has
 * kept UTC+8 all year without daylight saving since 1992, so a fixed +8 offset is exact for every
 * year the calendar covers and needs no time-zone database.
 */

/** A calendar date in China time, `YYYY-MM-DD`. */
export type CalendarDate = string;

/** A span of working hours within a day, `HH:MM` China time; `end` is exclusive and may be `24:00`. */
export interface WorkingPeriod {
  readonly start: string;
  readonly end: string;
}
/** A court's working hours (工作时间). All courts keep Beijing time; the zone is stored so configs say so. */
export interface WorkingHours {
  readonly timeZone: "Asia/Shanghai";
  /** In order, not overlapping. */
  readonly periods: readonly WorkingPeriod[];
}
/** Common court hours, morning and afternoon with a lunch break; an assumption, courts set their own. */
export const DEFAULT_WORKING_HOURS: WorkingHours = Object.freeze({
  timeZone: "Asia/Shanghai",
  periods: Object.freeze([Object.freeze({ start: "08:30", end: "12:00" }), Object.freeze({ start: "14:00", end: "17:30" })]),
});

/** Shape of chinese-days/dist/chinese-days.json: date → "English name,中文名,days" per kind of day. */
interface HolidayData {
  /** 法定节假日 (weekdays and weekends alike). */
  holidays: Readonly<Record<CalendarDate, string>>;
  /** Adjusted working days on weekends (调休上班). */
  workdays: Readonly<Record<CalendarDate, string>>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a JSON data file; the shared tsconfig has no resolveJsonModule
const HOLIDAY_DATA = require("chinese-days/dist/chinese-days.json") as HolidayData;

/**
 * Years for which chinese-days 1.5.7 holds the State Council's holiday arrangement (checked in
 * the tests against the package). Outside them it would silently call every weekday a working
 * day, so we refuse instead. The next year's arrangement can also move days in late December
 * (e.g. 2018-12-29 became a working day for New Year 2019); for the last covered year that is a
 * known gap until the package is updated.
 */
export const CALENDAR_FIRST_YEAR = 2004;
export const CALENDAR_LAST_YEAR = 2026;

/**
 * The holiday calendar does not cover a date. A state of the deployment (the calendar package
 * needs updating), not a bad request, hence StateError (gRPC FAILED_PRECONDITION).
 */
export class CalendarRangeError extends StateError {
  override name = "CalendarRangeError";
  constructor(readonly date: CalendarDate) {
    super(`no holiday calendar for ${date}: covered years are ${CALENDAR_FIRST_YEAR}–${CALENDAR_LAST_YEAR}`);
  }
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const CHINA_OFFSET_MS = 8 * 60 * MINUTE_MS;
/** Longer than any run of non-working days (Spring Festival plus weekends is at most ~10). */
const MAX_CLOSED_DAYS = 31;

// Days are handled as whole numbers: days since 1970-01-01 in China time.
const dayOfInstant = (ms: number): number => Math.floor((ms + CHINA_OFFSET_MS) / DAY_MS);
const startOfDay = (day: number): number => day * DAY_MS - CHINA_OFFSET_MS;
const dateOfDay = (day: number): CalendarDate => new Date(day * DAY_MS).toISOString().slice(0, 10);

function instantMs(instant: Date): number {
  const ms = instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError("invalid Date");
  return ms;
}

function dayOfDate(date: CalendarDate): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  // Date.UTC rolls 2026-02-30 over to March; comparing back catches it.
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) {
    throw new ValidationError([{ field: "date", description: `must be a calendar date YYYY-MM-DD (got "${date}")` }]);
  }
  return ms / DAY_MS;
}

const toDay = (date: Date | CalendarDate): number =>
  typeof date === "string" ? dayOfDate(date) : dayOfInstant(instantMs(date));

/** The calendar date in China time of an instant. */
export function calendarDateInChina(instant: Date): CalendarDate {
  return dateOfDay(dayOfInstant(instantMs(instant)));
}

/** The date of a day, or CalendarRangeError when the holiday calendar does not cover it. */
function coveredDate(day: number): CalendarDate {
  const date = dateOfDay(day);
  const year = Number(date.slice(0, 4));
  if (year < CALENDAR_FIRST_YEAR || year > CALENDAR_LAST_YEAR) throw new CalendarRangeError(date);
  return date;
}

// Set only inside estimatedDeadlines (synchronous): past the calendar, weekends are the only holidays.
let estimating: { used: boolean } | undefined;

function isWorkingDayNumber(day: number): boolean {
  if (estimating) {
    const year = Number(dateOfDay(day).slice(0, 4));
    if (year > CALENDAR_LAST_YEAR) {
      estimating.used = true;
      const weekday = (day + 4) % 7;
      return weekday >= 1 && weekday <= 5;
    }
  }
  const date = coveredDate(day);
  if (HOLIDAY_DATA.workdays[date] !== undefined) return true;
  const weekday = (day + 4) % 7; // day 0, 1970-01-01, was a Thursday; 0 = Sunday … 6 = Saturday
  return weekday >= 1 && weekday <= 5 && HOLIDAY_DATA.holidays[date] === undefined;
}

/**
 * Whether courts work on a date (工作日): Monday–Friday unless a statutory holiday (法定节假日),
 * plus the adjusted working days (调休上班) on weekends. A Date is read in China time.
 * Throws `CalendarRangeError` outside the covered years.
 */
export function isWorkingDay(date: Date | CalendarDate): boolean {
  return isWorkingDayNumber(toDay(date));
}

/** The calendar date `n` working days after `date`, not counting `date` itself (n = 0 gives `date`). */
export function workingDaysLater(date: Date | CalendarDate, n: number): CalendarDate {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`working days must be a whole number ≥ 0, got ${n}`);
  let day = toDay(date);
  for (let left = n; left > 0; ) {
    day += 1;
    if (isWorkingDayNumber(day)) left -= 1;
  }
  return dateOfDay(day);
}

type Span = readonly [startMs: number, endMs: number];

function minutesOfDay(hhmm: string): number | null {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!m) return null;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return Number(m[2]) < 60 && minutes <= 24 * 60 ? minutes : null;
}

/** Working periods as minute offsets within a day; throws ValidationError listing every problem. */
function parseHours(hours: WorkingHours): Span[] {
  const v: Violation[] = [];
  if (hours.timeZone !== "Asia/Shanghai") {
    v.push({ field: "working_hours.time_zone", description: "must be Asia/Shanghai (courts keep Beijing time)" });
  }
  if (hours.periods.length === 0) v.push({ field: "working_hours.periods", description: "at least one period is required" });
  const spans: Span[] = [];
  let previousEnd = 0;
  hours.periods.forEach((p, i) => {
    const field = `working_hours.periods[${i}]`;
    const start = minutesOfDay(p.start);
    const end = minutesOfDay(p.end);
    if (start === null) v.push({ field: `${field}.start`, description: `must be HH:MM between 00:00 and 24:00 (got "${p.start}")` });
    if (end === null) v.push({ field: `${field}.end`, description: `must be HH:MM between 00:00 and 24:00 (got "${p.end}")` });
    if (start === null || end === null) return;
    if (start >= end) v.push({ field, description: "must end after it starts" });
    else if (start < previousEnd) v.push({ field, description: "must start after the previous period ends" });
    else spans.push([start, end]);
    previousEnd = Math.max(previousEnd, end);
  });
  if (v.length > 0) throw new ValidationError(v);
  return spans;
}

/** The working periods of one day as instants; none on a non-working day. */
function periodsOn(day: number, spans: readonly Span[]): Span[] {
  if (!isWorkingDayNumber(day)) return [];
  const base = startOfDay(day);
  return spans.map(([s, e]) => [base + s * MINUTE_MS, base + e * MINUTE_MS] as const);
}

/** Whether the court is within its working hours on a working day at `instant`. */
export function isOpen(instant: Date, hours: WorkingHours = DEFAULT_WORKING_HOURS): boolean {
  const t = instantMs(instant);
  return periodsOn(dayOfInstant(t), parseHours(hours)).some(([s, e]) => s <= t && t < e);
}

/** The first instant at or after `instant` when the court is open (`instant` itself if open). */
export function nextOpening(instant: Date, hours: WorkingHours = DEFAULT_WORKING_HOURS): Date {
  const t = instantMs(instant);
  const spans = parseHours(hours);
  const first = dayOfInstant(t);
  for (let day = first; day <= first + MAX_CLOSED_DAYS; day++) {
    const open = periodsOn(day, spans).find(([, e]) => e > t);
    if (open) return new Date(Math.max(open[0], t));
  }
  throw new Error(`no working period within ${MAX_CLOSED_DAYS} days of ${instant.toISOString()}`);
}

/**
 * The instant when `minutes` of working time have passed after `instant`, counting only inside
 * working periods of working days — e.g. the 30-minute response deadline (30分钟响应). A deadline
 * that uses up a period exactly ends at that period's end, not at the next opening.
 */
export function addWorkingMinutes(instant: Date, minutes: number, hours: WorkingHours = DEFAULT_WORKING_HOURS): Date {
  if (!Number.isFinite(minutes) || minutes < 0) throw new RangeError(`minutes must be ≥ 0, got ${minutes}`);
  const spans = parseHours(hours);
  let t = instantMs(instant);
  let remaining = minutes * MINUTE_MS;
  if (remaining === 0) return new Date(t);
  // Ends: each day has working time, or isWorkingDayNumber throws past the calendar's last year.
  for (let day = dayOfInstant(t); ; day++) {
    for (const [s, e] of periodsOn(day, spans)) {
      if (e <= t) continue;
      const from = Math.max(s, t);
      if (remaining <= e - from) return new Date(from + remaining);
      remaining -= e - from;
      t = e;
    }
  }
}

/**
 * Working minutes between two instants (for service-level measurement); negative when `to` is
 * before `from`, so clock skew shows up instead of being hidden.
 */
export function workingMinutesBetween(from: Date, to: Date, hours: WorkingHours = DEFAULT_WORKING_HOURS): number {
  const a = instantMs(from);
  const b = instantMs(to);
  if (b < a) return -workingMinutesBetween(to, from, hours);
  const spans = parseHours(hours);
  let ms = 0;
  for (let day = dayOfInstant(a); day <= dayOfInstant(b); day++) {
    for (const [s, e] of periodsOn(day, spans)) ms += Math.max(0, Math.min(e, b) - Math.max(s, a));
  }
  return ms / MINUTE_MS;
}

/** A statutory deadline: the last day, and the instant the period runs out. */
export interface StatutoryDeadline {
  /** Last day of the period (期间届满日), China time. */
  date: CalendarDate;
  /** 24:00 China time on `date` (= 00:00 the day after); in time means strictly before this. */
  endsAt: Date;
}

/**
 * The decision deadline for a case type (see `caseTypeInfo(...).decisionPeriod`), by Civil
 * Procedure Law art. 85 (the criminal procedure rule is the same): the day the clock starts is not
 * counted; if the last day is a statutory holiday — weekends included, adjusted working days
 * (调休) excluded — the period ends on the next working day. `startedAt` is the receipt of the
 * filing, of the corrected materials after a 补正 notice, or for 民申 of the complete materials.
 */
export function statutoryDeadline(startedAt: Date, caseType: CaseType): StatutoryDeadline {
  const { days } = caseTypeInfo(caseType).decisionPeriod;
  const start = dayOfInstant(instantMs(startedAt));
  isWorkingDayNumber(start); // outside the calendar: throws, or marks the estimate
  let last = start + days;
  while (!isWorkingDayNumber(last)) last += 1;
  return { date: dateOfDay(last), endsAt: new Date(startOfDay(last + 1)) };
}

/** The two deadlines of a filing that arrives at its jurisdiction court. */
export interface FilingDeadlines {
  /** 30 working minutes after arrival, in the court's working hours (30分钟响应). */
  responseDue: Date;
  /** End of the statutory decision period of the case type, counted from arrival. */
  decisionDue: Date;
  /**
   * True when a deadline reaches past the holiday calendar (after CALENDAR_LAST_YEAR): those days
   * count weekends as the only holidays, so the real deadline may be later, never earlier.
   */
  estimated: boolean;
}

/**
 * Response and decision deadlines for a filing arriving at `arrival`. Unlike `statutoryDeadline`
 * it does not refuse dates past the calendar's last year (a filing in late December would
 * otherwise be unroutable until the calendar package is updated); it estimates them and says so.
 */
export function estimatedDeadlines(arrival: Date, caseType: CaseType, hours: WorkingHours = DEFAULT_WORKING_HOURS, responseMinutes = 30): FilingDeadlines {
  const flag = { used: false };
  estimating = flag;
  try {
    const responseDue = addWorkingMinutes(arrival, responseMinutes, hours);
    const decisionDue = statutoryDeadline(arrival, caseType).endsAt;
    return { responseDue, decisionDue, estimated: flag.used };
  } finally {
    estimating = undefined;
  }
}
