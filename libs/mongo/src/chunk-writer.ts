/** Chunk size of stored files (GridFS's default). */
export const CHUNK_BYTES = 255 * 1024;
/** Chunks per insert: a write of a few megabytes is one command. */
const CHUNKS_PER_INSERT = 16;

/**
 * Cuts a stream of buffers into CHUNK_BYTES chunks and inserts them 16 at a time: `push` each
 * piece as it arrives, `end` once the last one is in (it writes the rest). `toDoc` makes the stored
 * document of chunk number n. `endInline` ends it too, but a stream that fits in one chunk is not
 * inserted: its bytes are returned for the caller to keep in its own document (one write instead of two).
 */
export function chunkWriter<T>(toDoc: (n: number, data: Buffer) => T, insert: (docs: T[]) => Promise<unknown>) {
  let n = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let batch: T[] = [];
  const flush = async (all: boolean) => {
    // A full chunk is cut only once more bytes follow: a stream of exactly one chunk can still go inline.
    while (pendingBytes > CHUNK_BYTES || (all && pendingBytes > 0)) {
      const buf = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
      const data = buf.subarray(0, CHUNK_BYTES);
      pending = data.length < buf.length ? [buf.subarray(CHUNK_BYTES)] : [];
      pendingBytes = buf.length - data.length;
      batch.push(toDoc(n++, data));
    }
    if (batch.length >= CHUNKS_PER_INSERT || (all && batch.length > 0)) {
      const docs = batch;
      batch = [];
      await insert(docs);
    }
  };
  return {
    async push(piece: Uint8Array) {
      pending.push(Buffer.from(piece));
      pendingBytes += piece.length;
      await flush(false);
    },
    end: () => flush(true),
    async endInline(): Promise<Buffer | undefined> {
      if (n === 0) return Buffer.concat(pending);
      await flush(true);
      return undefined;
    },
  };
}
