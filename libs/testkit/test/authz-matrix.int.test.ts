// The authorization matrix of every kuayu RPC: routing, intake, decision, notification and
// supervision in this process on the real broker and store, with real entities of court A (a draft
// and a submitted filing, its inbox entry, a webhook and its delivery, a receipt, a notice, a
// complaint, a drill). The RPCs come from the protobuf descriptors (the console forwards to the same
// services with the user's own token, so it adds nothing to check): a new RPC without its row here
// fails. For each RPC: no token and forged tokens are UNAUTHENTICATED; every role not in its row,
// another court (court scope) and another province (court and province scope) are
// PERMISSION_DENIED — the services' answer today to an entity of another court, kept consistent —
// and the listed roles get past the check with the same request.
import type { DescService } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { createServer, type AddressInfo } from "node:net";
import { INTAKE_AUDIENCE, NOTIFICATION_AUDIENCE, createSigner, type Role, type Scope } from "@kuayu/auth";
import { createClient } from "@kuayu/grpc";
import { createLogger } from "@kuayu/logger";
import { connectMongo } from "@kuayu/mongo";
import * as proto from "@kuayu/proto";
import { decisionV1, intakeV1, notificationV1, supervisionV1 } from "@kuayu/proto";
import {
  FORGERIES,
  assertInfraUp,
  callRaw,
  deniedRoles,
  encode,
  eventually,
  forgedTokens,
  infra,
  kuayuServices,
  rpcsOf,
  tableProblems,
  testKeys,
  uniqueName,
  type AuthzRow,
  type Caller,
  type Forgery,
  type Outcome,
} from "@kuayu/testkit";
import { readConfig as readRoutingConfig } from "../../../services/routing/src/config";
import { startApp as startRouting } from "../../../services/routing/src/app";
import { readConfig as readIntakeConfig } from "../../../services/intake/src/config";
import { startApp as startIntake } from "../../../services/intake/src/app";
import { readConfig as readDecisionConfig } from "../../../services/decision/src/config";
import { startApp as startDecision } from "../../../services/decision/src/app";
import { readConfig as readNotificationConfig } from "../../../services/notification/src/config";
import { startApp as startNotification } from "../../../services/notification/src/app";
import { testConfig as supervisionConfig } from "../../../services/supervision/test/support";
import { startApp as startSupervision } from "../../../services/supervision/src/app";
import { CIVIL_REQUIRED, civilDetails, readyDraft } from "../../../services/intake/test/support";

/** Court A of each kind of entity, and the callers that must be refused it. */
const WINDOW: Caller = { courtId: "t-440103001", province: "44" }; // a people's tribunal in Guangdong: the collaborating court
const BEIJING: Caller = { courtId: "c-110105", province: "11" }; // 朝阳: the jurisdiction court
const HIGH_COURT: Caller = { courtId: "c-110000", province: "11" }; // Beijing's high court: supervises province 11
const SPC: Caller = { courtId: "c-spc", province: "00" };
/** Another court of the owner's province. */
const otherCourt = (owner: Caller): Caller => (owner.province === "44" ? { courtId: "c-440104", province: "44" } : { courtId: "c-110101", province: "11" });
/** A court of another province. */
const otherProvince = (owner: Caller): Caller => (owner.province === "44" ? { courtId: "c-110101", province: "11" } : { courtId: "c-440104", province: "44" });

/** Entities of court A, made in beforeAll. */
interface Fx {
  draft: string;
  draftMaterials: string[];
  filing: string;
  inboxMaterial: string;
  webhook: string;
  subscription: string;
  delivery: string;
  documentCode: string;
  notice: string;
  complaint: string;
  drill: string;
}

const CLERKS = ["window-clerk", "court-system"] as const;
const SPECIALISTS = ["filing-specialist", "court-system"] as const;
const MANAGERS = ["court-system", "operator"] as const;
const ANYONE = ["window-clerk", "filing-specialist", "supervisor", "court-system", "operator"] as const;
const SUPERVISOR = ["supervisor"] as const;
const I = "kuayu.intake.v1.FilingIntakeService/";
const D = "kuayu.decision.v1.JurisdictionDecisionService/";
const R = "kuayu.directory.v1.DirectoryService/";
const N = "kuayu.notification.v1.NotificationService/";
const S = "kuayu.supervision.v1.SupervisionService/";
const province11 = { scope: { level: supervisionV1.ScopeLevel.PROVINCE, id: "11" } };
const route = { collaboratingCourtId: WINDOW.courtId, jurisdictionCourtId: BEIJING.courtId, caseType: proto.commonV1.CaseType.CIVIL_FIRST_INSTANCE };

