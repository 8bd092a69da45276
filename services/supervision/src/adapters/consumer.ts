import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { ConsumedEvent } from "@kuayu/kafka";
import { commonV1, idFromEnum } from "@kuayu/proto";
import { isCaseType } from "@kuayu/domain";
import type { Supervision } from "./supervision.js";

const date = (t: Timestamp | undefined) => (t ? timestampDate(t) : undefined);

/**
 * Every lifecycle event into the SLA ledger and its counters. Idempotent: ledger transitions are
 * "first time" facts and each counter contribution is made once per filing.
 */
export function ledgerConsumer(sup: Supervision, inScope: (province: string) => boolean) {
  return async (event: ConsumedEvent): Promise<void> => {
    const m = event.message as unknown as Record<string, unknown>;
    const province = (m.province as string) ?? "";
    if (province && !inScope(province)) return;
    const caseType = typeof m.caseType === "number" ? idFromEnum(commonV1.CaseType, m.caseType) : undefined;
    await sup.ingest({
      filingId: (m.filingId as string) || event.key,
      type: event.meta.type,
      at: event.meta.time,
      collaboratingCourtId: m.collaboratingCourtId as string | undefined,
      jurisdictionCourtId: m.jurisdictionCourtId as string | undefined,
      province: province || undefined,
      caseType: isCaseType(caseType) ? caseType : undefined,
      receiptNumber: m.receiptNumber as string | undefined,
      drill: m.drill as boolean | undefined,
      round: m.round as number | undefined,
      routedAt: date(m.routedAt as Timestamp | undefined),
      responseDue: date(m.responseDue as Timestamp | undefined),
      decisionDue: date(m.decisionDue as Timestamp | undefined),
      acknowledgedAt: date(m.acknowledgedAt as Timestamp | undefined),
    });
  };
}
