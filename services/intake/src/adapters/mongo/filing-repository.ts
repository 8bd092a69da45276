import { Schema, type Connection, type Model } from "mongoose";
import { isDuplicateKey } from "@kuayu/mongo";
import { outboxEntry, withOutbox, type OutboxFields } from "@kuayu/outbox";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Filing, FilingRepository, TimelineEntry } from "../../domain/filing.js";
import { toProtoCaseType } from "../proto.js";
import { filingSubmitted } from "../kafka/topics.js";

interface FilingDoc extends Omit<Filing, "id" | "timeline">, OutboxFields {
  _id: string;
  idempotencyKey: string;
}

/**
 * One timeline entry per document, keyed by event id. Insert-only on purpose: FerretDB applies
 * concurrent updates of one document as read-modify-write and loses some (docs/platform.md), so
 * the consumer never updates the filing document that the outbox relay is updating.
 */
interface TimelineDoc {
  _id: string;
  filingId: string;
  eventType: string;
  at: Date;
}

const timelineSchema = new Schema<TimelineDoc>(
  { _id: { type: String, required: true }, filingId: { type: String, required: true }, eventType: { type: String, required: true }, at: { type: Date, required: true } },
  { versionKey: false },
);
timelineSchema.index({ filingId: 1, at: 1 });

const filingSchema = withOutbox(
  new Schema<FilingDoc>(
    {
      _id: { type: String, required: true },
      collaboratingCourtId: { type: String, required: true },
      jurisdictionCourtId: { type: String, required: true },
      caseType: { type: String, required: true },
      summary: { type: String, required: true },
      status: { type: String, required: true },
      submittedAt: { type: Date, required: true },
      drill: { type: Boolean, required: true },
      idempotencyKey: { type: String, required: true },
    },
    { versionKey: false },
  ),
);
filingSchema.index({ collaboratingCourtId: 1, idempotencyKey: 1 }, { unique: true });

export const SOURCE = "kuayu.intake";

export function filingModel(conn: Connection): Model<FilingDoc> {
  return conn.model<FilingDoc>("Filing", filingSchema, "filings");
}

export function timelineModel(conn: Connection): Model<TimelineDoc> {
  return conn.model<TimelineDoc>("TimelineEntry", timelineSchema, "timeline_entries");
}

const toDomain = (d: FilingDoc, timeline: TimelineEntry[]): Filing => ({
  id: d._id,
  collaboratingCourtId: d.collaboratingCourtId,
  jurisdictionCourtId: d.jurisdictionCourtId,
  caseType: d.caseType,
  summary: d.summary,
  status: d.status,
  submittedAt: d.submittedAt,
  drill: d.drill,
  timeline,
});

export function mongoFilingRepository(model: Model<FilingDoc>, timeline: Model<TimelineDoc>, onOutboxWrite: () => void): FilingRepository {
  const timelineOf = async (filingId: string): Promise<TimelineEntry[]> =>
    (await timeline.find({ filingId }).sort({ at: 1, _id: 1 }).lean<TimelineDoc[]>()).map((t) => ({ eventId: t._id, eventType: t.eventType, at: t.at }));
  return {
    async insertSubmitted(filing, idempotencyKey) {
      const event = outboxEntry(
        filingSubmitted,
        filing.id,
        {
          filingId: filing.id,
          collaboratingCourtId: filing.collaboratingCourtId,
          jurisdictionCourtId: filing.jurisdictionCourtId,
          caseType: toProtoCaseType(filing.caseType),
          submittedAt: timestampFromDate(filing.submittedAt),
          drill: filing.drill,
        },
        SOURCE,
      );
      const { id, timeline: _none, ...rest } = filing;
      try {
        // The filing and its event are one document insert: both or neither.
        await model.create({ _id: id, ...rest, idempotencyKey, outbox: [event], outboxPending: true });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const first = await model.findOne({ collaboratingCourtId: filing.collaboratingCourtId, idempotencyKey }).lean<FilingDoc>();
        if (!first) throw err;
        return { filing: toDomain(first, await timelineOf(first._id)), created: false };
      }
      onOutboxWrite();
      return { filing, created: true };
    },
    async get(id) {
      const d = await model.findById(id, { outbox: 0 }).lean<FilingDoc>();
      return d ? toDomain(d, await timelineOf(id)) : undefined;
    },
    async addTimelineEntry(filingId, entry) {
      // Lifecycle topics carry every intake's filings (one release per province); keep ours only.
      if (!(await model.exists({ _id: filingId }))) return;
      // Keyed by the event id: a redelivered event hits the unique _id and adds nothing.
      try {
        await timeline.create({ _id: entry.eventId, filingId, eventType: entry.eventType, at: entry.at });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    },
  };
}