/**
 * Who may call what. Intake serves province 44 here, decision province 11 (PROVINCE_SCOPE): their
 * own lists are scoped by province. Rows that change state come after the rows that need the state.
 */
const TABLE: AuthzRow<Fx>[] = [
  // Routing: the directory is public to every signed-in caller.
  { rpc: `${R}GetCourt`, roles: ANYONE, scope: "none", owner: WINDOW, request: () => ({ courtId: BEIJING.courtId }) },
  { rpc: `${R}BatchGetCourts`, roles: ANYONE, scope: "none", owner: WINDOW, request: () => ({ courtIds: [BEIJING.courtId] }) },
  { rpc: `${R}SearchCourts`, roles: ANYONE, scope: "none", owner: WINDOW, request: () => ({ name: "朝阳" }) },
  { rpc: `${R}ResolveJurisdiction`, roles: ANYONE, scope: "none", owner: WINDOW, request: () => ({ caseType: route.caseType, defendantDomiciles: ["110105"] }) },
  { rpc: `${R}ValidateRoute`, roles: ANYONE, scope: "none", owner: WINDOW, request: () => route },
  { rpc: `${R}ListContacts`, roles: ANYONE, scope: "none", owner: WINDOW, request: () => ({ courtId: BEIJING.courtId }) },
  { rpc: `${R}GetWorkingStatus`, roles: ANYONE, scope: "none", owner: WINDOW, request: () => ({ courtId: BEIJING.courtId }) },

  // Intake: the window's filings; the jurisdiction court's specialists read the materials sent to it.
  { rpc: `${I}CreateDraft`, roles: CLERKS, scope: "province", owner: WINDOW, request: () => ({ details: civilDetails() }) },
  { rpc: `${I}ListFilings`, roles: CLERKS, scope: "province", owner: WINDOW, request: () => ({}) },
  { rpc: `${I}GetFiling`, roles: CLERKS, scope: "court", owner: WINDOW, request: (fx) => ({ filingId: fx.draft }) },
  { rpc: `${I}WatchFilings`, roles: CLERKS, scope: "court", owner: WINDOW, request: (fx) => ({ filingId: fx.draft }) },
  { rpc: `${I}UpdateDraft`, roles: CLERKS, scope: "court", owner: WINDOW, request: (fx) => ({ filingId: fx.draft, details: civilDetails() }) },
  {
    rpc: `${I}UploadMaterial`,
    roles: CLERKS,
    scope: "court",
    owner: WINDOW,
    request: (fx) => ({ part: { case: "header", value: { filingId: fx.draft, kind: "evidence", fileName: "evidence.pdf", sizeBytes: 1n } } }),
  },
  {
    rpc: `${I}UploadMaterials`,
    roles: CLERKS,
    scope: "court",
    owner: WINDOW,
    request: (fx) => ({ part: { case: "header", value: { filingId: fx.draft, kind: "evidence", fileName: "evidence.pdf", sizeBytes: 1n } } }),
  },
  { rpc: `${I}DownloadMaterial`, roles: [...CLERKS, "filing-specialist"], scope: "court", owner: WINDOW, request: (fx) => ({ filingId: fx.draft, materialId: fx.draftMaterials[0] }) },
  // The party's look-up (the console's /party page): its public token only, no role at all.
  { rpc: `${I}LookupFiling`, roles: [], scope: "none", owner: WINDOW, request: () => ({ receiptNumber: `KY-${WINDOW.courtId}-20261128-000001`, phoneLast4: "8000" }) },
  { rpc: `${I}DownloadMaterials`, roles: [...CLERKS, "filing-specialist"], scope: "court", owner: WINDOW, request: (fx) => ({ filingId: fx.draft, materialIds: fx.draftMaterials }) },
  { rpc: `${I}SubmitCorrection`, roles: CLERKS, scope: "court", owner: WINDOW, request: (fx) => ({ filingId: fx.filing, idempotencyKey: "authz-correction", note: "补正" }) },
  { rpc: `${I}RemoveMaterial`, roles: CLERKS, scope: "court", owner: WINDOW, request: (fx) => ({ filingId: fx.draft, materialId: fx.draftMaterials[1] }) },
  { rpc: `${I}SubmitFiling`, roles: CLERKS, scope: "court", owner: WINDOW, request: (fx) => ({ filingId: fx.draft, idempotencyKey: "authz-submit" }) },
  { rpc: `${I}WithdrawFiling`, roles: CLERKS, scope: "court", owner: WINDOW, request: (fx) => ({ filingId: fx.draft, reason: "撤回" }) },

  // Decision: the jurisdiction court's inbox, in the release of its province.
  { rpc: `${D}ListInbox`, roles: SPECIALISTS, scope: "province", owner: BEIJING, request: () => ({ view: decisionV1.InboxView.AWAITING_RESPONSE }) },
  { rpc: `${D}WatchInbox`, roles: SPECIALISTS, scope: "province", owner: BEIJING, request: () => ({}) },
  { rpc: `${D}GetInboxFiling`, roles: SPECIALISTS, scope: "court", owner: BEIJING, request: (fx) => ({ filingId: fx.filing }) },
  { rpc: `${D}DownloadMaterial`, roles: SPECIALISTS, scope: "court", owner: BEIJING, request: (fx) => ({ filingId: fx.filing, materialId: fx.inboxMaterial }) },
  { rpc: `${D}Acknowledge`, roles: SPECIALISTS, scope: "court", owner: BEIJING, request: (fx) => ({ filingId: fx.filing }) },
  {
    rpc: `${D}RequestCorrections`,
    roles: SPECIALISTS,
    scope: "court",
    owner: BEIJING,
    request: (fx) => ({ filingId: fx.filing, items: [{ materialKind: "evidence", description: "证据不清晰" }] }),
  },
  {
    rpc: `${D}Reject`,
    roles: SPECIALISTS,
    scope: "court",
    owner: BEIJING,
    request: (fx) => ({ filingId: fx.filing, category: proto.decisionEventsV1.RejectionCategory.OTHER, reason: "x", legalBasis: "民事诉讼法第一百二十六条" }),
  },
  { rpc: `${D}Accept`, roles: SPECIALISTS, scope: "court", owner: BEIJING, request: (fx) => ({ filingId: fx.filing }) },

  // Notification: a caller's own notifications (filtered to its court and roles); a court's
  // webhooks and subscriptions (operators act for their province); the documents of a filing's two
  // courts; verification of a printed document's code by anyone signed in.
  { rpc: `${N}ListNotifications`, roles: ANYONE, scope: "none", owner: WINDOW, request: () => ({}) },
  { rpc: `${N}MarkRead`, roles: ANYONE, scope: "none", owner: WINDOW, request: () => ({ notificationIds: ["n-1"] }) },
  { rpc: `${N}WatchNotifications`, roles: ANYONE, scope: "none", owner: WINDOW, request: () => ({}) },
  { rpc: `${N}GetDocument`, roles: ANYONE, scope: "court", owner: WINDOW, request: (fx) => ({ filingId: fx.filing, kind: notificationV1.DocumentKind.RECEIPT }) },
  { rpc: `${N}VerifyDocument`, roles: ANYONE, scope: "none", owner: WINDOW, request: (fx) => ({ verificationCode: fx.documentCode }) },
  // The party's own SMS of their filing: only the console's public token bound to it, no role at all.
  { rpc: `${N}GetPartySms`, roles: [], scope: "none", owner: WINDOW, request: (fx) => ({ filingId: fx.filing }) },
  { rpc: `${N}SetPartySms`, roles: [], scope: "none", owner: WINDOW, request: (fx) => ({ filingId: fx.filing, optOut: false }) },
  { rpc: `${N}ListWebhooks`, roles: MANAGERS, scope: "none", owner: WINDOW, request: () => ({}) },
  { rpc: `${N}AddWebhook`, roles: MANAGERS, scope: "none", owner: WINDOW, request: () => ({ url: "http://127.0.0.1:1/authz", secret: "s".repeat(40) }) },
  { rpc: `${N}ListDeliveries`, roles: MANAGERS, scope: "court", provinceWide: ["operator"], owner: WINDOW, request: (fx) => ({ webhookId: fx.webhook }) },
  { rpc: `${N}ReplayDelivery`, roles: MANAGERS, scope: "court", provinceWide: ["operator"], owner: WINDOW, request: (fx) => ({ deliveryId: fx.delivery }) },
  { rpc: `${N}RemoveWebhook`, roles: MANAGERS, scope: "court", provinceWide: ["operator"], owner: WINDOW, request: (fx) => ({ webhookId: fx.webhook }) },
  { rpc: `${N}ListSubscriptions`, roles: MANAGERS, scope: "none", owner: WINDOW, request: () => ({}) },
  { rpc: `${N}AddSubscription`, roles: MANAGERS, scope: "none", owner: WINDOW, request: () => ({ channel: notificationV1.Channel.EMAIL, address: "clerk@court.example" }) },
  { rpc: `${N}RemoveSubscription`, roles: MANAGERS, scope: "court", owner: WINDOW, request: (fx) => ({ subscriptionId: fx.subscription }) },

  // Supervision: a high court's supervisors read their province, the SPC's the country; the
  // collaborating court's window rates and complains about its filings.
  { rpc: `${S}GetIndicators`, roles: SUPERVISOR, scope: "province", owner: HIGH_COURT, request: () => province11 },
  { rpc: `${S}ListOverdue`, roles: SUPERVISOR, scope: "province", owner: HIGH_COURT, request: () => province11 },
  { rpc: `${S}ListNotices`, roles: SUPERVISOR, scope: "province", owner: HIGH_COURT, request: () => province11 },
  { rpc: `${S}GetNotice`, roles: SUPERVISOR, scope: "province", owner: HIGH_COURT, request: (fx) => ({ noticeId: fx.notice }) },
  { rpc: `${S}GenerateNotice`, roles: SUPERVISOR, scope: "province", owner: HIGH_COURT, request: () => ({ ...province11, kind: supervisionV1.NoticeKind.DAILY }) },
  { rpc: `${S}ListComplaints`, roles: SUPERVISOR, scope: "province", owner: HIGH_COURT, request: () => province11 },
  { rpc: `${S}AnswerComplaint`, roles: SUPERVISOR, scope: "province", owner: HIGH_COURT, request: (fx) => ({ complaintId: fx.complaint, answer: "已督促处理" }) },
  { rpc: `${S}RateFiling`, roles: CLERKS, scope: "court", owner: WINDOW, request: (fx) => ({ filingId: fx.filing, score: 5, byParty: true }) },
  { rpc: `${S}FileComplaint`, roles: CLERKS, scope: "court", owner: WINDOW, request: (fx) => ({ filingId: fx.filing, category: "slow-response", text: "无人响应" }) },
  // A filing's audit records: every role of its two courts, and the supervisors of both courts'
  // provinces — so "another province" is not refused as such (services/supervision/test/audit.int.test.ts).
  { rpc: `${S}ShowAudit`, roles: ANYONE, scope: "none", owner: WINDOW, request: (fx) => ({ filingId: fx.filing }) },
  { rpc: `${S}VerifyAudit`, roles: SUPERVISOR, scope: "province", owner: HIGH_COURT, request: () => ({ province: "11" }) },
  { rpc: `${S}GetDrillReport`, roles: SUPERVISOR, scope: "national", owner: SPC, request: (fx) => ({ drillId: fx.drill, round: 1 }) },
  {
    rpc: `${S}CreateDrill`,
    roles: SUPERVISOR,
    scope: "national",
    owner: SPC,
    request: () => ({ drill: { name: "authz", rounds: 1, courtIds: [BEIJING.courtId], startsAt: { seconds: 1_900_000_000n }, endsAt: { seconds: 1_900_086_400n } } }),
  },
];

