// `kuayu calendar …` and the holiday calendar every command computes with: the built-in years plus
// the operator calendar file (--calendar FILE, else CALENDAR_FILE), as the services load it
// (@kuayu/calendar). Years past the official ones are provisional and say so. The pure parts are
// exported for tests.
import type { Command } from "commander";
import type * as CalendarLib from "@kuayu/calendar";
import {
  CALENDAR_FIRST_YEAR,
  CALENDAR_LAST_PROVISIONAL_YEAR,
  HolidayCalendar,
  arrangementOf,
  checkCalendarFile,
  dayNumber,
  useCalendar,
  weekdayOfDay,
  type CalendarDate,
  type CalendarYear,
  type Violation,
  type YearArrangement,
  type YearOrigin,
} from "@kuayu/domain";
import { print, usageError } from "./output.js";

// ---------------------------------------------------------------------------------------------
// The CLI's calendar.

/**
 * @kuayu/calendar, loaded only when a command reads a calendar file or reports the coverage: it
 * brings config (zod), yaml and OpenTelemetry, some 0.3 s of start-up every command would pay.
 */
let lib: typeof CalendarLib | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose, see above
const calendarLib = (): typeof CalendarLib => (lib ??= require("@kuayu/calendar") as typeof CalendarLib);

export const CALENDAR_OPTION_HELP = "operator holiday calendar file, JSON or YAML (default: $CALENDAR_FILE; neither: the built-in years)";

/** Adds `--calendar <file>` to a command. */
export const calendarOption = (cmd: Command): Command => cmd.option("--calendar <file>", CALENDAR_OPTION_HELP);

/** The operator file in use: --calendar, else CALENDAR_FILE, else none. */
export function calendarFileOf(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return option || env.CALENDAR_FILE || undefined;
}

/** A calendar as the CLI reads it: the built-in years, the file's calendar, or the file's problems. */
export type CliCalendar = { calendar: HolidayCalendar; file: string | undefined } | { file: string; problems: Violation[] };

