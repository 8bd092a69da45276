// The filing as a process knows it, on the real store: a change the lifecycle consumer makes, and
// the window's upload, start from the head this process last read or committed (no look-up of the
// filing); one that is stale — another replica committed since — loses its race and is decided
// again on the newest version, so nothing either replica recorded is lost, and an upload is refused
// only by the newest version.
import type { Connection, mongo } from "mongoose";
import { fieldCryptFromEnv, type FieldCrypt } from "@kuayu/fieldcrypt";
import { connectMongo, ensureCollections, ensureIndexes } from "@kuayu/mongo";
import { versionCollections, type VersionRow } from "@kuayu/outbox";
import { createLogger } from "@kuayu/logger";
import type { AuthContext } from "@kuayu/auth";
import { StateError } from "@kuayu/domain";
import { infra, uniqueName } from "@kuayu/testkit";
import { uploadMaterials, type Deps } from "../src/domain/intake";
import { gridFsMaterialStore } from "../src/adapters/mongo/material-store";
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

it("uploads from the filing as this process knows it, refused only by the newest version", async () => {
  const here = repository();
  const there = repository(); // another replica of intake
  let n = 0;
  const deps = (repo: ReturnType<typeof repository>): Deps => ({
    repo,
    materials: gridFsMaterialStore(conn, createLogger({ service: "test", level: "silent" })),
    newId: () => `${uniqueName("m")}-${n++}`,
    now: () => new Date(),
    nextReceiptNumber: async () => 1,
    maxMaterialBytes: 1 << 20,
    maxFilingBytes: 1 << 22,
  });
  const clerk = { user: "u", courtId: "t-440103001", province: "44", roles: ["window-clerk"] } as unknown as AuthContext;
  const header = (filingId: string) => ({ filingId, kind: "complaint", fileName: "起诉状.pdf", sizeBytes: 0, sha256: "" });
  async function* pdf() {
    yield Buffer.from("%PDF-1.7\n%drill\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n");
  }
  /** One material in one UploadMaterials call. */
  const uploadMaterial = async (d: Deps, caller: AuthContext, h: ReturnType<typeof header>, chunks: AsyncIterable<Uint8Array>) =>
    (
      await uploadMaterials(
        d,
        caller,
        (async function* () {
          yield { header: h, chunks };
        })(),
      )
    )[0]!;
  let reads = 0;
  const count = (e: { commandName: string; command: mongo.Document }) => {
    if (e.commandName === "find" && e.command.find === "filings") reads++;
  };
  const id = uniqueName("u").replace(/[^a-z0-9]/g, "");
  await here.create({ ...filing(id), status: "draft", round: 0, submittedTo: "", receiptNumber: "" });
  conn.getClient().on("commandStarted", count);
  try {
    await uploadMaterial(deps(here), clerk, header(id), pdf());
    expect(reads).toBe(0);
  } finally {
    conn.getClient().off("commandStarted", count);
  }
  // The other replica submits it: this one still knows a draft. The change loses its race, decides
  // again on the submitted version and refuses; the bytes are not kept.
  await there.change(id, async (f) => ({ filing: { ...f, status: "submitted", round: 1 }, events: [] }));
  await expect(uploadMaterial(deps(here), clerk, header(id), pdf())).rejects.toBeInstanceOf(StateError);
  expect((await there.get(id))!.materials).toHaveLength(1);
  // Sent back for corrections over there while this one knows it submitted, which would refuse; the newest allows it.
  expect((await here.get(id))!.status).toBe("submitted");
  await there.change(id, async (f) => ({ filing: { ...f, status: "correction-requested" }, events: [] }));
  const added = await uploadMaterial(deps(here), clerk, header(id), pdf());
  expect(added.round).toBe(2);
  expect((await there.get(id))!.materials.map((m) => m.round)).toEqual([1, 2]);
});