const keys = testKeys();
const log = createLogger({ service: "test", level: "silent" });
const dbs = { intake: uniqueName("intake_authz"), decision: uniqueName("decision_authz"), notification: uniqueName("notification_authz"), supervision: uniqueName("supervision_authz") };
const fatal: Error[] = [];
const fail = (err: Error) => void fatal.push(err);
const apps: { stop(): Promise<boolean> }[] = [];
const clients: { close(): void }[] = [];
const raw = new Map<string, grpc.Client>();
const addresses: Record<string, string> = {};
const methods = new Map(rpcsOf(kuayuServices(Object.values(proto) as Record<string, unknown>[])).map((r) => [r.rpc, r.method]));
let mint: (c: Caller, roles: readonly Role[]) => Promise<string>;
/** The token decision's copier sends intake: Beijing's, for one filing's materials. */
let serviceToken: () => Promise<string>;
const fx = {} as Fx;

beforeAll(async () => {
  await assertInfraUp();
  const signer = await createSigner(keys.privateKey);
  mint = (c, roles) => signer.mint({ user: `u-${c.courtId}`, courtId: c.courtId, roles: [...roles], province: c.province });
  serviceToken = () => signer.mintService({ user: "svc-decision", courtId: BEIJING.courtId, province: BEIJING.province, scope: "material:read", filing: fx.filing, audience: INTAKE_AUDIENCE });
  // Ports picked first, so that the five services (each waits for its consumer group) start at once.
  const port = Object.fromEntries(await Promise.all([R, I, D, N, S].map(async (p) => [p, await freePort()] as const)));
  for (const p of [R, I, D, N, S]) addresses[p] = `127.0.0.1:${port[p]}`;
  const common = { GRPC_HOST: "127.0.0.1", JWT_PUBLIC_KEY: keys.publicKey, LOG_LEVEL: "silent", ...infra.kafkaEnv, KAFKA_FROM_BEGINNING: "false" };
  const store = { MONGO_URI: infra.mongoUri, WATCH_POLL_MS: "200" };
  const started = await Promise.allSettled([
    startRouting(readRoutingConfig({ ...common, GRPC_PORT: String(port[R]), KAFKA_GROUP_ID: uniqueName("routing") }), log, fail),
    startIntake(
      readIntakeConfig({ ...common, ...store, GRPC_PORT: String(port[I]), MONGO_DB: dbs.intake, KAFKA_GROUP_ID: uniqueName("intake"), ROUTING_ADDR: addresses[R], PROVINCE_SCOPE: "44" }),
      log,
      fail,
    ),
    startDecision(
      readDecisionConfig({
        ...common,
        ...store,
        GRPC_PORT: String(port[D]),
        MONGO_DB: dbs.decision,
        KAFKA_GROUP_ID: uniqueName("decision"),
        PROVINCE_SCOPE: "11",
        JWT_PRIVATE_KEY: keys.privateKey,
        INTAKE_ADDRS: `*=${addresses[I]}`,
        COPY_INTERVAL_MS: "200",
      }),
      log,
      fail,
    ),
    startNotification(
      readNotificationConfig({
        ...common,
        ...store,
        GRPC_PORT: String(port[N]),
        MONGO_DB: dbs.notification,
        KAFKA_GROUP_ID: uniqueName("notification"),
        SMTP_HOST: "127.0.0.1",
        SMTP_PORT: "2", // nothing listens: e-mails stay pending
        WEBHOOK_ALLOW_LOOPBACK_HTTP: "true", // the webhook below points at a closed loopback port
      }),
      log,
      fail,
    ),
    startSupervision(supervisionConfig(dbs.supervision, keys.publicKey, { GRPC_PORT: String(port[S]) }), log, fail),
  ]);
  for (const s of started) if (s.status === "fulfilled") apps.push(s.value);
  for (const s of started) if (s.status === "rejected") throw s.reason;
  // Court A's entities, made as the courts make them.
  const client = <T extends DescService>(svc: T, prefix: string, token: string) => {
    const c = createClient(svc, addresses[prefix]!, { token, timeoutMs: 60_000 });
    clients.push(c);
    return c;
  };
  const window = client(intakeV1.FilingIntakeService, I, await mint(WINDOW, ["window-clerk"]));
  const managers = client(notificationV1.NotificationService, N, await mint(WINDOW, ["court-system"]));
  fx.webhook = (await managers.addWebhook({ url: "http://127.0.0.1:1/hook", secret: "s".repeat(40) })).webhook!.webhookId;
  fx.subscription = (await managers.addSubscription({ channel: notificationV1.Channel.EMAIL, address: "clerk@court.example" })).subscription!.subscriptionId;
  fx.filing = await readyDraft(window);
  await window.submitFiling({ filingId: fx.filing, idempotencyKey: `submit-${fx.filing}` });
  // Complained about as soon as supervision knows the filing: maybe before its routed event is in.
  const windowSup = client(supervisionV1.SupervisionService, S, await mint(WINDOW, ["window-clerk"]));
  fx.complaint = (
    await eventually(
      async () =>
        windowSup
          .fileComplaint({ filingId: fx.filing, category: "slow-response", text: "两天无人响应" })
          .catch((err: grpc.ServiceError) => (err.code === grpc.status.NOT_FOUND ? undefined : Promise.reject(err))),
      60_000,
      "the filing known to supervision",
    )
  ).complaint!.complaintId;
  fx.draft = await readyDraft(window);
  fx.draftMaterials = (await window.getFiling({ filingId: fx.draft })).filing!.materials.map((m) => m.materialId);
  expect(fx.draftMaterials).toHaveLength(CIVIL_REQUIRED.length);

  const specialist = client(decisionV1.JurisdictionDecisionService, D, await mint(BEIJING, ["filing-specialist"]));
  const arrived = await eventually(async () => (await specialist.getInboxFiling({ filingId: fx.filing }).catch(() => undefined))?.filing, 60_000, "the filing in Beijing's inbox");
  fx.inboxMaterial = arrived.materials[0]!.material!.materialId;
  fx.delivery = (await eventually(async () => (await managers.listDeliveries({ webhookId: fx.webhook })).deliveries[0], 60_000, "a delivery to court A's webhook")).deliveryId;
  const clerkNotes = client(notificationV1.NotificationService, N, await mint(WINDOW, ["window-clerk"]));
  fx.documentCode = await eventually(
    async () => {
      for await (const part of clerkNotes.getDocument({ filingId: fx.filing, kind: notificationV1.DocumentKind.RECEIPT })) {
        if (part.part.case === "info") return part.part.value.verificationCode;
      }
      return undefined;
    },
    60_000,
    "the filing's receipt",
  );

  const high = client(supervisionV1.SupervisionService, S, await mint(HIGH_COURT, ["supervisor"]));
  fx.notice = (await high.generateNotice({ ...province11, kind: supervisionV1.NoticeKind.DAILY })).notice!.noticeId;
  const spc = client(supervisionV1.SupervisionService, S, await mint(SPC, ["supervisor"]));
  fx.drill = (await spc.createDrill({ drill: { name: "authz", rounds: 1, courtIds: [BEIJING.courtId], startsAt: { seconds: 1_900_000_000n }, endsAt: { seconds: 1_900_086_400n } } })).drill!.drillId;
}, 120_000);

