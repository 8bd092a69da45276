import {
  CASE_TYPES,
  ForbiddenError,
  NotFoundError,
  StateError,
  ValidationError,
  caseTypeInfo,
  filingDeadlines,
  formatCaseNumber,
  isCaseType,
  type CaseType,
  type TypeCode,
  type Violation,
  type WorkingHours,
} from "@kuayu/domain";
import type { AuthContext } from "@kuayu/auth";

// The jurisdiction court's inbox (管辖法院收件箱) and the decisions taken on it. Pure rules here;
// decision.ts runs them against the ports.

export const INBOX_STATUSES = ["awaiting-response", "awaiting-decision", "correction-pending", "accepted", "rejected", "withdrawn"] as const;
export type InboxStatus = (typeof INBOX_STATUSES)[number];
export const INBOX_VIEWS = ["awaiting-response", "awaiting-decision", "correction-pending", "overdue", "all"] as const;
export type InboxView = (typeof INBOX_VIEWS)[number];
export const REJECTION_CATEGORIES = ["no-jurisdiction", "outside-court-scope", "conditions-not-met", "duplicate", "corrections-missing", "other"] as const;
export type RejectionCategory = (typeof REJECTION_CATEGORIES)[number];

/** A material as described by the window, with whether this court holds a verified copy. */
export interface InboxMaterial {
  id: string;
  kind: string;
  fileName: string;
  mediaType: string;
  sizeBytes: number;
  sha256: string;
  round: number;
  uploadedAt: Date;
  copied: boolean;
}

export interface RequestedItem {
  materialKind: string;
  description: string;
}

export interface InboxFiling {
  id: string;
  jurisdictionCourtId: string;
  collaboratingCourtId: string;
  /** Province of the jurisdiction court (this inbox) and of the window (where the materials are). */
  province: string;
  originProvince: string;
  court: { code: string; level: string; kind: string };
  caseType: CaseType;
  status: InboxStatus;
  round: number;
  receiptNumber: string;
  /** The filing's details as the window sent them (protobuf JSON; shown, not interpreted). */
  details: unknown;
  materials: InboxMaterial[];
  arrivedAt: Date;
  /** When the current round reached the jurisdiction court (routed): its deadlines count from here. */
  clockStartedAt: Date;
  responseDue: Date;
  decisionDue: Date;
  /** The deadlines are provisional: counted over a year whose official holiday arrangement is not loaded. */
  deadlinesEstimated: boolean;
  acknowledgedAt: Date | undefined;
  caseNumber: string;
  /** Set while accepting: the case number is being taken (see acceptance in decision.ts). */
  accepting: boolean;
  /** The year whose case numbers the acceptance takes from (fixed when it began, so a year rollover mid-way keeps it). */
  acceptingYear?: number;
  rejection: { category: RejectionCategory; reason: string; legalBasis: string } | undefined;
  correction: { round: number; items: RequestedItem[]; deadline: Date; note: string; requestedAt: Date } | undefined;
  decidedAt: Date | undefined;
  updatedAt: Date;
  drill: boolean;
  /** When retention anonymised its personal data (docs/security.md "Retention"); unset before. */
  anonymisedAt?: Date;
}

/** A routed filing (one submission round) as it arrives. */
export interface Arrival {
  filingId: string;
  jurisdictionCourtId: string;
  collaboratingCourtId: string;
  province: string;
  originProvince: string;
  court: { code: string; level: string; kind: string };
  caseType: CaseType;
  round: number;
  receiptNumber: string;
  details: unknown;
  materials: Omit<InboxMaterial, "copied">[];
  /** When routing addressed this round to the court: the deadlines count from here. */
  routedAt: Date;
  responseDue: Date;
  decisionDue: Date;
  deadlinesEstimated: boolean;
  drill: boolean;
}

/** A new inbox entry for a first arrival. */
export function newInboxFiling(a: Arrival, now: Date): InboxFiling {
  return {
    id: a.filingId,
    jurisdictionCourtId: a.jurisdictionCourtId,
    collaboratingCourtId: a.collaboratingCourtId,
    province: a.province,
    originProvince: a.originProvince,
    court: a.court,
    caseType: a.caseType,
    status: "awaiting-response",
    round: a.round,
    receiptNumber: a.receiptNumber,
    details: a.details,
    materials: a.materials.map((m) => ({ ...m, copied: false })),
    arrivedAt: now,
    clockStartedAt: a.routedAt,
    responseDue: a.responseDue,
    decisionDue: a.decisionDue,
    deadlinesEstimated: a.deadlinesEstimated,
    acknowledgedAt: undefined,
    caseNumber: "",
    accepting: false,
    rejection: undefined,
    correction: undefined,
    decidedAt: undefined,
    updatedAt: now,
    drill: a.drill,
  };
}

/**
 * A later round (corrections submitted) of a filing already in the inbox: the decision clock
 * restarts. Undefined when the arrival is not newer than what the inbox holds (a redelivery), or
 * the filing is already decided or withdrawn.
 */
