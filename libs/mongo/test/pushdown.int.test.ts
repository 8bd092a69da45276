// The store answers equality filters on _id and on indexed fields from an index, not by reading the
// whole collection. FerretDB 1.24 on PostgreSQL does so only with the GIN indexes that
// scripts/infra/ferretdb-pushdown-indexes.sql adds (docs/platform.md "Which filters an index serves"); without them
// every command of every service is O(collection size).
import { execFileSync } from "node:child_process";
import path from "node:path";
import { Binary } from "mongodb";
import type { Connection } from "mongoose";
import { connectMongo } from "@kuayu/mongo";
import { assertInfraUp, infra, uniqueName } from "@kuayu/testkit";

/** The PostgreSQL plan FerretDB reports for a find, as JSON text. */
async function planOf(conn: Connection, collection: string, filter: Record<string, unknown>): Promise<string> {
  const r = await conn.db!.command({ explain: { find: collection, filter } });
  expect(r.filterPushdown).toBe(true);
  return JSON.stringify(r.queryPlanner);
}

/** psql on the store's PostgreSQL database (scripts/infra/infra.sh psql), one unaligned value. */
const sql = (query: string) => execFileSync("bash", [path.join(__dirname, "../../../scripts/infra/infra.sh"), "psql", "-At", "-c", query], { encoding: "utf8" }).trim();

const usesGin = (plan: string) => /"Index Name":"[^"]*_kygin"/.test(plan);

describe("equality filters use an index (real server)", () => {
  const dbName = uniqueName("pushdown_test");
  let conn: Connection;
  beforeAll(async () => {
    await assertInfraUp();
    conn = await connectMongo({ uri: infra.mongoUri, dbName });
    const col = conn.collection("filings");
    await col.insertMany(Array.from({ length: 500 }, (_, i) => ({ _id: `f-${i}` as never, courtCode: `c-${i % 50}`, status: i % 2 ? "OPEN" : "DONE", note: `n-${i}` })));
    await col.createIndex({ courtCode: 1, status: 1 });
  });
  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
  });

  it("findOne by _id, alone or with another field, reads the _id index", async () => {
    expect(usesGin(await planOf(conn, "filings", { _id: "f-7" }))).toBe(true);
    expect(usesGin(await planOf(conn, "filings", { _id: "f-7", holder: "h" }))).toBe(true);
    expect(await conn.collection("filings").findOne({ _id: "f-7" as never })).toMatchObject({ courtCode: "c-7" });
  });

  it("a filter on the first field of a declared index reads that index", async () => {
    expect(usesGin(await planOf(conn, "filings", { courtCode: "c-3" }))).toBe(true);
    expect(await conn.collection("filings").countDocuments({ courtCode: "c-3" })).toBe(10);
  });

  it("a filter on an unindexed field still scans (the plan tells the two apart)", async () => {
    const plan = await planOf(conn, "filings", { note: "n-3" });
    expect(usesGin(plan)).toBe(false);
    expect(plan).toContain("Seq Scan");
  });

  it("collections created later get the index too (the event trigger), as do inserts", async () => {
    const late = conn.collection("late_collection");
    await late.insertOne({ _id: "x" as never, v: 1 });
    expect(usesGin(await planOf(conn, "late_collection", { _id: "x" }))).toBe(true);
  });

  it("a row of up to a page stays in its table, uncompressed: no TOAST rows to write and read back", async () => {
    const rows = conn.collection("big_rows");
    const body = new Binary(Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251)));
    await rows.insertOne({ _id: "h" as never, body });
    await rows.replaceOne({ _id: "h" as never }, { body, v: 2 });
    const [relname, options, toastBytes] = sql(
      `SELECT c.relname, c.reloptions, pg_relation_size(c.reltoastrelid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '${dbName}' AND c.relname LIKE 'big\\_rows\\_%' AND c.relkind = 'r'`,
    ).split("|");
    expect(options).toBe("{toast_tuple_target=8160}");
    expect(Number(sql(`SELECT pg_column_size(_jsonb) FROM "${dbName}"."${relname}"`))).toBeGreaterThan(6000);
    expect(Number(toastBytes)).toBe(0);
  });

  it("PostgreSQL keeps a drill's working set in its buffers and spaces its checkpoints (scripts/infra/infra.sh)", () => {
    // With the defaults (128 MB, a checkpoint every 1 GB of WAL) a national drill's store reads and
    // evicts pages all run long and writes whole pages into the WAL after every checkpoint.
    const [buffers, walSize, timeout] = sql("SELECT current_setting('shared_buffers') || '|' || current_setting('max_wal_size') || '|' || current_setting('checkpoint_timeout')").split("|");
    expect(buffers).toBe(process.env.PG_SHARED_BUFFERS ?? "2GB");
    expect(walSize).toBe(process.env.PG_MAX_WAL_SIZE ?? "8GB");
    expect(timeout).toBe("15min");
  });
});
