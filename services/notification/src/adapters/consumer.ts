import { toJson } from "@bufbuild/protobuf";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { ConsumedEvent } from "@kuayu/kafka";
import type { Logger } from "@kuayu/logger";
import { commonV1, decisionEventsV1, idFromEnum, intakeV1, type intakeEventsV1, type routingEventsV1 } from "@kuayu/proto";
import { isCaseType, type WorkingHours } from "@kuayu/domain";
import { EVENT, NOTICE, documentFor, nextOpeningIfClosed, recipientsOf, reminderStillDue, remindersFor, wants, type FilingFacts } from "../domain/notify.js";
import { insertOnce, updateFacts, type Store } from "./store.js";
import type { Targets } from "./targets.js";
import type { Notifier } from "./notifier.js";

const date = (t: Timestamp | undefined) => (t ? timestampDate(t) : undefined);

const empty = (filingId: string): FilingFacts => ({
  filingId,
  collaboratingCourtId: "",
  jurisdictionCourtId: "",
  caseType: undefined,
  receiptNumber: "",
  parties: [],
  materials: [],
  round: 0,
  submittedAt: undefined,
  routedAt: undefined,
  responseDue: undefined,
  acknowledgedAt: undefined,
  caseNumber: "",
  decidedAt: undefined,
  rejection: undefined,
  correction: undefined,
  lastEventType: "",
  drill: false,
});

function partiesOf(details: intakeV1.FilingDetails | undefined): FilingFacts["parties"] {
  return (details?.parties ?? []).map((p) => ({
    role: (idFromEnum(intakeV1.PartyRole, p.role) ?? "third-party") as FilingFacts["parties"][number]["role"],
    // Names only: identity numbers and phones are not kept here.
    name: p.identity.case ? p.identity.value.name : "",
  }));
}

/** The facts after an event; pure. Later rounds and decisions only move forward. */
export function project(f: FilingFacts, type: string, m: Record<string, unknown>, at: Date): FilingFacts {
  const base = {
    ...f,
    collaboratingCourtId: (m.collaboratingCourtId as string) || f.collaboratingCourtId,
    jurisdictionCourtId: (m.jurisdictionCourtId as string) || f.jurisdictionCourtId,
    drill: (m.drill as boolean) ?? f.drill,
    lastEventType: type,
  };
  const round = (m.round as number) ?? f.round;
  switch (type) {
    case EVENT.submitted:
    case EVENT.correctionSubmitted: {
      const e = m as unknown as intakeEventsV1.FilingSubmitted;
      const caseType = idFromEnum(commonV1.CaseType, e.caseType);
      return {
        ...base,
        caseType: isCaseType(caseType) ? caseType : f.caseType,
        receiptNumber: e.receiptNumber || f.receiptNumber,
        parties: e.details ? partiesOf(e.details) : f.parties,
        materials: e.materials.map((x) => ({ kind: x.kind, fileName: x.fileName })),
        round: Math.max(round, f.round ?? 0),
        submittedAt: date(e.submittedAt) ?? at,
      };
    }
    case EVENT.routed: {
      const e = m as unknown as routingEventsV1.FilingRouted;
      return { ...base, round: Math.max(round, f.round ?? 0), routedAt: date(e.routedAt) ?? at, responseDue: date(e.responseDue) };
    }
    case EVENT.acknowledged:
      return { ...base, acknowledgedAt: f.acknowledgedAt ?? at };
    case EVENT.accepted:
      return { ...base, caseNumber: (m as unknown as decisionEventsV1.Accepted).caseNumber, decidedAt: at };
    case EVENT.rejected: {
      const e = m as unknown as decisionEventsV1.Rejected;
      return { ...base, decidedAt: at, rejection: { category: idFromEnum(decisionEventsV1.RejectionCategory, e.category) ?? "other", reason: e.reason, legalBasis: e.legalBasis } };
    }
    case EVENT.correctionRequested: {
      const e = m as unknown as decisionEventsV1.CorrectionRequested;
      return { ...base, correction: { items: e.items.map((i) => ({ materialKind: i.materialKind, description: i.description })), deadline: date(e.deadline) ?? at, note: e.note } };
    }
    default:
      return base;
  }
}

