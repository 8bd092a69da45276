import { fromJson, toJson, type JsonValue, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { commonV1, decisionEventsV1, decisionV1, enumFromId, idFromEnum, intakeV1, type routingEventsV1 } from "@kuayu/proto";
import { isCaseType } from "@kuayu/domain";
import { INBOX_VIEWS, REJECTION_CATEGORIES, isOverdue, materialsComplete, type Arrival, type InboxFiling, type InboxMaterial, type InboxView, type RejectionCategory } from "../domain/inbox.js";

const ts = (d: Date | undefined): Timestamp | undefined => (d ? timestampFromDate(d) : undefined);
const date = (t: Timestamp | undefined): Date | undefined => (t ? timestampDate(t) : undefined);

export const materialToProto = (m: Omit<InboxMaterial, "copied">): MessageInitShape<typeof intakeV1.MaterialSchema> => ({
  materialId: m.id,
  kind: m.kind,
  fileName: m.fileName,
  mediaType: m.mediaType,
  sizeBytes: BigInt(m.sizeBytes),
  sha256: m.sha256,
  round: m.round,
  uploadedAt: timestampFromDate(m.uploadedAt),
});

export function inboxFilingToProto(f: InboxFiling, now: Date): MessageInitShape<typeof decisionV1.InboxFilingSchema> {
  return {
    filingId: f.id,
    jurisdictionCourtId: f.jurisdictionCourtId,
    collaboratingCourtId: f.collaboratingCourtId,
    caseType: enumFromId(commonV1.CaseType, f.caseType),
    status: enumFromId(decisionV1.InboxStatus, f.status),
    round: f.round,
    receiptNumber: f.receiptNumber,
    details: f.details ? fromJson(intakeV1.FilingDetailsSchema, f.details as JsonValue, { ignoreUnknownFields: true }) : undefined,
    materials: f.materials.map((m) => ({ material: materialToProto(m), copied: m.copied })),
    materialsComplete: materialsComplete(f),
    arrivedAt: ts(f.arrivedAt),
    responseDue: ts(f.responseDue),
    decisionDue: ts(f.decisionDue),
    acknowledgedAt: ts(f.acknowledgedAt),
    overdue: isOverdue(f, now),
    deadlinesEstimated: f.deadlinesEstimated,
    caseNumber: f.caseNumber,
    rejectionCategory: f.rejection ? enumFromId(decisionEventsV1.RejectionCategory, f.rejection.category) : decisionEventsV1.RejectionCategory.UNSPECIFIED,
    rejectionReason: f.rejection?.reason ?? "",
    rejectionLegalBasis: f.rejection?.legalBasis ?? "",
    correctionItems: f.correction?.items ?? [],
    correctionDeadline: ts(f.correction?.deadline),
    decidedAt: ts(f.decidedAt),
    updatedAt: ts(f.updatedAt),
    drill: f.drill,
  };
}

export const viewFromProto = (v: decisionV1.InboxView): InboxView | undefined => {
  if (v === decisionV1.InboxView.UNSPECIFIED) return "awaiting-response";
  const id = idFromEnum(decisionV1.InboxView, v);
  return (INBOX_VIEWS as readonly (string | undefined)[]).includes(id) ? (id as InboxView) : undefined;
};

export const categoryFromProto = (c: decisionEventsV1.RejectionCategory): RejectionCategory | undefined => {
  const id = idFromEnum(decisionEventsV1.RejectionCategory, c);
  return (REJECTION_CATEGORIES as readonly (string | undefined)[]).includes(id) ? (id as RejectionCategory) : undefined;
};

/** A routed event as an arrival; undefined when it cannot be one (unknown case type). */
export function arrivalFromEvent(m: routingEventsV1.FilingRouted): Arrival | undefined {
  const caseType = idFromEnum(commonV1.CaseType, m.caseType);
  if (!isCaseType(caseType) || !m.responseDue || !m.decisionDue) return undefined;
  return {
    filingId: m.filingId,
    jurisdictionCourtId: m.jurisdictionCourtId,
    collaboratingCourtId: m.collaboratingCourtId,
    province: m.province,
    originProvince: m.originProvince,
    court: { code: m.jurisdictionCourtCode, level: m.jurisdictionCourtLevel, kind: m.jurisdictionCourtKind },
    caseType,
    round: m.round,
    receiptNumber: m.receiptNumber,
    details: m.details ? toJson(intakeV1.FilingDetailsSchema, m.details) : undefined,
    materials: m.materials.map((x) => ({
      id: x.materialId,
      kind: x.kind,
      fileName: x.fileName,
      mediaType: x.mediaType,
      sizeBytes: Number(x.sizeBytes),
      sha256: x.sha256,
      round: x.round,
      uploadedAt: date(x.uploadedAt) ?? new Date(0),
    })),
    // Old events without routed_at: the deadlines were computed about when the event was made.
    routedAt: date(m.routedAt) ?? new Date(),
    responseDue: timestampDate(m.responseDue),
    decisionDue: timestampDate(m.decisionDue),
    deadlinesEstimated: m.deadlinesEstimated,
    drill: m.drill,
  };
}

export { date as dateOf };
