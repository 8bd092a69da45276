// Personal data at rest, on the real services and store: routing, intake, decision, notification and
// supervision in this process on the real broker and store. A filing with a resident id, phone and
// address of its own goes through submission, the jurisdiction court's acknowledgement and
// acceptance, and notification (in-app notices, a webhook's deliveries to a receiver that is down,
// the receipt and acceptance notice rendered into GridFS). Then every collection of every database
// of the store is read raw (BSON bytes: `_versions` rows with their outbox events, GridFS files,
// field keys, locks, deliveries …) and none holds the id, the phone or the address in clear — while
// the services still answer with them, and the blind index still finds the filing.
import { randomInt } from "node:crypto";
import { createServer, type AddressInfo } from "node:net";
import { createSigner, type Role } from "@kuayu/auth";
import { createClient } from "@kuayu/grpc";
import { createLogger } from "@kuayu/logger";
import { connectMongo } from "@kuayu/mongo";
import { commonV1, decisionV1, intakeV1, notificationV1 } from "@kuayu/proto";
import { assertInfraUp, eventually, infra, testKeys, uniqueName } from "@kuayu/testkit";
import { mongo } from "mongoose";
import { fieldCryptFromEnv, isEncrypted, PREFIX } from "../src";
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
import { civilDetails, readyDraft } from "../../../services/intake/test/support";

const WINDOW = { courtId: "t-440103001", province: "44" }; // 沙面人民法庭, Guangdong
const BEIJING = { courtId: "c-110105", province: "11" }; // 朝阳, the jurisdiction court

