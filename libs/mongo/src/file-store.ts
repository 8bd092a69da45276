import { mongo, type Connection } from "mongoose";
import type { Logger } from "@kuayu/logger";
import { CHUNK_BYTES, chunkWriter } from "./chunk-writer.js";
import { tickOf, TICK_MS } from "./watch-hub.js";

/** Durable files (bytes) keyed by an id of the caller's choosing; a failed write leaves nothing. */
export interface FileStore {
  /** Stores the chunks under `id`; rejects (and removes what was written) if the iterable throws. */
  write(id: string, ownerId: string, chunks: AsyncIterable<Uint8Array>): Promise<void>;
  remove(id: string): Promise<void>;
  read(id: string): AsyncIterable<Uint8Array>;
  /**
   * Several files of one owner, in the order given, their documents read in one look-up; read each
   * one's bytes before the next.
   */
  readMany(ownerId: string, ids: string[]): AsyncIterable<{ id: string; bytes: AsyncIterable<Uint8Array> }>;
  /** A group of writes whose files of one chunk are written together, by its commit (FileGroup). */
  group(): FileGroup;
  /**
   * Removes what crashes left behind — chunks of a write that never finished, files their owner
   * never came to reference — once they are older than `olderThanMs`. Each stretch of time is
   * looked at once (a cursor in `<bucket>_sweep`); returns the files removed.
   */
  sweep(isReferenced: (ownerId: string, ids: string[]) => Promise<Set<string>>, olderThanMs: number): Promise<number>;
}

/**
 * Writes of several files: each as FileStore.write, except that a file of one chunk is held and
 * written by `commit`, in one insert with the others (or earlier, once the held bytes reach 4 MiB).
 * Until it is committed a held file is not there; a failed commit may leave some of them written —
 * remove the group's files then, as after any failed write.
 */
export interface FileGroup {
  write(id: string, ownerId: string, chunks: AsyncIterable<Uint8Array>): Promise<void>;
  commit(): Promise<void>;
}

/** Held bytes at which a group writes its held files without waiting for its commit. */
const GROUP_HELD_BYTES = 4 * 1024 * 1024;

interface FileDoc {
  _id: string;
  length: number;
  chunkSize: number;
  uploadDate: Date;
  filename: string;
  metadata: { ownerId: string };
  /** The owner again, at the top level: the store looks a top-level field up by its index, not a dotted path. */
  owner?: string;
  /** The change bucket of the write (top-level: the store pushes down no dotted path). */
  tick: number;
  /** The bytes of a file that fits in one chunk, kept in its file document (no chunk documents). */
  data?: mongo.Binary;
}
interface ChunkDoc {
  _id: mongo.ObjectId;
  files_id: string;
  n: number;
  data: mongo.Binary;
  tick: number;
}

/** A file, or a chunk of it, is not there (code ENOENT, as GridFS's own reader says). */
const missing = (message: string) => Object.assign(new Error(message), { code: "ENOENT" });

/** At most this many buckets per sweep (six hours): a sweep that fell behind catches up over several runs. */
const MAX_SWEEP_TICKS = (6 * 3600_000) / TICK_MS;

/** The collections and indexes of a bucket, for ensureCollections. */
export const fileStoreCollections = (bucket: string) => [
  // GridFS's own indexes (files of more than one chunk stay readable by any GridFS reader) and the change buckets the sweep reads.
  {
    name: `${bucket}.files`,
    indexes: [{ keys: { filename: 1, uploadDate: 1 } as Record<string, 1> }, { keys: { tick: 1 } as Record<string, 1> }, { keys: { owner: 1 } as Record<string, 1> }],
  },
  { name: `${bucket}.chunks`, indexes: [{ keys: { files_id: 1, n: 1 } as Record<string, 1>, unique: true }, { keys: { tick: 1 } as Record<string, 1> }] },
  { name: `${bucket}_sweep` },
];

/**
 * Files in the GridFS layout (`<bucket>.files`, `<bucket>.chunks`), written here rather than by the
 * driver's upload stream so that chunks go in batches (one insert for a file of up to 4 MB) and
 * carry their change bucket — except that a file of at most one chunk (255 KiB: most materials and
 * every notice) keeps its bytes in its file document: one insert to write it, one look-up to read
 * it. The file document is written last: it is the commit. A failed write
 * removes its chunks; what a crash leaves is found by the sweep through the change buckets (an
 * indexed equality, the only look-up FerretDB answers without reading the whole collection) — no
 * marker written and deleted around every upload.
 */
