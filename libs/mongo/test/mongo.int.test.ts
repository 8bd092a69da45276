// The store features the platform relies on, against the real MongoDB-wire server.
import { Schema } from "mongoose";
import { connectMongo, ensureIndexes, isDuplicateKey, pingMongo, STATEMENTS_AT_ONCE, writeInGroups } from "@kuayu/mongo";
import { assertInfraUp, infra, uniqueName } from "@kuayu/testkit";

describe("MongoDB-wire store (real server)", () => {
  const dbName = uniqueName("mongo_test");
  let conn: Awaited<ReturnType<typeof connectMongo>>;
  beforeAll(async () => {
    await assertInfraUp();
    conn = await connectMongo({ uri: infra.mongoUri, dbName });
  });
  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
  });

  const schema = new Schema({ _id: String, court: String, key: String, tags: [String] }, { versionKey: false });
  schema.index({ court: 1, key: 1 }, { unique: true });

  it("pings, builds unique indexes and reports duplicate keys", async () => {
    await pingMongo(conn);
    const M = conn.model("Thing", schema, "things");
    await ensureIndexes([M]);
    await ensureIndexes([M]); // idempotent
    await M.create({ _id: "a", court: "c1", key: "k1" });
    const dup = await M.create({ _id: "b", court: "c1", key: "k1" }).catch((e: unknown) => e);
    expect(isDuplicateKey(dup)).toBe(true);
    await M.create({ _id: "c", court: "c2", key: "k1" });
  });

  it("applies $addToSet once however often it is repeated", async () => {
    const M = conn.model("Thing");
    for (let i = 0; i < 3; i++) await M.updateOne({ _id: "a" }, { $addToSet: { tags: "event-1" } });
    expect((await M.findById("a").lean<{ tags: string[] }>())!.tags).toEqual(["event-1"]);
  });

  it("writes a large bulk of replacements, deletes and inserts in commands of a few statements (one command of as many never returns on FerretDB)", async () => {
    const col = conn.db!.collection<{ _id: string; v: number; pad: string }>("bulk");
    await col.insertMany(Array.from({ length: 120 }, (_, i) => ({ _id: `d${i}`, v: 0, pad: "x".repeat(3000) })));
    const commands: string[] = [];
    const seen = (e: { commandName: string; command: Record<string, unknown> }) => {
      if (e.command[e.commandName] === "bulk") commands.push(e.commandName);
    };
    conn.getClient().on("commandStarted", seen);
    try {
      await writeInGroups(col, [
        ...Array.from({ length: 110 }, (_, i) => ({ replaceOne: { filter: { _id: `d${i}` }, replacement: { v: 1, pad: "y".repeat(3000) } } })),
        ...Array.from({ length: 10 }, (_, i) => ({ deleteOne: { filter: { _id: `d${110 + i}` } } })),
        ...Array.from({ length: 30 }, (_, i) => ({ insertOne: { document: { _id: `n${i}`, v: 2, pad: "" } } })),
      ]);
    } finally {
      conn.getClient().off("commandStarted", seen);
    }
    expect(commands.filter((c) => c === "insert")).toHaveLength(1);
    expect(commands.filter((c) => c === "update").length + commands.filter((c) => c === "delete").length).toBe(Math.ceil(120 / STATEMENTS_AT_ONCE) + 1);
    expect(await col.countDocuments({ v: 1 })).toBe(110);
    expect(await col.countDocuments({ v: 2 })).toBe(30);
    expect(await col.countDocuments({})).toBe(140);
  });

  it("fails clearly when the store is unreachable", async () => {
    await expect(connectMongo({ uri: "mongodb://127.0.0.1:1", dbName, serverSelectionTimeoutMs: 500 })).rejects.toThrow();
  });
});
