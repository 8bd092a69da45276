/** A problem with one field of a command, named by its path in the request. */
export interface Violation {
  field: string;
  description: string;
}

/** Domain outcomes that transports map to their own status codes (gRPC: see libs/grpc). */
export class DomainError extends Error {
  override name = "DomainError";
}
/** The command is malformed; every problem is listed at once. */
export class ValidationError extends DomainError {
  override name = "ValidationError";
  constructor(readonly violations: Violation[]) {
    super(violations.map((v) => `${v.field}: ${v.description}`).join("; "));
  }
}
export class NotFoundError extends DomainError {
  override name = "NotFoundError";
}
/** The caller's court may not see or act on this (e.g. another court's filing). */
export class ForbiddenError extends DomainError {
  override name = "ForbiddenError";
}
/** The thing is in the wrong state for this command. */
export class StateError extends DomainError {
  override name = "StateError";
}