export function applyArrival(f: InboxFiling, a: Arrival, now: Date): InboxFiling | undefined {
  if (a.round <= f.round || isClosed(f.status)) return undefined;
  const copied = new Map(f.materials.map((m) => [m.id, m.copied]));
  return {
    ...f,
    round: a.round,
    status: f.acknowledgedAt ? "awaiting-decision" : "awaiting-response",
    details: a.details,
    materials: a.materials.map((m) => ({ ...m, copied: copied.get(m.id) ?? false })),
    clockStartedAt: a.routedAt,
    responseDue: a.responseDue,
    decisionDue: a.decisionDue,
    deadlinesEstimated: a.deadlinesEstimated,
    updatedAt: now,
  };
}

/** The deadlines before a recomputation, for the record (timeline, supervision). */
export interface PreviousDeadlines {
  responseDue: Date;
  decisionDue: Date;
  provisional: boolean;
}

/**
 * The filing with its deadlines counted again from the start of its round, after the holiday
 * calendar changed (an official year loaded over a provisional one); undefined when nothing moves
 * or the filing waits for nothing (corrections pending, decided, withdrawn). Both deadlines are
 * counted as routing counts them, in the court's own working hours.
 */
export function recomputeDeadlines(f: InboxFiling, hours: WorkingHours, now: Date): { filing: InboxFiling; previous: PreviousDeadlines } | undefined {
  if (!isOpenForDecision(f.status)) return undefined;
  const d = filingDeadlines(f.clockStartedAt, f.caseType, hours);
  if (d.responseDue.getTime() === f.responseDue.getTime() && d.decisionDue.getTime() === f.decisionDue.getTime() && d.provisional === f.deadlinesEstimated) return undefined;
  return {
    filing: { ...f, responseDue: d.responseDue, decisionDue: d.decisionDue, deadlinesEstimated: d.provisional, updatedAt: now },
    previous: { responseDue: f.responseDue, decisionDue: f.decisionDue, provisional: f.deadlinesEstimated },
  };
}

export const isClosed = (s: InboxStatus) => s === "accepted" || s === "rejected" || s === "withdrawn";
const isOpenForDecision = (s: InboxStatus) => s === "awaiting-response" || s === "awaiting-decision";

/** Every material of the filing is held here, verified. */
export const materialsComplete = (f: InboxFiling) => f.materials.every((m) => m.copied);

/** The deadline that applies now, if any: the response first, then the decision. */
export function currentDeadline(f: InboxFiling): Date | undefined {
  if (f.status === "awaiting-response") return f.responseDue;
  if (f.status === "awaiting-decision") return f.decisionDue;
  return undefined;
}

export function isOverdue(f: InboxFiling, now: Date): boolean {
  const due = currentDeadline(f);
  return due !== undefined && due.getTime() < now.getTime();
}

/** The caller's court must be the filing's jurisdiction court. */
export function checkAddressee(f: InboxFiling | undefined, caller: AuthContext, id: string): InboxFiling {
  if (!f) throw new NotFoundError(`filing ${id} is not in any inbox here`);
  if (f.jurisdictionCourtId !== caller.courtId) throw new ForbiddenError(`filing ${id} is addressed to another court`);
  return f;
}

export function acknowledge(f: InboxFiling, now: Date): InboxFiling | undefined {
  if (f.acknowledgedAt && f.status !== "awaiting-response") return undefined; // already responded
  if (!isOpenForDecision(f.status)) throw new StateError(`filing ${f.id} is ${f.status}; there is nothing to respond to`);
  return { ...f, status: "awaiting-decision", acknowledgedAt: f.acknowledgedAt ?? now, updatedAt: now };
}

/** Checks before accepting (the case number is taken afterwards). */
export function checkAcceptable(f: InboxFiling): void {
  if (!isOpenForDecision(f.status)) throw new StateError(`filing ${f.id} is ${f.status}; it cannot be accepted`);
  if (!materialsComplete(f)) throw new StateError(`filing ${f.id}: the materials are still being copied from the window; try again shortly`);
}

export function accepted(f: InboxFiling, caseNumber: string, now: Date): InboxFiling {
  return { ...f, status: "accepted", caseNumber, accepting: false, acceptingYear: undefined, acknowledgedAt: f.acknowledgedAt ?? now, decidedAt: now, updatedAt: now };
}

export interface RejectCommand {
  category: RejectionCategory | undefined;
  reason: string;
  legalBasis: string;
}

