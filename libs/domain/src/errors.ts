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

/** Node's socket errors: the peer is down, restarting or unreachable for now. */
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);
/**
 * FerretDB answers InternalError (code 1) with its PostgreSQL driver's message when PostgreSQL is
 * down, restarting or lost the connection mid-command (measured by killing it: scripts/infra/infra.sh
 * kill postgres); the MongoDB driver sees an ordinary server error.
 */
const STORE_BACKEND_AWAY =
  /failed to connect to|unexpected EOF|connection reset by peer|broken pipe|conn closed|connection refused|the database system is (starting up|shutting down|not yet accepting connections|in recovery mode)|terminating connection/;
/** gRPC status codes a call may succeed with later: UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED. */
const GRPC_TRANSIENT = new Set([14, 4, 8, 10]);

/**
 * Does this error pass with time — the store or the broker unreachable or restarting, a peer
 * service unavailable, a lost race (ConflictError)? A
 * consumer waits and tries again for as long as it lasts instead of dead-lettering the event; a
 * gRPC handler answers UNAVAILABLE or ABORTED rather than INTERNAL. Classified by the errors'
 * names and codes (the drivers' classes are not imported here); a cause chain is followed.
 */
export function isTransient(err: unknown): boolean {
  for (let e = err as Record<string, unknown> | undefined, depth = 0; e && typeof e === "object" && depth < 5; e = e.cause as Record<string, unknown> | undefined, depth++) {
    const name = typeof e.name === "string" ? e.name : "";
    if (name === "ConflictError") return true;
    // mongodb driver: network, pool, server selection and topology errors.
    if (/^Mongo(Network|NetworkTimeout|ServerSelection|NotConnected|PoolClosed|PoolCleared|TopologyClosed)Error$/.test(name)) return true;
    if (e.errorLabelSet instanceof Set && e.errorLabelSet.has("RetryableWriteError")) return true;
    if (name === "MongoServerError" && e.code === 1 && STORE_BACKEND_AWAY.test(String(e.message ?? ""))) return true;
    // kafkajs: connection and request errors, and anything it marks retriable.
    if (name.startsWith("KafkaJS") && (e.retriable === true || /Connection|RequestTimeout|NumberOfRetriesExceeded|NotLeader|Broker/.test(name))) return true;
    if (typeof e.code === "string" && SOCKET_CODES.has(e.code)) return true;
    if (typeof e.code === "number" && e.metadata !== undefined && GRPC_TRANSIENT.has(e.code)) return true;
  }
  return false;
}
