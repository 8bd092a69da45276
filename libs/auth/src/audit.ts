import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The audit context of a call (docs/security.md, "Audit trail"): who acts, through which method, on
 * what. The gRPC server (libs/grpc) opens one per call from the verified token; the versioned
 * documents' commit (libs/outbox) appends the call's record to the version row it inserts, so the
 * record is written with the change; lifecycle events built inside the call carry the actor
 * (libs/kafka buildRecord).
 */
export interface AuditActor {
  user: string;
  name?: string;
  courtId: string;
  province: string;
  roles: string[];
}

/** A record of the call ready to go to the province's audit topic (the shape of an outbox entry). */
export interface AuditEntry {
  _id: string;
  topic: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

export interface AuditCall {
  actor: AuditActor;
  method: string;
  /** What the call acts on (a filing id, a material id …); a handler may name it (setAuditTarget). */
  target: string;
  /** The filing the target belongs to, when known. */
  filingId: string;
  /** Records written with a change by this call (committed versions). */
  committed: number;
  /** The record of this call with the given result, as an entry for the outbox or the producer. */
  entry(result: string, target?: string): AuditEntry;
}

export const auditCalls = new AsyncLocalStorage<AuditCall>();

/** The audit context of the running call, if any (none outside a gRPC call: consumers, workers). */
export const currentAudit = (): AuditCall | undefined => auditCalls.getStore();

/** Names the target (and its filing) of the running call, when the request alone does not. */
export function setAuditTarget(target: string, filingId = target): void {
  const call = auditCalls.getStore();
  if (!call) return;
  if (!call.target) call.target = target;
  if (!call.filingId) call.filingId = filingId;
}
