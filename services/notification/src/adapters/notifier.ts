import type { Logger } from "@kuayu/logger";
import { tickOf } from "@kuayu/mongo";
import { caseTypeName, type FilingFacts, type Recipient } from "../domain/notify.js";
import { messageFor, partySmsFor } from "../channels/templates.js";
import { insertAll, type DeliveryDoc, type NotificationDoc, type Store, type SubscriptionDoc } from "./store.js";

// Lifecycle order of event types, to order deliveries of events with the same timestamp.
const RANKS = ["FilingSubmitted", "FilingRouted", "RoutingFailed", "Acknowledged", "CorrectionRequested", "CorrectionSubmitted", "Accepted", "Rejected", "FilingWithdrawn"];
const rankOf = (eventType: string) => {
  const i = RANKS.indexOf(eventType.split(".").pop() ?? "");
  return i < 0 ? RANKS.length : i;
};

/** An in-app notification for one recipient, once per id. */
export interface Notice {
  id: string;
  recipient: Recipient;
  filing: FilingFacts;
  kind: string;
  occurredAt: Date;
  nextOpening?: Date;
}

/** A delivery to a webhook, e-mail or SMS target, once per (event, target). */
export interface Queued {
  channel: DeliveryDoc["channel"];
  targetId: string;
  courtId: string;
  filing: FilingFacts;
  eventId: string;
  eventType: string;
  order: Date;
  /** A webhook's references (its body is built from them at send time). */
  ref?: DeliveryDoc["ref"];
  /** An e-mail's or SMS's words, kept until delivered. */
  payload?: DeliveryDoc["payload"];
}

export interface Notifier {
  /** The notification document of a notice (the lifecycle consumer inserts a batch's at once). */
  notification(n: Notice): NotificationDoc;
  /** The delivery document of a webhook delivery. */
  delivery(d: Queued): DeliveryDoc;
  /** The delivery document of an e-mail or SMS to a subscription. */
  message(s: SubscriptionDoc, filing: FilingFacts, eventId: string, kind: string, order: Date, extra?: { nextOpening?: Date }): DeliveryDoc;
  /** Inserts notifications and deliveries, each once (a repeat is already done), and wakes who waits for them. */
  insert(notifications: NotificationDoc[], deliveries: DeliveryDoc[]): Promise<void>;
  /** An in-app notification for one recipient, once per id. */
  notify(n: Notice): Promise<void>;
  /**
   * The SMS of an event to the `index`th number of the filing side (party_phones), or undefined
   * when the party is not told of this event.
   */
  partyMessage(filing: FilingFacts, index: number, eventId: string, kind: string, order: Date): DeliveryDoc | undefined;
  /** An e-mail or SMS to a subscription, once per (event, subscription). */
  queueMessage(s: SubscriptionDoc, filing: FilingFacts, eventId: string, kind: string, order: Date, extra?: { nextOpening?: Date }): Promise<void>;
}

/** The delivery target of the party's SMS to the `index`th number of a filing's filing side. */
export const partyTarget = (filingId: string, index: number) => `party:${filingId}:${index}`;
/** The filing and number index of a party target; undefined for a subscription's or webhook's id. */
export function parsePartyTarget(targetId: string): { filingId: string; index: number } | undefined {
  const m = /^party:(.+):(\d{1,2})$/.exec(targetId);
  return m ? { filingId: m[1]!, index: Number(m[2]) } : undefined;
}

/** The words of a notice: Chinese, from the templates, without identity numbers. */
export function wordsFor(kind: string, f: FilingFacts, courtName: (id: string) => string, nextOpening?: Date) {
  return messageFor(kind, factsForWords(kind, f, courtName, nextOpening));
}

/** What the templates are told of a filing. */
function factsForWords(kind: string, f: FilingFacts, courtName: (id: string) => string, nextOpening?: Date) {
  return {
    receiptNumber: f.receiptNumber,
    caseNumber: f.caseNumber || undefined,
    jurisdictionCourt: courtName(f.jurisdictionCourtId),
    collaboratingCourt: courtName(f.collaboratingCourtId),
    caseTypeName: caseTypeName(f.caseType),
    deadline: f.correction?.deadline,
    reasons:
      kind === "kuayu.decision.v1.CorrectionRequested"
        ? (f.correction?.items ?? []).map((i) => [i.materialKind, i.description].filter(Boolean).join("："))
        : f.rejection
          ? [f.rejection.reason, f.rejection.legalBasis && `依据：${f.rejection.legalBasis}`].filter(Boolean)
          : undefined,
    nextOpening,
  };
}

export function createNotifier(store: Store, courtName: (id: string) => string, onQueued: () => void, onNotified: () => void, log: Logger, settleMs = 300): Notifier {
  const notifier: Notifier = {
    notification(n) {
      const words = wordsFor(n.kind, n.filing, courtName, n.nextOpening);
      const createdAt = new Date();
      return {
        _id: `${n.id}:${n.recipient.courtId}:${n.recipient.role}`,
        courtId: n.recipient.courtId,
        role: n.recipient.role,
        filingId: n.filing.filingId,
        kind: n.kind,
        title: words.subject,
        body: words.text,
        createdAt,
        tick: tickOf(createdAt),
        read: false,
      };
    },
    delivery(d) {
      const now = new Date();
      return {
        _id: `${d.eventId}:${d.targetId}`,
        channel: d.channel,
        targetId: d.targetId,
        courtId: d.courtId,
        filingId: d.filing.filingId,
        eventId: d.eventId,
        eventType: d.eventType,
        order: d.order,
        rank: rankOf(d.eventType),
        ...(d.ref ? { ref: d.ref } : {}),
        ...(d.payload ? { payload: d.payload } : {}),
        status: "pending",
        attempts: 0,
        lastError: "",
        createdAt: now,
        // Held briefly after it is queued, so that events of one filing consumed out of order
        // (different topics) are still delivered in their order.
        nextAttemptAt: new Date(now.getTime() + settleMs),
      };
    },
    message(s, filing, eventId, kind, order, extra) {
      const words = wordsFor(kind, filing, courtName, extra?.nextOpening);
      log.debug({ filing: filing.filingId, channel: s.channel, kind }, "message queued");
      return notifier.delivery({
        channel: s.channel,
        targetId: s._id,
        courtId: s.courtId,
        filing,
        eventId,
        eventType: kind,
        order,
        payload: s.channel === "email" ? { subject: words.subject, text: words.text } : { text: words.sms, sms: words.smsTemplate },
      });
    },
    partyMessage(filing, index, eventId, kind, order) {
      const words = partySmsFor(kind, factsForWords(kind, filing, courtName));
      if (!words) return undefined;
      return notifier.delivery({
        channel: "sms",
        targetId: partyTarget(filing.filingId, index),
        courtId: filing.collaboratingCourtId,
        filing,
        eventId,
        eventType: kind,
        order,
        payload: { text: words.sms, sms: words.smsTemplate },
      });
    },
    async insert(notifications, deliveries) {
      const [notified, queued] = await Promise.all([insertAll(store.notifications, notifications), insertAll(store.deliveries, deliveries)]);
      if (notified.length > 0) onNotified();
      if (queued.length > 0) onQueued();
    },
    notify: (n) => notifier.insert([notifier.notification(n)], []),
    queueMessage: (s, filing, eventId, kind, order, extra) => notifier.insert([], [notifier.message(s, filing, eventId, kind, order, extra)]),
  };
  return notifier;
}
