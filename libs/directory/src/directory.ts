import * as fs from "node:fs";
import * as path from "node:path";
import type { CourtKind, CourtLevel, WorkingHours } from "@kuayu/domain";
import { parseImport } from "./io.js";
import type { Court, Directory, DirectoryHeader, Problem } from "./types.js";
import { formatProblem } from "./validate.js";

/** The shipped data file; src/ and dist/ both sit next to data/. */
export const DEFAULT_DATA_FILE = path.join(__dirname, "..", "data", "courts.v1.json");

export const DEFAULT_HEADER: DirectoryHeader = {
  format: "kuayu-court-directory",
  version: 1,
  defaults: { timeZone: "Asia/Shanghai", hours: ["08:30-12:00", "14:00-17:30"] },
};

export class DirectoryError extends Error {
  override name = "DirectoryError";
  constructor(
    readonly file: string,
    readonly problems: readonly Problem[],
  ) {
    const shown = problems.slice(0, 5).map(formatProblem);
    super(`${file}: ${problems.length} problem(s): ${shown.join("; ")}${problems.length > shown.length ? "; …" : ""}`);
  }
}

export interface LoadOptions {
  /** Data file to read; defaults to the shipped data/courts.v1.json. */
  readonly file?: string;
}

/**
 * Reads and validates a directory file (JSON format) and builds its indexes. Throws DirectoryError
 * listing the problems if the file is not a valid directory, so a service fails at start-up rather
 * than routing filings with a broken directory.
 */
export function loadDirectory(options: LoadOptions = {}): Directory {
  const file = options.file ?? DEFAULT_DATA_FILE;
  const result = parseImport(fs.readFileSync(file, "utf8"), "json");
  if (!result.ok) throw new DirectoryError(file, result.problems);
  return buildDirectory(result.courts, result.header);
}

/** Builds the lookups over a list of courts that has passed validateDirectory. */
export function buildDirectory(courts: readonly Court[], header: DirectoryHeader = DEFAULT_HEADER): Directory {
  const byId = new Map<string, Court>();
  const byCode = new Map<string, Court>();
  const children = new Map<string, Court[]>();
  const byProvince = new Map<string, Court[]>();
  const byKind = new Map<string, Court[]>();
  const byLevel = new Map<string, Court[]>();
  const push = (map: Map<string, Court[]>, key: string, court: Court) => {
    const list = map.get(key);
    if (list) list.push(court);
    else map.set(key, [court]);
  };
  for (const court of courts) {
    byId.set(court.id, court);
    if (court.code !== "") byCode.set(court.code, court);
    if (court.parentId !== null) push(children, court.parentId, court);
    push(byProvince, court.province, court);
    push(byKind, court.kind, court);
    push(byLevel, court.level, court);
  }
  const none: readonly Court[] = Object.freeze([]);

  return {
    header,
    courts,
    byId: (id) => byId.get(id),
    byCode: (code) => byCode.get(code),
    children: (id) => children.get(id) ?? none,
    byProvince: (province) => byProvince.get(province) ?? none,
    byKind: (kind: CourtKind) => byKind.get(kind) ?? none,
    byLevel: (level: CourtLevel) => byLevel.get(level) ?? none,
    chain(id) {
      const out: Court[] = [];
      // The bound only guards against a cycle in data that skipped validation.
      for (let court = byId.get(id); court && out.length <= courts.length; court = court.parentId === null ? undefined : byId.get(court.parentId)) out.push(court);
      return out;
    },
    caseNumberCode(id) {
      const court = byId.get(id);
      if (!court) return undefined;
      if (court.kind !== "tribunal") return court.code;
      return court.parentId === null ? undefined : byId.get(court.parentId)?.code;
    },
    workingHours(id) {
      const court = byId.get(id);
      return court ? (court.hours ?? header.defaults.hours) : undefined;
    },
  };
}

/** A court's working hours in the domain's shape ("08:30-12:00" strings → periods); undefined for an unknown id. */
export function courtWorkingHours(dir: Directory, id: string): WorkingHours | undefined {
  const hours = dir.workingHours(id);
  if (!hours) return undefined;
  return {
    timeZone: "Asia/Shanghai",
    periods: hours.map((h) => {
      const [start = "", end = ""] = h.split("-");
      return { start, end };
    }),
  };
}
