// The store features the platform relies on, against the real MongoDB-wire server.
import { Schema } from "mongoose";
import { connectMongo, ensureIndexes, isDuplicateKey, pingMongo } from "@kuayu/mongo";
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

  it("fails clearly when the store is unreachable", async () => {
    await expect(connectMongo({ uri: "mongodb://127.0.0.1:1", dbName, serverSelectionTimeoutMs: 500 })).rejects.toThrow();
  });
});
