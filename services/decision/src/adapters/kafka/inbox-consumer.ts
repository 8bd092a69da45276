import { PermanentError, type ConsumedEvent } from "@kuayu/kafka";
import type { Logger } from "@kuayu/logger";
import type { intakeEventsV1, routingEventsV1 } from "@kuayu/proto";
import { FILING_EVENTS, lifecycleTopics } from "@kuayu/topics";
import { receive, receiveWithdrawal, type Deps } from "../../domain/decision.js";
import { arrivalFromEvent } from "../proto.js";

/** Topics the decision service consumes: its scope's provinces' lifecycle topics (the copies of its jurisdiction courts' provinces only, `ownCopy("jurisdiction")`). */
export const inboxTopics = (scope: "all" | readonly string[]) => lifecycleTopics(scope);
/** The events the inbox takes (runConsumer `types`: the filing's others are skipped undecoded). */
export const INBOX_EVENT_TYPES: readonly string[] = [FILING_EVENTS.routed, FILING_EVENTS.withdrawn];

/**
 * Routed filings into the inbox, withdrawals onto it; the filing's other events are not its
 * business. Idempotent: the inbox entry is an insert keyed by filing id, later rounds only move forward.
 */
export function inboxConsumer(deps: Deps, scope: "all" | string[], log: Logger) {
  return async (event: ConsumedEvent): Promise<void> => {
    if (event.meta.type === FILING_EVENTS.withdrawn) {
      await receiveWithdrawal(deps, (event.message as unknown as intakeEventsV1.FilingWithdrawn).filingId);
      return;
    }
    if (event.meta.type !== FILING_EVENTS.routed) return;
    const m = event.message as unknown as routingEventsV1.FilingRouted;
    if (scope !== "all" && !scope.includes(m.province)) {
      // The topics and the copy filter keep other provinces away; this is the third line.
      log.warn({ filing: m.filingId, province: m.province }, "routed filing outside this service's province scope; skipped");
      return;
    }
    const arrival = arrivalFromEvent(m);
    if (!arrival) throw new PermanentError(`routed filing ${m.filingId} has no known case type or deadlines`);
    await receive(deps, arrival);
  };
}
