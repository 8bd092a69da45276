import type { Command } from "commander";
import { courtWorkingHours, loadDirectory, resolveJurisdiction } from "@kuayu/directory";
import {
  CASE_TYPES,
  CalendarRangeError,
  DEFAULT_WORKING_HOURS,
  ValidationError,
  calendarDateInChina,
  caseTypeInfo,
  filingDeadlines,
  formatCaseNumber,
  isCaseType,
  parseCaseNumber,
  statutoryDeadline,
  type CaseNumber,
  type FilingDeadlines,
  type StatutoryDeadline,
  type WorkingHours,
} from "@kuayu/domain";
import { calendarOption, firstProvisionalYear, provisionalLine, useCliCalendar } from "./calendar.js";
import { print, usageError } from "./output.js";

const explain = (err: unknown): never => {
  if (err instanceof ValidationError) usageError(err.violations.map((v) => `${v.field}: ${v.description}`).join("; "));
  throw err;
};

export function caseNumberCommands(cmd: Command): void {
  cmd
    .command("parse <text>")
    .description("split a case number (案号) into its parts; half-width parentheses are accepted")
    .option("--json", "machine-readable output")
    .action((text: string, o: { json?: boolean }) => {
      let n: CaseNumber;
      try {
        n = parseCaseNumber(text);
      } catch (err) {
        return explain(err);
      }
      print(o.json, { ...n, formatted: formatCaseNumber(n) }, () =>
        [`year ${n.year}`, `court ${n.courtCode}`, n.specialCode ? `special ${n.specialCode}` : "", `type ${n.typeCode}`, `number ${n.sequence}`, n.suffix ? `suffix 之${n.suffix}` : ""]
          .filter(Boolean)
          .join("\n"),
      );
    });
  cmd
    .command("format")
    .description("write a case number from its parts")
    .requiredOption("--year <year>")
    .requiredOption("--court <code>", "court code (法院代字), e.g. 粤0703")
    .requiredOption("--type <code>", "type code, e.g. 民初")
    .requiredOption("--seq <n>", "sequence number")
    .option("--special <code>", "special-trial code, e.g. 知")
    .option("--suffix <n>", "n of 之n for a later ruling")
    .option("--json", "machine-readable output")
    .action((o: { year: string; court: string; type: string; seq: string; special?: string; suffix?: string; json?: boolean }) => {
      const n = {
        year: Number(o.year),
        courtCode: o.court,
        typeCode: o.type,
        sequence: Number(o.seq),
        ...(o.special ? { specialCode: o.special } : {}),
        ...(o.suffix ? { suffix: Number(o.suffix) } : {}),
      } as CaseNumber;
      let text: string;
      try {
        text = formatCaseNumber(n);
      } catch (err) {
        return explain(err);
      }
      print(o.json, { caseNumber: text }, () => text);
    });
}

export function deadlineCommand(cmd: Command): void {
  calendarOption(
    cmd
      .description("the 30-working-minute response deadline and the statutory decision deadline of a filing")
      .requiredOption("--case-type <type>", CASE_TYPES.join(" | "))
      .requiredOption("--received <iso-time>", "when the jurisdiction court received it, e.g. 2026-09-30T10:00:00+08:00")
      .option("--court <id>", "jurisdiction court (its working hours); default hours otherwise")
      .option("--json", "machine-readable output; provisional: true when counted over a year without the official holiday arrangement"),
  )
    .addHelpText("after", "\nPast the official holiday calendar (kuayu calendar show <year>) deadlines are provisional: statutory holidays only, no adjusted working days.")
    .action((o: { caseType: string; received: string; court?: string; calendar?: string; json?: boolean }) => {
      if (!isCaseType(o.caseType)) usageError(`unknown case type "${o.caseType}"; one of ${CASE_TYPES.join(", ")}`);
      const received = new Date(o.received);
      if (Number.isNaN(received.getTime())) usageError(`--received is not a time: "${o.received}"`);
      const { calendar } = useCliCalendar(o.calendar);
      let hours: WorkingHours = DEFAULT_WORKING_HOURS;
      if (o.court) {
        const dir = loadDirectory();
        if (!dir.byId(o.court)) usageError(`no court with id "${o.court}"`);
        hours = courtWorkingHours(dir, o.court) ?? hours;
      }
      let due: FilingDeadlines;
      let decision: StatutoryDeadline;
      try {
        due = filingDeadlines(received, o.caseType, hours);
        decision = statutoryDeadline(received, o.caseType);
      } catch (err) {
        if (err instanceof CalendarRangeError) usageError(`--received ${o.received}: ${err.message}`);
        throw err;
      }
      const info = caseTypeInfo(o.caseType);
      // The first year without the official arrangement that the counting touched.
      const respondDay = calendarDateInChina(due.responseDue);
      const provisionalYear = due.provisional
        ? (firstProvisionalYear(calendar, calendarDateInChina(received), decision.date > respondDay ? decision.date : respondDay) ?? Number(calendar.officialUntil.slice(0, 4)) + 1)
        : undefined;
      const out = {
        caseType: o.caseType,
        received: received.toISOString(),
        respondBy: due.responseDue.toISOString(),
        decideBy: decision.date,
        decideByEndsAt: due.decisionDue.toISOString(),
        periodDays: info.decisionPeriod.days,
        provisional: due.provisional,
        ...(provisionalYear !== undefined ? { provisionalYear } : {}),
      };
      const china = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace("T", " ");
      print(o.json, out, () =>
        [
          `respond by  ${china(due.responseDue)} (China time, 30 working minutes)`,
          `decide by   ${decision.date} (${info.decisionPeriod.days} days, Civil Procedure Law art. 85)`,
          ...(provisionalYear !== undefined ? [provisionalLine(provisionalYear)] : []),
        ].join("\n"),
      );
    });
}

