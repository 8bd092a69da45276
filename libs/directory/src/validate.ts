import { CASE_TYPES, COURT_KINDS, COURT_LEVELS, COURT_ROLES, type CourtKind } from "@kuayu/domain";
import { NATIONAL, PROVINCES } from "./provinces.js";
import { COURT_SOURCES, type Problem, type ProblemCode } from "./types.js";

/** The fields of a court entry, in file order (the JSON and CSV formats share it). */
export const COURT_FIELDS = ["id", "name", "code", "kind", "level", "province", "division", "parentId", "roles", "caseTypes", "hours", "address", "addressSample", "contacts", "source"] as const;
const FIELDS = new Set<string>(COURT_FIELDS);
const CONTACT_FIELDS = new Set(["name", "phone", "role", "sample"]);
const KINDS = new Set<string>(COURT_KINDS);
const LEVELS = new Set<string>(COURT_LEVELS);
const ROLES = new Set<string>(COURT_ROLES);
const TYPES = new Set<string>(CASE_TYPES);
const SOURCES = new Set<string>(COURT_SOURCES);

/** Levels each kind may sit at: special courts are intermediate- or basic-level courts. */
const LEVELS_OF_KIND: Record<CourtKind, readonly string[]> = {
  supreme: ["supreme"],
  high: ["high"],
  intermediate: ["intermediate"],
  basic: ["basic"],
  maritime: ["intermediate"],
  "intellectual-property": ["intermediate"],
  internet: ["basic"],
  financial: ["intermediate"],
  railway: ["intermediate", "basic"],
  military: ["high", "intermediate", "basic"],
  tribunal: ["tribunal"],
};
const NATIONAL_KINDS = new Set<string>(["supreme", "military"]);
const HOURS = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/;

export interface ValidateOptions {
  /** Line where each entry starts in the imported text, so that problems can name it. */
  readonly lines?: readonly (number | undefined)[];
}

/**
 * Checks a list of court entries of unknown shape and returns every problem, not only the first, so
 * that an operator can fix an import in one pass. An empty result means the list is a valid directory.
 */
