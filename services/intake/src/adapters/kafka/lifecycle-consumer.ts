import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { ConsumedEvent } from "@kuayu/kafka";
import { decisionEventsV1, idFromEnum, type routingEventsV1 } from "@kuayu/proto";
import { FILING_EVENTS } from "@kuayu/topics";
import type { LifecycleUpdate } from "../../domain/filing.js";
import { recordLifecycle, type Deps, type LifecycleLog } from "../../domain/intake.js";

const date = (t: Timestamp | undefined, fallback: Date) => (t ? timestampDate(t) : fallback);
const china = (t: Timestamp | undefined) => (t ? new Date(timestampDate(t).getTime() + 8 * 3600_000).toISOString() : "");
/** "respond by 2027-01-04 10:30, decide by 2027-01-11": a decision deadline ends at 24:00 of its last day. */
function deadlines(responseDue: Timestamp | undefined, decisionDue: Timestamp | undefined, provisional: boolean): string {
  const lastDay = decisionDue && new Date(timestampDate(decisionDue).getTime() + 8 * 3600_000 - 1).toISOString().slice(0, 10);
  const text = `respond by ${china(responseDue).slice(0, 16).replace("T", " ")}, decide by ${lastDay ?? ""}`;
  return provisional ? `${text} (provisional: the official holiday arrangement of that year is not loaded)` : text;
}

/** The status change an event implies for the window, and a short, personal-data-free detail. */
function interpret(event: ConsumedEvent): { update?: Omit<LifecycleUpdate, "eventType">; detail: string } {
  const at = event.meta.time;
  switch (event.meta.type) {
    case FILING_EVENTS.routed: {
      const m = event.message as unknown as routingEventsV1.FilingRouted;
      return { update: { round: m.round, status: "routed", at }, detail: `routed to province ${m.province}; ${deadlines(m.responseDue, m.decisionDue, m.deadlinesEstimated)}` };
    }
    case FILING_EVENTS.routingFailed: {
      const m = event.message as unknown as routingEventsV1.RoutingFailed;
      return { update: { round: m.round, status: "routing-failed", at }, detail: m.reasons.join("; ") };
    }
    case FILING_EVENTS.acknowledged: {
      const m = event.message as unknown as decisionEventsV1.Acknowledged;
      return { update: { round: m.round, status: "acknowledged", at }, detail: "" };
    }
    case FILING_EVENTS.correctionRequested: {
      const m = event.message as unknown as decisionEventsV1.CorrectionRequested;
      const items = m.items.map((i) => ({ materialKind: i.materialKind, description: i.description }));
      return {
        update: {
          round: m.round,
          status: "correction-requested",
          at,
          correctionRequest: { items, deadline: m.deadline && timestampDate(m.deadline), note: m.note, requestedAt: date(m.requestedAt, at) },
        },
        detail: `corrections requested: ${items.map((i) => i.materialKind || i.description).join(", ")}`,
      };
    }
    case FILING_EVENTS.accepted: {
      const m = event.message as unknown as decisionEventsV1.Accepted;
      return {
        update: { round: m.round, status: "accepted", at, decision: { caseNumber: m.caseNumber, reasonCategory: "", reason: "", legalBasis: "", decidedAt: date(m.acceptedAt, at) } },
        detail: `accepted as ${m.caseNumber}`,
      };
    }
    case FILING_EVENTS.rejected: {
      const m = event.message as unknown as decisionEventsV1.Rejected;
      const category = idFromEnum(decisionEventsV1.RejectionCategory, m.category) ?? "other";
      return {
        update: { round: m.round, status: "rejected", at, decision: { caseNumber: "", reasonCategory: category, reason: m.reason, legalBasis: m.legalBasis, decidedAt: date(m.rejectedAt, at) } },
        detail: `not accepted (${category})`,
      };
    }
    case FILING_EVENTS.deadlinesChanged: {
      const m = event.message as unknown as decisionEventsV1.DeadlinesChanged;
      const was = deadlines(m.previousResponseDue, m.previousDecisionDue, m.previousProvisional);
      return { detail: `deadlines recomputed, holiday calendar ${m.calendarYears.join(", ")} changed: ${deadlines(m.responseDue, m.decisionDue, m.provisional)} (was ${was})` };
    }
    default:
      // Intake's own events: a timeline entry only (the command already changed the status).
      return { detail: "" };
  }
}

/**
 * Turns lifecycle events into the window's timeline and status of record. Idempotent: the entry
 * is keyed by the event id and status changes only move forward within a round.
 */
export function lifecycleConsumer(deps: Pick<Deps, "repo" | "now"> & { log: LifecycleLog }) {
  return async (event: ConsumedEvent): Promise<void> => {
    const { update, detail } = interpret(event);
    await recordLifecycle(
      deps,
      event.key,
      { eventId: event.meta.id, eventType: event.meta.type, at: event.meta.time, source: event.meta.source, detail },
      update && { ...update, eventType: event.meta.type },
    );
  };
}
