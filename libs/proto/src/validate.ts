import type { DescMessage, Message } from "@bufbuild/protobuf";
import { pathToString } from "@bufbuild/protobuf/reflect";
import type { Validator } from "@bufbuild/protovalidate";

/** One field that breaks a rule declared in the protos, e.g. `details.claims`: "value length must be at most 5000 characters". */
export interface RuleViolation {
  field: string;
  description: string;
}

let validator: Validator | undefined;

/** The validator, made on first use: its CEL runtime takes ~0.1 s to load, which tools that never validate (the CLI) need not pay. */
function instance(): Validator {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily on purpose (see above)
  validator ??= (require("@bufbuild/protovalidate") as typeof import("@bufbuild/protovalidate")).createValidator();
  return validator;
}

/**
 * The bounds and rules the protos declare (protovalidate annotations, `buf/validate`) that the
 * message breaks — every one of them; empty when it keeps them all. Checked on every request at the
 * gRPC edge and on every consumed event, before any use case sees the message.
 */
export function ruleViolations(schema: DescMessage, message: Message): RuleViolation[] {
  const result = instance().validate(schema, message as never);
  if (result.kind === "valid") return [];
  // A rule that cannot be evaluated is a defect of the protos, not of the message: fail loudly.
  if (result.kind === "error") throw result.error;
  return result.violations.map((v) => ({ field: pathToString(v.field), description: v.message }));
}
