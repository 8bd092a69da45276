// Jurisdiction-decision on the real broker and store, with intake and routing in this process:
// routed filings reach the right court's inbox (and only the right province's instance), their
// materials are copied and verified, the court decides, and its events reach the window. Case
// numbers stay gap-free under 1,000 concurrent accepts.
import { randomUUID, randomUUIDv7 } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createSigner, type Role } from "@kuayu/auth";
import { createClient, fieldViolations, type Client } from "@kuayu/grpc";
import { createKafka, createProducer, headerMap, type EventProducer } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { connectMongo } from "@kuayu/mongo";
import { commonV1, decisionEventsV1, decisionV1, intakeV1, routingEventsV1 } from "@kuayu/proto";
import { lifecycleTopic } from "@kuayu/topics";
import { assertInfraUp, eventually, infra, testKeys, uniqueName } from "@kuayu/testkit";
import { readConfig as readIntakeConfig } from "../../intake/src/config";
import { startApp as startIntake, type App as IntakeApp } from "../../intake/src/app";
import { readConfig as readRoutingConfig } from "../../routing/src/config";
import { startApp as startRouting, type App as RoutingApp } from "../../routing/src/app";
import { BEIJING_CHAOYANG, TRIBUNAL, readyDraft } from "../../intake/test/support";
import { readConfig } from "../src/config";
import { startApp, type App } from "../src/app";
import { getInboxFiling } from "../src/domain/decision";

// Every look-up of a filing by a call (the watches' included) goes through getInboxFiling: counted here.
jest.mock("../src/domain/decision", () => {
  const actual = jest.requireActual<typeof import("../src/domain/decision")>("../src/domain/decision");
  return { ...actual, getInboxFiling: jest.fn(actual.getInboxFiling) };
});
const reads = jest.mocked(getInboxFiling);

type DecisionClient = Client<typeof decisionV1.JurisdictionDecisionService>;
const keys = testKeys();
const log = createLogger({ service: "test", level: (process.env.TEST_LOG_LEVEL ?? "silent") as "silent" });
const fatal: Error[] = [];
const fail = (err: Error) => void fatal.push(err);
let routing: RoutingApp, intake: IntakeApp, beijing: App, guangdong: App;
let mint: (courtId: string, province: string, roles: Role[]) => Promise<string>;
let publisher: EventProducer;
const dbs: string[] = [];
const clients: { close(): void }[] = [];

/** Watches of a filing made this long after the watchers' polls began need no look-up (FILING_ID_CLOCK_SKEW_MS). */
const ID_SKEW_MS = 500;

const beijingDb = uniqueName("decision_it");
async function decisionInstance(scope: string, group = uniqueName("decision"), db = uniqueName("decision_it")) {
  if (!dbs.includes(db)) dbs.push(db);
  return startApp(
    readConfig({
      GRPC_PORT: "0",
      GRPC_HOST: "127.0.0.1",
      ...infra.kafkaEnv,
      MONGO_URI: infra.mongoUri,
      MONGO_DB: db,
      KAFKA_GROUP_ID: group,
      KAFKA_FROM_BEGINNING: "false",
      PROVINCE_SCOPE: scope,
      JWT_PUBLIC_KEY: keys.publicKey,
      JWT_PRIVATE_KEY: keys.privateKey,
      INTAKE_ADDRS: `*=127.0.0.1:${intake.grpcPort}`,
      WATCH_POLL_MS: "200",
      FILING_ID_CLOCK_SKEW_MS: String(ID_SKEW_MS),
      COPY_INTERVAL_MS: "200",
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    }),
    log,
    fail,
  );
}
const inboxClient = async (app: App, courtId: string, province: string, roles: Role[] = ["filing-specialist"]) => {
  const c = createClient(decisionV1.JurisdictionDecisionService, `127.0.0.1:${app.grpcPort}`, { token: await mint(courtId, province, roles), timeoutMs: 60_000 });
  clients.push(c);
  return c;
};

