import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { resolveJurisdiction, type Court, type Directory, type JurisdictionQuery } from "@kuayu/directory";
import { ValidationError } from "@kuayu/domain";
import { isCaseType, type CaseType, type CourtKind, type CourtLevel } from "@kuayu/domain";
import { implement } from "@kuayu/grpc";
import { commonV1, directoryV1, enumFromId, idFromEnum } from "@kuayu/proto";
import { batchGetCourts, getCourt, searchCourts, validateRoute, workingHoursOf, workingStatus } from "../../domain/directory-queries.js";
import { routeOf } from "../../domain/route.js";

const caseTypeOf = (c: commonV1.CaseType): CaseType | undefined => {
  const id = idFromEnum(commonV1.CaseType, c);
  return isCaseType(id) ? id : undefined;
};

function courtToProto(dir: Directory, c: Court): MessageInitShape<typeof directoryV1.CourtSchema> {
  return {
    courtId: c.id,
    name: c.name,
    code: c.code,
    kind: enumFromId(directoryV1.CourtKind, c.kind),
    level: enumFromId(directoryV1.CourtLevel, c.level),
    province: c.province,
    divisionCode: c.division,
    parentId: c.parentId ?? "",
    roles: c.roles.map((r) => enumFromId(directoryV1.CourtRole, r)),
    acceptedCaseTypes: c.caseTypes.map((t) => enumFromId(commonV1.CaseType, t)),
    workingHours: workingHoursOf(dir, c).periods.map((p) => ({ start: p.start, end: p.end })),
    seatAddress: c.address,
  };
}

/** gRPC adapter of kuayu.directory.v1.DirectoryService. Any authenticated caller may read. */
export function directoryService(dir: Directory, now: () => Date = () => new Date()) {
  return implement(directoryV1.DirectoryService, {
    async getCourt(req) {
      return { court: courtToProto(dir, getCourt(dir, req.courtId)) };
    },
    async batchGetCourts(req) {
      const { courts, notFound } = batchGetCourts(dir, req.courtIds);
      return { courts: courts.map((c) => courtToProto(dir, c)), notFoundIds: notFound };
    },
    async searchCourts(req) {
      const r = searchCourts(dir, {
        name: req.name,
        code: req.code,
        province: req.province,
        kind: idFromEnum<CourtKind>(directoryV1.CourtKind, req.kind),
        level: idFromEnum<CourtLevel>(directoryV1.CourtLevel, req.level),
        pageSize: req.pageSize,
        pageToken: req.pageToken,
      });
      return { courts: r.courts.map((c) => courtToProto(dir, c)), nextPageToken: r.nextPageToken, totalSize: r.total };
    },
    async resolveJurisdiction(req) {
      const caseType = caseTypeOf(req.caseType);
      if (!caseType) throw new ValidationError([{ field: "case_type", description: "a case type is required" }]);
      const opt = (s: string) => s || undefined;
      const query: JurisdictionQuery = {
        caseType,
        defendantDomiciles: req.defendantDomiciles,
        plaintiffDomicile: opt(req.plaintiffDomicile),
        contractPerformancePlace: opt(req.contractPerformancePlace),
        tortPlace: opt(req.tortPlace),
        maritime: req.maritime,
        portDivision: opt(req.portDivision),
        intellectualProperty: req.intellectualProperty,
        ipKind: req.ipKind === directoryV1.IpKind.OTHER ? "other" : "technical",
        ecommercePlatform: req.ecommercePlatform,
        financial: req.financial,
        administrativeOrgan: opt(req.administrativeOrgan),
        personalLibertyRestricted: req.personalLibertyRestricted,
        originalCourtId: opt(req.originalCourtId),
        propertyPlace: opt(req.propertyPlace),
        partiesAreCitizensOrNumerous: req.partiesAreCitizensOrNumerous,
        liableOrganDivision: opt(req.liableOrganDivision),
      };
      return {
        candidates: resolveJurisdiction(dir, query).map((c) => ({
          court: courtToProto(dir, c.court),
          basis: c.basis,
          rule: c.rule,
          exclusive: c.exclusive,
          place: c.place ?? "",
          assumption: c.assumption ?? "",
        })),
      };
    },
    async validateRoute(req) {
      const caseType = caseTypeOf(req.caseType);
      const problems = validateRoute(dir, req.collaboratingCourtId, req.jurisdictionCourtId, caseType);
      const to = dir.byId(req.jurisdictionCourtId);
      if (problems.length > 0 || !to || !caseType) return { valid: false, problems, jurisdictionProvince: to?.province ?? "" };
      // validateRoute threw for an unknown court: both are in the directory here.
      const at = now();
      const route = routeOf(dir, dir.byId(req.collaboratingCourtId)!, to, caseType, at);
      return {
        valid: true,
        problems,
        jurisdictionProvince: to.province,
        route: {
          originProvince: route.originProvince,
          routedAt: timestampFromDate(at),
          responseDue: timestampFromDate(route.responseDue),
          decisionDue: timestampFromDate(route.decisionDue),
          deadlinesProvisional: route.deadlinesEstimated,
          contactName: route.contact?.name ?? "",
          contactPhone: route.contact?.phone ?? "",
          courtCode: route.court.code,
          courtLevel: route.court.level,
          courtKind: route.court.kind,
        },
      };
    },
    async listContacts(req) {
      return { contacts: getCourt(dir, req.courtId).contacts.map((c) => ({ ...c })) };
    },
    async getWorkingStatus(req) {
      const s = workingStatus(dir, req.courtId, req.at ? timestampDate(req.at) : now());
      return { open: s.open, workingDay: s.workingDay, nextOpening: timestampFromDate(s.nextOpening), provisional: s.provisional };
    },
  });
}
