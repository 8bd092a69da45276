// Retention on the real store: filings decided years ago (by the injected clock) are anonymised
// through a new version, their earlier versions stripped and their material bytes deleted; recent
// ones are untouched; drill filings older than the drill period are deleted with everything of
// theirs; a dry run changes nothing and reports the same counts — in process and as the command.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import type { Connection, mongo } from "mongoose";
import { fieldCryptFromEnv, type FieldCrypt } from "@kuayu/fieldcrypt";
import { createLogger } from "@kuayu/logger";
import { ANONYMISED, DEFAULT_SCHEDULE } from "@kuayu/domain";
import { connectMongo, runRetention, type FileStore } from "@kuayu/mongo";
import type { VersionRow } from "@kuayu/outbox";
import { infra, storedText, storedTextOf, testKeys, uniqueName } from "@kuayu/testkit";
import type { Filing } from "../src/domain/filing";
import { intakeRetention } from "../src/domain/retention";
import { filingModel, mongoFilingRepository, timelineModel } from "../src/adapters/mongo/filing-repository";
import { gridFsMaterialStore } from "../src/adapters/mongo/material-store";
import { filingRetentionStore } from "../src/adapters/mongo/retention-store";

const log = createLogger({ service: "intake-retention-test", level: "silent" });
const NOW = new Date("2031-06-01T00:00:00Z");
const ago = (days: number) => new Date(NOW.getTime() - days * 24 * 3600_000);
const YEAR = 365;

let conn: Connection;
let crypt: FieldCrypt;
let db: string;
let materials: FileStore;
let repo: ReturnType<typeof mongoFilingRepository>;
let versions: mongo.Collection<VersionRow>;

function filing(id: string, over: Partial<Filing> & { drill?: boolean } = {}): Filing {
  const { drill = false, ...rest } = over;
  return {
    id,
    collaboratingCourtId: "t-440103001",
    status: "draft",
    details: {
      caseType: "civil-first-instance",
      parties: [{ role: "plaintiff", identity: { kind: "person", name: "张三", residentId: "11010519491231002X" }, address: "广东省广州市荔湾区沙面大街1号", phone: "13800138000", agents: [] }],
      claims: "判令被告支付货款",
      facts: "张三与被告签订买卖合同",
      jurisdictionCourtId: "c-110105",
      jurisdictionSource: "clerk",
      jurisdictionBasis: "",
      liableOrganDecided: false,
      drill,
    },
    materials: [],
    receiptNumber: "",
    jurisdictionProvince: "11",
    submittedTo: "",
    round: 0,
    submitKeys: [],
    createdAt: ago(5 * YEAR),
    submittedAt: undefined,
    updatedAt: ago(5 * YEAR),
    lastEventType: "",
    correctionRequest: undefined,
    decision: undefined,
    ...rest,
  };
}

async function* bytes(text: string) {
  yield Buffer.from(text);
}

/** A filing as the window made it (version 1 with its material), then decided (version 2) at `decidedAt`. */
async function decidedFiling(id: string, decidedAt: Date, over: Partial<Filing> & { drill?: boolean } = {}) {
  const materialId = `${id}-m1`;
  await materials.write(materialId, id, bytes(`起诉状 of ${id}`));
  const material = { id: materialId, kind: "complaint", fileName: "张三起诉状.pdf", mediaType: "application/pdf", sizeBytes: 10, sha256: "a".repeat(64), round: 1, uploadedAt: ago(5 * YEAR) };
  await repo.create(filing(id, { ...over, materials: [material] }));
  await repo.change(id, async (f) => ({
    filing: {
      ...f,
      status: "accepted",
      round: 1,
      receiptNumber: `KY-${id}`,
      submittedAt: decidedAt,
      updatedAt: decidedAt,
      decision: { caseNumber: `（2027）京0105民初${id}号`, reasonCategory: "", reason: "", legalBasis: "", decidedAt },
    },
    events: [],
  }));
}

const fileExists = async (id: string) => {
  try {
    for await (const _ of materials.read(id)) return true;
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  db = uniqueName("intake_retention");
  conn = await connectMongo({ uri: infra.mongoUri, dbName: db });
  crypt = await fieldCryptFromEnv(conn.db!);
  const model = filingModel(conn);
  const timeline = timelineModel(conn);
  versions = conn.db!.collection<VersionRow>("filings_versions");
  materials = gridFsMaterialStore(conn, log);
  repo = mongoFilingRepository(model, timeline, versions, { onCommit: () => undefined, onChange: () => undefined, courtProvince: () => "44", crypt });

  await decidedFiling("old", ago(4 * YEAR));
  await decidedFiling("recent", ago(YEAR));
  await repo.create(filing("abandoned", { updatedAt: ago(4 * YEAR) }));
  await decidedFiling("drill-old", ago(40), { drill: true, createdAt: ago(40) });
  await decidedFiling("drill-new", ago(5), { drill: true, createdAt: ago(5) });
}, 60_000);

afterAll(async () => {
  crypt?.close();
  await conn?.db?.dropDatabase().catch(() => undefined);
  await conn?.close();
});

const steps = () => intakeRetention(filingRetentionStore(filingModel(conn), timelineModel(conn), versions, materials, crypt));
const snapshot = async () =>
  JSON.stringify([
    await conn.db!.collection("filings").find().sort({ _id: 1 }).toArray(),
    await versions.find().sort({ _id: 1 }).toArray(),
    await conn.db!.collection("material_files.files").countDocuments(),
  ]);

const EXPECTED = [
  { collection: "filings", rule: "drill", action: "delete", count: 1 },
  { collection: "filings", rule: "personal-data-abandoned", action: "anonymise", count: 1 },
  { collection: "filings", rule: "personal-data-after-decision", action: "anonymise", count: 1 },
  { collection: "material_files", rule: "drill", action: "delete", count: 1 },
  { collection: "material_files", rule: "personal-data-after-decision", action: "delete", count: 1 },
];

