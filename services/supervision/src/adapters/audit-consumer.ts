import type { ConsumedEvent } from "@kuayu/kafka";
import { provinceOfAuditTopic } from "@kuayu/topics";
import type { auditV1 } from "@kuayu/proto";
import type { AuditRecord } from "../domain/audit-chain.js";
import type { AuditTrail } from "./audit-trail.js";

/** An audit topic's record as the chain holds it. */
export function chainRecord(m: auditV1.AuditRecord): AuditRecord {
  const a = m.actor;
  return {
    id: m.id,
    actor: { user: a?.user ?? "", ...(a?.name ? { name: a.name } : {}), courtId: a?.courtId ?? "", province: a?.province ?? "", roles: [...(a?.roles ?? [])] },
    method: m.method,
    target: m.target,
    result: m.result,
    traceId: m.traceId,
    time: m.time,
    service: m.service,
    filingId: m.filingId,
  };
}

/**
 * Each fetch of a province's audit topic into the province's chain: this member is the only writer
 * of it (one partition per province's topic). Offsets are committed after the chain entries are
 * written; a redelivery finds its records by id and skips them.
 */
export function auditConsumer(trail: AuditTrail) {
  return async (events: ConsumedEvent[], batch: { topic: string }): Promise<void> => {
    const province = provinceOfAuditTopic(batch.topic);
    if (!province || events.length === 0) return;
    await trail.ingest(
      province,
      events.map((e) => chainRecord(e.message as unknown as auditV1.AuditRecord)),
    );
  };
}