export function validateDirectory(entries: readonly unknown[], options: ValidateOptions = {}): Problem[] {
  const problems: Problem[] = [];
  const report = (index: number, code: ProblemCode, message: string, field?: string, id?: string) => {
    const line = options.lines?.[index];
    problems.push({ code, message, index, ...(line !== undefined ? { line } : {}), ...(id ? { id } : {}), ...(field ? { field } : {}) });
  };

  const firstById = new Map<string, number>();
  const firstByCode = new Map<string, number>();
  const parentOf = new Map<string, string | null>();
  const levelOf = new Map<string, unknown>();

  entries.forEach((raw, i) => {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return report(i, "shape", "entry is not an object");
    const e = raw as Record<string, unknown>;
    const id = typeof e.id === "string" && e.id !== "" ? e.id : undefined;
    const bad = (code: ProblemCode, message: string, field?: string) => report(i, code, message, field, id);

    for (const key in e) if (!FIELDS.has(key)) bad("unknown-field", `unknown field "${key}"`, key);
    const string = (field: string, nonEmpty: boolean): string | undefined => {
      const v = e[field];
      if (typeof v !== "string" || (nonEmpty && v === "")) {
        bad("shape", `${field} must be a ${nonEmpty ? "non-empty " : ""}string`, field);
        return undefined;
      }
      return v;
    };

    if (string("id", true) !== undefined && id) {
      if (/\s/.test(id)) bad("shape", "id must not contain white space", "id");
      const first = firstById.get(id);
      if (first !== undefined) bad("duplicate-id", `id already used by ${where(first, options)}`, "id");
      else firstById.set(id, i);
    }
    string("name", true);
    string("address", false);

    const kind = string("kind", true);
    const level = string("level", true);
    const kindKnown = kind !== undefined && KINDS.has(kind);
    if (kind !== undefined && !kindKnown) bad("unknown-kind", `unknown kind "${kind}" (expected one of ${COURT_KINDS.join(", ")})`, "kind");
    if (level !== undefined && !LEVELS.has(level)) bad("unknown-level", `unknown level "${level}" (expected one of ${COURT_LEVELS.join(", ")})`, "level");
    else if (kindKnown && level !== undefined && !LEVELS_OF_KIND[kind as CourtKind].includes(level)) bad("kind-level", `a ${kind} court cannot be at level ${level}`, "level");
    const isTribunal = kind === "tribunal";

    const code = string("code", false);
    if (code !== undefined) {
      if (isTribunal && code !== "") bad("tribunal-code", "tribunals have no court code of their own (their cases carry the parent court's code); leave code empty", "code");
      if (!isTribunal && kindKnown && code === "") bad("missing-code", "court code (法院代字) is required", "code");
      if (!isTribunal && code !== "") {
        const first = firstByCode.get(code);
        if (first !== undefined) bad("duplicate-code", `court code ${code} already used by ${where(first, options)}`, "code");
        else firstByCode.set(code, i);
      }
    }

    const province = string("province", true);
    let provinceOk = false;
    if (province !== undefined) {
      provinceOk = PROVINCES[province] !== undefined || (province === NATIONAL && (kind === undefined || NATIONAL_KINDS.has(kind)));
      if (!provinceOk) bad("bad-province", `province must be a two-digit province code with a high court${NATIONAL_KINDS.has(kind ?? "") ? ` or ${NATIONAL}` : ""}, got "${province}"`, "province");
    }
    const division = string("division", true);
    if (division !== undefined) {
      if (!/^\d{6}$/.test(division)) bad("bad-division", `division must be a six-digit GB/T 2260 code, got "${division}"`, "division");
      // A wrong province is reported once, not again through every division in it.
      else if (provinceOk && division.slice(0, 2) !== province) bad("bad-division", `division ${division} is not in province ${province}`, "division");
    }

    const parentId = e.parentId;
    if (parentId !== null && (typeof parentId !== "string" || parentId === "")) bad("shape", "parentId must be a court id or null", "parentId");
    else if (parentId === null && kind !== undefined && kind !== "supreme") bad("bad-parent", "only the Supreme People's Court has no parent", "parentId");
    else if (parentId !== null && kind === "supreme") bad("bad-parent", "the Supreme People's Court has no parent", "parentId");
    if (id && !parentOf.has(id)) {
      parentOf.set(id, typeof parentId === "string" ? parentId : null);
      levelOf.set(id, level);
    }

    const roles = list(e.roles, "roles", ROLES, "unknown-role", bad);
    if (roles) {
      if (roles.length === 0) bad("role-rule", "a court needs at least one role", "roles");
      if (isTribunal && roles.includes("jurisdiction")) bad("role-rule", "people's tribunals act only as collaborating courts", "roles");
      if ((kind === "supreme" || kind === "high" || level === "supreme" || level === "high") && roles.includes("collaborating")) {
        bad("role-rule", "the SPC and high-level courts (high courts, the PLA Military Court) act only as jurisdiction courts", "roles");
      }
    }
    const caseTypes = list(e.caseTypes, "caseTypes", TYPES, "unknown-case-type", bad);
    if (caseTypes && roles && !roles.includes("jurisdiction") && caseTypes.length > 0)
      bad("role-rule", "case types are accepted as jurisdiction court; this court has no jurisdiction role", "caseTypes");

    if (e.hours !== undefined) checkHours(e.hours, bad);
    if (typeof e.addressSample !== "boolean") bad("shape", "addressSample must be true or false", "addressSample");
    checkContacts(e.contacts, bad);
    if (!SOURCES.has(e.source as string)) bad("bad-source", `source must be one of ${COURT_SOURCES.join(", ")}`, "source");
  });

  // Parents are checked once every id is known, because a parent may come after its child.
  const cyclic = findCycles(parentOf);
  entries.forEach((raw, i) => {
    if (typeof raw !== "object" || raw === null) return;
    const e = raw as Record<string, unknown>;
    const id = typeof e.id === "string" ? e.id : undefined;
    if (typeof e.parentId !== "string" || e.parentId === "") return;
    if (!parentOf.has(e.parentId)) return report(i, "unknown-parent", `parent ${e.parentId} is not in the directory`, "parentId", id);
    if (e.kind === "tribunal" && levelOf.get(e.parentId) !== "basic") report(i, "bad-parent", `a tribunal belongs to a basic-level court; ${e.parentId} is not one`, "parentId", id);
    if (id && firstById.get(id) === i && cyclic.has(id)) report(i, "parent-cycle", "the chain of parents loops back to this court", "parentId", id);
  });
  return problems;
}

