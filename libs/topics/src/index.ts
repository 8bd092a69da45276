import type { MessageInitShape } from "@bufbuild/protobuf";
import { defineTopic, type TopicSpec } from "@kuayu/kafka";
import { auditV1, decisionEventsV1, filingEventsV1, intakeEventsV1, routingEventsV1, supervisionEventsV1 } from "@kuayu/proto";

// The filing lifecycle (docs/architecture.md): one topic per province, `kuayu.filing.lifecycle-<NN>.v1`,
// carrying every event of the filings whose window (collaborating court) or jurisdiction court is
// in that province, keyed by filing id on its one partition — so each consumer sees a filing's
// events in order, and a province's release can be allowed to read its own provinces' topics only
// (Kafka ACLs are per topic). An event of a filing whose two courts are in different provinces is
// published to both provinces' topics, with one event id; each service handles it from one side's
// topic only (`ownCopy`). Producers and consumers import the same definitions, so names and types
// cannot drift.

/** The name of a province's lifecycle topic. */
export const lifecycleTopicName = (province: string) => `kuayu.filing.lifecycle-${province}.v1`;

/** The lifecycle topic of a province code (envelope FilingEvent, one event kind per record, one partition). */
export function lifecycleTopic(province: string): TopicSpec<typeof filingEventsV1.FilingEventSchema> {
  const t = LIFECYCLE_TOPICS.get(province);
  if (!t) throw new Error(`unknown province code "${province}"`);
  return t;
}

/** The lifecycle topics of a province scope ("all": every province's). */
export function lifecycleTopics(scope: "all" | readonly string[]): TopicSpec[] {
  return (scope === "all" ? PROVINCE_CODES : scope).map(lifecycleTopic);
}

/** The province of a lifecycle topic (name without the deployment's prefix); undefined for any other topic. */
export function provinceOfTopic(name: string): string | undefined {
  const m = /^kuayu\.filing\.lifecycle-(\d\d)\.v1$/.exec(name);
  return m && LIFECYCLE_TOPICS.has(m[1]!) ? m[1] : undefined;
}

/**
 * The topics an event of a filing goes to: its window's province's and, when that is another one,
 * its jurisdiction court's (before routing knows the jurisdiction: the window's only).
 */
export function topicsOfFiling(windowProvince: string, jurisdictionProvince: string): TopicSpec[] {
  const provinces = [windowProvince, ...(jurisdictionProvince && jurisdictionProvince !== windowProvince ? [jurisdictionProvince] : [])];
  return provinces.map(lifecycleTopic);
}

/** The side of a filing a consumer works for: the window's (intake) or the jurisdiction court's (decision, supervision). */
export type Side = "window" | "jurisdiction";

/**
 * A consumer's filter (runConsumer `filter`): true for the copy of a lifecycle event on the topic of
 * its side's court's province. A release that reads both provinces' topics of a filing sees each
 * event twice and handles it once; a copy whose court is not in the topic's province is never handled.
 */
export function ownCopy(side: Side, courtProvince: (courtId: string) => string | undefined) {
  return (event: { topic: { name: string }; message: unknown }): boolean => {
    const m = event.message as { collaboratingCourtId?: string; jurisdictionCourtId?: string };
    const court = side === "window" ? m.collaboratingCourtId : m.jurisdictionCourtId;
    return !!court && courtProvince(court) === provinceOfTopic(event.topic.name);
  };
}

/**
 * The stream of a lifecycle topic: its province's index in PROVINCE_CODES (what outbox rows and
 * supervision's offsets name, as the partition of the single lifecycle topic did before).
 */
export function lifecycleStream(topicName: string): number {
  const province = provinceOfTopic(topicName);
  if (province === undefined) throw new Error(`"${topicName}" is not a lifecycle topic`);
  return provincePartition(province);
}

/** The streams of the lifecycle topics assigned to a consumer now (the relay's `owned`). */
export function ownedStreams(consumer: { assigned(topic: string): number[] } | undefined, topics: readonly TopicSpec[]): number[] {
  return consumer ? topics.filter((t) => consumer.assigned(t.name).length > 0).map((t) => lifecycleStream(t.name)) : [];
}

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
 * Province codes, each with its lifecycle topic (in this order, their streams): "00" (courts with national jurisdiction)
 * and the 31 provincial-level divisions with a high court (libs/directory PROVINCES; a unit test
 * keeps the two lists equal). Append only: a stream's province must never change.
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

/** A province's index in PROVINCE_CODES (its lifecycle stream). */
export function provincePartition(province: string): number {
  const i = (PROVINCE_CODES as readonly string[]).indexOf(province);
  if (i < 0) throw new Error(`unknown province code "${province}"`);
  return i;
}

const LIFECYCLE_TOPICS = new Map(PROVINCE_CODES.map((p) => [p as string, defineTopic(lifecycleTopicName(p), filingEventsV1.FilingEventSchema, 1)]));

/** Every province's lifecycle topic. */
export const ALL_LIFECYCLE_TOPICS: readonly TopicSpec[] = [...LIFECYCLE_TOPICS.values()];
export * from "./acls.js";
export * from "./signing.js";

// The audit trail (docs/security.md, "Audit trail"): one topic per province code,
// `kuayu.audit.trail-<NN>.v1`, one partition, carrying the records of calls made by courts of that
// province (the acting court's province). Supervision's audit consumer of the province is the only
// writer of its hash chain.

/** The name of a province's audit topic. */
export const auditTopicName = (province: string) => `kuayu.audit.trail-${province}.v1`;

const AUDIT_TOPICS = new Map(PROVINCE_CODES.map((p) => [p as string, defineTopic(auditTopicName(p), auditV1.AuditRecordSchema, 1)]));

/** The audit topic of a province code. */
export function auditTopic(province: string): TopicSpec<typeof auditV1.AuditRecordSchema> {
  const t = AUDIT_TOPICS.get(province);
  if (!t) throw new Error(`unknown province code "${province}"`);
  return t;
}

/** The audit topics of a province scope ("all": every province's). */
export function auditTopics(scope: "all" | readonly string[]): TopicSpec<typeof auditV1.AuditRecordSchema>[] {
  return (scope === "all" ? PROVINCE_CODES : scope).map(auditTopic);
}

/** The province of an audit topic (name without the deployment's prefix); undefined for any other topic. */
export function provinceOfAuditTopic(name: string): string | undefined {
  const m = /^kuayu\.audit\.trail-(\d\d)\.v1$/.exec(name);
  return m && AUDIT_TOPICS.has(m[1]!) ? m[1] : undefined;
}

/** Every province's audit topic. */
export const ALL_AUDIT_TOPICS: readonly TopicSpec[] = [...AUDIT_TOPICS.values()];
