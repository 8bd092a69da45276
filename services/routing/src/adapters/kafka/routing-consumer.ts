import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Directory } from "@kuayu/directory";
import { derivedEventId, type ConsumedEvent, type EventProducer } from "@kuayu/kafka";
import type { Logger } from "@kuayu/logger";
import { commonV1, idFromEnum, type intakeEventsV1 } from "@kuayu/proto";
import { FILING_EVENTS, lifecycleTopics, topicsOfFiling } from "@kuayu/topics";
import { isCaseType, type CaseType } from "@kuayu/domain";
import { routeSubmission } from "../../domain/routing-stage.js";

/** Topics the routing stage consumes: its scope's provinces' lifecycle topics (the copies of its windows' provinces only, `ownCopy("window")`). */
export const stageTopics = (scope: "all" | readonly string[]) => lifecycleTopics(scope);
/** The events the routing stage handles (runConsumer `types`: the others are skipped undecoded). */
export const STAGE_EVENT_TYPES: readonly string[] = [FILING_EVENTS.submitted, FILING_EVENTS.correctionSubmitted];

/**
 * The routing stage as a Kafka handler on the lifecycle topic: `filing submitted` / `correction
 * submitted` in, `filing routed` or `routing failed` out, on the filing's two provinces' topics
 * (the window's and the jurisdiction court's); other events are not its business. Stateless and idempotent:
 * the output's event id is derived from the input's, so a redelivery republishes the same event.
 * A release routes the filings of the collaborating courts in its province scope.
 */
export function routingStage(deps: { dir: Directory; producer: EventProducer; scope: "all" | string[]; now: () => Date; log: Logger }) {
  return async (event: ConsumedEvent): Promise<void> => {
    if (!STAGE_EVENT_TYPES.includes(event.meta.type)) return;
    const m = event.message as unknown as intakeEventsV1.FilingSubmitted | intakeEventsV1.CorrectionSubmitted;
    const from = deps.dir.byId(m.collaboratingCourtId);
    if (!from || (deps.scope !== "all" && !deps.scope.includes(from.province))) return;
    const caseTypeId = idFromEnum(commonV1.CaseType, m.caseType);
    const caseType: CaseType | undefined = isCaseType(caseTypeId) ? caseTypeId : undefined;
    const base = { filingId: m.filingId, collaboratingCourtId: m.collaboratingCourtId, jurisdictionCourtId: m.jurisdictionCourtId, round: m.round, drill: m.drill };
    const now = deps.now();
    const outcome = routeSubmission(deps.dir, { ...base, caseType }, now);
    if (outcome.kind === "failed") {
      deps.log.warn({ filing: m.filingId, round: m.round, reasons: outcome.reasons }, "filing could not be routed; sent back to the window");
      await deps.producer.publish(
        topicsOfFiling(from.province, deps.dir.byId(m.jurisdictionCourtId)?.province ?? ""),
        m.filingId,
        { event: { case: "routingFailed", value: { ...base, reasons: outcome.reasons, failedAt: timestampFromDate(now) } } },
        { id: derivedEventId(event.meta.id, "routing-failed") },
      );
      return;
    }
    const [windowTopic, ...jurisdictionTopic] = topicsOfFiling(from.province, outcome.province);
    const routed = {
      ...base,
      caseType: m.caseType,
      province: outcome.province,
      originProvince: outcome.originProvince,
      routedAt: timestampFromDate(now),
      responseDue: timestampFromDate(outcome.responseDue),
      decisionDue: timestampFromDate(outcome.decisionDue),
      deadlinesEstimated: outcome.deadlinesEstimated,
      receiptNumber: m.receiptNumber,
      details: m.details,
      materials: m.materials,
      contact: outcome.contact,
      submittedAt: m.submittedAt,
      correctionNote: "note" in m ? m.note : "",
      jurisdictionCourtCode: outcome.court.code,
      jurisdictionCourtLevel: outcome.court.level,
      jurisdictionCourtKind: outcome.court.kind,
    };
    const id = derivedEventId(event.meta.id, "filing-routed");
    // The copy for the jurisdiction court's province (when it is another): the same event, one id,
    // without the duty contact — that is for the window (whom it calls); nothing on the jurisdiction
    // side reads it. The details stay: the jurisdiction court's inbox is built from them. Both in one
    // request to the broker.
    await deps.producer.sendRecords([
      deps.producer.record(windowTopic!, m.filingId, { event: { case: "filingRouted", value: routed } }, { id }),
      ...jurisdictionTopic.map((t) => deps.producer.record(t, m.filingId, { event: { case: "filingRouted", value: { ...routed, contact: undefined } } }, { id })),
    ]);
  };
}
