import { fieldViolations, fromDomain, RpcError, status, toServiceError } from "@kuayu/grpc";
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

describe("toServiceError with a huge echoed value", () => {
  it("bounds the message and the details so the trailers fit HTTP/2", () => {
    const huge = "案".repeat(100_000);
    const violations = Array.from({ length: 50 }, (_, i) => ({ field: `ids[${i}]`, description: `unknown court ${huge}` }));
    const out = toServiceError(new RpcError(status.INVALID_ARGUMENT, `no court ${huge}`, violations));
    expect(out.details.length).toBeLessThanOrEqual(501);
    const bin = out.metadata!.get("grpc-status-details-bin")[0] as Buffer;
    expect(bin.length).toBeLessThan(8 * 1024);
    expect(fieldViolations({ metadata: out.metadata }).length).toBeGreaterThan(0);
  });
});

describe("toServiceError with surrogate pairs", () => {
  it("never leaves a lone surrogate (grpc-js's encodeURI would throw in the server)", () => {
    for (const message of ["😀".repeat(1000), `a${"😀".repeat(1000)}`, "bad \ud800 half", "\udc00"]) {
      const out = toServiceError(new RpcError(status.NOT_FOUND, message, [{ field: "😀".repeat(150), description: message }]));
      expect(() => encodeURI(out.details)).not.toThrow();
      for (const v of fieldViolations({ metadata: out.metadata })) expect(() => encodeURI(v.field + v.description)).not.toThrow();
    }
  });
});
