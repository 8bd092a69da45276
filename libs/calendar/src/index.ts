import { createHash } from "node:crypto";
import { readFileSync, unwatchFile, watchFile } from "node:fs";
import { ConfigError } from "@kuayu/config";
import { HolidayCalendar, checkCalendarFile, currentCalendar, useCalendar, type Violation } from "@kuayu/domain";
import type { Logger } from "@kuayu/logger";
import { meter } from "@kuayu/telemetry";
import { parse as parseYaml } from "yaml";

// The process's holiday calendar as an operator runs it: the built-in years plus the operator file
// (CALENDAR_FILE, JSON or YAML), reloaded when the file changes (a ConfigMap update), exported as
// kuayu_calendar_official_until and warned about daily from 60 days before the official years end.

/** Days before the end of the official calendar from which every service warns daily. */
export const WARN_DAYS = 60;
const DAY_MS = 86_400_000;

/** Reads and checks an operator calendar file: the calendar it gives, or every problem in it. */
export function readCalendarFile(path: string, base: HolidayCalendar = HolidayCalendar.builtIn()): { calendar: HolidayCalendar; text: string } | { problems: Violation[]; text?: string } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    return { problems: [{ field: "(file)", description: `cannot read ${path}: ${(err as Error).message}` }] };
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    return { text, problems: [{ field: "(file)", description: `not valid ${/\.ya?ml$/i.test(path) ? "YAML" : "JSON"}: ${(err as Error).message}` }] };
  }
  const checked = checkCalendarFile(raw);
  return checked.file ? { text, calendar: base.withOperatorYears(checked.file) } : { text, problems: checked.problems };
}

/** Reads a calendar file or throws a ConfigError listing every problem (a service then exits 2). */
export function loadCalendarFile(path: string): HolidayCalendar {
  const read = readCalendarFile(path);
  if ("problems" in read) throw new ConfigError(read.problems.map((p) => `CALENDAR_FILE ${path}: ${p.field}: ${p.description}`));
  return read.calendar;
}

/** The end of the official calendar as an instant: 24:00 China time of its last day. */
export const officialEnd = (c: HolidayCalendar) => new Date(Date.parse(`${c.officialUntil}T00:00:00+08:00`) + DAY_MS);

/** Whole days from `now` until the official calendar ends (negative once past it). */
export const daysOfficialLeft = (c: HolidayCalendar, now: Date) => Math.trunc((officialEnd(c).getTime() - now.getTime()) / DAY_MS);

let gaugeRegistered = false;
function registerGauge(): void {
  if (gaugeRegistered) return;
  gaugeRegistered = true;
  meter()
    .createObservableGauge("kuayu_calendar_official_until", {
      description: "Unix time (seconds) at which the official holiday calendar ends: 24:00 China time of its last covered day",
    })
    .addCallback((r) => r.observe(officialEnd(currentCalendar()).getTime() / 1000));
}

export interface CalendarWatch {
  stop(): void;
}

export interface CalendarOptions {
  /** The operator file; none: the built-in years only. */
  file: string | undefined;
  /** How often the file is checked for changes. */
  pollMs?: number;
  log: Logger;
  now?: () => Date;
  /**
   * Called after a reload changed the calendar, with the years whose days or official standing
   * changed (e.g. [2027] when the 2027 arrangement is loaded): recompute what was computed from them.
   */
  onChange?: (changedYears: number[]) => Promise<void>;
}

/**
 * Installs the process's calendar (throws ConfigError listing every problem when the file is bad),
 * then watches the file: a good new version replaces the calendar whole; a bad one is refused,
 * its problems logged, the calendar kept. Warns in the log at start and daily when the official
 * calendar ends within WARN_DAYS days.
 */
export function startCalendar(o: CalendarOptions): CalendarWatch {
  const now = o.now ?? (() => new Date());
  let hash = "";
  // What this watch installed last: a reload compares against it (not the process's current
  // calendar, which another watch in the same process — tests run several services — may have set).
  let installed: HolidayCalendar;
  if (o.file) {
    const read = readCalendarFile(o.file);
    if ("problems" in read) throw new ConfigError(read.problems.map((p) => `CALENDAR_FILE ${o.file}: ${p.field}: ${p.description}`));
    hash = sha256(read.text);
    installed = read.calendar;
  } else {
    installed = HolidayCalendar.builtIn();
  }
  useCalendar(installed);
  registerGauge();
  const c = installed;
  o.log.info({ officialUntil: c.officialUntil, file: o.file ?? null, years: c.officialYears().filter((y) => y >= 2020) }, "holiday calendar loaded");

  const warn = () => {
    const cal = currentCalendar();
    const left = daysOfficialLeft(cal, now());
    if (left > WARN_DAYS) return;
    const next = Number(cal.officialUntil.slice(0, 4)) + 1;
    o.log.warn(
      { officialUntil: cal.officialUntil, daysLeft: left },
      left >= 0
        ? `the official holiday calendar ends on ${cal.officialUntil} (${left} days): load the ${next} arrangement (docs/operations.md, "The holiday calendar")`
        : `the official holiday calendar ended on ${cal.officialUntil}: deadlines in ${next} are provisional until its arrangement is loaded (docs/operations.md)`,
    );
  };
  warn();
  const daily = setInterval(warn, DAY_MS);
  daily.unref();

  let reloading = Promise.resolve();
  const reload = async () => {
    const read = readCalendarFile(o.file!);
    if (read.text !== undefined && sha256(read.text) === hash) return;
    if ("problems" in read) {
      o.log.error({ file: o.file, problems: read.problems }, "calendar file refused; keeping the calendar in use");
      return;
    }
    hash = sha256(read.text);
    const changed = installed.changedYears(read.calendar);
    installed = read.calendar;
    useCalendar(installed);
    o.log.info({ file: o.file, officialUntil: read.calendar.officialUntil, changedYears: changed }, "holiday calendar reloaded");
    warn();
    if (changed.length > 0 && o.onChange) {
      await o.onChange(changed).catch((err: unknown) => o.log.error({ err, changedYears: changed }, "recomputing after the calendar change failed"));
    }
  };
  const listener = () => {
    reloading = reloading.then(reload, reload);
  };
  if (o.file) watchFile(o.file, { interval: o.pollMs ?? 10_000, persistent: false }, listener);
  return {
    stop() {
      clearInterval(daily);
      if (o.file) unwatchFile(o.file, listener);
    },
  };
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
