// The k6 scenario scripts of scripts/k6, unchanged, through the real k6run CLI against intake,
// routing, decision and supervision running as their own processes (built dist/) on the real broker
// and store: each script runs with 2 VUs and 4 iterations, every check passes and every threshold
// is evaluated and holds; an impossible threshold makes the run exit 99 as k6 would. Everything on
// TLS as `make up` runs it: mutual TLS for gRPC (the scripts' TLS_* files), HTTPS for supervision's API.
import path from "node:path";
import { createSigner } from "@kuayu/auth";
import { connectMongo } from "@kuayu/mongo";
import { assertInfraUp, infra, spawnService, testCertificates, testKeys, uniqueName, type ServiceProcess } from "@kuayu/testkit";
import { errorLines, failedChecks, k6run, root, type Summary } from "./support";

const keys = testKeys();
const certs = testCertificates();
const running: ServiceProcess[] = [];
const dbs: string[] = [];
/** -e settings every script gets: addresses of this test's services and the tokens. */
const settings: Record<string, string> = {};
let decisionDb: string;

const database = (prefix: string) => {
  const db = uniqueName(prefix);
  dbs.push(db);
  return db;
};
const common = () => ({
  GRPC_PORT: "0",
  GRPC_HOST: "127.0.0.1",
  ...infra.kafkaEnv,
  MONGO_URI: infra.mongoUri,
  JWT_PUBLIC_KEY: keys.publicKey,
  KAFKA_FROM_BEGINNING: "false",
  KAFKA_SESSION_TIMEOUT_MS: "6000",
  ...certs.serverEnv,
});
async function start(svc: "intake" | "routing" | "decision" | "supervision", env: Record<string, string>) {
  const proc = spawnService(path.join(root, `services/${svc}/dist/main.js`), { ...common(), OTEL_SERVICE_NAME: svc, ...env });
  running.push(proc);
  const line = await proc.waitFor((l) => l.msg === `${svc} started`, 90_000);
  return { grpc: `127.0.0.1:${Number(line.grpcPort)}`, http: `https://127.0.0.1:${Number(line.httpPort)}` };
}

/** Runs a script as an operator would, sized by the command line like k6's --vus/--iterations. */
async function k6(script: string, env: Record<string, string> = {}): Promise<{ code: number | null; errors: string[]; summary: Summary }> {
  const args = ["--vus", "2", "--iterations", "4", "--quiet"];
  for (const [k, v] of Object.entries({ ...settings, ...env })) args.push("-e", `${k}=${v}`);
  // k6run trusts the test CA for HTTPS as Node does (k6 itself: SSL_CERT_FILE).
  const r = await k6run(args, path.join(root, "scripts/k6", script), { NODE_EXTRA_CA_CERTS: certs.ca });
  if (!r.summary) throw new Error(`k6run exited with ${r.code} and no summary; stderr:\n${r.stderr}`);
  return { code: r.code, errors: errorLines(r), summary: r.summary };
}

/** What went wrong in a run, for readable failures: checks that failed, thresholds crossed with the metric's values. */
const problems = (s: Summary) => ({
  failedChecks: failedChecks(s.root_group),
  crossed: Object.entries(s.metrics).flatMap(([name, m]) =>
    Object.entries(m.thresholds ?? {})
      .filter(([, crossed]) => crossed)
      .map(([src]) => `${name} ${src} (${JSON.stringify({ ...m, thresholds: undefined })})`),
  ),
});

/** Every threshold of these metrics was evaluated, and none was crossed (k6 marks crossed ones true). */
function expectThresholdsHeld(s: Summary, metrics: string[]) {
  for (const name of metrics) {
    const t = s.metrics[name]?.thresholds;
    expect({ name, evaluated: t !== undefined && Object.keys(t).length > 0 }).toEqual({ name, evaluated: true });
    expect({
      name,
      crossed: Object.entries(t!)
        .filter(([, crossed]) => crossed)
        .map(([src]) => src),
    }).toEqual({ name, crossed: [] });
  }
}

function expectAllChecksPassed(s: Summary) {
  expect(s.metrics.checks!.passes).toBeGreaterThan(0);
  expect(s.metrics.checks!.fails).toBe(0);
  expect(s.k6run.iterationErrors).toBe(0);
  expect(s.metrics.iterations!.count).toBe(4);
}

beforeAll(async () => {
  await assertInfraUp();
  const [routing, supervision] = await Promise.all([
    start("routing", { KAFKA_GROUP_ID: uniqueName("routing") }),
    start("supervision", { MONGO_DB: database("k6_supervision"), KAFKA_GROUP_ID: uniqueName("supervision"), HTTP_PORT: "0", HTTP_HOST: "127.0.0.1", NOTICE_TIME: "off" }),
  ]);
  const intake = await start("intake", { MONGO_DB: database("k6_intake"), KAFKA_GROUP_ID: uniqueName("intake"), ROUTING_ADDR: routing.grpc, WATCH_POLL_MS: "200" });
  decisionDb = database("k6_decision");
  const decision = await start("decision", {
    MONGO_DB: decisionDb,
    KAFKA_GROUP_ID: uniqueName("decision"),
    PROVINCE_SCOPE: "11",
    JWT_PRIVATE_KEY: keys.privateKey,
    INTAKE_ADDRS: `44=${intake.grpc}`,
    COPY_INTERVAL_MS: "200",
  });
  const signer = await createSigner(keys.privateKey);
  Object.assign(settings, {
    ...certs.clientEnv,
    INTAKE_ADDR: intake.grpc,
    DECISION_ADDR: decision.grpc,
    SUPERVISION_ADDR: supervision.grpc,
    SUPERVISION_HTTP: supervision.http,
    WINDOW_TOKEN: await signer.mint({ user: "k6-window", courtId: "t-440103001", roles: ["window-clerk"], province: "44" }),
    COURT_TOKEN: await signer.mint({ user: "k6-court", courtId: "c-110105", roles: ["filing-specialist"], province: "11" }),
    SUPERVISOR_TOKEN: await signer.mint({ user: "k6-supervisor", courtId: "c-spc", roles: ["supervisor"], province: "00" }),
  });
}, 180_000);

