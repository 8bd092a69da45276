// The audit record of a change is written with the change (docs/security.md, "Audit trail"): the
// versioned commit puts the call's record in the version row it inserts, so a change that commits
// has exactly one record and a change that lost its race (or changed nothing) has none; the relay
// then publishes it to the acting court's province's audit topic. On the real store and broker,
// with two "processes" (two sets of versioned documents) racing on one document.
import { fromBinary } from "@bufbuild/protobuf";
import { auditCalls, type AuthContext } from "@kuayu/auth";
import { auditCall } from "@kuayu/grpc";
import { createKafka, createProducer, runConsumer, type EventProducer, type RunningConsumer } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { connectMongo, ensureCollections } from "@kuayu/mongo";
import { startVersionRelay, pendingOf, versionCollections, versionedDocuments, type VersionRelay, type VersionRow } from "@kuayu/outbox";
import { auditV1 } from "@kuayu/proto";
import { auditTopic, auditTopicName } from "@kuayu/topics";
import { assertInfraUp, eventually, infra, uniqueName } from "@kuayu/testkit";

const log = createLogger({ service: "outbox-audit-test", level: "silent" });
const kafka = createKafka({ ...infra.kafka, clientId: "outbox-audit-test", log });
interface Doc {
  _id: string;
  version?: number;
  n: number;
}
const clerk: AuthContext = { user: "u-1", name: "张三", courtId: "t-440103001", roles: ["window-clerk"], province: "44" };
let conn: Awaited<ReturnType<typeof connectMongo>>;
let producer: EventProducer;
let relay: VersionRelay | undefined;
let consumer: RunningConsumer | undefined;

beforeAll(async () => {
  await assertInfraUp();
  conn = await connectMongo({ uri: infra.mongoUri, dbName: uniqueName("outbox_audit_test") });
  await ensureCollections(conn, [{ name: "docs" }, ...versionCollections("docs")]);
  producer = await createProducer(kafka, "kuayu.test");
});
afterAll(async () => {
  await relay?.stop();
  await consumer?.stop();
  await producer?.disconnect();
  await conn?.dropDatabase().catch(() => undefined);
  await conn?.close();
});

it("writes each committed change's record in its version row, none for a lost race or no change, and publishes them", async () => {
  const heads = conn.db!.collection<Doc>("docs");
  const versions = conn.db!.collection<VersionRow>("docs_versions");
  const processes = [0, 1].map(() => versionedDocuments<Doc>(heads, versions, { notFound: (id) => new Error(`no ${id}`) }));
  const id = uniqueName("f");
  expect(await processes[0]!.create({ _id: id, n: 0 })).toBe(true);

  // Ten calls, five in each process, all changing the one document at once.
  const calls = Array.from({ length: 10 }, (_, i) => auditCall(clerk, "/kuayu.intake.v1.FilingIntakeService/UpdateDraft", "intake", { filingId: id, i }));
  await Promise.all(calls.map((call, i) => auditCalls.run(call, () => processes[i % 2]!.change(id, async (d) => ({ head: { ...d, n: d.n + 1 }, outbox: [] })))));
  // A call that changes nothing commits nothing.
  const idle = auditCall(clerk, "/kuayu.intake.v1.FilingIntakeService/UpdateDraft", "intake", { filingId: id });
  await auditCalls.run(idle, () => processes[0]!.change(id, async () => undefined));

  expect(calls.map((c) => c.committed)).toEqual(calls.map(() => 1));
  expect(idle.committed).toBe(0);
  const rows = await versions.find({ doc: id }).sort({ v: 1 }).toArray();
  expect(rows.map((r) => r.v)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  expect((await heads.findOne({ _id: id }))?.n).toBe(10);
  // One record per committed version, on Guangdong's audit topic, naming the change and its actor.
  const records = rows.map((r) => {
    expect(r.outbox.map((e) => e.topic)).toEqual([auditTopicName("44")]);
    const v = r.outbox[0]!.value as unknown;
    const bytes = v instanceof Uint8Array ? v : (v as { buffer: Uint8Array }).buffer;
    return fromBinary(auditV1.AuditRecordSchema, bytes);
  });
  expect(new Set(records.map((r) => r.id)).size).toBe(10);
  for (const r of records) {
    expect(r).toMatchObject({ method: "/kuayu.intake.v1.FilingIntakeService/UpdateDraft", target: id, filingId: id, result: "ok", service: "intake" });
    expect(r.actor).toMatchObject({ user: "u-1", name: "张三", courtId: "t-440103001", province: "44", roles: ["window-clerk"] });
  }

  // The relay publishes them (rows with only a record name no stream: any relay may).
  const seen = new Set<string>();
  consumer = await runConsumer({
    kafka,
    groupId: uniqueName("outbox-audit-test"),
    topics: [auditTopic("44")],
    fromBeginning: true,
    handle: async (e) => void seen.add((e.message as auditV1.AuditRecord).id),
    producer,
    log,
    onFatal: (err) => {
      throw err;
    },
  });
  relay = startVersionRelay({ versions, producer, log, owned: () => [3], sweepMs: 200 });
  await eventually(async () => records.every((r) => seen.has(r.id)), 60_000, "every record on the audit topic");
  await eventually(async () => (await pendingOf(versions).count({ doc: id })) === 0, 30_000, "the rows marked published");
}, 120_000);