it("a dry run changes nothing and reports what a run would do; the command says the same", async () => {
  const before = await snapshot();
  const dry = await runRetention("intake", steps(), { now: NOW, schedule: DEFAULT_SCHEDULE, dryRun: true, log });
  expect(dry.counts).toEqual(EXPECTED);
  expect(await snapshot()).toBe(before);

  // The built command (dist/retention.js) with the service's settings, dry: the same counts, no personal data.
  const { stdout } = await promisify(execFile)(process.execPath, [path.resolve(__dirname, "../dist/retention.js"), "--dry-run", "--now", NOW.toISOString()], {
    env: { PATH: process.env.PATH ?? "", MONGO_URI: infra.mongoUri, MONGO_DB: db, JWT_PUBLIC_KEY: testKeys().publicKey, KAFKA_BROKERS: infra.brokers.join(","), LOG_LEVEL: "silent" },
  });
  expect(stdout).toContain("dry run");
  expect(stdout).toMatch(/filings\s+personal-data-after-decision\s+would anonymise\s+1/);
  expect(stdout).toMatch(/filings\s+drill\s+would delete\s+1/);
  expect(stdout).toMatch(/total 5/);
  expect(stdout).not.toMatch(/张三|11010519491231002X|old|recent/);
  expect(await snapshot()).toBe(before);

  // `kuayu retention run`, the operator CLI over the services' commands: the same counts, as JSON.
  const cli = await promisify(execFile)(
    process.execPath,
    [path.resolve(__dirname, "../../../libs/cli/bin/kuayu.js"), "retention", "run", "--services", "intake", "--dry-run", "--json", "--now", NOW.toISOString()],
    {
      env: { PATH: process.env.PATH ?? "", MONGO_URI: infra.mongoUri, MONGO_DB: db, JWT_PUBLIC_KEY: testKeys().publicKey, KAFKA_BROKERS: infra.brokers.join(","), LOG_LEVEL: "silent" },
    },
  );
  expect(JSON.parse(cli.stdout)).toMatchObject({ service: "intake", dryRun: true, now: NOW.toISOString(), counts: EXPECTED, total: 5 });
  expect(await snapshot()).toBe(before);
}, 60_000);

it("anonymises the filings decided years ago, deletes old drills, leaves the rest; a second run finds nothing", async () => {
  const run = await runRetention("intake", steps(), { now: NOW, schedule: DEFAULT_SCHEDULE, dryRun: false, log });
  expect(run.counts).toEqual(EXPECTED);

  const old = (await repo.get("old"))!;
  expect(old.anonymisedAt).toEqual(NOW);
  expect(old.details.parties[0]).toMatchObject({ identity: { kind: "person", name: ANONYMISED, residentId: "" }, address: "", phone: "" });
  expect(old.details.claims).toBe(ANONYMISED);
  expect(old.materials[0]!.fileName).toBe(ANONYMISED);
  // What statistics need stays.
  expect(old).toMatchObject({ status: "accepted", collaboratingCourtId: "t-440103001", receiptNumber: "KY-old", details: { caseType: "civil-first-instance", jurisdictionCourtId: "c-110105" } });
  expect(old.decision).toMatchObject({ caseNumber: "（2027）京0105民初old号", decidedAt: ago(4 * YEAR) });
  // Committed as a new version (3), through the versioned path; no copy of the personal data left in any version.
  const oldVersions = await versions.find({ doc: "old" }).sort({ v: 1 }).toArray();
  expect(oldVersions.map((v) => v.v)).toEqual([2, 3]); // version 1 is the head's own insert (create)
  expect(storedText(oldVersions)).not.toMatch(/张三|11010519491231002X|13800138000|沙面/);
  expect(await storedTextOf(conn.db!, "filings", ["old"])).not.toMatch(/张三|11010519491231002X|13800138000|沙面/);
  // The check reads packed bodies: the recent filing's stored bytes do hold its party's name.
  expect(await storedTextOf(conn.db!, "filings", ["recent"])).toMatch(/张三/);
  expect(await fileExists("old-m1")).toBe(false);

  const abandoned = (await repo.get("abandoned"))!;
  expect(abandoned.details.parties[0]!.identity).toEqual({ kind: "person", name: ANONYMISED, residentId: "" });

  // Recent: untouched.
  const recent = (await repo.get("recent"))!;
  expect(recent.anonymisedAt).toBeUndefined();
  expect(recent.details.parties[0]!.identity).toEqual({ kind: "person", name: "张三", residentId: "11010519491231002X" });
  expect(await fileExists("recent-m1")).toBe(true);

  // The old drill: gone with its versions and bytes; the new one stays.
  expect(await repo.get("drill-old")).toBeUndefined();
  expect(await versions.countDocuments({ doc: "drill-old" })).toBe(0);
  expect(await fileExists("drill-old-m1")).toBe(false);
  expect((await repo.get("drill-new"))?.details.drill).toBe(true);
  expect(await fileExists("drill-new-m1")).toBe(true);

  // The filing's owner still changes it after anonymisation (the versioned path goes on from version 3).
  const after = await repo.change("old", async (f) => ({ filing: { ...f, lastEventType: "later" }, events: [] }));
  expect(after.lastEventType).toBe("later");
  expect(after.details.parties[0]!.identity).toMatchObject({ name: ANONYMISED });

  const again = await runRetention("intake", steps(), { now: NOW, schedule: DEFAULT_SCHEDULE, dryRun: false, log });
  expect(again.total).toBe(0);
}, 60_000);