/** A resident id no other test uses: 110105 (朝阳), born 1980-01-01, a random sequence, its GB 11643 check character. */
function uniqueResidentId(): string {
  const body = `11010519800101${String(randomInt(1000)).padStart(3, "0")}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, c, i) => s + Number(c) * weights[i]!, 0);
  return body + "10X98765432"[sum % 11]!;
}
const RESIDENT_ID = uniqueResidentId();
const PHONE = `139${String(randomInt(1e8)).padStart(8, "0")}`;
const OTHER_PHONE = `137${String(randomInt(1e8)).padStart(8, "0")}`;
const ADDRESS = `广东省广州市荔湾区沙面大街${randomInt(1e6)}号`;
const SECRETS = { "resident id": RESIDENT_ID, phone: PHONE, "other party's phone": OTHER_PHONE, address: ADDRESS };

const keys = testKeys();
const log = createLogger({ service: "test", level: "silent" });
const dbs = { intake: uniqueName("intake_atrest"), decision: uniqueName("decision_atrest"), notification: uniqueName("notification_atrest"), supervision: uniqueName("supervision_atrest") };
const fatal: Error[] = [];
const apps: { stop(): Promise<boolean> }[] = [];
const clients: { close(): void }[] = [];
let filingId = "";
let window: ReturnType<typeof createClient<typeof intakeV1.FilingIntakeService>>;
let specialist: ReturnType<typeof createClient<typeof decisionV1.JurisdictionDecisionService>>;

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });

beforeAll(async () => {
  await assertInfraUp();
  const signer = await createSigner(keys.privateKey);
  const mint = (c: typeof WINDOW, roles: Role[]) => signer.mint({ user: `u-${c.courtId}`, courtId: c.courtId, roles, province: c.province });
  const [r, i, d, n, s] = await Promise.all([0, 1, 2, 3, 4].map(() => freePort()));
  const addr = (p: number) => `127.0.0.1:${p}`;
  const common = { GRPC_HOST: "127.0.0.1", JWT_PUBLIC_KEY: keys.publicKey, LOG_LEVEL: "silent", ...infra.kafkaEnv, KAFKA_FROM_BEGINNING: "false" };
  const store = { MONGO_URI: infra.mongoUri, WATCH_POLL_MS: "200" };
  const fail = (err: Error) => void fatal.push(err);
  const started = await Promise.allSettled([
    startRouting(readRoutingConfig({ ...common, GRPC_PORT: String(r), KAFKA_GROUP_ID: uniqueName("routing") }), log, fail),
    startIntake(readIntakeConfig({ ...common, ...store, GRPC_PORT: String(i), MONGO_DB: dbs.intake, KAFKA_GROUP_ID: uniqueName("intake"), ROUTING_ADDR: addr(r!), PROVINCE_SCOPE: "44" }), log, fail),
    startDecision(
      readDecisionConfig({
        ...common,
        ...store,
        GRPC_PORT: String(d),
        MONGO_DB: dbs.decision,
        KAFKA_GROUP_ID: uniqueName("decision"),
        PROVINCE_SCOPE: "11",
        JWT_PRIVATE_KEY: keys.privateKey,
        INTAKE_ADDRS: `*=${addr(i!)}`,
        COPY_INTERVAL_MS: "200",
      }),
      log,
      fail,
    ),
    startNotification(
      readNotificationConfig({
        ...common,
        ...store,
        GRPC_PORT: String(n),
        MONGO_DB: dbs.notification,
        KAFKA_GROUP_ID: uniqueName("notification"),
        WEBHOOK_ALLOW_LOOPBACK_HTTP: "true", // the webhook points at a closed loopback port: its deliveries stay and retry
        DELIVERY_BACKOFF_MS: "100",
      }),
      log,
      fail,
    ),
    startSupervision(supervisionConfig(dbs.supervision, keys.publicKey, { GRPC_PORT: String(s) }), log, fail),
  ]);
  for (const x of started) if (x.status === "fulfilled") apps.push(x.value);
  for (const x of started) if (x.status === "rejected") throw x.reason;

  const client = <T extends Parameters<typeof createClient>[0]>(svc: T, address: string, token: string) => {
    const c = createClient(svc, address, { token, timeoutMs: 60_000 });
    clients.push(c);
    return c;
  };
  window = client(intakeV1.FilingIntakeService, addr(i!), await mint(WINDOW, ["window-clerk"]));
  specialist = client(decisionV1.JurisdictionDecisionService, addr(d!), await mint(BEIJING, ["filing-specialist"]));
  const managers = client(notificationV1.NotificationService, addr(n!), await mint(WINDOW, ["court-system"]));
  const clerkNotes = client(notificationV1.NotificationService, addr(n!), await mint(WINDOW, ["window-clerk"]));
  const specialistNotes = client(notificationV1.NotificationService, addr(n!), await mint(BEIJING, ["filing-specialist"]));
  const webhook = (await managers.addWebhook({ url: `http://127.0.0.1:${await freePort()}/hook`, secret: "s".repeat(40) })).webhook!.webhookId;

  const base = civilDetails();
  const details = civilDetails({
    parties: [
      {
        role: intakeV1.PartyRole.PLAINTIFF,
        identity: { case: "person", value: { name: "王小明", residentId: RESIDENT_ID } },
        address: ADDRESS,
        phone: PHONE,
      },
      { ...base.parties![1]!, phone: OTHER_PHONE },
    ],
  });
  filingId = await readyDraft(window, details);
  await window.submitFiling({ filingId, idempotencyKey: `submit-${filingId}` });
  await eventually(async () => (await specialist.getInboxFiling({ filingId }).catch(() => undefined))?.filing?.materialsComplete, 60_000, "the filing in Beijing's inbox, materials copied");
  await specialist.acknowledge({ filingId });
  await specialist.accept({ filingId });
  await eventually(async () => (await window.getFiling({ filingId })).filing!.status === intakeV1.FilingStatus.ACCEPTED, 60_000, "the window to see the acceptance");
  // Notification: the webhook's deliveries of every event, the notices of both courts, both documents rendered.
  await eventually(async () => (await managers.listDeliveries({ webhookId: webhook })).deliveries.some((x) => x.eventType.endsWith("Accepted")), 60_000, "the acceptance's webhook delivery");
  await eventually(async () => (await clerkNotes.listNotifications({})).notifications.some((x) => x.kind.endsWith("Accepted")), 60_000, "the window's notice of the acceptance");
  const render = async (c: typeof clerkNotes, kind: notificationV1.DocumentKind) => {
    let bytes = 0;
    for await (const part of c.getDocument({ filingId, kind })) if (part.part.case === "chunk") bytes += part.part.value.length;
    return bytes > 0 ? bytes : undefined;
  };
  await eventually(() => render(clerkNotes, notificationV1.DocumentKind.RECEIPT).catch(() => undefined), 60_000, "the receipt");
  await eventually(() => render(specialistNotes, notificationV1.DocumentKind.ACCEPTANCE_NOTICE).catch(() => undefined), 60_000, "the acceptance notice");
}, 180_000);

afterAll(async () => {
  clients.forEach((c) => c.close());
  const clean = await Promise.all(apps.map((a) => a.stop()));
  expect(fatal).toEqual([]);
  expect(clean.every(Boolean)).toBe(true);
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: "admin" });
  for (const db of Object.values(dbs)) await conn.useDb(db).dropDatabase();
  await conn.close();
});

