import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { inEventTrace, type BatchContext, type ConsumedEvent } from "@kuayu/kafka";
import type { Logger } from "@kuayu/logger";
import { commonV1, decisionEventsV1, idFromEnum, intakeV1, type intakeEventsV1, type routingEventsV1 } from "@kuayu/proto";
import { isCaseType, type WorkingHours } from "@kuayu/domain";
import { provinceOfTopic } from "@kuayu/topics";
import {
  EVENT,
  NOTICE,
  documentFor,
  issuerOf,
  nextOpeningIfClosed,
  recipientsOf,
  remindersFor,
  wants,
  webhookRef,
  withReminders,
  type DocumentKind,
  type FilingFacts,
  type Recipient,
} from "./notify.js";
import { normalise } from "@kuayu/fieldcrypt";
import { isMainlandMobile } from "../channels/sms.js";
import { hasTemplate } from "../channels/templates.js";
import { DocumentInputError } from "../documents/types.js";
import { factsId, type DeliveryDoc, type DocumentDoc, type NotificationDoc, type SubscriptionDoc, type WebhookDoc } from "./records.js";

// The lifecycle use case: what each event of a filing calls for — its facts, in-app notifications,
// deliveries, printable documents — decided here and written through the ports below, which
// adapters/consumer.ts wires to the store and adapters/notifier.ts implements.

/** What the use case reads and writes of the store (adapters/consumer.ts lifecycleStore). */
export interface LifecycleStore {
  /** Stored facts by `_id`: `factsId`, or the filing id of facts kept before the per-province topics. */
  facts(id: string): Promise<(FilingFacts & { _id: string }) | null>;
  /** Inserts facts, each once; returns the ids this call inserted (the others were there already). */
  insertFacts(docs: (FilingFacts & { _id: string })[]): Promise<Set<string>>;
  /** Replaces facts (or inserts them), one write for all. */
  replaceFacts(docs: (FilingFacts & { _id: string })[]): Promise<void>;
  /** Ends the reminders of the facts kept before the per-province topics (`waiting` false). */
  endLegacyReminders(filingIds: string[]): Promise<void>;
  /** Keeps the filing side's mobile numbers of filings (sealed at rest), for the party's SMS. */
  keepPartyPhones(phones: Map<string, string[]>): Promise<void>;
  /** Issues the records of printable documents, each once (by verification code and key). */
  issueDocuments(records: DocumentDoc[]): Promise<void>;
}

/** The courts' webhooks and e-mail/SMS subscriptions (adapters/targets.ts holds them in memory). */
export interface CourtTargets {
  webhooksOf(courtId: string): WebhookDoc[];
  subscriptionsOf(courtId: string): SubscriptionDoc[];
}

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

const date = (t: Timestamp | undefined) => (t ? timestampDate(t) : undefined);

const empty = (filingId: string): FilingFacts => ({
  filingId,
  collaboratingCourtId: "",
  jurisdictionCourtId: "",
  caseType: undefined,
  receiptNumber: "",
  parties: [],
  materials: [],
  round: 0,
  submittedAt: undefined,
  routedAt: undefined,
  responseDue: undefined,
  acknowledgedAt: undefined,
  caseNumber: "",
  decidedAt: undefined,
  rejection: undefined,
  correction: undefined,
  lastEventType: "",
  drill: false,
});

function partiesOf(details: intakeV1.FilingDetails | undefined): FilingFacts["parties"] {
  return (details?.parties ?? []).map((p) => ({
    role: (idFromEnum(intakeV1.PartyRole, p.role) ?? "third-party") as FilingFacts["parties"][number]["role"],
    // Names only: identity numbers and phones are not kept here.
    name: p.identity.case ? p.identity.value.name : "",
  }));
}

/**
 * The mainland mobile numbers of the filing side — the plaintiffs (原告, 申请人, …) and their agents —
 * as given at the window, normalised (11 digits) and without repeats: whom the party's SMS go to.
 * Defendants and third parties are never messaged.
 */
export function partyMobiles(details: intakeV1.FilingDetails | undefined): string[] {
  // The same normalisation as the blind indexes' (digits, without the country code).
  const mobile = (p: string | undefined) => {
    const d = normalise("phone", p ?? "");
    return isMainlandMobile(d) ? [d] : [];
  };
  const plaintiffs = (details?.parties ?? []).filter((p) => p.role === intakeV1.PartyRole.PLAINTIFF);
  return [...new Set(plaintiffs.flatMap((p) => [...mobile(p.phone), ...(p.agents ?? []).flatMap((a) => mobile(a.phone))]))];
}

