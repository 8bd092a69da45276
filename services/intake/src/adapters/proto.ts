import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { isCaseType, maskIdentityNumber, maskName, type CaseType } from "@kuayu/domain";
import { commonV1, enumFromId, idFromEnum, intakeV1 } from "@kuayu/proto";
import type { Agent, Filing, FilingDetails, FilingStatus, Material, Party, TimelineEntry } from "../domain/filing.js";

// Domain ⇄ protobuf for intake. Enums map by name: FILING_STATUS_CORRECTION_REQUESTED ⇄ "correction-requested".

export const toProtoCaseType = (c: CaseType): commonV1.CaseType => enumFromId(commonV1.CaseType, c);
/** undefined for UNSPECIFIED or an unknown number (validation reports it). */
export const fromProtoCaseType = (c: commonV1.CaseType): CaseType | undefined => {
  const id = idFromEnum(commonV1.CaseType, c);
  return isCaseType(id) ? id : undefined;
};

/** Kebab id of an enum value, or undefined for UNSPECIFIED and unknown numbers. */
function fromEnum<T extends string>(e: Record<string, string | number>, v: number, allowed: readonly T[]): T | undefined {
  const id = idFromEnum(e, v);
  return id !== undefined && (allowed as readonly string[]).includes(id) ? (id as T) : undefined;
}

export const toProtoStatus = (s: FilingStatus): intakeV1.FilingStatus => enumFromId(intakeV1.FilingStatus, s);
export const fromProtoStatus = (s: intakeV1.FilingStatus): FilingStatus | undefined =>
  fromEnum(intakeV1.FilingStatus, s, ["draft", "submitted", "routed", "acknowledged", "correction-requested", "accepted", "rejected", "withdrawn", "routing-failed"]);

const ts = (d: Date | undefined): Timestamp | undefined => (d ? timestampFromDate(d) : undefined);

export function detailsFromProto(d: intakeV1.FilingDetails | undefined): FilingDetails {
  return {
    caseType: d ? fromProtoCaseType(d.caseType) : undefined,
    parties: (d?.parties ?? []).map(partyFromProto),
    claims: d?.claims ?? "",
    facts: d?.facts ?? "",
    jurisdictionCourtId: d?.jurisdictionCourtId.trim() ?? "",
    jurisdictionSource: d ? fromEnum(intakeV1.JurisdictionSource, d.jurisdictionSource, ["clerk", "finder"]) : undefined,
    jurisdictionBasis: d?.jurisdictionBasis ?? "",
    liableOrganDecided: d?.liableOrganDecided ?? false,
    drill: d?.drill ?? false,
  };
}

function partyFromProto(p: intakeV1.Party): Party {
  const id = p.identity;
  return {
    role: fromEnum(intakeV1.PartyRole, p.role, ["plaintiff", "defendant", "third-party"]),
    identity:
      id.case === "person"
        ? { kind: "person", name: id.value.name.trim(), residentId: id.value.residentId.trim() }
        : id.case === "organization"
          ? { kind: "organization", name: id.value.name.trim(), creditCode: id.value.creditCode.trim(), legalRepresentative: id.value.legalRepresentative.trim() }
          : undefined,
    address: p.address.trim(),
    phone: p.phone.trim(),
    agents: p.agents.map((a): Agent => ({
      name: a.name.trim(),
      kind: fromEnum(intakeV1.AgentKind, a.kind, ["lawyer", "legal-worker", "citizen"]),
      residentId: a.residentId.trim(),
      licenseNumber: a.licenseNumber.trim(),
      authorization: fromEnum(intakeV1.AuthorizationScope, a.authorization, ["general", "special"]),
      phone: a.phone.trim(),
    })),
  };
}

export function detailsToProto(d: FilingDetails): MessageInitShape<typeof intakeV1.FilingDetailsSchema> {
  return {
    caseType: d.caseType ? toProtoCaseType(d.caseType) : commonV1.CaseType.UNSPECIFIED,
    parties: d.parties.map((p) => ({
      role: p.role ? enumFromId(intakeV1.PartyRole, p.role) : intakeV1.PartyRole.UNSPECIFIED,
      identity:
        p.identity?.kind === "person"
          ? { case: "person" as const, value: { name: p.identity.name, residentId: p.identity.residentId } }
          : p.identity?.kind === "organization"
            ? { case: "organization" as const, value: { name: p.identity.name, creditCode: p.identity.creditCode, legalRepresentative: p.identity.legalRepresentative } }
            : { case: undefined },
      address: p.address,
      phone: p.phone,
      agents: p.agents.map((a) => ({
        name: a.name,
        kind: a.kind ? enumFromId(intakeV1.AgentKind, a.kind) : intakeV1.AgentKind.UNSPECIFIED,
        residentId: a.residentId,
        licenseNumber: a.licenseNumber,
        authorization: a.authorization ? enumFromId(intakeV1.AuthorizationScope, a.authorization) : intakeV1.AuthorizationScope.UNSPECIFIED,
        phone: a.phone,
      })),
    })),
    claims: d.claims,
    facts: d.facts,
    jurisdictionCourtId: d.jurisdictionCourtId,
    jurisdictionSource: d.jurisdictionSource ? enumFromId(intakeV1.JurisdictionSource, d.jurisdictionSource) : intakeV1.JurisdictionSource.UNSPECIFIED,
    jurisdictionBasis: d.jurisdictionBasis,
    liableOrganDecided: d.liableOrganDecided,
    drill: d.drill,
  };
}