export interface ConsumerDeps {
  store: Store;
  /** The courts' webhooks and subscriptions (targets.ts). */
  targets: Targets;
  notifier: Notifier;
  /** Is the court in this release's province scope? */
  inScope: (courtId: string) => boolean;
  issueDocument: (facts: FilingFacts, kind: ReturnType<typeof documentFor> & string, round: number) => Promise<void>;
  /** A court's own working hours (the directory's); undefined: the default court hours. */
  workingHours: (courtId: string) => WorkingHours | undefined;
  log: Logger;
}

const ENDS_REMINDERS = new Set<string>([EVENT.acknowledged, EVENT.accepted, EVENT.rejected, EVENT.correctionRequested, EVENT.withdrawn]);

/**
 * Every lifecycle event: update the filing's facts, notify the people concerned in-app, queue
 * webhook, e-mail and SMS deliveries, issue the printable document it calls for, and schedule
 * reminders on arrival. Every write is keyed by the event id, so a redelivery does nothing twice.
 */
export function lifecycleConsumer(deps: ConsumerDeps) {
  return async (event: ConsumedEvent): Promise<void> => {
    const type = event.meta.type;
    const m = event.message as unknown as Record<string, unknown>;
    const filingId = (m.filingId as string) || event.key;
    const courts = [m.collaboratingCourtId as string, m.jurisdictionCourtId as string].filter(Boolean);
    if (!courts.some(deps.inScope)) return; // another province's release serves it
    const facts = await updateFacts(deps.store, filingId, (cur) => project(cur ?? empty(filingId), type, m, event.meta.time));

    for (const r of recipientsOf(type, facts).filter((x) => deps.inScope(x.courtId))) {
      await deps.notifier.notify({ id: event.meta.id, recipient: r, filing: facts, kind: type, occurredAt: event.meta.time });
    }
    const body = { eventId: event.meta.id, eventType: type, filingId, occurredAt: event.meta.time.toISOString(), data: toJson(event.schema, event.message as never) };
    for (const courtId of new Set(courts.filter(deps.inScope))) {
      for (const w of deps.targets.webhooksOf(courtId)) {
        if (wants(w.eventTypes, type))
          await deps.notifier.queue({ channel: "webhook", targetId: w._id, courtId, filing: facts, eventId: event.meta.id, eventType: type, order: event.meta.time, payload: { body } });
      }
      for (const s of deps.targets.subscriptionsOf(courtId)) {
        if (wants(s.eventTypes, type)) await deps.notifier.queueMessage(s, facts, event.meta.id, type, event.meta.time);
      }
    }

    const doc = documentFor(type);
    if (doc) await deps.issueDocument(facts, doc, facts.round);

    // Reminders are due while the round awaits its response. A response, decision or withdrawal
    // ends them at once (even one that arrived before the routing event), so the reminder
    // worker's `done: false` query only ever reads filings still waiting — not every filing of
    // the last 24 hours (docs/drill.md).
    if (ENDS_REMINDERS.has(type) && facts.routedAt) {
      for (const r of remindersFor(filingId, facts.round, facts.routedAt, deps.workingHours(facts.jurisdictionCourtId))) {
        if (!reminderStillDue(facts, r)) await deps.store.reminders.updateOne({ _id: r.id, done: false }, { $set: { done: true } });
      }
    }
    if (type === EVENT.routed && facts.routedAt) {
      const hours = deps.workingHours(facts.jurisdictionCourtId);
      for (const r of remindersFor(filingId, facts.round, facts.routedAt, hours)) await insertOnce(deps.store.reminders, { ...r, _id: r.id, done: !reminderStillDue(facts, r) });
      const opens = nextOpeningIfClosed(facts.routedAt, hours);
      if (opens && deps.inScope(facts.collaboratingCourtId)) {
        await deps.notifier.notify({
          id: `${event.meta.id}:${NOTICE.nextOpening}`,
          recipient: { courtId: facts.collaboratingCourtId, role: "window-clerk" },
          filing: facts,
          kind: NOTICE.nextOpening,
          occurredAt: event.meta.time,
          nextOpening: opens,
        });
      }
    }
  };
}
