// The lifecycle consumer's batches on the real store: a redelivered batch — after a crash, starting
// earlier or ending later than the first delivery — writes no notification, document or facts twice;
// reminders kept in the facts fire once when due and end with the response.
import { randomUUID } from "node:crypto";
import { create, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ConsumedEvent } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { connectMongo, createLocks, ensureCollections } from "@kuayu/mongo";
import { commonV1, decisionEventsV1, intakeEventsV1, intakeV1, routingEventsV1 } from "@kuayu/proto";
import { filingLifecycle } from "@kuayu/topics";
import { assertInfraUp, infra, uniqueName } from "@kuayu/testkit";
import type { Connection } from "mongoose";
import { lifecycleConsumer } from "../src/adapters/consumer";
import { documentRecord } from "../src/adapters/documents";
import { createNotifier } from "../src/adapters/notifier";
import { COLLECTIONS, openStore, type Store } from "../src/adapters/store";
import { loadTargets, type Targets } from "../src/adapters/targets";
import { startReminderWorker } from "../src/adapters/workers";

const log = createLogger({ service: "test", level: "silent" });
const COURT = "c-110105";
const WINDOW = "t-440103001";
let conn: Connection;
let store: Store;
let targets: Targets;

beforeAll(async () => {
  await assertInfraUp();
  conn = await connectMongo({ uri: infra.mongoUri, dbName: uniqueName("notification_batch") });
  await ensureCollections(conn, COLLECTIONS);
  store = openStore(conn, createLocks(conn));
  targets = await loadTargets(store, log);
});
afterAll(async () => {
  targets?.stop();
  await conn?.dropDatabase();
  await conn?.close();
});

const notifier = () =>
  createNotifier(
    store,
    (id) => id,
    () => undefined,
    () => undefined,
    log,
  );
/** A consumer as a freshly started process has it: nothing cached. */
const consumer = () =>
  lifecycleConsumer({ store, targets, notifier: notifier(), inScope: () => true, documentRecord: (f, k, r) => documentRecord(f, k, r, (id) => id), workingHours: () => undefined, log });

let offset = 0;
function event<S extends DescMessage>(schema: S, value: MessageInitShape<S>, time = new Date()): ConsumedEvent {
  const message = create(schema, value);
  const filingId = (message as unknown as { filingId: string }).filingId;
  return { topic: filingLifecycle, key: filingId, message, schema, meta: { id: randomUUID(), type: schema.typeName, source: "test", time }, partition: 0, offset: String(offset++) };
}

function life(routedAt = new Date()) {
  const filingId = randomUUID();
  const base = { filingId, collaboratingCourtId: WINDOW, jurisdictionCourtId: COURT, round: 1, drill: true };
  return {
    filingId,
    submitted: event(intakeEventsV1.FilingSubmittedSchema, {
      ...base,
      caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE,
      receiptNumber: `KY-${WINDOW}-20261203-000001`,
      submittedAt: timestampFromDate(routedAt),
      details: { parties: [{ role: intakeV1.PartyRole.PLAINTIFF, identity: { case: "person", value: { name: "张三（演练）", residentId: "11010519491231002X" } }, address: "广州" }] },
      materials: [{ materialId: "m1", kind: "complaint", fileName: "起诉状.pdf", sha256: "a".repeat(64), sizeBytes: 10n }],
    }),
    routed: event(routingEventsV1.FilingRoutedSchema, { ...base, province: "11", originProvince: "44", routedAt: timestampFromDate(routedAt) }),
    acknowledged: event(decisionEventsV1.AcknowledgedSchema, base),
    accepted: event(decisionEventsV1.AcceptedSchema, { ...base, caseNumber: "（2026）京0105民初1号" }),
  };
}

const counts = async () => ({
  notifications: await store.notifications.countDocuments({}),
  documents: await store.documents.countDocuments({}),
  filings: await store.filings.countDocuments({}),
});
/** Events the consumer sent to the dead-letter topic (none of these tests' events must go there). */
const deadLettered: string[] = [];
const batch = {
  topic: filingLifecycle.name,
  partition: 0,
  heartbeat: async () => undefined,
  deadLetter: async (e: { meta: { id: string } }) => void deadLettered.push(e.meta.id),
};
afterEach(() => expect(deadLettered).toEqual([]));

