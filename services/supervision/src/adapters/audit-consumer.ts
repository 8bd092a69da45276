import type { ConsumedEvent } from "@kuayu/kafka";
import { provinceOfAuditTopic } from "@kuayu/topics";
import type { auditV1 } from "@kuayu/proto";
import type { AuditRecord } from "../domain/audit-chain.js";
import type { AuditTrail } from "./audit-trail.js";

/** The store takes no NUL: one in a record (the services write none) is kept as U+FFFD, not refused forever. */
const t = (s: string) => s.replaceAll("\u0000", "\ufffd");

/** An audit topic's record as the chain holds it. */
export function chainRecord(m: auditV1.AuditRecord): AuditRecord {
  const a = m.actor;
  return {
    id: t(m.id),
    actor: { user: t(a?.user ?? ""), ...(a?.name ? { name: t(a.name) } : {}), courtId: t(a?.courtId ?? ""), province: t(a?.province ?? ""), roles: (a?.roles ?? []).map(t) },
    method: t(m.method),
    target: t(m.target),
    result: t(m.result),
    traceId: t(m.traceId),
    time: t(m.time),
    service: t(m.service),
    filingId: t(m.filingId),
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
