// Signed events against an attacker holding one service's broker credentials (real broker, real
// store): intake's Kafka user may write the lifecycle topic, so it can put an `Accepted` with any
// case number there. Intake, verifying against the release's event keys, dead-letters it — signed
// with intake's key, unsigned, or signed with a key nobody published — and the filing is
// unchanged; decision's genuine event after them is applied.
import { createKafka, createProducer, headerMap, SIGNATURE_HEADERS, type EventProducer } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { intakeV1 } from "@kuayu/proto";
import { FILING_EVENTS, lifecycleTopic, topicsOfFiling, type FilingEventInit } from "@kuayu/topics";
import { assertInfraUp, eventually, infra, kafkaUser, testEventKeys, uniqueName, type TestEventKeys } from "@kuayu/testkit";
import type { Consumer } from "kafkajs";
import { BEIJING_CHAOYANG, TRIBUNAL, readyDraft, startHarness, type Harness, type IntakeClient } from "./support";

const log = createLogger({ service: "test", level: "silent" });
let h: Harness;
let keys: TestEventKeys;
let clerk: IntakeClient;
let asIntake: EventProducer; // intake's broker credentials and intake's own key
let unsignedAsIntake: EventProducer; // intake's broker credentials, no key
let stranger: EventProducer; // intake's broker credentials, a key of "decision" that no release published
let decision: EventProducer; // the real decision: its key
let dlq: Consumer;
const deadLetters: { key: string; type: string; error: string; producer?: string }[] = [];

beforeAll(async () => {
  await assertInfraUp();
  keys = await testEventKeys();
  h = await startHarness(keys.env("intake"));
  clerk = await h.client(TRIBUNAL.id, TRIBUNAL.province);
  const intakeKafka = createKafka({ brokers: infra.brokers, sasl: kafkaUser("intake"), clientId: "signed-events-test", log });
  asIntake = await createProducer(intakeKafka, "kuayu.decision", { signer: await keys.signer("intake") });
  unsignedAsIntake = await createProducer(intakeKafka, "kuayu.decision");
  stranger = await createProducer(intakeKafka, "kuayu.decision", { signer: await (await testEventKeys({ producers: ["decision"] })).signer("decision") });
  const admin = createKafka({ ...infra.kafka, clientId: "signed-events-test", log });
  decision = await createProducer(admin, "kuayu.decision", { signer: await keys.signer("decision") });
  dlq = admin.consumer({ groupId: uniqueName("signed-dlq") });
  await dlq.connect();
  // Intake reads the window's (Guangdong's) copy of each event: forgeries are dead-lettered from its topic.
  await dlq.subscribe({ topics: [`${lifecycleTopic(TRIBUNAL.province).name}.dlq`], fromBeginning: true });
  await dlq.run({
    eachMessage: async ({ message }) => {
      const headers = headerMap(message.headers);
      deadLetters.push({ key: message.key?.toString() ?? "", type: headers["kuayu-event-type"] ?? "", error: headers["kuayu-dlq-error"] ?? "", producer: headers[SIGNATURE_HEADERS.producer] });
    },
  });
});
afterAll(async () => {
  await dlq?.disconnect();
  for (const p of [asIntake, unsignedAsIntake, stranger, decision]) await p?.disconnect();
  await h?.close();
});

/** An event of the filing as decision would publish it: to the Beijing court's and the Guangdong window's topics. */
const event = (filingId: string, e: FilingEventInit["event"]) => [topicsOfFiling(BEIJING_CHAOYANG.province, TRIBUNAL.province), filingId, { event: e }] as const;
const accepted = (filingId: string, caseNumber: string): FilingEventInit["event"] => ({
  case: "accepted",
  value: { filingId, collaboratingCourtId: TRIBUNAL.id, jurisdictionCourtId: BEIJING_CHAOYANG.id, round: 1, caseNumber },
});

it("refuses an Accepted forged with another service's broker credentials; the filing is unchanged; decision's own event goes through", async () => {
  const filingId = await readyDraft(clerk);
  await clerk.submitFiling({ filingId, idempotencyKey: `submit-${filingId}` });
  // Intake verifies its own FilingSubmitted too (signed with intake's key): it is in the timeline, not dead-lettered.
  await eventually(async () => (await clerk.getFiling({ filingId })).filing!.timeline.some((t) => t.eventType === FILING_EVENTS.submitted), 30_000, "the submission");

  await asIntake.publish(...event(filingId, accepted(filingId, "（2026）京0105民初91号")));
  await unsignedAsIntake.publish(...event(filingId, accepted(filingId, "（2026）京0105民初92号")));
  await stranger.publish(...event(filingId, accepted(filingId, "（2026）京0105民初93号")));
  // Then decision acknowledges, on the same topics: handled after the three forgeries.
  await decision.publish(...event(filingId, { case: "acknowledged", value: { filingId, collaboratingCourtId: TRIBUNAL.id, jurisdictionCourtId: BEIJING_CHAOYANG.id, round: 1 } }));
  await eventually(async () => (await clerk.getFiling({ filingId })).filing!.timeline.some((t) => t.eventType === FILING_EVENTS.acknowledged), 30_000, "decision's acknowledgement");

  const filing = (await clerk.getFiling({ filingId })).filing!;
  expect(filing.status).not.toBe(intakeV1.FilingStatus.ACCEPTED);
  expect(filing.decision?.caseNumber ?? "").toBe("");
  expect(filing.timeline.map((t) => t.eventType)).not.toContain(FILING_EVENTS.accepted);

  const mine = await eventually(
    async () => {
      const d = deadLetters.filter((l) => l.key === filingId);
      return d.length >= 3 ? d : undefined;
    },
    30_000,
    "the three forgeries in the dead-letter topic",
  );
  expect(mine.map((d) => d.type)).toEqual([FILING_EVENTS.accepted, FILING_EVENTS.accepted, FILING_EVENTS.accepted]);
  expect(mine.map((d) => d.error)).toEqual([
    expect.stringMatching(/must come from decision, it is signed by intake/),
    expect.stringMatching(/is not signed/),
    expect.stringMatching(/signed with an unknown key/),
  ]);
  // A dead letter is kept as it came: intake does not sign it.
  expect(mine.map((d) => d.producer)).toEqual(["intake", undefined, "decision"]);
});
