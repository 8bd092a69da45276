import { ForbiddenError, NotFoundError, ValidationError, isCaseType, type CaseType, type Violation } from "@kuayu/domain";
import type { AuthContext } from "@kuayu/auth";

export type FilingStatus = "submitted";

/** One step of the filing's life as the window sees it, built from lifecycle events. */
export interface TimelineEntry {
  eventId: string;
  eventType: string;
  at: Date;
}

/** A filing as the collaborating court (协作法院) sees it. */
export interface Filing {
  id: string;
  collaboratingCourtId: string;
  jurisdictionCourtId: string;
  caseType: CaseType;
  summary: string;
  status: FilingStatus;
  submittedAt: Date;
  drill: boolean;
  timeline: TimelineEntry[];
}

export interface SubmitFilingCommand {
  idempotencyKey: string;
  caseType: CaseType | undefined;
  jurisdictionCourtId: string;
  summary: string;
  drill: boolean;
}

/** Storage the use cases need; the mongo adapter implements it. */
export interface FilingRepository {
  /**
   * Stores a new submitted filing together with its `filing submitted` event (one write).
   * When (collaborating court, idempotency key) was used before, stores nothing and returns the
   * filing from the first call.
   */
  insertSubmitted(filing: Filing, idempotencyKey: string): Promise<{ filing: Filing; created: boolean }>;
  get(id: string): Promise<Filing | undefined>;
  /** Adds a timeline entry once; a repeated event id, or a filing this intake does not hold, changes nothing. */
  addTimelineEntry(filingId: string, entry: TimelineEntry): Promise<void>;
}

export function validateSubmission(cmd: SubmitFilingCommand): Violation[] {
  const v: Violation[] = [];
  if (!/^[\x21-\x7e]{8,128}$/.test(cmd.idempotencyKey)) {
    v.push({ field: "idempotency_key", description: "8–128 printable ASCII characters" });
  }
  if (!cmd.caseType || !isCaseType(cmd.caseType)) v.push({ field: "case_type", description: "a case type is required" });
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(cmd.jurisdictionCourtId)) {
    v.push({ field: "jurisdiction_court_id", description: "a court id from the directory is required" });
  }
  if (cmd.summary.trim().length === 0) v.push({ field: "summary", description: "must not be empty" });
  else if ([...cmd.summary].length > 2000) v.push({ field: "summary", description: "at most 2000 characters" });
  return v;
}

export interface Deps {
  repo: FilingRepository;
  newId: () => string;
  now: () => Date;
}

export async function submitFiling(deps: Deps, caller: AuthContext, cmd: SubmitFilingCommand): Promise<Filing> {
  const violations = validateSubmission(cmd);
  if (violations.length > 0) throw new ValidationError(violations);
  if (cmd.jurisdictionCourtId === caller.courtId) {
    throw new ValidationError([{ field: "jurisdiction_court_id", description: "must be another court than the caller's own" }]);
  }
  const filing: Filing = {
    id: deps.newId(),
    collaboratingCourtId: caller.courtId,
    jurisdictionCourtId: cmd.jurisdictionCourtId,
    caseType: cmd.caseType!,
    summary: cmd.summary.trim(),
    status: "submitted",
    submittedAt: deps.now(),
    drill: cmd.drill,
    timeline: [],
  };
  return (await deps.repo.insertSubmitted(filing, cmd.idempotencyKey)).filing;
}

/** A court reads only its own filings: the collaborating court that took it in. */
export async function getFiling(deps: Pick<Deps, "repo">, caller: AuthContext, id: string): Promise<Filing> {
  const filing = await deps.repo.get(id);
  if (!filing) throw new NotFoundError(`filing ${id} not found`);
  if (filing.collaboratingCourtId !== caller.courtId) throw new ForbiddenError(`filing ${id} belongs to another court`);
  return filing;
}
