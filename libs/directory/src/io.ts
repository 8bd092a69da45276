import { CsvSyntaxError, formatCsv, parseCsv } from "./csv.js";
import { directoryStats } from "./stats.js";
import type { Contact, Court, Directory, DirectoryHeader, ImportFormat, ImportResult, Problem } from "./types.js";
import { COURT_FIELDS, validateDirectory } from "./validate.js";

/** CSV columns: one court per row, list fields joined with ";". */
export const CSV_COLUMNS = COURT_FIELDS;

/**
 * Parses an operator's directory in either format and validates it. JSON is the data-file format
 * ({"header": …, "courts": [ … ]}) or a bare array of courts; CSV has a header row of CSV_COLUMNS.
 * Problems carry the line where the entry starts.
 */
export function parseImport(text: string, format: ImportFormat): ImportResult {
  return format === "json" ? parseJson(text) : parseCsvImport(text);
}

/** Writes a directory in either import format; parseImport reads it back to the same courts. */
export function exportDirectory(dir: Directory, format: ImportFormat): string {
  if (format === "json") return serializeJson({ ...dir.header, counts: directoryStats(dir) }, dir.courts);
  const rows = [[...CSV_COLUMNS], ...dir.courts.map(toCsvRow)];
  return formatCsv(rows);
}

function parseJson(text: string): ImportResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return fail({ code: "syntax", message: `not valid JSON: ${(err as Error).message}`, ...jsonErrorLine(text, err as Error) });
  }
  let header: DirectoryHeader | undefined;
  let entries: unknown;
  if (Array.isArray(data)) entries = data;
  else if (typeof data === "object" && data !== null && Array.isArray((data as { courts?: unknown }).courts)) {
    const extra = Object.keys(data).filter((k) => k !== "header" && k !== "courts");
    if (extra.length > 0) return fail({ code: "unknown-field", message: `unknown top-level field(s) ${extra.join(", ")}; expected header and courts`, line: 1, field: extra[0]! });
    const h = (data as { header?: unknown }).header;
    if (h !== undefined) {
      const problem = checkHeader(h);
      if (problem) return fail(problem);
      header = h as DirectoryHeader;
    }
    entries = (data as { courts: unknown[] }).courts;
  } else return fail({ code: "shape", message: 'expected a list of courts or an object with a "courts" list', line: 1 });

  const list = entries as unknown[];
  // Locating entries costs a pass over the text, so it is only done when there is something to report.
  let problems = validateDirectory(list);
  if (problems.length > 0) problems = validateDirectory(list, { lines: jsonEntryLines(text) });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, courts: list as Court[], ...(header ? { header } : {}) };
}

function checkHeader(h: unknown): Problem | undefined {
  const o = h as Partial<DirectoryHeader> | null;
  if (typeof o !== "object" || o === null || o.format !== "kuayu-court-directory") return { code: "shape", message: 'header.format must be "kuayu-court-directory"', line: 1, field: "header" };
  if (o.version !== 1) return { code: "shape", message: `header.version ${String(o.version)} is not supported (this library reads version 1)`, line: 1, field: "header" };
  if (typeof o.defaults?.timeZone !== "string" || !Array.isArray(o.defaults.hours)) return { code: "shape", message: "header.defaults needs timeZone and hours", line: 1, field: "header" };
  return undefined;
}

/**
 * Line where each element of the courts list starts (a bare top-level array, or the "courts" member,
 * the only list directly inside the top-level object). Strings are skipped so brackets in names do not count.
 */
function jsonEntryLines(text: string): number[] {
  const lines: number[] = [];
  const stack: string[] = [];
  const inCourtsList = () => stack[stack.length - 1] === "[" && (stack.length === 1 || (stack.length === 2 && stack[0] === "{"));
  let line = 1;
  let inString = false;
  let awaitingElement = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\n") line++;
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === " " || ch === "\t" || ch === "\r" || ch === "\n") continue;
    if (awaitingElement && ch !== "]") lines.push(line);
    awaitingElement = false;
    if (ch === '"') inString = true;
    else if (ch === "{" || ch === "[") {
      stack.push(ch);
      awaitingElement = ch === "[" && inCourtsList();
    } else if (ch === "}" || ch === "]") stack.pop();
    else if (ch === "," && inCourtsList()) awaitingElement = true;
  }
  return lines;
}

function jsonErrorLine(text: string, err: Error): { line?: number } {
  const m = /\(line (\d+) column \d+\)/.exec(err.message) ?? /at position (\d+)/.exec(err.message);
  if (m?.[0].startsWith("(line")) return { line: Number(m[1]) };
  if (m) return { line: text.slice(0, Number(m[1])).split("\n").length };
  // Some engine messages carry no position; in the one-court-per-line format the bad line is findable.
  const rows = text.split("\n");
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!.trim().replace(/,$/, "");
    if (!row.startsWith("{") || !row.endsWith("}")) continue;
    try {
      JSON.parse(row);
    } catch {
      return { line: i + 1 };
    }
  }
  return {};
}

