// Kill -9 the intake process while submissions are being stored and published; after a restart
// every submission is published exactly once (one event id per filing) and recorded once in the
// timeline. Runs the built service (dist/) as its own process, on the real broker and store.
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { createSigner } from "@kuayu/auth";
import { createClient, tlsFromSettings } from "@kuayu/grpc";
import { createKafka, headerMap } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { connectMongo } from "@kuayu/mongo";
import { intakeV1 } from "@kuayu/proto";
import { ALL_LIFECYCLE_TOPICS, FILING_EVENTS, provinceOfTopic } from "@kuayu/topics";
import { assertInfraUp, eventually, infra, serviceCertificates, spawnService, testKeys, uniqueName, type ServiceProcess } from "@kuayu/testkit";
import type { Consumer } from "kafkajs";
import { filingHeads } from "../src/adapters/mongo/filing-repository";
import { BEIJING_CHAOYANG, CREDIT_CODE, RESIDENT_ID, TRIBUNAL, readyDraft, startRoutingService } from "./support";

const main = path.resolve(__dirname, "../dist/main.js");
const keys = testKeys();
const credentials = tlsFromSettings(serviceCertificates().clientEnv).channel; // the spawned services run mutual TLS
const db = uniqueName("intake_crash");
const TOTAL = 60;

let svc: ServiceProcess | undefined;
let routing: Awaited<ReturnType<typeof startRoutingService>> | undefined;
let conn: Awaited<ReturnType<typeof connectMongo>> | undefined;
let collector: Consumer | undefined;
afterAll(async () => {
  await svc?.kill("SIGKILL");
  await collector?.disconnect();
  await routing?.stop();
  await conn?.close();
});

