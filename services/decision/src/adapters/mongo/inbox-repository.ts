import { Schema, type Connection, type Model, type mongo } from "mongoose";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { NO_LEGACY_OUTBOX, outboxEntries, packedHeads, versionedDocuments, type OutboxEntry, type VersionRow } from "@kuayu/outbox";
import { PERSONAL_FIELDS, type FieldCrypt } from "@kuayu/fieldcrypt";
import { findChangedSince, tickOf } from "@kuayu/mongo";
import { enumFromId, decisionEventsV1 } from "@kuayu/proto";
import { provincePartition, topicsOfFiling, type FilingEventInit } from "@kuayu/topics";
import { currentDeadline, materialsComplete, type InboxFiling, type InboxView } from "../../domain/inbox.js";
import type { Change, DecisionEvent, InboxRepository } from "../../domain/decision.js";

export const SOURCE = "kuayu.decision";

/**
 * The inbox document: the domain's InboxFiling, plus what queries need — `dueAt` (the deadline
 * that orders the views) and `materialsPending` (the copier's work list) — and its `version`
 * (versioned documents, @kuayu/outbox: every change commits `inbox_versions` `<id>:<version>`).
 */
export type InboxDoc = Omit<InboxFiling, "id"> & { _id: string; dueAt: Date; materialsPending: boolean; version?: number; tick?: number };

// The entry as the domain shapes it; stored packed (inboxHeads below), the whole of it in one BSON `body`.
const inboxSchema = new Schema<InboxDoc>(
  {
    _id: { type: String, required: true },
    jurisdictionCourtId: { type: String, required: true },
    collaboratingCourtId: { type: String, required: true },
    province: { type: String, required: true },
    originProvince: { type: String, required: true },
    court: { type: Schema.Types.Mixed, required: true },
    caseType: { type: String, required: true },
    status: { type: String, required: true },
    round: { type: Number, required: true },
    receiptNumber: { type: String, default: "" },
    details: { type: Schema.Types.Mixed },
    materials: { type: Schema.Types.Mixed, default: [] },
    arrivedAt: { type: Date, required: true },
    clockStartedAt: { type: Date },
    responseDue: { type: Date, required: true },
    decisionDue: { type: Date, required: true },
    deadlinesEstimated: { type: Boolean, default: false },
    acknowledgedAt: { type: Date },
    caseNumber: { type: String, default: "" },
    accepting: { type: Boolean, default: false },
    rejection: { type: Schema.Types.Mixed },
    correction: { type: Schema.Types.Mixed },
    decidedAt: { type: Date },
    updatedAt: { type: Date, required: true },
    drill: { type: Boolean, default: false },
    anonymisedAt: { type: Date },
    dueAt: { type: Date, required: true },
    materialsPending: { type: Boolean, default: true },
    // The change bucket of updatedAt, for the watch hub's indexed look-ups (@kuayu/mongo tickOf).
    tick: { type: Number },
    version: { type: Number },
  },
  { versionKey: false, minimize: false },
);
inboxSchema.index({ jurisdictionCourtId: 1, status: 1, dueAt: 1 });
inboxSchema.index({ materialsPending: 1 });
inboxSchema.index({ tick: 1 });

/**
 * How an entry is stored (@kuayu/outbox packedHeads): the fields that the queries and indexes here
 * name at the top, the whole entry in one BSON body. An entry stored before packing is read as it is.
 */
export const inboxHeads = packedHeads<InboxDoc>((h) => ({
  jurisdictionCourtId: h.jurisdictionCourtId,
  status: h.status,
  dueAt: h.dueAt,
  materialsPending: h.materialsPending,
  arrivedAt: h.arrivedAt,
  deadlinesEstimated: h.deadlinesEstimated,
  drill: h.drill,
  updatedAt: h.updatedAt,
  tick: h.tick,
}));
const unpack = (d: mongo.Document): InboxDoc => inboxHeads.unpack(d);

export function inboxModel(conn: Connection): Model<InboxDoc> {
  return conn.model<InboxDoc>("InboxFiling", inboxSchema, "inbox");
}

function toDomain(d: InboxDoc): InboxFiling {
  const { _id, dueAt: _d, materialsPending: _m, version: _v, ...rest } = d as InboxDoc & { outbox?: unknown; outboxPending?: unknown; outboxLeaseUntil?: unknown };
  delete rest.outbox;
  delete rest.outboxPending;
  delete rest.outboxLeaseUntil;
  return {
    ...rest,
    id: _id,
    materials: (rest.materials ?? []).map((m) => ({ ...m, uploadedAt: new Date(m.uploadedAt) })),
    acknowledgedAt: rest.acknowledgedAt ?? undefined,
    rejection: rest.rejection ?? undefined,
    correction: rest.correction ? { ...rest.correction, deadline: new Date(rest.correction.deadline), requestedAt: new Date(rest.correction.requestedAt) } : undefined,
    decidedAt: rest.decidedAt ?? undefined,
    // Entries from before the field was kept: the round started about when it arrived here.
    clockStartedAt: rest.clockStartedAt ?? rest.arrivedAt,
  };
}

