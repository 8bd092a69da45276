import type { ConsumedEvent } from "@kuayu/kafka";
import type { FilingRepository } from "../../domain/filing.js";

/**
 * Turns lifecycle events into the window's timeline. Idempotent: the entry is keyed by the event id
 * and fully determined by the event, so a redelivery after a crash adds nothing.
 */
export function timelineProjector(repo: FilingRepository) {
  return async (event: ConsumedEvent): Promise<void> => {
    await repo.addTimelineEntry(event.key, { eventId: event.meta.id, eventType: event.meta.type, at: event.meta.time });
  };
}
