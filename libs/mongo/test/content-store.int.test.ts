// The content store on the real store: bytes round-trip across chunk and insert boundaries, the same
// bytes are stored once however many writers race, and bytes that do not match their digest leave
// nothing behind.
import { createHash } from "node:crypto";
import type { Connection } from "mongoose";
import { connectMongo, contentCollections, contentStore, ensureCollections, type ContentStore } from "@kuayu/mongo";
import { assertInfraUp, infra, uniqueName } from "@kuayu/testkit";

const dbName = uniqueName("content_test");
let conn: Connection;
let store: ContentStore;
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const bytes = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251));
async function* pieces(b: Buffer, size = 64 * 1024) {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}
const readAll = async (digest: string) => {
  const out: Buffer[] = [];
  for await (const c of store.read(digest)) out.push(Buffer.from(c));
  return Buffer.concat(out);
};

beforeAll(async () => {
  await assertInfraUp();
  conn = await connectMongo({ uri: infra.mongoUri, dbName });
  await ensureCollections(conn, contentCollections("copies"));
  store = contentStore(conn, "copies");
});
afterAll(async () => {
  await conn.dropDatabase();
  await conn.close();
});

it("round-trips bytes of many chunks (and more than one insert of them) byte-exact", async () => {
  const big = bytes(17 * 255 * 1024 + 999, 1); // 18 chunks: two inserts
  expect(await store.put(sha(big), big.length, pieces(big))).toBe("stored");
  expect((await readAll(sha(big))).equals(big)).toBe(true);
  expect(await store.has(sha(big))).toBe(true);
  const unknown = sha(Buffer.from("never stored"));
  expect(await store.missing([sha(big), unknown])).toEqual(new Set([unknown]));
  expect(await conn.collection("copies_chunks").countDocuments({})).toBe(18);
});

it("keeps bytes of at most one chunk in the content document: no chunk documents, the same bytes back", async () => {
  const small = bytes(255 * 1024, 5);
  const before = await conn.collection("copies_chunks").countDocuments({});
  const results = await Promise.all(Array.from({ length: 3 }, () => store.put(sha(small), small.length, pieces(small, 10_000))));
  expect(results.filter((r) => r === "stored")).toHaveLength(1);
  // Offered again without asking first (the copier does so up to inlineBytes): the insert answers.
  expect(small.length).toBeLessThanOrEqual(store.inlineBytes);
  expect(await store.put(sha(small), small.length, pieces(small))).toBe("present");
  expect(await conn.collection("copies_chunks").countDocuments({})).toBe(before);
  expect((await readAll(sha(small))).equals(small)).toBe(true);
});

it("stores the same bytes once, whoever writes them and however many at once", async () => {
  const b = bytes(300 * 1024, 2);
  const results = await Promise.all(Array.from({ length: 4 }, () => store.put(sha(b), b.length, pieces(b, 10_000))));
  expect(results.filter((r) => r === "stored")).toHaveLength(1);
  expect(await store.put(sha(b), b.length, pieces(b))).toBe("present");
  expect((await readAll(sha(b))).equals(b)).toBe(true);
  const doc = await conn.collection("copies_content").findOne({ _id: sha(b) as never });
  // Only the winning write's two chunks are left.
  expect(await conn.collection("copies_chunks").countDocuments({ a: doc!.chunks })).toBe(2);
  expect(await conn.collection("copies_chunks").countDocuments({})).toBe(18 + 2);
});

it("keeps nothing of bytes that do not match their digest or size, or of a failing source", async () => {
  const b = bytes(1000, 3);
  await expect(store.put(sha(bytes(1000, 4)), 1000, pieces(b))).rejects.toThrow(/SHA-256/);
  await expect(store.put(sha(b), 999, pieces(b))).rejects.toThrow(/999 bytes/);
  async function* broken() {
    yield b.subarray(0, 300 * 1024 > b.length ? 500 : 0);
    throw new Error("the window went away");
  }
  await expect(store.put(sha(b), 1000, broken())).rejects.toThrow(/went away/);
  expect(await store.has(sha(b))).toBe(false);
  expect(await conn.collection("copies_chunks").countDocuments({})).toBe(18 + 2);
  await expect(readAll(sha(b))).rejects.toThrow(/no content/);
});

it("a group stores its small contents in one insert at its commit — those held already stay as they are — and a large one at once", async () => {
  const held = bytes(3000, 41);
  expect(await store.put(sha(held), held.length, pieces(held))).toBe("stored");
  const before = (await conn.collection("copies_content").findOne({ _id: sha(held) } as never))!.storedAt as Date;
  const a = bytes(1000, 42);
  const b = bytes(2000, 43);
  const large = bytes(300 * 1024, 44);
  const inserts: string[] = [];
  const onCommand = (e: { commandName: string; command: Record<string, unknown> }) => {
    if (e.commandName === "insert") inserts.push(`${String(e.command.insert)}:${(e.command.documents as unknown[]).length}`);
  };
  conn.getClient().on("commandStarted", onCommand);
  try {
    const group = store.group();
    await group.put(sha(a), a.length, pieces(a));
    await group.put(sha(held), held.length, pieces(held));
    await group.put(sha(large), large.length, pieces(large));
    expect(await store.missing([sha(a), sha(large)])).toEqual(new Set([sha(a)])); // held until the commit
    await group.put(sha(b), b.length, pieces(b));
    await group.commit();
  } finally {
    conn.getClient().off("commandStarted", onCommand);
  }
  expect(inserts).toEqual(["copies_chunks:2", "copies_content:1", "copies_content:3"]);
  for (const x of [a, b, large, held]) expect((await readAll(sha(x))).equals(x)).toBe(true);
  expect((await conn.collection("copies_content").findOne({ _id: sha(held) } as never))!.storedAt).toEqual(before);
  // A group whose content fails its digest keeps nothing of it; the commit stores the rest.
  const group = store.group();
  const c = bytes(500, 45);
  await group.put(sha(c), c.length, pieces(c));
  await expect(group.put(sha(Buffer.from("other")), 5, pieces(Buffer.from("wrong")))).rejects.toThrow(/SHA-256/);
  await group.commit();
  expect(await store.missing([sha(c), sha(Buffer.from("other"))])).toEqual(new Set([sha(Buffer.from("other"))]));
});
