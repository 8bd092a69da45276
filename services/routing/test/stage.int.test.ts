// The routing stage on the real broker: submitted filings on the lifecycle topics become routed ones
// on the topics of the filing's two provinces (the window's and the jurisdiction court's), bad
// routes go back as `routing failed` there too, redeliveries repeat the same event id, a release
// that reads both provinces' topics routes a filing once (from its window's copy), and a province
// release routes only its own windows' filings.
import { randomUUID } from "node:crypto";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createKafka, createProducer, decodeEvent, headerMap, type EventProducer } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { commonV1, type routingEventsV1 } from "@kuayu/proto";
import { ALL_LIFECYCLE_TOPICS, FILING_EVENTS, lifecycleTopic, provinceOfTopic, topicsOfFiling, type FilingEventInit } from "@kuayu/topics";
import { assertInfraUp, eventually, infra, testKeys, uniqueName } from "@kuayu/testkit";
import type { Consumer } from "kafkajs";
import { readConfig } from "../src/config";
import { startApp, type App } from "../src/app";

const log = createLogger({ service: "test", level: (process.env.TEST_LOG_LEVEL ?? "silent") as "silent" });
const keys = testKeys();
let all: App, guangdongOnly: App;
let intake: EventProducer;
let collector: Consumer;
const got: { type: string; province: string; key: string; id: string; value: Buffer; headers: Record<string, string> }[] = [];
const start = (scope: string) =>
  startApp(
    readConfig({
      GRPC_PORT: "0",
      GRPC_HOST: "127.0.0.1",
      JWT_PUBLIC_KEY: keys.publicKey,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
      ...infra.kafkaEnv,
      KAFKA_GROUP_ID: uniqueName("routing"),
      KAFKA_FROM_BEGINNING: "false",
      PROVINCE_SCOPE: scope,
    }),
    log,
    (err) => {
      throw err;
    },
  );

beforeAll(async () => {
  await assertInfraUp();
  [all, guangdongOnly] = await Promise.all([start("all"), start("44")]);
  const kafka = createKafka({ ...infra.kafka, clientId: "routing-test", log });
  intake = await createProducer(kafka, "kuayu.intake");
  collector = kafka.consumer({ groupId: uniqueName("routed-collector") });
  await collector.connect();
  await collector.subscribe({ topics: ALL_LIFECYCLE_TOPICS.map((t) => t.name), fromBeginning: true });
  await collector.run({
    eachMessage: async ({ topic, message }) => {
      const headers = headerMap(message.headers);
      const type = headers["kuayu-event-type"]!;
      // The stage's output only: the lifecycle topic carries the test's submissions too.
      if (type !== FILING_EVENTS.routed && type !== FILING_EVENTS.routingFailed) return;
      got.push({ type, province: provinceOfTopic(topic)!, key: message.key!.toString(), id: headers["kuayu-event-id"]!, value: message.value!, headers });
    },
  });
});
afterAll(async () => {
  await collector?.disconnect();
  await intake?.disconnect();
  expect(await all?.stop()).toBe(true);
  expect(await guangdongOnly?.stop()).toBe(true);
});

const submitted = (filingId: string, over: Record<string, unknown> = {}) => ({
  filingId,
  collaboratingCourtId: "t-440103001",
  jurisdictionCourtId: "c-110105",
  caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE,
  round: 1,
  receiptNumber: "KY-t-440103001-20261128-000001",
  submittedAt: timestampFromDate(new Date()),
  details: { claims: "支付货款", jurisdictionCourtId: "c-110105" },
  materials: [{ materialId: "m1", kind: "complaint", sha256: "a".repeat(64), sizeBytes: 10n }],
  ...over,
});
const routed = (key: string) => got.filter((g) => g.key === key && g.type === FILING_EVENTS.routed);
/** Publishes a window's event as intake does: on the window's and the jurisdiction court's province topics, one event id. */
const fromWindow = (filingId: string, event: FilingEventInit["event"], window: string, jurisdiction: string) => intake.publish(topicsOfFiling(window, jurisdiction), filingId, { event });
const provinces = (records: { province: string }[]) => records.map((r) => r.province).sort();
const settle = () => new Promise((res) => setTimeout(res, 2000));

