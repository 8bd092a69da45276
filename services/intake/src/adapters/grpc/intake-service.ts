import { implement, requireRole } from "@kuayu/grpc";
import { intakeV1 } from "@kuayu/proto";
import { getFiling, submitFiling, type Deps } from "../../domain/filing.js";
import { filingToProto, fromProtoCaseType } from "../proto.js";

/** gRPC adapter of kuayu.intake.v1.FilingIntakeService: maps protos to commands and back. */
export function intakeService(deps: Deps) {
  return implement(intakeV1.FilingIntakeService, {
    async submitFiling(req, ctx) {
      requireRole(ctx, "window-clerk", "court-system");
      const filing = await submitFiling(deps, ctx.auth, {
        idempotencyKey: req.idempotencyKey,
        caseType: fromProtoCaseType(req.caseType),
        jurisdictionCourtId: req.jurisdictionCourtId,
        summary: req.summary,
        drill: req.drill,
      });
      return { filing: filingToProto(filing) };
    },
    async getFiling(req, ctx) {
      requireRole(ctx, "window-clerk", "court-system");
      return { filing: filingToProto(await getFiling(deps, ctx.auth, req.filingId)) };
    },
  });
}
