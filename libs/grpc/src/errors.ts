import { create, toBinary, fromBinary } from "@bufbuild/protobuf";
import { anyPack, anyUnpack } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import { DomainError, ForbiddenError, NotFoundError, StateError, ValidationError } from "@kuayu/domain";
import { googleRpc } from "@kuayu/proto";

const DETAILS_KEY = "grpc-status-details-bin";

export interface FieldViolation {
  /** Path of the offending field in the request, e.g. "parties[0].id_number". */
  field: string;
  description: string;
}

/**
 * An error a handler throws on purpose. It reaches the client as the gRPC status named by `code`
 * with the standard google.rpc.Status details (BadRequest for field violations).
 */
export class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
    readonly violations: FieldViolation[] = [],
  ) {
    super(message);
    this.name = "RpcError";
  }
}

export const invalidArgument = (violations: FieldViolation[], message = "request has invalid fields") =>
  new RpcError(grpc.status.INVALID_ARGUMENT, `${message}: ${violations.map((v) => `${v.field}: ${v.description}`).join("; ")}`, violations);
export const notFound = (message: string) => new RpcError(grpc.status.NOT_FOUND, message);
export const permissionDenied = (message: string) => new RpcError(grpc.status.PERMISSION_DENIED, message);
export const unauthenticated = (message: string) => new RpcError(grpc.status.UNAUTHENTICATED, message);
export const failedPrecondition = (message: string) => new RpcError(grpc.status.FAILED_PRECONDITION, message);
export const alreadyExists = (message: string) => new RpcError(grpc.status.ALREADY_EXISTS, message);

/** Messages echo the request (ids, names): a huge value must not make the trailers too large for HTTP/2. */
const MAX_MESSAGE = 500;
const MAX_VIOLATION = 200;
const MAX_DETAILS_BYTES = 6 * 1024;
// grpc-js percent-encodes the message with encodeURI, which throws on a lone surrogate (a cut pair):
// an uncaught exception in the server. Lone surrogates become U+FFFD.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max)}…`).replace(LONE_SURROGATE, "\uFFFD");

/** The grpc-js error object for an RpcError, with details in the trailer (both bounded in size). */
export function toServiceError(err: RpcError): Partial<grpc.StatusObject> & { code: grpc.status; details: string } {
  const metadata = new grpc.Metadata();
  const message = clip(err.message, MAX_MESSAGE);
  const status = create(googleRpc.StatusSchema, { code: err.code, message });
  if (err.violations.length > 0) {
    const fieldViolations = [];
    let bytes = 0;
    for (const v of err.violations) {
      const fv = { field: clip(v.field, MAX_VIOLATION), description: clip(v.description, MAX_VIOLATION) };
      bytes += Buffer.byteLength(fv.field) + Buffer.byteLength(fv.description);
      if (bytes > MAX_DETAILS_BYTES) break;
      fieldViolations.push(fv);
    }
    status.details.push(anyPack(googleRpc.BadRequestSchema, create(googleRpc.BadRequestSchema, { fieldViolations })));
  }
  metadata.set(DETAILS_KEY, Buffer.from(toBinary(googleRpc.StatusSchema, status)));
  return { code: err.code, details: message, metadata };
}

/** Field violations a client received with an error (empty when there are none). */
export function fieldViolations(err: unknown): FieldViolation[] {
  const md = (err as { metadata?: grpc.Metadata }).metadata;
  const raw = md?.get(DETAILS_KEY)[0];
  if (!raw || typeof raw === "string") return [];
  const status = fromBinary(googleRpc.StatusSchema, raw);
  return status.details.flatMap((any) => {
    const br = anyUnpack(any, googleRpc.BadRequestSchema);
    return br ? br.fieldViolations.map((v) => ({ field: v.field, description: v.description })) : [];
  });
}

/** The RpcError for an error a handler threw on purpose (RpcError or a domain error); else undefined. */
export function fromDomain(err: unknown): RpcError | undefined {
  if (err instanceof RpcError) return err;
  // A lost race (@kuayu/outbox versioned documents): another writer changed the same record; safe to retry.
  if ((err as Error | undefined)?.name === "ConflictError") return new RpcError(grpc.status.ABORTED, `${(err as Error).message} (concurrent change)`);
  if (!(err instanceof DomainError)) return undefined;
  if (err instanceof ValidationError) return invalidArgument(err.violations);
  if (err instanceof NotFoundError) return notFound(err.message);
  if (err instanceof ForbiddenError) return permissionDenied(err.message);
  if (err instanceof StateError) return failedPrecondition(err.message);
  return new RpcError(grpc.status.UNKNOWN, err.message);
}