/** A problem with its place, for people: "line 12 (c-440703): parent c-x is not in the directory". */
export function formatProblem(p: Problem): string {
  const place = p.line !== undefined ? `line ${p.line}` : p.index !== undefined ? `entry ${p.index}` : "input";
  return `${place}${p.id ? ` (${p.id})` : ""}: ${p.message}`;
}

function where(index: number, options: ValidateOptions): string {
  const line = options.lines?.[index];
  return line !== undefined ? `line ${line}` : `entry ${index}`;
}

function list(value: unknown, field: string, known: ReadonlySet<string>, code: ProblemCode, bad: (code: ProblemCode, message: string, field?: string) => void): string[] | undefined {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    bad("shape", `${field} must be a list of strings`, field);
    return undefined;
  }
  const items = value as string[];
  for (const v of items) if (!known.has(v)) bad(code, `unknown ${field === "roles" ? "role" : "case type"} "${v}" (expected one of ${[...known].join(", ")})`, field);
  if (items.length > 1 && new Set(items).size !== items.length) bad("shape", `${field} lists an entry twice`, field);
  return items;
}

function checkHours(value: unknown, bad: (code: ProblemCode, message: string, field?: string) => void): void {
  if (!Array.isArray(value) || value.length === 0) return bad("bad-hours", 'hours must be a non-empty list like ["08:30-12:00", "14:00-17:30"] (leave it out for the default)', "hours");
  let previousEnd = -1;
  for (const period of value) {
    const m = typeof period === "string" ? HOURS.exec(period) : null;
    if (!m) return bad("bad-hours", `"${String(period)}" is not a period HH:MM-HH:MM`, "hours");
    const start = Number(m[1]) * 60 + Number(m[2]);
    const end = Number(m[3]) * 60 + Number(m[4]);
    if (start >= end || start < previousEnd) return bad("bad-hours", `periods must be in order, not overlap, and end after they start ("${period}")`, "hours");
    previousEnd = end;
  }
}

function checkContacts(value: unknown, bad: (code: ProblemCode, message: string, field?: string) => void): void {
  if (!Array.isArray(value)) return bad("bad-contact", "contacts must be a list", "contacts");
  value.forEach((c, n) => {
    if (typeof c !== "object" || c === null) return bad("bad-contact", `contact ${n + 1} is not an object`, "contacts");
    const o = c as Record<string, unknown>;
    const extra = Object.keys(o).filter((k) => !CONTACT_FIELDS.has(k));
    if (extra.length > 0) bad("bad-contact", `contact ${n + 1} has unknown fields ${extra.join(", ")}`, "contacts");
    for (const f of ["name", "phone", "role"]) {
      const v = o[f];
      // ";" and "|" separate contacts and their parts in the CSV format.
      if (typeof v !== "string" || v === "" || /[;|]/.test(v)) bad("bad-contact", `contact ${n + 1}: ${f} must be non-empty text without ";" or "|"`, "contacts");
    }
    if (typeof o.sample !== "boolean") bad("bad-contact", `contact ${n + 1}: sample must be true or false`, "contacts");
  });
}

/** Ids that lie on a loop of parents; each court is visited once. */
function findCycles(parentOf: ReadonlyMap<string, string | null>): Set<string> {
  const done = new Set<string>();
  const cyclic = new Set<string>();
  for (const start of parentOf.keys()) {
    if (done.has(start)) continue;
    const path: string[] = [];
    const onPath = new Set<string>();
    let at: string | null | undefined = start;
    while (typeof at === "string" && parentOf.has(at) && !done.has(at)) {
      if (onPath.has(at)) {
        for (const id of path.slice(path.indexOf(at))) cyclic.add(id);
        break;
      }
      path.push(at);
      onPath.add(at);
      at = parentOf.get(at);
    }
    for (const id of path) done.add(id);
  }
  return cyclic;
}
