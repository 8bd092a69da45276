import { defineTopic } from "@kuayu/kafka";
import { decisionEventsV1, intakeEventsV1, routingEventsV1 } from "@kuayu/proto";

// The filing lifecycle (DESIGN.md §3): one message type per topic, every record keyed by filing id.
// Producers own their topics; consumers import the same definitions, so names and types cannot drift.

/** Partitions of the routed topic: one per province code in the directory (32, "00" is the SPC). */
export const PROVINCE_PARTITIONS = 32;

export const intakeTopics = {
  filingSubmitted: defineTopic("kuayu.intake.filing-submitted.v1", intakeEventsV1.FilingSubmittedSchema, 12),
  correctionSubmitted: defineTopic("kuayu.intake.correction-submitted.v1", intakeEventsV1.CorrectionSubmittedSchema, 12),
  filingWithdrawn: defineTopic("kuayu.intake.filing-withdrawn.v1", intakeEventsV1.FilingWithdrawnSchema, 12),
};

export const routingTopics = {
  filingRouted: defineTopic("kuayu.routing.filing-routed.v1", routingEventsV1.FilingRoutedSchema, PROVINCE_PARTITIONS),
  routingFailed: defineTopic("kuayu.routing.routing-failed.v1", routingEventsV1.RoutingFailedSchema, 12),
};

export const decisionTopics = {
  acknowledged: defineTopic("kuayu.decision.acknowledged.v1", decisionEventsV1.AcknowledgedSchema, 12),
  accepted: defineTopic("kuayu.decision.accepted.v1", decisionEventsV1.AcceptedSchema, 12),
  rejected: defineTopic("kuayu.decision.rejected.v1", decisionEventsV1.RejectedSchema, 12),
  correctionRequested: defineTopic("kuayu.decision.correction-requested.v1", decisionEventsV1.CorrectionRequestedSchema, 12),
};
