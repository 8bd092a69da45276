import type { Logger } from "@kuayu/logger";
import type { AddressPolicy } from "../channels/address-guard.js";
import { webhookBody } from "../domain/notify.js";
import { reminderPasses, type ReminderStore } from "../domain/reminders.js";
import { createReceiverBreakers } from "../channels/receiver-breakers.js";
import { MAX_ATTEMPTS, NOT_REACHABLE, backoffMs, postWebhook } from "../channels/webhook-client.js";
import type { SmsMessage } from "../channels/sms.js";
import { parsePartyTarget, type Notifier } from "./notifier.js";
import type { DeliveryDoc, Store } from "./store.js";

/** Sends one delivery; throws (or returns an error text) on failure. */
export interface Senders {
  email?: (to: string, msg: { subject: string; text: string }) => Promise<void>;
  sms?: (to: string, message: SmsMessage) => Promise<void>;
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
  let nudged = false;
  let wake: (() => void) | undefined;
  const running = (async () => {
    while (!stopped) {
      nudged = false;
      await pass().catch((err: unknown) => log.error({ err }, `${what} pass failed; will retry`));
      if (stopped) break;
      if (nudged) continue; // nudged during the pass: there is more to do now
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, intervalMs).unref();
      });
    }
  })();
  return {
    nudge: () => {
      nudged = true;
      wake?.();
    },
    runOnce: pass,
    stop: async () => {
      stopped = true;
      wake?.();
      await running;
    },
  };
}

/** How many deliveries run at once, and how long a dead webhook receiver is left alone. */
export interface DeliveryLimits {
  /** In flight at once in this replica, all receivers together. */
  concurrency: number;
  /** In flight at once to one receiver: a webhook, or the SMTP server, or the SMS gateway. */
  perReceiver: number;
  /** How long an open breaker holds a webhook receiver's deliveries before one probe. */
  breakerResetMs: number;
}

export const DEFAULT_LIMITS: DeliveryLimits = { concurrency: 32, perReceiver: 4, breakerResetMs: 30_000 };

/** Deliveries read per query; more queries follow while receivers that can take more are left. */
const BATCH = 200;

/**
 * What became of one attempt: `held` when nothing was sent (the receiver's breaker is open, or
 * the worker is stopping) and nothing is recorded; otherwise the error, if any, and whether the
 * attempt counts toward MAX_ATTEMPTS.
 */
type Sent = "held" | { error?: string; counted: boolean; skipped?: string };

/**
 * Delivers queued webhooks, e-mails and SMS, several at once: at most `limits.concurrency` in
 * flight, at most `limits.perReceiver` to one receiver, so a slow or dead receiver only ever holds
 * its own slots. Each webhook receiver has a circuit breaker (channels/receiver-breakers.ts): while
 * it is open the receiver's deliveries are not read or attempted — they stay pending, keep their
 * attempts and go out after it closes; the attempts that find an open breaker's receiver
 * unreachable do not count toward MAX_ATTEMPTS either, so a receiver that is down for hours loses
 * nothing to the dead-letter list.
 *
 * Deliveries of one target and filing go out in event order: a delivery waits while an earlier one
 * of the same target and filing is still pending (a dead one no longer holds the line), and one
 * line is never worked twice at once. A failure is retried with bounded exponential backoff; after
 * MAX_ATTEMPTS the delivery is dead (the dead-letter list) until an operator replays it.
 *
 * One writer per delivery, without locks: a replica works only the deliveries of the courts whose
 * province's lifecycle topic its consumer is assigned now (`owns`, by the delivery's court). Every
 * delivery of a (target, filing) line comes from that one topic — a target belongs to one court,
 * and its notices are made from the copy on its court's province's topic — so a line has one
 * worker, the same member that queues its deliveries. When the topic moves to another member
 * (rebalance), an attempt under way in the old one may still finish while the new one starts it:
 * delivery is at least once (receivers de-duplicate by event id), as after any crash mid-send.
 */
