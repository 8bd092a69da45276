import { Schema, type Connection, type Model } from "mongoose";
import { isDuplicateKey } from "@kuayu/mongo";
import { outboxEntry, withOutbox, type OutboxFields } from "@kuayu/outbox";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Filing, FilingRepository, TimelineEntry } from "../../domain/filing.js";
import { toProtoCaseType } from "../proto.js";
import { filingSubmitted } from "../kafka/topics.js";

interface FilingDoc extends Omit<Filing, "id">, OutboxFields {
  _id: string;
  idempotencyKey: string;
}

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
      timeline: {
        type: [new Schema<TimelineEntry>({ eventId: String, eventType: String, at: Date }, { _id: false })],
        default: [],
      },
    },
    { versionKey: false },
  ),
);
filingSchema.index({ collaboratingCourtId: 1, idempotencyKey: 1 }, { unique: true });

export const SOURCE = "kuayu.intake";

export function filingModel(conn: Connection): Model<FilingDoc> {
  return conn.model<FilingDoc>("Filing", filingSchema, "filings");
}

const toDomain = (d: FilingDoc): Filing => ({
  id: d._id,
  collaboratingCourtId: d.collaboratingCourtId,
  jurisdictionCourtId: d.jurisdictionCourtId,
  caseType: d.caseType,
  summary: d.summary,
  status: d.status,
  submittedAt: d.submittedAt,
  drill: d.drill,
  timeline: (d.timeline ?? []).map((t) => ({ eventId: t.eventId, eventType: t.eventType, at: t.at })),
});

export function mongoFilingRepository(model: Model<FilingDoc>, onOutboxWrite: () => void): FilingRepository {
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
      const { id, ...rest } = filing;
      try {
        // The filing and its event are one document insert: both or neither.
        await model.create({ _id: id, ...rest, idempotencyKey, outbox: [event], outboxPending: true });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const first = await model.findOne({ collaboratingCourtId: filing.collaboratingCourtId, idempotencyKey }).lean<FilingDoc>();
        if (!first) throw err;
        return { filing: toDomain(first), created: false };
      }
      onOutboxWrite();
      return { filing, created: true };
    },
    async get(id) {
      const d = await model.findById(id, { outbox: 0 }).lean<FilingDoc>();
      return d ? toDomain(d) : undefined;
    },
    async addTimelineEntry(filingId, entry) {
      // $addToSet of a value fully determined by the event: a redelivered event adds nothing.
      await model.updateOne({ _id: filingId }, { $addToSet: { timeline: { eventId: entry.eventId, eventType: entry.eventType, at: entry.at } } });
    },
  };
}