export function gridFsFileStore(conn: Connection, bucketName: string, log: Logger): FileStore {
  const db = conn.db!;
  const files = db.collection<FileDoc>(`${bucketName}.files`);
  const chunks = db.collection<ChunkDoc>(`${bucketName}.chunks`);
  const cursors = db.collection<{ _id: string; tick: number }>(`${bucketName}_sweep`);

  async function* bytesOf(id: string, doc: Promise<FileDoc | null>): AsyncIterable<Uint8Array> {
    const file = await doc;
    if (!file) throw missing(`file ${id} not found`);
    if (file.data) {
      yield Buffer.from(file.data.buffer);
      return;
    }
    let n = 0;
    for await (const c of chunks.find({ files_id: id }).sort({ n: 1 })) {
      if (c.n !== n++) throw missing(`file ${id} lacks chunk ${n - 1}`);
      yield Buffer.from(c.data.buffer);
    }
    if (n !== Math.ceil(file.length / file.chunkSize)) throw missing(`file ${id} lacks chunk ${n}`);
  }

  const remove = async (id: string) => {
    await files.deleteOne({ _id: id });
    await chunks.deleteMany({ files_id: id });
  };

  /**
   * Streams a file's chunks in; returns its file document, not yet inserted — the commit, left to
   * the caller. A failure removes what was written.
   */
  async function written(id: string, ownerId: string, source: AsyncIterable<Uint8Array>): Promise<FileDoc> {
    const tick = tickOf(new Date());
    let length = 0;
    const out = chunkWriter<ChunkDoc>(
      (n, data) => ({ _id: new mongo.ObjectId(), files_id: id, n, data: new mongo.Binary(data), tick }),
      (docs) => chunks.insertMany(docs, { ordered: true }),
    );
    try {
      for await (const chunk of source) {
        length += chunk.length;
        await out.push(chunk);
      }
      const inline = await out.endInline();
      return { _id: id, length, chunkSize: CHUNK_BYTES, uploadDate: new Date(), filename: id, metadata: { ownerId }, owner: ownerId, tick, ...(inline ? { data: new mongo.Binary(inline) } : {}) };
    } catch (err) {
      await forget(id);
      throw err;
    }
  }
  const forget = (id: string) => remove(id).catch((e: unknown) => log.warn({ err: e, file: id }, "could not remove a failed write; the sweep will"));
  /** A file document's insert, the commit of its write; a failure removes what was written. */
  const insertFile = async (file: FileDoc) => {
    try {
      await files.insertOne(file);
    } catch (err) {
      await forget(file._id);
      throw err;
    }
  };

  return {
    write: async (id, ownerId, source) => insertFile(await written(id, ownerId, source)),
    group() {
      let held: FileDoc[] = [];
      let heldBytes = 0;
      const commit = async () => {
        const docs = held;
        held = [];
        heldBytes = 0;
        if (docs.length > 0) await files.insertMany(docs, { ordered: true });
      };
      return {
        async write(id, ownerId, source) {
          const file = await written(id, ownerId, source);
          if (!file.data) {
            // Its chunks are written: its file document commits it now, as a lone write would.
            await insertFile(file);
            return;
          }
          held.push(file);
          heldBytes += file.length;
          if (heldBytes >= GROUP_HELD_BYTES) await commit();
        },
        commit,
      };
    },
    remove,
    read: (id) => bytesOf(id, files.findOne({ _id: id })),
    async *readMany(ownerId, ids) {
      // The owner's index narrows the look-up ($in alone is a whole-collection read on FerretDB:
      // docs/platform.md); a file written before the top-level owner is looked up by _id.
      const found = ids.length < 2 ? [] : await files.find({ owner: ownerId, _id: { $in: ids } }).toArray();
      const byId = new Map(found.map((f) => [f._id, f]));
      const docs = ids.map((id) => (byId.has(id) ? Promise.resolve(byId.get(id)!) : files.findOne({ _id: id })));
      for (const d of docs) void d.catch(() => undefined); // read in turn below; a file never reached must not be an unhandled rejection
      for (const [i, id] of ids.entries()) yield { id, bytes: bytesOf(id, docs[i]!) };
    },
    async sweep(isReferenced, olderThanMs) {
      const until = tickOf(new Date(Date.now() - olderThanMs));
      // The first sweep of a bucket starts now: files written before it carry no change bucket.
      const cursor = (await cursors.findOne({ _id: bucketName }))?.tick ?? until - 1;
      const from = Math.max(cursor + 1, until - MAX_SWEEP_TICKS + 1);
      let removed = 0;
      for (let tick = from; tick <= until; tick++) {
        // Files of the bucket whose owner does not reference them.
        const byOwner = new Map<string, string[]>();
        for (const f of await files.find({ tick }, { projection: { metadata: 1 } }).toArray()) {
          byOwner.set(f.metadata.ownerId, [...(byOwner.get(f.metadata.ownerId) ?? []), f._id]);
        }
        for (const [owner, ids] of byOwner) {
          const kept = await isReferenced(owner, ids);
          for (const id of ids.filter((x) => !kept.has(x))) {
            await remove(id);
            removed++;
          }
        }
        // Chunks of writes that never reached their file document.
        const started = new Set((await chunks.find({ tick, n: 0 }, { projection: { files_id: 1 } }).toArray()).map((c) => c.files_id));
        for (const id of started) {
          if (!(await files.findOne({ _id: id }, { projection: { _id: 1 } }))) await chunks.deleteMany({ files_id: id });
        }
        await cursors.replaceOne({ _id: bucketName }, { tick }, { upsert: true });
      }
      if (removed > 0) log.info({ removed, bucket: bucketName }, "removed files no owner references");
      return removed;
    },
  };
}