/** The facts after an event; pure. Later rounds and decisions only move forward. */
export function project(f: FilingFacts, type: string, m: Record<string, unknown>, at: Date): FilingFacts {
  const base = {
    ...f,
    collaboratingCourtId: (m.collaboratingCourtId as string) || f.collaboratingCourtId,
    jurisdictionCourtId: (m.jurisdictionCourtId as string) || f.jurisdictionCourtId,
    drill: (m.drill as boolean) ?? f.drill,
    lastEventType: type,
  };
  const round = (m.round as number) ?? f.round;
  switch (type) {
    case EVENT.submitted:
    case EVENT.correctionSubmitted: {
      const e = m as unknown as intakeEventsV1.FilingSubmitted;
      const caseType = idFromEnum(commonV1.CaseType, e.caseType);
      return {
        ...base,
        caseType: isCaseType(caseType) ? caseType : f.caseType,
        receiptNumber: e.receiptNumber || f.receiptNumber,
        parties: e.details ? partiesOf(e.details) : f.parties,
        partyPhones: e.details ? partyMobiles(e.details).length : f.partyPhones,
        materials: e.materials.map((x) => ({ kind: x.kind, fileName: x.fileName })),
        round: Math.max(round, f.round ?? 0),
        submittedAt: date(e.submittedAt) ?? at,
      };
    }
    case EVENT.routed: {
      const e = m as unknown as routingEventsV1.FilingRouted;
      return { ...base, round: Math.max(round, f.round ?? 0), routedAt: date(e.routedAt) ?? at, responseDue: date(e.responseDue) };
    }
    case EVENT.acknowledged:
      return { ...base, acknowledgedAt: f.acknowledgedAt ?? at };
    case EVENT.accepted:
      return { ...base, caseNumber: (m as unknown as decisionEventsV1.Accepted).caseNumber, decidedAt: at };
    case EVENT.rejected: {
      const e = m as unknown as decisionEventsV1.Rejected;
      return { ...base, decidedAt: at, rejection: { category: idFromEnum(decisionEventsV1.RejectionCategory, e.category) ?? "other", reason: e.reason, legalBasis: e.legalBasis } };
    }
    case EVENT.correctionRequested: {
      const e = m as unknown as decisionEventsV1.CorrectionRequested;
      return { ...base, correction: { items: e.items.map((i) => ({ materialKind: i.materialKind, description: i.description })), deadline: date(e.deadline) ?? at, note: e.note } };
    }
    default:
      return base;
  }
}

export interface ConsumerDeps {
  store: LifecycleStore;
  /** The courts' webhooks and subscriptions. */
  targets: CourtTargets;
  notifier: Notifier;
  /** Is the court in this release's province scope? */
  inScope: (courtId: string) => boolean;
  /** A court's province (the directory's); undefined for an unknown court. */
  courtProvince: (courtId: string) => string | undefined;
  /** The record of the printable document an event calls for (adapters/documents.ts documentRecord). */
  documentRecord: (facts: FilingFacts, kind: DocumentKind, round: number) => DocumentDoc | undefined;
  /** A court's own working hours (the directory's); undefined: the default court hours. */
  workingHours: (courtId: string) => WorkingHours | undefined;
  log: Logger;
  /** Filings whose facts a topic's cache keeps (the least recently used go first); default 5,000. */
  cachedFilings?: number;
  /** The party's own SMS are sent (an SMS provider is configured); never for drills. */
  partySms?: boolean;
}

/** No event of a filing is expected after these: its stored facts matter only to the reminder worker. */
const FINAL = new Set<string>([EVENT.accepted, EVENT.rejected, EVENT.withdrawn]);

interface Notices {
  notifications: NotificationDoc[];
  deliveries: DeliveryDoc[];
  document: DocumentDoc | undefined;
}

