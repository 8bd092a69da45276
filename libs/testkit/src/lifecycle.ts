import { randomUUID } from "node:crypto";
import type { EventProducer } from "@kuayu/kafka";
import { topicsOfFiling, type FilingEventInit } from "@kuayu/topics";

/**
 * Publishes a lifecycle event of a filing as the services do: to the topic of its window's
 * province and, when that is another one, to its jurisdiction court's (`topicsOfFiling`), with one
 * event id on both copies. Returns the event id.
 */
export async function publishLifecycle(
  producer: Pick<EventProducer, "publish">,
  provinces: { window: string; jurisdiction: string },
  filingId: string,
  event: FilingEventInit["event"],
  opts: { time?: Date; id?: string } = {},
): Promise<string> {
  const id = opts.id ?? randomUUID();
  for (const topic of topicsOfFiling(provinces.window, provinces.jurisdiction)) await producer.publish(topic, filingId, { event }, { ...opts, id });
  return id;
}
