import { filingLifecycle } from "@kuayu/topics";

/** Intake publishes its events (through the outbox) to the filing lifecycle and keeps the window's timeline and status of record from it. */
export const lifecycleTopics = [filingLifecycle];

/** The source of intake's events (their `kuayu-event-source` header). */
export const SOURCE = "kuayu.intake";
