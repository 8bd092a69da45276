// Supervision on the real broker and store: scripted filings with controlled response times give
// exactly the expected indicators, overdue list and notices — including filings that arrive on a
// Friday evening before the Qingming holiday (working-time clock) — drills stay out of the real
// indicators, and a province's supervisor cannot read another province.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { SUPERVISION_AUDIENCE, createSigner, type Role } from "@kuayu/auth";
import { createClient, type Client } from "@kuayu/grpc";
import { createKafka, createProducer, type EventProducer } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { connectMongo } from "@kuayu/mongo";
import { commonV1, decisionEventsV1, supervisionV1 } from "@kuayu/proto";
import { lifecycleStream, lifecycleTopic, type FilingEventInit } from "@kuayu/topics";
import { assertInfraUp, eventually, infra, publishLifecycle, testEventKeys, testKeys, uniqueName } from "@kuayu/testkit";
import { testConfig } from "./support";
import { startApp, type App } from "../src/app";

const keys = testKeys();
const log = createLogger({ service: "test", level: "silent" });
const COURT = "c-110108"; // 北京市海淀区人民法院
const WINDOW = "t-440103001";
const cst = (local: string) => new Date(`${local}+08:00`);
let app: App;
let db: string;
let events: EventProducer;
let mint: (courtId: string, province: string, roles: Role[]) => Promise<string>;
const clients: { close(): void }[] = [];
const fatal: Error[] = [];

beforeAll(async () => {
  await assertInfraUp();
  const signer = await createSigner(keys.privateKey);
  mint = (courtId, province, roles) => signer.mint({ user: `u-${courtId}`, courtId, roles, province });
  db = uniqueName("supervision_it");
  app = await startApp(testConfig(db, keys.publicKey), log, (err) => void fatal.push(err));
  events = await createProducer(createKafka({ ...infra.kafka, clientId: "supervision-test", log }), "kuayu.test");
});
afterAll(async () => {
  clients.forEach((c) => c.close());
  await events?.disconnect();
  expect(await app?.stop()).toBe(true);
  expect(fatal).toEqual([]);
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: db });
  await conn.dropDatabase();
  await conn.close();
});

const client = async (courtId: string, province: string, roles: Role[] = ["supervisor"]): Promise<Client<typeof supervisionV1.SupervisionService>> => {
  const c = createClient(supervisionV1.SupervisionService, `127.0.0.1:${app.grpcPort}`, { token: await mint(courtId, province, roles), timeoutMs: 30_000 });
  clients.push(c);
  return c;
};

/**
 * Publishes a lifecycle event of a Guangdong window's filing for a Beijing court at `time`, as the
 * services do: on Guangdong's topic and on Beijing's, one event id on both.
 */
const publish = (filingId: string, event: FilingEventInit["event"], time: Date) => publishLifecycle(events, { window: "44", jurisdiction: "11" }, filingId, event, { time });

/** A filing routed to `court` (in Beijing) at `arrivedAt`; the response and decision at the given times. */
async function filing(o: { court?: string; arrivedAt: Date; ackAt?: Date; decide?: { at: Date; accepted: boolean }; drill?: boolean; caseType?: commonV1.CaseType; window?: string }) {
  const id = randomUUID();
  const base = { filingId: id, collaboratingCourtId: o.window ?? WINDOW, jurisdictionCourtId: o.court ?? COURT, round: 1, drill: o.drill ?? false };
  await publish(
    id,
    {
      case: "filingRouted",
      value: {
        ...base,
        province: "11",
        originProvince: "44",
        caseType: o.caseType ?? commonV1.CaseType.CIVIL_FIRST_INSTANCE,
        receiptNumber: `KY-${id.slice(0, 8)}`,
        routedAt: timestampFromDate(o.arrivedAt),
        responseDue: timestampFromDate(new Date(o.arrivedAt.getTime() + 30 * 60_000)),
        decisionDue: timestampFromDate(new Date(o.arrivedAt.getTime() + 8 * 86400_000)),
      },
    },
    o.arrivedAt,
  );
  if (o.ackAt) await publish(id, { case: "acknowledged", value: base }, o.ackAt);
  if (o.decide) {
    // As the decision service does: every decision carries the court's first response.
    const acknowledgedAt = timestampFromDate(o.ackAt ?? o.decide.at);
    if (o.decide.accepted) await publish(id, { case: "accepted", value: { ...base, caseNumber: "（2026）京0108民初1号", acknowledgedAt } }, o.decide.at);
    else await publish(id, { case: "rejected", value: { ...base, category: decisionEventsV1.RejectionCategory.OTHER, reason: "x", acknowledgedAt } }, o.decide.at);
  }
  return id;
}