afterAll(async () => {
  clients.forEach((c) => c.close());
  raw.forEach((c) => c.close());
  const clean = await Promise.all(apps.map((app) => app.stop()));
  expect(fatal).toEqual([]);
  expect(clean.every(Boolean)).toBe(true);
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: "admin" });
  for (const db of Object.values(dbs)) await conn.useDb(db).dropDatabase();
  await conn.close();
});

/** Calls a row's RPC with its request for court A's entity and the given authorization header. */
async function call(row: AuthzRow<Fx>, authorization: string | undefined): Promise<Outcome> {
  const method = methods.get(row.rpc)!;
  const prefix = row.rpc.slice(0, row.rpc.indexOf("/") + 1);
  let c = raw.get(prefix);
  if (!c) raw.set(prefix, (c = new grpc.Client(addresses[prefix]!, grpc.credentials.createInsecure())));
  // Watch streams stay open when served: cancelled after 300 ms without a message.
  return callRaw(c, method, { kind: "valid", bodies: [encode(method.input, row.request(fx))], authorization }, { idleMs: 300 });
}
/** A port nothing listens on now (the kernel's pick). */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
const bearer = async (c: Caller, roles: readonly Role[]) => `Bearer ${await mint(c, roles)}`;
const named = (o: Outcome) => `${grpc.status[o.code]} (${o.details})`;
const expectCode = (o: Outcome, code: grpc.status) => expect(named(o)).toMatch(new RegExp(`^${grpc.status[code]} `));

