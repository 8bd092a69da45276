import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { CaseType } from "@kuayu/domain";
import { commonV1, intakeV1 } from "@kuayu/proto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Filing } from "../domain/filing.js";

const CT = commonV1.CaseType;
const caseTypes: [CaseType, commonV1.CaseType][] = [
  ["civil-first-instance", CT.CIVIL_FIRST_INSTANCE],
  ["administrative-first-instance", CT.ADMINISTRATIVE_FIRST_INSTANCE],
  ["enforcement", CT.ENFORCEMENT],
  ["criminal-private-prosecution", CT.CRIMINAL_PRIVATE_PROSECUTION],
  ["state-compensation", CT.STATE_COMPENSATION],
  ["civil-retrial-application", CT.CIVIL_RETRIAL_APPLICATION],
];
const toProto = new Map(caseTypes);
const fromProto = new Map(caseTypes.map(([d, p]) => [p, d]));

export const toProtoCaseType = (c: CaseType): commonV1.CaseType => toProto.get(c)!;
/** undefined for UNSPECIFIED or an unknown number (validation reports it). */
export const fromProtoCaseType = (c: commonV1.CaseType): CaseType | undefined => fromProto.get(c);

export function filingToProto(f: Filing): MessageInitShape<typeof intakeV1.FilingSchema> {
  return {
    filingId: f.id,
    collaboratingCourtId: f.collaboratingCourtId,
    jurisdictionCourtId: f.jurisdictionCourtId,
    caseType: toProtoCaseType(f.caseType),
    summary: f.summary,
    status: intakeV1.FilingStatus.SUBMITTED,
    submittedAt: timestampFromDate(f.submittedAt),
    drill: f.drill,
    timeline: f.timeline.map((t) => ({ eventId: t.eventId, eventType: t.eventType, at: timestampFromDate(t.at) })),
  };
}
