// `kuayu drill run` on a small subset, through routing, intake, decision and supervision running
// as their own processes (built dist/) on the real broker and store: every filing reaches a final
// state once, specialists ask for corrections and reject as planned, supervision counts each drill
// filing; a drill killed mid-way is resumed from its journal; with the decision service gone, the
// same command fails and lists the lost filings.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { connectMongo } from "@kuayu/mongo";
import { assertInfraUp, infra, serviceCertificates, spawnService, testKeys, uniqueName, type ServiceProcess } from "@kuayu/testkit";
import type { DrillReport } from "../src/drill/report";

const root = path.resolve(__dirname, "../../..");
const keys = testKeys();
const running: Record<string, ServiceProcess> = {};
const dbs: string[] = [];
const addr: Record<string, string> = {};
const tmp = mkdtempSync(path.join(os.tmpdir(), "kuayu-drill-"));
const keyFile = path.join(tmp, "key.pem");
/** The spawned services run mutual TLS; the drill dials them with the client pair (--ca, --cert, --cert-key). */
const tls = serviceCertificates();

const common = () => ({
  GRPC_PORT: "0",
  GRPC_HOST: "127.0.0.1",
  ...infra.kafkaEnv,
  MONGO_URI: infra.mongoUri,
  JWT_PUBLIC_KEY: keys.publicKey,
  KAFKA_FROM_BEGINNING: "false",
  KAFKA_SESSION_TIMEOUT_MS: "6000",
});
async function start(svc: string, env: Record<string, string>): Promise<string> {
  const proc = spawnService(path.join(root, `services/${svc}/dist/main.js`), { ...common(), OTEL_SERVICE_NAME: svc, ...env });
  running[svc] = proc;
  const line = await proc.waitFor((l) => l.msg === `${svc} started`, 90_000);
  return `127.0.0.1:${Number(line.grpcPort)}`;
}
const database = (prefix: string) => {
  const db = uniqueName(prefix);
  dbs.push(db);
  return db;
};

/** Runs the CLI as an operator would; resolves with the exit code, output and JSON report. `killWhen`: SIGKILL it once true. */
function drill(args: string[], killWhen?: () => boolean): Promise<{ code: number | null; stdout: string; stderr: string; report?: DrillReport }> {
  const reportFile = path.join(tmp, `report-${uniqueName("r")}.json`);
  const child = spawn(
    process.execPath,
    [
      path.join(root, "libs/cli/dist/main.js"),
      "drill",
      "run",
      "--key",
      keyFile,
      "--ca",
      tls.ca,
      "--cert",
      tls.clientCert,
      "--cert-key",
      tls.clientKey,
      "--report",
      reportFile,
      "--intake",
      addr.intake!,
      "--decision",
      addr.decision!,
      ...args,
    ],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const killer = killWhen && setInterval(() => killWhen() && child.kill("SIGKILL"), 50);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      if (killer) clearInterval(killer);
      let report: DrillReport | undefined;
      try {
        report = JSON.parse(readFileSync(reportFile, "utf8")) as DrillReport;
      } catch {
        report = undefined;
      }
      resolve({ code, stdout, stderr, report });
    });
  });
}

beforeAll(async () => {
  await assertInfraUp();
  writeFileSync(keyFile, keys.privateKey);
  addr.routing = await start("routing", { KAFKA_GROUP_ID: uniqueName("routing") });
  addr.supervision = await start("supervision", { MONGO_DB: database("drill_supervision"), KAFKA_GROUP_ID: uniqueName("supervision"), HTTP_PORT: "0", HTTP_HOST: "127.0.0.1", NOTICE_TIME: "off" });
  addr.intake = await start("intake", { MONGO_DB: database("drill_intake"), KAFKA_GROUP_ID: uniqueName("intake"), ROUTING_ADDR: addr.routing, WATCH_POLL_MS: "200" });
  addr.decision = await start("decision", {
    MONGO_DB: database("drill_decision"),
    KAFKA_GROUP_ID: uniqueName("decision"),
    JWT_PRIVATE_KEY: keys.privateKey,
    INTAKE_ADDRS: `*=${addr.intake}`,
    COPY_INTERVAL_MS: "200",
  });
}, 240_000);

afterAll(async () => {
  await Promise.all(Object.values(running).map((p) => p.kill("SIGKILL")));
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: "admin" });
  for (const db of dbs) await conn.useDb(db).dropDatabase();
  await conn.close();
  rmSync(tmp, { recursive: true, force: true });
});

