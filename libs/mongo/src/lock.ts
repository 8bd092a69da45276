import { randomUUID } from "node:crypto";
import type { Collection, Connection } from "mongoose";
import { isDuplicateKey } from "./index.js";

/** The lock was held by someone else for longer than the caller was willing to wait. */
export class LockBusyError extends Error {
  constructor(readonly key: string) {
    super(`${key} is busy; try again`);
    this.name = "LockBusyError";
  }
}

interface LockDoc {
  _id: string;
  holder: string;
  expiresAt: Date;
}

export interface LockOptions {
  /**
   * A holder that dies keeps the lock at most this long (default 15 s). A live holder renews it
   * every third of that, so work may take longer than the TTL.
   */
  ttlMs?: number;
  /** How long to wait for a busy lock before LockBusyError (default 5 s). */
  waitMs?: number;
}

export interface Locks {
  /** Runs fn while holding the named lock; no other withLock of the same key runs meanwhile. */
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

/**
 * Named mutual exclusion across processes, built only on what every MongoDB-wire store does
 * atomically: inserting a unique _id and deleting one. It exists because FerretDB applies
 * concurrent updates of one document as read-modify-write and silently loses some, and does not
 * re-check an update's filter (docs/platform.md): every writer of a shared document takes its
 * lock first. Each acquisition costs one insert and one delete.
 *
 * A lock whose holder died is taken over once it expires; a live holder renews it (one update every
 * third of the TTL, only when the work takes that long). The takeover deletes by holder, but
 * FerretDB may not re-check that filter either, so two takers racing for the same stale lock can
 * both proceed; that needs a crashed holder and a race within milliseconds, and is accepted.
 */
export function createLocks(conn: Connection, opts: LockOptions & { collection?: string } = {}): Locks {
  const ttlMs = opts.ttlMs ?? 15_000;
  const waitMs = opts.waitMs ?? 5_000;
  const col = (): Collection<LockDoc> => conn.collection<LockDoc>(opts.collection ?? "locks");

  async function acquire(key: string): Promise<string> {
    const holder = randomUUID();
    const giveUp = Date.now() + waitMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await col().insertOne({ _id: key, holder, expiresAt: new Date(Date.now() + ttlMs) });
        return holder;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      const current = await col().findOne({ _id: key });
      if (current && current.expiresAt.getTime() < Date.now()) {
        await col().deleteOne({ _id: key, holder: current.holder });
        continue;
      }
      if (Date.now() > giveUp) throw new LockBusyError(key);
      // Back off with jitter: 2 ms doubling to at most 50 ms.
      const delay = Math.min(50, 2 ** Math.min(attempt, 5) * 2);
      await new Promise((r) => setTimeout(r, delay / 2 + Math.random() * delay));
    }
  }

  return {
    async withLock(key, fn) {
      const holder = await acquire(key);
      let renewing: Promise<unknown> = Promise.resolve();
      const renew = setInterval(() => {
        renewing = col()
          .updateOne({ _id: key, holder }, { $set: { expiresAt: new Date(Date.now() + ttlMs) } })
          .catch(() => undefined); // a missed renewal only shortens the lock; the next one retries
      }, ttlMs / 3);
      try {
        return await fn();
      } finally {
        clearInterval(renew);
        await renewing;
        await col().deleteOne({ _id: key, holder });
      }
    },
  };
}
