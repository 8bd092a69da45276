import { PermanentError, type ConsumedEvent } from "@kuayu/kafka";
import type { Logger } from "@kuayu/logger";
import type { intakeEventsV1, routingEventsV1 } from "@kuayu/proto";
import { intakeTopics, routingTopics } from "@kuayu/topics";
import { receive, receiveWithdrawal, type Deps } from "../../domain/decision.js";
import { arrivalFromEvent } from "../proto.js";

/** Topics the decision service consumes. */
export const inboxTopics = [routingTopics.filingRouted, intakeTopics.filingWithdrawn];

/**
 * Routed filings into the inbox (this scope's partitions only), withdrawals onto it. Idempotent:
 * the inbox entry is an insert keyed by filing id, later rounds only move forward.
 */
export function inboxConsumer(deps: Deps, scope: "all" | string[], log: Logger) {
  return async (event: ConsumedEvent): Promise<void> => {
    if (event.topic.name === intakeTopics.filingWithdrawn.name) {
      await receiveWithdrawal(deps, (event.message as intakeEventsV1.FilingWithdrawn).filingId);
      return;
    }
    const m = event.message as routingEventsV1.FilingRouted;
    if (scope !== "all" && !scope.includes(m.province)) {
      // The partition assignment keeps other provinces away; this is the second line.
      log.warn({ filing: m.filingId, province: m.province }, "routed filing outside this service's province scope; skipped");
      return;
    }
    const arrival = arrivalFromEvent(m);
    if (!arrival) throw new PermanentError(`routed filing ${m.filingId} has no known case type or deadlines`);
    await receive(deps, arrival);
  };
}
