import { defineTopic } from "@kuayu/kafka";
import { decisionEventsV1, intakeEventsV1, routingEventsV1, supervisionEventsV1 } from "@kuayu/proto";

// The filing lifecycle (DESIGN.md §3): one message type per topic, every record keyed by filing id.
// Producers own their topics; consumers import the same definitions, so names and types cannot drift.

/** Partitions of the routed topic: one per province code in the directory (32, "00" is the SPC). */
export const PROVINCE_PARTITIONS = 32; // = PROVINCE_CODES.length

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
  deadlinesChanged: defineTopic("kuayu.decision.deadlines-changed.v1", decisionEventsV1.DeadlinesChangedSchema, 12),
};

export const supervisionTopics = {
  noticePublished: defineTopic("kuayu.supervision.notice-published.v1", supervisionEventsV1.NoticePublishedSchema, 3),
};

/**
 * Province codes in partition order of the routed topic: "00" (courts with national jurisdiction)
 * and the 31 provincial-level divisions with a high court (libs/directory PROVINCES; a unit test
 * keeps the two lists equal). Append only: a partition's province must never change.
 */
export const PROVINCE_CODES = [
  "00", "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
  "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
] as const;

/** The partition of the routed topic that carries a province's filings. */
export function provincePartition(province: string): number {
  const i = (PROVINCE_CODES as readonly string[]).indexOf(province);
  if (i < 0) throw new Error(`unknown province code "${province}"`);
  return i;
}

/** The routed topic's partitions of a province scope ("all": every partition). */
export function partitionsOfScope(scope: "all" | readonly string[]): number[] {
  return scope === "all" ? PROVINCE_CODES.map((_, i) => i) : scope.map(provincePartition);
}