it("routes a Guangdong tribunal's filing to Beijing with deadlines, contact and the filing's data, on both provinces' topics", async () => {
  const id = randomUUID();
  await fromWindow(id, { case: "filingSubmitted", value: submitted(id) }, "44", "11");
  // Both releases cover Guangdong's windows: each routes the filing once (from topic 44's copy; the
  // "all" release passes over topic 11's) and publishes it to both topics, all with one event id.
  await eventually(async () => (routed(id).length >= 4 ? true : undefined), 30_000, "four routed records");
  await settle();
  expect(provinces(routed(id))).toEqual(["11", "11", "44", "44"]);
  expect(new Set(routed(id).map((r) => r.id)).size).toBe(1);
  const first = routed(id).find((r) => r.province === "11");
  const decoded = decodeEvent(lifecycleTopic(first!.province), first!.value, first!.headers);
  expect(decoded.meta.type).toBe(FILING_EVENTS.routed);
  const m = decoded.message as unknown as routingEventsV1.FilingRouted;
  expect(m).toMatchObject({ filingId: id, province: "11", originProvince: "44", round: 1, receiptNumber: "KY-t-440103001-20261128-000001" });
  expect(m).toMatchObject({ jurisdictionCourtCode: "京0105", jurisdictionCourtLevel: "basic", jurisdictionCourtKind: "basic" });
  expect(m.details!.claims).toBe("支付货款");
  expect(m.materials.map((x) => x.materialId)).toEqual(["m1"]);
  expect(m.responseDue!.seconds).toBeGreaterThan(m.routedAt!.seconds);
  // The duty contact is the window's: on Guangdong's copy, not on Beijing's.
  const copies = routed(id).map((r) => [r.province, (decodeEvent(lifecycleTopic(r.province), r.value, r.headers).message as unknown as routingEventsV1.FilingRouted).contact?.name ?? ""] as const);
  expect(copies.filter(([p]) => p === "44").every(([, name]) => name.length > 0)).toBe(true);
  expect(copies.filter(([p]) => p === "11").map(([, name]) => name)).toEqual(["", ""]);
  expect(m.decisionDue!.seconds).toBeGreaterThan(m.responseDue!.seconds);
});

it("sends a filing whose route fails back to the window with the reasons", async () => {
  const id = randomUUID();
  // A tribunal as the "jurisdiction court": intake would have refused the route; its province is Beijing's.
  await fromWindow(id, { case: "filingSubmitted", value: submitted(id, { jurisdictionCourtId: "t-110101001" }) }, "44", "11");
  const failures = () => got.filter((g) => g.key === id && g.type === FILING_EVENTS.routingFailed);
  await eventually(async () => (failures().length >= 4 ? true : undefined), 30_000, "routing failed");
  expect(provinces(failures())).toEqual(["11", "11", "44", "44"]); // back to the window, and to the court named
  const failed = failures()[0]!;
  const decoded = decodeEvent(lifecycleTopic(failed.province), failed.value, failed.headers);
  expect(decoded.meta.type).toBe(FILING_EVENTS.routingFailed);
  const m = decoded.message as unknown as routingEventsV1.RoutingFailed;
  expect(m.reasons.join()).toMatch(/t-110101001/);
  expect(routed(id)).toHaveLength(0);
});

it("routes corrections as a new round, and leaves Beijing windows' filings to Beijing's release", async () => {
  const id = randomUUID();
  await fromWindow(id, { case: "correctionSubmitted", value: { ...submitted(id, { collaboratingCourtId: "c-110101", jurisdictionCourtId: "c-440103" }), round: 2, note: "已补正" } }, "11", "44");
  const [r] = await eventually(async () => (routed(id).length > 0 ? routed(id) : undefined), 30_000, "the routed correction");
  const m = decodeEvent(lifecycleTopic(r!.province), r!.value, r!.headers).message as unknown as routingEventsV1.FilingRouted;
  expect(m).toMatchObject({ round: 2, province: "44", originProvince: "11", correctionNote: "已补正" });
  await settle();
  // Only the "all" release took it (from topic 11): the Guangdong release reads topic 44's copy and leaves a Beijing window's filing alone.
  expect(provinces(routed(id))).toEqual(["11", "44"]);
});
