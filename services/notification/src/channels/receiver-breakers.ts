/**
 * A circuit breaker per webhook receiver (opossum). A receiver that does not answer — connection
 * refused or reset, or no answer within the timeout — opens its breaker once more than half of its
 * last minute's attempts (at least `volume` of them) found it so; while open, its deliveries are not
 * attempted at all. After `resetMs` one delivery probes it (half-open): an answer closes the breaker,
 * another failure opens it again. A receiver that answers, whatever the HTTP status, is alive: its
 * failures are retried and dead-lettered by the delivery worker as before and never open the breaker.
 */
import { EventEmitter } from "node:events";
import type { Logger } from "@kuayu/logger";
import { meter } from "@kuayu/telemetry";
import CircuitBreaker from "opossum";
import { NOT_REACHABLE, type WebhookResult } from "./webhook-client.js";

export type BreakerState = "closed" | "open" | "half-open";

export interface BreakerOptions {
  /** How long an open breaker holds the receiver's deliveries before one probe. */
  resetMs: number;
  /** Attempts within the window before the breaker may open (default 3). */
  volume?: number;
  /** The window of attempts the failure rate is taken over (default 60 s). */
  windowMs?: number;
  log: Logger;
}

export interface ReceiverBreakers {
  /**
   * Runs one attempt through the receiver's breaker. `"rejected"` when the breaker is open (or
   * half-open with its probe under way): nothing was sent.
   */
  run(receiver: Receiver, attempt: () => Promise<WebhookResult>): Promise<WebhookResult | "rejected">;
  state(receiverId: string): BreakerState;
  /** Receivers whose breaker is not closed. */
  notClosed(): string[];
  shutdown(): void;
}

export interface Receiver {
  /** The webhook id. */
  id: string;
  courtId: string;
  url: string;
}

class Unreachable extends Error {
  constructor(readonly result: WebhookResult) {
    super(NOT_REACHABLE);
  }
}

/** scheme://host:port only: never the path or query string a court put in its URL. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "invalid URL";
  }
}

let opened: ReturnType<ReturnType<typeof meter>["createCounter"]> | undefined;
let openGauge: Set<() => number> | undefined;
function instruments() {
  if (!opened || !openGauge) {
    const gauges = new Set<() => number>();
    opened = meter().createCounter("kuayu_webhook_breaker_open_total", { description: "Times a webhook receiver's circuit breaker opened (the receiver did not answer)" });
    meter()
      .createObservableGauge("kuayu_webhook_breakers_open", { description: "Webhook receivers whose circuit breaker is open or half-open now" })
      .addCallback((r) => r.observe([...gauges].reduce((n, f) => n + f(), 0)));
    openGauge = gauges;
  }
  return { opened, gauges: openGauge };
}

export function createReceiverBreakers(opts: BreakerOptions): ReceiverBreakers {
  const { log } = opts;
  const windowMs = opts.windowMs ?? 60_000;
  const breakers = new Map<string, CircuitBreaker<[() => Promise<WebhookResult>], WebhookResult>>();
  // One timer rotates the statistics buckets of every breaker (not one timer per breaker).
  const rotation = new EventEmitter().setMaxListeners(0);
  const buckets = 6;
  const rotate = setInterval(() => rotation.emit("rotate"), windowMs / buckets).unref();
  const { opened, gauges } = instruments();
  const countNotClosed = () => [...breakers.values()].filter((b) => !b.closed).length;
  gauges.add(countNotClosed);

  function breakerOf(r: Receiver) {
    let b = breakers.get(r.id);
    if (b) return b;
    b = new CircuitBreaker(
      async (attempt: () => Promise<WebhookResult>) => {
        const res = await attempt();
        if (!res.ok && res.error === NOT_REACHABLE) throw new Unreachable(res);
        return res;
      },
      {
        timeout: false, // the attempt has its own
        resetTimeout: opts.resetMs,
        errorThresholdPercentage: 50,
        volumeThreshold: opts.volume ?? 3,
        rollingCountTimeout: windowMs,
        rollingCountBuckets: buckets,
        rollingPercentilesEnabled: false,
        enableSnapshots: false,
        rotateBucketController: rotation,
      } as CircuitBreaker.Options,
    );
    const about = { webhook: r.id, court: r.courtId, receiver: originOf(r.url) };
    const breaker = b;
    b.on("open", () => {
      opened.add(1);
      log.warn({ ...about, retryInMs: opts.resetMs }, "webhook receiver does not answer; breaker open, its deliveries wait");
    });
    b.on("halfOpen", () => log.info(about, "webhook breaker half-open; probing the receiver with one delivery"));
    b.on("close", () => {
      log.info(about, "webhook receiver answers again; breaker closed");
      // A fresh breaker next time: the closed one's window still counts the failures.
      breakers.delete(r.id);
      setImmediate(() => breaker.shutdown());
    });
    breakers.set(r.id, b);
    return b;
  }

  const running = new Map<string, number>();
  /** A closed breaker with no failure in its window and nothing under way is dropped: thousands of healthy webhooks keep none. */
  function release(id: string) {
    const n = (running.get(id) ?? 1) - 1;
    if (n > 0) return void running.set(id, n);
    running.delete(id);
    const b = breakers.get(id);
    if (b?.closed && b.stats.failures === 0) {
      breakers.delete(id);
      b.shutdown();
    }
  }

  return {
    async run(r, attempt) {
      const b = breakerOf(r);
      running.set(r.id, (running.get(r.id) ?? 0) + 1);
      try {
        return await b.fire(attempt);
      } catch (err) {
        if (err instanceof Unreachable) return err.result;
        if ((err as { code?: string }).code === "EOPENBREAKER") return "rejected";
        throw err;
      } finally {
        release(r.id);
      }
    },
    state(id) {
      const b = breakers.get(id);
      return !b || b.closed ? "closed" : b.opened ? "open" : "half-open";
    },
    notClosed: () => [...breakers].filter(([, b]) => !b.closed).map(([id]) => id),
    shutdown() {
      clearInterval(rotate);
      gauges.delete(countNotClosed);
      for (const b of breakers.values()) b.shutdown();
      breakers.clear();
    },
  };
}