beforeAll(async () => {
  await assertInfraUp();
  const signer = await createSigner(keys.privateKey);
  mint = (courtId, province, roles) => signer.mint({ user: `u-${courtId}`, courtId, roles, province });
  const group = uniqueName("routing");
  routing = await startRouting(
    readRoutingConfig({
      GRPC_PORT: "0",
      GRPC_HOST: "127.0.0.1",
      JWT_PUBLIC_KEY: keys.publicKey,
      LOG_LEVEL: "silent",
      ...infra.kafkaEnv,
      KAFKA_GROUP_ID: group,
      KAFKA_FROM_BEGINNING: "false",
    }),
    log,
    fail,
  );
  const intakeDb = uniqueName("intake_for_decision");
  dbs.push(intakeDb);
  intake = await startIntake(
    readIntakeConfig({
      GRPC_PORT: "0",
      GRPC_HOST: "127.0.0.1",
      ...infra.kafkaEnv,
      MONGO_URI: infra.mongoUri,
      MONGO_DB: intakeDb,
      KAFKA_GROUP_ID: uniqueName("intake"),
      KAFKA_FROM_BEGINNING: "false",
      JWT_PUBLIC_KEY: keys.publicKey,
      LOG_LEVEL: "silent",
      ROUTING_ADDR: `127.0.0.1:${routing.grpcPort}`,
      WATCH_POLL_MS: "200",
    }),
    log,
    fail,
  );
  [beijing, guangdong] = await Promise.all([decisionInstance("11", uniqueName("decision"), beijingDb), decisionInstance("44")]);
  publisher = await createProducer(createKafka({ ...infra.kafka, clientId: "decision-test", log }), "kuayu.routing");
});
afterAll(async () => {
  clients.forEach((c) => c.close());
  await publisher?.disconnect();
  const clean = [];
  for (const app of [beijing, guangdong, intake, routing]) clean.push(await app?.stop());
  expect(fatal).toEqual([]);
  expect(clean).toEqual([true, true, true, true]);
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: "admin" });
  for (const db of dbs) await conn.useDb(db).dropDatabase();
  await conn.close();
});

const rpcError = async (p: Promise<unknown>) => {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as grpc.ServiceError | undefined;
  if (!err) throw new Error("expected the call to fail");
  return err;
};

