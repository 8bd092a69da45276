import type { Logger } from "@kuayu/logger";
import type { CourtTargets } from "../domain/lifecycle.js";
import type { Store, SubscriptionDoc, WebhookDoc } from "./store.js";

/**
 * The courts' webhooks and e-mail/SMS subscriptions, held in memory: the consumer asks for a
 * court's targets on every event, and a look-up each time would cost the store two queries per
 * event. The whole set is read at start, again every `refreshMs` (targets another replica added or
 * removed), and at once after this process changed one (`changed`, awaited before the call answers).
 */
export interface Targets extends CourtTargets {
  /** Reads them all again now (after a change here). */
  changed(): Promise<void>;
  stop(): void;
}

export async function loadTargets(store: Store, log: Logger, refreshMs = 10_000): Promise<Targets> {
  let webhooks = new Map<string, WebhookDoc[]>();
  let subscriptions = new Map<string, SubscriptionDoc[]>();
  const byCourt = <T extends { courtId: string }>(docs: T[]) => {
    const m = new Map<string, T[]>();
    for (const d of docs) m.set(d.courtId, [...(m.get(d.courtId) ?? []), d]);
    return m;
  };
  const load = async () => {
    const [w, s] = await Promise.all([store.webhooks.find({}).toArray(), store.subscriptions.find({}).toArray()]);
    webhooks = byCourt(w);
    subscriptions = byCourt(s);
  };
  await load();
  const timer = setInterval(() => void load().catch((err: unknown) => log.warn({ err }, "reading webhooks and subscriptions failed; keeping the last ones")), refreshMs);
  timer.unref();
  return {
    webhooksOf: (courtId) => webhooks.get(courtId) ?? [],
    subscriptionsOf: (courtId) => subscriptions.get(courtId) ?? [],
    changed: load,
    stop: () => clearInterval(timer),
  };
}