export function jurisdictionCommand(cmd: Command): void {
  const collect = (v: string, prev: string[] = []) => [...prev, v];
  cmd
    .command("resolve")
    .description("the competent courts (管辖法院) for a case, ranked, with their legal basis; places are GB/T 2260 division codes")
    .requiredOption("--case-type <type>", CASE_TYPES.join(" | "))
    .option("--defendant <division>", "defendant's domicile (repeatable)", collect, [])
    .option("--plaintiff <division>", "plaintiff's domicile")
    .option("--contract-place <division>", "place of contract performance")
    .option("--tort-place <division>", "place of the tort (or of the crime)")
    .option("--maritime", "maritime dispute")
    .option("--port <division>", "port of the maritime dispute")
    .option("--ip [kind]", "intellectual property (technical | other)")
    .option("--ecommerce", "online shopping on an e-commerce platform")
    .option("--financial", "financial loan, securities and similar disputes")
    .option("--organ <division>", "where the administrative organ sits")
    .option("--original-court <id>", "enforcement: first-instance court; retrial: the court whose judgment took effect")
    .option("--property-place <division>", "where the property to enforce against lies")
    .option("--liable-organ <division>", "state compensation: where the liable organ sits")
    .option("--json", "machine-readable output")
    .action((o: Record<string, string | string[] | boolean | undefined> & { caseType: string; defendant: string[]; json?: boolean }) => {
      if (!isCaseType(o.caseType)) usageError(`unknown case type "${o.caseType}"; one of ${CASE_TYPES.join(", ")}`);
      const str = (k: string) => (typeof o[k] === "string" ? (o[k] as string) : undefined);
      if (o.ip !== undefined && o.ip !== true && o.ip !== "technical" && o.ip !== "other") usageError(`--ip is technical or other, got "${String(o.ip)}"`);
      let found;
      try {
        found = resolveJurisdiction(loadDirectory(), {
          caseType: o.caseType,
          defendantDomiciles: o.defendant,
          plaintiffDomicile: str("plaintiff"),
          contractPerformancePlace: str("contractPlace"),
          tortPlace: str("tortPlace"),
          maritime: o.maritime === true,
          portDivision: str("port"),
          intellectualProperty: o.ip !== undefined,
          ipKind: o.ip === "other" ? "other" : "technical",
          ecommercePlatform: o.ecommerce === true,
          financial: o.financial === true,
          administrativeOrgan: str("organ"),
          originalCourtId: str("originalCourt"),
          propertyPlace: str("propertyPlace"),
          liableOrganDivision: str("liableOrgan"),
        });
      } catch (err) {
        return explain(err);
      }
      const rows = found.map((c) => ({ courtId: c.court.id, name: c.court.name, code: c.court.code, rule: c.rule, exclusive: c.exclusive, basis: c.basis, assumption: c.assumption }));
      print(
        o.json,
        rows,
        () =>
          rows.map((r, i) => `${i + 1}. ${r.name} (${r.code || r.courtId})${r.exclusive ? " [exclusive]" : ""}\n   ${r.basis}${r.assumption ? `\n   assumed: ${r.assumption}` : ""}`).join("\n") ||
          "no competent court found",
      );
    });
}
