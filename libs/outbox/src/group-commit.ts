import { STATEMENTS_AT_ONCE, writeInGroups } from "@kuayu/mongo";
import { mongo } from "mongoose";

/** For how many waits after a write that carried more than one item the next items wait for company (groupCommit). */
const BUSY_WAITS = 10;

/**
 * Group commit: the items of the calls that arrive while a write is under way go to the store
 * together in the next write — one command for all of them, in arrival order — and each call waits
 * for the write that holds its item. `write` answers, for each item, its own error (a duplicate
 * key, say) or undefined; an error it throws fails every item of that write.
 *
 * `waitMs`: an item that finds no write under way waits waitMs for the items that follow it while
 * the writes have company — one of them carried more than one item within the last BUSY_WAITS ×
 * waitMs. Otherwise it is written at once: an idle store, or a writer alone whose writes follow
 * one another, never waits. Below the store's pace writes rarely overlap, and without the wait
 * nearly every item would be a command of its own (docs/platform.md "A few milliseconds for
 * company").
 */
export function groupCommit<T>(write: (items: T[]) => Promise<(Error | undefined)[]>, waitMs = 0): (item: T) => Promise<void> {
  let queued: { item: T; resolve: () => void; reject: (err: unknown) => void }[] = [];
  let flushing = false;
  /** When a write last carried more than one item. */
  let groupedAt = -Infinity;
  const flush = async () => {
    flushing = true;
    if (waitMs > 0 && performance.now() - groupedAt < BUSY_WAITS * waitMs) await new Promise((r) => setTimeout(r, waitMs));
    while (queued.length > 0) {
      const group = queued;
      queued = [];
      try {
        const errors = await write(group.map((g) => g.item));
        group.forEach((g, i) => (errors[i] ? g.reject(errors[i]) : g.resolve()));
      } catch (err) {
        for (const g of group) g.reject(err);
      }
      if (group.length > 1) groupedAt = performance.now();
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
 * Inserts the documents with one unordered insert and answers each one's error, if any, as the
 * server's error an insertOne would throw (a duplicate key: MongoServerError code 11000). A
 * failure that names no document — the store or its PostgreSQL away — is thrown as insertOne
 * would throw it, not as the MongoBulkWriteError the driver wraps it in, so that `isTransient`
 * (@kuayu/domain) still knows an outage to wait out from a failure to report.
 */
export async function insertEach<T extends mongo.Document>(col: mongo.Collection<T>, docs: T[]): Promise<(Error | undefined)[]> {
  try {
    await col.insertMany(docs as mongo.OptionalUnlessRequiredId<T>[], { ordered: false });
    return docs.map(() => undefined);
  } catch (err) {
    const out: (Error | undefined)[] = docs.map(() => undefined);
    for (const w of writeErrorsOf(err)) out[w.index] = serverErrorOf(w);
    return out;
  }
}

/**
 * Replaces the documents with unordered bulk writes of up to STATEMENTS_AT_ONCE replacements, one
 * after the other (`@kuayu/mongo` writeInGroups: FerretDB holds a connection of its pool per
 * statement until the command ends), and answers each replacement's error, if any, as replaceOne
 * would throw it. A replacement whose filter matches nothing is no error (as with replaceOne).
 * When the store names a failed replacement, every replacement of the call is done again on its
 * own, STATEMENTS_AT_ONCE at a time: FerretDB v1 stops an update at its first failed statement,
 * ordered or not, and names it index 0 — so which of the others were written, and which failed,
 * only their own replaceOne tells. The callers' filters must make a replacement done twice change
 * nothing more (versionedDocuments: a head only moves forward). Errors that name no replacement
 * are thrown as `insertEach` throws them.
 */
export async function replaceEach<T extends mongo.Document>(col: mongo.Collection<T>, items: { filter: mongo.Filter<T>; replacement: T }[]): Promise<(Error | undefined)[]> {
  try {
    await writeInGroups(
      col,
      items.map(({ filter, replacement }) => ({ replaceOne: { filter, replacement: replacement as mongo.WithoutId<T> } })),
    );
    return items.map(() => undefined);
  } catch (err) {
    writeErrorsOf(err);
    const out: (Error | undefined)[] = [];
    for (let from = 0; from < items.length; from += STATEMENTS_AT_ONCE) {
      const group = items.slice(from, from + STATEMENTS_AT_ONCE);
      out.push(
        ...(await Promise.all(
          group.map(({ filter, replacement }) =>
            col.replaceOne(filter, replacement as mongo.WithoutId<T>).then(
              () => undefined,
              (e: unknown) => e as Error,
            ),
          ),
        )),
      );
    }
    return out;
  }
}

/**
 * The documents' own errors of a failed insertMany or bulkWrite. When none is named, what the
 * MongoBulkWriteError wraps — the driver's error, or the server's answer to the command (FerretDB
 * with PostgreSQL away: ok 0, code 1) — is thrown as insertOne throws it.
 */
function writeErrorsOf(err: unknown): WriteError[] {
  const writeErrors = (err as { writeErrors?: WriteError | WriteError[] }).writeErrors;
  const failed = writeErrors === undefined ? [] : Array.isArray(writeErrors) ? writeErrors : [writeErrors];
  if (failed.length > 0) return failed;
  const wrapped = (err as { errorResponse?: unknown }).errorResponse;
  if (wrapped instanceof Error) throw wrapped;
  if (err instanceof mongo.MongoBulkWriteError && wrapped && typeof wrapped === "object") throw new mongo.MongoServerError(wrapped as mongo.ErrorDescription);
  throw err;
}

/** A document's error as insertOne would throw it (a duplicate key: MongoServerError code 11000). */
const serverErrorOf = (w: WriteError) => new mongo.MongoServerError({ message: w.errmsg ?? `write error ${w.code}`, code: w.code, ...(w.errInfo ? { errInfo: w.errInfo } : {}) });

interface WriteError {
  index: number;
  code?: number;
  errmsg?: string;
  errInfo?: mongo.Document;
}

/**
 * Inserts groups of documents ("units": a version row after its pending mark), all in one ordered
 * insert, each unit's documents in their order: a document is written only after the ones before
 * it. Answers each unit's error, if any — that of its first document that failed (a duplicate
 * key, say); its later documents were not written. The server stops an ordered insert at the first
 * failure: the units after it go in the next insert.
 */
export async function insertUnits<T extends mongo.Document>(col: mongo.Collection<T>, units: T[][]): Promise<(Error | undefined)[]> {
  const out: (Error | undefined)[] = units.map(() => undefined);
  for (let from = 0; from < units.length;) {
    const docs = units.slice(from).flat();
    try {
      await col.insertMany(docs as mongo.OptionalUnlessRequiredId<T>[], { ordered: true });
      break;
    } catch (err) {
      // Ordered: the server stopped at the first failure.
      const failed = writeErrorsOf(err)[0]!;
      // The unit of the failed document, counted from `from`.
      let unit = from;
      for (let seen = units[unit]!.length; seen <= failed.index; seen += units[unit]!.length) unit++;
      out[unit] = serverErrorOf(failed);
      from = unit + 1;
    }
  }
  return out;
}
