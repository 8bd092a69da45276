// Property-based fuzzing of every SupervisionService RPC (fast-check), the service in this process
// on the real broker and store: valid messages (real court ids and provinces as scopes, dates,
// existing notices and drills), invalid messages, raw bytes, valid and refused tokens. No
// INTERNAL/UNKNOWN, no unhandled rejection, and the service still answers afterwards.
import fc from "fast-check";
import { createSigner, type Role } from "@kuayu/auth";
import { createClient } from "@kuayu/grpc";
import { createLogger } from "@kuayu/logger";
import { connectMongo } from "@kuayu/mongo";
import { supervisionV1 } from "@kuayu/proto";
import { assertInfraUp, directoryOverrides, formatReports, fuzzMethod, fuzzSettings, infra, methodsOf, refusedTokens, testKeys, uniqueName, type FuzzReport, type FuzzTokens } from "@kuayu/testkit";
import { testConfig } from "./support";
import { startApp, type App } from "../src/app";

const { runs, seed } = fuzzSettings();
const reports: FuzzReport[] = [];
const keys = testKeys();
const log = createLogger({ service: "test", level: "silent" });
const COURT = "c-110108";
const fatal: Error[] = [];
const db = uniqueName("supervision_fuzz");
let app: App;
let tokens: FuzzTokens;
let supervisor: ReturnType<typeof createClient<typeof supervisionV1.SupervisionService>>;
const noticeIds: string[] = [];

beforeAll(async () => {
  await assertInfraUp();
  const signer = await createSigner(keys.privateKey);
  const mint = (courtId: string, province: string, roles: Role[]) => signer.mint({ user: `u-${courtId}`, courtId, roles, province });
  app = await startApp(testConfig(db, keys.publicKey), log, (err) => void fatal.push(err));
  const valid = [
    await mint(COURT, "11", ["supervisor"]),
    await mint("c-spc", "00", ["supervisor", "operator"]),
    await mint("t-440103001", "44", ["window-clerk"]),
    await mint(COURT, "11", ["filing-specialist"]),
  ];
  tokens = { valid, invalid: await refusedTokens(valid[0]!, { user: "u", courtId: COURT, roles: ["supervisor"], province: "11" }, signer) };
  supervisor = createClient(supervisionV1.SupervisionService, `127.0.0.1:${app.grpcPort}`, { token: valid[0], timeoutMs: 30_000 });
  const scope = { level: supervisionV1.ScopeLevel.PROVINCE, id: "11" };
  noticeIds.push((await supervisor.generateNotice({ kind: supervisionV1.NoticeKind.DAILY, scope })).notice!.noticeId);
}, 60_000);
afterAll(async () => {
  console.log(formatReports(reports, seed));
  supervisor?.close();
  expect(await app?.stop()).toBe(true);
  expect(fatal).toEqual([]);
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: db });
  await conn.dropDatabase();
  await conn.close();
});

const day = fc.date({ min: new Date("2024-01-01T00:00:00Z"), max: new Date("2027-12-31T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const overrides = () => {
  const dir = directoryOverrides();
  return {
    ...dir,
    id: fc.oneof(dir.court_id!, dir.province!),
    from_date: day,
    to_date: day,
    notice_id: fc.oneof(
      fc.constant(null).map(() => noticeIds[0]!),
      fc.uuid(),
    ),
    filing_id: fc.uuid(),
    score: fc.integer({ min: 0, max: 6 }),
  };
};

it.each(methodsOf(supervisionV1.SupervisionService))(
  "SupervisionService/%s survives fuzzing",
  async (_name, method) => {
    const report = await fuzzMethod(method, {
      address: `127.0.0.1:${app.grpcPort}`,
      tokens,
      runs,
      seed,
      overrides: overrides(),
      normal: async () => expect((await supervisor.getNotice({ noticeId: noticeIds[0]! })).notice?.noticeId).toBe(noticeIds[0]),
    });
    reports.push(report);
    expect(fatal).toEqual([]);
  },
  // VerifyAudit reads the whole chain it checks on every call, and the fuzzing of the other
  // methods has just chained a few thousand refused calls: ~1 s a check on FerretDB.
  120_000 + runs * 200,
);
