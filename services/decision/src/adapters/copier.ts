import * as grpc from "@grpc/grpc-js";
import type { Client } from "@kuayu/grpc";
import type { Logger } from "@kuayu/logger";
import type { ContentStore } from "@kuayu/mongo";
import type { intakeV1 } from "@kuayu/proto";
import type { InboxFiling, InboxMaterial } from "../domain/inbox.js";
import type { MongoInboxRepository } from "./mongo/inbox-repository.js";

export interface CopierOptions {
  repo: MongoInboxRepository;
  /** The court's copies, by SHA-256: bytes this service holds already are stored once (larger ones are not fetched again). */
  content: ContentStore;
  /** The intake of a province (where its windows' materials are). */
  intakeFor: (province: string) => Client<typeof intakeV1.FilingIntakeService>;
  /** A service token of the jurisdiction court that reads this one filing's materials (scope material:read). */
  tokenFor: (filingId: string, courtId: string, province: string) => Promise<string>;
  log: Logger;
  intervalMs?: number;
  /** Filings copied at once. */
  concurrency?: number;
}

export interface Copier {
  /** A filing arrived or changed: copy its materials soon. */
  nudge(filingId?: string): void;
  /**
   * Copies a filing's materials now, waiting at most `waitMs`: the `<id>:<sha256>` of those held
   * then — none if the copy failed or takes longer (it goes on, and the pass that marks the filing
   * waits for it). Marks nothing: the caller commits what it returns.
   */
  copyNow(f: InboxFiling, waitMs: number): Promise<Set<string>>;
  stop(): Promise<void>;
}

/**
 * Keeps the jurisdiction court's own verified copy of every material: streams a filing's materials
 * from the window's intake over gRPC once (one call for all of them), checks size and SHA-256
 * against what the window declared, and stores each by that digest (bytes already held — the same evidence filed twice, a corrected round
 * that kept a material — are stored once, and larger ones are not fetched again); when a filing's materials are all held, one change
 * marks them copied. Oldest arrivals first; failures are retried with backoff (doubling to an hour)
 * until complete; a copy that fails verification leaves nothing. No locks: two copiers of the same
 * bytes race on the content store's unique insert, and a replica's copier marks a filing that is
 * already marked as a no-op.
 */
