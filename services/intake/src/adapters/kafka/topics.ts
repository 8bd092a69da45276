import { defineTopic } from "@kuayu/kafka";
import { intakeEventsV1 } from "@kuayu/proto";

/** Topics intake publishes. */
export const filingSubmitted = defineTopic("kuayu.intake.filing-submitted.v1", intakeEventsV1.FilingSubmittedSchema, 12);

/** Lifecycle topics whose events make up the window's timeline. */
export const timelineTopics = [filingSubmitted];
