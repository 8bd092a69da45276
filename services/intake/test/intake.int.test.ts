// The intake skeleton end to end in one process: gRPC → store + outbox → Kafka → timeline.
import * as grpc from "@grpc/grpc-js";
import { createSigner } from "@kuayu/auth";
import { createClient, fieldViolations, type Client } from "@kuayu/grpc";
import { createLogger } from "@kuayu/logger";
import { connectMongo } from "@kuayu/mongo";
import { createKafka, createProducer } from "@kuayu/kafka";
import { filingSubmitted } from "../src/adapters/kafka/topics";
import { commonV1, intakeV1 } from "@kuayu/proto";
import { assertInfraUp, eventually, infra, testKeys, uniqueName } from "@kuayu/testkit";
import { readConfig } from "../src/config";
import { startApp, type App } from "../src/app";

const keys = testKeys();
let app: App;
let clerk: Client<typeof intakeV1.FilingIntakeService>;
let otherCourt: Client<typeof intakeV1.FilingIntakeService>;
const db = uniqueName("intake_it");

beforeAll(async () => {
  await assertInfraUp();
  const config = readConfig({
    GRPC_PORT: "0", GRPC_HOST: "127.0.0.1", KAFKA_BROKERS: infra.brokers.join(","), MONGO_URI: infra.mongoUri,
    MONGO_DB: db, KAFKA_GROUP_ID: uniqueName("intake"), JWT_PUBLIC_KEY: keys.publicKey, LOG_LEVEL: "silent",
  });
  app = await startApp(config, createLogger({ service: "intake", level: "silent" }), (err) => { throw err; });
  const signer = await createSigner(keys.privateKey);
  const address = `127.0.0.1:${app.grpcPort}`;
  clerk = createClient(intakeV1.FilingIntakeService, address, { token: await signer.mint({ user: "clerk-1", courtId: "c-440703", roles: ["window-clerk"], province: "44" }) });
  otherCourt = createClient(intakeV1.FilingIntakeService, address, { token: await signer.mint({ user: "clerk-2", courtId: "c-110105", roles: ["window-clerk"], province: "11" }) });
});
afterAll(async () => {
  clerk?.close();
  otherCourt?.close();
  expect(await app?.stop()).toBe(true);
});

const submit = (key: string) =>
  clerk.submitFiling({ idempotencyKey: key, caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE, jurisdictionCourtId: "c-110105", summary: "买卖合同纠纷" });

describe("intake skeleton (real broker and store)", () => {
  it("submits a filing whose submitted event comes back into its timeline", async () => {
    const { filing } = await submit(uniqueName("key"));
    expect(filing).toMatchObject({ collaboratingCourtId: "c-440703", status: intakeV1.FilingStatus.SUBMITTED });
    const withTimeline = await eventually(async () => {
      const { filing: f } = await clerk.getFiling({ filingId: filing!.filingId });
      return f!.timeline.length > 0 ? f : undefined;
    }, 30_000, "timeline entry");
    expect(withTimeline!.timeline).toHaveLength(1);
    expect(withTimeline!.timeline[0]!.eventType).toBe("kuayu.intake.v1.FilingSubmitted");
  });

  it("keeps other intakes' filings out of its timeline", async () => {
    const { filing } = await submit(uniqueName("key"));
    const ours = filing!.filingId;
    // Another province's intake publishes on the same topic; then an event of ours follows on the
    // same partition, so once ours is in the timeline the foreign one has been consumed too.
    const kafka = createKafka({ brokers: infra.brokers, clientId: "other-intake", log: createLogger({ service: "other", level: "silent" }) });
    const producer = await createProducer(kafka, "kuayu.intake");
    const foreignId = uniqueName("foreign");
    await producer.publish(filingSubmitted, foreignId, { filingId: foreignId, collaboratingCourtId: "c-110105" }, { partition: 0 });
    await producer.publish(filingSubmitted, ours, { filingId: ours, collaboratingCourtId: "c-440703" }, { partition: 0 });
    await producer.disconnect();
    await eventually(async () => (await clerk.getFiling({ filingId: ours })).filing!.timeline.length === 2, 30_000, "both of our timeline entries");
    const conn = await connectMongo({ uri: infra.mongoUri, dbName: db });
    expect(await conn.collection("timeline_entries").countDocuments({ filingId: foreignId })).toBe(0);
    await conn.close();
  });

  it("makes one filing of a retried submission", async () => {
    const key = uniqueName("key");
    const [a, b] = await Promise.all([submit(key), submit(key)]);
    const c = await submit(key);
    expect(new Set([a.filing!.filingId, b.filing!.filingId, c.filing!.filingId]).size).toBe(1);
  });

  it("lets no other court read the filing", async () => {
    const { filing } = await submit(uniqueName("key"));
    await expect(otherCourt.getFiling({ filingId: filing!.filingId })).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    await expect(clerk.getFiling({ filingId: "no-such-filing" })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it("answers a bad submission with every field problem and writes nothing", async () => {
    const conn = await connectMongo({ uri: infra.mongoUri, dbName: db });
    const before = await conn.collection("filings").countDocuments();
    const err = await clerk.submitFiling({ idempotencyKey: "x", caseType: commonV1.CaseType.UNSPECIFIED, jurisdictionCourtId: "", summary: "" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    expect(fieldViolations(err).map((v) => v.field)).toEqual(["idempotency_key", "case_type", "jurisdiction_court_id", "summary"]);
    expect(await conn.collection("filings").countDocuments()).toBe(before);
    await conn.close();
  });
});
