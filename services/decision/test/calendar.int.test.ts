// The holiday calendar past the official years, through the real services on the real broker and
// store: a filing made on a 2027 date (the services' clock is injected) gets provisional deadlines;
// the operator loads a 2027 arrangement into CALENDAR_FILE, and without a restart the open filing's
// deadlines are counted again, the window's timeline says so, supervision recounts its response
// time, and the directory answers from the file's days — also for a year the library has. A bad
// file stops a service at start (exit 2, every problem listed) and is refused on reload.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createSigner, type Role } from "@kuayu/auth";
import { createClient } from "@kuayu/grpc";
import { createLogger } from "@kuayu/logger";
import { connectMongo } from "@kuayu/mongo";
import { decisionV1, directoryV1, intakeV1, supervisionV1 } from "@kuayu/proto";
import { assertInfraUp, eventually, infra, testKeys, uniqueName } from "@kuayu/testkit";
import { readConfig as readIntakeConfig } from "../../intake/src/config";
import { startApp as startIntake, type App as IntakeApp } from "../../intake/src/app";
import { readConfig as readRoutingConfig } from "../../routing/src/config";
import { startApp as startRouting, type App as RoutingApp } from "../../routing/src/app";
import { readConfig as readSupervisionConfig } from "../../supervision/src/config";
import { startApp as startSupervision, type App as SupervisionApp } from "../../supervision/src/app";
import { BEIJING_CHAOYANG, TRIBUNAL, readyDraft } from "../../intake/test/support";
import { readConfig } from "../src/config";
import { startApp, type App } from "../src/app";

const keys = testKeys();
const log = createLogger({ service: "test", level: (process.env.TEST_LOG_LEVEL ?? "silent") as "silent" });
const fatal: Error[] = [];
const fail = (err: Error) => void fatal.push(err);
const cst = (local: string) => new Date(`${local}+08:00`);
// The services live on Monday 2027-01-04 10:00 China time, moving on at the real pace.
const started = Date.now();
const clock = () => new Date(cst("2027-01-04T10:00:00").getTime() + (Date.now() - started));
const dir = mkdtempSync(join(tmpdir(), "kuayu-calendar-it-"));
const calendarFile = join(dir, "calendar.json");
const dbs: string[] = [];
const clients: { close(): void }[] = [];
let routing: RoutingApp, intake: IntakeApp, decision: App, supervision: SupervisionApp;
let mint: (courtId: string, province: string, roles: Role[]) => Promise<string>;

// TEST DATA ONLY — not the 2027 arrangement (unpublished when this was written) nor any real one:
// 01-11 and 01-12 off so the deadline moves, 01-09 worked; 2026 overridden with 10-05 a working day.
const testYears = {
  "2027": {
    source: "test data",
    holidays: [
      { name: "元旦", from: "2027-01-01", to: "2027-01-01" },
      { name: "春节", from: "2027-01-11", to: "2027-01-12" },
    ],
    workdays: ["2027-01-09"],
  },
  "2026": { source: "test data", holidays: [{ name: "国庆节", from: "2026-10-01", to: "2026-10-04" }], workdays: [] },
};
const calendarEnv = { CALENDAR_FILE: calendarFile, CALENDAR_POLL_MS: "100" };

beforeAll(async () => {
  await assertInfraUp();
  writeFileSync(calendarFile, JSON.stringify({ years: {} }));
  const signer = await createSigner(keys.privateKey);
  mint = (courtId, province, roles) => signer.mint({ user: `u-${courtId}`, courtId, roles, province });
  const db = (name: string) => (dbs.push(uniqueName(name)), dbs[dbs.length - 1]!);
  const common = { GRPC_PORT: "0", GRPC_HOST: "127.0.0.1", ...infra.kafkaEnv, KAFKA_FROM_BEGINNING: "false", JWT_PUBLIC_KEY: keys.publicKey, LOG_LEVEL: "silent", ...calendarEnv };
  routing = await startRouting(readRoutingConfig({ ...common, KAFKA_GROUP_ID: uniqueName("routing") }), log, fail, { now: clock });
  intake = await startIntake(
    readIntakeConfig({ ...common, MONGO_URI: infra.mongoUri, MONGO_DB: db("intake_cal"), KAFKA_GROUP_ID: uniqueName("intake"), ROUTING_ADDR: `127.0.0.1:${routing.grpcPort}`, WATCH_POLL_MS: "200" }),
    log,
    fail,
    { now: clock },
  );
  decision = await startApp(
    readConfig({
      ...common,
      MONGO_URI: infra.mongoUri,
      MONGO_DB: db("decision_cal"),
      KAFKA_GROUP_ID: uniqueName("decision"),
      PROVINCE_SCOPE: "11",
      JWT_PRIVATE_KEY: keys.privateKey,
      INTAKE_ADDRS: `*=127.0.0.1:${intake.grpcPort}`,
      WATCH_POLL_MS: "200",
      COPY_INTERVAL_MS: "200",
    }),
    log,
    fail,
    { now: clock },
  );
  supervision = await startSupervision(
    readSupervisionConfig({
      ...common,
      HTTP_PORT: "0",
      HTTP_HOST: "127.0.0.1",
      MONGO_URI: infra.mongoUri,
      MONGO_DB: db("supervision_cal"),
      KAFKA_GROUP_ID: uniqueName("supervision"),
      NOTICE_TIME: "off",
    }),
    log,
    fail,
  );
}, 120_000);

