// Supervision's SLA metrics as Prometheus scrapes them: a real OpenTelemetry MeterProvider with the
// Prometheus exporter (what @kuayu/telemetry/register starts in the service) on a free port, the
// service on the real broker and store, scripted filings: one answered within 30 working minutes,
// one answered late, one never answered, and a drill that must not count.
import { randomUUID } from "node:crypto";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createKafka, createProducer, type EventProducer } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { connectMongo } from "@kuayu/mongo";
import { commonV1 } from "@kuayu/proto";
import type { FilingEventInit } from "@kuayu/topics";
import { assertInfraUp, eventually, infra, publishLifecycle, testKeys, uniqueName, startMetricsEndpoint, type MetricsEndpoint } from "@kuayu/testkit";
import { testConfig } from "./support";
import { startApp, type App } from "../src/app";

const log = createLogger({ service: "test", level: "silent" });
const cst = (local: string) => new Date(`${local}+08:00`);
let endpoint: MetricsEndpoint;
let app: App;
let db: string;
let events: EventProducer;
const fatal: Error[] = [];

beforeAll(async () => {
  await assertInfraUp();
  endpoint = await startMetricsEndpoint();
  db = uniqueName("supervision_metrics");
  app = await startApp(testConfig(db, testKeys().publicKey), log, (err) => void fatal.push(err));
  events = await createProducer(createKafka({ ...infra.kafka, clientId: "supervision-metrics-test", log }), "kuayu.test");
});
afterAll(async () => {
  await events?.disconnect();
  expect(await app?.stop()).toBe(true);
  expect(fatal).toEqual([]);
  await endpoint?.close();
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: db });
  await conn.dropDatabase();
  await conn.close();
});

/** A Guangdong window's filing for a Beijing court: each event on both provinces' topics, counted once. */
const publish = (filingId: string, event: FilingEventInit["event"], time: Date) => publishLifecycle(events, { window: "44", jurisdiction: "11" }, filingId, event, { time });

/** A filing routed to a Beijing court at `arrivedAt` (response due 30 minutes later), answered at `ackAt`. */
async function filing(arrivedAt: Date, ackAt?: Date, drill = false) {
  const id = randomUUID();
  const base = { filingId: id, collaboratingCourtId: "t-440103001", jurisdictionCourtId: "c-110108", round: 1, drill };
  await publish(
    id,
    {
      case: "filingRouted",
      value: {
        ...base,
        province: "11",
        originProvince: "44",
        caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE,
        receiptNumber: `KY-${id.slice(0, 8)}`,
        routedAt: timestampFromDate(arrivedAt),
        responseDue: timestampFromDate(new Date(arrivedAt.getTime() + 30 * 60_000)),
        decisionDue: timestampFromDate(new Date(arrivedAt.getTime() + 8 * 86400_000)),
      },
    },
    arrivedAt,
  );
  if (ackAt) await publish(id, { case: "acknowledged", value: base }, ackAt);
}

it("counts arrivals, responses within and after 30 working minutes, and overdue filings on /metrics", async () => {
  const beijing = { province: "11" };
  expect(await endpoint.scrape("kuayu_supervision_filings_arrived_total", beijing)).toBeUndefined();
  await filing(cst("2026-04-01T09:00:00"), cst("2026-04-01T09:20:00")); // within 30 minutes
  await filing(cst("2026-04-01T09:00:00"), cst("2026-04-01T09:45:00")); // 45 minutes: a breach
  await filing(cst("2026-04-01T09:00:00")); // never answered: overdue
  await filing(cst("2026-04-01T09:00:00"), cst("2026-04-01T11:00:00"), true); // a drill: not counted
  await eventually(async () => (await endpoint.scrape("kuayu_supervision_responses_total", { ...beijing, within_30_minutes: "false" })) === 1, 30_000, "the late response counted");
  expect(await endpoint.scrape("kuayu_supervision_filings_arrived_total", beijing)).toBe(3);
  expect(await endpoint.scrape("kuayu_supervision_responses_total", { ...beijing, within_30_minutes: "true" })).toBe(1);
  // Response due on 1 April at 09:30 and never given; the two answered ones are past their decision deadline.
  expect(await endpoint.scrape("kuayu_supervision_overdue_filings", { for: "response" })).toBe(1);
  expect(await endpoint.scrape("kuayu_supervision_overdue_filings", { for: "decision" })).toBe(2);
});
