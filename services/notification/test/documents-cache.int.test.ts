// Lazy documents on the real store: an issued document has a record and no PDF; the first request
// renders it into GridFS (bucket `documents`), later ones read it back; replicas (each with its own
// connection) rendering the same documents at once leave exactly one whole file per document and
// serve identical bytes; a lost file is rendered again.
import { fieldCryptFromEnv } from "@kuayu/fieldcrypt";
import { createLogger } from "@kuayu/logger";
import { connectMongo, coordinationCollections, ensureCollections, gridFsFileStore } from "@kuayu/mongo";
import { assertInfraUp, infra, uniqueName } from "@kuayu/testkit";
import type { Connection } from "mongoose";
import { documentHash, documentIssuer, documentPdfs } from "../src/adapters/documents";
import { COLLECTIONS, openStore, type DocumentDoc, type Store } from "../src/adapters/store";
import { renderDocument, sha256, type DocumentInput } from "../src/documents/index";
import type { FilingFacts } from "../src/domain/notify";

const log = createLogger({ service: "test", level: "silent" });
const dbName = uniqueName("notification_docs_it");
const REPLICAS = 3;
const DOCUMENTS = 4;
const conns: Connection[] = [];
let stores: Store[];

const COURTS: Record<string, string> = { "t-440103001": "广州市荔湾区人民法院沙面人民法庭", "c-110105": "北京市朝阳区人民法院" };
const courtName = (id: string) => COURTS[id] ?? id;
const facts = (filingId: string): FilingFacts => ({
  filingId,
  collaboratingCourtId: "t-440103001",
  jurisdictionCourtId: "c-110105",
  caseType: "civil-first-instance",
  receiptNumber: `KY-t-440103001-20261128-${filingId.slice(-6)}`,
  parties: [
    { role: "plaintiff", name: "张三" },
    { role: "defendant", name: "北京某贸易有限公司" },
  ],
  materials: [{ kind: "complaint", fileName: "起诉状.pdf" }],
  round: 1,
  submittedAt: new Date("2026-11-28T01:40:00Z"),
  routedAt: undefined,
  responseDue: undefined,
  acknowledgedAt: undefined,
  caseNumber: `（2026）京0105民初${Number(filingId.slice(-6))}号`,
  decidedAt: new Date("2026-11-28T02:10:00Z"),
  rejection: undefined,
  correction: undefined,
  lastEventType: "kuayu.decision.v1.Accepted",
  drill: false,
});

function countingRender() {
  const calls: string[] = [];
  return { calls, render: async (input: DocumentInput) => (calls.push(input.verificationCode), renderDocument(input)) };
}

const files = (i: number) => gridFsFileStore(conns[i]!, "documents", log);
const db = () => conns[0]!.db!;

beforeAll(async () => {
  await assertInfraUp();
  for (let i = 0; i < REPLICAS; i++) conns.push(await connectMongo({ uri: infra.mongoUri, dbName }));
  await ensureCollections(conns[0]!, [...COLLECTIONS, ...coordinationCollections("documents")]);
  const crypt = await fieldCryptFromEnv(conns[0]!.db!);
  stores = conns.map((c) => openStore(c, crypt));
});
afterAll(async () => {
  await conns[0]?.dropDatabase();
  await Promise.all(conns.map((c) => c.close()));
});

it("issues a record without a PDF; replicas rendering at once store one whole file per document and serve the same bytes", async () => {
  const issue = documentIssuer(stores[0]!, files(0), courtName, log);
  const issued: DocumentDoc[] = [];
  for (let n = 1; n <= DOCUMENTS; n++) {
    const f = facts(`f-cache-${String(n).padStart(6, "0")}`);
    await issue(f, "acceptance-notice", 1);
    await issue(f, "acceptance-notice", 1); // a redelivery
    issued.push((await stores[0]!.documents.findOne({ key: `${f.filingId}:acceptance-notice:1` }))!);
  }
  expect(await stores[0]!.documents.countDocuments({})).toBe(DOCUMENTS);
  expect(await db().collection("documents.files").countDocuments({})).toBe(0); // nothing rendered
  for (const d of issued) {
    expect(d.sha256).toBeUndefined();
    expect(d.input!.issuedAt).toBeInstanceOf(Date); // plain data back from the store: Dates as Dates
    expect(await documentHash(stores[0]!, d)).toBe("");
  }

  // Every replica asks for every document at the same time.
  const renders = stores.map(() => countingRender());
  const pdfOf = stores.map((s, i) => documentPdfs(s, files(i), log, renders[i]!.render));
  const got = await Promise.all(issued.flatMap((d) => pdfOf.map((p) => p(d))));
  for (let k = 0; k < DOCUMENTS; k++) {
    const mine = got.slice(k * REPLICAS, (k + 1) * REPLICAS);
    for (const g of mine) {
      expect(g.pdf.equals(mine[0]!.pdf)).toBe(true);
      expect(g.sha256).toBe(sha256(g.pdf));
    }
    expect(mine[0]!.pdf.equals(await renderDocument(issued[k]!.input!))).toBe(true);
  }

  // One document_pdfs entry and one whole file per document; no file orphaned.
  const entries = await stores[0]!.documentPdfs.find({}).toArray();
  expect(entries).toHaveLength(DOCUMENTS);
  const stored = await db().collection("documents.files").find({}).toArray();
  expect(stored.map((f) => String(f._id)).sort()).toEqual(entries.map((e) => e.fileId).sort());
  for (const e of entries) {
    const chunks = await db()
      .collection("documents.chunks")
      .find({ files_id: e.fileId as never })
      .toArray();
    expect(chunks).toEqual([]); // ≤ 40 KB: the bytes are in the file document itself, never two writers' chunks mixed
    const back: Uint8Array[] = [];
    for await (const c of files(1).read(e.fileId)) back.push(c);
    expect(sha256(Buffer.concat(back))).toBe(e.sha256);
    const record = (await stores[2]!.documents.findOne({ _id: e._id }))!;
    expect(record.sha256).toBe(e.sha256);
    expect(record.renderedAt).toBeInstanceOf(Date);
  }

  // Later requests, on any replica: served from the store, nothing rendered.
  const later = countingRender();
  const again = await Promise.all(issued.map((d) => documentPdfs(stores[1]!, files(1), log, later.render)(d)));
  expect(later.calls).toEqual([]);
  again.forEach((g, k) => expect(g.pdf.equals(got[k * REPLICAS]!.pdf)).toBe(true));
});

it("renders a document again when its stored file is gone", async () => {
  const f = facts("f-cache-000099");
  await documentIssuer(stores[0]!, files(0), courtName, log)(f, "acceptance-notice", 1);
  const d = (await stores[0]!.documents.findOne({ key: `${f.filingId}:acceptance-notice:1` }))!;
  const r = countingRender();
  const first = await documentPdfs(stores[0]!, files(0), log, r.render)(d);
  const entry = (await stores[0]!.documentPdfs.findOne({ _id: d._id }))!;
  await files(0).remove(entry.fileId);

  const second = await documentPdfs(stores[1]!, files(1), log, r.render)(d);
  expect(r.calls).toHaveLength(2);
  expect(second.pdf.equals(first.pdf)).toBe(true);
  const replaced = (await stores[0]!.documentPdfs.findOne({ _id: d._id }))!;
  expect(replaced.fileId).not.toBe(entry.fileId);
  expect(
    await db()
      .collection("documents.files")
      .countDocuments({ _id: replaced.fileId as never }),
  ).toBe(1);
});