export function reject(f: InboxFiling, cmd: RejectCommand, now: Date): InboxFiling {
  const v: Violation[] = [];
  if (!cmd.category) v.push({ field: "category", description: "a rejection category is required" });
  const reason = cmd.reason.trim();
  const basis = cmd.legalBasis.trim();
  if (!reason || [...reason].length > 2000) v.push({ field: "reason", description: "the reasons are required, at most 2000 characters" });
  if (!basis || [...basis].length > 500) v.push({ field: "legal_basis", description: "the legal basis is required, at most 500 characters" });
  if (v.length > 0) throw new ValidationError(v);
  if (!isOpenForDecision(f.status)) throw new StateError(`filing ${f.id} is ${f.status}; it cannot be rejected`);
  return {
    ...f,
    status: "rejected",
    rejection: { category: cmd.category!, reason, legalBasis: basis },
    accepting: false,
    acceptingYear: undefined,
    acknowledgedAt: f.acknowledgedAt ?? now,
    decidedAt: now,
    updatedAt: now,
  };
}

export interface CorrectionCommand {
  items: RequestedItem[];
  deadline: Date | undefined;
  note: string;
}

/**
 * The one-time, complete notice of corrections (一次性告知补正): once per submission round — a
 * second request before the window resubmits is refused.
 */
export function requestCorrections(f: InboxFiling, cmd: CorrectionCommand, now: Date): InboxFiling {
  const v: Violation[] = [];
  if (cmd.items.length === 0) v.push({ field: "items", description: "list every item to correct (at least one)" });
  const kinds = caseTypeInfo(f.caseType).materials.map((m) => m.id);
  cmd.items.forEach((item, i) => {
    if (item.materialKind && !kinds.includes(item.materialKind)) v.push({ field: `items[${i}].material_kind`, description: `${item.materialKind} is not on the ${f.caseType} checklist` });
    if (!item.materialKind && !item.description.trim()) v.push({ field: `items[${i}]`, description: "a material kind or a description is required" });
    if ([...item.description].length > 1000) v.push({ field: `items[${i}].description`, description: "at most 1000 characters" });
  });
  const maxAhead = 90 * 86_400_000;
  if (!cmd.deadline || cmd.deadline.getTime() <= now.getTime() || cmd.deadline.getTime() > now.getTime() + maxAhead) {
    v.push({ field: "deadline", description: "a deadline in the future, at most 90 days ahead, is required" });
  }
  if ([...cmd.note].length > 2000) v.push({ field: "note", description: "at most 2000 characters" });
  if (v.length > 0) throw new ValidationError(v);
  if (f.correction?.round === f.round) throw new StateError(`corrections for submission round ${f.round} of filing ${f.id} were already requested; wait for the resubmission`);
  if (!isOpenForDecision(f.status)) throw new StateError(`filing ${f.id} is ${f.status}; corrections cannot be requested`);
  return {
    ...f,
    status: "correction-pending",
    correction: {
      round: f.round,
      items: cmd.items.map((i) => ({ materialKind: i.materialKind, description: i.description.trim() })),
      deadline: cmd.deadline!,
      note: cmd.note.trim(),
      requestedAt: now,
    },
    acknowledgedAt: f.acknowledgedAt ?? now,
    updatedAt: now,
  };
}

/** The party withdrew at the window: closes the filing unless it is already decided. */
export function withdraw(f: InboxFiling, now: Date): InboxFiling | undefined {
  if (isClosed(f.status)) return undefined;
  return { ...f, status: "withdrawn", accepting: false, acceptingYear: undefined, updatedAt: now };
}

// ---- case numbers ------------------------------------------------------------------------------

/**
 * Type code of a case type at a court: state compensation is 法赔 at a basic court (the court as
 * the liable organ) and 委赔 at a court with a compensation committee (intermediate and above).
 */
export function typeCodeFor(caseType: CaseType, courtLevel: string): TypeCode {
  const codes = caseTypeInfo(caseType).typeCodes;
  if (caseType === "state-compensation") return courtLevel === "basic" ? "法赔" : "委赔";
  return codes[0]!;
}

/** The sequence a case number is drawn from: per court, year (China time) and type code. */
export function caseNumberScope(f: Pick<InboxFiling, "jurisdictionCourtId" | "caseType" | "court">, year: number): { scope: string; typeCode: TypeCode; special: "知" | undefined } {
  const typeCode = typeCodeFor(f.caseType, f.court.level);
  // IP courts number civil cases separately, as 知民初.
  const special = f.court.kind === "intellectual-property" && f.caseType === "civil-first-instance" ? ("知" as const) : undefined;
  return { scope: `${f.jurisdictionCourtId}:${year}:${special ?? ""}${typeCode}`, typeCode, special };
}

export function caseNumberFor(f: Pick<InboxFiling, "jurisdictionCourtId" | "caseType" | "court">, year: number, sequence: number): string {
  const { typeCode, special } = caseNumberScope(f, year);
  return formatCaseNumber({ year, courtCode: f.court.code, typeCode, sequence, ...(special ? { specialCode: special } : {}) });
}

/** The year (China time) an instant falls in. */
export const chinaYear = (d: Date) => new Date(d.getTime() + 8 * 3600_000).getUTCFullYear();

export const isKnownCaseType = (x: string | undefined): x is CaseType => isCaseType(x) && (CASE_TYPES as readonly string[]).includes(x);
