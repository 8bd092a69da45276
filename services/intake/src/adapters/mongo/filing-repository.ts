import { Schema, type Connection, type Model, type mongo } from "mongoose";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { NO_LEGACY_OUTBOX, outboxEntries, packedHeads, versionedDocuments, type OutboxEntry, type VersionRow } from "@kuayu/outbox";
import { HEADERS } from "@kuayu/kafka";
import { PERSONAL_FIELDS, type FieldCrypt } from "@kuayu/fieldcrypt";
import { findChangedSince, tickOf } from "@kuayu/mongo";
import { provinceOfTopic, provincePartition, topicsOfFiling, type FilingEventInit } from "@kuayu/topics";
import { currentAudit } from "@kuayu/auth";
import { deadlinesText, type Filing, type TimelineActor, type TimelineEntry } from "../../domain/filing.js";
import type { Change, FilingRepository, IntakeEvent, LifecycleLog, ListQuery } from "../../domain/intake.js";
import { SOURCE } from "../kafka/topics.js";
import { detailsToProto, jurisdictionCopyOfDetails, materialToProto, toProtoCaseType } from "../proto.js";

type TimelineRow = { eventId: string; eventType: string; at: Date; source: string; detail: string; actor?: TimelineActor };
/**
 * A filing, its timeline and its version (versioned documents, @kuayu/outbox: every change commits
 * `filings_versions` `<id>:<version>`). The timeline lives in the filing's document: the lifecycle
 * consumer adds an entry and the status it implies in one change, and GetFiling reads one document.
 */
export type FilingDoc = Omit<Filing, "id"> & { _id: string; version?: number; timeline?: TimelineRow[]; tick?: number; partyIndex?: string[] };

/** Timelines of filings written before the timeline moved into the filing's document (read, and carried over on the next event). */
export interface TimelineDoc {
  _id: string;
  entries: TimelineRow[];
}

const timelineSchema = new Schema<TimelineDoc>(
  {
    _id: { type: String, required: true },
    entries: { type: Schema.Types.Mixed, default: [] },
  },
  { versionKey: false, minimize: false },
);

const materialSchema = new Schema(
  {
    id: { type: String, required: true },
    kind: { type: String, required: true },
    fileName: { type: String, required: true },
    mediaType: { type: String, required: true },
    sizeBytes: { type: Number, required: true },
    sha256: { type: String, required: true },
    round: { type: Number, required: true },
    uploadedAt: { type: Date, required: true },
  },
  { _id: false },
);

// The filing as the domain shapes it; stored packed (filingHeads below), the whole of it in one BSON `body`.
const filingSchema = new Schema<FilingDoc>(
  {
    _id: { type: String, required: true },
    collaboratingCourtId: { type: String, required: true },
    status: { type: String, required: true },
    // Details, corrections and decisions are stored as the domain shapes them.
    details: { type: Schema.Types.Mixed, required: true },
    materials: { type: [materialSchema], default: [] },
    receiptNumber: { type: String, default: "" },
    jurisdictionProvince: { type: String, default: "" },
    submittedTo: { type: String, default: "" },
    round: { type: Number, required: true },
    submitKeys: { type: [String], default: [] },
    createdAt: { type: Date, required: true },
    submittedAt: { type: Date },
    updatedAt: { type: Date, required: true },
    // The change bucket of updatedAt, for the watch hub's indexed look-ups (@kuayu/mongo tickOf).
    tick: { type: Number },
    lastEventType: { type: String, default: "" },
    correctionRequest: { type: Schema.Types.Mixed },
    decision: { type: Schema.Types.Mixed },
    routing: { type: Schema.Types.Mixed },
    anonymisedAt: { type: Date },
    version: { type: Number },
    timeline: { type: Schema.Types.Mixed },
    // Blind indexes (@kuayu/fieldcrypt) of the parties' and agents' resident ids and phones.
    partyIndex: { type: [String], default: undefined },
  },
  { versionKey: false, minimize: false },
);
filingSchema.index({ collaboratingCourtId: 1, createdAt: -1 });
filingSchema.index({ tick: 1 });
// The party's look-up by receipt number (a top-level equality: the local store pushes it down).
filingSchema.index({ receiptNumber: 1 });

/**
 * How a filing is stored (@kuayu/outbox packedHeads): the fields that the queries and indexes here
 * name at the top, the whole filing in one BSON body. A filing stored before packing is read as it is.
 */
