import { addWorkingMinutes, caseTypeInfo, isOpen, nextOpening, type CaseType, type WorkingHours } from "@kuayu/domain";
import type { Role } from "@kuayu/auth";

// Who hears of what: the pure rules of the notification service.

/** What the notification service remembers of a filing, built from its lifecycle events. */
export interface FilingFacts {
  filingId: string;
  collaboratingCourtId: string;
  jurisdictionCourtId: string;
  caseType: CaseType | undefined;
  receiptNumber: string;
  parties: { role: "plaintiff" | "defendant" | "third-party"; name: string }[];
  materials: { kind: string; fileName: string }[];
  round: number;
  submittedAt: Date | undefined;
  routedAt: Date | undefined;
  responseDue: Date | undefined;
  acknowledgedAt: Date | undefined;
  caseNumber: string;
  decidedAt: Date | undefined;
  rejection: { category: string; reason: string; legalBasis: string } | undefined;
  correction: { items: { materialKind: string; description: string }[]; deadline: Date; note: string } | undefined;
  /** The last event type applied. */
  lastEventType: string;
  /**
   * How many mobile numbers the filing side (the plaintiffs and their agents) gave at the window:
   * the party's SMS go to each (the numbers themselves are kept sealed apart, `party_phones`).
   */
  partyPhones?: number;
  drill: boolean;
  /** The reminders of the round that arrived last (set by its FilingRouted). */
  reminders?: Reminder[];
  /** True while that round awaits the court's response: the reminder worker reads only these. */
  waiting?: boolean;
  /** While waiting: when the first of those reminders is due. */
  remindAt?: Date;
}

export const EVENT = {
  submitted: "kuayu.intake.v1.FilingSubmitted",
  correctionSubmitted: "kuayu.intake.v1.CorrectionSubmitted",
  withdrawn: "kuayu.intake.v1.FilingWithdrawn",
  routed: "kuayu.routing.v1.FilingRouted",
  routingFailed: "kuayu.routing.v1.RoutingFailed",
  acknowledged: "kuayu.decision.v1.Acknowledged",
  accepted: "kuayu.decision.v1.Accepted",
  rejected: "kuayu.decision.v1.Rejected",
  correctionRequested: "kuayu.decision.v1.CorrectionRequested",
} as const;

/** Notices the service makes itself, not from an event. */
export const NOTICE = { reminder: "reminder", escalation: "escalation", nextOpening: "next-opening" } as const;

export interface Recipient {
  courtId: string;
  role: Role;
}

/**
 * Who is told of an event: the window (collaborating court's clerks) of everything the jurisdiction
 * side does; the jurisdiction court's specialists of everything the window does and of arrivals.
 */
export function recipientsOf(eventType: string, f: Pick<FilingFacts, "collaboratingCourtId" | "jurisdictionCourtId">): Recipient[] {
  const window: Recipient = { courtId: f.collaboratingCourtId, role: "window-clerk" };
  const court: Recipient = { courtId: f.jurisdictionCourtId, role: "filing-specialist" };
  switch (eventType) {
    case EVENT.routed:
    case EVENT.correctionSubmitted:
    case EVENT.withdrawn:
      return [court];
    case EVENT.routingFailed:
    case EVENT.acknowledged:
    case EVENT.accepted:
    case EVENT.rejected:
    case EVENT.correctionRequested:
      return [window];
    default:
      return []; // filing submitted: the window did it itself; the court hears when it is routed
  }
}

/** The printable document an event issues, if any. */
export type DocumentKind = "receipt" | "acceptance-notice" | "non-acceptance" | "correction-notice";
export function documentFor(eventType: string): DocumentKind | undefined {
  return (
    {
      [EVENT.submitted]: "receipt" as const,
      [EVENT.accepted]: "acceptance-notice" as const,
      [EVENT.rejected]: "non-acceptance" as const,
      [EVENT.correctionRequested]: "correction-notice" as const,
    } as Record<string, DocumentKind>
  )[eventType];
}

/**
 * The court that issues a document: the window gives the receipt of what it received; the
 * jurisdiction court its decisions (acceptance, non-acceptance, request for correction).
 */
export const issuerOf = (kind: DocumentKind): "window" | "jurisdiction" => (kind === "receipt" ? "window" : "jurisdiction");

/** A reminder to schedule when a filing arrives at its court. */
export interface Reminder {
  id: string;
  filingId: string;
  round: number;
  kind: "reminder" | "escalation";
  dueAt: Date;
}

/**
 * On arrival: remind the specialist after 20 working minutes without a response, escalate after
 * 24 hours. Working minutes are the jurisdiction court's own hours (the directory's), or the
 * default court hours (08:30–12:00, 14:00–17:30) when it has none — as its response deadline.
 */
export function remindersFor(filingId: string, round: number, routedAt: Date, hours?: WorkingHours): Reminder[] {
  return [
    { id: `${filingId}:${round}:reminder`, filingId, round, kind: "reminder", dueAt: addWorkingMinutes(routedAt, 20, hours) },
    { id: `${filingId}:${round}:escalation`, filingId, round, kind: "escalation", dueAt: new Date(routedAt.getTime() + 24 * 3600_000) },
  ];
}

