import { applicableMaterials, caseTypeInfo, isCaseType, validateCreditCode, validateResidentId, type CaseType, type MaterialCondition, type Violation } from "@kuayu/domain";

// The filing as the collaborating court (协作法院) sees it, and the pure rules about it.

export const FILING_STATUSES = ["draft", "submitted", "routed", "acknowledged", "correction-requested", "accepted", "rejected", "withdrawn", "routing-failed"] as const;
export type FilingStatus = (typeof FILING_STATUSES)[number];

export type PartyRole = "plaintiff" | "defendant" | "third-party";
export type AgentKind = "lawyer" | "legal-worker" | "citizen";
export type AuthorizationScope = "general" | "special";

export interface Agent {
  name: string;
  kind: AgentKind | undefined;
  residentId: string;
  licenseNumber: string;
  authorization: AuthorizationScope | undefined;
  phone: string;
}

export type PartyIdentity = { kind: "person"; name: string; residentId: string } | { kind: "organization"; name: string; creditCode: string; legalRepresentative: string };

export interface Party {
  role: PartyRole | undefined;
  identity: PartyIdentity | undefined;
  address: string;
  phone: string;
  agents: Agent[];
}

export interface FilingDetails {
  caseType: CaseType | undefined;
  parties: Party[];
  claims: string;
  facts: string;
  jurisdictionCourtId: string;
  jurisdictionSource: "clerk" | "finder" | undefined;
  jurisdictionBasis: string;
  liableOrganDecided: boolean;
  drill: boolean;
}

export interface Material {
  id: string;
  kind: string;
  fileName: string;
  mediaType: string;
  sizeBytes: number;
  sha256: string;
  round: number;
  uploadedAt: Date;
}

export interface CorrectionRequest {
  items: { materialKind: string; description: string }[];
  deadline: Date | undefined;
  note: string;
  requestedAt: Date;
}

export interface Decision {
  caseNumber: string;
  reasonCategory: string;
  reason: string;
  legalBasis: string;
  decidedAt: Date;
}

/** What routing said of the current round for the window (and the party): the jurisdiction court's desk and deadlines. */
export interface RoutingInfo {
  contact: { name: string; phone: string } | undefined;
  responseDue: Date | undefined;
  decisionDue: Date | undefined;
  /** Counted over a year whose official holiday arrangement is not loaded (暂定). */
  provisional: boolean;
}

export interface Filing {
  id: string;
  collaboratingCourtId: string;
  status: FilingStatus;
  details: FilingDetails;
  materials: Material[];
  receiptNumber: string;
  /**
   * Province of the jurisdiction court, from the route check at submission ("" before): the
   * partition of the lifecycle topic that carries the filing's events.
   */
  jurisdictionProvince: string;
  /**
   * The jurisdiction court of the latest submission ("" before): the court that may download the
   * submitted materials — from this record, not from details a later edit could change.
   */
  submittedTo: string;
  /** 0 while a draft, 1 after submission, +1 per correction submitted. */
  round: number;
  /** Idempotency key of the submission of each round (index = round - 1). */
  submitKeys: string[];
  createdAt: Date;
  submittedAt: Date | undefined;
  updatedAt: Date;
  /** The event type that last changed the status (for watchers). */
  lastEventType: string;
  correctionRequest: CorrectionRequest | undefined;
  decision: Decision | undefined;
  /** Set when the current round is routed; the deadlines follow recomputations (DeadlinesChanged). */
  routing?: RoutingInfo;
  /** When retention anonymised its personal data (docs/security.md "Retention"); unset before. */
  anonymisedAt?: Date;
}

/** One step of the filing's life as the window sees it, built from lifecycle events. */
export interface TimelineEntry {
  eventId: string;
  eventType: string;
  at: Date;
  source: string;
  detail: string;
  /** Who caused the event through a call (the audit trail's actor): user, display name, court. */
  actor?: TimelineActor;
}

export interface TimelineActor {
  user: string;
  name?: string;
  courtId: string;
}

// ---- limits ----------------------------------------------------------------------------------