export const filingHeads = packedHeads<FilingDoc>((h) => ({
  collaboratingCourtId: h.collaboratingCourtId,
  status: h.status,
  details: { caseType: h.details.caseType },
  receiptNumber: h.receiptNumber,
  createdAt: h.createdAt,
  updatedAt: h.updatedAt,
  tick: h.tick,
  ...(h.partyIndex ? { partyIndex: h.partyIndex } : {}),
}));
const unpack = (d: mongo.Document): FilingDoc => filingHeads.unpack(d);

export function filingModel(conn: Connection): Model<FilingDoc> {
  return conn.model<FilingDoc>("Filing", filingSchema, "filings");
}

export function timelineModel(conn: Connection): Model<TimelineDoc> {
  return conn.model<TimelineDoc>("Timeline", timelineSchema, "timelines");
}

/** The document of a filing (its timeline aside). */
export const filingDoc = (f: Filing, crypt: FieldCrypt): FilingDoc => toDoc(f, crypt);

/**
 * The stored document: the parties' and agents' resident ids, phones and addresses sealed
 * (@kuayu/fieldcrypt, `kyenc:v1:…`), with blind indexes of the ids and phones for equality look-ups.
 */
function toDoc(f: Filing, crypt: FieldCrypt): FilingDoc {
  const { id, ...rest } = f;
  return { _id: id, ...rest, details: crypt.sealFields(f.details, PERSONAL_FIELDS), partyIndex: partyIndex(f, crypt), tick: tickOf(f.updatedAt) };
}

/** Blind indexes of every party's and agent's resident id, phone and its last four digits. */
export function partyIndex(f: Filing, crypt: FieldCrypt): string[] {
  const out = new Set<string>();
  const phone = (p: string) => {
    if (!p) return;
    out.add(crypt.blindIndex("phone", p));
    out.add(crypt.blindIndex("phone-last4", p));
  };
  for (const p of f.details.parties) {
    if (p.identity?.kind === "person" && p.identity.residentId) out.add(crypt.blindIndex("resident-id", p.identity.residentId));
    phone(p.phone);
    for (const a of p.agents) {
      if (a.residentId) out.add(crypt.blindIndex("resident-id", a.residentId));
      phone(a.phone);
    }
  }
  return [...out];
}

/** The filing of a stored document, its sealed fields opened. */
const fromDoc = async (d: FilingDoc, crypt: FieldCrypt): Promise<Filing> => toDomain({ ...d, details: await crypt.openFields(d.details) });

export function toDomain(d: FilingDoc): Filing {
  return {
    id: d._id,
    collaboratingCourtId: d.collaboratingCourtId,
    status: d.status,
    details: d.details,
    materials: d.materials ?? [],
    receiptNumber: d.receiptNumber ?? "",
    jurisdictionProvince: d.jurisdictionProvince ?? "",
    // Filings submitted before it was recorded: their details could not change after submission either.
    submittedTo: d.submittedTo ?? (d.round > 0 ? d.details.jurisdictionCourtId : ""),
    round: d.round,
    submitKeys: d.submitKeys ?? [],
    createdAt: d.createdAt,
    submittedAt: d.submittedAt ?? undefined,
    updatedAt: d.updatedAt,
    lastEventType: d.lastEventType ?? "",
    correctionRequest: d.correctionRequest ?? undefined,
    decision: d.decision ?? undefined,
    ...(d.routing ? { routing: d.routing } : {}),
    ...(d.anonymisedAt ? { anonymisedAt: d.anonymisedAt } : {}),
  };
}

/**
 * The outbox entries of an intake event: on the lifecycle topic of the window's province (everything)
 * and on the jurisdiction court's (only what that side uses of it), one event id on both;
 * published by the relay of the window's stream (the instance whose consumer handles the filing).
 */
