import { NOTICE, reminderStillDue, type FilingFacts, type Reminder } from "./notify.js";
import type { Notifier } from "./lifecycle.js";
import type { ReminderDoc, SubscriptionDoc } from "./records.js";

// The reminder use case: the jurisdiction court's specialists are reminded 20 working minutes after
// a filing arrives and the reminder escalates after 24 hours, unless the filing was responded to,
// decided, withdrawn or corrected meanwhile. adapters/workers.ts runs a pass on a timer; the store
// is reached through the port below (adapters/workers.ts reminderStore).

/** What a reminder pass reads and writes of the store. */
export interface ReminderStore {
  /** The filings still waiting for a response whose first reminder is due by `now`. */
  waiting(now: Date): Promise<FilingFacts[]>;
  /** A court's e-mail and SMS subscriptions. */
  subscriptionsOf(courtId: string): Promise<SubscriptionDoc[]>;
  /** Reminder documents scheduled by earlier releases (one per reminder), due by `now`, not done; at most `limit`. */
  scheduled(now: Date, limit: number): Promise<ReminderDoc[]>;
  /** The facts a reminder document of an earlier release belongs to (its filing id). */
  facts(filingId: string): Promise<FilingFacts | null>;
  /** Marks a reminder document of an earlier release done. */
  done(id: string): Promise<void>;
}

/**
 * One pass at a time, in one process (its state: the reminders sent while their filing still
 * waits). The reminders of a filing's round are in its facts (`reminders`), kept by the lifecycle
 * consumer, which also ends them (`waiting: false`) with the facts' write of the batch that brought
 * the response. A pass writes nothing to the facts (their writer is the consumer): a reminder's
 * notification is inserted once by its id, and this process remembers which ones it sent while
 * their filing still waits, so it tries each one once (after a restart, once more: the insert finds
 * it done). Returns how many reminders a pass sent.
 */
export function reminderPasses(store: ReminderStore, notifier: Notifier): (now?: Date) => Promise<number> {
  const sent = new Set<string>();
  const remind = async (f: FilingFacts, r: Reminder, id: string) => {
    const kind = r.kind === "reminder" ? NOTICE.reminder : NOTICE.escalation;
    await notifier.notify({ id, recipient: { courtId: f.jurisdictionCourtId, role: "filing-specialist" }, filing: f, kind, occurredAt: r.dueAt });
    for (const s of await store.subscriptionsOf(f.jurisdictionCourtId)) {
      if (s.eventTypes.length === 0 || s.eventTypes.includes(kind)) await notifier.queueMessage(s, f, id, kind, r.dueAt);
    }
  };
  return async (now = new Date()) => {
    let count = 0;
    const due = new Set<string>();
    for (const f of await store.waiting(now)) {
      for (const r of f.reminders ?? []) {
        if (r.dueAt > now || !reminderStillDue(f, r)) continue;
        due.add(r.id);
        if (sent.has(r.id)) continue;
        await remind(f, r, r.id);
        sent.add(r.id);
        count++;
      }
    }
    for (const id of sent) if (!due.has(id)) sent.delete(id); // its filing no longer waits
    // Reminder documents scheduled by earlier releases, until none is left.
    for (const r of await store.scheduled(now, 200)) {
      const f = await store.facts(r.filingId);
      if (f && reminderStillDue(f, r)) {
        await remind(f, r, r._id);
        count++;
      }
      await store.done(r._id);
    }
    return count;
  };
}