export const LIMITS = {
  parties: 50,
  agentsPerParty: 2, // Civil Procedure Law art. 61: one or two agents
  name: 200,
  address: 500,
  claims: 5000,
  facts: 20000,
  basis: 2000,
  materialsPerFiling: 200,
  fileName: 255,
  note: 2000,
} as const;

const len = (s: string) => [...s].length;
const PHONE = /^\+?[0-9][0-9 -]{4,19}$/;
const COURT_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Problems with the details. A draft may be incomplete (`complete: false` checks only what is
 * filled in); submission needs everything (`complete: true`). Field paths follow the proto.
 */
export function validateDetails(d: FilingDetails, complete: boolean, today = new Date()): Violation[] {
  const v: Violation[] = [];
  const need = (ok: boolean, field: string, description: string) => {
    if (!ok) v.push({ field, description });
  };
  if (!d.caseType) need(!complete, "details.case_type", "a case type is required");
  else need(isCaseType(d.caseType), "details.case_type", "unknown case type");

  need(d.parties.length <= LIMITS.parties, "details.parties", `at most ${LIMITS.parties} parties`);
  d.parties.forEach((p, i) => v.push(...validateParty(p, `details.parties[${i}]`, complete, today)));
  if (complete) {
    need(
      d.parties.some((p) => p.role === "plaintiff"),
      "details.parties",
      "at least one plaintiff / applicant (原告 / 申请人) is required",
    );
    need(
      d.parties.some((p) => p.role === "defendant"),
      "details.parties",
      "at least one defendant / respondent (被告 / 被申请人) is required",
    );
  }
  need(len(d.claims) <= LIMITS.claims, "details.claims", `at most ${LIMITS.claims} characters`);
  need(len(d.facts) <= LIMITS.facts, "details.facts", `at most ${LIMITS.facts} characters`);
  if (complete) {
    need(d.claims.trim().length > 0, "details.claims", "the claims (诉讼请求) are required");
    need(d.facts.trim().length > 0, "details.facts", "the facts and reasons (事实与理由) are required");
  }
  if (d.jurisdictionCourtId) need(COURT_ID.test(d.jurisdictionCourtId), "details.jurisdiction_court_id", "not a directory court id");
  else need(!complete, "details.jurisdiction_court_id", "the jurisdiction court is required");
  need(len(d.jurisdictionBasis) <= LIMITS.basis, "details.jurisdiction_basis", `at most ${LIMITS.basis} characters`);
  if (d.jurisdictionSource === "finder") need(d.jurisdictionBasis.trim().length > 0, "details.jurisdiction_basis", "the finder's legal basis is required when the court came from the finder");
  return v;
}

function validateParty(p: Party, at: string, complete: boolean, today: Date): Violation[] {
  const v: Violation[] = [];
  const need = (ok: boolean, field: string, description: string) => {
    if (!ok) v.push({ field: `${at}.${field}`, description });
  };
  need(p.role !== undefined, "role", "a party role is required");
  // The filing side must prove who it is; for the other parties a number is optional, but checked.
  const filingSide = p.role === "plaintiff";
  const id = p.identity;
  if (!id) need(false, "identity", "a natural person or an organisation is required");
  else if (id.kind === "person") {
    need(id.name.trim().length > 0 && len(id.name) <= LIMITS.name, "person.name", `a name of 1–${LIMITS.name} characters is required`);
    if (id.residentId) {
      const why = validateResidentId(id.residentId, today);
      need(!why, "person.resident_id", `not a valid resident ID number: ${why}`);
    } else need(!filingSide || !complete, "person.resident_id", "the resident ID number of the filing party is required");
  } else {
    need(id.name.trim().length > 0 && len(id.name) <= LIMITS.name, "organization.name", `a name of 1–${LIMITS.name} characters is required`);
    if (id.creditCode) {
      const why = validateCreditCode(id.creditCode);
      need(!why, "organization.credit_code", `not a valid unified social credit code: ${why}`);
    } else need(!filingSide || !complete, "organization.credit_code", "the unified social credit code of the filing party is required");
    if (complete && filingSide) need(id.legalRepresentative.trim().length > 0, "organization.legal_representative", "the legal representative is required");
  }
  need(len(p.address) <= LIMITS.address, "address", `at most ${LIMITS.address} characters`);
  if (complete) need(p.address.trim().length > 0, "address", "an address for service (送达地址) is required");
  if (p.phone) need(PHONE.test(p.phone), "phone", "not a phone number");
  need(p.agents.length <= LIMITS.agentsPerParty, "agents", `at most ${LIMITS.agentsPerParty} agents per party`);
  p.agents.forEach((a, j) => {
    const ag = (field: string) => `agents[${j}].${field}`;
    need(a.name.trim().length > 0 && len(a.name) <= LIMITS.name, ag("name"), `a name of 1–${LIMITS.name} characters is required`);
    need(a.kind !== undefined, ag("kind"), "the kind of agent is required");
    need(a.authorization !== undefined, ag("authorization"), "the scope of the authorisation (一般授权 / 特别授权) is required");
    if (a.kind === "lawyer" || a.kind === "legal-worker")
      need(/^[0-9A-Za-z-]{6,30}$/.test(a.licenseNumber), ag("license_number"), "a practising licence number is required for lawyers and legal workers");
    if (a.residentId) {
      const why = validateResidentId(a.residentId, today);
      need(!why, ag("resident_id"), `not a valid resident ID number: ${why}`);
    } else if (complete) need(false, ag("resident_id"), "the agent's resident ID number is required");
    if (a.phone) need(PHONE.test(a.phone), ag("phone"), "not a phone number");
  });
  return v;
}

