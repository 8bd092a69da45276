// Supervision reads the operator's directory (DIRECTORY_FILE), not the generated sample: the court
// names on its notices are the installed directory's.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createSigner } from "@kuayu/auth";
import { exportDirectory, loadDirectory } from "@kuayu/directory";
import { createClient } from "@kuayu/grpc";
import { createKafka, createProducer, type EventProducer } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { connectMongo } from "@kuayu/mongo";
import { commonV1, supervisionV1 } from "@kuayu/proto";
import { assertInfraUp, eventually, infra, publishLifecycle, testKeys, uniqueName } from "@kuayu/testkit";
import { testConfig } from "./support";
import { startApp, type App } from "../src/app";

const keys = testKeys();
const log = createLogger({ service: "test", level: "silent" });
const COURT = "c-110108";
const INSTALLED_NAME = "北京市海淀区人民法院（运营方目录）";
const dir = mkdtempSync(path.join(tmpdir(), "kuayu-directory-"));
let app: App;
let db: string;
let events: EventProducer;

beforeAll(async () => {
  await assertInfraUp();
  // The generated directory as an operator would install it, with one court renamed.
  const data = JSON.parse(exportDirectory(loadDirectory(), "json")) as { courts: { id: string; name: string }[] };
  const court = data.courts.find((c) => c.id === COURT)!;
  court.name = INSTALLED_NAME;
  writeFileSync(path.join(dir, "directory.json"), JSON.stringify(data));
  db = uniqueName("supervision_dir");
  app = await startApp(testConfig(db, keys.publicKey, { DIRECTORY_FILE: path.join(dir, "directory.json") }), log, (err) => {
    throw err;
  });
  events = await createProducer(createKafka({ ...infra.kafka, clientId: "supervision-dir-test", log }), "kuayu.test");
});
afterAll(async () => {
  await events?.disconnect();
  expect(await app?.stop()).toBe(true);
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: db });
  await conn.dropDatabase();
  await conn.close();
  rmSync(dir, { recursive: true, force: true });
});

it("names the installed directory's court on its notices", async () => {
  const filingId = randomUUID();
  const arrivedAt = new Date(Date.now() - 3 * 86400_000);
  await publishLifecycle(
    events,
    { window: "44", jurisdiction: "11" },
    filingId,
    {
      case: "filingRouted",
      value: {
        filingId,
        collaboratingCourtId: "t-440103001",
        jurisdictionCourtId: COURT,
        round: 1,
        province: "11",
        originProvince: "44",
        caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE,
        receiptNumber: `KY-${filingId.slice(0, 8)}`,
        routedAt: timestampFromDate(arrivedAt),
        responseDue: timestampFromDate(new Date(arrivedAt.getTime() + 30 * 60_000)),
        decisionDue: timestampFromDate(new Date(arrivedAt.getTime() + 8 * 86400_000)),
      },
    },
    { time: arrivedAt },
  );
  const signer = await createSigner(keys.privateKey);
  const spc = createClient(supervisionV1.SupervisionService, `127.0.0.1:${app.grpcPort}`, {
    token: await signer.mint({ user: "u-spc", courtId: "c-spc", roles: ["supervisor"], province: "00" }),
    timeoutMs: 30_000,
  });
  try {
    const beijing = { level: supervisionV1.ScopeLevel.PROVINCE, id: "11" };
    await eventually(async () => (await spc.listOverdue({ scope: beijing })).filings.some((f) => f.filingId === filingId), 30_000, "the unanswered filing overdue");
    const daily = (await spc.generateNotice({ kind: supervisionV1.NoticeKind.DAILY, scope: beijing })).notice!;
    expect(daily.rows.find((r) => r.filingId === filingId)).toMatchObject({ jurisdictionCourtName: INSTALLED_NAME });
  } finally {
    spc.close();
  }
});