/** Reads the operator file (none: the built-in years). */
export function readCliCalendar(file: string | undefined): CliCalendar {
  if (!file) return { calendar: HolidayCalendar.builtIn(), file: undefined };
  const read = calendarLib().readCalendarFile(file);
  return "problems" in read ? { file, problems: read.problems } : { calendar: read.calendar, file };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The usage error for a bad calendar file: every problem, one per line. */
export function calendarFileError(file: string, problems: Violation[], from: "--calendar" | "CALENDAR_FILE"): string {
  return [`the calendar file ${file} (${from}) has ${plural(problems.length, "problem")}:`, ...problems.map((p) => `  ${p.field}: ${p.description}`)].join("\n");
}

/**
 * Installs the calendar a command computes with (`useCalendar`): --calendar, else CALENDAR_FILE,
 * else the built-in years. A bad file is a usage error listing every problem (exit 2).
 */
export function useCliCalendar(option: string | undefined, env: NodeJS.ProcessEnv = process.env): { calendar: HolidayCalendar; file: string | undefined } {
  const read = readCliCalendar(calendarFileOf(option, env));
  if ("problems" in read) usageError(calendarFileError(read.file, read.problems, option ? "--calendar" : "CALENDAR_FILE"));
  useCalendar(read.calendar);
  return read;
}

/** The first year from `from` to `to` (calendar dates, either order) without an official arrangement. */
export function firstProvisionalYear(calendar: HolidayCalendar, from: CalendarDate, to: CalendarDate = from): number | undefined {
  const a = Number(from.slice(0, 4));
  const b = Number(to.slice(0, 4));
  for (let y = Math.min(a, b); y <= Math.max(a, b); y++) if (!calendar.isOfficial(y)) return y;
  return undefined;
}

/** The line that marks a provisional result. */
export const provisionalLine = (year: number) => `provisional — the official ${year} arrangement is not loaded`;

// ---------------------------------------------------------------------------------------------
// calendar show

/** Where a year comes from, in words. */
export function originLine(y: CalendarYear): string {
  if (y.origin === "library") return `official (${y.source})`;
  if (y.origin === "operator") return `official (operator file: ${y.source})`;
  return provisionalLine(y.year);
}

/** `calendar show --json`. */
export interface CalendarYearJson {
  year: number;
  origin: YearOrigin;
  provisional: boolean;
  source: string;
  /** The last officially covered day of the whole calendar. */
  officialUntil: CalendarDate;
  /** The operator file in use, or null (built-in years only). */
  calendarFile: string | null;
  /** The year in the calendar file's shape. */
  arrangement: YearArrangement;
}

export function calendarYearJson(calendar: HolidayCalendar, year: number, file?: string): CalendarYearJson {
  const y = calendar.year(year);
  return {
    year,
    origin: y.origin,
    provisional: y.origin === "provisional",
    source: y.source,
    officialUntil: calendar.officialUntil,
    calendarFile: file ?? null,
    arrangement: arrangementOf(y),
  };
}

/** `calendar show --file-format`: the year exactly as a calendar file holds it. */
export const calendarFileFormat = (calendar: HolidayCalendar, year: number): { years: Record<string, YearArrangement> } => ({
  years: { [String(year)]: arrangementOf(calendar.year(year)) },
});

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const withWeekday = (date: CalendarDate) => `${date} ${WEEKDAYS[weekdayOfDay(dayNumber(date)!)]}`;

/** `calendar show` without --json: origin, holiday ranges (weekends not listed), adjusted working days. */
export function formatCalendarYear(calendar: HolidayCalendar, year: number, file?: string): string {
  const y = calendar.year(year);
  const a = arrangementOf(y);
  const out = [`${year}  ${originLine(y)}`];
  if (y.origin === "operator" && file) out.push(`      from ${file}`);
  if (y.origin === "provisional") {
    out.push(
      "      built from 《全国年节及纪念日放假办法》(2024) alone: the statutory holidays and their 补假, no adjusted working days;",
      `      deadlines over ${year} are provisional until the State Council notice for ${year} is loaded (CALENDAR_FILE)`,
    );
  }
  out.push("", "non-working days: these holidays, plus weekends");
  for (const h of a.holidays) {
    const days = dayNumber(h.to)! - dayNumber(h.from)! + 1;
    const span = h.from === h.to ? withWeekday(h.from).padEnd(31) : `${withWeekday(h.from)} – ${withWeekday(h.to)}`;
    out.push(`  ${span}  ${plural(days, "day").padEnd(7)}  ${h.name}`);
  }
  if (a.holidays.length === 0) out.push("  none");
  out.push("", a.workdays.length > 0 ? "adjusted working days (调休上班)" : "adjusted working days (调休上班): none");
  for (const date of a.workdays) {
    const made = y.workdays.get(date);
    out.push(`  ${withWeekday(date)}${made ? `  ${made}` : ""}`);
  }
  out.push("", `official calendar until ${calendar.officialUntil}${file ? ` (with ${file})` : " (built-in years)"}`);
  return out.join("\n");
}

/** The problems `calendar check` would find in a year printed with --file-format. */
export function fileFormatProblems(calendar: HolidayCalendar, year: number): Violation[] {
  return checkCalendarFile(calendarFileFormat(calendar, year)).problems;
}

export function parseYear(text: string): number {
  const year = Number(text);
  if (!/^\d{4}$/.test(text) || year < CALENDAR_FIRST_YEAR || year > CALENDAR_LAST_PROVISIONAL_YEAR) {
    usageError(`the year must be ${CALENDAR_FIRST_YEAR}–${CALENDAR_LAST_PROVISIONAL_YEAR}, four digits (got "${text}")`);
  }
  return year;
}

// ---------------------------------------------------------------------------------------------
// calendar check

/** One year of a checked file. */
export interface CheckedYear {
  year: number;
  source: string;
  holidayRanges: number;
  adjustedWorkdays: number;
  /** none: a new year (provisional before); same / different: it replaces a built-in year with the same or different days. */
  builtIn: "none" | "same" | "different";
}

export type CalendarCheck =
  { ok: true; file: string; years: CheckedYear[]; officialUntil: CalendarDate; builtInOfficialUntil: CalendarDate; notes: string[] } | { ok: false; file: string; problems: Violation[] };

/** Checks an operator calendar file: every problem at once, or what it holds and the coverage it gives. */
export function checkCalendar(file: string): CalendarCheck {
  const read = calendarLib().readCalendarFile(file);
  if ("problems" in read) return { ok: false, file, problems: read.problems };
  const calendar = read.calendar;
  const builtIn = HolidayCalendar.builtIn();
  const changed = new Set(builtIn.changedYears(calendar));
  const years = calendar
    .officialYears()
    .filter((y) => calendar.year(y).origin === "operator")
    .map((year): CheckedYear => {
      const a = arrangementOf(calendar.year(year));
      return {
        year,
        source: a.source,
        holidayRanges: a.holidays.length,
        adjustedWorkdays: a.workdays.length,
        builtIn: !builtIn.isOfficial(year) ? "none" : changed.has(year) ? "different" : "same",
      };
    });
  const notes: string[] = [];
  const covered = Number(calendar.officialUntil.slice(0, 4));
  for (const y of years) {
    if (y.year > covered) notes.push(`${y.year} does not extend the official calendar: ${covered + 1} is missing, so days after ${calendar.officialUntil} stay provisional`);
  }
  return { ok: true, file, years, officialUntil: calendar.officialUntil, builtInOfficialUntil: builtIn.officialUntil, notes };
}

const BUILT_IN_WORDS = { none: "new (provisional before)", same: "replaces the built-in year, same days", different: "replaces the built-in year, DIFFERENT days" };

/** `calendar check` without --json. Problems: one per line, `field: description`. */
export function formatCalendarCheck(c: CalendarCheck): string {
  if (!c.ok) return c.problems.map((p) => `${p.field}: ${p.description}`).join("\n");
  const out = [`${c.file}: OK, ${plural(c.years.length, "year")}`];
  for (const y of c.years) {
    out.push(`  ${y.year}  ${y.source}`, `        ${plural(y.holidayRanges, "holiday range")}, ${plural(y.adjustedWorkdays, "adjusted working day")}; ${BUILT_IN_WORDS[y.builtIn]}`);
  }
  out.push(`official calendar until ${c.officialUntil} (built-in years alone: ${c.builtInOfficialUntil})`);
  out.push(...c.notes.map((n) => `note: ${n}`));
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// The calendar line of `infra status`.

export type CalendarStatus =
  | {
      ok: true;
      file: string | null;
      officialUntil: CalendarDate;
      /** Whole days until it ends (negative once past it, as daysOfficialLeft). */
      daysLeft: number;
      /** Once past it: whole days since it ended. */
      daysPast?: number;
      warning: boolean;
    }
  | { ok: false; file: string; problems: Violation[] };

/** How long the official calendar lasts, warned about from @kuayu/calendar's WARN_DAYS (60) days before its end. */
export function calendarStatus(read: CliCalendar, now: Date): CalendarStatus {
  if ("problems" in read) return { ok: false, file: read.file, problems: read.problems };
  const { WARN_DAYS, daysOfficialLeft, officialEnd } = calendarLib();
  const daysLeft = daysOfficialLeft(read.calendar, now);
  const daysPast = daysLeft < 0 ? Math.floor((now.getTime() - officialEnd(read.calendar).getTime()) / 86_400_000) : undefined;
  return { ok: true, file: read.file ?? null, officialUntil: read.calendar.officialUntil, daysLeft, ...(daysPast !== undefined ? { daysPast } : {}), warning: daysLeft <= WARN_DAYS };
}

export function formatCalendarStatus(s: CalendarStatus): string {
  const label = "calendar".padEnd(6);
  if (!s.ok) return `${label} INVALID     ${s.file}  ${plural(s.problems.length, "problem")}: kuayu calendar check ${s.file}`;
  const next = Number(s.officialUntil.slice(0, 4)) + 1;
  const left = s.daysLeft >= 0 ? `${plural(s.daysLeft, "day")} left` : `ended ${plural(s.daysPast ?? 0, "day")} ago`;
  const from = s.file ? s.file : "built-in years";
  let line = `${label} official until ${s.officialUntil} (${left})  ${from}`;
  if (s.warning) {
    line +=
      s.daysLeft >= 0
        ? `  WARNING: load the ${next} arrangement into the calendar file when the State Council publishes it`
        : `  WARNING: deadlines in ${next} are provisional until its arrangement is loaded`;
  }
  return line;
}

// ---------------------------------------------------------------------------------------------
// Commands.

export function calendarCommands(cmd: Command): void {
  calendarOption(
    cmd
      .command("show <year>")
      .description("a year's holidays and adjusted working days (调休上班), and where they come from: official (built-in or operator file) or provisional")
      .option("--json", "machine-readable: {year, origin (library | operator | provisional), provisional, source, officialUntil, calendarFile, arrangement}")
      .option("--file-format", 'print only {"years": {"<year>": …}}, the calendar file\'s own format, to copy into CALENDAR_FILE and edit'),
  )
    .addHelpText(
      "after",
      "\nThe calendar is the built-in years (chinese-days, 2004–2026) plus the operator file (--calendar, else CALENDAR_FILE), whose years replace built-in ones whole.\nA year with no official arrangement is provisional: the statutory holidays alone, no adjusted working days.",
    )
    .action((yearText: string, o: { json?: boolean; fileFormat?: boolean; calendar?: string }) => {
      const year = parseYear(yearText);
      const { calendar, file } = useCliCalendar(o.calendar);
      if (o.fileFormat) {
        process.stdout.write(`${JSON.stringify(calendarFileFormat(calendar, year), null, 2)}\n`);
        const problems = fileFormatProblems(calendar, year);
        if (calendar.year(year).origin === "provisional") {
          process.stderr.write(`kuayu: warning: ${year} is provisional: replace its days and source with the State Council notice's before loading it\n`);
        }
        if (problems.length > 0) {
          process.stderr.write(`kuayu: warning: as printed, ${year} would not pass \`kuayu calendar check\`:\n${problems.map((p) => `  ${p.field}: ${p.description}`).join("\n")}\n`);
        }
        return;
      }
      print(o.json, calendarYearJson(calendar, year, file), () => formatCalendarYear(calendar, year, file));
    });

  cmd
    .command("check <file>")
    .description("check an operator calendar file (JSON or YAML) as the services would load it: every problem at once (exit 2), or the years it holds and the coverage it gives")
    .option("--json", "machine-readable: {ok: true, file, years, officialUntil, builtInOfficialUntil, notes} or {ok: false, file, problems: [{field, description}]}")
    .action((file: string, o: { json?: boolean }) => {
      const c = checkCalendar(file);
      print(o.json, c, () => formatCalendarCheck(c));
      if (!c.ok) {
        if (!o.json) process.stderr.write(`kuayu: ${file}: ${plural(c.problems.length, "problem")}\n`);
        process.exitCode = 2;
      }
    });
}
