// The audit trail on the real broker and store (docs/security.md, "Audit trail"): calls to the
// service are recorded with their actor and result through the gRPC server, the audit topic and
// supervision's chain writer; a filing's records are shown to its court only; and after records are
// edited, deleted and reordered directly in the store, `verify` (over gRPC and through the CLI) names
// every one of them by seq and record id.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createSigner, type AuthContext, type Role } from "@kuayu/auth";
import { createClient, status, type Client } from "@kuayu/grpc";
import { createKafka, createProducer, type EventProducer } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { connectMongo } from "@kuayu/mongo";
import { supervisionV1 } from "@kuayu/proto";
import { auditTopic, PROVINCE_CODES } from "@kuayu/topics";
import { assertInfraUp, eventually, infra, testKeys, uniqueName } from "@kuayu/testkit";
import type { Connection } from "mongoose";
import { testConfig } from "./support";
import { startApp, type App } from "../src/app";
import { hashOf, type AuditRecord, type ChainEntry } from "../src/domain/audit-chain";
import { auditTrail } from "../src/adapters/audit-trail";

const keys = testKeys();
const log = createLogger({ service: "test", level: "silent" });
const WINDOW = "t-440103001"; // 广州市荔湾区人民法院沙面人民法庭
const OTHER = "c-110108"; // 北京市海淀区人民法院
const HIGH_44 = "c-440000";
const HIGH_11 = "c-110000";
const SPC = "c-spc";
const METHOD = "/kuayu.supervision.v1.SupervisionService";
let app: App;
let db: string;
let conn: Connection;
let producer: EventProducer;
let mint: (courtId: string, province: string, roles: Role[], name?: string) => Promise<string>;
const clients: { close(): void }[] = [];
const fatal: Error[] = [];

beforeAll(async () => {
  await assertInfraUp();
  const signer = await createSigner(keys.privateKey);
  mint = (courtId, province, roles, name) => signer.mint({ user: `u-${courtId}`, courtId, roles, province, ...(name ? { name } : {}) });
  db = uniqueName("supervision_audit_it");
  app = await startApp(testConfig(db, keys.publicKey), log, (err) => void fatal.push(err));
  producer = await createProducer(createKafka({ ...infra.kafka, clientId: "supervision-audit-test", log }), "kuayu.test");
  conn = await connectMongo({ uri: infra.mongoUri, dbName: db });
});
afterAll(async () => {
  clients.forEach((c) => c.close());
  await producer?.disconnect();
  expect(await app?.stop()).toBe(true);
  expect(fatal).toEqual([]);
  await conn?.dropDatabase();
  await conn?.close();
});

const client = async (courtId: string, province: string, roles: Role[], name?: string): Promise<Client<typeof supervisionV1.SupervisionService>> => {
  const c = createClient(supervisionV1.SupervisionService, `127.0.0.1:${app.grpcPort}`, { token: await mint(courtId, province, roles, name), timeoutMs: 30_000 });
  clients.push(c);
  return c;
};
const chain = () => conn.collection<ChainEntry>("audit_chain");
const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => "OK",
    (err: { code?: number }) => status[err.code ?? 2],
  );

