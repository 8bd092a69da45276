import { createHash, randomUUID } from "node:crypto";
import { mongo, type Connection } from "mongoose";
import { CHUNK_BYTES, chunkWriter } from "./chunk-writer.js";

/**
 * Bytes stored once per content, under their SHA-256 (lowercase hex): bytes already held are not
 * fetched again (`missing` tells which are not), and every reference to them shares the one copy.
 */
export interface ContentStore {
  /**
   * Bytes up to this size are kept in their content document: `put` writes them with one insert,
   * which answers "present" when they are held already — asking `missing` first costs as much.
   */
  readonly inlineBytes: number;
  has(sha256: string): Promise<boolean>;
  /** Which of these digests are not stored. */
  missing(sha256s: string[]): Promise<Set<string>>;
  /**
   * Streams `chunks` in, verifying size and SHA-256 on the way; on a mismatch (or a failing source)
   * nothing is kept and it rejects. "present": the bytes were stored already (the content
   * document's unique insert refused) — put does not look first: ask `missing` before streaming
   * bytes larger than `inlineBytes`.
   */
  put(sha256: string, sizeBytes: number, chunks: AsyncIterable<Uint8Array>): Promise<"stored" | "present">;
  /**
   * Puts of several contents: each as `put`, except that bytes of at most `inlineBytes` are held
   * and stored by `commit`, in one insert with the others (bytes held already: kept as they are).
   */
  group(): { put(sha256: string, sizeBytes: number, chunks: AsyncIterable<Uint8Array>): Promise<void>; commit(): Promise<void> };
  /** The bytes; rejects with a NotFoundError if none are stored under the digest. */
  read(sha256: string): AsyncIterable<Uint8Array>;
  /** Deletes the bytes stored under the digest (retention): its content document by _id, then its chunks. */
  remove(sha256: string): Promise<void>;
}

interface ContentDoc {
  _id: string; // the SHA-256
  length: number;
  /** The write (attempt) whose chunks hold the bytes. */
  chunks: string;
  /** The bytes themselves when they fit in one chunk (no chunk documents then). */
  data?: mongo.Binary;
  storedAt: Date;
}
interface ChunkDoc {
  _id: string; // <attempt>.<n>
  a: string;
  n: number;
  data: mongo.Binary;
}

/** True for a duplicate-key error (E11000). */
const isDuplicateKey = (err: unknown) => (err as { code?: number })?.code === 11000;

/** The collections of a content store, for ensureCollections. */
export const contentCollections = (name: string) => [{ name: `${name}_content` }, { name: `${name}_chunks`, indexes: [{ keys: { a: 1, n: 1 } as Record<string, 1 | -1> }] }];

/**
 * A content store in two collections, `<name>_content` (one document per digest, holding the bytes
 * themselves when they fit in one chunk of 255 KiB) and `<name>_chunks`. The content document is the commit: a unique insert, written after every chunk
 * and the digest check, naming the write whose chunks it uses — so concurrent writers of the same
 * bytes never mix their chunks (the loser removes its own), and no update is involved anywhere:
 * correct on every MongoDB-wire store. A crash mid-write leaves chunks no document names; they are
 * never read.
 */
export function contentStore(conn: Connection, name: string): ContentStore {
  const db = conn.db!;
  const content = db.collection<ContentDoc>(`${name}_content`);
  const chunks = db.collection<ChunkDoc>(`${name}_chunks`);
  const has = async (sha256: string) => (await content.findOne({ _id: sha256 }, { projection: { _id: 1 } })) !== null;

  /**
   * Streams the bytes in (chunks beyond one written on the way), verifying size and SHA-256;
   * returns the content document that commits them, not yet inserted. A failure removes the chunks.
   */
  async function streamed(sha256: string, sizeBytes: number, source: AsyncIterable<Uint8Array>) {
    const attempt = randomUUID();
    const hash = createHash("sha256");
    let size = 0;
    let wrote = false;
    const out = chunkWriter<ChunkDoc>(
      (n, data) => ({ _id: `${attempt}.${n}`, a: attempt, n, data: new mongo.Binary(data) }),
      (docs) => {
        wrote = true;
        return chunks.insertMany(docs, { ordered: false });
      },
    );
    try {
      for await (const chunk of source) {
        hash.update(chunk);
        size += chunk.length;
        if (size > sizeBytes) throw new Error(`more than the ${sizeBytes} bytes declared for ${sha256}`);
        await out.push(chunk);
      }
      const inline = await out.endInline();
      const digest = hash.digest("hex");
      if (digest !== sha256 || size !== sizeBytes) throw new Error(`content arrived with SHA-256 ${digest} (${size} bytes), expected ${sha256} (${sizeBytes} bytes)`);
      const doc: ContentDoc = { _id: sha256, length: size, chunks: attempt, storedAt: new Date(), ...(inline ? { data: new mongo.Binary(inline) } : {}) };
      return { doc, attempt, wrote };
    } catch (err) {
      if (wrote) await chunks.deleteMany({ a: attempt }).catch(() => undefined);
      throw err;
    }
  }

  const store: ContentStore = {
    inlineBytes: CHUNK_BYTES,
    has,
    async missing(sha256s) {
      // One look-up by _id each, all at once ($in is a whole-collection read on FerretDB: docs/platform.md).
      const held = await Promise.all(sha256s.map(has));
      return new Set(sha256s.filter((_, i) => !held[i]));
    },
    async put(sha256, sizeBytes, source) {
      const { doc, attempt, wrote } = await streamed(sha256, sizeBytes, source);
      try {
        await content.insertOne(doc);
        return "stored";
      } catch (err) {
        if (wrote) await chunks.deleteMany({ a: attempt }).catch(() => undefined);
        if (isDuplicateKey(err)) return "present"; // another writer stored the same bytes first
        throw err;
      }
    },
    group() {
      let held: ContentDoc[] = [];
      return {
        async put(sha256, sizeBytes, source) {
          if (sizeBytes > CHUNK_BYTES) {
            await store.put(sha256, sizeBytes, source);
            return;
          }
          held.push((await streamed(sha256, sizeBytes, source)).doc);
        },
        async commit() {
          const docs = held;
          held = [];
          if (docs.length === 0) return;
          // Unordered: one already held (a duplicate key) does not stop the others.
          await content.insertMany(docs, { ordered: false }).catch((err: unknown) => {
            const errors = (err as { writeErrors?: unknown[] }).writeErrors;
            if (!Array.isArray(errors) || errors.length === 0 || !errors.every(isDuplicateKey)) throw err;
          });
        },
      };
    },
    async remove(sha256) {
      const doc = await content.findOne({ _id: sha256 }, { projection: { chunks: 1 } });
      if (!doc) return;
      await content.deleteOne({ _id: sha256 });
      await chunks.deleteMany({ a: doc.chunks });
    },
    async *read(sha256) {
      const doc = await content.findOne({ _id: sha256 });
      if (!doc) throw Object.assign(new Error(`no content ${sha256}`), { name: "NotFoundError" });
      if (doc.data) {
        yield Buffer.from(doc.data.buffer);
        return;
      }
      for await (const c of chunks.find({ a: doc.chunks }).sort({ n: 1 })) yield Buffer.from(c.data.buffer);
    },
  };
  return store;
}
