import { toJson } from "@bufbuild/protobuf";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { inEventTrace, type BatchContext, type ConsumedEvent } from "@kuayu/kafka";
import type { Logger } from "@kuayu/logger";
import { commonV1, decisionEventsV1, idFromEnum, intakeV1, type intakeEventsV1, type routingEventsV1 } from "@kuayu/proto";
import { isCaseType, type WorkingHours } from "@kuayu/domain";
import { EVENT, NOTICE, documentFor, nextOpeningIfClosed, recipientsOf, remindersFor, wants, withReminders, type DocumentKind, type FilingFacts } from "../domain/notify.js";
import { hasTemplate } from "../channels/templates.js";
import { DocumentInputError } from "../documents/types.js";
import { issueDocuments } from "./documents.js";
import { insertAll, type DeliveryDoc, type DocumentDoc, type NotificationDoc, type Store } from "./store.js";
import type { Targets } from "./targets.js";
import type { Notifier } from "./notifier.js";

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
  store: Store;
  /** The courts' webhooks and subscriptions (targets.ts). */
  targets: Targets;
  notifier: Notifier;
  /** Is the court in this release's province scope? */
  inScope: (courtId: string) => boolean;
  /** The record of the printable document an event calls for (documents.ts documentRecord). */
  documentRecord: (facts: FilingFacts, kind: DocumentKind, round: number) => DocumentDoc | undefined;
  /** A court's own working hours (the directory's); undefined: the default court hours. */
  workingHours: (courtId: string) => WorkingHours | undefined;
  log: Logger;
  /** Filings whose facts a partition's cache keeps (the least recently used go first); default 5,000. */
  cachedFilings?: number;
}

/** No event of a filing is expected after these: its stored facts matter only to the reminder worker. */
const FINAL = new Set<string>([EVENT.accepted, EVENT.rejected, EVENT.withdrawn]);

interface Notices {
  notifications: NotificationDoc[];
  deliveries: DeliveryDoc[];
  document: DocumentDoc | undefined;
}

/** A filing's facts in a partition's cache: as they are now, and as the store has them. */
interface Cached {
  facts: FilingFacts;
  /** The stored facts; undefined when there are none (a new filing, as far as this member knows). */
  stored: FilingFacts | undefined;
  /** Not read from the store: the first event seen was the filing's submission (see below). */
  assumedNew: boolean;
  /** Events other than the last one (FINAL) were applied since the facts were last written. */
  unwritten: boolean;
}

/**
 * The lifecycle consumer, a whole fetch of one partition at a time (`handleBatch`): for every event,
 * update the filing's facts, notify the people concerned in-app, queue webhook, e-mail and SMS
 * deliveries, issue the printable document it calls for, and keep the reminders of the round that
 * arrived (in the facts: `waiting` while it awaits the response). Then it writes the batch:
 * notifications, deliveries and documents with one insert each (every document keyed by its event
 * or (filing, kind, round): one a redelivery inserted already is "already done"), then each changed
 * filing's facts once. The partition's consumer is the only writer of its filings' facts
 * (docs/architecture.md), so it keeps them in a per-partition cache, cleared on every reassignment
 * (`reset`) and after a failed batch: the store is read once per filing, not once per event.
 */