it("answers with the parties' ids and phones as before", async () => {
  const party = (await window.getFiling({ filingId })).filing!.details!.parties[0]!;
  expect(party.identity.case === "person" && party.identity.value.residentId).toBe(RESIDENT_ID);
  expect([party.phone, party.address]).toEqual([PHONE, ADDRESS]);
  expect((await window.getFiling({ filingId })).filing!.details!.parties[1]!.phone).toBe(OTHER_PHONE);
  const inbox = (await specialist.getInboxFiling({ filingId })).filing!;
  expect(JSON.stringify(inbox.details, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))).toContain(RESIDENT_ID);
  expect(inbox.caseType).toBe(commonV1.CaseType.CIVIL_FIRST_INSTANCE);
});

it("keeps no resident id, phone or address in clear in any collection of any database of the store", async () => {
  const client = await mongo.MongoClient.connect(infra.mongoUri);
  try {
    const found: string[] = [];
    const scanned = new Map<string, number>();
    const filingSeen = new Set<string>();
    const { databases } = await client.db("admin").admin().listDatabases({ nameOnly: true });
    for (const { name } of databases) {
      if (["admin", "config", "local"].includes(name)) continue;
      const db = client.db(name);
      for (const { name: coll } of await db.listCollections({}, { nameOnly: true }).toArray()) {
        // Raw BSON bytes of every document: strings, binary (outbox events, GridFS chunks), nested rows.
        for await (const raw of db.collection(coll).find({}, { raw: true })) {
          const bytes = raw as unknown as Buffer;
          scanned.set(`${name}.${coll}`, (scanned.get(`${name}.${coll}`) ?? 0) + 1);
          if (bytes.includes(Buffer.from(filingId))) filingSeen.add(`${name}.${coll}`);
          for (const [what, value] of Object.entries(SECRETS)) if (bytes.includes(Buffer.from(value))) found.push(`${what} in ${name}.${coll}`);
        }
      }
    }
    expect(found).toEqual([]);
    // The scan read the filing where each service keeps it (so it could have found the values).
    const kept = [
      `${dbs.intake}.filings`,
      `${dbs.intake}.filings_versions`,
      `${dbs.intake}.field_keys`,
      `${dbs.decision}.inbox`,
      `${dbs.decision}.inbox_versions`,
      `${dbs.decision}.field_keys`,
      `${dbs.notification}.deliveries`,
      `${dbs.notification}.filings`,
      `${dbs.notification}.field_keys`,
    ];
    expect(kept.filter((where) => !scanned.get(where))).toEqual([]);
    expect([...filingSeen]).toEqual(expect.arrayContaining([`${dbs.intake}.filings`, `${dbs.intake}.filings_versions`, `${dbs.decision}.inbox`, `${dbs.notification}.deliveries`]));
    expect([...scanned.keys()].some((c) => c.startsWith(`${dbs.notification}.documents.`))).toBe(true); // the PDFs' GridFS files

    // What is there instead: sealed fields (and sealed event values in the intake outbox).
    const filing = await client
      .db(dbs.intake)
      .collection("filings")
      .findOne({ _id: filingId as never });
    // Stored packed (@kuayu/outbox packedHeads): the filing whole in one BSON body.
    const head = mongo.BSON.deserialize((filing!.body as mongo.Binary).value());
    const stored = (head.details as { parties: { phone: string; address: string; identity: { residentId: string } }[] }).parties[0]!;
    expect([stored.phone, stored.address, stored.identity.residentId].every(isEncrypted)).toBe(true);
    // The filing's lifecycle events are sealed; the audit records beside them (who did what, no party's data) are not.
    const row = await client
      .db(dbs.intake)
      .collection("filings_versions")
      .findOne({ doc: filingId, "outbox.topic": { $regex: "lifecycle" } });
    const event = (row!.outbox as { topic: string; value: mongo.Binary }[]).find((e) => e.topic.includes("lifecycle"))!;
    expect(Buffer.from(event.value.buffer).subarray(0, PREFIX.length).toString()).toBe(PREFIX);
  } finally {
    await client.close();
  }
});

it("finds the filing by a party's resident id or phone through the blind index, and by no other value", async () => {
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: dbs.intake });
  const crypt = await fieldCryptFromEnv(conn.db!);
  try {
    const filings = conn.db!.collection("filings");
    const ids = async (kind: string, value: string) => (await filings.find({ partyIndex: crypt.blindIndex(kind, value) }, { projection: { _id: 1 } }).toArray()).map((d) => d._id as unknown as string);
    expect(await ids("resident-id", RESIDENT_ID.toLowerCase())).toEqual([filingId]);
    expect(await ids("phone", `+86 ${PHONE}`)).toEqual([filingId]);
    expect(await ids("phone", OTHER_PHONE)).toEqual([filingId]);
    expect(await ids("phone-last4", PHONE.slice(-4))).toContain(filingId);
    expect(await ids("phone", "13000000000")).toEqual([]);
  } finally {
    crypt.close();
    await conn.close();
  }
});
