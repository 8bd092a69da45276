import type { Collection, Connection } from "mongoose";
import { isDuplicateKey } from "./index.js";

export interface Sequences {
  /**
   * The next number of the scope: 1, 2, 3, … without gaps or duplicates across processes. `owner`
   * (e.g. the filing that gets the number) is stored with it, so a caller that crashed after taking
   * a number can find it again with `ownedBy` instead of leaving a gap.
   */
  next(scope: string, owner?: string): Promise<number>;
  /** The number `owner` took in the scope, if any (a scan: for recovery paths only). */
  ownedBy(scope: string, owner: string): Promise<number | undefined>;
  /**
   * `owner` took n but will not use it (it lost a race, or its filing was withdrawn or rejected
   * while being accepted): the next `next` of the scope hands n out again, so the numbers in use
   * stay 1..max without gaps. A number is given back once each time it was handed out, and only by
   * its owner of the moment, however often and by whom this is called.
   */
  spare(scope: string, n: number, owner: string): Promise<void>;
}

export interface SequenceOptions {
  /** The collection of the numbers (its spares: `<collection>_spares`). */
  collection?: string;
  /**
   * False when no caller ever gives a number back (e.g. receipt numbers): `next` then does not look
   * for spares (a look-up less per number) and `spare` rejects.
   */
  givesBack?: boolean;
}

interface SpareDoc {
  _id: string; // <scope>#<n>
  scope: string;
}

interface NumberDoc {
  _id: string;
  at: Date;
  owner?: string;
  /** How often the number was handed out again after being given back. */
  gen?: number;
}

const idOf = (scope: string, n: number) => `${scope}#${n}`;

/**
 * Gap-free, duplicate-free counters (e.g. case numbers per court, year and type code) built on
 * unique inserts only — every number is one document `<scope>#<n>`. `$inc` is not used because
 * FerretDB loses concurrent updates of one document (docs/platform.md); a unique _id insert is
 * atomic on every MongoDB-wire store.
 *
 * A number n is only ever tried when n - 1 exists, so the taken numbers are always 1..max; a
 * losing racer sees the duplicate key and tries the next one. Callers in one process queue per
 * scope; each process caches the last number it took and, on first use of a scope, tries 1 (a new
 * scope — every court's day of receipts — costs its insert only) and, when 1 is taken, finds the
 * scope's end by exponential and binary search over _id look-ups.
 */
export function createSequences(conn: Connection, opts: SequenceOptions = {}): Sequences {
  const collection = opts.collection ?? "sequences";
  const givesBack = opts.givesBack ?? true;
  const col = (): Collection<NumberDoc> => conn.collection<NumberDoc>(collection);
  const spares = (): Collection<SpareDoc> => conn.collection<SpareDoc>(`${collection}_spares`);
  const last = new Map<string, number>();
  const exists = async (scope: string, n: number) => n === 0 || (await col().countDocuments({ _id: idOf(scope, n) }, { limit: 1 })) > 0;

  /** The largest taken number of the scope (0 if none), given that 1..max are all taken. */
  async function findEnd(scope: string, from: number): Promise<number> {
    let lo = from; // known taken (or 0)
    let step = 1;
    let hi = lo + step;
    while (await exists(scope, hi)) {
      lo = hi;
      step *= 2;
      hi = lo + step;
    }
    // lo taken, hi free: binary search for the boundary.
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (await exists(scope, mid)) lo = mid;
      else hi = mid;
    }
    return lo;
  }

  async function take(scope: string, owner: string | undefined): Promise<number> {
    // A number given back comes first: claiming it is a delete by _id (atomic), so one caller gets it.
    for (const spare of givesBack ? await spares().find({ scope }).limit(5).toArray() : []) {
      if ((await spares().deleteOne({ _id: spare._id })).deletedCount !== 1) continue;
      const n = Number(spare._id.slice(scope.length + 1));
      // Only the claimer writes it: the number belongs to its new owner now.
      await col().updateOne({ _id: spare._id }, { $set: { owner: owner ?? "", at: new Date() }, $inc: { gen: 1 } });
      return n;
    }
    // Unknown here: 1 first (a new scope), its end looked for only when 1 is taken.
    let n = (last.get(scope) ?? 0) + 1;
    let searched = last.has(scope);
    for (;;) {
      try {
        await col().insertOne({ _id: idOf(scope, n), at: new Date(), ...(owner ? { owner } : {}) });
        last.set(scope, n);
        return n;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // Another process took n, so n exists and n + 1 may be tried — or, the first time for a scope
        // this process did not know, the number after the scope's end.
        n = searched ? n + 1 : (await findEnd(scope, n)) + 1;
        searched = true;
      }
    }
  }

  // Callers in this process queue per scope, so only other processes contend for a number.
  const queues = new Map<string, Promise<unknown>>();
  return {
    async ownedBy(scope, owner) {
      const found = await col().findOne({ owner, _id: { $regex: `^${scope.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}#` } });
      return found ? Number(found._id.slice(scope.length + 1)) : undefined;
    },
    async spare(scope, n, owner) {
      if (!givesBack) throw new Error(`sequence ${collection} takes no numbers back (givesBack: false)`);
      const doc = await col().findOne({ _id: idOf(scope, n) });
      if (!doc || doc.owner !== owner) return; // not (or no longer) this owner's
      try {
        // Given back once per handing out: the mark is a unique insert; the spare follows it.
        await col().insertOne({ _id: `${idOf(scope, n)}~${doc.gen ?? 0}`, at: new Date(), owner: "given back" });
      } catch (err) {
        if (isDuplicateKey(err)) return;
        throw err;
      }
      // Nobody owns it until it is handed out again (a resumed acceptance must not find it as its own).
      await col().updateOne({ _id: idOf(scope, n) }, { $set: { owner: "" } });
      await spares()
        .insertOne({ _id: idOf(scope, n), scope })
        .catch((err: unknown) => {
          if (!isDuplicateKey(err)) throw err;
        });
    },
    next(scope, owner) {
      if (scope.includes("#")) return Promise.reject(new Error(`sequence scope must not contain '#': ${scope}`));
      const run = (queues.get(scope) ?? Promise.resolve()).then(() => take(scope, owner));
      const settled = run.catch(() => undefined);
      queues.set(scope, settled);
      void settled.then(() => {
        if (queues.get(scope) === settled) queues.delete(scope);
      });
      return run;
    },
  };
}