it("has a row for every RPC of every service", () => {
  expect(methods.size).toBeGreaterThan(40);
  expect(tableProblems(TABLE, kuayuServices(Object.values(proto) as Record<string, unknown>[]))).toEqual([]);
});

/** The RPCs the console's public pages reach, with the public token's scope and audience. */
const PUBLIC_TOKENS: Record<string, { scope: Scope; audience: string }> = {
  [`${I}LookupFiling`]: { scope: "filing:lookup", audience: INTAKE_AUDIENCE },
  [`${N}GetPartySms`]: { scope: "filing:party", audience: NOTIFICATION_AUDIENCE },
  [`${N}SetPartySms`]: { scope: "filing:party", audience: NOTIFICATION_AUDIENCE },
};

const forged = new Map<string, Record<Forgery, string>>();
const forgedFor = async (row: AuthzRow<Fx>) => {
  // A row no role may call (public tokens only): forgeries of a clerk's token.
  const roles: readonly Role[] = row.roles.length > 0 ? row.roles : ["window-clerk"];
  const key = `${row.owner.courtId} ${roles.join()}`;
  if (!forged.has(key)) forged.set(key, await forgedTokens(await mint(row.owner, roles), keys));
  return forged.get(key)!;
};

/** The answers to a row's request from `caller`, one call for each of `roles` (all at once), as "role: CODE (details)". */
const answers = (row: AuthzRow<Fx>, caller: Caller, roles: readonly Role[]) => Promise.all(roles.map(async (r) => `${r}: ${named(await call(row, await bearer(caller, [r])))}`));
const allDenied = (roles: readonly Role[]) => roles.map((r) => expect.stringMatching(new RegExp(`^${r}: PERMISSION_DENIED `)));

