// Locks and sequences against the real MongoDB-wire server, under concurrency.
import type { Connection } from "mongoose";
import { connectMongo, createLocks, createSequences, LockBusyError } from "@kuayu/mongo";
import { assertInfraUp, infra, uniqueName } from "@kuayu/testkit";

describe("locks and sequences (real server)", () => {
  const dbName = uniqueName("coord_test");
  let conns: Connection[];
  beforeAll(async () => {
    await assertInfraUp();
    conns = await Promise.all([1, 2, 3].map(() => connectMongo({ uri: infra.mongoUri, dbName })));
  });
  afterAll(async () => {
    await conns[0]!.dropDatabase();
    await Promise.all(conns.map((c) => c.close()));
  });

  it("serializes read-modify-write of one document across connections", async () => {
    const counters = conns[0]!.collection<{ _id: string; n: number }>("counters");
    await counters.insertOne({ _id: "c", n: 0 });
    // 60 holders in turn: a long wait is allowed (a busy machine), the test is about order, not speed.
    const lockers = conns.map((c) => createLocks(c, { waitMs: 120_000 }));
    const increments = Array.from({ length: 60 }, (_, i) =>
      lockers[i % 3]!.withLock("counter:c", async () => {
        const col = conns[i % 3]!.collection<{ _id: string; n: number }>("counters");
        const doc = await col.findOne({ _id: "c" });
        await col.updateOne({ _id: "c" }, { $set: { n: doc!.n + 1 } });
      }),
    );
    await Promise.all(increments);
    expect((await counters.findOne({ _id: "c" }))!.n).toBe(60);
    expect(await conns[0]!.collection("locks").countDocuments({})).toBe(0);
  });

  it("releases the lock when the work throws", async () => {
    const locks = createLocks(conns[0]!);
    await expect(locks.withLock("k-throw", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(locks.withLock("k-throw", async () => "again")).resolves.toBe("again");
  });

  it("gives up on a busy lock with LockBusyError, and takes over an expired one", async () => {
    const locks = createLocks(conns[0]!, { waitMs: 200 });
    await conns[0]!.collection("locks").insertOne({ _id: "k-held" as never, holder: "other", expiresAt: new Date(Date.now() + 60_000) });
    await expect(locks.withLock("k-held", async () => 1)).rejects.toBeInstanceOf(LockBusyError);
    await conns[0]!.collection("locks").insertOne({ _id: "k-dead" as never, holder: "crashed", expiresAt: new Date(Date.now() - 1) });
    await expect(locks.withLock("k-dead", async () => "taken over")).resolves.toBe("taken over");
  });

  it("renews a lock held longer than its TTL, so nobody takes it over from a live holder", async () => {
    const [a, b] = [createLocks(conns[0]!, { ttlMs: 300, waitMs: 0 }), createLocks(conns[1]!, { ttlMs: 300, waitMs: 0 })];
    let inside = false;
    const long = a.withLock("k-long", async () => {
      inside = true;
      await new Promise((r) => setTimeout(r, 1200)); // four TTLs
      return "done";
    });
    while (!inside) await new Promise((r) => setTimeout(r, 10));
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 250));
      await expect(b.withLock("k-long", async () => "stolen")).rejects.toBeInstanceOf(LockBusyError);
    }
    await expect(long).resolves.toBe("done");
    await expect(b.withLock("k-long", async () => "free again")).resolves.toBe("free again");
  });

  it("hands out gap-free, duplicate-free numbers to concurrent callers in several processes", async () => {
    const seqs = conns.map((c) => createSequences(c));
    const got = await Promise.all(Array.from({ length: 300 }, (_, i) => seqs[i % 3]!.next("court-a:2026:民初")));
    expect([...got].sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    // A fresh instance (a restarted process) finds where the scope ended; other scopes are separate.
    const fresh = createSequences(conns[1]!);
    await expect(fresh.next("court-a:2026:民初")).resolves.toBe(301);
    await expect(fresh.next("court-b:2026:民初")).resolves.toBe(1);
    // A number remembers who took it.
    await expect(fresh.next("court-b:2026:民初", "filing-7")).resolves.toBe(2);
    await expect(fresh.ownedBy("court-b:2026:民初", "filing-7")).resolves.toBe(2);
    await expect(fresh.ownedBy("court-a:2026:民初", "filing-7")).resolves.toBeUndefined();
  });
});