function parseCsvImport(text: string): ImportResult {
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) return fail({ code: "syntax", message: err.reason, line: err.line });
    throw err;
  }
  const [head, ...rows] = records;
  if (!head) return fail({ code: "shape", message: "empty file: expected a header row", line: 1 });
  const problems: Problem[] = [];
  const column = new Map<string, number>();
  head.fields.forEach((name, n) => {
    if (!(CSV_COLUMNS as readonly string[]).includes(name)) problems.push({ code: "unknown-field", message: `unknown column "${name}"`, line: head.line, field: name });
    else if (column.has(name)) problems.push({ code: "shape", message: `column "${name}" appears twice`, line: head.line, field: name });
    else column.set(name, n);
  });
  for (const name of CSV_COLUMNS) {
    // hours may be left out: every court then keeps the default.
    if (!column.has(name) && name !== "hours") problems.push({ code: "shape", message: `missing column "${name}"`, line: head.line, field: name });
  }
  if (problems.length > 0) return { ok: false, problems };

  const entries: Record<string, unknown>[] = [];
  const lines: number[] = [];
  for (const row of rows) {
    if (row.fields.length !== head.fields.length) {
      problems.push({ code: "shape", message: `${row.fields.length} fields, the header has ${head.fields.length}`, line: row.line });
      continue;
    }
    const cell = (name: string) => {
      const n = column.get(name);
      return n === undefined ? "" : row.fields[n]!;
    };
    entries.push(fromCsvCells(cell));
    lines.push(row.line);
  }
  problems.push(...validateDirectory(entries, { lines }));
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, courts: entries as unknown as Court[] };
}

const splitList = (cell: string) => (cell === "" ? [] : cell.split(";"));

/** Turns one CSV row into an entry; cells that do not convert stay as text for validateDirectory to report. */
function fromCsvCells(cell: (name: string) => string): Record<string, unknown> {
  const bool = (text: string): unknown => (text === "true" ? true : text === "false" ? false : text);
  const contacts = splitList(cell("contacts")).map((text) => {
    const parts = text.split("|");
    // A contact that does not split into name|role|phone[|sample] is kept whole for validation to report.
    if (parts.length < 3 || parts.length > 4) return { name: text, phone: "", role: "", sample: false };
    const [name, role, phone, flag = ""] = parts;
    return { name, phone, role, sample: flag === "sample" ? true : flag === "" ? false : flag };
  });
  const hours = cell("hours");
  return {
    id: cell("id"),
    name: cell("name"),
    code: cell("code"),
    kind: cell("kind"),
    level: cell("level"),
    province: cell("province"),
    division: cell("division"),
    parentId: cell("parentId") === "" ? null : cell("parentId"),
    roles: splitList(cell("roles")),
    caseTypes: splitList(cell("caseTypes")),
    ...(hours === "" ? {} : { hours: splitList(hours) }),
    address: cell("address"),
    addressSample: bool(cell("addressSample")),
    contacts,
    source: cell("source"),
  };
}

function toCsvRow(c: Court): string[] {
  const contacts = c.contacts.map((k) => [k.name, k.role, k.phone, ...(k.sample ? ["sample"] : [])].join("|")).join(";");
  const values: Record<(typeof CSV_COLUMNS)[number], string> = {
    id: c.id,
    name: c.name,
    code: c.code,
    kind: c.kind,
    level: c.level,
    province: c.province,
    division: c.division,
    parentId: c.parentId ?? "",
    roles: c.roles.join(";"),
    caseTypes: c.caseTypes.join(";"),
    hours: c.hours?.join(";") ?? "",
    address: c.address,
    addressSample: String(c.addressSample),
    contacts,
    source: c.source,
  };
  return CSV_COLUMNS.map((name) => values[name]);
}

/**
 * The data-file layout: pretty header, then one court per line so diffs show changed courts.
 * scripts/generate.js writes the same layout; a test checks that load → export reproduces the file.
 */
export function serializeJson(header: object, courts: readonly Court[]): string {
  const lines = courts.map((c) => {
    const ordered: Record<string, unknown> = {};
    for (const f of COURT_FIELDS) if (c[f] !== undefined) ordered[f] = f === "contacts" ? c.contacts.map(orderContact) : c[f];
    return JSON.stringify(ordered);
  });
  return `{"header":${JSON.stringify(header, null, 2)},\n"courts":[\n${lines.join(",\n")}\n]}\n`;
}

function orderContact(k: Contact): Contact {
  return { name: k.name, phone: k.phone, role: k.role, sample: k.sample };
}

function fail(problem: Problem): ImportResult {
  return { ok: false, problems: [problem] };
}
