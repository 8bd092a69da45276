// The lifecycle consumer's batches on the real store: a redelivered batch — after a crash, starting
// earlier or ending later than the first delivery — writes no notification, document or facts twice;
// reminders kept in the facts fire once when due and end with the response.
import { fieldCryptFromEnv } from "@kuayu/fieldcrypt";
import { randomUUID } from "node:crypto";
import { create, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ConsumedEvent } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { connectMongo, ensureCollections } from "@kuayu/mongo";
import { commonV1, decisionEventsV1, intakeEventsV1, intakeV1, routingEventsV1 } from "@kuayu/proto";
import { lifecycleTopic } from "@kuayu/topics";
import { loadDirectory } from "@kuayu/directory";
import { assertInfraUp, infra, uniqueName } from "@kuayu/testkit";
import type { Connection } from "mongoose";
import { lifecycleConsumer } from "../src/adapters/consumer";
import { documentRecord } from "../src/adapters/documents";
import { createNotifier } from "../src/adapters/notifier";
import { COLLECTIONS, insertAll, openStore, type DeliveryDoc, type NotificationDoc, type Store } from "../src/adapters/store";
import { loadTargets, type Targets } from "../src/adapters/targets";
import { startDeliveryWorker, startReminderWorker } from "../src/adapters/workers";

const log = createLogger({ service: "test", level: "silent" });
const dir = loadDirectory();
const COURT = "c-110105";
const WINDOW = "t-440103001";
let conn: Connection;
let store: Store;
let targets: Targets;

