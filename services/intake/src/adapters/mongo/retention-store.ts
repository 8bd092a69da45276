import type { Model, mongo } from "mongoose";
import { deleteVersions, NO_LEGACY_OUTBOX, stripVersions, versionedDocuments, type VersionRow } from "@kuayu/outbox";
import type { FieldCrypt } from "@kuayu/fieldcrypt";
import type { FileStore } from "@kuayu/mongo";
import type { Filing } from "../../domain/filing.js";
import type { FilingRetentionStore } from "../../domain/retention.js";
import { filingDoc, filingHeads, toDomain, type FilingDoc, type TimelineDoc } from "./filing-repository.js";

/**
 * Retention's access to the filings (docs/security.md "Retention"). Anonymising is a new version
 * committed through the versioned `change()` (the same unique insert every writer of a filing
 * goes through, so it cannot race the window's commands or the lifecycle consumer), with no events;
 * its earlier versions then lose their copies of the personal data. The anonymiser removes the
 * sealed fields (resident ids, phones, addresses) without opening them; the blind indexes are
 * computed again from what is left. Deleting is by `_id`.
 */
export function filingRetentionStore(model: Model<FilingDoc>, timeline: Model<TimelineDoc>, versions: mongo.Collection<VersionRow>, materials: FileStore, crypt: FieldCrypt): FilingRetentionStore {
  const docs = versionedDocuments<FilingDoc>(model.collection as never, versions, {
    notFound: (id) => Object.assign(new Error(`filing ${id} vanished`), { name: "NotFoundError" }),
    codec: filingHeads,
  });
  return {
    async *scan() {
      // A head's timeline is inside its packed body (filingHeads): decoded with it, then dropped by toDomain.
      for await (const d of model.find({}, NO_LEGACY_OUTBOX).lean<mongo.Document>().cursor({ batchSize: 200 })) yield toDomain(filingHeads.unpack(d));
    },
    async anonymise(id, fn, _current: Filing) {
      // Versions before the newest first: a crash after the commit below must not leave them whole.
      const newest = await model.findById(id, { version: 1 }).lean<{ version?: number }>();
      if (newest?.version) await stripVersions(versions, id, newest.version);
      let changed = false;
      const head = await docs.change(id, async (d) => {
        const next = fn(toDomain(d));
        changed = next !== undefined;
        if (!next) return undefined;
        const rows = d.timeline ?? (await timeline.findById(id).lean<TimelineDoc>())?.entries ?? [];
        return { head: { ...filingDoc(next, crypt), timeline: rows.map((r) => ({ ...r, detail: "" })) }, outbox: [] };
      });
      if (!changed) return false;
      await stripVersions(versions, id, head.version ?? 0);
      await timeline.deleteOne({ _id: id });
      return true;
    },
    async remove(id) {
      await deleteVersions(versions, id);
      await timeline.deleteOne({ _id: id });
      await model.collection.deleteOne({ _id: id } as never);
      // A writer that committed a version between the two deletes: delete what it left too.
      await deleteVersions(versions, id);
    },
    removeFile: (materialId) => materials.remove(materialId),
  };
}