afterAll(async () => {
  await Promise.all(running.map((p) => p.kill("SIGKILL")));
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: "admin" });
  for (const db of dbs) await conn.useDb(db).dropDatabase();
  await conn.close();
});

it("submit-and-decide.js files, uploads, submits, and the Beijing court accepts — 4 filings, every check and threshold holding", async () => {
  // The script's default p(95) < 500 ms is for warmed-up services; these just started and the first
  // calls of each (connections, JIT, the broker's first produce) are slow, so allow more here.
  const { code, errors, summary } = await k6("submit-and-decide.js", { GRPC_P95_MS: "2000" });
  expect({ code, errors, ...problems(summary) }).toEqual({ code: 0, errors: [], failedChecks: [], crossed: [] });
  expectAllChecksPassed(summary);
  expectThresholdsHeld(summary, ["grpc_req_duration", "checks", "submit_to_inbox"]);
  const checks = summary.root_group.checks;
  expect(checks["material uploaded"]).toMatchObject({ passes: 16, fails: 0 });
  expect(checks["accepted with a case number"]).toMatchObject({ passes: 4, fails: 0 });
  expect(summary.metrics.submit_to_inbox!.max).toBeGreaterThan(0);
  expect(summary.metrics.grpc_streams!.count).toBe(16);
  // The scripts' effect, seen in the jurisdiction court's store: four accepted drill filings.
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: decisionDb });
  try {
    expect(await conn.collection("inbox").countDocuments({ status: "accepted", drill: true })).toBe(4);
  } finally {
    await conn.close();
  }
}, 120_000);

it("inbox-reads.js lists the court's inbox and opens its filings", async () => {
  const { code, errors, summary } = await k6("inbox-reads.js");
  expect({ code, errors, ...problems(summary) }).toEqual({ code: 0, errors: [], failedChecks: [], crossed: [] });
  expectAllChecksPassed(summary);
  expectThresholdsHeld(summary, ["grpc_req_duration", "grpc_req_duration{method:ListInbox}", "grpc_req_duration{method:GetInboxFiling}", "checks"]);
  expect(summary.root_group.checks["the inbox has filings to open"]).toMatchObject({ passes: 1, fails: 0 });
  expect(summary.root_group.checks["inbox filing opened"]).toMatchObject({ passes: 4, fails: 0 });
}, 60_000);

it("supervision-reads.js reads indicators and overdue filings over gRPC and HTTP as the SPC's supervisor", async () => {
  const { code, errors, summary } = await k6("supervision-reads.js");
  expect({ code, errors, ...problems(summary) }).toEqual({ code: 0, errors: [], failedChecks: [], crossed: [] });
  expectAllChecksPassed(summary);
  expectThresholdsHeld(summary, ["grpc_req_duration", "http_req_duration", "http_req_failed", "checks"]);
  expect(summary.metrics.http_reqs!.count).toBe(8);
  for (const name of ["gRPC indicators well-formed", "gRPC overdue listed", "HTTP indicators well-formed", "HTTP overdue listed"]) {
    expect({ name, ...summary.root_group.checks[name] }).toMatchObject({ name, passes: 4, fails: 0 });
  }
}, 60_000);

it("exits 99 when a threshold is crossed, and marks just that threshold", async () => {
  // No read can take less than 0 ms.
  const { code, summary } = await k6("inbox-reads.js", { GET_P95_MS: "0" });
  expect(code).toBe(99);
  expect(summary.metrics["grpc_req_duration{method:GetInboxFiling}"]!.thresholds).toEqual({ "p(95)<0": true });
  expect(summary.metrics.checks!.thresholds).toEqual({ "rate>0.99": false });
}, 60_000);

it("fails the checks, and exits 99, when the supervisor's token is not a supervisor's", async () => {
  const signer = await createSigner(keys.privateKey);
  const clerk = await signer.mint({ user: "k6-window", courtId: "t-440103001", roles: ["window-clerk"], province: "44" });
  const { code, summary } = await k6("supervision-reads.js", { SUPERVISOR_TOKEN: clerk });
  expect(code).toBe(99);
  expect(summary.metrics.checks!.passes).toBe(0);
  expect(summary.root_group.checks["HTTP indicators read"]).toMatchObject({ passes: 0, fails: 4 });
  expect(summary.metrics.http_req_failed!.value).toBe(1);
}, 60_000);
