import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { ConsumedEvent } from "@kuayu/kafka";
import { decisionEventsV1, idFromEnum, routingEventsV1 } from "@kuayu/proto";
import { decisionTopics, routingTopics } from "@kuayu/topics";
import type { LifecycleUpdate } from "../../domain/filing.js";
import { recordLifecycle, type Deps, type LifecycleLog } from "../../domain/intake.js";

const date = (t: Timestamp | undefined, fallback: Date) => (t ? timestampDate(t) : fallback);

/** The status change an event implies for the window, and a short, personal-data-free detail. */
function interpret(event: ConsumedEvent): { update?: Omit<LifecycleUpdate, "eventType">; detail: string } {
  const at = event.meta.time;
  switch (event.topic.name) {
    case routingTopics.filingRouted.name: {
      const m = event.message as routingEventsV1.FilingRouted;
      return { update: { round: m.round, status: "routed", at }, detail: `routed to province ${m.province}` };
    }
    case routingTopics.routingFailed.name: {
      const m = event.message as routingEventsV1.RoutingFailed;
      return { update: { round: m.round, status: "routing-failed", at }, detail: m.reasons.join("; ") };
    }
    case decisionTopics.acknowledged.name: {
      const m = event.message as decisionEventsV1.Acknowledged;
      return { update: { round: m.round, status: "acknowledged", at }, detail: "" };
    }
    case decisionTopics.correctionRequested.name: {
      const m = event.message as decisionEventsV1.CorrectionRequested;
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
    case decisionTopics.accepted.name: {
      const m = event.message as decisionEventsV1.Accepted;
      return {
        update: { round: m.round, status: "accepted", at, decision: { caseNumber: m.caseNumber, reasonCategory: "", reason: "", legalBasis: "", decidedAt: date(m.acceptedAt, at) } },
        detail: `accepted as ${m.caseNumber}`,
      };
    }
    case decisionTopics.rejected.name: {
      const m = event.message as decisionEventsV1.Rejected;
      const category = idFromEnum(decisionEventsV1.RejectionCategory, m.category) ?? "other";
      return {
        update: { round: m.round, status: "rejected", at, decision: { caseNumber: "", reasonCategory: category, reason: m.reason, legalBasis: m.legalBasis, decidedAt: date(m.rejectedAt, at) } },
        detail: `not accepted (${category})`,
      };
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