describe.each(TABLE.map((row) => [row.rpc, row] as const))("%s", (_rpc, row) => {
  it("refuses a call without a token or with a malformed header: UNAUTHENTICATED", async () => {
    const headers = [undefined, "", "Bearer", "Basic dXNlcjpwYXNz", "Bearer not.a.jwt"];
    expect((await Promise.all(headers.map((h) => call(row, h)))).map(named)).toEqual(headers.map(() => expect.stringMatching(/^UNAUTHENTICATED /)));
  });
  it.each(FORGERIES)("refuses a forged token (%s): UNAUTHENTICATED", async (forgery) => {
    expectCode(await call(row, `Bearer ${(await forgedFor(row))[forgery]}`), grpc.status.UNAUTHENTICATED);
  });
  it("refuses decision's narrow service token (material:read of court A's submitted filing, for intake's DownloadMaterials only)", async () => {
    // Intake's DownloadMaterials row asks for the draft: the token names another filing. Other services do not take its audience.
    expect(named(await call(row, `Bearer ${await serviceToken()}`))).toMatch(row.rpc.startsWith(I) ? /^PERMISSION_DENIED / : /^UNAUTHENTICATED /);
  });
  it("refuses every role not in its row: PERMISSION_DENIED", async () => {
    expect(await answers(row, row.owner, deniedRoles(row))).toEqual(allDenied(deniedRoles(row)));
  });
  if (row.scope === "court") {
    it("refuses court A's entity to another court of its province: PERMISSION_DENIED", async () => {
      const roles = row.roles.filter((r) => !row.provinceWide?.includes(r));
      expect(await answers(row, otherCourt(row.owner), roles)).toEqual(allDenied(roles));
    });
  }
  if (row.scope === "court" || row.scope === "province") {
    it("refuses a court of another province: PERMISSION_DENIED", async () => {
      expect(await answers(row, otherProvince(row.owner), row.roles)).toEqual(allDenied(row.roles));
    });
  }
  if (row.scope === "national") {
    it("refuses a province's callers: PERMISSION_DENIED", async () => {
      expect(await answers(row, HIGH_COURT, row.roles)).toEqual(allDenied(row.roles));
    });
  }
  const open = PUBLIC_TOKENS[row.rpc];
  if (open) {
    it(`lets the console's public token (${open.scope}) past the check, and no other public token`, async () => {
      const signer = await createSigner(keys.privateKey);
      const token = (scope: Scope, audience: string) => signer.mintPublic({ visitor: "authz", scope, audience, ...(scope === "filing:party" ? { filing: fx.filing } : {}) });
      expect(named(await call(row, `Bearer ${await token(open.scope, open.audience)}`))).not.toMatch(/^(UNAUTHENTICATED|PERMISSION_DENIED|UNIMPLEMENTED|INTERNAL|UNKNOWN) /);
      const other: Scope = open.scope === "filing:party" ? "filing:lookup" : "filing:party";
      expectCode(await call(row, `Bearer ${await token(other, open.audience)}`), grpc.status.PERMISSION_DENIED);
    });
  }
  it("lets each listed role of court A past the check with the same request", async () => {
    for (const role of row.roles)
      expect(`${role}: ${named(await call(row, await bearer(row.owner, [role])))}`).not.toMatch(/^\w+: (UNAUTHENTICATED|PERMISSION_DENIED|UNIMPLEMENTED|INTERNAL|UNKNOWN) /);
    expect(fatal).toEqual([]);
  });
});
