import { once } from "node:events";
import { mongo, type Connection } from "mongoose";
import type { Logger } from "@kuayu/logger";
import type { MaterialStore } from "../../domain/intake.js";

interface PendingUpload {
  _id: string;
  filingId: string;
  startedAt: Date;
}

export interface GridFsMaterialStore extends MaterialStore {
  /**
   * Removes uploads abandoned before their filing referenced them (a crash mid-upload, or between
   * storing the bytes and recording the material) once they are older than `olderThanMs`.
   */
  sweep(isReferenced: (filingId: string, materialId: string) => Promise<boolean>, olderThanMs: number): Promise<number>;
}

/**
 * Material bytes in GridFS (bucket `material_files`) in intake's own database. GridFS writes the
 * chunks first and the file document last, so a failed upload is aborted (chunks deleted); a
 * crash is caught by the `uploads_pending` marker written before the first byte and removed once
 * the filing references the material.
 */
export function gridFsMaterialStore(conn: Connection, log: Logger): GridFsMaterialStore {
  const db = conn.db!;
  const bucket = new mongo.GridFSBucket(db, { bucketName: "material_files", chunkSizeBytes: 255 * 1024 });
  const pending = db.collection<PendingUpload>("uploads_pending");

  const remove = async (id: string) => {
    await bucket.delete(id as never).catch((err: Error) => {
      // Nothing stored under the id (an aborted upload) is fine.
      if (!/FileNotFound|File not found/i.test(err.message)) throw err;
    });
    await pending.deleteOne({ _id: id });
  };

  return {
    async write(id, filingId, chunks) {
      await pending.insertOne({ _id: id, filingId, startedAt: new Date() });
      const upload = bucket.openUploadStreamWithId(id as never, id, { metadata: { filingId } });
      try {
        for await (const chunk of chunks) {
          if (!upload.write(chunk)) await once(upload, "drain");
        }
        await new Promise<void>((resolve, reject) => {
          upload.once("error", reject);
          upload.end(() => resolve());
        });
      } catch (err) {
        await upload.abort().catch(() => undefined);
        await remove(id).catch((e: unknown) => log.warn({ err: e, material: id }, "could not remove a failed upload; the sweep will"));
        throw err;
      }
    },
    async committed(id) {
      await pending.deleteOne({ _id: id });
    },
    remove,
    async *read(id) {
      for await (const chunk of bucket.openDownloadStream(id as never)) yield chunk as Buffer;
    },
    async sweep(isReferenced, olderThanMs) {
      const stale = await pending.find({ startedAt: { $lt: new Date(Date.now() - olderThanMs) } }).toArray();
      let removed = 0;
      for (const p of stale) {
        if (await isReferenced(p.filingId, p._id)) {
          await pending.deleteOne({ _id: p._id });
        } else {
          await remove(p._id);
          removed++;
        }
      }
      if (removed > 0) log.info({ removed }, "removed abandoned material uploads");
      return removed;
    },
  };
}