it("publishes every stored submission exactly once after a kill -9 between storing and publishing", async () => {
  await assertInfraUp();
  routing = await startRoutingService(keys.publicKey, serviceCertificates().serverEnv); // the spawned intake dials it with mutual TLS
  const env = {
    GRPC_PORT: "0",
    GRPC_HOST: "127.0.0.1",
    ...infra.kafkaEnv,
    MONGO_URI: infra.mongoUri,
    MONGO_DB: db,
    KAFKA_GROUP_ID: uniqueName("intake"),
    KAFKA_SESSION_TIMEOUT_MS: "6000",
    JWT_PUBLIC_KEY: keys.publicKey,
    OTEL_SERVICE_NAME: "intake",
    ROUTING_ADDR: `127.0.0.1:${routing.grpcPort}`,
  };
  const started = async (s: ServiceProcess) => Number((await s.waitFor((l) => l.msg === "intake started")).grpcPort);
  conn = await connectMongo({ uri: infra.mongoUri, dbName: db });
  // The outbox: committed versions of filings whose events are not published yet (their pending marks).
  const unpublished = () => conn!.collection("filings_versions").countDocuments({ pending: 1 });
  // Each filing's timeline is in its document (stored packed: filingHeads).
  const filings = conn.collection("filings");

  // Every `filing submitted` record on the lifecycle topics for our filings, from the start.
  const published = new Map<string, Set<string>>(); // filing id → event ids
  const routed = new Map<string, Set<string>>(); // filing id → ids of its `filing routed` events
  const topics = new Map<string, Set<string>>(); // filing id → provinces of the topics its records were on
  const kafka = createKafka({ ...infra.kafka, clientId: "crash-test", log: createLogger({ service: "test", level: "silent" }) });
  collector = kafka.consumer({ groupId: uniqueName("crash-collector") });
  await collector.connect();
  await collector.subscribe({ topics: ALL_LIFECYCLE_TOPICS.map((t) => t.name), fromBeginning: true });
  await collector.run({
    eachMessage: async ({ topic, message }) => {
      const type = headerMap(message.headers)["kuayu-event-type"];
      const key = message.key!.toString();
      if (type === FILING_EVENTS.routed) routed.set(key, (routed.get(key) ?? new Set()).add(headerMap(message.headers)["kuayu-event-id"]!));
      if (type !== FILING_EVENTS.submitted) return;
      if (!published.has(key)) published.set(key, new Set());
      published.get(key)!.add(headerMap(message.headers)["kuayu-event-id"]!);
      topics.set(key, (topics.get(key) ?? new Set()).add(provinceOfTopic(topic)!));
    },
  });

  svc = spawnService(main, env);
  const token = await (await createSigner(keys.privateKey)).mint({ user: "drill", courtId: TRIBUNAL.id, roles: ["court-system"], province: TRIBUNAL.province });
  const client = createClient(intakeV1.FilingIntakeService, `127.0.0.1:${await started(svc)}`, { token, timeoutMs: 30_000, credentials });
  const ids: string[] = [];
  for (let i = 0; i < TOTAL; i += 10) ids.push(...(await Promise.all(Array.from({ length: 10 }, () => readyDraft(client)))));

  // Submit everything at once and kill the process as soon as a few submissions were stored:
  // the outbox relay is still publishing, so stored-but-unpublished filings exist at the kill.
  let answered = 0;
  const submitting = Promise.allSettled(ids.map((id) => client.submitFiling({ filingId: id, idempotencyKey: `submit-${id}` }).then(() => answered++)));
  await eventually(async () => answered >= 10, 60_000, "the first stored submissions");
  const firstLog = svc.lines;
  expect(await svc.kill("SIGKILL")).toBeNull();
  await submitting;
  client.close();
  const pendingAtKill = await unpublished();
  expect(pendingAtKill).toBeGreaterThan(0); // the kill did land between storing and publishing

  svc = spawnService(main, env);
  const client2 = createClient(intakeV1.FilingIntakeService, `127.0.0.1:${await started(svc)}`, { token, timeoutMs: 30_000, credentials });
  // The window retries every submission: the ones that were stored are idempotent no-ops (a lost
  // race would answer ABORTED: retry those).
  const submitOnce = (id: string) =>
    eventually(
      () =>
        client2.submitFiling({ filingId: id, idempotencyKey: `submit-${id}` }).catch((err: { code?: number }) => {
          if (err.code === grpc.status.ABORTED) return undefined;
          throw err;
        }),
      90_000,
      `the retried submission of ${id}`,
    );
  const after = await Promise.all(ids.map(submitOnce));
  client2.close();
  expect(after.every((r) => r.filing!.status === intakeV1.FilingStatus.ROUTED)).toBe(true);

  await eventually(async () => (await unpublished()) === 0, 60_000, "the outbox to drain");
  await eventually(async () => ids.every((id) => published.has(id)), 60_000, "an event for every filing").catch((err: Error) => {
    throw new Error(`${err.message}; ${ids.filter((id) => !published.has(id)).length} missing; log tail ${JSON.stringify(svc!.lines.slice(-5))}`);
  });
  // Exactly one event per filing (a republished record carries the same event id), and one route …
  for (const id of ids) expect([id, published.get(id)!.size]).toEqual([id, 1]);
  await eventually(async () => ids.every((id) => routed.has(id)), 30_000, "a route for every filing");
  for (const id of ids) expect([id, routed.get(id)!.size]).toEqual([id, 1]);
  // … on the window's and the jurisdiction court's province topics, also when the relay republished it after the restart …
  await eventually(async () => ids.every((id) => topics.get(id)?.size === 2), 30_000, "both copies of every event");
  for (const id of ids) expect([id, [...topics.get(id)!].sort()]).toEqual([id, [BEIJING_CHAOYANG.province, TRIBUNAL.province].sort()]);
  // … and exactly one timeline entry for it.
  const submittedEntries = async () => {
    const perFiling = new Map<string, number>();
    for (const t of (await filings.find({}).toArray()).map(filingHeads.unpack)) perFiling.set(t._id, (t.timeline ?? []).filter((e) => e.eventType === "kuayu.intake.v1.FilingSubmitted").length);
    return perFiling;
  };
  await eventually(async () => [...(await submittedEntries()).values()].filter((n) => n > 0).length === TOTAL, 60_000, "all timeline entries");
  expect([...(await submittedEntries()).values()].every((n) => n === 1)).toBe(true);
  expect(await svc.kill("SIGTERM")).toBe(0); // and a graceful stop exits cleanly
  // Nothing personal reached the logs of either run.
  const logs = JSON.stringify([...firstLog, ...svc.lines]);
  expect(logs).toContain("intake started");
  for (const secret of [RESIDENT_ID, CREDIT_CODE, "13800138000"]) expect(logs).not.toContain(secret);
  svc = undefined;
  await conn.dropDatabase();
}, 300_000);