/** The document of an entry and the entry of a document (for the retention store). */
export const inboxDoc = (f: InboxFiling, crypt: FieldCrypt): InboxDoc => toDoc(f, crypt);
export const inboxToDomain = (d: InboxDoc): InboxFiling => toDomain(d);

/** The deadline that orders the filing in its view. */
const dueOf = (f: InboxFiling): Date => currentDeadline(f) ?? f.correction?.deadline ?? f.decidedAt ?? f.updatedAt;

/** The stored document: the parties' and agents' resident ids, phones and addresses in `details` sealed (@kuayu/fieldcrypt). */
function toDoc(f: InboxFiling, crypt: FieldCrypt): InboxDoc {
  const { id, ...rest } = f;
  return { ...rest, details: crypt.sealFields(f.details, PERSONAL_FIELDS), _id: id, dueAt: dueOf(f), materialsPending: !materialsComplete(f), tick: tickOf(f.updatedAt) };
}

/**
 * The outbox entries of a decision event: on the lifecycle topics of the jurisdiction court's
 * province and of the window's (one event id), published by the relay of the jurisdiction's stream
 * (the instance whose consumer handles the filing).
 */
function eventEntries(f: InboxFiling, e: DecisionEvent): OutboxEntry[] {
  const entry = (event: FilingEventInit["event"]) => outboxEntries(topicsOfFiling(f.province, f.originProvince), f.id, { event }, SOURCE, provincePartition(f.province));
  const base = { filingId: f.id, collaboratingCourtId: f.collaboratingCourtId, jurisdictionCourtId: f.jurisdictionCourtId, round: f.round, drill: f.drill };
  const acknowledgedAt = timestampFromDate(f.acknowledgedAt ?? f.updatedAt);
  const at = timestampFromDate(f.updatedAt);
  if (typeof e === "object") {
    return entry({
      case: "deadlinesChanged",
      value: {
        ...base,
        responseDue: timestampFromDate(f.responseDue),
        decisionDue: timestampFromDate(f.decisionDue),
        provisional: f.deadlinesEstimated,
        previousResponseDue: timestampFromDate(e.previous.responseDue),
        previousDecisionDue: timestampFromDate(e.previous.decisionDue),
        previousProvisional: e.previous.provisional,
        calendarYears: e.years,
        changedAt: at,
      },
    });
  }
  switch (e) {
    case "acknowledged":
      return entry({ case: "acknowledged", value: { ...base, acknowledgedAt: timestampFromDate(f.acknowledgedAt ?? f.updatedAt) } });
    case "accepted":
      return entry({ case: "accepted", value: { ...base, caseNumber: f.caseNumber, acceptedAt: at, acknowledgedAt } });
    case "rejected":
      return entry({
        case: "rejected",
        value: {
          ...base,
          category: enumFromId(decisionEventsV1.RejectionCategory, f.rejection!.category),
          reason: f.rejection!.reason,
          legalBasis: f.rejection!.legalBasis,
          rejectedAt: at,
          acknowledgedAt,
        },
      });
    case "correction-requested":
      return entry({
        case: "correctionRequested",
        value: {
          ...base,
          items: f.correction!.items,
          deadline: timestampFromDate(f.correction!.deadline),
          note: f.correction!.note,
          requestedAt: timestampFromDate(f.correction!.requestedAt),
          acknowledgedAt,
        },
      });
  }
}

const VIEW_STATUSES: Record<InboxView, string[] | undefined> = {
  "awaiting-response": ["awaiting-response"],
  "awaiting-decision": ["awaiting-decision"],
  "correction-pending": ["correction-pending"],
  overdue: ["awaiting-response", "awaiting-decision"],
  all: undefined,
};

interface Cursor {
  t: number;
  id: string;
}
function decodeCursor(token: string): Cursor | undefined {
  if (!token) return undefined;
  try {
    const c = JSON.parse(Buffer.from(token, "base64url").toString()) as Cursor;
    if (typeof c.t === "number" && typeof c.id === "string") return c;
  } catch {
    // fall through
  }
  throw Object.assign(new Error("invalid page token"), { name: "InvalidPageToken" });
}

export interface MongoInboxRepository extends InboxRepository {
  /** Filings with materials still to copy, oldest arrival first, but none of `skip` (those waiting to retry). */
  pendingCopies(limit: number, skip?: readonly string[]): Promise<InboxFiling[]>;
  changedSince(since: Date): Promise<InboxFiling[]>;
}

/**
 * The inbox. Every change of a filing — specialist commands, the routed-filing consumer, the
 * copier, the deadline recount — commits the filing's next version (a unique insert; a lost race
 * decides again on the winner's version), so no write takes a lock.
 */