export function startCopier(opts: CopierOptions): Copier {
  const { repo, content, log } = opts;
  const intervalMs = opts.intervalMs ?? 1000;
  const concurrency = opts.concurrency ?? 8;
  /** Filings whose last copy failed, by id. */
  const backoff = new Map<string, { until: number; attempts: number }>();
  /** Copies running in this process, by digest: a second filing with the same bytes waits for the first. */
  const inflight = new Map<string, Promise<unknown>>();
  let stopped = false;
  let wake: (() => void) | undefined;

  /** Streams the materials from the window's intake in one call, storing each by its digest as it arrives. */
  async function fetch(f: InboxFiling, ms: InboxMaterial[]): Promise<void> {
    const metadata = new grpc.Metadata();
    metadata.set("authorization", `Bearer ${await opts.tokenFor(f.id, f.jurisdictionCourtId, f.province)}`);
    const stream = opts.intakeFor(f.originProvince).downloadMaterials({ filingId: f.id, materialIds: ms.map((m) => m.id) }, { metadata, timeoutMs: 10 * 60_000 });
    const parts = stream[Symbol.asyncIterator]();
    // The small ones are stored together at the end: one insert for a filing's materials.
    const copies = content.group();
    try {
      let next = await parts.next();
      for (const m of ms) {
        const part = next.done ? undefined : next.value.part;
        if (part?.case !== "material" || part.value.materialId !== m.id) throw new Error(`the window's stream did not bring material ${m.id} next`);
        if (part.value.sha256 !== m.sha256) throw new Error(`the window now describes material ${m.id} with another SHA-256`);
        next = await parts.next();
        async function* bytes(): AsyncIterable<Uint8Array> {
          for (; !next.done && next.value.part.case === "chunk"; next = await parts.next()) yield next.value.part.value;
        }
        await copies.put(m.sha256, m.sizeBytes, bytes());
      }
    } catch (err) {
      // What was verified before the failure is kept: a retry fetches only the rest.
      await copies.commit().catch(() => undefined);
      throw err;
    } finally {
      await parts.return?.();
    }
    await copies.commit();
  }

  /**
   * Copies what the store does not hold yet, in one stream (bytes another filing is fetching are
   * waited for). Only materials larger than one content document are looked up first: a small one
   * is offered to the store as it comes — its insert is the look-up, and the rare duplicate costs
   * its transfer from the window instead of every material costing a look-up.
   */
  async function copyMissing(f: InboxFiling, ms: InboxMaterial[]): Promise<void> {
    const large = ms.filter((m) => m.sizeBytes > content.inlineBytes);
    const absent = large.length > 0 ? await content.missing([...new Set(large.map((m) => m.sha256))]) : new Set<string>();
    const waits: Promise<unknown>[] = [];
    const mine = new Map<string, InboxMaterial>();
    for (const m of ms) {
      if ((m.sizeBytes > content.inlineBytes && !absent.has(m.sha256)) || mine.has(m.sha256)) continue;
      const running = inflight.get(m.sha256);
      if (running) waits.push(running);
      else mine.set(m.sha256, m);
    }
    if (mine.size > 0) {
      const p = fetch(f, [...mine.values()]).finally(() => {
        for (const sha of mine.keys()) inflight.delete(sha);
      });
      for (const sha of mine.keys()) inflight.set(sha, p);
      waits.push(p);
    }
    await Promise.all(waits);
  }

  /** Copies one filing's missing materials, then marks them all in one change; on a failure the whole filing waits. */
  async function copyFiling(f: InboxFiling): Promise<void> {
    const b = backoff.get(f.id);
    if (b && b.until > Date.now()) return;
    const missing = f.materials.filter((x) => !x.copied);
    if (stopped) return;
    try {
      await copyMissing(f, missing);
    } catch (err) {
      // Doubling from 1 s up to an hour: a window that lost the filing must not keep the copier busy.
      const attempts = (b?.attempts ?? 0) + 1;
      backoff.set(f.id, { attempts, until: Date.now() + Math.min(3_600_000, 1000 * 2 ** attempts) });
      log.warn({ err, filing: f.id, attempts }, "copying the materials from the window failed; will retry");
      return;
    }
    const held = new Set(missing.map((m) => `${m.id}:${m.sha256}`));
    await repo.change(
      f.id,
      async (cur) => {
        if (!cur.materials.some((x) => !x.copied && held.has(`${x.id}:${x.sha256}`))) return undefined;
        return { filing: { ...cur, materials: cur.materials.map((x) => (held.has(`${x.id}:${x.sha256}`) ? { ...x, copied: true } : x)), updatedAt: new Date() }, events: [] };
      },
      f,
    );
    backoff.delete(f.id);
  }

  /** Filings named by the consumer since the last pass (read by _id; the query runs every tenth pass). */
  const named = new Set<string>();
  let passes = 0;

  async function pass(): Promise<void> {
    const ids = [...named];
    named.clear();
    // As this process knows them (the consumer has just committed them): a stale one copies what it lists, and its mark decides again on the newest.
    const queue = (await Promise.all(ids.map((id) => repo.recent(id)))).filter((f): f is InboxFiling => !!f && f.materials.some((m) => !m.copied));
    // Every tenth pass also asks the store: filings to retry, and those a crash or another replica left.
    if (passes++ % 10 === 0) {
      // Filings waiting to retry are left out of the query, so failing ones never hold up the rest.
      const waiting = [...backoff].filter(([, b]) => b.until > Date.now()).map(([id]) => id);
      for (const f of await repo.pendingCopies(concurrency * 4, [...waiting, ...queue.map((x) => x.id)])) queue.push(f);
    }
    // `concurrency` filings at a time (each copy waits on the network and the store, not the CPU).
    await Promise.all(
      Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
        for (let f = queue.shift(); f && !stopped; f = queue.shift()) await copyFiling(f);
      }),
    );
  }

  const loop = (async () => {
    while (!stopped) {
      await pass().catch((err: unknown) => log.error({ err }, "material copier pass failed"));
      if (stopped) break;
      if (named.size > 0) continue;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, intervalMs).unref();
      });
    }
  })();

  return {
    async copyNow(f, waitMs) {
      const missing = f.materials.filter((m) => !m.copied);
      if (stopped || waitMs <= 0 || missing.length === 0) return new Set();
      const copied = copyMissing(f, missing).then(
        () => true,
        (err: unknown) => {
          log.debug({ err, filing: f.id }, "copying the materials on arrival failed; the copier retries after the arrival is committed");
          return false;
        },
      );
      let timer: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([copied, new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), waitMs)))]);
      clearTimeout(timer);
      return inTime ? new Set(missing.map((m) => `${m.id}:${m.sha256}`)) : new Set();
    },
    nudge: (filingId) => {
      if (filingId) named.add(filingId);
      wake?.();
    },
    stop: async () => {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