const scope = (level: supervisionV1.ScopeLevel, id = "") => ({ level, id });
const beijing = scope(supervisionV1.ScopeLevel.PROVINCE, "11");
const haidian = scope(supervisionV1.ScopeLevel.COURT, COURT);
let ids: Record<string, string>;

it("counts exactly the scripted response times, on the courts' working-time clock", async () => {
  ids = {
    a: await filing({ arrivedAt: cst("2026-04-01T09:00:00"), ackAt: cst("2026-04-01T09:20:00"), decide: { at: cst("2026-04-02T10:00:00"), accepted: true } }),
    b: await filing({ arrivedAt: cst("2026-04-01T09:00:00"), ackAt: cst("2026-04-01T09:03:00") }),
    c: await filing({ arrivedAt: cst("2026-04-01T09:00:00"), ackAt: cst("2026-04-01T09:45:00"), decide: { at: cst("2026-04-02T10:00:00"), accepted: false } }),
    d: await filing({ arrivedAt: cst("2026-04-01T09:00:00") }), // never answered
    // Friday evening before Qingming (4–6 April 2026 off): 10 minutes on Friday + 15 on Tuesday = 25.
    e: await filing({ arrivedAt: cst("2026-04-03T17:20:00"), ackAt: cst("2026-04-07T08:45:00") }),
    // 30 minutes on Friday + 20 on Tuesday = 50: late, though both are "the next working morning".
    f: await filing({ arrivedAt: cst("2026-04-03T17:00:00"), ackAt: cst("2026-04-07T08:50:00") }),
    // A drill filing on the same day must not count.
    g: await filing({ arrivedAt: cst("2026-04-01T09:00:00"), ackAt: cst("2026-04-01T11:00:00"), drill: true }),
  };
  const spc = await client("c-spc", "00");
  const want = { filings: 6n, responded: 5n, respondedWithin30Minutes: 3n, respondedWithin5Minutes: 1n, decided: 2n, accepted: 1n, rejected: 1n };
  let last: unknown;
  const got = await eventually(
    async () => {
      const i = (await spc.getIndicators({ scope: haidian, fromDate: "2026-04-01", toDate: "2026-04-07" })).indicators!;
      last = i;
      // One flush writes the counters first and the open filings last: wait for both.
      return i.filings === 6n && i.responded === 5n && i.decided === 2n && i.overdueNow === 4n ? i : undefined;
    },
    30_000,
    "the six filings counted and the open ones listed",
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last: ${JSON.stringify(last, (_k, v) => (typeof v === "bigint" ? Number(v) : v))}`);
  });
  expect(got).toMatchObject(want);
  expect(got.responseRate30Minutes).toBeCloseTo(0.5);
  expect(got.responseMinutesMean).toBeCloseTo((20 + 3 + 45 + 25 + 50) / 5);
  expect(got.overdueNow).toBe(4n); // d (no response); b, e, f (responded, decision overdue since April)
  // Asked to, the drill filing g counts too (the console's switch "包含演练数据"): answered late, its decision overdue.
  const withDrill = await eventually(async () => {
    const i = (await spc.getIndicators({ scope: haidian, fromDate: "2026-04-01", toDate: "2026-04-07", includeDrill: true })).indicators!;
    return i.filings === 7n ? i : undefined;
  });
  expect([withDrill.responded, withDrill.respondedWithin30Minutes, withDrill.overdueNow]).toEqual([6n, 3n, 5n]);
  expect((await spc.listOverdue({ scope: haidian })).filings.map((f) => f.filingId).sort()).toEqual([ids.b, ids.d, ids.e, ids.f].sort());
  expect((await spc.listOverdue({ scope: haidian, includeDrill: true })).filings.map((f) => f.filingId).sort()).toEqual([ids.b, ids.d, ids.e, ids.f, ids.g].sort());
  // Province and country hold the same six; one day alone holds its own.
  expect((await spc.getIndicators({ scope: beijing, fromDate: "2026-04-01", toDate: "2026-04-07" })).indicators).toMatchObject(want);
  expect((await spc.getIndicators({ scope: scope(supervisionV1.ScopeLevel.NATIONAL), fromDate: "2026-04-01", toDate: "2026-04-07" })).indicators).toMatchObject(want);
  expect((await spc.getIndicators({ scope: haidian, fromDate: "2026-04-03", toDate: "2026-04-03" })).indicators).toMatchObject({ filings: 2n, respondedWithin30Minutes: 1n });
  expect((await spc.getIndicators({ scope: haidian, fromDate: "2026-04-01", toDate: "2026-04-07", caseType: commonV1.CaseType.ENFORCEMENT })).indicators!.filings).toBe(0n);
});

it("lists what is overdue and publishes the daily and weekly notices, with CSV", async () => {
  const spc = await client("c-spc", "00");
  const overdue = (await spc.listOverdue({ scope: beijing })).filings;
  expect(overdue.map((o) => [o.filingId, o.overdueFor])).toEqual([
    [ids.d, "response"],
    [ids.b, "decision"],
    [ids.f, "decision"],
    [ids.e, "decision"],
  ]);
  const daily = (await spc.generateNotice({ kind: supervisionV1.NoticeKind.DAILY, scope: beijing })).notice!;
  expect(daily.rows.map((r) => r.filingId)).toEqual([ids.d]);
  expect(daily.rows[0]).toMatchObject({ jurisdictionCourtName: "北京市海淀区人民法院", lateUnit: "hours" });
  const weekly = (await spc.generateNotice({ kind: supervisionV1.NoticeKind.WEEKLY, scope: beijing })).notice!;
  expect(weekly.rows.map((r) => r.filingId).sort()).toEqual([ids.b, ids.d, ids.e, ids.f].sort());
  // (The BOM the service puts first is dropped by protobuf's UTF-8 decoding; the CLI and the HTTP CSV add it.)
  expect(weekly.csv.replace(/^\uFEFF/, "").startsWith("管辖法院,")).toBe(true);
  expect(weekly.csv.split("\r\n").filter(Boolean)).toHaveLength(5);
  expect((await spc.listNotices({ scope: beijing })).notices.map((n) => n.noticeId)).toEqual(expect.arrayContaining([daily.noticeId, weekly.noticeId]));
});

it("keeps drills out of the real indicators and reports participation and missing courts", async () => {
  const spc = await client("c-spc", "00");
  const now = new Date();
  const { drill } = await spc.createDrill({
    drill: {
      name: "2026年11月全国跨域立案演练",
      rounds: 1,
      courtIds: ["t-440103001", "t-440103002"],
      caseTypes: [commonV1.CaseType.CIVIL_FIRST_INSTANCE, commonV1.CaseType.ENFORCEMENT],
      startsAt: timestampFromDate(new Date(now.getTime() - 3600_000)),
      endsAt: timestampFromDate(new Date(now.getTime() + 3600_000)),
    },
  });
  // One tribunal files both case types, the other only one.
  for (const [window, caseType] of [
    ["t-440103001", commonV1.CaseType.CIVIL_FIRST_INSTANCE],
    ["t-440103001", commonV1.CaseType.ENFORCEMENT],
    ["t-440103002", commonV1.CaseType.ENFORCEMENT],
  ] as const) {
    await filing({ window, caseType, drill: true, arrivedAt: now, ackAt: new Date(now.getTime() + 60_000) });
  }
  const report = await eventually(
    async () => {
      const r = await spc.getDrillReport({ drillId: drill!.drillId });
      return r.filings === 3n ? r : undefined;
    },
    30_000,
    "the drill filings in the report",
  );
  expect(report.missingCourtIds).toEqual(["t-440103002"]);
  expect(report.participation.find((p) => p.group === "province" && p.key === "44")).toMatchObject({ expected: 2n, participated: 1n, rate: 0.5 });
  expect(report.participation.find((p) => p.group === "level" && p.key === "tribunal")).toMatchObject({ expected: 2n, participated: 1n });
  // The real indicators of today did not move.
  const today = new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  expect((await spc.getIndicators({ scope: haidian, fromDate: today, toDate: today })).indicators!.filings).toBe(0n);
});

it("takes ratings and complaints from the window, and refuses other provinces' supervisors", async () => {
  const window = await client(WINDOW, "44", ["window-clerk"]);
  await window.rateFiling({ filingId: ids.a, score: 4, comment: "很快", byParty: true });
  await window.rateFiling({ filingId: ids.a, score: 4, byParty: true }); // once per rater
  await window.rateFiling({ filingId: ids.b, score: 2, byParty: true });
  const { complaint } = await window.fileComplaint({ filingId: ids.d, category: "slow-response", text: "两天无人响应" });
  await expect((await client("c-440104", "44", ["window-clerk"])).rateFiling({ filingId: ids.a, score: 5 })).rejects.toMatchObject({ code: 7 });

  const gd = await client("c-440000", "44"); // 广东省高级人民法院's supervisor
  await expect(gd.getIndicators({ scope: beijing })).rejects.toMatchObject({ code: 7 });
  await expect(gd.getIndicators({ scope: haidian })).rejects.toMatchObject({ code: 7 });
  await expect(gd.listOverdue({ scope: scope(supervisionV1.ScopeLevel.NATIONAL) })).rejects.toMatchObject({ code: 7 });
  await expect(gd.getIndicators({ scope: scope(supervisionV1.ScopeLevel.PROVINCE, "44") })).resolves.toBeDefined();
  await expect((await client(COURT, "11", ["filing-specialist"])).getIndicators({ scope: haidian })).rejects.toMatchObject({ code: 7 });

  const bj = await client("c-110000", "11");
  const i = (await bj.getIndicators({ scope: haidian, fromDate: "2026-04-01", toDate: "2026-04-07" })).indicators!;
  expect(i).toMatchObject({ satisfactionCount: 2n, complaints: 1n });
  expect(i.satisfactionAverage).toBeCloseTo(3);
  const answered = await bj.answerComplaint({ complaintId: complaint!.complaintId, answer: "已督促海淀法院处理" });
  expect(answered.complaint!.status).toBe("answered");

  // The same rules over the dashboards' HTTP API.
  const url = `http://127.0.0.1:${app.httpPort}/v1/indicators?level=court&id=${COURT}&from=2026-04-01&to=2026-04-07`;
  const ok = await fetch(url, { headers: { authorization: `Bearer ${await mint("c-110000", "11", ["supervisor"])}` } });
  expect(ok.status).toBe(200);
  expect(((await ok.json()) as { indicators: unknown }).indicators).toMatchObject({ filings: 6, respondedWithin30Minutes: 3 });
  expect((await fetch(url, { headers: { authorization: `Bearer ${await mint("c-440000", "44", ["supervisor"])}` } })).status).toBe(403);
  expect((await fetch(url)).status).toBe(401);
});

it("takes the party's own rating once decided, and complaints with tracking numbers, through the console's public token for one filing; the answer reaches the party", async () => {
  const signer = await createSigner(keys.privateKey);
  const party = async (filing: string) =>
    createClient(supervisionV1.SupervisionService, `127.0.0.1:${app.grpcPort}`, {
      token: await signer.mintPublic({ visitor: "visitor-1", scope: "filing:party", filing, audience: SUPERVISION_AUDIENCE }),
      timeoutMs: 30_000,
    });
  const [ofA, ofB, ofC] = [await party(ids.a!), await party(ids.b!), await party(ids.c!)];
  // Not decided yet; rated already (the window entered the party's rating of a); then c, once.
  await expect(ofB.rateFiling({ filingId: ids.b, score: 5 })).rejects.toMatchObject({ code: 9, details: "the party rates a filing once it is decided" });
  await expect(ofA.rateFiling({ filingId: ids.a, score: 5 })).rejects.toMatchObject({ code: 9, details: "this filing has been rated already" });
  await ofC.rateFiling({ filingId: ids.c, score: 1, comment: "不予受理理由不清楚" });
  await expect(ofC.rateFiling({ filingId: ids.c, score: 5 })).rejects.toMatchObject({ code: 9, details: "this filing has been rated already" });
  await expect(ofC.rateFiling({ filingId: ids.c, score: 6 })).rejects.toMatchObject({ code: 3 });
  // Only its own filing, and nothing else of the service.
  await expect(ofC.rateFiling({ filingId: ids.e, score: 5 })).rejects.toMatchObject({ code: 7 });
  await expect(ofC.fileComplaint({ filingId: ids.e, category: "other", text: "x" })).rejects.toMatchObject({ code: 7 });
  await expect(ofC.getIndicators({ scope: haidian })).rejects.toMatchObject({ code: 7 });
  await expect(ofC.answerComplaint({ complaintId: "x", answer: "y" })).rejects.toMatchObject({ code: 7 });

  const { complaint } = await ofC.fileComplaint({ filingId: ids.c, category: "wrong-decision", text: "请说明不予受理的理由" });
  expect(complaint!.complaintId).toMatch(/^TS-\d{8}-[2-9A-HJKMNP-Z]{6}$/);
  expect((await ofC.listComplaints({})).complaints.map((c) => [c.complaintId, c.status])).toEqual([[complaint!.complaintId, "open"]]);
  // Counted as today: one rating (1) and one complaint more than the window's.
  const bj = await client("c-110000", "11");
  const i = (await bj.getIndicators({ scope: haidian, fromDate: "2026-04-01", toDate: "2026-04-07" })).indicators!;
  expect(i).toMatchObject({ satisfactionCount: 3n, complaints: 2n });
  expect(i.satisfactionAverage).toBeCloseTo(7 / 3);
  // Beijing's supervisor sees it among the province's open complaints and answers; the party reads the answer.
  expect((await bj.listComplaints({ scope: scope(supervisionV1.ScopeLevel.PROVINCE, "11"), openOnly: true })).complaints.map((c) => c.complaintId)).toContain(complaint!.complaintId);
  await expect((await client("c-440000", "44")).answerComplaint({ complaintId: complaint!.complaintId, answer: "x" })).rejects.toMatchObject({ code: 7 });
  await bj.answerComplaint({ complaintId: complaint!.complaintId, answer: "已要求海淀法院书面说明理由" });
  expect((await ofC.listComplaints({})).complaints[0]).toMatchObject({ status: "answered", answer: "已要求海淀法院书面说明理由" });
  expect((await ofA.listComplaints({})).complaints).toEqual([]);
});

it("counts the litigation cost its decided filings saved the parties, exactly as the model computed by hand: trips of the filing and its correction round, no drill, nothing undecided", async () => {
  const CHAOYANG = "c-110105";
  const arrivedAt = cst("2026-05-11T09:00:00");
  const decide = { at: cst("2026-05-12T10:00:00"), accepted: true };
  await filing({ court: CHAOYANG, arrivedAt, ackAt: cst("2026-05-11T09:10:00"), decide });
  await filing({ court: CHAOYANG, arrivedAt, ackAt: cst("2026-05-11T09:10:00"), decide, drill: true });
  await filing({ court: CHAOYANG, arrivedAt }); // not decided: nothing saved yet
  // Corrections asked once: the party was spared a second trip.
  const corrected = await filing({ court: CHAOYANG, arrivedAt });
  const base = { filingId: corrected, collaboratingCourtId: WINDOW, jurisdictionCourtId: CHAOYANG, drill: false };
  await publish(corrected, { case: "correctionRequested", value: { ...base, round: 1, items: [{ materialKind: "evidence", description: "补充" }] } }, cst("2026-05-11T09:20:00"));
  await publish(
    corrected,
    { case: "filingRouted", value: { ...base, round: 2, province: "11", originProvince: "44", routedAt: timestampFromDate(cst("2026-05-11T15:00:00")) } },
    cst("2026-05-11T15:00:00"),
  );
  await publish(corrected, { case: "accepted", value: { ...base, round: 2, caseNumber: "（2026）京0105民初9号" } }, cst("2026-05-12T11:00:00"));

  // By hand: the window's division (440103 荔湾区) and the court's (110105 朝阳区), from the shipped
  // centroids; haversine on 6,371.0088 km; road = 1.3 × that; a round trip beyond 1,000 km at
  // 0.40 yuan/km, two days (meals 100, income 88 each) and a night (350).
  const { points } = JSON.parse(readFileSync(path.join(__dirname, "../../../libs/directory/data/division-centroids.json"), "utf8")) as { points: Record<string, [number, number]> };
  const rad = (deg: number) => (deg * Math.PI) / 180;
  const [lng1, lat1] = points["440103"]!.map(rad) as [number, number];
  const [lng2, lat2] = points["110105"]!.map(rad) as [number, number];
  const km = 2 * 6371.0088 * Math.asin(Math.sqrt(Math.sin((lat2 - lat1) / 2) ** 2 + Math.cos(lat1) * Math.cos(lat2) * Math.sin((lng2 - lng1) / 2) ** 2));
  const road = km * 1.3;
  expect(road).toBeGreaterThan(1000);
  const trip = 2 * road * 0.4 + 350 + 2 * 100 + 2 * 88;
  const expected = Math.round(trip) + Math.round(2 * trip);

  const bj = await client("c-110000", "11");
  const ask = { scope: scope(supervisionV1.ScopeLevel.COURT, CHAOYANG), fromDate: "2026-05-11", toDate: "2026-05-12" };
  const i = await eventually(
    async () => {
      const got = (await bj.getIndicators(ask)).indicators!;
      return got.decided === 2n ? got : undefined;
    },
    30_000,
    "both real filings decided",
  );
  expect([i.costSavedYuan, i.costSavedFilings]).toEqual([BigInt(expected), 2n]);
  expect(i.costSavedAverage).toBeCloseTo(expected / 2, 6);
  // The province and the nation add it up the same way; the drill's own figures do not include it.
  const province = (await bj.getIndicators({ ...ask, scope: beijing })).indicators!;
  expect(province.costSavedYuan).toBeGreaterThanOrEqual(BigInt(expected));
  const withDrill = (await bj.getIndicators({ ...ask, includeDrill: true })).indicators!;
  expect([withDrill.costSavedYuan, withDrill.costSavedFilings, withDrill.decided]).toEqual([BigInt(expected), 2n, 3n]);
});

it("publishes the release's verification keys as a JWKS, with the kid its tokens carry and no private part", async () => {
  const res = await fetch(`http://127.0.0.1:${app.httpPort}/.well-known/jwks.json`);
  expect(res.status).toBe(200);
  const jwks = (await res.json()) as { keys: Record<string, unknown>[] };
  const { kid } = await createSigner(keys.privateKey);
  expect(jwks.keys).toEqual([expect.objectContaining({ kid, kty: "EC", crv: "P-256", alg: "ES256", use: "sig" })]);
  expect(jwks.keys[0]).not.toHaveProperty("d");
});

it("publishes the release's event-signing keys with their producers (EVENT_KEYS_FILE), for other releases' EVENT_TRUST", async () => {
  const eventKeys = await testEventKeys({ provinces: ["11"] });
  const withKeys = await startApp(testConfig(uniqueName("sup_keys"), keys.publicKey, { EVENT_KEYS_FILE: eventKeys.jwksFile }), log, (err) => void fatal.push(err));
  try {
    const res = await fetch(`http://127.0.0.1:${withKeys.httpPort}/.well-known/kuayu-event-keys.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(doc.keys.map((k) => k.kuayu_producer)).toEqual(["intake", "routing", "decision", "supervision"]);
    expect(doc.keys[0]).toEqual(expect.objectContaining({ kty: "EC", crv: "P-256", alg: "ES256", kuayu_provinces: ["11"] }));
    expect(doc.keys[0]).not.toHaveProperty("d");
  } finally {
    await withKeys.stop();
  }
  // Without EVENT_KEYS_FILE there is nothing to publish.
  expect((await fetch(`http://127.0.0.1:${app.httpPort}/.well-known/kuayu-event-keys.json`)).status).toBe(404);
});

it("counts a cross-province filing once, in its jurisdiction court's province, from that province's copy of its events", async () => {
  // Every event is on Guangdong's topic (the window's) and on Beijing's: this release reads both.
  const id = await filing({ arrivedAt: cst("2026-06-03T09:00:00"), ackAt: cst("2026-06-03T09:10:00"), decide: { at: cst("2026-06-04T10:00:00"), accepted: true } });
  const spc = await client("c-spc", "00");
  const day = async (s: ReturnType<typeof scope>) => (await spc.getIndicators({ scope: s, fromDate: "2026-06-03", toDate: "2026-06-03" })).indicators!;
  await eventually(async () => (await day(haidian)).decided === 1n || undefined, 30_000, "the filing counted");
  await new Promise((r) => setTimeout(r, 1500)); // the other copy's flush, were it counted, would be in by now
  const once = { filings: 1n, responded: 1n, respondedWithin30Minutes: 1n, decided: 1n, accepted: 1n };
  for (const s of [haidian, beijing, scope(supervisionV1.ScopeLevel.NATIONAL)]) expect(await day(s)).toMatchObject(once);
  expect((await day(scope(supervisionV1.ScopeLevel.PROVINCE, "44"))).filings).toBe(0n);
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: db });
  try {
    // Written by Beijing's stream, the one writer of Beijing's counters.
    expect(await conn.collection("ledger").findOne({ _id: id as never })).toMatchObject({ stream: lifecycleStream(lifecycleTopic("11").name) });
  } finally {
    await conn.close();
  }
});