/** A reminder is still needed only while the filing of that round awaits its response. */
export const reminderStillDue = (f: FilingFacts, r: Reminder) => f.round === r.round && !f.acknowledgedAt && !f.decidedAt && f.lastEventType !== EVENT.withdrawn;

/**
 * The facts with their reminders: `arrived` are a round's new reminders (on its FilingRouted),
 * else the facts keep theirs. The filing is `waiting` while the first of them is still due; a
 * response, decision or withdrawal (even one applied before the routing event) ends that.
 */
export function withReminders(f: FilingFacts, arrived?: Reminder[]): FilingFacts {
  const reminders = arrived ?? f.reminders ?? [];
  const waiting = reminders.length > 0 && reminderStillDue(f, reminders[0]!);
  const remindAt = waiting ? new Date(Math.min(...reminders.map((r) => r.dueAt.getTime()))) : undefined;
  return { ...f, reminders, waiting, remindAt };
}

/** When a filing arrives outside its court's working hours (default hours if it has none): when the court next opens. */
export function nextOpeningIfClosed(routedAt: Date, hours?: WorkingHours): Date | undefined {
  return isOpen(routedAt, hours) ? undefined : nextOpening(routedAt, hours);
}

export const caseTypeName = (t: CaseType | undefined) => (t ? caseTypeInfo(t).name : "");
export const materialName = (t: CaseType | undefined, kind: string) => (t ? (caseTypeInfo(t).materials.find((m) => m.id === kind)?.name ?? kind) : kind);

/** Webhook and subscription filters: empty means every event type. */
export const wants = (eventTypes: readonly string[], eventType: string) => eventTypes.length === 0 || eventTypes.includes(eventType);

/** A webhook URL must be https; plain http only to loopback when allowed (local systems, tests). */
export function webhookUrlProblem(url: string, allowLoopbackHttp: boolean): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "not a URL";
  }
  if (u.username || u.password) return "must not carry credentials";
  if (u.protocol === "https:") return undefined;
  const loopback = u.hostname === "127.0.0.1" || u.hostname === "localhost" || u.hostname === "[::1]";
  if (u.protocol === "http:" && loopback && allowLoopbackHttp) return undefined;
  return "must be https://";
}

/** A filing's status after an event, as a webhook's references name it. */
const STATUS_AFTER: Record<string, string> = {
  [EVENT.submitted]: "submitted",
  [EVENT.correctionSubmitted]: "correction-submitted",
  [EVENT.withdrawn]: "withdrawn",
  [EVENT.routed]: "routed",
  [EVENT.routingFailed]: "routing-failed",
  [EVENT.acknowledged]: "acknowledged",
  [EVENT.accepted]: "accepted",
  [EVENT.rejected]: "rejected",
  [EVENT.correctionRequested]: "correction-requested",
  "kuayu.decision.v1.DeadlinesChanged": "deadlines-changed",
};

/**
 * What a webhook delivery carries: references only — ids, status, round, case number, the courts,
 * and the gRPC call with which the receiving court fetches the details under its own token (the
 * window's at intake, the jurisdiction court's at decision). Never names, identity numbers,
 * phones, addresses, claims or reasons: a registered URL holds no more than the references.
 */
export interface WebhookRef {
  filingId: string;
  status: string;
  round: number;
  receiptNumber: string;
  caseNumber: string;
  collaboratingCourtId: string;
  jurisdictionCourtId: string;
  /** The receiving court's side of the filing: where it fetches the details. */
  fetch: { rpc: string; filingId: string };
}

export const INTAKE_GET_FILING = "kuayu.intake.v1.IntakeService/GetFiling";
export const DECISION_GET_INBOX_FILING = "kuayu.decision.v1.DecisionService/GetInboxFiling";

/** The references of an event for a webhook of `courtId` (the window's or the jurisdiction court's). */
export function webhookRef(
  eventType: string,
  f: Pick<FilingFacts, "filingId" | "round" | "receiptNumber" | "caseNumber" | "collaboratingCourtId" | "jurisdictionCourtId">,
  courtId: string,
): WebhookRef {
  const window = courtId === f.collaboratingCourtId;
  return {
    filingId: f.filingId,
    status: STATUS_AFTER[eventType] ?? eventType.split(".").pop()!,
    round: f.round,
    receiptNumber: f.receiptNumber,
    caseNumber: f.caseNumber,
    collaboratingCourtId: f.collaboratingCourtId,
    jurisdictionCourtId: f.jurisdictionCourtId,
    fetch: { rpc: window ? INTAKE_GET_FILING : DECISION_GET_INBOX_FILING, filingId: f.filingId },
  };
}

/** The body of a webhook request, built at send time from what the delivery keeps (no payload is stored). */
export function webhookBody(d: { eventId: string; eventType: string; filingId: string; order: Date; ref: WebhookRef }) {
  return { eventId: d.eventId, eventType: d.eventType, filingId: d.filingId, occurredAt: d.order.toISOString(), data: d.ref };
}
