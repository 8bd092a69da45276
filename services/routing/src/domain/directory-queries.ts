import { courtWorkingHours, type Court, type Directory } from "@kuayu/directory";
import {
  DEFAULT_WORKING_HOURS,
  NotFoundError,
  ValidationError,
  isOpen,
  isWorkingDay,
  nextOpening,
  provisionalBetween,
  validateRoute as checkRoute,
  type CaseType,
  type CourtKind,
  type CourtLevel,
  type RouteCourt,
  type RouteProblem,
  type Violation,
  type WorkingHours,
} from "@kuayu/domain";

/** Directory look-ups for the DirectoryService; everything is answered from memory. */

export function getCourt(dir: Directory, id: string): Court {
  const court = dir.byId(id);
  if (!court) throw new NotFoundError(`no court with id "${id}"`);
  return court;
}

export const MAX_BATCH = 500;

export function batchGetCourts(dir: Directory, ids: readonly string[]): { courts: Court[]; notFound: string[] } {
  if (ids.length > MAX_BATCH) throw new ValidationError([{ field: "court_ids", description: `at most ${MAX_BATCH} ids` }]);
  const courts: Court[] = [];
  const notFound: string[] = [];
  for (const id of ids) {
    const c = dir.byId(id);
    if (c) courts.push(c);
    else notFound.push(id);
  }
  return { courts, notFound };
}

export interface CourtQuery {
  name: string;
  code: string;
  province: string;
  kind: CourtKind | undefined;
  level: CourtLevel | undefined;
  pageSize: number;
  pageToken: string;
}

const encodeToken = (offset: number) => Buffer.from(`o:${offset}`).toString("base64url");
function decodeToken(token: string): number | undefined {
  const m = /^o:(\d{1,9})$/.exec(Buffer.from(token, "base64url").toString());
  return m ? Number(m[1]) : undefined;
}

export function searchCourts(dir: Directory, q: CourtQuery): { courts: Court[]; nextPageToken: string; total: number } {
  const v: Violation[] = [];
  const pageSize = q.pageSize === 0 ? 50 : q.pageSize;
  if (pageSize < 1 || pageSize > 500) v.push({ field: "page_size", description: "between 1 and 500" });
  const offset = q.pageToken ? decodeToken(q.pageToken) : 0;
  if (offset === undefined) v.push({ field: "page_token", description: "not a token this service returned" });
  if (q.province && !/^\d{2}$/.test(q.province)) v.push({ field: "province", description: "a two-digit province code" });
  if (v.length > 0) throw new ValidationError(v);

  // Start from the narrowest index available, then filter.
  const base = q.province ? dir.byProvince(q.province) : q.kind ? dir.byKind(q.kind) : q.level ? dir.byLevel(q.level) : dir.courts;
  const matches = base.filter(
    (c) =>
      (!q.name || c.name.includes(q.name)) &&
      (!q.code || (c.code !== "" && c.code.startsWith(q.code))) &&
      (!q.province || c.province === q.province) &&
      (!q.kind || c.kind === q.kind) &&
      (!q.level || c.level === q.level),
  );
  const start = offset!;
  const page = matches.slice(start, start + pageSize);
  const next = start + pageSize < matches.length ? encodeToken(start + pageSize) : "";
  return { courts: page, nextPageToken: next, total: matches.length };
}

const asRouteCourt = (c: Court): RouteCourt => ({ id: c.id, kind: c.kind, level: c.level, roles: c.roles, acceptsCaseTypes: c.caseTypes });

/** The route rules for two known courts. */
export const checkRouteProblems = (from: Court, to: Court, caseType: CaseType): RouteProblem[] => checkRoute({ collaboratingCourt: asRouteCourt(from), jurisdictionCourt: asRouteCourt(to), caseType });

/** Every reason the route fails (unknown courts included); empty when the route is valid. */
export function validateRoute(dir: Directory, collaboratingId: string, jurisdictionId: string, caseType: CaseType | undefined): RouteProblem[] {
  const v: Violation[] = [];
  const from = dir.byId(collaboratingId);
  const to = dir.byId(jurisdictionId);
  if (!from) v.push({ field: "collaborating_court_id", description: `no court with id "${collaboratingId}"` });
  if (!to) v.push({ field: "jurisdiction_court_id", description: `no court with id "${jurisdictionId}"` });
  if (!caseType) v.push({ field: "case_type", description: "a case type is required" });
  if (v.length > 0) throw new ValidationError(v);
  return checkRouteProblems(from!, to!, caseType!);
}

export const workingHoursOf = (dir: Directory, court: Court): WorkingHours => courtWorkingHours(dir, court.id) ?? DEFAULT_WORKING_HOURS;

/** Whether the court works at `at`, and when it opens next; provisional past the official calendar. */
export function workingStatus(dir: Directory, id: string, at: Date): { open: boolean; workingDay: boolean; nextOpening: Date; provisional: boolean } {
  const court = getCourt(dir, id);
  const hours = workingHoursOf(dir, court);
  const open = isOpen(at, hours);
  const next = open ? at : nextOpening(at, hours);
  return { open, workingDay: isWorkingDay(at), nextOpening: next, provisional: provisionalBetween(at, next) };
}