describe("a filing from a Guangdong tribunal in the Beijing court's inbox", () => {
  let filingId: string;
  let window: Client<typeof intakeV1.FilingIntakeService>;
  let specialist: DecisionClient;

  it("arrives in the Beijing court's inbox with its materials already copied and verified", async () => {
    window = createClient(intakeV1.FilingIntakeService, `127.0.0.1:${intake.grpcPort}`, { token: await mint(TRIBUNAL.id, TRIBUNAL.province, ["window-clerk"]), timeoutMs: 60_000 });
    clients.push(window);
    filingId = await readyDraft(window);
    specialist = await inboxClient(beijing, BEIJING_CHAOYANG.id, "11");
    // A watch of another filing keeps the polls going throughout (WatchHub.coveredSince).
    const keep = new AbortController();
    const keeping = (async () => {
      for await (const _ of specialist.watchInbox({ filingId: "no-such-filing" }, { signal: keep.signal, timeoutMs: 60_000 })) void _;
    })().catch(() => undefined);
    // Watched before it arrives: nothing first, then its arrival and the copies.
    const seen: decisionV1.InboxFiling[] = [];
    const watching = (async () => {
      for await (const res of specialist.watchInbox({ filingId }, { timeoutMs: 60_000 })) {
        seen.push(res.filing!);
        if (res.filing!.materialsComplete) return res.filing!;
      }
      throw new Error("the watch ended");
    })();
    await window.submitFiling({ filingId, idempotencyKey: `submit-${filingId}` });
    const f = await watching;
    expect(seen.every((x) => x.filingId === filingId)).toBe(true);
    // Its materials were copied before its entry was inserted: it arrives complete, in one write.
    expect(seen[0]!.materialsComplete).toBe(true);
    // Watched once it is there: the filing as it is, first — as this decision took it in (no
    // look-up, the polls having gone on since), and to its court only.
    for await (const res of specialist.watchInbox({ filingId }, { timeoutMs: 10_000 })) {
      expect(res.filing).toMatchObject({ filingId, materialsComplete: true });
      break;
    }
    const other = await inboxClient(beijing, "c-110101", "11");
    const otherWatch = (async () => {
      for await (const _ of other.watchInbox({ filingId }, { timeoutMs: 10_000 })) void _;
    })();
    expect((await rpcError(otherWatch)).code).toBe(grpc.status.PERMISSION_DENIED);
    keep.abort();
    await keeping;
    expect(f).toMatchObject({ status: decisionV1.InboxStatus.AWAITING_RESPONSE, round: 1, collaboratingCourtId: TRIBUNAL.id });
    expect(f.materials).toHaveLength(4);
    expect(f.responseDue!.seconds).toBeGreaterThan(f.arrivedAt!.seconds);
    const listed = await specialist.listInbox({ view: decisionV1.InboxView.AWAITING_RESPONSE });
    expect(listed.filings.map((x) => x.filingId)).toContain(filingId);
    // The court reads its own copy.
    const m = f.materials[0]!.material!;
    let bytes = 0;
    for await (const res of specialist.downloadMaterial({ filingId, materialId: m.materialId })) if (res.part.case === "chunk") bytes += res.part.value.length;
    expect(bytes).toBe(Number(m.sizeBytes));
  });

  it("never reaches the Guangdong instance, which refuses Beijing's courts", async () => {
    const gd = await inboxClient(guangdong, "c-440104", "44");
    expect((await rpcError(gd.getInboxFiling({ filingId }))).code).toBe(grpc.status.NOT_FOUND);
    const beijingCourt = await inboxClient(guangdong, BEIJING_CHAOYANG.id, "11");
    expect((await rpcError(beijingCourt.getInboxFiling({ filingId }))).code).toBe(grpc.status.PERMISSION_DENIED);
  });

  it("refuses another court's and a tribunal's tokens", async () => {
    const other = await inboxClient(beijing, "c-110101", "11");
    const tribunal = await inboxClient(beijing, TRIBUNAL.id, "44", ["window-clerk"]);
    const watch = async (c: DecisionClient) => {
      for await (const _ of c.watchInbox({ filingId })) void _;
    };
    for (const call of [() => other.getInboxFiling({ filingId }), () => other.acknowledge({ filingId }), () => other.accept({ filingId }), () => tribunal.listInbox({}), () => watch(other)]) {
      expect((await rpcError(call())).code).toBe(grpc.status.PERMISSION_DENIED);
    }
  });

  it("acknowledges, asks for corrections once, gets them, and accepts with a case number the window sees", async () => {
    const acked = await specialist.acknowledge({ filingId });
    expect(acked.filing!.status).toBe(decisionV1.InboxStatus.AWAITING_DECISION);
    const deadline = timestampFromDate(new Date(Date.now() + 5 * 86400_000));
    const bad = await rpcError(specialist.requestCorrections({ filingId, items: [], deadline }));
    expect(fieldViolations(bad).map((v) => v.field)).toEqual(["items"]);
    const asked = await specialist.requestCorrections({ filingId, items: [{ materialKind: "evidence", description: "补充付款凭证" }], deadline, note: "请补正" });
    expect(asked.filing!.status).toBe(decisionV1.InboxStatus.CORRECTION_PENDING);
    expect((await rpcError(specialist.requestCorrections({ filingId, items: [{ materialKind: "evidence", description: "x" }], deadline }))).code).toBe(grpc.status.FAILED_PRECONDITION);

    await eventually(async () => (await window.getFiling({ filingId })).filing!.status === intakeV1.FilingStatus.CORRECTION_REQUESTED, 30_000, "the window to see the request");
    const { uploadParts, pdf } = await import("../../intake/test/support.js");
    await window.uploadMaterial(uploadParts(filingId, "evidence", pdf(3000, 42), "付款凭证.pdf"));
    await window.submitCorrection({ filingId, idempotencyKey: `correct-${filingId}` });

    const round2 = await eventually(
      async () => {
        const f = (await specialist.getInboxFiling({ filingId })).filing!;
        return f.round === 2 && f.materialsComplete ? f : undefined;
      },
      60_000,
      "round 2 with the new material copied",
    );
    expect(round2.status).toBe(decisionV1.InboxStatus.AWAITING_DECISION);
    expect(round2.materials).toHaveLength(5);

    const { filing } = await specialist.accept({ filingId });
    expect(filing!.caseNumber).toMatch(/^（\d{4}）京0105民初\d+号$/);
    expect((await specialist.accept({ filingId })).filing!.caseNumber).toBe(filing!.caseNumber); // idempotent
    const seen = await eventually(
      async () => {
        const f = (await window.getFiling({ filingId })).filing!;
        return f.status === intakeV1.FilingStatus.ACCEPTED ? f : undefined;
      },
      30_000,
      "the window to see ACCEPTED",
    );
    expect(seen.decision!.caseNumber).toBe(filing!.caseNumber);
  });

  it("rejects with a category, reasons and legal basis", async () => {
    const id = await readyDraft(window);
    await window.submitFiling({ filingId: id, idempotencyKey: `submit-${id}` });
    await eventually(async () => (await specialist.getInboxFiling({ filingId: id }).catch(() => undefined))?.filing, 60_000, "the second filing");
    const { filing } = await specialist.reject({
      filingId: id,
      category: decisionEventsV1.RejectionCategory.NO_JURISDICTION,
      reason: "被告住所地不在本院辖区",
      legalBasis: "《民事诉讼法》第二十二条",
    });
    expect(filing!.status).toBe(decisionV1.InboxStatus.REJECTED);
    await eventually(async () => (await window.getFiling({ filingId: id })).filing!.status === intakeV1.FilingStatus.REJECTED, 30_000, "REJECTED at the window");
  });
});

