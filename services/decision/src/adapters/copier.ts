import { createHash } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import type { Client } from "@kuayu/grpc";
import type { Logger } from "@kuayu/logger";
import type { FileStore, Locks } from "@kuayu/mongo";
import type { intakeV1 } from "@kuayu/proto";
import type { InboxFiling, InboxMaterial } from "../domain/inbox.js";
import type { MongoInboxRepository } from "./mongo/inbox-repository.js";
import { copyId } from "./grpc/decision-service.js";

export interface CopierOptions {
  repo: MongoInboxRepository;
  files: FileStore;
  /** Locks of the copies (renewed while a copy runs; waitMs 0: a busy one is left to its holder). */
  locks: Locks;
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
  nudge(): void;
  stop(): Promise<void>;
}

/**
 * Keeps the jurisdiction court's own verified copy of every material: streams each one from the
 * window's intake over gRPC, checks size and SHA-256 against what the window declared, stores it,
 * and marks it copied, oldest arrivals first. Failures are retried with backoff (doubling to an hour) until complete;
 * a copy that fails verification leaves nothing.
 */
export function startCopier(opts: CopierOptions): Copier {
  const { repo, files, log } = opts;
  const intervalMs = opts.intervalMs ?? 1000;
  const concurrency = opts.concurrency ?? 8;
  /** Filings whose last copy failed, by id. */
  const backoff = new Map<string, { until: number; attempts: number }>();
  let stopped = false;
  let wake: (() => void) | undefined;

  async function copyOne(f: InboxFiling, m: InboxMaterial): Promise<void> {
    const id = copyId(f.id, m.id);
    await files.remove(id); // a leftover of an attempt that died half way
    const metadata = new grpc.Metadata();
    metadata.set("authorization", `Bearer ${await opts.tokenFor(f.jurisdictionCourtId, f.province)}`);
    const stream = opts.intakeFor(f.originProvince).downloadMaterial({ filingId: f.id, materialId: m.id }, { metadata, timeoutMs: 10 * 60_000 });
    const hash = createHash("sha256");
    let size = 0;
    async function* verified(): AsyncIterable<Uint8Array> {
      for await (const res of stream) {
        if (res.part.case === "material") {
          if (res.part.value.sha256 !== m.sha256) throw new Error(`the window now describes material ${m.id} with another SHA-256`);
        } else if (res.part.case === "chunk") {
          hash.update(res.part.value);
          size += res.part.value.length;
          yield res.part.value;
        }
      }
      const digest = hash.digest("hex");
      if (digest !== m.sha256 || size !== m.sizeBytes) throw new Error(`material ${m.id} arrived with SHA-256 ${digest} (${size} bytes), expected ${m.sha256} (${m.sizeBytes} bytes)`);
    }
    await files.write(id, f.id, verified());
    await repo.change(f.id, async (cur) => {
      if (!cur.materials.some((x) => x.id === m.id && x.sha256 === m.sha256 && !x.copied)) return undefined;
      return { filing: { ...cur, materials: cur.materials.map((x) => (x.id === m.id ? { ...x, copied: true } : x)), updatedAt: new Date() }, events: [] };
    });
    await files.committed(id);
  }

  /** Copies one filing's missing materials in turn; on a failure the whole filing waits. */
  async function copyFiling(f: InboxFiling): Promise<void> {
    const b = backoff.get(f.id);
    if (b && b.until > Date.now()) return;
    for (const m of f.materials.filter((x) => !x.copied)) {
      if (stopped) return;
      try {
        await opts.locks.withLock(`copy:${copyId(f.id, m.id)}`, () => copyOne(f, m));
      } catch (err) {
        if ((err as Error).name === "LockBusyError") continue; // another replica is copying it
        // Doubling from 1 s up to an hour: a window that lost the filing must not keep the copier busy.
        const attempts = (b?.attempts ?? 0) + 1;
        backoff.set(f.id, { attempts, until: Date.now() + Math.min(3_600_000, 1000 * 2 ** attempts) });
        log.warn({ err, filing: f.id, material: m.id, attempts }, "copying a material from the window failed; will retry");
        return;
      }
    }
    backoff.delete(f.id);
  }

  async function pass(): Promise<void> {
    // Filings waiting to retry are left out of the query, so failing ones never hold up the rest.
    const waiting = [...backoff].filter(([, b]) => b.until > Date.now()).map(([id]) => id);
    const queue = await repo.pendingCopies(concurrency * 4, waiting);
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
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, intervalMs).unref();
      });
    }
  })();

  return {
    nudge: () => wake?.(),
    stop: async () => {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
