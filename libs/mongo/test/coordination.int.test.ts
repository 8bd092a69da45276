// Sequences against the real MongoDB-wire server, under concurrency.
import type { Connection } from "mongoose";
import { connectMongo, createSequences } from "@kuayu/mongo";
import { assertInfraUp, infra, uniqueName } from "@kuayu/testkit";

describe("sequences (real server)", () => {
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

  it("without spares (receipt numbers), still finds the end of a scope another process used, and takes nothing back", async () => {
    const [a, b] = [createSequences(conns[0]!, { givesBack: false }), createSequences(conns[1]!, { givesBack: false })];
    const got = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).next("receipt:c-1:20261205")));
    expect([...got].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    await expect(createSequences(conns[2]!, { givesBack: false }).next("receipt:c-1:20261205")).resolves.toBe(41);
    await expect(a.spare("receipt:c-1:20261205", 3, "")).rejects.toThrow("takes no numbers back");
    await expect(a.next("receipt:c-1:20261205")).resolves.toBe(42);
  });
});
