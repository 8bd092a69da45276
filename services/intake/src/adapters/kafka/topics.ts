import { lifecycleTopics } from "@kuayu/topics";

/**
 * Intake publishes its events (through the outbox) to the lifecycle topics of a filing's two
 * provinces, and keeps the window's timeline and status of record from its scope's topics (the
 * copies on its windows' provinces' topics only: `ownCopy("window")`).
 */
export const intakeTopics = (scope: "all" | readonly string[]) => lifecycleTopics(scope);

/** The source of intake's events (their `kuayu-event-source` header). */
export const SOURCE = "kuayu.intake";