function eventEntries(f: Filing, e: IntakeEvent, windowProvince: string): OutboxEntry[] {
  const common = {
    filingId: f.id,
    collaboratingCourtId: f.collaboratingCourtId,
    jurisdictionCourtId: f.details.jurisdictionCourtId,
    drill: f.details.drill,
    round: f.round,
  };
  const full = {
    ...common,
    caseType: toProtoCaseType(f.details.caseType!),
    receiptNumber: f.receiptNumber,
    details: detailsToProto(f.details),
    materials: f.materials.filter((m) => m.round <= f.round).map(materialToProto),
    submittedAt: timestampFromDate(f.updatedAt),
  };
  // The copy for another province (the jurisdiction court's) carries what that side uses of it:
  // no identity numbers, addresses, phones, agents, claims, facts or materials (jurisdictionCopyOfDetails).
  const theirs = { ...full, details: jurisdictionCopyOfDetails(f.details), materials: [] };
  const entries = (event: (copy: "own" | "theirs") => FilingEventInit["event"]) =>
    outboxEntries(
      topicsOfFiling(windowProvince, f.jurisdictionProvince),
      f.id,
      (t) => ({ event: event(provinceOfTopic(t.name) === windowProvince ? "own" : "theirs") }),
      SOURCE,
      provincePartition(windowProvince),
    );
  switch (e.type) {
    case "filing-submitted":
      return entries((copy) => ({ case: "filingSubmitted", value: copy === "own" ? full : theirs }));
    case "correction-submitted":
      return entries((copy) => ({ case: "correctionSubmitted", value: { ...(copy === "own" ? full : theirs), note: e.note } }));
    case "filing-routed": {
      const r = e.route;
      const routed = {
        ...full,
        province: r.province,
        originProvince: r.originProvince,
        routedAt: timestampFromDate(r.routedAt),
        responseDue: timestampFromDate(r.responseDue),
        decisionDue: timestampFromDate(r.decisionDue),
        deadlinesEstimated: r.provisional,
        contact: r.contact,
        correctionNote: e.note,
        jurisdictionCourtCode: r.court.code,
        jurisdictionCourtLevel: r.court.level,
        jurisdictionCourtKind: r.court.kind,
      };
      // The jurisdiction court's inbox is built from this event: its copy carries the whole filing,
      // without the duty contact (the jurisdiction court's own, for the window to call).
      return entries((copy) => ({ case: "filingRouted", value: copy === "own" ? routed : { ...routed, contact: undefined } }));
    }
    case "routing-failed":
      return entries(() => ({ case: "routingFailed", value: { ...common, reasons: e.reasons, failedAt: timestampFromDate(f.updatedAt) } }));
    case "filing-withdrawn":
      return entries(() => ({ case: "filingWithdrawn", value: { ...common, reason: e.reason, withdrawnAt: timestampFromDate(f.updatedAt) } }));
  }
}

/** The timeline's detail of an intake event (short, without personal data). */
function eventDetail(e: IntakeEvent): string {
  switch (e.type) {
    case "filing-routed":
      return `routed to province ${e.route.province}; ${deadlinesText(e.route.responseDue, e.route.decisionDue, e.route.provisional)}`;
    case "routing-failed":
      return e.reasons.join("; ");
    default:
      return "";
  }
}

interface PageCursor {
  t: number;
  id: string;
}
const encodeCursor = (c: PageCursor) => Buffer.from(JSON.stringify(c)).toString("base64url");
function decodeCursor(token: string): PageCursor | undefined {
  if (!token) return undefined;
  try {
    const c = JSON.parse(Buffer.from(token, "base64url").toString()) as PageCursor;
    if (typeof c.t === "number" && typeof c.id === "string") return c;
  } catch {
    // fall through
  }
  throw Object.assign(new Error("invalid page token"), { name: "InvalidPageToken" });
}

export interface MongoFilingRepository extends FilingRepository, LifecycleLog {
  /** Filings changed at or after `since` (for watchers), without outbox fields. */
  changedSince(since: Date): Promise<Filing[]>;
  /** Which of these material files does the filing's newest version reference? (for the file sweep) */
  references(filingId: string, materialIds: string[]): Promise<Set<string>>;
  /** Ids of the filings a party or agent with this resident id or phone takes part in (blind index). */
  findByParty(kind: "resident-id" | "phone", value: string): Promise<string[]>;
}

/**
 * Filings as versioned documents: every change — window commands, the lifecycle consumer's status
 * of record — commits the filing's next version with its events (a unique insert; a lost race
 * decides again on the winner's version), so no write takes a lock.
 */