beforeAll(async () => {
  await assertInfraUp();
  conn = await connectMongo({ uri: infra.mongoUri, dbName: uniqueName("notification_batch") });
  await ensureCollections(conn, COLLECTIONS);
  store = openStore(conn, await fieldCryptFromEnv(conn.db!));
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
  lifecycleConsumer({
    store,
    targets,
    notifier: notifier(),
    inScope: () => true,
    courtProvince: (id) => dir.byId(id)?.province,
    documentRecord: (f, k, r) => documentRecord(f, k, r, (id) => id),
    workingHours: () => undefined,
    log,
  });

let offset = 0;
function event<S extends DescMessage>(schema: S, value: MessageInitShape<S>, time = new Date()): ConsumedEvent {
  const message = create(schema, value);
  const filingId = (message as unknown as { filingId: string }).filingId;
  return { topic: lifecycleTopic("11"), key: filingId, message, schema, meta: { id: randomUUID(), type: schema.typeName, source: "test", time }, partition: 0, offset: String(offset++) };
}

function life(routedAt = new Date(), window = WINDOW) {
  const filingId = randomUUID();
  const base = { filingId, collaboratingCourtId: window, jurisdictionCourtId: COURT, round: 1, drill: true };
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
const batchOn = (province: string) => ({
  topic: lifecycleTopic(province).name,
  partition: 0,
  heartbeat: async () => undefined,
  deadLetter: async (e: { meta: { id: string } }) => void deadLettered.push(e.meta.id),
});
afterEach(() => expect(deadLettered).toEqual([]));
/**
 * A fetch as a release of scope "all" gets it: the window's (Guangdong's) copy and the court's
 * (Beijing's), each on its topic, handled at once.
 */
const both = (c: ReturnType<typeof consumer>, events: ConsumedEvent[]) => Promise.all(["44", "11"].map((p) => c.handleBatch(events, batchOn(p))));

it("writes nothing twice when a batch is redelivered, starting earlier or ending later", async () => {
  const a = life();
  const b = life();
  const first = consumer();
  await both(first, [a.submitted, a.routed, b.submitted]);
  await both(first, [b.routed, a.acknowledged, a.accepted]);
  const once = await counts();
  // A routed (specialist), acknowledged and accepted (window); B routed; a next-opening hint each
  // when the court is closed now.
  expect(once.notifications).toBeGreaterThanOrEqual(4);
  expect(once.documents).toBe(3); // two receipts, one acceptance notice
  expect(once.filings).toBe(4); // each filing's facts of each copy
  expect(await store.documents.countDocuments({ filingId: a.filingId, kind: "acceptance-notice" })).toBe(1);

  // The process died before committing: the next one gets the events again, in other batches.
  const second = consumer();
  await both(second, [a.routed, b.submitted, b.routed, a.acknowledged]);
  await both(second, [a.accepted]);
  const third = consumer();
  await both(third, [a.submitted, a.routed, b.submitted, b.routed, a.acknowledged, a.accepted]);
  expect(await counts()).toEqual(once);
  // The facts are where the events left them: A answered, B still waiting (the court's copy keeps the reminders).
  expect(await store.filings.findOne({ _id: `${a.filingId}@11` })).toMatchObject({ waiting: false, acknowledgedAt: expect.any(Date) });
  expect(await store.filings.findOne({ _id: `${b.filingId}@11` })).toMatchObject({ waiting: true, round: 1, receiptNumber: `KY-${WINDOW}-20261203-000001` });
  expect(await store.filings.findOne({ _id: `${b.filingId}@44` })).toMatchObject({ waiting: false, reminders: [], round: 1 });
});

it("fires a round's reminders once when due, and ends them with the response", async () => {
  const twoWeeksAgo = new Date(Date.now() - 14 * 24 * 3600_000);
  const late = life(twoWeeksAgo);
  const fresh = life();
  const c = consumer();
  await both(c, [late.submitted, late.routed, fresh.submitted, fresh.routed]);
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
    await both(c, [late.acknowledged]);
    expect(await store.filings.findOne({ _id: `${late.filingId}@11` })).toMatchObject({ waiting: false });
    const waiting = (await store.filings.find({ waiting: true }).toArray()).map((f) => f._id);
    expect(waiting).toContain(`${fresh.filingId}@11`);
    expect(waiting).not.toContain(`${late.filingId}@11`);
    expect(waiting).not.toContain(`${fresh.filingId}@44`); // the window's copy has no reminders
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
  await both(consumer(), [submitted, routed]);
  expect(await store.documents.countDocuments({ filingId })).toBe(0);
  expect(await store.notifications.countDocuments({ filingId, kind: routingEventsV1.FilingRoutedSchema.typeName })).toBe(1);
  expect(await store.filings.findOne({ _id: `${filingId}@11` })).toMatchObject({ waiting: true, lastEventType: routingEventsV1.FilingRoutedSchema.typeName });
});

it("serves both courts from one copy when they are in one province, and takes up the facts an earlier release kept", async () => {
  const routedAt = new Date(Date.now() - 14 * 24 * 3600_000);
  const f = life(routedAt, "c-110101"); // a Beijing window's filing for a Beijing court
  await consumer().handleBatch([f.submitted], batchOn("11"));
  // As the release before the per-province topics kept them: under the filing id, awaiting the response.
  const kept = (await store.filings.findOne({ _id: `${f.filingId}@11` }))!;
  await store.filings.deleteOne({ _id: kept._id });
  const reminders = [{ id: `${f.filingId}:1:reminder`, filingId: f.filingId, round: 1, kind: "reminder" as const, dueAt: routedAt }];
  await store.filings.insertOne({ ...kept, _id: f.filingId, routedAt, reminders, waiting: true, remindAt: routedAt });

  await consumer().handleBatch([f.acknowledged, f.accepted], batchOn("11"));
  // The one copy told the window of both events and issued both documents.
  const told = (await store.notifications.find({ filingId: f.filingId }).toArray()).map((n) => `${n.courtId}:${n.kind}`);
  expect(told.sort()).toEqual([`c-110101:${decisionEventsV1.AcceptedSchema.typeName}`, `c-110101:${decisionEventsV1.AcknowledgedSchema.typeName}`].sort());
  expect((await store.documents.find({ filingId: f.filingId }).toArray()).map((d) => d.kind).sort()).toEqual(["acceptance-notice", "receipt"]);
  // The old facts were taken up (the receipt number, the round) and their reminders ended.
  expect(await store.filings.findOne({ _id: `${f.filingId}@11` })).toMatchObject({ receiptNumber: `KY-${WINDOW}-20261203-000001`, round: 1, waiting: false });
  expect(await store.filings.findOne({ _id: f.filingId })).toMatchObject({ waiting: false });
});

it("works only the deliveries of the courts whose province's topic it owns, past pages of other members' deliveries", async () => {
  // One subscription each for a Beijing and a Guangdong court; 250 Guangdong e-mails queued first.
  const bj = { _id: `s-${randomUUID()}`, courtId: COURT, channel: "email" as const, address: "bj@example.test", eventTypes: [], createdAt: new Date() };
  const gd = { _id: `s-${randomUUID()}`, courtId: WINDOW, channel: "email" as const, address: "gd@example.test", eventTypes: [], createdAt: new Date() };
  await store.subscriptions.insertMany([bj, gd]);
  const due = new Date(Date.now() - 1000);
  const mail = (s: typeof bj, i: number, order: Date): DeliveryDoc => ({
    _id: `e-${randomUUID()}:${s._id}`,
    channel: "email",
    targetId: s._id,
    courtId: s.courtId,
    filingId: `f-${s.courtId}-${i}`,
    eventId: `e-${i}`,
    eventType: "kuayu.intake.v1.FilingSubmitted",
    order,
    rank: 0,
    payload: { subject: "s", text: String(i) },
    status: "pending",
    attempts: 0,
    lastError: "",
    createdAt: due,
    nextAttemptAt: due,
  });
  await store.deliveries.insertMany([
    ...Array.from({ length: 250 }, (_, i) => mail(gd, i, new Date(Date.UTC(2026, 0, 1, 0, 0, i)))),
    ...Array.from({ length: 3 }, (_, i) => mail(bj, i, new Date(Date.UTC(2026, 0, 2, 0, 0, i)))),
  ]);
  const sendsOf = (province: string) => {
    const sent: string[] = [];
    const worker = startDeliveryWorker(
      store,
      { email: async (to) => void sent.push(to), webhookTimeoutMs: 1000, webhookPolicy: { allowLoopback: true, allowCidrs: [] } },
      log,
      3600_000,
      1000,
      (courtId) => dir.byId(courtId)?.province === province,
      { concurrency: 8, perReceiver: 8, breakerResetMs: 30_000 },
    );
    return { sent, worker };
  };
  const beijing = sendsOf("11");
  await beijing.worker.runOnce();
  await beijing.worker.stop();
  // Beijing's member found its three behind 250 others and sent them; it touched no Guangdong one.
  expect(beijing.sent).toEqual(["bj@example.test", "bj@example.test", "bj@example.test"]);
  expect(await store.deliveries.countDocuments({ targetId: bj._id, status: "delivered" })).toBe(3);
  expect(await store.deliveries.countDocuments({ targetId: gd._id, status: "delivered" })).toBe(0);
  const guangdong = sendsOf("44");
  await guangdong.worker.runOnce();
  await guangdong.worker.stop();
  expect(guangdong.sent.length).toBeGreaterThan(0);
  expect(new Set(guangdong.sent)).toEqual(new Set(["gd@example.test"]));
  expect(await store.deliveries.countDocuments({ targetId: gd._id, status: "delivered" })).toBe(guangdong.sent.length);
});

it("writes the inserts into a collection that arrive while one is under way in one insert, each told whether it inserted", async () => {
  let inserts = 0;
  const count = (e: { commandName: string; command: { insert?: unknown } }) => {
    if (e.commandName === "insert" && e.command.insert === "notifications") inserts++;
  };
  const doc = (id: string): NotificationDoc => ({ _id: id, courtId: "c-110105", role: "filing-specialist", filingId: "f", kind: "k", title: "t", body: "b", createdAt: new Date(), read: false });
  const run = uniqueName("g");
  await insertAll(store.notifications, [doc(`${run}-0`)]);
  conn.getClient().on("commandStarted", count);
  try {
    // Ten batches at once (the topics of a fetch), one of them a redelivery of what is stored already.
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => insertAll(store.notifications, [doc(`${run}-${i}`), doc(`${run}-${i}-b`)])));
    expect(results.map((r) => r.length)).toEqual([1, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    expect(inserts).toBeLessThanOrEqual(2);
  } finally {
    conn.getClient().off("commandStarted", count);
  }
  expect(await store.notifications.countDocuments({ _id: { $regex: `^${run}-` } })).toBe(20);
});
