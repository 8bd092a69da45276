// Every service as its own process (built dist/) on the real broker and store:
// 1. end to end: a tribunal in Guangdong files with a court in Beijing → inbox → acknowledge →
//    corrections → resubmission → accepted; the window shows ACCEPTED, the case number and every hop;
// 2. kill -9 of routing while windows submit loses and duplicates no submission;
// 3. kill -9 of jurisdiction-decision mid-stream loses no filing and duplicates no inbox entry or
//    case number.
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { randomUUID } from "node:crypto";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createSigner, type Role } from "@kuayu/auth";
import { createClient, tlsFromSettings } from "@kuayu/grpc";
import { createKafka, createProducer, type EventProducer } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { connectMongo } from "@kuayu/mongo";
import { decisionV1, intakeV1 } from "@kuayu/proto";
import { ALL_LIFECYCLE_TOPICS, topicsOfFiling } from "@kuayu/topics";
import { Kafka, logLevel } from "kafkajs";
import { assertInfraUp, eventually, infra, routedEnforcement, serviceCertificates, spawnService, testKeys, uniqueName, type ServiceProcess, serviceEventKeys } from "@kuayu/testkit";
import { BEIJING_CHAOYANG, TRIBUNAL, pdf, readyDraft, uploadParts } from "../../intake/test/support";

const dist = (svc: string) => path.resolve(__dirname, `../../${svc}/dist/main.js`);
const keys = testKeys();
const credentials = tlsFromSettings(serviceCertificates().clientEnv).channel; // the spawned services run mutual TLS
const running: ServiceProcess[] = [];
const dbs: string[] = [];
let mint: (courtId: string, province: string, roles: Role[]) => Promise<string>;

const common = () => ({
  GRPC_PORT: "0",
  GRPC_HOST: "127.0.0.1",
  ...infra.kafkaEnv,
  MONGO_URI: infra.mongoUri,
  JWT_PUBLIC_KEY: keys.publicKey,
  KAFKA_FROM_BEGINNING: "false",
  KAFKA_SESSION_TIMEOUT_MS: "6000",
});
// routing has neither a store nor Kafka.
const routingCommon = () => ({ GRPC_PORT: "0", GRPC_HOST: "127.0.0.1", JWT_PUBLIC_KEY: keys.publicKey });
async function start(svc: "intake" | "routing" | "decision", env: Record<string, string>): Promise<{ proc: ServiceProcess; port: number }> {
  const proc = spawnService(dist(svc), { ...(svc === "routing" ? routingCommon() : common()), OTEL_SERVICE_NAME: svc, ...env });
  running.push(proc);
  const line = await proc.waitFor((l) => l.msg === `${svc} started`, 90_000);
  return { proc, port: Number(line.grpcPort) };
}
const database = (prefix: string) => {
  const db = uniqueName(prefix);
  dbs.push(db);
  return db;
};

beforeAll(async () => {
  await assertInfraUp();
  const signer = await createSigner(keys.privateKey);
  mint = (courtId, province, roles) => signer.mint({ user: `u-${courtId}`, courtId, roles, province });
});
afterAll(async () => {
  await Promise.all(running.map((p) => p.kill("SIGKILL")));
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: "admin" });
  for (const db of dbs) await conn.useDb(db).dropDatabase();
  await conn.close();
});