it("writes nothing twice when a batch is redelivered, starting earlier or ending later", async () => {
  const a = life();
  const b = life();
  const first = consumer();
  await first.handleBatch([a.submitted, a.routed, b.submitted], batch);
  await first.handleBatch([b.routed, a.acknowledged, a.accepted], batch);
  const once = await counts();
  // A routed (specialist), acknowledged and accepted (window); B routed; a next-opening hint each
  // when the court is closed now.
  expect(once.notifications).toBeGreaterThanOrEqual(4);
  expect(once.documents).toBe(3); // two receipts, one acceptance notice
  expect(once.filings).toBe(2);
  expect(await store.documents.countDocuments({ filingId: a.filingId, kind: "acceptance-notice" })).toBe(1);

  // The process died before committing: the next one gets the events again, in other batches.
  const second = consumer();
  await second.handleBatch([a.routed, b.submitted, b.routed, a.acknowledged], batch);
  await second.handleBatch([a.accepted], batch);
  const third = consumer();
  await third.handleBatch([a.submitted, a.routed, b.submitted, b.routed, a.acknowledged, a.accepted], batch);
  expect(await counts()).toEqual(once);
  // The facts are where the events left them: A answered, B still waiting.
  expect(await store.filings.findOne({ _id: a.filingId })).toMatchObject({ waiting: false, acknowledgedAt: expect.any(Date) });
  expect(await store.filings.findOne({ _id: b.filingId })).toMatchObject({ waiting: true, round: 1, receiptNumber: `KY-${WINDOW}-20261203-000001` });
});

it("fires a round's reminders once when due, and ends them with the response", async () => {
  const twoWeeksAgo = new Date(Date.now() - 14 * 24 * 3600_000);
  const late = life(twoWeeksAgo);
  const fresh = life();
  const c = consumer();
  await c.handleBatch([late.submitted, late.routed, fresh.submitted, fresh.routed], batch);
  const reminders = (filingId: string) => store.notifications.find({ filingId, kind: { $in: ["reminder", "escalation"] } }).toArray();

  const worker = startReminderWorker(store, notifier(), log, 3600_000);
  try {
    await worker.runOnce();
    expect((await reminders(late.filingId)).map((n) => n.kind).sort()).toEqual(["escalation", "reminder"]);
    expect(await reminders(fresh.filingId)).toEqual([]); // not due yet
    expect(await worker.runOnce()).toBe(0); // sent already: not tried again
  } finally {
    await worker.stop();
  }
  // After a restart the worker tries once more; the inserts find them done.
  const restarted = startReminderWorker(store, notifier(), log, 3600_000);
  try {
    await restarted.runOnce();
    expect(await reminders(late.filingId)).toHaveLength(2);

    // The court responds: the facts' write of that batch ends the round's reminders.
    await c.handleBatch([late.acknowledged], batch);
    expect(await store.filings.findOne({ _id: late.filingId })).toMatchObject({ waiting: false });
    const waiting = (await store.filings.find({ waiting: true }).toArray()).map((f) => f._id);
    expect(waiting).toContain(fresh.filingId);
    expect(waiting).not.toContain(late.filingId);
    expect(await restarted.runOnce()).toBe(0);
    expect(await reminders(late.filingId)).toHaveLength(2);
  } finally {
    await restarted.stop();
  }
});

it("goes on past an event whose document cannot be issued: the rest of the batch is written", async () => {
  const filingId = randomUUID();
  const base = { filingId, collaboratingCourtId: WINDOW, jurisdictionCourtId: COURT, round: 1, drill: true };
  // Published without the parties a receipt must show.
  const submitted = event(intakeEventsV1.FilingSubmittedSchema, { ...base, caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE, receiptNumber: `KY-${WINDOW}-20261203-000002` });
  const routed = event(routingEventsV1.FilingRoutedSchema, { ...base, province: "11", originProvince: "44", routedAt: timestampFromDate(new Date()) });
  await consumer().handleBatch([submitted, routed], batch);
  expect(await store.documents.countDocuments({ filingId })).toBe(0);
  expect(await store.notifications.countDocuments({ filingId, kind: routingEventsV1.FilingRoutedSchema.typeName })).toBe(1);
  expect(await store.filings.findOne({ _id: filingId })).toMatchObject({ waiting: true, lastEventType: routingEventsV1.FilingRoutedSchema.typeName });
});
