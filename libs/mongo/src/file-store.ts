import { once } from "node:events";
import { mongo, type Connection } from "mongoose";
import type { Logger } from "@kuayu/logger";

/** Durable files (bytes) keyed by an id of the caller's choosing; a failed write leaves nothing. */
export interface FileStore {
  /** Stores the chunks under `id`; rejects (and removes what was written) if the iterable throws. */
  write(id: string, ownerId: string, chunks: AsyncIterable<Uint8Array>): Promise<void>;
  /** The file is referenced by its owner now; it no longer counts as abandoned. */
  committed(id: string): Promise<void>;
  remove(id: string): Promise<void>;
  read(id: string): AsyncIterable<Uint8Array>;
  /**
   * Removes writes abandoned before their owner referenced them (a crash mid-write, or between
   * storing the bytes and recording them) once they are older than `olderThanMs`.
   */
  sweep(isReferenced: (ownerId: string, id: string) => Promise<boolean>, olderThanMs: number): Promise<number>;
}

interface PendingUpload {
  _id: string;
  ownerId: string;
  startedAt: Date;
}

/**
 * Files in GridFS (works on FerretDB: a 50 MB file round-trips byte-exact). GridFS writes the
 * chunks first and the file document last, so a failed write is aborted (chunks deleted); a crash
 * is caught by a pending marker (`<bucket>_pending`) written before the first byte and removed
 * once the owner references the file.
 */
export function gridFsFileStore(conn: Connection, bucketName: string, log: Logger): FileStore {
  const db = conn.db!;
  const bucket = new mongo.GridFSBucket(db, { bucketName, chunkSizeBytes: 255 * 1024 });
  const pending = db.collection<PendingUpload>(`${bucketName}_pending`);

  const remove = async (id: string) => {
    await bucket.delete(id as never).catch((err: Error) => {
      // Nothing stored under the id (an aborted upload) is fine.
      if (!/FileNotFound|File not found/i.test(err.message)) throw err;
    });
    await pending.deleteOne({ _id: id });
  };

  return {
    async write(id, ownerId, chunks) {
      await pending.insertOne({ _id: id, ownerId, startedAt: new Date() });
      const upload = bucket.openUploadStreamWithId(id as never, id, { metadata: { ownerId } });
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
        await remove(id).catch((e: unknown) => log.warn({ err: e, file: id }, "could not remove a failed write; the sweep will"));
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
        if (await isReferenced(p.ownerId, p._id)) {
          await pending.deleteOne({ _id: p._id });
        } else {
          await remove(p._id);
          removed++;
        }
      }
      if (removed > 0) log.info({ removed, bucket: bucketName }, "removed abandoned file writes");
      return removed;
    },
  };
}
