// Property-based fuzzing of every JurisdictionDecisionService RPC (fast-check), with routing,
// intake and decision in this process on the real broker and store, and real filings in the
// Beijing court's inbox: valid messages (those filings, their materials), invalid messages, raw
// bytes, valid and refused tokens. No INTERNAL/UNKNOWN, no unhandled rejection, and decision still
// answers afterwards.
import fc from "fast-check";
import { createSigner, type Role } from "@kuayu/auth";
import { createClient } from "@kuayu/grpc";
import { createLogger } from "@kuayu/logger";
import { connectMongo } from "@kuayu/mongo";
import { decisionV1, intakeV1 } from "@kuayu/proto";
import {
  assertInfraUp,
  directoryOverrides,
  eventually,
  formatReports,
  fuzzMethod,
  fuzzSettings,
  infra,
  methodsOf,
  refusedTokens,
  testKeys,
  uniqueName,
  type FuzzReport,
  type FuzzTokens,
} from "@kuayu/testkit";
import { readConfig as readIntakeConfig } from "../../intake/src/config";
import { startApp as startIntake, type App as IntakeApp } from "../../intake/src/app";
import { readConfig as readRoutingConfig } from "../../routing/src/config";
import { startApp as startRouting, type App as RoutingApp } from "../../routing/src/app";
import { BEIJING_CHAOYANG, TRIBUNAL, readyDraft } from "../../intake/test/support";
import { readConfig } from "../src/config";
import { startApp, type App } from "../src/app";

const { runs, seed } = fuzzSettings();
const reports: FuzzReport[] = [];
const keys = testKeys();
const log = createLogger({ service: "test", level: "silent" });
const fatal: Error[] = [];
const fail = (err: Error) => void fatal.push(err);
const dbs = [uniqueName("intake_fuzz"), uniqueName("decision_fuzz")];
const clients: { close(): void }[] = [];
let routing: RoutingApp, intake: IntakeApp, decision: App;
let tokens: FuzzTokens;
let specialist: ReturnType<typeof createClient<typeof decisionV1.JurisdictionDecisionService>>;
const filingIds: string[] = [];
const materialIds: string[] = [];

beforeAll(async () => {
  await assertInfraUp();
  const signer = await createSigner(keys.privateKey);
  const mint = (courtId: string, province: string, roles: Role[]) => signer.mint({ user: `u-${courtId}`, courtId, roles, province });
  const common = { GRPC_PORT: "0", GRPC_HOST: "127.0.0.1", JWT_PUBLIC_KEY: keys.publicKey, LOG_LEVEL: "silent", ...infra.kafkaEnv, KAFKA_FROM_BEGINNING: "false" };
  routing = await startRouting(readRoutingConfig({ ...common, KAFKA_GROUP_ID: uniqueName("routing") }), log, fail);
  intake = await startIntake(
    readIntakeConfig({ ...common, MONGO_URI: infra.mongoUri, MONGO_DB: dbs[0]!, KAFKA_GROUP_ID: uniqueName("intake"), ROUTING_ADDR: `127.0.0.1:${routing.grpcPort}`, WATCH_POLL_MS: "200" }),
    log,
    fail,
  );
  decision = await startApp(
    readConfig({
      ...common,
      MONGO_URI: infra.mongoUri,
      MONGO_DB: dbs[1]!,
      KAFKA_GROUP_ID: uniqueName("decision"),
      PROVINCE_SCOPE: "11",
      JWT_PRIVATE_KEY: keys.privateKey,
      INTAKE_ADDRS: `*=127.0.0.1:${intake.grpcPort}`,
      WATCH_POLL_MS: "200",
      COPY_INTERVAL_MS: "200",
    }),
    log,
    fail,
  );
  const valid = [
    await mint(BEIJING_CHAOYANG.id, "11", ["filing-specialist"]),
    await mint(BEIJING_CHAOYANG.id, "11", ["operator", "filing-specialist"]),
    await mint("c-110101", "11", ["filing-specialist"]),
    await mint(TRIBUNAL.id, TRIBUNAL.province, ["window-clerk"]),
  ];
  tokens = { valid, invalid: await refusedTokens(valid[0]!, { user: "u", courtId: BEIJING_CHAOYANG.id, roles: ["filing-specialist"], province: "11" }, signer) };
  specialist = createClient(decisionV1.JurisdictionDecisionService, `127.0.0.1:${decision.grpcPort}`, { token: valid[0], timeoutMs: 30_000 });
  const window = createClient(intakeV1.FilingIntakeService, `127.0.0.1:${intake.grpcPort}`, { token: valid[3], timeoutMs: 60_000 });
  clients.push(specialist, window);
  for (let i = 0; i < 2; i++) {
    const filingId = await readyDraft(window);
    await window.submitFiling({ filingId, idempotencyKey: `submit-${filingId}` });
    filingIds.push(filingId);
  }
  for (const filingId of filingIds) {
    const f = await eventually(async () => (await specialist.getInboxFiling({ filingId }).catch(() => undefined))?.filing, 60_000, "the filing in the inbox");
    materialIds.push(...f.materials.map((m) => m.material!.materialId));
  }
}, 180_000);
afterAll(async () => {
  console.log(formatReports(reports, seed));
  clients.forEach((c) => c.close());
  const clean = [];
  for (const app of [decision, intake, routing]) clean.push(await app?.stop());
  expect(fatal).toEqual([]);
  expect(clean).toEqual([true, true, true]);
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: "admin" });
  for (const db of dbs) await conn.useDb(db).dropDatabase();
  await conn.close();
});

const overrides = () => ({
  ...directoryOverrides(),
  filing_id: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...filingIds) }, { weight: 1, arbitrary: fc.uuid() }),
  material_id: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...materialIds) }, { weight: 1, arbitrary: fc.uuid() }),
});

it.each(methodsOf(decisionV1.JurisdictionDecisionService))(
  "JurisdictionDecisionService/%s survives fuzzing",
  async (_name, method) => {
    const report = await fuzzMethod(method, {
      address: `127.0.0.1:${decision.grpcPort}`,
      tokens,
      runs,
      seed,
      overrides: overrides(),
      normal: async () => expect((await specialist.getInboxFiling({ filingId: filingIds[0]! })).filing?.filingId).toBe(filingIds[0]),
    });
    reports.push(report);
    expect(fatal).toEqual([]);
  },
  60_000 + runs * 100,
);
