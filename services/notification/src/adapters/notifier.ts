import type { Logger } from "@kuayu/logger";
import { tickOf } from "@kuayu/mongo";
import { caseTypeName, type FilingFacts } from "../domain/notify.js";
import { messageFor, partySmsFor } from "../channels/templates.js";
import { insertAll, type Store } from "./store.js";
import type { Notifier } from "../domain/lifecycle.js";

// Lifecycle order of event types, to order deliveries of events with the same timestamp.
const RANKS = ["FilingSubmitted", "FilingRouted", "RoutingFailed", "Acknowledged", "CorrectionRequested", "CorrectionSubmitted", "Accepted", "Rejected", "FilingWithdrawn"];
const rankOf = (eventType: string) => {
  const i = RANKS.indexOf(eventType.split(".").pop() ?? "");
  return i < 0 ? RANKS.length : i;
};

export type { Notice, Notifier, Queued } from "../domain/lifecycle.js";

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
