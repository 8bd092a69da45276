import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { ConsumedEvent } from "@kuayu/kafka";
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
 * Each fetch of a lifecycle partition into the SLA ledger and its counters, written with the other
 * partitions' fetches in the next flush (partition-writer.ts); it returns, and its offsets are
 * committed, once that flush is written. Events of provinces outside the release's scope are left
 * out. Exactly once: a redelivered event is recognised by its offset.
 */
export function ledgerConsumer(sup: Supervision, inScope: (province: string) => boolean) {
  return async (events: ConsumedEvent[], batch: { partition: number }): Promise<void> => {
    const mine = events.map(ledgerEvent).filter((e) => !e.province || inScope(e.province));
    if (mine.length > 0) await sup.ingest(batch.partition, mine);
  };
}