afterAll(async () => {
  clients.forEach((c) => c.close());
  const clean = [];
  for (const app of [decision, supervision, intake, routing]) clean.push(await app?.stop());
  expect(fatal).toEqual([]);
  expect(clean).toEqual([true, true, true, true]);
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: "admin" });
  for (const name of dbs) await conn.useDb(name).dropDatabase();
  await conn.close();
});

const client = async <T extends Parameters<typeof createClient>[0]>(service: T, port: number, courtId: string, province: string, roles: Role[]) => {
  const c = createClient(service, `127.0.0.1:${port}`, { token: await mint(courtId, province, roles), timeoutMs: 60_000 });
  clients.push(c);
  return c;
};

describe("a filing made on 2027-01-04, before the 2027 arrangement is loaded", () => {
  let filingId: string;
  let first: decisionV1.InboxFiling;

  it("is routed with provisional deadlines, which the inbox and the window's timeline mark", async () => {
    const window = await client(intakeV1.FilingIntakeService, intake.grpcPort, TRIBUNAL.id, TRIBUNAL.province, ["window-clerk"]);
    filingId = await readyDraft(window);
    await window.submitFiling({ filingId, idempotencyKey: `submit-${filingId}` });
    const specialist = await client(decisionV1.JurisdictionDecisionService, decision.grpcPort, BEIJING_CHAOYANG.id, "11", ["filing-specialist"]);
    first = await eventually(async () => (await specialist.getInboxFiling({ filingId }).catch(() => undefined))?.filing, 60_000, "the filing in the inbox");
    expect(first.deadlinesEstimated).toBe(true);
    // Received Monday 10:00 (the clock moved a little): 30 working minutes; 7 days → Monday 01-11, a working day provisionally.
    expect(timestampDate(first.responseDue!).getTime() - timestampDate(first.arrivedAt!).getTime()).toBeLessThan(31 * 60_000);
    expect(timestampDate(first.decisionDue!)).toEqual(cst("2027-01-12T00:00:00"));
    const routed = await eventually(async () => (await window.getFiling({ filingId })).filing!.timeline.find((t) => t.eventType === "kuayu.routing.v1.FilingRouted"), 30_000, "routed on the timeline");
    expect(routed.detail).toMatch(/decide by 2027-01-11 \(provisional: the official holiday arrangement of that year is not loaded\)/);
  });

  it("counts the response in supervision as provisional", async () => {
    const specialist = await client(decisionV1.JurisdictionDecisionService, decision.grpcPort, BEIJING_CHAOYANG.id, "11", ["filing-specialist"]);
    await specialist.acknowledge({ filingId });
    const supervisor = await client(supervisionV1.SupervisionService, supervision.grpcPort, "c-spc", "00", ["supervisor"]);
    const scope = { level: supervisionV1.ScopeLevel.COURT, id: BEIJING_CHAOYANG.id };
    const i = await eventually(
      async () => {
        const res = await supervisor.getIndicators({ scope, fromDate: "2027-01-04", toDate: "2027-01-04" });
        return res.indicators!.responded === 1n ? res.indicators : undefined;
      },
      30_000,
      "the response counted",
    );
    expect(i.responsesProvisional).toBe(1n);
  });

  it("keeps its deadlines when the operator writes a bad file, and the directory keeps its days", async () => {
    const directory = await client(directoryV1.DirectoryService, routing.grpcPort, BEIJING_CHAOYANG.id, "11", ["filing-specialist"]);
    const holidayMonday = await directory.getWorkingStatus({ courtId: BEIJING_CHAOYANG.id, at: timestampFromDate(cst("2026-10-05T10:00:00")) });
    expect(holidayMonday).toMatchObject({ open: false, workingDay: false, provisional: false });
    writeFileSync(calendarFile, JSON.stringify({ years: { "2027": { ...testYears["2027"], workdays: ["2027-01-08"] } } })); // a Friday: refused
    await new Promise((r) => setTimeout(r, 1_000));
    const specialist = await client(decisionV1.JurisdictionDecisionService, decision.grpcPort, BEIJING_CHAOYANG.id, "11", ["filing-specialist"]);
    expect((await specialist.getInboxFiling({ filingId })).filing).toMatchObject({ deadlinesEstimated: true, decisionDue: first.decisionDue });
  });

  it("is counted again when the 2027 arrangement is loaded, without a restart, and the timeline records it", async () => {
    writeFileSync(calendarFile, JSON.stringify({ years: testYears }));
    const specialist = await client(decisionV1.JurisdictionDecisionService, decision.grpcPort, BEIJING_CHAOYANG.id, "11", ["filing-specialist"]);
    const after = await eventually(
      async () => {
        const f = (await specialist.getInboxFiling({ filingId })).filing!;
        return f.deadlinesEstimated ? undefined : f;
      },
      30_000,
      "official deadlines in the inbox",
    );
    // 01-11 and 01-12 are holidays in the file: the period ends on Wednesday 01-13.
    expect(timestampDate(after.decisionDue!)).toEqual(cst("2027-01-14T00:00:00"));
    const window = await client(intakeV1.FilingIntakeService, intake.grpcPort, TRIBUNAL.id, TRIBUNAL.province, ["window-clerk"]);
    const entry = await eventually(
      async () => (await window.getFiling({ filingId })).filing!.timeline.find((t) => t.eventType === "kuayu.decision.v1.DeadlinesChanged"),
      30_000,
      "the change on the timeline",
    );
    expect(entry.detail).toMatch(
      /^deadlines recomputed, holiday calendar 2026, 2027 changed: respond by 2027-01-04 10:3\d, decide by 2027-01-13 \(was respond by .*, decide by 2027-01-11 \(provisional/,
    );

    const supervisor = await client(supervisionV1.SupervisionService, supervision.grpcPort, "c-spc", "00", ["supervisor"]);
    const scope = { level: supervisionV1.ScopeLevel.COURT, id: BEIJING_CHAOYANG.id };
    const i = await eventually(
      async () => {
        const res = await supervisor.getIndicators({ scope, fromDate: "2027-01-04", toDate: "2027-01-04" });
        return res.indicators!.responsesProvisional === 0n ? res.indicators : undefined;
      },
      30_000,
      "the response recounted",
    );
    expect(i).toMatchObject({ filings: 1n, responded: 1n });

    // 2026 is in the library and in the file: the file's days count.
    const directory = await client(directoryV1.DirectoryService, routing.grpcPort, BEIJING_CHAOYANG.id, "11", ["filing-specialist"]);
    const monday = await directory.getWorkingStatus({ courtId: BEIJING_CHAOYANG.id, at: timestampFromDate(cst("2026-10-05T10:00:00")) });
    expect(monday).toMatchObject({ open: true, workingDay: true, provisional: false });
    const later = await directory.getWorkingStatus({ courtId: BEIJING_CHAOYANG.id, at: timestampFromDate(cst("2028-01-03T10:00:00")) });
    expect(later.provisional).toBe(true); // 2028 is still not loaded
  });
});

it("refuses to start a service on a bad calendar file, listing every problem (exit 2)", () => {
  const bad = join(dir, "bad.json");
  writeFileSync(
    bad,
    JSON.stringify({
      years: {
        "2027": {
          source: "test data",
          holidays: [
            { name: "元旦", from: "2027-01-01", to: "2027-01-02" },
            { name: "新年", from: "2027-01-02", to: "2027-01-03" },
          ],
          workdays: ["2027-01-05", "2026-12-26"],
        },
      },
    }),
  );
  const main = join(__dirname, "../../routing/dist/main.js");
  const run = spawnSync(process.execPath, [main], {
    env: { PATH: process.env.PATH ?? "", METRICS_PORT: "off", GRPC_PORT: "0", JWT_PUBLIC_KEY: keys.publicKey, CALENDAR_FILE: bad },
    encoding: "utf8",
    timeout: 30_000,
  });
  expect(run.status).toBe(2);
  const problems = run.stderr.split("\n").filter((l) => l.startsWith("  - CALENDAR_FILE"));
  expect(problems.map((l) => l.replace(`  - CALENDAR_FILE ${bad}: `, ""))).toEqual([
    'years.2027.holidays[1].name: unknown holiday "新年": one of 元旦, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节 (several joined by 、)',
    "years.2027.holidays[1]: overlaps years.2027.holidays[0]",
    "years.2027.workdays[0]: 2027-01-05 is not a Saturday or Sunday: only a weekend day can be an adjusted working day",
    "years.2027.workdays[1]: 2026-12-26 is outside 2027",
  ]);
});
