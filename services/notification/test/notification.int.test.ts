// The notification service on the real broker and store, with a real SMTP peer and webhook
// receivers on loopback: lifecycle events become in-app notifications, signed webhook deliveries
// (retried, kept in order, dead-lettered and replayed), e-mails, reminders and printable documents.
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SMTPServer } from "smtp-server";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { NOTIFICATION_AUDIENCE, createSigner, type Role } from "@kuayu/auth";
import { createClient, type Client } from "@kuayu/grpc";
import { createKafka, createProducer, type EventProducer } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { connectMongo } from "@kuayu/mongo";
import { commonV1, intakeV1, notificationV1 } from "@kuayu/proto";
import type { FilingEventInit } from "@kuayu/topics";
import { assertInfraUp, eventually, infra, publishLifecycle, startSmsProviderCheck, testKeys, uniqueName, type SmsCheck } from "@kuayu/testkit";
import { SMS_KINDS } from "../src/channels/templates";
import { verifyWebhook } from "../src/channels/webhook-signature";
import { readConfig } from "../src/config";
import { startApp, type App } from "../src/app";

const keys = testKeys();
const log = createLogger({ service: "test", level: "silent" });
const TRIBUNAL = "t-440103001"; // 广州市荔湾区人民法院沙面人民法庭
const COURT = "c-110105"; // 北京市朝阳区人民法院
const SECRET = "s".repeat(40);
let app: App;
let db: string;
let events: EventProducer;
let smtp: SMTPServer;
const mails: string[] = [];
/** Tencent Cloud SMS as the deployment's provider, checked by a local stand-in for its API. */
let smsCheck: SmsCheck;
const SMS_KEY = { keyId: "AKIDkuayuTestSecretId", secret: "kuayu-test-secret-key" };
let mint: (courtId: string, province: string, roles: Role[]) => Promise<string>;
const clients: { close(): void }[] = [];
const fatal: Error[] = [];