/** A filing's facts in a topic's cache: as they are now, and as the store has them. */
interface Cached {
  facts: FilingFacts;
  /** The stored facts; undefined when there are none (a new filing, as far as this member knows). */
  stored: FilingFacts | undefined;
  /** Not read from the store: the first event seen was the filing's submission (see below). */
  assumedNew: boolean;
  /** Events other than the last one (FINAL) were applied since the facts were last written. */
  unwritten: boolean;
  /** Read from the facts a release before the per-province topics kept (`_id` = filing id): their reminders end once these are written. */
  legacy?: boolean;
}

/**
 * The copy of a filing's events on one province's lifecycle topic, and who it serves: the courts of
 * that province (in the release's scope). A cross-province filing's events come on two topics, each
 * handled by its own consumer, possibly at once: each copy keeps its own facts (`factsId`), notifies
 * its province's courts and issues the documents its province's court issues (`issuerOf`).
 */
interface Copy {
  province: string;
  here: (courtId: string) => boolean;
}

/**
 * The lifecycle consumer, a whole fetch of one province's topic at a time (`handleBatch`): for
 * every event, update the filing's facts of that topic, notify the people concerned of that
 * province in-app, queue webhook, e-mail and SMS deliveries for its courts, issue the printable
 * document its court issues, and — on the jurisdiction court's province's copy — keep the reminders
 * of the round that arrived (in the facts: `waiting` while it awaits the response). A filing whose
 * two courts are in one province has one copy, which serves both. Then it writes the batch:
 * notifications, deliveries and documents with one insert each (every document keyed by its event
 * or (filing, kind, round): one a redelivery inserted already is "already done"), then each changed
 * filing's facts once. The topic's consumer is the only writer of its filings' facts (keyed by
 * filing and province, docs/architecture.md), so it keeps them in a per-topic cache, cleared on
 * every reassignment (`reset`) and after a failed batch: the store is read once per filing, not
 * once per event.
 */