export function mongoInboxRepository(
  model: Model<InboxDoc>,
  versions: mongo.Collection<VersionRow>,
  hooks: {
    onCommit: (id: string, row: VersionRow) => void;
    onChange: (changed: InboxFiling) => void;
    crypt: FieldCrypt;
    /** STORE_GROUP_WAIT_MS (versionedDocuments). */
    groupWaitMs?: number;
  },
): MongoInboxRepository {
  const { crypt } = hooks;
  const open = async (d: InboxDoc) => toDomain({ ...d, details: await crypt.openFields(d.details) });
  const docs = versionedDocuments<InboxDoc>(model.collection as never, versions, {
    onCommit: (id, row) => hooks.onCommit(id, row),
    notFound: (id) => Object.assign(new Error(`filing ${id} vanished from the inbox`), { name: "NotFoundError" }),
    codec: inboxHeads,
    groupWaitMs: hooks.groupWaitMs,
  });
  // The document each filing handed out by get() or change() was read from: a change starting from
  // that filing need not read it again (a stale one loses the race and reads the newest version).
  const readFrom = new WeakMap<InboxFiling, InboxDoc>();
  const get = async (id: string) => {
    const stored = await model.findById(id, NO_LEGACY_OUTBOX).lean<mongo.Document>();
    if (!stored) return undefined;
    const d = docs.seen(unpack(stored));
    const f = await open(d);
    readFrom.set(f, d);
    return f;
  };
  /** A filing of a head this process knows, remembering the head it came from (readFrom). */
  const openKnown = async (d: InboxDoc) => {
    const f = await open(d);
    readFrom.set(f, d);
    return f;
  };
  return {
    async insert(f) {
      if (!(await docs.create(toDoc(f, crypt)))) return false;
      hooks.onChange(f);
      return true;
    },
    get,
    async recent(id) {
      const d = docs.recent(id);
      return d ? openKnown(d) : get(id);
    },
    heldSince: () => docs.heldSince(),
    knownSince(id, since) {
      const d = docs.knownSince(id, since);
      return d && { jurisdictionCourtId: d.jurisdictionCourtId, updatedAt: d.updatedAt, open: () => openKnown(d) };
    },
    async change(id, fn, current) {
      let changed = false;
      const head = await docs.change(
        id,
        async (d) => {
          const change: Change | undefined = await fn(await open(d));
          changed = change !== undefined;
          if (!change) return undefined; // nothing to change: no new version
          return { head: toDoc(change.filing, crypt), outbox: change.events.flatMap((e) => eventEntries(change.filing, e)) };
        },
        current && readFrom.get(current),
      );
      const now = await open(head);
      readFrom.set(now, head);
      if (changed) hooks.onChange(now);
      return now;
    },
    async list(courtId, view, now, pageSize, pageToken) {
      const filter: Record<string, unknown> = { jurisdictionCourtId: courtId };
      const statuses = VIEW_STATUSES[view];
      if (statuses) filter.status = { $in: statuses };
      if (view === "overdue") filter.dueAt = { $lt: now };
      const cursor = decodeCursor(pageToken);
      if (cursor) {
        const t = new Date(cursor.t);
        filter.$or = [{ dueAt: { $gt: t } }, { dueAt: t, _id: { $gt: cursor.id } }];
      }
      const docs = await model
        .find(filter, NO_LEGACY_OUTBOX)
        .sort({ dueAt: 1, _id: 1 })
        .limit(pageSize + 1)
        .lean<mongo.Document[]>()
        .then((found) => found.map(unpack));
      const page = docs.slice(0, pageSize);
      const last = page[page.length - 1];
      return {
        filings: await Promise.all(page.map(open)),
        nextPageToken: docs.length > pageSize && last ? Buffer.from(JSON.stringify({ t: last.dueAt.getTime(), id: last._id })).toString("base64url") : "",
      };
    },
    async openIds(provisionalOnly = false) {
      const filter = { status: { $in: ["awaiting-response", "awaiting-decision"] }, ...(provisionalOnly ? { deadlinesEstimated: true } : {}) };
      return (await model.find(filter, { _id: 1 }).lean<{ _id: string }[]>()).map((d) => d._id);
    },
    async pendingCopies(limit, skip = []) {
      const filter = skip.length > 0 ? { materialsPending: true, _id: { $nin: [...skip] } } : { materialsPending: true };
      return Promise.all((await model.find(filter, NO_LEGACY_OUTBOX).sort({ arrivedAt: 1 }).limit(limit).lean<mongo.Document[]>()).map((d) => open(unpack(d))));
    },
    async changedSince(since) {
      // What the watch hub's polls see is what this process knows of them (knownSince).
      return Promise.all((await findChangedSince(since, (filter) => model.find(filter, NO_LEGACY_OUTBOX).lean<mongo.Document[]>())).map((d) => open(docs.seen(unpack(d)))));
    },
  };
}