it("takes a filing from a Guangdong tribunal to ACCEPTED by a Beijing court, with every hop at the window", async () => {
  const routing = await start("routing", {});
  const intake = await start("intake", { MONGO_DB: database("e2e_intake"), KAFKA_GROUP_ID: uniqueName("intake"), ROUTING_ADDR: `127.0.0.1:${routing.port}`, WATCH_POLL_MS: "200" });
  const decision = await start("decision", {
    MONGO_DB: database("e2e_decision"),
    KAFKA_GROUP_ID: uniqueName("decision"),
    PROVINCE_SCOPE: "11",
    JWT_PRIVATE_KEY: keys.privateKey,
    INTAKE_ADDRS: `44=127.0.0.1:${intake.port}`,
    COPY_INTERVAL_MS: "200",
  });
  const window = createClient(intakeV1.FilingIntakeService, `127.0.0.1:${intake.port}`, { token: await mint(TRIBUNAL.id, TRIBUNAL.province, ["window-clerk"]), timeoutMs: 30_000, credentials });
  const inbox = createClient(decisionV1.JurisdictionDecisionService, `127.0.0.1:${decision.port}`, {
    token: await mint(BEIJING_CHAOYANG.id, "11", ["filing-specialist"]),
    timeoutMs: 30_000,
    credentials,
  });
  try {
    const filingId = await readyDraft(window);
    await window.submitFiling({ filingId, idempotencyKey: `submit-${filingId}` });
    await eventually(async () => (await inbox.getInboxFiling({ filingId }).catch(() => undefined))?.filing?.materialsComplete, 60_000, "the filing in the Beijing inbox, materials copied");
    await inbox.acknowledge({ filingId });
    await inbox.requestCorrections({ filingId, items: [{ materialKind: "evidence", description: "补充付款凭证" }], deadline: timestampFromDate(new Date(Date.now() + 5 * 86400_000)) });
    await eventually(async () => (await window.getFiling({ filingId })).filing!.status === intakeV1.FilingStatus.CORRECTION_REQUESTED, 30_000, "CORRECTION_REQUESTED at the window");
    await window.uploadMaterial(uploadParts(filingId, "evidence", pdf(4000, 7), "付款凭证.pdf"));
    await window.submitCorrection({ filingId, idempotencyKey: `correct-${filingId}` });
    await eventually(
      async () => {
        const f = (await inbox.getInboxFiling({ filingId })).filing!;
        return f.round === 2 && f.materialsComplete;
      },
      60_000,
      "the corrected round in the inbox",
    );
    const { filing } = await inbox.accept({ filingId });
    expect(filing!.caseNumber).toMatch(/^（\d{4}）京0105民初\d+号$/);

    const done = await eventually(
      async () => {
        const f = (await window.getFiling({ filingId })).filing!;
        return f.status === intakeV1.FilingStatus.ACCEPTED && f.timeline.length >= 7 ? f : undefined;
      },
      30_000,
      "ACCEPTED at the window with the whole timeline",
    );
    expect(done.decision!.caseNumber).toBe(filing!.caseNumber);
    // Every hop once; events of different services may interleave, so compare as a set.
    expect(done.timeline.map((t) => t.eventType).sort()).toEqual([
      "kuayu.decision.v1.Accepted",
      "kuayu.decision.v1.Acknowledged",
      "kuayu.decision.v1.CorrectionRequested",
      "kuayu.intake.v1.CorrectionSubmitted",
      "kuayu.intake.v1.FilingSubmitted",
      "kuayu.routing.v1.FilingRouted",
      "kuayu.routing.v1.FilingRouted",
    ]);
  } finally {
    window.close();
    inbox.close();
  }
  for (const p of [decision.proc, intake.proc, routing.proc]) expect(await p.kill("SIGTERM")).toBe(0);
}, 300_000);

