import { inEventTrace, PermanentError, type BatchContext, type ConsumedEvent } from "@kuayu/kafka";
import type { Logger } from "@kuayu/logger";
import type { intakeEventsV1, routingEventsV1 } from "@kuayu/proto";
import { FILING_EVENTS, lifecycleTopics } from "@kuayu/topics";
import { receive, receiveWithdrawal, type Deps } from "../../domain/decision.js";
import { arrivalFromEvent } from "../proto.js";

/** Topics the decision service consumes: its scope's provinces' lifecycle topics (the copies of its jurisdiction courts' provinces only, `ownCopy("jurisdiction")`). */
export const inboxTopics = (scope: "all" | readonly string[]) => lifecycleTopics(scope);
/** The events the inbox takes (runConsumer `types`: the filing's others are skipped undecoded). */
export const INBOX_EVENT_TYPES: readonly string[] = [FILING_EVENTS.routed, FILING_EVENTS.withdrawn];

/** Filings of one batch taken in at once (an arrival waits for its materials' copy: COPY_ON_ARRIVAL_MS). */
const FILINGS_AT_ONCE = 8;

/**
 * Routed filings into the inbox, withdrawals onto it; the filing's other events are not its
 * business. A batch of a partition at a time: its filings side by side (FILINGS_AT_ONCE), each
 * filing's events in order — every event of a filing comes on one partition, so this member is the
 * only consumer writing its entry. Idempotent: the inbox entry is an insert keyed by filing id,
 * later rounds only move forward; a batch handed over again after a failure skips what it did.
 */
export function inboxConsumer(deps: Deps, scope: "all" | string[], log: Logger) {
  const take = async (event: ConsumedEvent): Promise<void> => {
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
  /** Events handled (or dead-lettered) already: a batch retried after a failure goes on from where each filing stopped. */
  const done = new WeakSet<ConsumedEvent>();
  return async (events: ConsumedEvent[], batch: BatchContext): Promise<void> => {
    const byFiling = new Map<string, ConsumedEvent[]>();
    for (const e of events) if (!done.has(e)) byFiling.set(e.key, [...(byFiling.get(e.key) ?? []), e]);
    const queue = [...byFiling.values()];
    // Every filing's turn ends before a failure is reported: a retry never overlaps a filing still being taken.
    const turns = await Promise.allSettled(
      Array.from({ length: Math.min(FILINGS_AT_ONCE, queue.length) }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          for (const e of next) {
            try {
              await inEventTrace(e, () => take(e));
            } catch (err) {
              if (!(err instanceof PermanentError)) throw err;
              await batch.deadLetter(e, err);
            }
            done.add(e);
          }
        }
      }),
    );
    const failed = turns.find((t) => t.status === "rejected");
    if (failed) throw failed.reason as Error;
  };
}
