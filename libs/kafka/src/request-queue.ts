/**
 * kafkajs 2.2.4 — its last release — keeps a 1 ms timer running on every broker connection, busy or
 * idle: after each look at its queue of requests waiting to be sent, the queue schedules the next
 * look at `throttledUntil - now`, which is negative when the broker is not throttling, even with
 * nothing waiting (tulios/kafkajs#1556 and #1704; the fix, #1667, was never released). So every
 * connection of every service woke its process a thousand times a second: idle, the five services
 * spent 0.02–0.03 cores each doing nothing (docs/platform.md, "Kafka (`@kuayu/kafka`) and the outbox").
 *
 * This looks again only when something waits or the broker asked for a pause: requests held back
 * are still retried every 10 ms (kafkajs' own interval) and after a pause, as before, and a request
 * that can go at once is sent by `push` itself.
 */
interface RequestQueue {
  pending: unknown[];
  throttledUntil: number;
  scheduleCheckPendingRequests(): void;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs' own module, not exported by its types
const queue = (require("kafkajs/src/network/requestQueue/index.js") as { prototype: RequestQueue }).prototype;
const schedule = queue.scheduleCheckPendingRequests;
if (typeof schedule === "function" && !(schedule as { kuayu?: boolean }).kuayu) {
  const fixed = function (this: RequestQueue) {
    if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
    schedule.call(this);
  };
  queue.scheduleCheckPendingRequests = Object.assign(fixed, { kuayu: true });
}
