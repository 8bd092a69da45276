import type { Logger } from "@kuayu/logger";
import type { AddressPolicy } from "../channels/address-guard.js";
import { NOTICE, reminderStillDue } from "../domain/notify.js";
import { MAX_ATTEMPTS, backoffMs, postWebhook } from "../channels/webhook-client.js";
import type { Notifier } from "./notifier.js";
import type { DeliveryDoc, Store } from "./store.js";

/** Sends one delivery; throws (or returns an error text) on failure. */
export interface Senders {
  email?: (to: string, msg: { subject: string; text: string }) => Promise<void>;
  sms?: (to: string, text: string) => Promise<void>;
  webhookTimeoutMs: number;
  /** Which addresses a webhook receiver may have (public ones, plus what the operator allows). */
  webhookPolicy: AddressPolicy;
}

export interface Worker {
  nudge(): void;
  stop(): Promise<void>;
  /** One pass now (tests, tools). */
  runOnce(): Promise<number>;
}

/** A loop that runs `pass` every `intervalMs` and when nudged, until stopped. */
function loop(pass: () => Promise<number>, intervalMs: number, log: Logger, what: string): Worker {
  let stopped = false;
  let wake: (() => void) | undefined;
  const running = (async () => {
    while (!stopped) {
      await pass().catch((err: unknown) => log.error({ err }, `${what} pass failed; will retry`));
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, intervalMs).unref();
      });
    }
  })();
  return {
    nudge: () => wake?.(),
    runOnce: pass,
    stop: async () => {
      stopped = true;
      wake?.();
      await running;
    },
  };
}

/**
 * Delivers queued webhooks, e-mails and SMS. Deliveries of one target and filing go out in event
 * order: a delivery waits while an earlier one of the same target and filing is still pending
 * (a dead one no longer holds the line). A failure is retried with bounded exponential backoff;
 * after MAX_ATTEMPTS the delivery is dead (the dead-letter list) until an operator replays it.
 * Each (target, filing) line is worked under a lock, so replicas never send one delivery twice
 * at the same time.
 */
export function startDeliveryWorker(store: Store, senders: Senders, log: Logger, intervalMs: number, baseBackoffMs: number): Worker {
  const lineOf = (d: DeliveryDoc) => `${d.targetId}:${d.filingId}`;

  async function send(d: DeliveryDoc): Promise<string | undefined> {
    switch (d.channel) {
      case "webhook": {
        const w = await store.webhooks.findOne({ _id: d.targetId });
        if (!w) return "the webhook was removed";
        const res = await postWebhook(w.url, w.secret, { id: d._id, eventType: d.eventType, body: d.payload.body as object }, { timeoutMs: senders.webhookTimeoutMs, policy: senders.webhookPolicy });
        // The court sees the generic reason; the operator's log has the network detail.
        if (res.detail) log.info({ delivery: d._id, webhook: w._id, detail: res.detail }, "webhook attempt failed");
        return res.ok ? undefined : (res.error ?? `HTTP ${res.status}`);
      }
      case "email": {
        const s = await store.subscriptions.findOne({ _id: d.targetId });
        if (!s) return "the subscription was removed";
        if (!senders.email) return "no SMTP server is configured";
        await senders.email(s.address, { subject: d.payload.subject ?? "", text: d.payload.text ?? "" });
        return undefined;
      }
      case "sms": {
        const s = await store.subscriptions.findOne({ _id: d.targetId });
        if (!s) return "the subscription was removed";
        if (!senders.sms) return "no SMS gateway is configured";
        await senders.sms(s.address, d.payload.text ?? "");
        return undefined;
      }
    }
  }

  async function attempt(d: DeliveryDoc): Promise<boolean> {
    return store.locks.withLock(`line:${lineOf(d)}`, async () => {
      const cur = await store.deliveries.findOne({ _id: d._id });
      if (!cur || cur.status !== "pending" || cur.nextAttemptAt.getTime() > Date.now()) return false;
      const earlier = await store.deliveries.findOne({
        targetId: cur.targetId,
        filingId: cur.filingId,
        status: "pending",
        $or: [{ order: { $lt: cur.order } }, { order: cur.order, rank: { $lt: cur.rank ?? 0 } }],
      });
      if (earlier) return false; // keep the filing's order
      let error: string | undefined;
      try {
        error = await send(cur);
      } catch (err) {
        error = (err as Error).message.slice(0, 300);
      }
      const attempts = cur.attempts + 1;
      if (!error) {
        await store.deliveries.updateOne({ _id: cur._id }, { $set: { status: "delivered", attempts, lastError: "", deliveredAt: new Date() } });
        return true;
      }
      const dead = attempts >= MAX_ATTEMPTS;
      await store.deliveries.updateOne(
        { _id: cur._id },
        { $set: { status: dead ? "dead" : "pending", attempts, lastError: error, nextAttemptAt: new Date(Date.now() + backoffMs(attempts, baseBackoffMs)) } },
      );
      (dead ? log.warn : log.info).call(log, { delivery: cur._id, channel: cur.channel, attempts, error }, dead ? "delivery failed for good; in the dead-letter list" : "delivery failed; will retry");
      return true;
    });
  }

  return loop(
    async () => {
      const due = await store.deliveries
        .find({ status: "pending", nextAttemptAt: { $lte: new Date() } })
        .sort({ order: 1, rank: 1 })
        .limit(200)
        .toArray();
      const seen = new Set<string>();
      let done = 0;
      for (const d of due) {
        const line = lineOf(d);
        if (seen.has(line)) continue;
        seen.add(line);
        try {
          if (await attempt(d)) done++;
        } catch (err) {
          if ((err as Error).name !== "LockBusyError") throw err;
        }
      }
      return done;
    },
    intervalMs,
    log,
    "delivery",
  );
}

/**
 * Reminds the jurisdiction court's specialists 20 working minutes after arrival and escalates after
 * 24 hours, unless the filing was responded to, decided, withdrawn or corrected meanwhile.
 */
export function startReminderWorker(store: Store, notifier: Notifier, log: Logger, intervalMs: number): Worker {
  return loop(
    async () => {
      let sent = 0;
      for (const r of await store.reminders
        .find({ done: false, dueAt: { $lte: new Date() } })
        .limit(200)
        .toArray()) {
        const f = await store.filings.findOne({ _id: r.filingId });
        if (f && reminderStillDue(f, r)) {
          const kind = r.kind === "reminder" ? NOTICE.reminder : NOTICE.escalation;
          await notifier.notify({ id: r._id, recipient: { courtId: f.jurisdictionCourtId, role: "filing-specialist" }, filing: f, kind, occurredAt: r.dueAt });
          for (const s of await store.subscriptions.find({ courtId: f.jurisdictionCourtId }).toArray()) {
            if (s.eventTypes.length === 0 || s.eventTypes.includes(kind)) await notifier.queueMessage(s, f, r._id, kind, r.dueAt);
          }
          sent++;
        }
        await store.reminders.updateOne({ _id: r._id }, { $set: { done: true } });
      }
      return sent;
    },
    intervalMs,
    log,
    "reminder",
  );
}
