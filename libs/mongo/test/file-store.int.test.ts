// Files in the GridFS layout written in batches (small ones in their file document), and the sweep
// that removes what crashes leave.
import { createHash, randomBytes } from "node:crypto";
import { mongo, type Connection } from "mongoose";
import { createLogger } from "@kuayu/logger";
import { connectMongo, ensureCollections, fileStoreCollections, gridFsFileStore, tickOf, type FileStore } from "@kuayu/mongo";
import { assertInfraUp, infra, uniqueName } from "@kuayu/testkit";

const log = createLogger({ service: "file-store-test", level: "silent" });
async function* from(...parts: Buffer[]) {
  for (const p of parts) yield p;
}
async function readAll(files: FileStore, id: string) {
  const parts: Uint8Array[] = [];
  for await (const c of files.read(id)) parts.push(c);
  return Buffer.concat(parts);
}
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("file store (real server)", () => {
  const dbName = uniqueName("file_store_test");
  let conn: Connection;
  let files: FileStore;
  const count = (suffix: string, filter: Record<string, unknown> = {}) => conn.db!.collection(`bucket${suffix}`).countDocuments(filter);

  beforeAll(async () => {
    await assertInfraUp();
    conn = await connectMongo({ uri: infra.mongoUri, dbName });
    await ensureCollections(conn, fileStoreCollections("bucket"));
    files = gridFsFileStore(conn, "bucket", log);
  });
  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
  });

  it("stores a file of many chunks in few inserts, readable by the driver's own GridFS reader", async () => {
    const big = randomBytes(5 * 1024 * 1024 + 17);
    await files.write("big", "owner-1", from(big.subarray(0, 1000), big.subarray(1000)));
    expect(sha(await readAll(files, "big"))).toBe(sha(big));
    const viaDriver: Buffer[] = [];
    for await (const c of new mongo.GridFSBucket(conn.db!, { bucketName: "bucket" }).openDownloadStream("big" as never)) viaDriver.push(c as Buffer);
    expect(sha(Buffer.concat(viaDriver))).toBe(sha(big));
    expect(await count(".chunks", { files_id: "big" })).toBe(21); // 5 MiB in 255 KiB chunks
  });

  it("keeps a file of at most one chunk in its file document: one insert, no chunk documents", async () => {
    const small = randomBytes(255 * 1024);
    await files.write("small", "owner-1", from(small.subarray(0, 100), small.subarray(100)));
    expect(await count(".chunks", { files_id: "small" })).toBe(0);
    expect(await count(".files", { _id: "small", length: small.length })).toBe(1);
    expect(sha(await readAll(files, "small"))).toBe(sha(small));
    // One byte more is two chunks.
    const over = randomBytes(255 * 1024 + 1);
    await files.write("over", "owner-1", from(over));
    expect(await count(".chunks", { files_id: "over" })).toBe(2);
    expect(sha(await readAll(files, "over"))).toBe(sha(over));
    await files.write("empty", "owner-1", from());
    expect((await readAll(files, "empty")).length).toBe(0);
  });

  it("a group writes its files of one chunk in one insert at its commit, a larger one at once; readMany reads an owner's files in one look-up", async () => {
    const a = randomBytes(1000);
    const b = randomBytes(2000);
    const large = randomBytes(300 * 1024);
    const commands: string[] = [];
    const onCommand = (e: { commandName: string; command: Record<string, unknown> }) => {
      if (e.commandName === "insert") commands.push(`insert ${String(e.command.insert)}:${(e.command.documents as unknown[]).length}`);
      if (e.commandName === "find") commands.push(`find ${String(e.command.find)}`);
    };
    const client = conn.getClient();
    client.on("commandStarted", onCommand);
    try {
      const group = files.group();
      await group.write("g-a", "owner-g", from(a));
      await group.write("g-large", "owner-g", from(large));
      await group.write("g-b", "owner-g", from(b.subarray(0, 10), b.subarray(10)));
      expect(commands).toEqual(["insert bucket.chunks:2", "insert bucket.files:1"]);
      await group.commit();
      expect(commands.slice(2)).toEqual(["insert bucket.files:2"]);
      commands.length = 0;
      const read: [string, string][] = [];
      for await (const f of files.readMany("owner-g", ["g-b", "g-large", "g-a"])) {
        const parts: Uint8Array[] = [];
        for await (const c of f.bytes) parts.push(c);
        read.push([f.id, sha(Buffer.concat(parts))]);
      }
      expect(read).toEqual([
        ["g-b", sha(b)],
        ["g-large", sha(large)],
        ["g-a", sha(a)],
      ]);
      expect(commands).toEqual(["find bucket.files", "find bucket.chunks"]);
    } finally {
      client.off("commandStarted", onCommand);
    }
    // The look-up is pushed down to the owner's index.
    expect((await conn.db!.command({ explain: { find: "bucket.files", filter: { owner: "owner-g", _id: { $in: ["g-a", "g-b"] } } } })).filterPushdown).toBe(true);
    // A file written before the top-level owner is found by _id.
    await conn.db!.collection("bucket.files").insertOne({
      _id: "g-legacy",
      length: 3,
      chunkSize: 255 * 1024,
      uploadDate: new Date(),
      filename: "g-legacy",
      metadata: { ownerId: "owner-g" },
      tick: 1,
      data: new mongo.Binary(Buffer.from("old")),
    } as never);
    const ids: string[] = [];
    for await (const f of files.readMany("owner-g", ["g-legacy", "g-a"])) {
      const parts: Uint8Array[] = [];
      for await (const c of f.bytes) parts.push(c);
      ids.push(`${f.id}:${Buffer.concat(parts).length}`);
    }
    expect(ids).toEqual(["g-legacy:3", "g-a:1000"]);
  });

  it("reading a file that is not there, or lacks a chunk, fails with ENOENT", async () => {
    await expect(readAll(files, "never-written")).rejects.toMatchObject({ code: "ENOENT" });
    await files.write("holey", "owner-1", from(randomBytes(600 * 1024)));
    await conn.db!.collection("bucket.chunks").deleteOne({ files_id: "holey", n: 1 });
    await expect(readAll(files, "holey")).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("a write whose source fails leaves neither chunks nor a file", async () => {
    async function* failing() {
      yield randomBytes(600 * 1024);
      throw new Error("client gave up");
    }
    await expect(files.write("failed", "owner-1", failing())).rejects.toThrow("client gave up");
    expect(await count(".chunks", { files_id: "failed" })).toBe(0);
    expect(await count(".files", { _id: "failed" })).toBe(0);
  });

  it("the sweep removes files no owner references and chunks of unfinished writes, once each stretch of time, and keeps the rest", async () => {
    const old = tickOf(new Date(Date.now() - 2 * 3600_000));
    const db = conn.db!;
    const chunk = (id: string) => ({ _id: new mongo.ObjectId(), files_id: id, n: 0, data: new mongo.Binary(Buffer.from("x")), tick: old });
    const file = (id: string, ownerId: string) => ({ _id: id, length: 1, chunkSize: 255 * 1024, uploadDate: new Date(), filename: id, metadata: { ownerId }, tick: old });
    // A write killed before its file document; a file its owner never came to reference; one it does.
    await db.collection("bucket.chunks").insertMany([chunk("crashed"), chunk("unreferenced"), chunk("referenced")] as never[]);
    await db.collection("bucket.files").insertMany([file("unreferenced", "filing-1"), file("referenced", "filing-1")] as never[]);
    await db.collection("bucket_sweep").insertOne({ _id: "bucket", tick: old - 1 } as never);
    // A fresh write, younger than the sweep's age limit.
    await files.write("fresh", "filing-2", from(Buffer.from("fresh bytes")));

    const asked: [string, string[]][] = [];
    const isReferenced = async (owner: string, ids: string[]) => {
      asked.push([owner, [...ids].sort()]);
      return new Set(ids.filter((id) => id === "referenced"));
    };
    expect(await files.sweep(isReferenced, 3600_000)).toBe(1);
    expect(asked).toEqual([["filing-1", ["referenced", "unreferenced"]]]);
    expect(await count(".files", { _id: "unreferenced" })).toBe(0);
    expect(await count(".chunks", { files_id: { $in: ["unreferenced", "crashed"] } })).toBe(0);
    expect((await readAll(files, "referenced")).toString()).toBe("x");
    expect((await readAll(files, "fresh")).toString()).toBe("fresh bytes");

    // Its look-ups are equalities on top-level fields, which the store pushes down (no dotted path).
    for (const coll of ["bucket.files", "bucket.chunks"]) {
      expect((await db.command({ explain: { find: coll, filter: { tick: old } } })).filterPushdown).toBe(true);
    }
    expect((await db.command({ explain: { find: "bucket.files", filter: { "metadata.tick": old } } })).filterPushdown).toBe(false);

    // The stretch already swept is not looked at again.
    asked.length = 0;
    expect(await files.sweep(isReferenced, 3600_000)).toBe(0);
    expect(asked).toEqual([]);
  });
});
