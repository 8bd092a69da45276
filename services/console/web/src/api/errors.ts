import { ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "@gen/google/rpc/status_pb";

export interface FieldViolation {
  /** Path of the field in the request, e.g. "details.parties[0].id_number". */
  field: string;
  description: string;
}

/** The field violations a call was refused with (INVALID_ARGUMENT), empty if none. */
export function violationsOf(err: unknown): FieldViolation[] {
  if (!(err instanceof ConnectError)) return [];
  return err.findDetails(BadRequestSchema).flatMap((b) => b.fieldViolations.map((v) => ({ field: v.field, description: v.description })));
}

/** A message to show for a failed call (the service's own message, without the Connect code prefix). */
export function messageOf(err: unknown): string {
  if (err instanceof ConnectError) return err.rawMessage;
  return err instanceof Error ? err.message : String(err);
}