export function mongoFilingRepository(
  model: Model<FilingDoc>,
  timeline: Model<TimelineDoc>,
  versions: mongo.Collection<VersionRow>,
  hooks: {
    onCommit: (id: string, row: VersionRow) => void;
    onChange: (changed: Filing) => void;
    courtProvince: (courtId: string) => string | undefined;
    crypt: FieldCrypt;
    /** STORE_GROUP_WAIT_MS (versionedDocuments). */
    groupWaitMs?: number;
  },
): MongoFilingRepository {
  const { crypt } = hooks;
  const open = (d: FilingDoc) => fromDoc(d, crypt);
  // The events' values are sealed in the version row too (they carry the parties); the relay opens them.
  const sealed = (entries: OutboxEntry[]) => entries.map((e) => ({ ...e, value: crypt.encryptBytes(e.value) }));
  const windowProvince = (f: Filing) => {
    const p = hooks.courtProvince(f.collaboratingCourtId);
    if (!p) throw new Error(`the window court ${f.collaboratingCourtId} is not in the court directory`);
    return p;
  };
  const docs = versionedDocuments<FilingDoc>(model.collection as never, versions, {
    onCommit: (id, row) => hooks.onCommit(id, row),
    notFound: (id) => Object.assign(new Error(`filing ${id} vanished`), { name: "NotFoundError" }),
    codec: filingHeads,
    groupWaitMs: hooks.groupWaitMs,
  });
  // The document each filing handed out by get() was read from: a change starting from that filing
  // need not read it again (a stale one loses the race and reads the newest version).
  const readFrom = new WeakMap<Filing, FilingDoc>();
  // The lifecycle consumer's changes and the window's uploads start from the newest head this
  // process has read or committed (docs.recent) instead of reading the filing again (one look-up
  // less each). Stale — another replica committed since — a change from it loses the race, and what
  // it refuses or leaves unchanged is decided again on the store's head.
  const get = async (id: string) => {
    const stored = await model.findById(id, NO_LEGACY_OUTBOX).lean<mongo.Document>();
    if (!stored) return undefined;
    const d = docs.seen(unpack(stored));
    const f = await open(d);
    readFrom.set(f, d);
    return f;
  };
  /** A filing of a head this process knows, remembering the head it came from (readFrom). */
  const openKnown = async (d: FilingDoc) => {
    const f = await open(d);
    readFrom.set(f, d);
    return f;
  };
  return {
    async create(filing) {
      const head = { ...toDoc(filing, crypt), timeline: [] };
      if (!(await docs.create(head))) throw Object.assign(new Error(`filing ${filing.id} exists already`), { code: 11000 });
      readFrom.set(filing, head);
      hooks.onChange(filing);
    },
    get,
    async recent(id) {
      const d = docs.recent(id);
      return d ? openKnown(d) : get(id);
    },
    knownSince(id, since) {
      const d = docs.knownSince(id, since);
      return d && { collaboratingCourtId: d.collaboratingCourtId, updatedAt: d.updatedAt, open: () => openKnown(d) };
    },
    async findByReceipt(receiptNumber) {
      const d = await model.findOne({ receiptNumber }, NO_LEGACY_OUTBOX).lean<mongo.Document>();
      return d ? open(unpack(d)) : undefined;
    },
    async change(id, fn, current) {
      let changed = false;
      const head = await docs.change(
        id,
        async (d) => {
          const result: Change | undefined = await fn(await open(d));
          changed = result !== undefined;
          if (!result) return undefined;
          const perEvent = result.events.map((e) => eventEntries(result.filing, e, windowProvince(result.filing)));
          const outbox = perEvent.flat();
          // The window's timeline gets the change's own events now, with the change: the lifecycle
          // consumer passes over intake's events (one change of the filing less for each).
          const call = currentAudit();
          const actor = call ? { actor: { user: call.actor.user, ...(call.actor.name ? { name: call.actor.name } : {}), courtId: call.actor.courtId } } : {};
          const own = perEvent.map(([o], k): TimelineRow => ({
            eventId: o!._id,
            eventType: o!.headers[HEADERS.type]!,
            at: new Date(o!.headers[HEADERS.time]!),
            source: SOURCE,
            detail: eventDetail(result.events[k]!),
            ...actor,
          }));
          const rows = own.length > 0 ? [...(d.timeline ?? (await timeline.findById(id).lean<TimelineDoc>())?.entries ?? []), ...own] : d.timeline;
          return { head: { ...toDoc(result.filing, crypt), ...(rows ? { timeline: rows } : {}) }, outbox: sealed(outbox) };
        },
        current && readFrom.get(current),
      );
      const now = await open(head);
      readFrom.set(now, head);
      if (changed) hooks.onChange(now);
      return now;
    },
    async timeline(id, read) {
      // The timeline of the document `read` came from (GetFiling: one read for both), else read now.
      const known = read && readFrom.get(read);
      const d =
        known ??
        (await model
          .findById(id, NO_LEGACY_OUTBOX)
          .lean<mongo.Document>()
          .then((stored) => stored && unpack(stored)));
      const rows = d?.timeline ?? (await timeline.findById(id).lean<TimelineDoc>())?.entries ?? [];
      return (
        rows
          .map((t) => ({ eventId: t.eventId, eventType: t.eventType, at: new Date(t.at), source: t.source ?? "", detail: t.detail ?? "", ...(t.actor?.user ? { actor: t.actor } : {}) }))
          // By time; entries of one moment in the order they were recorded (a submission before its route).
          .sort((a, b) => a.at.getTime() - b.at.getTime())
      );
    },
    async record(filingId, entries: TimelineEntry[], apply) {
      // Lifecycle topics carry every intake's filings (one release per province); keep ours only.
      const add = entries.map((e) => ({ eventId: e.eventId, eventType: e.eventType, at: e.at, source: e.source, detail: e.detail, ...(e.actor ? { actor: e.actor } : {}) }));
      let changed = false;
      try {
        const head = await docs.change(
          filingId,
          async (d) => {
            const rows = d.timeline ?? (await timeline.findById(filingId).lean<TimelineDoc>())?.entries ?? [];
            const known = new Set(rows.map((x) => x.eventId));
            const fresh = add.filter((e) => !known.has(e.eventId) && known.add(e.eventId));
            const cur = await open(d);
            const next = apply(cur);
            changed = next !== undefined;
            if (fresh.length === 0 && !changed) return undefined;
            return { head: { ...toDoc(next ?? cur, crypt), timeline: [...rows, ...fresh] }, outbox: [] };
          },
          docs.recent(filingId),
        );
        if (changed) {
          const now = await open(head);
          readFrom.set(now, head);
          hooks.onChange(now);
        }
      } catch (err) {
        if ((err as Error).name === "NotFoundError") return false;
        throw err;
      }
      return true;
    },
    async list(courtId, q: ListQuery) {
      const filter: Record<string, unknown> = { collaboratingCourtId: courtId };
      if (q.statuses.length > 0) filter.status = { $in: q.statuses };
      if (q.caseType) filter["details.caseType"] = q.caseType;
      const created: Record<string, Date> = {};
      if (q.createdFrom) created.$gte = q.createdFrom;
      if (q.createdBefore) created.$lt = q.createdBefore;
      if (Object.keys(created).length > 0) filter.createdAt = created;
      const cursor = decodeCursor(q.pageToken);
      if (cursor) {
        const t = new Date(cursor.t);
        filter.$or = [{ createdAt: { $lt: t } }, { createdAt: t, _id: { $lt: cursor.id } }];
      }
      const docs = await model
        .find(filter, NO_LEGACY_OUTBOX)
        .sort({ createdAt: -1, _id: -1 })
        .limit(q.pageSize + 1)
        .lean<mongo.Document[]>()
        .then((found) => found.map(unpack));
      const page = docs.slice(0, q.pageSize);
      const last = page[page.length - 1];
      return {
        filings: await Promise.all(page.map(open)),
        nextPageToken: docs.length > q.pageSize && last ? encodeCursor({ t: last.createdAt.getTime(), id: last._id }) : "",
      };
    },
    async changedSince(since) {
      // Each filing remembers the document it came from: a watcher asking for the timeline gets this version's.
      const found = await findChangedSince(since, (filter) => model.find(filter, NO_LEGACY_OUTBOX).lean<mongo.Document[]>());
      return Promise.all(
        found.map(async (stored) => {
          // What the watch hub's polls see is what this process knows of them (knownSince).
          const d = docs.seen(unpack(stored));
          const f = await open(d);
          readFrom.set(f, d);
          return f;
        }),
      );
    },
    async references(filingId, materialIds) {
      const d = await docs.newest(filingId);
      return new Set(materialIds.filter((id) => d?.materials?.some((m) => m.id === id)));
    },
    async findByParty(kind, value) {
      return (await model.find({ partyIndex: crypt.blindIndex(kind, value) }, { _id: 1 }).lean<{ _id: string }[]>()).map((d) => d._id);
    },
  };
}
