import type { Logger } from "@kuayu/logger";

/** What the hub needs to know of a changed record. */
export interface Changed {
  id: string;
  updatedAt: Date;
}

export interface WatchHub<T extends Changed> {
  /**
   * Changes for which `matches` holds, from the moment of the call (not of the first read) until
   * `signal` aborts: a watcher may read the current state after calling it and miss nothing.
   */
  watch(matches: (t: T) => boolean, signal: AbortSignal, since?: Date): AsyncIterable<T>;
  /**
   * Since when (ms, this process's clock) every change of another replica reaches the watchers of
   * a watch started now: while the polls have gone on without a break — from the first watcher
   * until `lingerMs` after the last one left — since they started; otherwise from now. A record this
   * process learnt as it was at or after that time is a watcher's first state: every later change
   * reaches it (`watch` with `since` = that state's `updatedAt`).
   */
  coveredSince(): number;
  /** Look for changes now (changes of other replicas; they are looked for every interval too). */
  nudge(): void;
  /** A record this process changed, as it now is: to the watchers at once, without a query. */
  publish(t: T): void;
  stop(): void;
}

/** Width of a change bucket (`tick`), in milliseconds. */
export const TICK_MS = 10_000;
/** At most this many buckets per look-up (30 minutes): an older `since` is brought forward. */
const MAX_TICKS = 180;

/**
 * The change bucket of an instant, stored in the watched record as `tick` (indexed) next to the
 * `updatedAt` it comes from. FerretDB answers no range query from an index — `{updatedAt: {$gte}}`
 * reads and decodes the whole collection (2.4 s at 20,000 filings) — but it does answer an equality
 * on an indexed field (5 ms), on every MongoDB-wire store.
 */
export const tickOf = (d: Date) => Math.floor(d.getTime() / TICK_MS);

/**
 * The records changed since `since`, found by equality on `tick`: one indexed look-up per bucket
 * from `since` to now (two or three for a watch hub's poll). `find` runs one filter.
 */
export async function findChangedSince<T>(since: Date, find: (filter: { tick: number; [field: string]: unknown }) => Promise<T[]>, field = "updatedAt", now = new Date()): Promise<T[]> {
  const last = tickOf(now);
  const from = Math.max(tickOf(since), last - MAX_TICKS + 1);
  const found: T[] = [];
  for (let t = from; t <= last; t++) found.push(...(await find({ tick: t, [field]: { $gte: since } })));
  return found;
}

/**
 * Fans record changes out to watchers (server-streaming "watch" calls). The store has no change
 * streams (FerretDB), and another replica may have made the change, so one loop per process polls
 * for records whose `updatedAt` moved — one query per interval however many watchers — and a
 * local write is published to them at once, without a query. The poll overlaps the previous one by `overlapMs` to tolerate clock skew between
 * replicas; a change is sent once per (record, updatedAt).
 */
export function createWatchHub<T extends Changed>(changedSince: (since: Date) => Promise<T[]>, log: Logger, intervalMs = 1000, overlapMs = 5000, lingerMs = 60_000): WatchHub<T> {
  type Sub = { matches: (t: T) => boolean; since: number; push: (t: T) => void };
  const subs = new Set<Sub>();
  const seen = new Map<string, number>();
  let cursor = Date.now();
  /**
   * Whether the polls go on: from the first watcher until `lingerMs` after the last one left (a
   * watcher that comes meanwhile finds them covering what went before: coveredSince), and since when.
   */
  let cycling = false;
  let activeSince = Number.POSITIVE_INFINITY;
  let lastLeft = 0;
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  /**
   * Sends a change once per (record, updatedAt); whether the poll or a local write saw it first. A
   * local write goes to every watcher there is when it is published: its `updatedAt` was taken
   * before the write, which may have finished after a watcher came and read the record as it was
   * before (found by the drill under load: the change was dropped as older than the watcher). A
   * polled change goes to watchers that came before it (not to later ones: they read the record
   * after it and must not see an older state again).
   */
  function deliver(f: T, local: boolean) {
    const at = f.updatedAt.getTime();
    if (seen.get(f.id) === at) return;
    seen.set(f.id, at);
    for (const s of subs) {
      if ((local || at >= s.since) && s.matches(f)) s.push(f);
    }
  }

  async function poll() {
    const started = Date.now();
    const from = cursor - overlapMs;
    const changed = await changedSince(new Date(from));
    // Every change until the poll started has been seen (the overlap covers other replicas' clocks).
    cursor = Math.max(cursor, started);
    for (const f of changed) {
      cursor = Math.max(cursor, f.updatedAt.getTime());
      deliver(f, false);
    }
    for (const [id, at] of seen) if (at < from) seen.delete(id);
  }

  function tick() {
    if (stopped) return;
    if (subs.size === 0 && Date.now() - lastLeft >= lingerMs) {
      cycling = false;
      return;
    }
    if (polling) {
      again = true;
      return;
    }
    clearTimeout(timer);
    polling = poll()
      .catch((err: unknown) => log.warn({ err }, "watch poll failed; will retry"))
      .finally(() => {
        polling = undefined;
        if (again) {
          again = false;
          tick();
        } else if (!stopped && cycling) timer = setTimeout(tick, intervalMs);
      });
  }

  return {
    nudge: tick,
    coveredSince: () => (cycling && !stopped ? activeSince : Date.now()),
    publish: (t) => {
      if (subs.size > 0) deliver(t, true);
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    watch(matches, signal, since) {
      const queue: T[] = [];
      let wake: (() => void) | undefined;
      const sub: Sub = {
        matches,
        // A watcher whose first state is a record as this process knew it gets every polled change
        // after that state (coveredSince), not only those after it came.
        since: since ? since.getTime() + 1 : Date.now(),
        push: (f) => {
          queue.push(f);
          wake?.();
        },
      };
      const end = () => {
        if (subs.delete(sub) && subs.size === 0) lastLeft = Date.now();
        signal.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        end();
        wake?.();
      };
      signal.addEventListener("abort", onAbort);
      subs.add(sub);
      // A new watcher wants changes from now on: this process's arrive published; other replicas'
      // at the next poll. The first watcher starts the poll cycle (no query per new watcher: on
      // FerretDB the poll reads the whole collection).
      if (!cycling) {
        cycling = true;
        cursor = activeSince = Date.now();
        if (!polling) {
          clearTimeout(timer);
          timer = setTimeout(tick, intervalMs);
        }
      }
      return (async function* () {
        try {
          while (!signal.aborted && !stopped) {
            const next = queue.shift();
            if (next) {
              yield next;
              continue;
            }
            await new Promise<void>((resolve) => {
              wake = resolve;
              // Re-check periodically so stop() ends idle watchers too.
              setTimeout(resolve, intervalMs).unref();
            });
            wake = undefined;
          }
        } finally {
          end();
        }
      })();
    },
  };
}
