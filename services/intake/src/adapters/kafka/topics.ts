import { decisionTopics, intakeTopics, routingTopics } from "@kuayu/topics";

/** Topics intake publishes (through the outbox). */
export const publishedTopics = Object.values(intakeTopics);

/** Every lifecycle topic: intake keeps the window's timeline and status of record from them. */
export const lifecycleTopics = [...publishedTopics, ...Object.values(routingTopics), ...Object.values(decisionTopics)];
