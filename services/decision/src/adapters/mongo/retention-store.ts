import type { Model, mongo } from "mongoose";
import { deleteVersions, NO_LEGACY_OUTBOX, stripVersions, versionedDocuments, type VersionRow } from "@kuayu/outbox";
import type { FieldCrypt } from "@kuayu/fieldcrypt";
import type { ContentStore } from "@kuayu/mongo";
import type { InboxRetentionStore } from "../../domain/retention.js";
import { inboxDoc, inboxHeads, inboxToDomain, type InboxDoc } from "./inbox-repository.js";

/**
 * Retention's access to the inbox (docs/security.md "Retention"). Anonymising is a new version
 * committed through the versioned `change()` every writer of an entry goes through (so it cannot
 * race the specialists' commands, the consumer, the copier or the recount), with no events; its
 * earlier versions then lose their copies of the personal data. Deleting is by `_id`.
 */
export function inboxRetentionStore(model: Model<InboxDoc>, versions: mongo.Collection<VersionRow>, content: ContentStore, crypt: FieldCrypt): InboxRetentionStore {
  const docs = versionedDocuments<InboxDoc>(model.collection as never, versions, {
    notFound: (id) => Object.assign(new Error(`filing ${id} vanished from the inbox`), { name: "NotFoundError" }),
    codec: inboxHeads,
  });
  return {
    async *scan() {
      for await (const d of model.find({}, NO_LEGACY_OUTBOX).lean<mongo.Document>().cursor({ batchSize: 200 })) yield inboxToDomain(inboxHeads.unpack(d));
    },
    async anonymise(id, fn) {
      const newest = await model.findById(id, { version: 1 }).lean<{ version?: number }>();
      if (newest?.version) await stripVersions(versions, id, newest.version);
      let changed = false;
      const head = await docs.change(id, async (d) => {
        const next = fn(inboxToDomain(d));
        changed = next !== undefined;
        return next && { head: inboxDoc(next, crypt), outbox: [] };
      });
      if (changed) await stripVersions(versions, id, head.version ?? 0);
      return changed;
    },
    async remove(id) {
      await deleteVersions(versions, id);
      await model.collection.deleteOne({ _id: id } as never);
      await deleteVersions(versions, id);
    },
    hasCopy: (sha256) => content.has(sha256),
    removeCopy: (sha256) => content.remove(sha256),
  };
}
