// The window's lifecycle log on the real store: a change the lifecycle consumer makes starts from
// the head this process last read or committed (no look-up of the filing), and one that is stale —
// another replica committed since — loses its race and is decided again on the newest version, so
// nothing either replica recorded is lost.
import type { Connection, mongo } from "mongoose";
import { fieldCryptFromEnv, type FieldCrypt } from "@kuayu/fieldcrypt";
import { connectMongo, ensureCollections, ensureIndexes } from "@kuayu/mongo";
import { versionCollections, type VersionRow } from "@kuayu/outbox";
import { infra, uniqueName } from "@kuayu/testkit";
import type { Filing, TimelineEntry } from "../src/domain/filing";
import { filingModel, mongoFilingRepository, timelineModel } from "../src/adapters/mongo/filing-repository";

let conn: Connection;
let crypt: FieldCrypt;
let versions: mongo.Collection<VersionRow>;
const repository = () => mongoFilingRepository(filingModel(conn), timelineModel(conn), versions, { onCommit: () => undefined, onChange: () => undefined, courtProvince: () => "44", crypt });

const NOW = new Date("2026-12-04T08:00:00Z");
const filing = (id: string): Filing => ({
  id,
  collaboratingCourtId: "t-440103001",
  status: "submitted",
  details: {
    caseType: "civil-first-instance",
    parties: [],
    claims: "",
    facts: "",
    jurisdictionCourtId: "c-110105",
    jurisdictionSource: "clerk",
    jurisdictionBasis: "",
    liableOrganDecided: false,
    drill: false,
  },
  materials: [],
  receiptNumber: `KY-t-440103001-20261204-${id.slice(-6)}`,
  jurisdictionProvince: "11",
  submittedTo: "c-110105",
  round: 1,
  submitKeys: [],
  createdAt: NOW,
  submittedAt: NOW,
  updatedAt: NOW,
  lastEventType: "",
  correctionRequest: undefined,
  decision: undefined,
});
const entry = (eventId: string): TimelineEntry => ({ eventId, eventType: "kuayu.routing.v1.FilingRouted", at: NOW, source: "routing", detail: eventId });

beforeAll(async () => {
  conn = await connectMongo({ uri: infra.mongoUri, dbName: uniqueName("intake_lifecycle_log") });
  crypt = await fieldCryptFromEnv(conn.db!);
  await ensureIndexes([filingModel(conn), timelineModel(conn)]);
  await ensureCollections(conn, versionCollections("filings"));
  versions = conn.db!.collection<VersionRow>("filings_versions");
});
afterAll(async () => {
  crypt?.close();
  await conn?.db?.dropDatabase().catch(() => undefined);
  await conn?.close();
});

it("records from the head it knows without reading the filing, and a stale head loses its race to the newest version", async () => {
  let reads = 0;
  const count = (e: { commandName: string; command: mongo.Document }) => {
    if (e.commandName === "find" && e.command.find === "filings") reads++;
  };
  const here = repository();
  const there = repository(); // another replica of intake
  const id = uniqueName("f")
    .replace(/[^a-z0-9]/g, "")
    .padEnd(6, "0");
  await here.create(filing(id));
  expect(await here.get(id)).toBeDefined();
  conn.getClient().on("commandStarted", count);
  try {
    expect(await here.record(id, [entry("e1")], () => undefined)).toBe(true);
    expect(await here.record(id, [entry("e2")], () => undefined)).toBe(true);
    expect(reads).toBe(0);
    // The other replica records e3: this one's head is now stale.
    expect(await there.record(id, [entry("e3")], () => undefined)).toBe(true);
    expect(await here.record(id, [entry("e4")], () => undefined)).toBe(true);
    // e1 again (a redelivery) on the head it knows: nothing to do there, so it looks at the store's.
    expect(await here.record(id, [entry("e1")], () => undefined)).toBe(true);
  } finally {
    conn.getClient().off("commandStarted", count);
  }
  expect((await here.timeline(id)).map((t) => t.eventId)).toEqual(["e1", "e2", "e3", "e4"]);
  const newest = await versions.find({ doc: id }).sort({ v: -1 }).limit(1).toArray();
  expect(newest[0]?.v).toBe(5); // created, e1, e2, e3, e4: the redelivery made no version
});