/** Which checklist conditions hold for these details. */
export function conditionsOf(d: FilingDetails): MaterialCondition[] {
  const c: MaterialCondition[] = [];
  if (d.parties.some((p) => p.role === "plaintiff" && p.agents.length > 0)) c.push("agent-acts");
  if (d.liableOrganDecided) c.push("liable-organ-decided");
  return c;
}

/** Is this material kind on the case type's checklist at all? */
export function isChecklistKind(caseType: CaseType, kind: string): boolean {
  return caseTypeInfo(caseType).materials.some((m) => m.id === kind);
}

/**
 * Checklist items the details themselves provide: the opposing party's name and address
 * (对方当事人的姓名或者名称、住所等信息) are information the clerk enters for every defendant.
 */
function providedByDetails(d: FilingDetails): string[] {
  const opposing = d.parties.filter((p) => p.role === "defendant");
  return opposing.length > 0 && opposing.every((p) => p.identity?.name && p.address.trim()) ? ["opposing-party-details"] : [];
}

/** Required checklist items with no material, as violations on `materials`. */
export function missingMaterials(d: FilingDetails, materials: Material[]): Violation[] {
  if (!d.caseType || !isCaseType(d.caseType)) return [];
  const have = new Set([...materials.map((m) => m.kind), ...providedByDetails(d)]);
  return applicableMaterials(d.caseType, conditionsOf(d))
    .filter((item) => !have.has(item.id))
    .map((item) => ({ field: "materials", description: `missing required material ${item.id} (${item.name})` }));
}

/** Materials of a kind the case type does not list (the case type may have changed since upload). */
export function offChecklistMaterials(d: FilingDetails, materials: Material[]): Violation[] {
  if (!d.caseType || !isCaseType(d.caseType)) return [];
  return materials
    .filter((m) => !isChecklistKind(d.caseType!, m.kind))
    .map((m) => ({ field: "materials", description: `material ${m.id} is of kind ${m.kind}, which is not on the ${d.caseType} checklist` }));
}

/** Requested correction items with no material uploaded in the new round. */
export function missingCorrections(f: Filing): Violation[] {
  const fresh = new Set(f.materials.filter((m) => m.round === f.round + 1).map((m) => m.kind));
  return (f.correctionRequest?.items ?? [])
    .filter((item) => item.materialKind && !fresh.has(item.materialKind))
    .map((item) => ({ field: "materials", description: `the correction asks for ${item.materialKind}; upload it before resubmitting` }));
}

// ---- status ------------------------------------------------------------------------------------