it("runs a small drill: every filing final exactly once, corrections and rejections as planned, counted by supervision", async () => {
  // Ningxia's courts and tribunals, 4 % of their filings: about 25, crossing provinces.
  const plan = ["--provinces", "64", "--fraction", "0.04", "--seed", "11", "--corrections", "0.25", "--rejections", "0.2", "--ack-delay", "0-300ms", "--decide-delay", "0-300ms", "--poll", "300ms"];
  const r = await drill([...plan, "--supervision", addr.supervision!, "--settle", "90s", "--concurrency", "8"]);
  expect({ code: r.code, problems: r.report?.problems, stderr: r.code === 0 ? "" : r.stderr.slice(-2000) }).toEqual({ code: 0, problems: [], stderr: "" });
  const rep = r.report!;
  expect(rep.ok).toBe(true);
  expect(rep.planned).toBeGreaterThanOrEqual(15);
  expect([rep.failed, rep.lost, rep.duplicated]).toEqual([0, 0, 0]);
  // Every hop was reached by every filing; the planned shares of corrections and rejections happened.
  for (const hop of ["submitted", "routed", "in inbox", "ready for specialist", "acknowledged", "decided", "final at window"]) expect({ hop, n: rep.hops[hop] }).toEqual({ hop, n: rep.planned });
  expect(rep.hops["corrections requested"]).toBeGreaterThan(0);
  expect(rep.hops.resubmitted).toBe(rep.hops["corrections requested"]);
  expect(rep.rejected).toBeGreaterThan(0);
  expect(rep.accepted + rep.rejected).toBe(rep.planned);
  expect(rep.feedbackWithin30Minutes).toBe(1);
  expect(rep.latencyMs["submitted → in inbox"]!.n).toBeGreaterThan(0);
  expect(rep.participation.byProvince.map((p) => p.key)).toEqual(["64"]);
  expect(rep.participation.byLevel.every((l) => l.participated === l.courts)).toBe(true);
  expect(rep.supervision).toMatchObject({ ok: true, counted: rep.planned, expected: rep.planned });
  // The readable summary, with the progress on stderr as plain lines (not a terminal).
  expect(r.stdout).toContain("drill (演练) PASSED");
  expect(r.stderr).toMatch(/drill: \d+\/\d+ done/);
  // No personal data of the generated parties in the output.
  expect(r.stdout + r.stderr).not.toMatch(/\d{17}[\dX]|1[3-9]\d{9}/);
}, 300_000);

it("resumes a drill cut short from its journal: the killed run's outcomes stand, the filings it had in flight are finished, none twice", async () => {
  const journal = path.join(tmp, "journal.jsonl");
  // Qinghai: not the courts of the first test (a campaign counts its own courts' drill filings).
  const plan = [
    "--provinces",
    "63",
    "--fraction",
    "0.04",
    "--seed",
    "13",
    "--corrections",
    "0.25",
    "--rejections",
    "0.2",
    "--ack-delay",
    "200ms-1s",
    "--decide-delay",
    "200ms-1s",
    "--poll",
    "300ms",
    "--journal",
    journal,
  ];
  const run = [...plan, "--supervision", addr.supervision!, "--settle", "90s", "--concurrency", "6"];
  const outcomes = () =>
    existsSync(journal)
      ? readFileSync(journal, "utf8")
          .split("\n")
          .filter((l) => l.startsWith('{"o"')).length
      : 0;

  const cut = await drill(run, () => outcomes() >= 6);
  expect(cut.code).toBeNull(); // killed mid-drill, filings in flight
  const before = outcomes();
  expect(before).toBeGreaterThanOrEqual(6);

  // An existing journal is not overwritten by accident; a journal of another plan is refused.
  expect((await drill(run)).stderr).toMatch(/already holds a drill; --resume continues it/);
  const other = await drill(["--provinces", "64", "--limit", "2", "--seed", "99", "--no-supervision", "--journal", journal, "--resume"]);
  expect({ code: other.code, refused: /journal of another plan/.test(other.stderr) }).toEqual({ code: 2, refused: true });

  const r = await drill([...run, "--resume"]);
  expect({ code: r.code, problems: r.report?.problems, stdout: r.code === 0 ? "" : r.stdout.slice(0, 3000) }).toEqual({ code: 0, problems: [], stdout: "" });
  const rep = r.report!;
  expect(rep.planned).toBeGreaterThan(before);
  expect([rep.failed, rep.lost, rep.duplicated, rep.accepted + rep.rejected]).toEqual([0, 0, 0, rep.planned]);
  expect(rep.resumed).toMatchObject({ fromJournal: before });
  expect(rep.resumed!.continued).toBeGreaterThan(0);
  expect(rep.resumed!.runs).toHaveLength(2);
  expect(rep.wallSeconds).toBeCloseTo(
    rep.resumed!.runs.reduce((s, x) => s + x.seconds, 0),
    1,
  );
  // The campaign registered by the killed run, from the journal: every filing counted once.
  expect(rep.supervision).toMatchObject({ ok: true, counted: rep.planned, expected: rep.planned });
  expect(r.stdout).toMatch(/resumed: 2 runs .*; \d+ outcomes from the journal, \d+ filings picked up mid-way/);
}, 300_000);

it("fails and lists the lost filings when the jurisdiction court's service is gone", async () => {
  await running.decision!.kill("SIGKILL");
  const r = await drill(["--provinces", "64", "--limit", "2", "--seed", "12", "--no-supervision", "--filing-timeout", "8s", "--poll", "300ms"]);
  expect(r.code).toBe(1);
  expect(r.report).toMatchObject({ ok: false, planned: 2, lost: 2 });
  expect(r.report!.problems.map((p) => p.state)).toEqual(["lost", "lost"]);
  expect(r.stdout).toContain("drill (演练) FAILED");
  expect(r.stdout).toMatch(/lost +\S+:\S+ \(.+\): timed out; last seen: submitted, not yet in the inbox/);
}, 120_000);
