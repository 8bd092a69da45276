import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { isCaseType, type CaseType } from "@kuayu/domain";
import { commonV1, enumFromId, idFromEnum, intakeV1 } from "@kuayu/proto";
import type { Filing } from "../domain/filing.js";

export const toProtoCaseType = (c: CaseType): commonV1.CaseType => enumFromId(commonV1.CaseType, c);
/** undefined for UNSPECIFIED or an unknown number (validation reports it). */
export const fromProtoCaseType = (c: commonV1.CaseType): CaseType | undefined => {
  const id = idFromEnum(commonV1.CaseType, c);
  return isCaseType(id) ? id : undefined;
};

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