/** A drill filing from the Guangdong tribunal routed straight onto Beijing's topic, as routing publishes it (ENFORCEMENT, round 1). */
const routeToBeijing = (id: string, court: string, courtCode: string, more: Pick<MessageInitShape<typeof routingEventsV1.FilingRoutedSchema>, "materials" | "responseDue"> = {}) =>
  publisher.publish(lifecycleTopic("11"), id, {
    event: {
      case: "filingRouted",
      value: {
        filingId: id,
        collaboratingCourtId: TRIBUNAL.id,
        jurisdictionCourtId: court,
        caseType: commonV1.CaseType.ENFORCEMENT,
        round: 1,
        province: "11",
        originProvince: "44",
        routedAt: timestampFromDate(new Date()),
        responseDue: timestampFromDate(new Date(Date.now() + 1800_000)),
        decisionDue: timestampFromDate(new Date(Date.now() + 7 * 86400_000)),
        jurisdictionCourtCode: courtCode,
        jurisdictionCourtLevel: "basic",
        jurisdictionCourtKind: "basic",
        drill: true,
        ...more,
      },
    },
  });

it("watches a filing made after the watchers' polls began from nothing, without a look-up, on the replica that takes it in and on one that polls", async () => {
  // A second replica on Beijing's inbox that takes in the same events: of the two inserts of the
  // arrival one wins, so one replica's watcher gets it as a local commit, the other's by a poll.
  const mirror = await decisionInstance("11", uniqueName("decision"), beijingDb);
  try {
    const watchers = await Promise.all([beijing, mirror].map((app) => inboxClient(app, BEIJING_CHAOYANG.id, "11")));
    // Watches of another filing keep each replica's polls going (WatchHub.coveredSince).
    const keep = new AbortController();
    const keeping = watchers.map((c) =>
      (async () => {
        for await (const _ of c.watchInbox({ filingId: "no-such-filing" }, { signal: keep.signal, timeoutMs: 60_000 })) void _;
      })().catch(() => undefined),
    );
    // A filing id that tells no time is looked up (and the count sees it).
    await eventually(async () => reads.mock.calls.length >= 2, 10_000, "the look-ups of the kept watches");
    await new Promise((r) => setTimeout(r, ID_SKEW_MS + 200));
    reads.mockClear();
    const id = randomUUIDv7();
    const arrivals = watchers.map(async (c) => {
      for await (const res of c.watchInbox({ filingId: id }, { timeoutMs: 30_000 })) return res.filing!;
      throw new Error("the watch ended");
    });
    await new Promise((r) => setTimeout(r, 300)); // both watches have started
    await routeToBeijing(id, BEIJING_CHAOYANG.id, "京0105");
    for (const f of await Promise.all(arrivals)) expect(f).toMatchObject({ filingId: id, round: 1, status: decisionV1.InboxStatus.AWAITING_RESPONSE });
    expect(reads).not.toHaveBeenCalled();
    keep.abort();
    await Promise.all(keeping);
  } finally {
    await mirror.stop();
  }
}, 60_000);

it("dead-letters a routed filing it can never take in, and takes in the other filings of the batch", async () => {
  const broken = randomUUID();
  const fine = randomUUID();
  const dead: string[] = [];
  const admin = createKafka({ ...infra.kafka, clientId: "decision-dlq-test", log });
  const dlq = admin.consumer({ groupId: uniqueName("decision-dlq") });
  await dlq.connect();
  await dlq.subscribe({ topics: [`${lifecycleTopic("11").name}.dlq`], fromBeginning: true });
  await dlq.run({ eachMessage: async ({ message }) => void dead.push(`${message.key?.toString() ?? ""} ${headerMap(message.headers)["kuayu-dlq-error"] ?? ""}`) });
  try {
    // No response deadline: it can never be taken in. The filing routed after it is.
    await routeToBeijing(broken, BEIJING_CHAOYANG.id, "京0105", { responseDue: undefined });
    await routeToBeijing(fine, BEIJING_CHAOYANG.id, "京0105");
    const specialist = await inboxClient(beijing, BEIJING_CHAOYANG.id, "11");
    await eventually(async () => (await specialist.getInboxFiling({ filingId: fine }).catch(() => undefined))?.filing, 30_000, "the other filing in the inbox");
    await eventually(async () => dead.some((d) => d.startsWith(broken)), 30_000, "the broken filing dead-lettered");
    expect(dead.filter((d) => d.startsWith(broken))).toEqual([`${broken} routed filing ${broken} has no known case type or deadlines`]);
    expect((await specialist.getInboxFiling({ filingId: broken }).catch((e: { code: number }) => e)) as { code: number }).toMatchObject({ code: grpc.status.NOT_FOUND });
  } finally {
    await dlq.disconnect();
  }
}, 90_000);

