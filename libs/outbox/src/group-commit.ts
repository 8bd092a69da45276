import type { mongo } from "mongoose";

/**
 * Group commit: the items of the calls that arrive while a write is under way go to the store
 * together in the next write — one command for all of them, in arrival order — and each call waits
 * for the write that holds its item. Nothing waits for company: with no write under way an item is
 * written at once. `write` answers, for each item, its own error (a duplicate key, say)
 * or undefined; an error it throws fails every item of that write.
 */
export function groupCommit<T>(write: (items: T[]) => Promise<(Error | undefined)[]>): (item: T) => Promise<void> {
  let queued: { item: T; resolve: () => void; reject: (err: unknown) => void }[] = [];
  let flushing = false;
  const flush = async () => {
    flushing = true;
    while (queued.length > 0) {
      const group = queued;
      queued = [];
      try {
        const errors = await write(group.map((g) => g.item));
        group.forEach((g, i) => (errors[i] ? g.reject(errors[i]) : g.resolve()));
      } catch (err) {
        for (const g of group) g.reject(err);
      }
    }
    flushing = false;
  };
  return (item) =>
    new Promise<void>((resolve, reject) => {
      queued.push({ item, resolve, reject });
      if (!flushing) void flush();
    });
}

/**
 * Inserts the documents with one unordered insert and answers each one's error, if any (a
 * duplicate key: code 11000, as an insertOne would throw it); a failure that names no document
 * (the store unreachable) is thrown.
 */
export async function insertEach<T extends mongo.Document>(col: mongo.Collection<T>, docs: T[]): Promise<(Error | undefined)[]> {
  try {
    await col.insertMany(docs as mongo.OptionalUnlessRequiredId<T>[], { ordered: false });
    return docs.map(() => undefined);
  } catch (err) {
    const writeErrors = (err as { writeErrors?: WriteError | WriteError[] }).writeErrors;
    const failed = writeErrors === undefined ? [] : Array.isArray(writeErrors) ? writeErrors : [writeErrors];
    if (failed.length === 0) throw err;
    const out: (Error | undefined)[] = docs.map(() => undefined);
    for (const w of failed) out[w.index] = Object.assign(new Error(w.errmsg ?? `write error ${w.code}`), { code: w.code });
    return out;
  }
}

interface WriteError {
  index: number;
  code?: number;
  errmsg?: string;
}