/**
 * The details as the jurisdiction province's copy of a submission carries them (a filing whose two
 * courts are in different provinces): what that side's consumers of the event use — the case type,
 * the court, each party's role and name (printed on the jurisdiction court's notices). Identity
 * numbers, credit codes, legal representatives, addresses, phones, agents, claims and facts stay
 * out: the jurisdiction court's inbox takes the filing from the round's FilingRouted, and nothing
 * else on that side reads them from this event.
 */
export function jurisdictionCopyOfDetails(d: FilingDetails): MessageInitShape<typeof intakeV1.FilingDetailsSchema> {
  return {
    caseType: d.caseType ? toProtoCaseType(d.caseType) : commonV1.CaseType.UNSPECIFIED,
    parties: d.parties.map((p) => ({
      role: p.role ? enumFromId(intakeV1.PartyRole, p.role) : intakeV1.PartyRole.UNSPECIFIED,
      identity:
        p.identity?.kind === "person"
          ? { case: "person" as const, value: { name: p.identity.name } }
          : p.identity?.kind === "organization"
            ? { case: "organization" as const, value: { name: p.identity.name } }
            : { case: undefined },
    })),
    jurisdictionCourtId: d.jurisdictionCourtId,
    drill: d.drill,
  };
}

export const materialToProto = (m: Material): MessageInitShape<typeof intakeV1.MaterialSchema> => ({
  materialId: m.id,
  kind: m.kind,
  fileName: m.fileName,
  mediaType: m.mediaType,
  sizeBytes: BigInt(m.sizeBytes),
  sha256: m.sha256,
  round: m.round,
  uploadedAt: timestampFromDate(m.uploadedAt),
});

export function filingToProto(f: Filing, timeline: TimelineEntry[] = []): MessageInitShape<typeof intakeV1.FilingSchema> {
  return {
    filingId: f.id,
    collaboratingCourtId: f.collaboratingCourtId,
    status: toProtoStatus(f.status),
    details: detailsToProto(f.details),
    materials: f.materials.map(materialToProto),
    receiptNumber: f.receiptNumber,
    round: f.round,
    createdAt: ts(f.createdAt),
    submittedAt: ts(f.submittedAt),
    updatedAt: ts(f.updatedAt),
    correctionRequest: f.correctionRequest && {
      items: f.correctionRequest.items,
      deadline: ts(f.correctionRequest.deadline),
      note: f.correctionRequest.note,
      requestedAt: ts(f.correctionRequest.requestedAt),
    },
    decision: f.decision && { ...f.decision, decidedAt: ts(f.decision.decidedAt) },
    timeline: timeline.map((t) => ({ eventId: t.eventId, eventType: t.eventType, at: timestampFromDate(t.at), source: t.source, detail: t.detail, ...(t.actor ? { actor: t.actor } : {}) })),
  };
}

/** A court's name and seat (the directory), for the party's view. */
export type CourtLookup = (courtId: string) => { name: string; address: string } | undefined;

/**
 * The party's view (LookupFiling): the filing's status, courts, desk, deadlines, corrections and
 * decision — and of the parties only those the phone belongs to, name and id masked. Nothing of
 * the claims, facts, materials or other parties.
 */
export function partyFilingToProto(f: Filing, parties: { party: Party; throughAgent: boolean }[], courts: CourtLookup): MessageInitShape<typeof intakeV1.PartyFilingSchema> {
  const jurisdiction = courts(f.details.jurisdictionCourtId);
  const open = f.status === "correction-requested";
  return {
    filingId: f.id,
    receiptNumber: f.receiptNumber,
    status: toProtoStatus(f.status),
    caseType: f.details.caseType ? toProtoCaseType(f.details.caseType) : commonV1.CaseType.UNSPECIFIED,
    collaboratingCourtId: f.collaboratingCourtId,
    collaboratingCourtName: courts(f.collaboratingCourtId)?.name ?? f.collaboratingCourtId,
    jurisdictionCourtId: f.details.jurisdictionCourtId,
    jurisdictionCourtName: jurisdiction?.name ?? f.details.jurisdictionCourtId,
    jurisdictionCourtAddress: jurisdiction?.address ?? "",
    contactName: f.routing?.contact?.name ?? "",
    contactPhone: f.routing?.contact?.phone ?? "",
    submittedAt: ts(f.submittedAt),
    responseDue: ts(f.routing?.responseDue),
    decisionDue: ts(f.routing?.decisionDue),
    deadlinesProvisional: f.routing?.provisional ?? false,
    correctionRequest:
      open && f.correctionRequest
        ? { items: f.correctionRequest.items, deadline: ts(f.correctionRequest.deadline), note: f.correctionRequest.note, requestedAt: ts(f.correctionRequest.requestedAt) }
        : undefined,
    decision: f.decision && { ...f.decision, decidedAt: ts(f.decision.decidedAt) },
    parties: parties.map(({ party, throughAgent }) => {
      const id = party.identity?.kind === "person" ? party.identity.residentId : party.identity?.kind === "organization" ? party.identity.creditCode : "";
      return {
        role: party.role ? enumFromId(intakeV1.PartyRole, party.role) : intakeV1.PartyRole.UNSPECIFIED,
        name: maskName(party.identity?.name ?? ""),
        idNumber: id ? maskIdentityNumber(id.trim()) : "",
        throughAgent,
      };
    }),
    updatedAt: ts(f.updatedAt),
    round: f.round,
  };
}

export const dateOf = (t: Timestamp | undefined): Date | undefined => (t ? timestampDate(t) : undefined);