export function startDeliveryWorker(
  store: Store,
  senders: Senders,
  log: Logger,
  intervalMs: number,
  baseBackoffMs: number,
  owns: (courtId: string) => boolean,
  limits: DeliveryLimits = DEFAULT_LIMITS,
): Worker {
  const lineOf = (d: DeliveryDoc) => `${d.targetId}:${d.filingId}`;
  // Who receives the connection: the webhook's system, or the one SMTP server / SMS gateway.
  const receiverOf = (d: DeliveryDoc) => (d.channel === "webhook" ? d.targetId : d.channel);
  const isChannel = (r: string): r is "email" | "sms" => r === "email" || r === "sms";
  const breakers = createReceiverBreakers({ resetMs: limits.breakerResetMs, log });
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();
  const lines = new Set<string>();
  const perReceiver = new Map<string, number>();
  let stopped = false;
  // Set once the loop exists; the first pass runs before that and needs no nudge.
  const loopOf: { worker?: Worker } = {};

  async function send(d: DeliveryDoc): Promise<Sent> {
    switch (d.channel) {
      case "webhook": {
        const w = await store.webhooks.findOne({ _id: d.targetId });
        if (!w) return { error: "the webhook was removed", counted: true };
        const res = await breakers.run({ id: w._id, courtId: w.courtId, url: w.url }, () =>
          postWebhook(
            w.url,
            w.secret,
            // Built from the references now; a delivery queued by an earlier release sends the body it kept.
            { id: d._id, eventType: d.eventType, body: d.ref ? webhookBody({ ...d, ref: d.ref }) : ((d.payload?.body ?? {}) as object) },
            { timeoutMs: senders.webhookTimeoutMs, policy: senders.webhookPolicy, signal: stopping.signal },
          ),
        );
        if (res === "rejected" || (!res.ok && stopping.signal.aborted)) return "held";
        // The court sees the generic reason; the operator's log has the network detail.
        if (res.detail) log.info({ delivery: d._id, webhook: w._id, detail: res.detail }, "webhook attempt failed");
        if (res.ok) return { counted: true };
        // Not counted once the receiver's breaker is open: the receiver is down, the delivery is fine.
        return { error: res.error ?? `HTTP ${res.status}`, counted: res.error !== NOT_REACHABLE || breakers.state(w._id) === "closed" };
      }
      case "email": {
        const s = await store.subscriptions.findOne({ _id: d.targetId });
        if (!s) return { error: "the subscription was removed", counted: true };
        if (!senders.email) return { error: "no SMTP server is configured", counted: true };
        await senders.email(s.address, { subject: d.payload?.subject ?? "", text: d.payload?.text ?? "" });
        return { counted: true };
      }
      case "sms": {
        const party = parsePartyTarget(d.targetId);
        if (party) {
          // The party who filed: not if they asked for no more SMS; to the number as given at the window.
          if (await store.smsOptOuts.findOne({ _id: party.filingId })) return { counted: false, skipped: "the party asked for no more SMS" };
          const sealed = (await store.partyPhones.findOne({ _id: party.filingId }))?.phones[party.index];
          if (!sealed) return { error: "the party's number is no longer kept", counted: true };
          if (!senders.sms) return { error: "no SMS gateway is configured", counted: true };
          await senders.sms(await store.crypt.decrypt(sealed), { kind: d.payload?.sms?.kind ?? "", params: d.payload?.sms?.params ?? {}, text: d.payload?.text ?? "" });
          return { counted: true };
        }
        const s = await store.subscriptions.findOne({ _id: d.targetId });
        if (!s) return { error: "the subscription was removed", counted: true };
        if (!senders.sms) return { error: "no SMS gateway is configured", counted: true };
        // Deliveries queued before templates carry the text only: a template provider refuses them (no kind).
        await senders.sms(s.address, { kind: d.payload?.sms?.kind ?? "", params: d.payload?.sms?.params ?? {}, text: d.payload?.text ?? "" });
        return { counted: true };
      }
    }
  }

  async function attempt(d: DeliveryDoc): Promise<boolean> {
    const cur = await store.deliveries.findOne({ _id: d._id });
    if (!cur || cur.status !== "pending" || cur.nextAttemptAt.getTime() > Date.now()) return false;
    const earlier = await store.deliveries.findOne({
      targetId: cur.targetId,
      filingId: cur.filingId,
      status: "pending",
      $or: [{ order: { $lt: cur.order } }, { order: cur.order, rank: { $lt: cur.rank ?? 0 } }],
    });
    if (earlier) return false; // keep the filing's order
    let sent: Sent;
    try {
      sent = await send(cur);
    } catch (err) {
      sent = { error: (err as Error).message.slice(0, 300), counted: true };
    }
    if (sent === "held") return false;
    const attempts = cur.attempts + (sent.counted ? 1 : 0);
    if (!sent.error) {
      // Delivered: what it said is not kept (the receiver has it; the record keeps status and references).
      await store.deliveries.updateOne(
        { _id: cur._id },
        { $set: { status: "delivered", attempts, lastError: "", deliveredAt: new Date(), ...(sent.skipped ? { skipped: sent.skipped } : {}) }, $unset: { payload: "" } },
      );
      return true;
    }
    const error = sent.error;
    const dead = attempts >= MAX_ATTEMPTS;
    await store.deliveries.updateOne(
      { _id: cur._id },
      { $set: { status: dead ? "dead" : "pending", attempts, lastError: error, nextAttemptAt: new Date(Date.now() + backoffMs(Math.max(1, attempts), baseBackoffMs)) } },
    );
    if (sent.counted) {
      (dead ? log.warn : log.info).call(log, { delivery: cur._id, channel: cur.channel, attempts, error }, dead ? "delivery failed for good; in the dead-letter list" : "delivery failed; will retry");
    }
    return true;
  }

  /** Whether another delivery to this receiver may start now. */
  function mayStart(receiver: string): boolean {
    const n = perReceiver.get(receiver) ?? 0;
    if (n >= limits.perReceiver) return false;
    const state = breakers.state(receiver);
    return state === "closed" || (state === "half-open" && n === 0); // half-open: one probe
  }

  function start(d: DeliveryDoc): void {
    const receiver = receiverOf(d);
    const line = lineOf(d);
    perReceiver.set(receiver, (perReceiver.get(receiver) ?? 0) + 1);
    lines.add(line);
    const run = attempt(d)
      .catch((err: unknown) => {
        log.error({ err, delivery: d._id }, "delivery attempt failed; will retry");
        return false;
      })
      .then((done) => {
        const n = (perReceiver.get(receiver) ?? 1) - 1;
        if (n > 0) perReceiver.set(receiver, n);
        else perReceiver.delete(receiver);
        lines.delete(line);
        inFlight.delete(run);
        // A slot is free: look again now. Not after an attempt that did nothing (its line waits for
        // an earlier delivery, the delivery is no longer pending, the breaker is open): that would only find
        // the same delivery again; the next regular pass does.
        if (done && !stopped) loopOf.worker?.nudge();
      });
    inFlight.add(run);
  }

  /** Starts what may start now; returns how many it started. */
  async function pass(): Promise<number> {
    let started = 0;
    // Past pages of other members' deliveries only: they would hide this member's behind them.
    let skip = 0;
    for (;;) {
      if (stopped || inFlight.size >= limits.concurrency) return started;
      // Receivers that can take nothing now are left out of the query, so their backlog never
      // hides other receivers' deliveries.
      const held = [...new Set([...perReceiver.keys(), ...breakers.notClosed()])].filter((r) => !mayStart(r));
      const heldWebhooks = held.filter((r) => !isChannel(r));
      const heldChannels = held.filter(isChannel);
      const due = await store.deliveries
        .find({
          status: "pending",
          nextAttemptAt: { $lte: new Date() },
          ...(heldWebhooks.length ? { targetId: { $nin: heldWebhooks } } : {}),
          ...(heldChannels.length ? { channel: { $nin: heldChannels } } : {}),
        })
        .sort({ order: 1, rank: 1 })
        .skip(skip)
        .limit(BATCH)
        .toArray();
      const seen = new Set<string>();
      let now = 0;
      let others = 0;
      for (const d of due) {
        if (inFlight.size >= limits.concurrency) break;
        if (!owns(d.courtId)) {
          others++;
          continue;
        }
        const line = lineOf(d);
        if (seen.has(line)) continue; // only the first of a line: the rest wait for it
        seen.add(line);
        if (lines.has(line) || !mayStart(receiverOf(d))) continue;
        start(d);
        now++;
      }
      started += now;
      // Another query only when this one was full and changed what may start (from the start
      // again), or held other members' deliveries (the next page).
      if (due.length < BATCH || (now === 0 && others === 0)) return started;
      skip = now > 0 ? 0 : skip + BATCH;
    }
  }

  const running = loop(pass, intervalMs, log, "delivery");
  loopOf.worker = running;
  return {
    nudge: running.nudge,
    async runOnce() {
      const n = await pass();
      await Promise.all([...inFlight]);
      return n;
    },
    async stop() {
      stopped = true;
      await running.stop();
      stopping.abort(); // attempts under way end now; their deliveries stay pending, uncounted
      await Promise.all([...inFlight]);
      breakers.shutdown();
    },
  };
}

/** The reminder use case's store port over the collections (`waiting` is an indexed equality; `remindAt` the store checks over those). */
export function reminderStore(store: Store): ReminderStore {
  return {
    waiting: (now) => store.filings.find({ waiting: true, remindAt: { $lte: now } }).toArray(),
    subscriptionsOf: (courtId) => store.subscriptions.find({ courtId }).toArray(),
    scheduled: (now, limit) =>
      store.reminders
        .find({ done: false, dueAt: { $lte: now } })
        .limit(limit)
        .toArray(),
    facts: (filingId) => store.filings.findOne({ _id: filingId }),
    async done(id) {
      await store.reminders.updateOne({ _id: id }, { $set: { done: true } });
    },
  };
}

/** Runs the reminder use case (domain/reminders.ts) every `intervalMs`. */
export function startReminderWorker(store: Store, notifier: Notifier, log: Logger, intervalMs: number): Worker {
  const pass = reminderPasses(reminderStore(store), notifier);
  return loop(() => pass(), intervalMs, log, "reminder");
}
