import { caseTypeInfo, type CaseType } from "./case-types.js";
import { currentCalendar, dateOfDay, dayNumber, type CalendarDate } from "./calendar.js";
import { ValidationError, type Violation } from "./errors.js";

/**
 * Working time of courts (工作时间): working days from the national holiday calendar (法定节假日
 * and 调休 adjusted working days; see calendar.ts: official years, and provisional ones past them)
 * and each court's working hours. A result that used a provisional day is marked by the caller
 * with `provisionalBetween` over the days the computation looked at.
 *
 * Instants are JS Dates (UTC inside); every calendar question is asked in China time. China has
 * kept UTC+8 all year without daylight saving since 1992, so a fixed +8 offset is exact for every
 * year the calendar covers and needs no time-zone database.
 */

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

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const CHINA_OFFSET_MS = 8 * 60 * MINUTE_MS;
/** Longer than any run of non-working days (Spring Festival plus weekends is at most ~10). */
const MAX_CLOSED_DAYS = 31;

// Days are handled as whole numbers: days since 1970-01-01 in China time.
const dayOfInstant = (ms: number): number => Math.floor((ms + CHINA_OFFSET_MS) / DAY_MS);
const startOfDay = (day: number): number => day * DAY_MS - CHINA_OFFSET_MS;

function instantMs(instant: Date): number {
  const ms = instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError("invalid Date");
  return ms;
}

function dayOfDate(date: CalendarDate): number {
  const day = dayNumber(date);
  if (day === undefined) throw new ValidationError([{ field: "date", description: `must be a calendar date YYYY-MM-DD (got "${date}")` }]);
  return day;
}

const toDay = (date: Date | CalendarDate): number => (typeof date === "string" ? dayOfDate(date) : dayOfInstant(instantMs(date)));

/** The calendar date in China time of an instant. */
export function calendarDateInChina(instant: Date): CalendarDate {
  return dateOfDay(dayOfInstant(instantMs(instant)));
}

const isWorkingDayNumber = (day: number): boolean => currentCalendar().isWorkingDay(day);

/**
 * Whether any day from `from` to `to` (either order) lies in a year without an official holiday
 * arrangement: a result computed over those days is provisional (暂定) and must say so.
 */
export function provisionalBetween(from: Date | CalendarDate, to: Date | CalendarDate = from): boolean {
  const a = Number(dateOfDay(toDay(from)).slice(0, 4));
  const b = Number(dateOfDay(toDay(to)).slice(0, 4));
  const calendar = currentCalendar();
  for (let y = Math.min(a, b); y <= Math.max(a, b); y++) if (!calendar.isOfficial(y)) return true;
  return false;
}

/**
 * Whether courts work on a date (工作日): Monday–Friday unless a statutory holiday (法定节假日),
 * plus the adjusted working days (调休上班) on weekends. A Date is read in China time.
 * Throws `CalendarRangeError` before 2004 and after 2100.
 */
export function isWorkingDay(date: Date | CalendarDate): boolean {
  return isWorkingDayNumber(toDay(date));
}

/** The calendar date `n` working days after `date`, not counting `date` itself (n = 0 gives `date`). */
export function workingDaysLater(date: Date | CalendarDate, n: number): CalendarDate {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`working days must be a whole number ≥ 0, got ${n}`);
  let day = toDay(date);
  for (let left = n; left > 0;) {
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
  // Ends: each day has working time, or isWorkingDayNumber throws past the calendar's last year (2100).
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
  /** Counted over a year without an official holiday arrangement (see calendar.ts). */
  provisional: boolean;
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
  isWorkingDayNumber(start); // before 2004 or after 2100: CalendarRangeError
  let last = start + days;
  while (!isWorkingDayNumber(last)) last += 1;
  return { date: dateOfDay(last), endsAt: new Date(startOfDay(last + 1)), provisional: provisionalBetween(dateOfDay(start), dateOfDay(last)) };
}

/** The two deadlines of a filing that arrives at its jurisdiction court. */
export interface FilingDeadlines {
  /** 30 working minutes after arrival, in the court's working hours (30分钟响应). */
  responseDue: Date;
  /** End of the statutory decision period of the case type, counted from arrival. */
  decisionDue: Date;
  /**
   * A deadline was counted over a year without the official holiday arrangement (provisional
   * calendar: statutory holidays, no adjusted working days); it is recomputed when the year is loaded.
   */
  provisional: boolean;
}

/** Response and decision deadlines for a filing arriving at `arrival`. */
export function filingDeadlines(arrival: Date, caseType: CaseType, hours: WorkingHours = DEFAULT_WORKING_HOURS, responseMinutes = 30): FilingDeadlines {
  const responseDue = addWorkingMinutes(arrival, responseMinutes, hours);
  const decision = statutoryDeadline(arrival, caseType);
  return { responseDue, decisionDue: decision.endsAt, provisional: decision.provisional || provisionalBetween(arrival, responseDue) };
}
