import type { MessageInitShape } from "@bufbuild/protobuf";
import { defineTopic } from "@kuayu/kafka";
import { decisionEventsV1, filingEventsV1, intakeEventsV1, routingEventsV1, supervisionEventsV1 } from "@kuayu/proto";

// The filing lifecycle (docs/architecture.md): one topic for every event of a filing's life, keyed
// by filing id, on the partition of the jurisdiction court's province — so each consumer sees a
// filing's events in order on one partition, and is the only writer of that filing's state in its
// service. Producers and consumers import the same definitions, so names and types cannot drift.

/** Partitions of the lifecycle topic: one per province code in the directory (32, "00" is the SPC). */
export const PROVINCE_PARTITIONS = 32; // = PROVINCE_CODES.length

/** Topic kuayu.filing.lifecycle.v1: the envelope FilingEvent, one event kind per record. */
export const filingLifecycle = defineTopic("kuayu.filing.lifecycle.v1", filingEventsV1.FilingEventSchema, PROVINCE_PARTITIONS);

/** A lifecycle event to publish: the envelope with its one case set. */
export type FilingEventInit = MessageInitShape<typeof filingEventsV1.FilingEventSchema>;

/** The type names of the lifecycle events (header kuayu-event-type, `ConsumedEvent.meta.type`). */
export const FILING_EVENTS = {
  submitted: intakeEventsV1.FilingSubmittedSchema.typeName,
  correctionSubmitted: intakeEventsV1.CorrectionSubmittedSchema.typeName,
  withdrawn: intakeEventsV1.FilingWithdrawnSchema.typeName,
  routed: routingEventsV1.FilingRoutedSchema.typeName,
  routingFailed: routingEventsV1.RoutingFailedSchema.typeName,
  acknowledged: decisionEventsV1.AcknowledgedSchema.typeName,
  accepted: decisionEventsV1.AcceptedSchema.typeName,
  rejected: decisionEventsV1.RejectedSchema.typeName,
  correctionRequested: decisionEventsV1.CorrectionRequestedSchema.typeName,
  deadlinesChanged: decisionEventsV1.DeadlinesChangedSchema.typeName,
} as const;

export const supervisionTopics = {
  noticePublished: defineTopic("kuayu.supervision.notice-published.v1", supervisionEventsV1.NoticePublishedSchema, 3),
};

/**
 * Province codes in partition order of the lifecycle topic: "00" (courts with national jurisdiction)
 * and the 31 provincial-level divisions with a high court (libs/directory PROVINCES; a unit test
 * keeps the two lists equal). Append only: a partition's province must never change.
 */
export const PROVINCE_CODES = [
  "00",
  "11",
  "12",
  "13",
  "14",
  "15",
  "21",
  "22",
  "23",
  "31",
  "32",
  "33",
  "34",
  "35",
  "36",
  "37",
  "41",
  "42",
  "43",
  "44",
  "45",
  "46",
  "50",
  "51",
  "52",
  "53",
  "54",
  "61",
  "62",
  "63",
  "64",
  "65",
] as const;

/** The partition of the lifecycle topic that carries the filings of a province's jurisdiction courts. */
export function provincePartition(province: string): number {
  const i = (PROVINCE_CODES as readonly string[]).indexOf(province);
  if (i < 0) throw new Error(`unknown province code "${province}"`);
  return i;
}

/** The lifecycle topic's partitions of a province scope ("all": every partition). */
export function partitionsOfScope(scope: "all" | readonly string[]): number[] {
  return scope === "all" ? PROVINCE_CODES.map((_, i) => i) : scope.map(provincePartition);
}
export * from "./acls.js";
export * from "./signing.js";
