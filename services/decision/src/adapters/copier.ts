import * as grpc from "@grpc/grpc-js";
import type { Client } from "@kuayu/grpc";
import type { Logger } from "@kuayu/logger";
import type { ContentStore } from "@kuayu/mongo";
import type { intakeV1 } from "@kuayu/proto";
import type { InboxFiling, InboxMaterial } from "../domain/inbox.js";
import type { MongoInboxRepository } from "./mongo/inbox-repository.js";

export interface CopierOptions {
  repo: MongoInboxRepository;
  /** The court's copies, by SHA-256: bytes this service holds already are not fetched again. */
  content: ContentStore;
  /** The intake of a province (where its windows' materials are). */
  intakeFor: (province: string) => Client<typeof intakeV1.FilingIntakeService>;
  /** A bearer token acting for the jurisdiction court (court-system role). */
  tokenFor: (courtId: string, province: string) => Promise<string>;
  log: Logger;
  intervalMs?: number;
  /** Filings copied at once. */
  concurrency?: number;
}

export interface Copier {
  /** A filing arrived or changed: copy its materials soon. */
  nudge(filingId?: string): void;
  stop(): Promise<void>;
}

/**
 * Keeps the jurisdiction court's own verified copy of every material: streams each one from the
 * window's intake over gRPC once, checks size and SHA-256 against what the window declared, and
 * stores it by that digest (bytes already held — the same evidence filed twice, a corrected round
 * that kept a material — are not fetched again); when a filing's materials are all held, one change
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

  async function fetch(f: InboxFiling, m: InboxMaterial): Promise<void> {
    // The window's stream is opened only if the store does not hold the bytes already (put looks first).
    async function* bytes(): AsyncIterable<Uint8Array> {
      const metadata = new grpc.Metadata();
      metadata.set("authorization", `Bearer ${await opts.tokenFor(f.jurisdictionCourtId, f.province)}`);
      const stream = opts.intakeFor(f.originProvince).downloadMaterial({ filingId: f.id, materialId: m.id }, { metadata, timeoutMs: 10 * 60_000 });
      for await (const res of stream) {
        if (res.part.case === "material") {
          if (res.part.value.sha256 !== m.sha256) throw new Error(`the window now describes material ${m.id} with another SHA-256`);
        } else if (res.part.case === "chunk") {
          yield res.part.value;
        }
      }
    }
    await content.put(m.sha256, m.sizeBytes, bytes());
  }

  const copyOne = (f: InboxFiling, m: InboxMaterial): Promise<unknown> => {
    const running = inflight.get(m.sha256);
    if (running) return running;
    const p = fetch(f, m).finally(() => inflight.delete(m.sha256));
    inflight.set(m.sha256, p);
    return p;
  };

  /** Copies one filing's missing materials in turn, then marks them all in one change; on a failure the whole filing waits. */
  async function copyFiling(f: InboxFiling): Promise<void> {
    const b = backoff.get(f.id);
    if (b && b.until > Date.now()) return;
    const missing = f.materials.filter((x) => !x.copied);
    for (const m of missing) {
      if (stopped) return;
      try {
        await copyOne(f, m);
      } catch (err) {
        // Doubling from 1 s up to an hour: a window that lost the filing must not keep the copier busy.
        const attempts = (b?.attempts ?? 0) + 1;
        backoff.set(f.id, { attempts, until: Date.now() + Math.min(3_600_000, 1000 * 2 ** attempts) });
        log.warn({ err, filing: f.id, material: m.id, attempts }, "copying a material from the window failed; will retry");
        return;
      }
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
    const queue = (await Promise.all(ids.map((id) => repo.get(id)))).filter((f): f is InboxFiling => !!f && f.materials.some((m) => !m.copied));
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