/** Commits, for a new consumer group, the current end of every lifecycle topic. */
async function startAtEnd(groupId: string) {
  const admin = new Kafka({ ...infra.kafka, clientId: "kill-test-admin", logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    for (const { name: topic } of ALL_LIFECYCLE_TOPICS) {
      const ends = await admin.fetchTopicOffsets(topic);
      expect(ends).toHaveLength(1);
      await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
    }
  } finally {
    await admin.disconnect();
  }
}

it("loses and duplicates no submission when routing is killed while windows submit", async () => {
  const N = 40;
  let routing = await start("routing", {});
  const routingPort = routing.port;
  const intake = await start("intake", { MONGO_DB: database("kill_routing_intake"), KAFKA_GROUP_ID: uniqueName("intake"), ROUTING_ADDR: `127.0.0.1:${routingPort}`, ROUTING_TIMEOUT_MS: "2000" });
  const window = createClient(intakeV1.FilingIntakeService, `127.0.0.1:${intake.port}`, { token: await mint(TRIBUNAL.id, TRIBUNAL.province, ["window-clerk"]), timeoutMs: 30_000, credentials });
  try {
    const ids: string[] = [];
    for (let i = 0; i < N; i++) ids.push(await readyDraft(window));
    // Each window submits until it has an answer, with the same idempotency key: what routing's
    // absence refuses (UNAVAILABLE) is tried again.
    let answered = 0;
    let refused = 0;
    const submit = async (filingId: string) => {
      for (;;) {
        try {
          await window.submitFiling({ filingId, idempotencyKey: `submit-${filingId}` });
          answered++;
          return;
        } catch (err) {
          if ((err as grpc.ServiceError).code !== grpc.status.UNAVAILABLE) throw err;
          refused++;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    const submitting = Promise.all(ids.map((id, i) => new Promise((r) => setTimeout(r, i * 100)).then(() => submit(id))));
    await eventually(async () => answered >= 10, 60_000, "the first submissions answered");
    expect(await routing.proc.kill("SIGKILL")).toBeNull();
    routing = await start("routing", { GRPC_PORT: String(routingPort) });
    await submitting;
    // The kill came mid-stream: some submissions were refused while routing was away.
    expect(refused).toBeGreaterThan(0);
    for (const filingId of ids) {
      const { filing } = await window.getFiling({ filingId });
      // Submitted and routed once each, in one change: round 1, one receipt number.
      expect([filingId, filing!.status, filing!.round, filing!.timeline.map((t) => t.eventType)]).toEqual([
        filingId,
        intakeV1.FilingStatus.ROUTED,
        1,
        ["kuayu.intake.v1.FilingSubmitted", "kuayu.routing.v1.FilingRouted"],
      ]);
    }
    const receipts = await Promise.all(ids.map(async (filingId) => (await window.getFiling({ filingId })).filing!.receiptNumber));
    expect(new Set(receipts).size).toBe(N);
  } finally {
    window.close();
  }
  for (const p of [intake.proc, routing.proc]) expect(await p.kill("SIGTERM")).toBe(0);
}, 300_000);

it("loses and duplicates nothing when jurisdiction-decision is killed mid-stream", async () => {
  const N = 200;
  const decisionDb = database("kill_decision");
  // The group starts with committed offsets at the topics' current end: a consumer killed before
  // its group committed anything for some partition must resume there, not at "latest" after the
  // restart (which KAFKA_FROM_BEGINNING=false would do, and production never uses), and the shared
  // broker's history from other tests is skipped.
  const decisionEnv = { MONGO_DB: decisionDb, KAFKA_GROUP_ID: uniqueName("decision"), KAFKA_FROM_BEGINNING: "true", PROVINCE_SCOPE: "11", JWT_PRIVATE_KEY: keys.privateKey, COPY_INTERVAL_MS: "200" };
  await startAtEnd(decisionEnv.KAFKA_GROUP_ID);
  let decision = await start("decision", decisionEnv);
  const kafka = createKafka({ ...infra.kafka, clientId: "kill-test", log: createLogger({ service: "test", level: "silent" }) });
  const window: EventProducer = await createProducer(kafka, "kuayu.intake", { signer: await serviceEventKeys().signer("intake") });
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: decisionDb });
  const ids = Array.from({ length: N }, () => randomUUID());
  const inboxCount = () => conn.collection<{ _id: string }>("inbox").countDocuments({ _id: { $in: ids } });
  try {
    // N routed submissions (without materials) from a Guangdong tribunal to a Beijing court, as
    // intake emits them: on the lifecycle topics of the window's province and the jurisdiction court's.
    const sending = (async () => {
      for (const id of ids) await window.publish(topicsOfFiling(TRIBUNAL.province, BEIJING_CHAOYANG.province), id, { event: routedEnforcement(id) });
    })();
    // Kill decision once some filings went through; restart it.
    await eventually(async () => (await inboxCount()) >= 40, 60_000, "the first filings in the inbox");
    expect(await decision.proc.kill("SIGKILL")).toBeNull();
    decision = await start("decision", decisionEnv);
    await sending;
    await eventually(async () => (await inboxCount()) === N, 240_000, `all ${N} filings in the inbox`).catch(async (err: Error) => {
      throw new Error(`${err.message} (have ${await inboxCount()})`);
    });
    // Exactly once: one inbox entry per filing (the entry is keyed by filing id, so a duplicate cannot even exist), none missing.
    const held = new Set(
      (
        await conn
          .collection<{ _id: string }>("inbox")
          .find({}, { projection: { _id: 1 } })
          .toArray()
      ).map((d) => d._id),
    );
    expect(ids.filter((id) => !held.has(id))).toEqual([]);

    // Accept everything, killing decision half way; retries after the restart are idempotent.
    const token = await mint(BEIJING_CHAOYANG.id, "11", ["court-system"]);
    const acceptAll = async (port: number, tolerateFailures: boolean) => {
      const c = createClient(decisionV1.JurisdictionDecisionService, `127.0.0.1:${port}`, { token, timeoutMs: 30_000, credentials });
      try {
        const results = await Promise.allSettled(ids.map((filingId) => c.accept({ filingId })));
        if (!tolerateFailures) for (const r of results) if (r.status === "rejected") throw r.reason;
        return results.flatMap((r) => (r.status === "fulfilled" ? [r.value.filing!.caseNumber] : []));
      } finally {
        c.close();
      }
    };
    const firstTry = acceptAll(decision.port, true);
    await eventually(async () => (await conn.collection<{ _id: string }>("inbox").countDocuments({ _id: { $in: ids }, status: "accepted" })) >= 30, 60_000, "some acceptances");
    expect(await decision.proc.kill("SIGKILL")).toBeNull();
    await firstTry;
    decision = await start("decision", decisionEnv);
    // Acceptances the kill cut short are resumed (the numbers they took are found again): retry until every accept succeeds.
    const numbers = await eventually(() => acceptAll(decision.port, false).catch(() => undefined), 120_000, "every filing accepted");
    const seq = numbers.map((n) => Number(/执(\d+)号$/.exec(n)![1])).sort((a, b) => a - b);
    expect(seq).toEqual(Array.from({ length: N }, (_, i) => i + 1));
  } finally {
    await window.disconnect();
    await conn.close();
  }
  expect(await decision.proc.kill("SIGTERM")).toBe(0);
}, 600_000);