export function lifecycleConsumer(deps: ConsumerDeps) {
  const caches = new Map<number, Map<string, Cached>>();
  const limit = deps.cachedFilings ?? 5_000;

  /** The facts of a filing as they stand before an event: from the cache, else the store. */
  async function factsOf(cache: Map<string, Cached>, filingId: string, type: string): Promise<Cached> {
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
      const found = await deps.store.filings.findOne({ _id: filingId });
      const stored = found ? stripId(found) : undefined;
      entry = { facts: stored ?? empty(filingId), stored, assumedNew: false, unwritten: false };
    }
    cache.set(filingId, entry);
    if (cache.size > limit) cache.delete(cache.keys().next().value!);
    return entry;
  }

  /** Writes the facts of the filings a batch changed, one command per filing (insert or replace). */
  async function writeFacts(changed: Map<string, { entry: Cached; events: [string, Record<string, unknown>, Date][] }>): Promise<void> {
    const fresh: (FilingFacts & { _id: string })[] = [];
    const replace: FilingFacts[] = [];
    const written: Cached[] = [];
    for (const { entry } of changed.values()) {
      const { facts, stored } = entry;
      if (!stored && entry.assumedNew) fresh.push({ ...facts, _id: facts.filingId });
      // A batch that brought only a filing's last event (decision, withdrawal) writes its facts
      // only when that ends its reminders: no later event needs them, the reminder worker reads
      // only `waiting`, and a redelivery applies the event again.
      else if (!stored || entry.unwritten || stored.waiting !== facts.waiting) replace.push(facts);
      else continue;
      written.push(entry);
    }
    const inserted = new Set((await insertAll(deps.store.filings, fresh)).map((d) => d._id));
    for (const d of fresh.filter((d) => !inserted.has(d._id))) {
      // Redelivered: stored by the first delivery. Apply the batch's events to what is stored.
      const { events } = changed.get(d._id)!;
      const found = await deps.store.filings.findOne({ _id: d._id });
      let facts: FilingFacts = found ? stripId(found) : empty(d._id);
      for (const [type, m, at] of events) facts = next(facts, type, m, at);
      changed.get(d._id)!.entry.facts = facts;
      replace.push(facts);
    }
    if (replace.length > 0) {
      await deps.store.filings.bulkWrite(
        replace.map((f) => ({ replaceOne: { filter: { _id: f.filingId }, replacement: f as never, upsert: true } })),
        { ordered: false },
      );
    }
    for (const entry of written) {
      entry.stored = entry.facts;
      entry.assumedNew = false;
      entry.unwritten = false;
    }
  }

  /** The facts after an event, with the reminders of a round that arrives. */
  function next(f: FilingFacts, type: string, m: Record<string, unknown>, at: Date): FilingFacts {
    const facts = project(f, type, m, at);
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

  /** What an event calls for, given the facts after it. */
  function noticesOf(event: ConsumedEvent, facts: FilingFacts, courts: string[]): Notices {
    const type = event.meta.type;
    const notifications: NotificationDoc[] = [];
    const deliveries: DeliveryDoc[] = [];
    for (const r of recipientsOf(type, facts).filter((x) => deps.inScope(x.courtId))) {
      notifications.push(deps.notifier.notification({ id: event.meta.id, recipient: r, filing: facts, kind: type, occurredAt: event.meta.time }));
    }
    const body = { eventId: event.meta.id, eventType: type, filingId: facts.filingId, occurredAt: event.meta.time.toISOString(), data: toJson(event.schema, event.message as never) };
    for (const courtId of new Set(courts.filter(deps.inScope))) {
      for (const w of deps.targets.webhooksOf(courtId)) {
        if (wants(w.eventTypes, type))
          deliveries.push(deps.notifier.delivery({ channel: "webhook", targetId: w._id, courtId, filing: facts, eventId: event.meta.id, eventType: type, order: event.meta.time, payload: { body } }));
      }
      // E-mail and SMS only for the events they have words for (a subscription to every event).
      for (const s of deps.targets.subscriptionsOf(courtId)) {
        if (wants(s.eventTypes, type) && hasTemplate(type)) deliveries.push(deps.notifier.message(s, facts, event.meta.id, type, event.meta.time));
      }
    }
    if (type === EVENT.routed && facts.routedAt) {
      const opens = nextOpeningIfClosed(facts.routedAt, deps.workingHours(facts.jurisdictionCourtId));
      if (opens && deps.inScope(facts.collaboratingCourtId)) {
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
    const kind = documentFor(type);
    return { notifications, deliveries, document: kind && documentOf(facts, kind) };
  }

  async function handleBatch(events: ConsumedEvent[], batch: Pick<BatchContext, "partition" | "deadLetter">): Promise<void> {
    let cache = caches.get(batch.partition);
    if (!cache) caches.set(batch.partition, (cache = new Map()));
    const notifications: NotificationDoc[] = [];
    const deliveries: DeliveryDoc[] = [];
    const documents = new Map<string, DocumentDoc>();
    const changed = new Map<string, { entry: Cached; events: [string, Record<string, unknown>, Date][] }>();
    try {
      for (const event of events) {
        const type = event.meta.type;
        const m = event.message as unknown as Record<string, unknown>;
        const filingId = (m.filingId as string) || event.key;
        const courts = [m.collaboratingCourtId as string, m.jurisdictionCourtId as string].filter(Boolean);
        if (!courts.some(deps.inScope)) continue; // another province's release serves it
        // In the event's own trace: its facts' read, if any, and what it calls for.
        const entry = await inEventTrace(event, () => factsOf(cache, filingId, type));
        let facts: FilingFacts, notices: Notices;
        try {
          [facts, notices] = inEventTrace(event, () => {
            const after = next(entry.facts, type, m, event.meta.time);
            return [after, noticesOf(event, after, courts)] as const;
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
        const seen = changed.get(filingId) ?? { entry, events: [] };
        seen.events.push([type, m, event.meta.time]);
        changed.set(filingId, seen);
        notifications.push(...notices.notifications);
        deliveries.push(...notices.deliveries);
        if (notices.document && !documents.has(notices.document.key)) documents.set(notices.document.key, notices.document);
      }
      // What the events call for first, the facts last: a crash between them redelivers the batch,
      // which finds the same facts stored as before and inserts nothing twice.
      await Promise.all([deps.notifier.insert(notifications, deliveries), issueDocuments(deps.store, [...documents.values()], deps.log)]);
      await writeFacts(changed);
    } catch (err) {
      caches.delete(batch.partition); // the store may have more of the batch than the cache: read it again
      throw err;
    }
  }

  return {
    handleBatch,
    /** Forgets every partition's facts (on reassignment: another member may have changed them meanwhile). */
    reset: () => caches.clear(),
  };
}

const stripId = (d: FilingFacts & { _id: string }): FilingFacts => {
  const { _id, ...rest } = d;
  return rest;
};
