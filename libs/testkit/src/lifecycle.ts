import { randomUUID } from "node:crypto";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { EventProducer } from "@kuayu/kafka";
import { commonV1 } from "@kuayu/proto";
import { topicsOfFiling, type FilingEventInit } from "@kuayu/topics";

/**
 * Publishes a lifecycle event of a filing as the services do: to the topic of its window's
 * province and, when that is another one, to its jurisdiction court's (`topicsOfFiling`), with one
 * event id on both copies. Returns the event id.
 */
export async function publishLifecycle(
  producer: Pick<EventProducer, "publish">,
  provinces: { window: string; jurisdiction: string },
  filingId: string,
  event: FilingEventInit["event"],
  opts: { time?: Date; id?: string } = {},
): Promise<string> {
  const id = opts.id ?? randomUUID();
  for (const topic of topicsOfFiling(provinces.window, provinces.jurisdiction)) await producer.publish(topic, filingId, { event }, { ...opts, id });
  return id;
}

/**
 * A drill enforcement case from the Guangdong tribunal t-440103001 to Beijing's Chaoyang court
 * (京0105), routed at `now` without materials, as intake publishes its route: for loads that feed
 * the jurisdiction side alone (kill tests, the flow benchmark's ramp).
 */
export function routedEnforcement(filingId: string, now = new Date()): FilingEventInit["event"] {
  const at = (ms: number) => timestampFromDate(new Date(now.getTime() + ms));
  return {
    case: "filingRouted",
    value: {
      filingId,
      collaboratingCourtId: "t-440103001",
      jurisdictionCourtId: "c-110105",
      caseType: commonV1.CaseType.ENFORCEMENT,
      round: 1,
      province: "11",
      originProvince: "44",
      receiptNumber: `KY-drill-${filingId}`,
      submittedAt: at(0),
      routedAt: at(0),
      responseDue: at(30 * 60_000),
      decisionDue: at(7 * 86400_000),
      jurisdictionCourtCode: "京0105",
      jurisdictionCourtLevel: "basic",
      jurisdictionCourtKind: "basic",
      drill: true,
    },
  };
}