it("records calls with their actor, shows a filing's records to its court, and names every edited, deleted and reordered record", async () => {
  const filingId = randomUUID();
  // A name of this run's own: the audit topics are shared, and other suites' calls by the same court
  // (the fuzzing's refused GenerateNotice, say) are chained here too.
  const name = `张三-${filingId.slice(0, 8)}`;
  const clerk = await client(WINDOW, "44", ["window-clerk"], name);

  // A refused call and a call that fails are both recorded, with who made them.
  expect(await codeOf(clerk.generateNotice({ kind: supervisionV1.NoticeKind.DAILY, scope: { level: supervisionV1.ScopeLevel.PROVINCE, id: "44" } }))).toBe("PERMISSION_DENIED");
  const rated = await codeOf(clerk.rateFiling({ filingId, score: 5 }));
  // Other services' records of the same filing (as intake and decision publish them), one of them twice.
  const ids = Array.from({ length: 8 }, () => randomUUID());
  for (const id of [...ids, ids[2]!]) {
    await producer.publish(auditTopic("44"), "44", {
      id,
      actor: { user: "u-clerk", name: "张三", courtId: WINDOW, province: "44", roles: ["window-clerk"] },
      method: "/kuayu.intake.v1.FilingIntakeService/UpdateDraft",
      target: filingId,
      result: "ok",
      traceId: "",
      time: new Date().toISOString(),
      service: "intake",
      filingId,
    });
  }

  const records = await eventually(
    async () => {
      const found = await chain().find({ "record.filingId": filingId }).sort({ seq: 1 }).toArray();
      return found.length >= 9 && found;
    },
    60_000,
    "the filing's records in the chain",
  );
  // The republished record is chained once; seqs follow each other.
  expect(records).toHaveLength(9);
  expect(new Set(records.map((r) => r.record.id)).size).toBe(9);
  for (let i = 1; i < records.length; i++) expect(records[i]!.seq).toBe(records[i - 1]!.seq + 1);
  expect(records[0]!.record).toMatchObject({
    method: `${METHOD}/RateFiling`,
    result: rated === "OK" ? "ok" : `error ${rated}`,
    service: "supervision",
    actor: { user: `u-${WINDOW}`, name, courtId: WINDOW, province: "44", roles: ["window-clerk"] },
  });
  expect(records.map((r) => r.alg)).toEqual(records.map(() => "sha256"));
  const denied = await eventually(() => chain().findOne({ "record.method": `${METHOD}/GenerateNotice`, "record.actor.name": name }), 30_000, "the refused call's record");
  expect(denied!.record.result).toBe("denied");

  // Shown to the filing's court; another court sees none of them.
  const shown = await clerk.showAudit({ filingId });
  expect(shown.records.map((r) => r.record?.id)).toEqual(records.map((r) => r.record.id));
  expect((await (await client(OTHER, "11", ["window-clerk"])).showAudit({ filingId })).records).toEqual([]);

  // The chain is intact; a supervisor of another province may not verify Guangdong's.
  const supervisor = await client(HIGH_44, "44", ["supervisor"]);
  const intact = await supervisor.verifyAudit({ province: "44" });
  expect(intact.problems).toEqual([]);
  expect(Number(intact.checked)).toBeGreaterThanOrEqual(10);
  expect(await codeOf((await client(HIGH_11, "11", ["supervisor"])).verifyAudit({ province: "44" }))).toBe("PERMISSION_DENIED");

  // Tampering directly in the store: edit one record, delete one, swap two.
  const [, edited, , removed, , a, b] = records as [ChainEntry, ChainEntry, ChainEntry, ChainEntry, ChainEntry, ChainEntry, ChainEntry, ...ChainEntry[]];
  await chain().updateOne({ _id: edited._id }, { $set: { "record.result": "denied", "record.actor.name": "李四" } });
  await chain().deleteOne({ _id: removed._id });
  await chain().deleteMany({ _id: { $in: [a._id, b._id] } });
  await chain().insertMany([
    { ...b, _id: a._id, seq: a.seq },
    { ...a, _id: b._id, seq: b.seq },
  ]);
  // The edit left the stored hash as it was: it no longer matches.
  expect(hashOf({ ...edited, record: { ...edited.record, result: "denied", actor: { ...edited.record.actor, name: "李四" } } })).not.toBe(edited.hash);

  const spc = await client(SPC, "00", ["supervisor"]);
  const found = await spc.verifyAudit({ province: "44" });
  const problems = found.problems.map((p) => ({ seq: Number(p.seq), recordId: p.recordId, kind: p.kind }));
  const next = records[7]!;
  expect(problems).toEqual([
    { seq: edited.seq, recordId: edited.record.id, kind: "edited" },
    { seq: removed.seq + 1, recordId: records[4]!.record.id, kind: "deleted" },
    // At a's place now b's record, linking to a's; at b's place a's record; after them the record that linked to b.
    { seq: a.seq, recordId: b.record.id, kind: "reordered" },
    { seq: b.seq, recordId: a.record.id, kind: "reordered" },
    { seq: next.seq, recordId: next.record.id, kind: "reordered" },
  ]);
  expect(found.problems.find((p) => p.kind === "deleted")?.detail).toBe(`seq ${removed.seq} is missing`);

  // A range that holds none of the damage is intact.
  expect((await spc.verifyAudit({ province: "44", fromSeq: BigInt(next.seq + 1) })).problems).toEqual([]);

  // The CLI names them too, and exits 1 (run asynchronously: the service answers from this process).
  const cli = await promisify(execFile)(
    process.execPath,
    [path.resolve(__dirname, "../../../libs/cli/dist/main.js"), "audit", "verify", "--province", "44", "--addr", `127.0.0.1:${app.grpcPort}`, "--token", await mint(HIGH_44, "44", ["supervisor"])],
    { encoding: "utf8", timeout: 60_000 },
  ).then(
    (r) => ({ status: 0, stdout: r.stdout, stderr: r.stderr }),
    (err: { code?: number; stdout: string; stderr: string }) => ({ status: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
  expect(cli).toMatchObject({ status: 1, stderr: "" });
  expect(cli.stdout).toContain("5 problems");
  for (const p of problems) expect(cli.stdout).toMatch(new RegExp(`44\\s+${p.seq}\\s+${p.recordId}\\s+${p.kind}`));
}, 120_000);

it("writes a change with its record: a drill created is chained 'ok' with its creator, and the audit log keeps nothing", async () => {
  const spc = await client(SPC, "00", ["supervisor"], "王督导");
  const now = Date.now();
  const { drill } = await spc.createDrill({
    drill: { name: "审计演练", rounds: 1, courtIds: [WINDOW], startsAt: timestampFromDate(new Date(now - 3600_000)), endsAt: timestampFromDate(new Date(now + 3600_000)) },
  });
  const entry = await eventually(() => chain().findOne({ "record.method": `${METHOD}/CreateDrill`, "record.target": drill!.drillId }), 30_000, "the drill's record");
  expect(entry!.record).toMatchObject({ result: "ok", service: "supervision", actor: { courtId: SPC, name: "王督导", roles: ["supervisor"] } });
  expect(await conn.collection("drills").countDocuments({ _id: drill!.drillId } as never)).toBe(1);
  // A refused create writes nothing and is recorded as refused.
  expect(await codeOf((await client(HIGH_44, "44", ["supervisor"], "赵督导")).createDrill({ drill: { name: "越权", rounds: 1, courtIds: [WINDOW] } }))).toBe("PERMISSION_DENIED");
  const refused = await eventually(() => chain().findOne({ "record.method": `${METHOD}/CreateDrill`, "record.actor.name": "赵督导" }), 30_000, "the refused create's record");
  expect(refused!.record.result).toBe("denied");
  expect(await conn.collection("drills").countDocuments({ name: "越权" })).toBe(0);
  expect(await conn.collection("audit_log").countDocuments({})).toBe(0);
}, 60_000);

it("writes the batches of several provinces that arrive together in one insert (group commit), each chain intact", async () => {
  const own = await connectMongo({ uri: infra.mongoUri, dbName: uniqueName("supervision_audit_group_it") });
  let inserts = 0;
  const count = (e: { commandName: string; command: { insert?: unknown } }) => {
    if (e.commandName === "insert" && e.command.insert === "audit_chain") inserts++;
  };
  own.getClient().on("commandStarted", count);
  try {
    const trail = auditTrail(own, { alg: "sha256", scope: "all", provinces: PROVINCE_CODES, courtProvince: () => undefined });
    const record = (province: string, n: number): AuditRecord => ({
      id: `${province}-${n}-${randomUUID()}`,
      actor: { user: "u", courtId: `c-${province}0000`, province, roles: ["window-clerk"] },
      method: `${METHOD}/RateFiling`,
      target: "f",
      result: "ok",
      traceId: "",
      time: new Date().toISOString(),
      service: "supervision",
      filingId: "",
    });
    const provinces = ["11", "31", "44", "51", "65"];
    for (const round of [0, 1]) {
      const before = inserts;
      // One batch per province at once, as the audit consumer hands them over: the first goes alone, the rest together.
      expect(await Promise.all(provinces.map((p) => trail.ingest(p, [record(p, 2 * round), record(p, 2 * round + 1)])))).toEqual(provinces.map(() => 2));
      // (The first round reads each chain's tail first, so its batches arrive one by one.)
      if (round === 1) expect(inserts - before).toBeLessThanOrEqual(2);
    }
    const spc = { user: "u", courtId: SPC, province: "00", roles: ["supervisor"] } as unknown as AuthContext;
    for (const p of provinces) {
      const result = await trail.verify(spc, p, 0, 0);
      expect(result).toMatchObject({ checked: 4, problems: [] });
    }
  } finally {
    own.getClient().off("commandStarted", count);
    await own.dropDatabase();
    await own.close();
  }
});
