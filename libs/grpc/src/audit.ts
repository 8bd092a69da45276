import { randomUUID } from "node:crypto";
import { context, trace } from "@opentelemetry/api";
import * as grpc from "@grpc/grpc-js";
import type { AuditCall, AuditEntry, AuthContext } from "@kuayu/auth";
import { isTransient } from "@kuayu/domain";
import { buildRecord } from "@kuayu/kafka";
import { auditTopic, PROVINCE_CODES } from "@kuayu/topics";
import { fromDomain } from "./errors.js";

/**
 * The audit trail's side of the gRPC server (docs/security.md, "Audit trail"). Every call of a
 * state-changing method, and every material download and document issue, runs inside an audit
 * context (libs/auth `auditCalls`); the versioned documents' commit writes the record of a change
 * with the change, and the server publishes the record of a call that changed nothing.
 */
export interface AuditOptions {
  /** The service handling the calls (the records' `service`). */
  service: string;
  /** Publishes one record to its audit topic, acknowledged by every in-sync replica (the service's producer). */
  publish(entry: AuditEntry): Promise<void>;
  /**
   * True where every change of the service is committed with its record — versioned documents, or
   * writes through the audit log (both libs/outbox): a call that committed nothing is then recorded
   * as "no change". False (a service writing its store directly): a call that succeeded is recorded
   * "ok" once it returns.
   */
  versioned: boolean;
}

/** Methods that only read: not recorded — except the audited reads below. A party's look-up (LookupFiling) is a read too; the notices it leads to are recorded (GetDocument). */
const READS = /^(List|Get|BatchGet|Watch|Search|Resolve|Validate|Verify|Show|Lookup)/;
/** Reads that hand out material bytes or issue a document: recorded before anything is served. */
const AUDITED_READS = /^(Download|GetDocument$)/;

export type AuditKind = "change" | "read" | undefined;
export function auditKind(methodName: string): AuditKind {
  if (AUDITED_READS.test(methodName)) return "read";
  return READS.test(methodName) ? undefined : "change";
}

/** Fields of a request that name what a call acts on, in order of preference. */
const TARGET_FIELDS = ["materialId", "documentId", "noticeId", "deliveryId", "complaintId", "drillId", "subscriptionId", "webhookId", "filingId", "id"];

/**
 * A request's value as a record holds it: control characters (a refused request may carry any)
 * shown as U+FFFD — the store takes no NUL — and cut to the record's bound, so the record of any
 * call can be built and chained.
 */
export const recordText = (s: string, max: number): string =>
  [...s]
    .slice(0, max)
    .map((c) => (c.codePointAt(0)! < 0x20 || c === "\u007f" ? "\ufffd" : c))
    .join("");

function targetOf(req: unknown): { target: string; filingId: string } {
  const r = (req ?? {}) as Record<string, unknown>;
  const filingId = typeof r.filingId === "string" ? recordText(r.filingId, 128) : "";
  for (const f of TARGET_FIELDS) if (typeof r[f] === "string" && r[f]) return { target: recordText(r[f] as string, 256), filingId };
  return { target: "", filingId };
}

/** The province whose chain records a call: the acting court's ("00" for a code no chain has). */
const chainOf = (province: string) => ((PROVINCE_CODES as readonly string[]).includes(province) ? province : "00");

/** A new audit context for a call. */
export function auditCall(auth: AuthContext, method: string, service: string, req: unknown): AuditCall & { published: boolean } {
  const { target, filingId } = targetOf(req);
  const traceId = trace.getSpan(context.active())?.spanContext().traceId ?? "";
  const actor = { user: auth.user, ...(auth.name ? { name: auth.name } : {}), courtId: auth.courtId, province: auth.province, roles: [...auth.roles] };
  const call = {
    actor,
    method,
    target,
    filingId,
    committed: 0,
    published: false,
    entry(result: string, changed?: string): AuditEntry {
      const province = chainOf(actor.province);
      const id = randomUUID();
      const tgt = call.target || changed || "";
      const r = buildRecord(
        auditTopic(province),
        province,
        { id, actor, method, target: tgt, result, traceId, time: new Date().toISOString(), service, filingId: call.filingId || changed || "" },
        { source: service, id },
      );
      return { _id: id, topic: r.topic, key: r.key, value: r.value, headers: r.headers };
    },
  };
  return call;
}

/** The result a failed call's record names: "denied" for a refusal, else "error <gRPC code>". */
export function auditResult(err: unknown): string {
  const code = fromDomain(err)?.code ?? (isTransient(err) ? grpc.status.UNAVAILABLE : grpc.status.INTERNAL);
  if (code === grpc.status.PERMISSION_DENIED || code === grpc.status.UNAUTHENTICATED) return "denied";
  return `error ${grpc.status[code]}`;
}
