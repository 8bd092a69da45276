import { fieldViolations, fromDomain, status, toServiceError } from "@kuayu/grpc";
import { ForbiddenError, StateError, ValidationError } from "@kuayu/domain";

describe("status details", () => {
  it("carry field violations as google.rpc.BadRequest", () => {
    const err = fromDomain(new ValidationError([{ field: "summary", description: "must not be empty" }]))!;
    const wire = toServiceError(err);
    expect(wire.code).toBe(status.INVALID_ARGUMENT);
    expect(fieldViolations(wire)).toEqual([{ field: "summary", description: "must not be empty" }]);
  });

  it("map domain errors to the codes that mean the same", () => {
    expect(fromDomain(new ForbiddenError("x"))!.code).toBe(status.PERMISSION_DENIED);
    expect(fromDomain(new StateError("x"))!.code).toBe(status.FAILED_PRECONDITION);
    expect(fromDomain(new Error("boom"))).toBeUndefined();
  });
});