/** The clerk may change details and materials while drafting, correcting, or after a failed route. */
export const isEditable = (s: FilingStatus) => s === "draft" || s === "correction-requested" || s === "routing-failed";
/** A filing is (re)submitted from a draft, or after its route failed. */
export const isSubmittable = (s: FilingStatus) => s === "draft" || s === "routing-failed";
export const isFinal = (s: FilingStatus) => s === "accepted" || s === "rejected" || s === "withdrawn";
/** Withdrawal (撤回) is possible until the jurisdiction court decides. */
export const isWithdrawable = (s: FilingStatus) => !isFinal(s);

/** A status change the jurisdiction side reports for one submission round. */
export interface LifecycleUpdate {
  round: number;
  /** Unset: no status change (deadlines recomputed). */
  status?: "routed" | "routing-failed" | "acknowledged" | "correction-requested" | "accepted" | "rejected";
  eventType: string;
  at: Date;
  correctionRequest?: CorrectionRequest;
  decision?: Decision;
  /** Routed: the desk and the round's deadlines. */
  routing?: RoutingInfo;
  /** Deadlines recomputed (a holiday calendar changed). */
  deadlines?: Pick<RoutingInfo, "responseDue" | "decisionDue" | "provisional">;
}

// Within one round, events can arrive out of order across topics; a status only moves forward.
const RANK: Record<FilingStatus, number> = {
  draft: 0,
  submitted: 1,
  routed: 2,
  "routing-failed": 2,
  acknowledged: 3,
  "correction-requested": 4,
  accepted: 5,
  rejected: 5,
  withdrawn: 6,
};

/**
 * The filing after a lifecycle update, or undefined when the update changes nothing: it answers
 * an earlier round, the status would not move forward, or the filing is already final. Pure and
 * idempotent, so redelivered and reordered events are harmless. `updatedAt` is the local write
 * time (watchers poll by it), not the event's.
 */
export function applyLifecycle(f: Filing, u: LifecycleUpdate, now: Date): Filing | undefined {
  if (u.round !== f.round || isFinal(f.status) || f.status === "draft") return undefined;
  // New deadlines of the round routed: no status change, so watchers are not told (updatedAt stays).
  if (!u.status) return u.deadlines && f.routing ? { ...f, routing: { ...f.routing, ...u.deadlines } } : undefined;
  if (RANK[u.status] <= RANK[f.status]) return undefined;
  return {
    ...f,
    status: u.status,
    updatedAt: now,
    lastEventType: u.eventType,
    correctionRequest: u.status === "correction-requested" ? u.correctionRequest : f.correctionRequest,
    decision: u.decision ?? f.decision,
    routing: u.routing ?? f.routing,
  };
}

/** China time (UTC+8) of a moment, as "2027-01-04T10:30:00.000" ("" when unknown). */
const china = (d: Date | undefined) => (d ? new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, -1) : "");

/** "respond by 2027-01-04 10:30, decide by 2027-01-11" (China time; a decision deadline ends at 24:00 of its last day), for the timeline. */
export function deadlinesText(responseDue: Date | undefined, decisionDue: Date | undefined, provisional: boolean): string {
  const lastDay = decisionDue && china(new Date(decisionDue.getTime() - 1)).slice(0, 10);
  const text = `respond by ${china(responseDue).slice(0, 16).replace("T", " ")}, decide by ${lastDay ?? ""}`;
  return provisional ? `${text} (provisional: the official holiday arrangement of that year is not loaded)` : text;
}

/** Digits of a phone number as typed ("+86 138-0013-8000" → "8613800138000"). */
const digitsOf = (phone: string) => phone.normalize("NFKC").replace(/\D/g, "");

/**
 * The parties a phone ending in these four digits belongs to — the party's own phone or one of
 * their agents' — for the party's look-up of their filing. A phone of under four digits matches
 * nothing.
 */
export function partiesReachedBy(f: Filing, last4: string): { party: Party; throughAgent: boolean }[] {
  const ends = (phone: string) => {
    const d = digitsOf(phone);
    return d.length >= 4 && d.endsWith(last4);
  };
  return f.details.parties.flatMap((party): { party: Party; throughAgent: boolean }[] => {
    if (ends(party.phone)) return [{ party, throughAgent: false }];
    return party.agents.some((a) => ends(a.phone)) ? [{ party, throughAgent: true }] : [];
  });
}
