// The audit log (docs/security.md, "Audit trail"), on the real store: the writes of an audited call
// to documents that are not versioned are committed with the call's record (one unique insert),
// applied, and the record handed to the publisher; a call that changes nothing is recorded "no
// change"; a call outside an audit context just writes. When the broker is away after the writes,
// or the writer dies between its commit and its writes, the row stays and the sweeper finishes it:
// the writes are there and the record is published once. An audited create of a versioned document
// commits its first version with its record.
import { fromBinary } from "@bufbuild/protobuf";
import type { mongo } from "mongoose";
import { auditCalls, type AuditEntry, type AuthContext } from "@kuayu/auth";
import { auditCall } from "@kuayu/grpc";
import { createLogger } from "@kuayu/logger";
import { connectMongo, ensureCollections } from "@kuayu/mongo";
import { AUDIT_LOG, auditLog, pendingOf, versionCollections, versionedDocuments, type LoggedWrite, type VersionRow } from "@kuayu/outbox";
import { auditV1 } from "@kuayu/proto";
import { assertInfraUp, infra, uniqueName } from "@kuayu/testkit";

const log = createLogger({ service: "audit-log-test", level: "silent" });
const manager: AuthContext = { user: "u-9", name: "李四", courtId: "c-110105", roles: ["court-system"], province: "11" };
let conn: Awaited<ReturnType<typeof connectMongo>>;
let db: mongo.Db;

beforeAll(async () => {
  await assertInfraUp();
  conn = await connectMongo({ uri: infra.mongoUri, dbName: uniqueName("audit_log_test") });
  await ensureCollections(conn, [{ name: "webhooks" }, { name: AUDIT_LOG }, { name: "docs" }, ...versionCollections("docs")]);
  db = conn.db!;
});
afterAll(async () => {
  await conn?.dropDatabase().catch(() => undefined);
  await conn?.close();
});

const recordOf = (e: AuditEntry) => fromBinary(auditV1.AuditRecordSchema, e.value);
const call = (method: string, req: unknown = {}) => auditCall(manager, `/kuayu.notification.v1.NotificationService/${method}`, "notification", req);
const rows = () => db.collection(AUDIT_LOG).countDocuments({});

it("commits an audited call's writes with its record, applies them and publishes the record; no change is recorded as such", async () => {
  const published: AuditEntry[] = [];
  const writes = auditLog(db, { publish: async (e) => void published.push(e), log });
  const add = call("AddWebhook");
  const [inserted] = await auditCalls.run(add, () =>
    writes.write([{ collection: "webhooks", insertOne: { _id: "w-1", courtId: "c-110105", url: "https://example.org/hook", createdAt: new Date() } }]),
  );
  expect(inserted).toBe(1);
  expect(add.committed).toBe(1);
  expect(await db.collection("webhooks").countDocuments({ _id: "w-1" } as never)).toBe(1);
  const remove = call("RemoveWebhook", { webhookId: "w-missing" });
  expect(await auditCalls.run(remove, () => writes.write([{ collection: "webhooks", deleteOne: { filter: { _id: "w-missing" } } }]))).toEqual([0]);

  expect(published.map(recordOf).map((r) => ({ method: r.method.split("/").pop(), result: r.result, target: r.target, name: r.actor?.name }))).toEqual([
    { method: "AddWebhook", result: "ok", target: "w-1", name: "李四" },
    { method: "RemoveWebhook", result: "no change", target: "w-missing", name: "李四" },
  ]);
  expect(await rows()).toBe(0);

  // Outside a call (a consumer, a worker): written, nothing recorded.
  expect(await writes.write([{ collection: "webhooks", updateOne: { filter: { _id: "w-1" }, set: { url: "https://example.org/other" } } }])).toEqual([1]);
  expect(published).toHaveLength(2);
});