it("copies a new filing's materials while older filings' copies keep failing (the window lost them)", async () => {
  // 40 filings whose window does not know them (NOT_FOUND on every copy), then one real filing.
  const lost = Array.from({ length: 40 }, () => randomUUID());
  await Promise.all(
    lost.map((id) =>
      routeToBeijing(id, BEIJING_CHAOYANG.id, "京0105", {
        materials: [{ materialId: randomUUID(), kind: "evidence", fileName: "e.pdf", mediaType: "application/pdf", sizeBytes: 100n, sha256: "0".repeat(64), round: 1 }],
      }),
    ),
  );
  const specialist = await inboxClient(beijing, BEIJING_CHAOYANG.id, "11");
  await eventually(
    async () => {
      const all = await Promise.all(lost.slice(-1).map((filingId) => specialist.getInboxFiling({ filingId }).catch(() => undefined)));
      return all.every((r) => r?.filing);
    },
    60_000,
    "the 40 filings the window lost in the inbox",
  );
  const window = createClient(intakeV1.FilingIntakeService, `127.0.0.1:${intake.grpcPort}`, { token: await mint(TRIBUNAL.id, TRIBUNAL.province, ["window-clerk"]), timeoutMs: 60_000 });
  clients.push(window);
  const filingId = await readyDraft(window);
  await window.submitFiling({ filingId, idempotencyKey: `submit-${filingId}` });
  // Before, the copier took the oldest 20 pending filings, all failing and waiting to retry, and never got further.
  await eventually(async () => (await specialist.getInboxFiling({ filingId }).catch(() => undefined))?.filing?.materialsComplete, 30_000, "the new filing's materials copied");
  const stuck = await specialist.getInboxFiling({ filingId: lost[0] });
  expect(stuck.filing!.materialsComplete).toBe(false);
}, 120_000);

it("hands out gap-free, duplicate-free case numbers to 1,000 concurrent accepts across ten courts", async () => {
  const courts = ["c-110101", "c-110102", "c-110105", "c-110106", "c-110107", "c-110108", "c-110109", "c-110111", "c-110112", "c-110113"];
  const perCourt = 100;
  const codes = new Map(courts.map((c) => [c, `京${c.slice(4)}`]));
  // Filings routed straight onto Beijing's topic, without materials (nothing to copy).
  const filings = courts.flatMap((court) => Array.from({ length: perCourt }, () => ({ court, id: randomUUID() })));
  for (let i = 0; i < filings.length; i += 100) {
    await Promise.all(filings.slice(i, i + 100).map(({ court, id }) => routeToBeijing(id, court, codes.get(court)!)));
  }
  const byCourt = new Map<string, DecisionClient>();
  for (const c of courts) byCourt.set(c, await inboxClient(beijing, c, "11", ["court-system"]));
  await eventually(
    async () => {
      for (const c of courts) {
        const page = await byCourt.get(c)!.listInbox({ view: decisionV1.InboxView.AWAITING_RESPONSE, pageSize: 200 });
        if (page.filings.filter((f) => f.drill).length < perCourt) return false;
      }
      return true;
    },
    120_000,
    "all 1,000 filings in their inboxes",
  );

  const numbers = await Promise.all(
    filings.map(({ court, id }) =>
      byCourt
        .get(court)!
        .accept({ filingId: id })
        .then((r) => [court, r.filing!.caseNumber] as const),
    ),
  );
  for (const court of courts) {
    const seq = numbers.filter(([c]) => c === court).map(([, n]) => Number(/执(\d+)号$/.exec(n)![1]));
    expect(seq.sort((a, b) => a - b)).toEqual(Array.from({ length: perCourt }, (_, i) => i + 1));
  }
}, 300_000);
