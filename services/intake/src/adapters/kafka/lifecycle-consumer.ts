import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { inEventTrace, type ConsumedEvent } from "@kuayu/kafka";
import { decisionEventsV1, idFromEnum } from "@kuayu/proto";
import { FILING_EVENTS } from "@kuayu/topics";
import { deadlinesText, type LifecycleUpdate } from "../../domain/filing.js";
import { recordLifecycle, type Deps, type LifecycleItem, type LifecycleLog } from "../../domain/intake.js";
import { SOURCE } from "./topics.js";

const date = (t: Timestamp | undefined, fallback: Date) => (t ? timestampDate(t) : fallback);
const dateOrNone = (t: Timestamp | undefined) => (t ? timestampDate(t) : undefined);
const deadlines = (responseDue: Timestamp | undefined, decisionDue: Timestamp | undefined, provisional: boolean) => deadlinesText(dateOrNone(responseDue), dateOrNone(decisionDue), provisional);

/** The status change an event implies for the window, and a short, personal-data-free detail. */
function interpret(event: ConsumedEvent): { update?: Omit<LifecycleUpdate, "eventType">; detail: string } {
  const at = event.meta.time;
  switch (event.meta.type) {
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
      const now = { responseDue: m.responseDue && timestampDate(m.responseDue), decisionDue: m.decisionDue && timestampDate(m.decisionDue), provisional: m.provisional };
      return {
        update: { round: m.round, at, deadlines: now },
        detail: `deadlines recomputed, holiday calendar ${m.calendarYears.join(", ")} changed: ${deadlines(m.responseDue, m.decisionDue, m.provisional)} (was ${was})`,
      };
    }
    default:
      return { detail: "" };
  }
}

/**
 * The events the window records: the other services' (runConsumer `types`: intake's own — a
 * submission's route too — are skipped undecoded: the change that emitted them wrote their
 * timeline entry).
 */
const OWN_EVENT_TYPES: readonly string[] = [FILING_EVENTS.submitted, FILING_EVENTS.correctionSubmitted, FILING_EVENTS.routed, FILING_EVENTS.routingFailed, FILING_EVENTS.withdrawn];
export const LIFECYCLE_EVENT_TYPES = Object.values(FILING_EVENTS).filter((t) => !OWN_EVENT_TYPES.includes(t));

/** Filings of one batch changed at once. */
const FILINGS_AT_ONCE = 8;

/**
 * Turns lifecycle events into the window's timeline and status of record: a batch of a partition
 * (every event of a filing comes on one partition, so this member is the only consumer writing
 * it) is one change per filing, whatever number of its events the batch holds. Idempotent: an
 * entry is keyed by the event id and status changes only move forward within a round.
 */
export function lifecycleConsumer(deps: Pick<Deps, "repo" | "now"> & { log: LifecycleLog }) {
  return async (events: ConsumedEvent[]): Promise<void> => {
    const byFiling = new Map<string, LifecycleItem[]>();
    /** A filing's last event: its change is written in that event's trace. */
    const last = new Map<string, ConsumedEvent>();
    for (const event of events) {
      // Intake's own events are in the timeline already: the change that emitted them wrote their entry.
      if (event.meta.source === SOURCE) continue;
      const { update, detail } = interpret(event);
      const items = byFiling.get(event.key) ?? [];
      items.push({
        entry: {
          eventId: event.meta.id,
          eventType: event.meta.type,
          at: event.meta.time,
          source: event.meta.source,
          detail,
          ...(event.meta.actor ? { actor: { user: event.meta.actor.user, ...(event.meta.actor.name ? { name: event.meta.actor.name } : {}), courtId: event.meta.actor.courtId } } : {}),
        },
        update: update && { ...update, eventType: event.meta.type },
      });
      byFiling.set(event.key, items);
      last.set(event.key, event);
    }
    const queue = [...byFiling];
    await Promise.all(
      Array.from({ length: Math.min(FILINGS_AT_ONCE, queue.length) }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) await inEventTrace(last.get(next[0])!, () => recordLifecycle(deps, next[0], next[1]));
      }),
    );
  };
}
