import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { ConsumedEvent } from "@kuayu/kafka";
import { lifecycleStream } from "@kuayu/topics";
import { commonV1, idFromEnum } from "@kuayu/proto";
import { isCaseType } from "@kuayu/domain";
import type { PartitionEvent } from "./partition-writer.js";
import type { Supervision } from "./supervision.js";

const date = (t: Timestamp | undefined) => (t ? timestampDate(t) : undefined);

/** A lifecycle event as the ledger reads it. */
function ledgerEvent(event: ConsumedEvent): PartitionEvent {
  const m = event.message as unknown as Record<string, unknown>;
  const caseType = typeof m.caseType === "number" ? idFromEnum(commonV1.CaseType, m.caseType) : undefined;
  return {
    filingId: (m.filingId as string) || event.key,
    offset: Number(event.offset),
    type: event.meta.type,
    at: event.meta.time,
    collaboratingCourtId: m.collaboratingCourtId as string | undefined,
    jurisdictionCourtId: m.jurisdictionCourtId as string | undefined,
    province: (m.province as string) || undefined,
    caseType: isCaseType(caseType) ? caseType : undefined,
    receiptNumber: m.receiptNumber as string | undefined,
    drill: m.drill as boolean | undefined,
    round: m.round as number | undefined,
    routedAt: date(m.routedAt as Timestamp | undefined),
    responseDue: date(m.responseDue as Timestamp | undefined),
    decisionDue: date(m.decisionDue as Timestamp | undefined),
    acknowledgedAt: date(m.acknowledgedAt as Timestamp | undefined),
  };
}

/**
 * Each fetch of a province's lifecycle topic into the SLA ledger and its counters, written with the
 * other topics' fetches in the next flush (partition-writer.ts), as the topic's stream
 * (`lifecycleStream`); it returns, and its offsets are committed, once that flush is written. The
 * consumer hands over only the copies on the topic of the jurisdiction court's province
 * (`ownCopy("jurisdiction")`, app.ts), of the release's scope's topics: every filing is counted
 * once, by its jurisdiction province's stream. Exactly once: a redelivered event is recognised by
 * its offset.
 */
export function ledgerConsumer(sup: Supervision) {
  return async (events: ConsumedEvent[], batch: { topic: string }): Promise<void> => {
    if (events.length > 0) await sup.ingest(lifecycleStream(batch.topic), events.map(ledgerEvent));
  };
}