it("finishes a call whose record could not be published, and one whose writer died after its commit: the writes there, each record published once", async () => {
  // The broker is away when the call finishes its writes.
  const away = auditLog(db, { publish: () => Promise.reject(new Error("broker unavailable")), log, graceMs: 0 });
  const marked = call("MarkRead");
  await db.collection("webhooks").insertMany([{ _id: "w-2", read: false } as never, { _id: "w-3", read: false } as never]);
  const many: LoggedWrite = { collection: "webhooks", updateMany: { filter: { _id: { $in: ["w-2", "w-3"] }, read: false }, set: { read: true, at: new Date("2026-12-04T00:00:00Z") } } };
  expect(await auditCalls.run(marked, () => away.write([many]))).toEqual([2]);

  // A writer that dies right after its commit: its writes never reach the store (the commit does).
  const dying = new Proxy(db, {
    get: (target, key) =>
      key === "collection" ? (name: string) => (name === AUDIT_LOG ? target.collection(name) : { insertOne: () => Promise.reject(new Error("the process died")) }) : Reflect.get(target, key),
  });
  const died = auditLog(dying, { publish: () => Promise.reject(new Error("never reached")), log, graceMs: 0 });
  const add = call("AddSubscription");
  await expect(auditCalls.run(add, () => died.write([{ collection: "webhooks", insertOne: { _id: "s-1", channel: "sms", createdAt: new Date() } }]))).rejects.toThrow("the process died");
  expect(add.committed).toBe(1); // so the server publishes no failure record of its own
  expect(await db.collection("webhooks").countDocuments({ _id: "s-1" } as never)).toBe(0);
  expect(await rows()).toBe(2);

  // The sweeper (any replica, later) finishes both.
  const published: AuditEntry[] = [];
  const sweeper = auditLog(db, { publish: async (e) => void published.push(e), log, graceMs: 0 });
  expect(await sweeper.sweep()).toBe(2);
  expect(await sweeper.sweep()).toBe(0);
  expect(await rows()).toBe(0);
  expect(await db.collection("webhooks").countDocuments({ _id: "s-1" } as never)).toBe(1);
  expect(await db.collection("webhooks").countDocuments({ _id: { $in: ["w-2", "w-3"] }, read: true } as never)).toBe(2);
  expect(
    published
      .map(recordOf)
      .map((r) => [r.method.split("/").pop(), r.result])
      .sort(),
  ).toEqual([
    ["AddSubscription", "ok"],
    ["MarkRead", "ok"],
  ]);
});

it("commits an audited create of a versioned document as its first version, with the call's record", async () => {
  interface Doc {
    _id: string;
    version?: number;
    n: number;
  }
  const heads = db.collection<Doc>("docs");
  const versions = db.collection<VersionRow>("docs_versions");
  const docs = versionedDocuments<Doc>(heads, versions, { notFound: (id) => new Error(`no ${id}`) });
  const create = auditCall(manager, "/kuayu.intake.v1.FilingIntakeService/CreateDraft", "intake", {});
  expect(await auditCalls.run(create, () => docs.create({ _id: "d-1", n: 0 }))).toBe(true);
  expect(create.committed).toBe(1);
  const [row] = await versions.find({ doc: "d-1" }).toArray();
  expect(row).toMatchObject({ v: 1, head: { _id: "d-1", n: 0, version: 1 } });
  // Its audit record waits for the relay: the row is marked pending.
  expect(row!.mark).toMatch(/^d-1:0000000001\//);
  expect(await pendingOf(versions).find({ _id: row!.mark! })).toMatchObject([{ doc: "d-1", v: 1 }]);
  expect(fromBinary(auditV1.AuditRecordSchema, Buffer.from((row!.outbox[0]!.value as unknown as mongo.Binary).buffer))).toMatchObject({
    result: "ok",
    target: "d-1",
    method: "/kuayu.intake.v1.FilingIntakeService/CreateDraft",
  });
  expect(await heads.findOne({ _id: "d-1" })).toMatchObject({ n: 0, version: 1 });

  // Again (a retry): nothing made, nothing committed.
  const again = auditCall(manager, "/kuayu.intake.v1.FilingIntakeService/CreateDraft", "intake", {});
  expect(await auditCalls.run(again, () => docs.create({ _id: "d-1", n: 0 }))).toBe(false);
  expect(again.committed).toBe(0);
  // A document an unaudited writer made: an audited create of it makes nothing and leaves no record.
  expect(await docs.create({ _id: "d-2", n: 0 })).toBe(true);
  const late = auditCall(manager, "/kuayu.intake.v1.FilingIntakeService/CreateDraft", "intake", {});
  expect(await auditCalls.run(late, () => docs.create({ _id: "d-2", n: 1 }))).toBe(false);
  expect(late.committed).toBe(0);
  expect(await versions.countDocuments({ doc: "d-2" })).toBe(0);
});