/** A webhook receiver that verifies every delivery and answers with the next planned status. */
function receiver(plan: (n: number) => number) {
  const got: { id: string; type: string; body: string; valid: boolean }[] = [];
  let calls = 0;
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const status = plan(++calls);
      const check = verifyWebhook(SECRET, body, String(req.headers["x-kuayu-signature"] ?? ""), Math.floor(Date.now() / 1000));
      if (status < 300) got.push({ id: String(req.headers["x-kuayu-delivery"]), type: String(req.headers["x-kuayu-event-type"]), body, valid: check.ok });
      res.writeHead(status).end();
    });
  });
  return {
    got,
    calls: () => calls,
    listen: () => new Promise<string>((r) => server.listen(0, "127.0.0.1", () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`))),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

beforeAll(async () => {
  await assertInfraUp();
  const signer = await createSigner(keys.privateKey);
  mint = (courtId, province, roles) => signer.mint({ user: `u-${courtId}`, courtId, roles, province });
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, _session, done) {
      let raw = "";
      stream.on("data", (c: Buffer) => (raw += c.toString()));
      stream.on("end", () => {
        mails.push(raw);
        done();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", () => r()));
  // Every kind's template takes the receipt number and the court; the acceptance the case number too.
  const templates = Object.fromEntries(
    SMS_KINDS.map((k, i) => [k, { templateId: String(2_000_000 + i), params: k === "accepted" || k === "party-accepted" ? ["receipt", "court", "caseNumber"] : ["receipt", "court"] }]),
  );
  smsCheck = await startSmsProviderCheck({
    provider: "tencent",
    ...SMS_KEY,
    signName: "跨域立案",
    sdkAppId: "1400123456",
    templates: Object.fromEntries(Object.values(templates).map((t) => [t.templateId, t.params])),
  });
  const templatesFile = path.join(mkdtempSync(path.join(tmpdir(), "kuayu-sms-")), "templates.json");
  writeFileSync(templatesFile, JSON.stringify(templates));
  db = uniqueName("notification_it");
  app = await startApp(
    readConfig({
      GRPC_PORT: "0",
      GRPC_HOST: "127.0.0.1",
      ...infra.kafkaEnv,
      MONGO_URI: infra.mongoUri,
      MONGO_DB: db,
      KAFKA_GROUP_ID: uniqueName("notification"),
      KAFKA_FROM_BEGINNING: "false",
      JWT_PUBLIC_KEY: keys.publicKey,
      LOG_LEVEL: "silent",
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: String((smtp.server.address() as AddressInfo).port),
      SMTP_FROM: "跨域立案服务 <no-reply@kuayu.test>",
      SMS_PROVIDER: "tencent",
      SMS_ENDPOINT: smsCheck.url,
      SMS_SIGN_NAME: "跨域立案",
      SMS_TEMPLATES_FILE: templatesFile,
      SMS_ACCESS_KEY_ID: SMS_KEY.keyId,
      SMS_ACCESS_KEY_SECRET: SMS_KEY.secret,
      SMS_SDK_APP_ID: "1400123456",
      WEBHOOK_ALLOW_LOOPBACK_HTTP: "true",
      WEBHOOK_TIMEOUT_MS: "2000",
      DELIVERY_BACKOFF_MS: "100",
      DELIVERY_INTERVAL_MS: "100",
      REMINDER_INTERVAL_MS: "200",
      WATCH_POLL_MS: "200",
    }),
    log,
    (err) => void fatal.push(err),
  );
  events = await createProducer(createKafka({ ...infra.kafka, clientId: "notification-test", log }), "kuayu.test");
});
afterAll(async () => {
  clients.forEach((c) => c.close());
  await events?.disconnect();
  expect(await app?.stop()).toBe(true);
  expect(fatal).toEqual([]);
  await new Promise<void>((r) => smtp.close(() => r()));
  await smsCheck?.close();
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: db });
  await conn.dropDatabase();
  await conn.close();
});

const client = async (courtId: string, province: string, roles: Role[]): Promise<Client<typeof notificationV1.NotificationService>> => {
  const c = createClient(notificationV1.NotificationService, `127.0.0.1:${app.grpcPort}`, { token: await mint(courtId, province, roles), timeoutMs: 30_000 });
  clients.push(c);
  return c;
};

/**
 * Publishes a lifecycle event of a filing of a Guangdong window for a Beijing court as the services
 * do: on Guangdong's topic and on Beijing's, one event id on both.
 */
const publish = (filingId: string, event: FilingEventInit["event"]) => publishLifecycle(events, { window: "44", jurisdiction: "11" }, filingId, event);

/** Publishes a filing's life up to `until` as the services would. */
async function lifecycle(filingId: string, until: "routed" | "accepted", routedAt = new Date()) {
  const base = { filingId, collaboratingCourtId: TRIBUNAL, jurisdictionCourtId: COURT, drill: false };
  await publish(filingId, {
    case: "filingSubmitted",
    value: {
      ...base,
      round: 1,
      caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE,
      receiptNumber: `KY-${TRIBUNAL}-20261128-000001`,
      submittedAt: timestampFromDate(new Date()),
      details: {
        parties: [
          { role: intakeV1.PartyRole.PLAINTIFF, identity: { case: "person", value: { name: "张三", residentId: "11010519491231002X" } }, address: "广州", phone: "13800138000" },
          { role: intakeV1.PartyRole.DEFENDANT, identity: { case: "organization", value: { name: "北京某贸易有限公司", creditCode: "91350100M000100Y43" } }, address: "北京" },
        ],
      },
      materials: [{ materialId: "m1", kind: "complaint", fileName: "起诉状.pdf", sha256: "a".repeat(64), sizeBytes: 10n }],
    },
  });
  await publish(filingId, {
    case: "filingRouted",
    value: { ...base, round: 1, province: "11", originProvince: "44", routedAt: timestampFromDate(routedAt), responseDue: timestampFromDate(new Date(routedAt.getTime() + 1800_000)) },
  });
  if (until === "accepted") {
    await publish(filingId, { case: "acknowledged", value: { ...base, round: 1 } });
    await publish(filingId, { case: "accepted", value: { ...base, round: 1, caseNumber: "（2026）京0105民初88号" } });
  }
}

it("tells the window of an acceptance in-app, by signed webhook, by e-mail and by SMS (the provider's template), and issues the acceptance notice", async () => {
  const hook = receiver(() => 200);
  const url = await hook.listen();
  const system = await client(TRIBUNAL, "44", ["court-system"]);
  const { webhook } = await system.addWebhook({ url, secret: SECRET, eventTypes: ["kuayu.decision.v1.Accepted", "kuayu.decision.v1.Acknowledged"] });
  await system.addSubscription({ channel: notificationV1.Channel.EMAIL, address: "window@court.test", eventTypes: ["kuayu.decision.v1.Accepted"] });
  await system.addSubscription({ channel: notificationV1.Channel.SMS, address: "13800138000", eventTypes: ["kuayu.decision.v1.Accepted"] });
  const filingId = randomUUID();
  await lifecycle(filingId, "accepted");

  const clerk = await client(TRIBUNAL, "44", ["window-clerk"]);
  const note = await eventually(
    async () => (await clerk.listNotifications({})).notifications.find((n) => n.filingId === filingId && n.kind === "kuayu.decision.v1.Accepted"),
    30_000,
    "the in-app notification",
  );
  expect(note.title + note.body).toContain("（2026）京0105民初88号");

  await eventually(async () => hook.got.filter((g) => JSON.parse(g.body).filingId === filingId).length === 2, 30_000, "two webhook deliveries");
  const mine = hook.got.filter((g) => JSON.parse(g.body).filingId === filingId);
  expect(mine.map((g) => g.type)).toEqual(["kuayu.decision.v1.Acknowledged", "kuayu.decision.v1.Accepted"]); // in order
  expect(mine.every((g) => g.valid)).toBe(true);
  expect(JSON.parse(mine[1]!.body).data.caseNumber).toBe("（2026）京0105民初88号");
  const history = await system.listDeliveries({ webhookId: webhook!.webhookId });
  expect(history.deliveries.filter((d) => d.filingId === filingId).every((d) => d.status === notificationV1.DeliveryStatus.DELIVERED)).toBe(true);

  const mail = await eventually(async () => mails.find((m) => m.includes("window@court.test")), 30_000, "the e-mail at the SMTP peer");
  expect(mail).toMatch(/Subject:/);
  // The SMS: Tencent's SDK, signed; the acceptance template with the receipt number, the court and the case number.
  const sms = await eventually(async () => smsCheck.accepted.find((m) => m.params.caseNumber === "（2026）京0105民初88号"), 30_000, "the SMS at the provider");
  expect(sms).toEqual({ phone: "13800138000", templateId: "2000004", params: { receipt: expect.stringMatching(/^KY-/), court: "北京市朝阳区人民法院", caseNumber: "（2026）京0105民初88号" } });
  expect(smsCheck.refused).toEqual([]);

  // The acceptance notice: a PDF with the courts, the case number and the party, verifiable by its code.
  let info: notificationV1.DocumentInfo | undefined;
  const chunks: Uint8Array[] = [];
  await eventually(
    async () => {
      chunks.length = 0;
      for await (const res of clerk.getDocument({ filingId, kind: notificationV1.DocumentKind.ACCEPTANCE_NOTICE })) {
        if (res.part.case === "info") info = res.part.value;
        else if (res.part.case === "chunk") chunks.push(res.part.value);
      }
      return info;
    },
    30_000,
    "the acceptance notice",
  );
  const file = path.join(mkdtempSync(path.join(tmpdir(), "kuayu-doc-")), "notice.pdf");
  writeFileSync(file, Buffer.concat(chunks));
  const text = execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
  for (const s of ["受理通知书", "北京市朝阳区人民法院", "（2026）京0105民初88号", "张三", info!.verificationCode]) expect(text).toContain(s);
  expect(text).not.toContain("11010519491231002X");
  const verified = await (await client("c-440104", "44", ["supervisor"])).verifyDocument({ verificationCode: info!.verificationCode });
  expect(verified.document!.sha256).toBe(info!.sha256);
  expect(verified.document!.facts).toMatchObject({ 案号: "（2026）京0105民初88号" });
  await hook.close();
});

it("tells the party who filed by SMS — the plaintiff and their agent, never the defendant, never for a drill — and stops when the party asks on /party", async () => {
  const submitted = (filingId: string, drill: boolean) =>
    publish(filingId, {
      case: "filingSubmitted",
      value: {
        filingId,
        collaboratingCourtId: TRIBUNAL,
        jurisdictionCourtId: COURT,
        drill,
        round: 1,
        caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE,
        receiptNumber: `KY-${TRIBUNAL}-20261128-000077`,
        submittedAt: timestampFromDate(new Date()),
        details: {
          parties: [
            {
              role: intakeV1.PartyRole.PLAINTIFF,
              identity: { case: "person", value: { name: "张三", residentId: "11010519491231002X" } },
              phone: drill ? "13800138002" : "+86 138-0013-8001",
              agents: [{ name: "王律师", phone: "13900139001" }],
            },
            { role: intakeV1.PartyRole.DEFENDANT, identity: { case: "person", value: { name: "李四", residentId: "" } }, phone: "13700137001" },
          ],
        },
        materials: [],
      },
    });
  const filingId = randomUUID();
  await submitted(filingId, false);
  const partyTemplate = (kind: string) => String(2_000_000 + SMS_KINDS.indexOf(kind as (typeof SMS_KINDS)[number]));
  const toParty = (kind: string) => smsCheck.accepted.filter((m) => m.templateId === partyTemplate(kind) && m.params.receipt === `KY-${TRIBUNAL}-20261128-000077`);
  const told = await eventually(async () => (toParty("party-submitted").length === 2 ? toParty("party-submitted") : undefined), 30_000, "the party's two SMS");
  expect(told.map((m) => m.phone).sort()).toEqual(["13800138001", "13900139001"]); // the plaintiff and the agent; not the defendant
  expect(told[0]!.params).toEqual({ receipt: `KY-${TRIBUNAL}-20261128-000077`, court: "北京市朝阳区人民法院" });

  // The party on /party: the numbers masked; then no more SMS. The acceptance is not sent to them.
  const party = createClient(notificationV1.NotificationService, `127.0.0.1:${app.grpcPort}`, {
    token: await (await createSigner(keys.privateKey)).mintPublic({ visitor: "v1", scope: "filing:party", filing: filingId, audience: NOTIFICATION_AUDIENCE }),
  });
  clients.push(party);
  expect((await party.getPartySms({ filingId })).sms).toMatchObject({ phones: ["138****8001", "139****9001"], optOut: false });
  expect((await party.setPartySms({ filingId, optOut: true })).sms!.optOut).toBe(true);
  await expect(party.getPartySms({ filingId: randomUUID() })).rejects.toMatchObject({ code: 7 });
  await expect((await client(TRIBUNAL, "44", ["window-clerk"])).setPartySms({ filingId, optOut: false })).rejects.toMatchObject({ code: 7 });
  const base = { filingId, collaboratingCourtId: TRIBUNAL, jurisdictionCourtId: COURT, drill: false };
  await publish(filingId, { case: "accepted", value: { ...base, round: 1, caseNumber: "（2026）京0105民初99号" } });
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: db });
  try {
    const skipped = await eventually(
      async () => {
        // The party's (the court's own webhook and SMS subscription from the first test get theirs too).
        const all = (await conn.collection("deliveries").find({ filingId, eventType: "kuayu.decision.v1.Accepted" }).toArray()).filter((d) => String(d.targetId).startsWith("party:"));
        return all.length === 2 && all.every((d) => d.status === "delivered") ? all : undefined;
      },
      30_000,
      "the acceptance's party deliveries done",
    );
    expect(skipped.map((d) => d.skipped)).toEqual(["the party asked for no more SMS", "the party asked for no more SMS"]);
    expect(toParty("party-accepted")).toEqual([]);
    // Kept sealed: the store holds no number in clear.
    const kept = JSON.stringify(await conn.collection("party_phones").findOne({ _id: filingId as never }));
    expect(kept).toMatch(/kyenc:v1:/);
    expect(kept).not.toMatch(/1380013800|1390013900|1370013700/);

    // A drill's parties are never messaged.
    const drill = randomUUID();
    await submitted(drill, true);
    await eventually(async () => (await conn.collection("filings").countDocuments({ filingId: drill })) > 0, 30_000, "the drill's facts");
    expect((await conn.collection("deliveries").find({ filingId: drill }).toArray()).filter((d) => String(d.targetId).startsWith("party:"))).toEqual([]);
    expect(smsCheck.accepted.filter((m) => m.phone === "13800138002")).toEqual([]);
  } finally {
    await conn.close();
  }
});

it("sends a webhook references only, and keeps no payload once a delivery is done", async () => {
  const hook = receiver(() => 200);
  const url = await hook.listen();
  // The window's system wants every event (the submission's carries the parties' details).
  const system = await client(TRIBUNAL, "44", ["court-system"]);
  const { webhook } = await system.addWebhook({ url, secret: SECRET, eventTypes: [] });
  const { subscription } = await system.addSubscription({ channel: notificationV1.Channel.EMAIL, address: "refs@court.test", eventTypes: ["kuayu.decision.v1.Accepted"] });
  const targets = [webhook!.webhookId, subscription!.subscriptionId];
  const filingId = randomUUID();
  await lifecycle(filingId, "accepted");
  const mine = () => hook.got.filter((g) => JSON.parse(g.body).filingId === filingId);
  await eventually(async () => mine().length === 4, 30_000, "the four deliveries of the window's system");
  expect(mine().map((g) => g.type)).toEqual(["kuayu.intake.v1.FilingSubmitted", "kuayu.routing.v1.FilingRouted", "kuayu.decision.v1.Acknowledged", "kuayu.decision.v1.Accepted"]);
  for (const g of mine()) {
    // No name, resident or credit-code number, phone or address of a party; no material.
    for (const s of ["张三", "11010519491231002X", "13800138000", "广州", "北京某贸易有限公司", "91350100M000100Y43", "起诉状", "parties", "details"])
      expect([g.type, g.body.includes(s)]).toEqual([g.type, false]);
  }
  const accepted = JSON.parse(mine()[3]!.body);
  expect(accepted).toMatchObject({
    filingId,
    eventType: "kuayu.decision.v1.Accepted",
    data: {
      filingId,
      status: "accepted",
      round: 1,
      caseNumber: "（2026）京0105民初88号",
      collaboratingCourtId: TRIBUNAL,
      jurisdictionCourtId: COURT,
      fetch: { rpc: "kuayu.intake.v1.IntakeService/GetFiling", filingId },
    },
  });
  expect(JSON.parse(mine()[0]!.body).data).toMatchObject({ status: "submitted", receiptNumber: `KY-${TRIBUNAL}-20261128-000001` });

  // The store: every delivery of the filing delivered, none with a payload (webhook or e-mail).
  await eventually(async () => mails.some((m) => m.includes("refs@court.test")), 30_000, "the e-mail");
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: db });
  try {
    const stored = await eventually(
      async () => {
        const all = (await conn.collection("deliveries").find({ filingId }).toArray()).filter((d) => targets.includes(d.targetId as string));
        return all.length === 5 && all.every((d) => d.status === "delivered") ? all : undefined;
      },
      30_000,
      "the deliveries recorded as delivered",
    );
    expect(stored.map((d) => d.channel).sort()).toEqual(["email", "webhook", "webhook", "webhook", "webhook"]);
    for (const d of stored) expect([d._id, d.payload]).toEqual([d._id, undefined]);
    const text = JSON.stringify(stored);
    for (const s of ["张三", "11010519491231002X", "13800138000", "北京某贸易有限公司"]) expect(text).not.toContain(s);
  } finally {
    await conn.close();
  }
  await hook.close();
});

it("retries a failing receiver with backoff and delivers once; dead-letters one that always fails, and replays it", async () => {
  const flaky = receiver((n) => (n <= 4 ? 500 : 200));
  const down = receiver(() => 503);
  const system = await client("c-110106", "11", ["court-system"]);
  const urls = [await flaky.listen(), await down.listen()];
  const [a, b] = await Promise.all(urls.map((url) => system.addWebhook({ url, secret: SECRET, eventTypes: ["kuayu.routing.v1.FilingRouted"] })));
  const filingId = randomUUID();
  await publish(filingId, {
    case: "filingRouted",
    value: { filingId, collaboratingCourtId: TRIBUNAL, jurisdictionCourtId: "c-110106", round: 1, province: "11", routedAt: timestampFromDate(new Date()) },
  });

  await eventually(async () => flaky.got.length === 1, 30_000, "the delivery after four failures");
  expect(flaky.calls()).toBe(5);
  const dead = await eventually(async () => (await system.listDeliveries({ webhookId: b!.webhook!.webhookId, deadOnly: true })).deliveries[0], 30_000, "the dead-lettered delivery");
  expect(dead).toMatchObject({ status: notificationV1.DeliveryStatus.DEAD, attempts: 5 });
  expect(down.calls()).toBe(5);
  const okA = (await system.listDeliveries({ webhookId: a!.webhook!.webhookId })).deliveries[0]!;
  expect(okA).toMatchObject({ status: notificationV1.DeliveryStatus.DELIVERED, attempts: 5 });

  // Another court cannot see or replay it; the operator of this court can.
  const other = await client("c-110101", "11", ["court-system"]);
  await expect(other.replayDelivery({ deliveryId: dead.deliveryId })).rejects.toMatchObject({ code: 7 });
  const replayed = await system.replayDelivery({ deliveryId: dead.deliveryId });
  expect(replayed.delivery!.status).toBe(notificationV1.DeliveryStatus.PENDING);
  await eventually(async () => down.calls() >= 6, 30_000, "the replayed attempt");
  await flaky.close();
  await down.close();
});

it("ends a round's reminders as soon as the court responds, and keeps them while it has not", async () => {
  const answered = randomUUID();
  const waiting = randomUUID();
  await lifecycle(answered, "accepted");
  await lifecycle(waiting, "routed");
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: db });
  try {
    // A round's reminders are in its filing's facts; `waiting` is what the reminder worker reads.
    const filings = conn.collection<{ _id: string; waiting?: boolean; reminders?: { id: string }[] }>("filings");
    // The jurisdiction court's province's facts hold the reminders; the window's have none.
    const of = (filingId: string) => filings.findOne({ _id: `${filingId}@11` });
    await eventually(
      async () => {
        const f = await of(answered);
        if (f?.waiting !== false || f.reminders?.length !== 2) throw new Error(`facts: ${JSON.stringify(f)}`);
        return true;
      },
      30_000,
      "the answered filing's reminders ended",
    );
    expect(await of(answered)).toMatchObject({ reminders: [{ id: `${answered}:1:reminder` }, { id: `${answered}:1:escalation` }] });
    await eventually(async () => (await of(waiting))?.reminders?.length === 2 || undefined, 30_000, "the waiting filing's reminders");
    expect(await of(waiting)).toMatchObject({ waiting: true });
    // Only the waiting one is found by the worker's indexed query.
    const found = await filings.find({ waiting: true }, { projection: { _id: 1 } }).toArray();
    expect(found.map((f) => f._id)).toContain(`${waiting}@11`);
    expect(found.map((f) => f._id)).not.toContain(`${answered}@11`);
    // The window's province keeps its own copy of the facts, written by its own consumer: wait for it.
    const window = await eventually(async () => (await filings.findOne({ _id: `${waiting}@44`, waiting: false })) ?? undefined, 30_000, "the window's facts");
    expect(window).toMatchObject({ waiting: false, reminders: [] });
  } finally {
    await conn.close();
  }
});

it("reminds the specialist, escalates, and tells the window when a closed court next opens", async () => {
  const filingId = randomUUID();
  // Arrived on a Sunday night two weeks ago: the court was closed, and nobody has responded since.
  const sunday = new Date("2026-11-15T15:00:00Z"); // 23:00 on Sunday in Beijing
  await lifecycle(filingId, "routed", sunday);
  const specialist = await client(COURT, "11", ["filing-specialist"]);
  const kinds = await eventually(
    async () => {
      const k = (await specialist.listNotifications({})).notifications.filter((n) => n.filingId === filingId).map((n) => n.kind);
      return k.includes("reminder") && k.includes("escalation") ? k.sort() : undefined;
    },
    30_000,
    "the reminder and the escalation",
  );
  expect(kinds).toEqual(["escalation", "kuayu.routing.v1.FilingRouted", "reminder"]);
  const clerk = await client(TRIBUNAL, "44", ["window-clerk"]);
  const opening = await eventually(async () => (await clerk.listNotifications({})).notifications.find((n) => n.filingId === filingId && n.kind === "next-opening"), 30_000, "the next-opening hint");
  expect(opening.body).toMatch(/11月16日|2026-11-16|08:30/);
});

it("caps a court's webhooks and subscriptions, and bounds an e-mail address before checking it", async () => {
  const system = await client("c-110107", "11", ["court-system"]);
  for (let i = 0; i < 10; i++) await system.addWebhook({ url: `http://127.0.0.1:9/hook-${i}`, secret: SECRET, eventTypes: [] });
  const over = await system.addWebhook({ url: "http://127.0.0.1:9/hook-10", secret: SECRET, eventTypes: [] }).catch((e: { code: number; details: string }) => e);
  expect(over).toMatchObject({ code: 9 /* FAILED_PRECONDITION */ });
  expect((over as { details: string }).details).toMatch(/at most 10 webhooks/);
  expect((await system.listWebhooks({})).webhooks).toHaveLength(10);
  // Another court is not affected.
  const other = await client("c-110108", "11", ["court-system"]);
  await expect(other.addWebhook({ url: "http://127.0.0.1:9/hook", secret: SECRET, eventTypes: [] })).resolves.toBeDefined();
  const long = await system.addSubscription({ channel: notificationV1.Channel.EMAIL, address: `a@${"b".repeat(4 * 1024 * 1024)}`, eventTypes: [] }).catch((e: { code: number }) => e);
  expect(long).toMatchObject({ code: 3 /* INVALID_ARGUMENT */ });
});

it("tells each court of a cross-province filing once and issues each document once, from the copy of its own province", async () => {
  // A release of scope "all" consumes both copies of every event: Guangdong's (the window's) and Beijing's (the court's).
  const system = await client(TRIBUNAL, "44", ["court-system"]);
  const courtSystem = await client(COURT, "11", ["court-system"]);
  const [windowHook, courtHook] = await Promise.all([
    system.addWebhook({ url: "http://127.0.0.1:9/window", secret: SECRET, eventTypes: [] }),
    courtSystem.addWebhook({ url: "http://127.0.0.1:9/court", secret: SECRET, eventTypes: [] }),
  ]);
  const filingId = randomUUID();
  await lifecycle(filingId, "accepted");
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: db });
  try {
    const of = async () => (await conn.collection("notifications").find({ filingId }).toArray()).map((n) => `${n.kind} → ${n.courtId}`);
    await eventually(async () => (await of()).filter((k) => !k.startsWith("next-opening")).length >= 3 || undefined, 30_000, "the three notifications");
    await eventually(async () => (await conn.collection("documents").countDocuments({ filingId })) >= 2 || undefined, 30_000, "the two documents");
    await new Promise((r) => setTimeout(r, 2000)); // and nothing more comes
    expect((await of()).filter((k) => !k.startsWith("next-opening")).sort()).toEqual(
      [`kuayu.decision.v1.Accepted → ${TRIBUNAL}`, `kuayu.decision.v1.Acknowledged → ${TRIBUNAL}`, `kuayu.routing.v1.FilingRouted → ${COURT}`].sort(),
    );
    expect((await of()).filter((k) => k.startsWith("next-opening")).length).toBeLessThanOrEqual(1);
    // The receipt by the window's copy, the acceptance notice by the court's: one each.
    expect((await conn.collection("documents").find({ filingId }).toArray()).map((d) => d.kind as string).sort()).toEqual(["acceptance-notice", "receipt"]);
    // Each court's webhook gets every event of the filing once, from its own province's copy.
    const deliveries = conn.collection("deliveries");
    for (const hook of [windowHook, courtHook]) expect(await deliveries.countDocuments({ filingId, targetId: hook.webhook!.webhookId })).toBe(4);
    // Two sets of facts, one per copy; the reminders in the court's.
    expect((await conn.collection("filings").find({ filingId }).toArray()).map((f) => [f._id, (f.reminders as unknown[]).length])).toEqual(
      expect.arrayContaining([
        [`${filingId}@44`, 0],
        [`${filingId}@11`, 2],
      ]),
    );
  } finally {
    await conn.close();
  }
});