export function lifecycleConsumer(deps: ConsumerDeps) {
  const caches = new Map<string, Map<string, Cached>>();
  const limit = deps.cachedFilings ?? 5_000;

  /** The facts of a filing as they stand before an event: from the cache, else the store. */
  async function factsOf(cache: Map<string, Cached>, copy: Copy, filingId: string, type: string): Promise<Cached> {
    const hit = cache.get(filingId);
    if (hit) {
      cache.delete(filingId); // most recently used last
      cache.set(filingId, hit);
      return hit;
    }
    let entry: Cached;
    if (type === EVENT.submitted) {
      // A filing's first event: nothing is stored yet, unless this is a redelivery — then the
      // insert of its facts finds them, and the batch's events are applied to them (writeFacts).
      entry = { facts: empty(filingId), stored: undefined, assumedNew: true, unwritten: false };
    } else {
      const found = await deps.store.facts(factsId(filingId, copy.province));
      // A filing in flight when the per-province topics came: its facts as the release before kept them.
      const legacy = found ? undefined : await deps.store.facts(filingId);
      const stored = found ? stripId(found) : undefined;
      entry = { facts: stored ?? (legacy ? stripId(legacy) : empty(filingId)), stored, assumedNew: false, unwritten: false, ...(legacy ? { legacy: true } : {}) };
    }
    cache.set(filingId, entry);
    if (cache.size > limit) cache.delete(cache.keys().next().value!);
    return entry;
  }

  /** Writes the facts of the filings a batch changed on a copy's topic, one command per filing (insert or replace). */
  async function writeFacts(copy: Copy, changed: Map<string, { entry: Cached; events: [string, Record<string, unknown>, Date][] }>): Promise<void> {
    const fresh: (FilingFacts & { _id: string })[] = [];
    const replace: FilingFacts[] = [];
    const written: Cached[] = [];
    const id = (f: FilingFacts) => factsId(f.filingId, copy.province);
    for (const { entry } of changed.values()) {
      const { facts, stored } = entry;
      if (!stored && entry.assumedNew) fresh.push({ ...facts, _id: id(facts) });
      // A batch that brought only a filing's last event (decision, withdrawal) writes its facts
      // only when that ends its reminders: no later event needs them, the reminder worker reads
      // only `waiting`, and a redelivery applies the event again.
      else if (!stored || entry.unwritten || stored.waiting !== facts.waiting) replace.push(facts);
      else continue;
      written.push(entry);
    }
    const inserted = await deps.store.insertFacts(fresh);
    for (const d of fresh.filter((d) => !inserted.has(d._id))) {
      // Redelivered: stored by the first delivery. Apply the batch's events to what is stored.
      const { events } = changed.get(d.filingId)!;
      const found = await deps.store.facts(d._id);
      let facts: FilingFacts = found ? stripId(found) : empty(d.filingId);
      for (const [type, m, at] of events) facts = next(copy, facts, type, m, at);
      changed.get(d.filingId)!.entry.facts = facts;
      replace.push(facts);
    }
    if (replace.length > 0) await deps.store.replaceFacts(replace.map((f) => ({ ...f, _id: id(f) })));
    // The facts kept before the per-province topics: their reminders are now in these (idempotent; both copies may do it).
    const legacy = written.filter((e) => e.legacy).map((e) => e.facts.filingId);
    if (legacy.length > 0) await deps.store.endLegacyReminders(legacy);
    for (const entry of written) {
      entry.stored = entry.facts;
      entry.assumedNew = false;
      entry.unwritten = false;
      delete entry.legacy;
    }
  }

  /**
   * The facts after an event, with the reminders of a round that arrives: only in the copy of the
   * jurisdiction court's province (the reminders are its specialists'), none in the window's.
   */
  function next(copy: Copy, f: FilingFacts, type: string, m: Record<string, unknown>, at: Date): FilingFacts {
    const facts = project(f, type, m, at);
    if (!copy.here(facts.jurisdictionCourtId)) return withReminders(facts, []);
    const arrived = type === EVENT.routed && facts.routedAt ? remindersFor(facts.filingId, facts.round, facts.routedAt, deps.workingHours(facts.jurisdictionCourtId)) : undefined;
    return withReminders(facts, arrived);
  }

  /**
   * The document record an event calls for; none when its facts lack what the document must show
   * (an event published without them: no retry can change it, and the batch must go on).
   */
  function documentOf(facts: FilingFacts, kind: DocumentKind): DocumentDoc | undefined {
    try {
      return deps.documentRecord(facts, kind, facts.round);
    } catch (err) {
      if (!(err instanceof DocumentInputError)) throw err;
      deps.log.error({ err, filing: facts.filingId, kind }, "document not issued: the filing's facts lack what it shows");
      return undefined;
    }
  }

  /** What an event calls for on a copy (for the courts of its province), given the facts after it. */
  function noticesOf(copy: Copy, event: ConsumedEvent, facts: FilingFacts, courts: string[]): Notices {
    const type = event.meta.type;
    const notifications: NotificationDoc[] = [];
    const deliveries: DeliveryDoc[] = [];
    for (const r of recipientsOf(type, facts).filter((x) => copy.here(x.courtId))) {
      notifications.push(deps.notifier.notification({ id: event.meta.id, recipient: r, filing: facts, kind: type, occurredAt: event.meta.time }));
    }
    for (const courtId of new Set(courts.filter(copy.here))) {
      for (const w of deps.targets.webhooksOf(courtId)) {
        if (wants(w.eventTypes, type))
          deliveries.push(
            // References only (webhookRef): the court fetches the details with its own gRPC call.
            deps.notifier.delivery({
              channel: "webhook",
              targetId: w._id,
              courtId,
              filing: facts,
              eventId: event.meta.id,
              eventType: type,
              order: event.meta.time,
              ref: webhookRef(type, facts, courtId),
            }),
          );
      }
      // E-mail and SMS only for the events they have words for (a subscription to every event).
      for (const s of deps.targets.subscriptionsOf(courtId)) {
        if (wants(s.eventTypes, type) && hasTemplate(type)) deliveries.push(deps.notifier.message(s, facts, event.meta.id, type, event.meta.time));
      }
    }
    // The party who filed (and their agents), told by SMS from the window's copy: one message a number.
    if (deps.partySms && !facts.drill && copy.here(facts.collaboratingCourtId)) {
      for (let i = 0; i < (facts.partyPhones ?? 0); i++) {
        const d = deps.notifier.partyMessage(facts, i, event.meta.id, type, event.meta.time);
        if (d) deliveries.push(d);
      }
    }
    if (type === EVENT.routed && facts.routedAt) {
      const opens = nextOpeningIfClosed(facts.routedAt, deps.workingHours(facts.jurisdictionCourtId));
      if (opens && copy.here(facts.collaboratingCourtId)) {
        notifications.push(
          deps.notifier.notification({
            id: `${event.meta.id}:${NOTICE.nextOpening}`,
            recipient: { courtId: facts.collaboratingCourtId, role: "window-clerk" },
            filing: facts,
            kind: NOTICE.nextOpening,
            occurredAt: event.meta.time,
            nextOpening: opens,
          }),
        );
      }
    }
    // The document is issued by one court (`issuerOf`): from the copy of that court's province.
    const kind = documentFor(type);
    const issuer = kind && (issuerOf(kind) === "window" ? facts.collaboratingCourtId : facts.jurisdictionCourtId);
    return { notifications, deliveries, document: kind && issuer && copy.here(issuer) ? documentOf(facts, kind) : undefined };
  }

  async function handleBatch(events: ConsumedEvent[], batch: Pick<BatchContext, "topic" | "deadLetter">): Promise<void> {
    const province = provinceOfTopic(batch.topic);
    if (province === undefined) throw new Error(`"${batch.topic}" is not a lifecycle topic`);
    const copy: Copy = { province, here: (courtId) => !!courtId && deps.courtProvince(courtId) === province && deps.inScope(courtId) };
    let cache = caches.get(batch.topic);
    if (!cache) caches.set(batch.topic, (cache = new Map()));
    const notifications: NotificationDoc[] = [];
    const deliveries: DeliveryDoc[] = [];
    const documents = new Map<string, DocumentDoc>();
    const changed = new Map<string, { entry: Cached; events: [string, Record<string, unknown>, Date][] }>();
    /** The filing side's numbers of the submissions in this batch (the window's copy): kept sealed for the party's SMS. */
    const phones = new Map<string, string[]>();
    try {
      for (const event of events) {
        const type = event.meta.type;
        const m = event.message as unknown as Record<string, unknown>;
        const filingId = (m.filingId as string) || event.key;
        const courts = [m.collaboratingCourtId as string, m.jurisdictionCourtId as string].filter(Boolean);
        if (!courts.some(copy.here)) continue; // no court of this topic's province: nobody to serve here
        // In the event's own trace: its facts' read, if any, and what it calls for.
        const entry = await inEventTrace(event, () => factsOf(cache, copy, filingId, type));
        let facts: FilingFacts, notices: Notices;
        try {
          [facts, notices] = inEventTrace(event, () => {
            const after = next(copy, entry.facts, type, m, event.meta.time);
            return [after, noticesOf(copy, event, after, courts)] as const;
          });
        } catch (err) {
          // Nothing about this event will ever be different: retrying the batch would hold the
          // partition for good. It goes to the dead-letter topic (alerted, `kuayu dlq`), the batch
          // goes on. (Store failures are not caught here: they retry the batch.)
          await batch.deadLetter(event, err as Error);
          continue;
        }
        entry.facts = facts;
        if (!FINAL.has(type)) entry.unwritten = true;
        if (deps.partySms && !facts.drill && (type === EVENT.submitted || type === EVENT.correctionSubmitted) && copy.here(facts.collaboratingCourtId)) {
          const details = (m as unknown as intakeEventsV1.FilingSubmitted).details;
          if (details) phones.set(filingId, partyMobiles(details));
        }
        const seen = changed.get(filingId) ?? { entry, events: [] };
        seen.events.push([type, m, event.meta.time]);
        changed.set(filingId, seen);
        notifications.push(...notices.notifications);
        deliveries.push(...notices.deliveries);
        if (notices.document && !documents.has(notices.document.key)) documents.set(notices.document.key, notices.document);
      }
      // What the events call for first, the facts last: a crash between them redelivers the batch,
      // which finds the same facts stored as before and inserts nothing twice.
      // The numbers before the messages to them (the delivery worker reads them when it sends).
      if (phones.size > 0) await deps.store.keepPartyPhones(phones);
      await Promise.all([deps.notifier.insert(notifications, deliveries), deps.store.issueDocuments([...documents.values()])]);
      await writeFacts(copy, changed);
    } catch (err) {
      caches.delete(batch.topic); // the store may have more of the batch than the cache: read it again
      throw err;
    }
  }

  return {
    handleBatch,
    /** Forgets every topic's facts (on reassignment: another member may have changed them meanwhile). */
    reset: () => caches.clear(),
  };
}

const stripId = (d: FilingFacts & { _id: string }): FilingFacts => {
  const { _id, ...rest } = d;
  return rest;
};
