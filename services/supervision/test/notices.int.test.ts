// Scheduled notices are issued once however many replicas run the schedule: their id is the same
// on every replica for a kind, scope and day, and the store's unique insert picks one.
import { loadDirectory } from "@kuayu/directory";
import { connectMongo, ensureCollections } from "@kuayu/mongo";
import { assertInfraUp, infra, uniqueName } from "@kuayu/testkit";
import { scheduledNoticeId } from "../src/app";
import { createSupervision } from "../src/adapters/supervision";
import { COLLECTIONS, openStore } from "../src/adapters/store";

it("two replicas generating the same scheduled notice at once store and return it once", async () => {
  await assertInfraUp();
  // Two "replicas", each with its own connection to the release's one database.
  const dbName = uniqueName("notices_test");
  const shared = await Promise.all([0, 1].map(() => connectMongo({ uri: infra.mongoUri, dbName })));
  try {
    await ensureCollections(shared[0]!, COLLECTIONS);
    const dir = loadDirectory();
    const replicas = shared.map((c) => createSupervision(openStore(c), dir));
    const scope = { level: "province" as const, id: "11" };
    const now = new Date("2026-12-07T10:00:00+08:00");
    const id = scheduledNoticeId("daily", scope, "2026-12-07");
    expect(id).toBe("scheduled:daily:province:11:2026-12-07");
    const results = await Promise.all(replicas.flatMap((r) => [r.generateNotice("daily", scope, now, id), r.generateNotice("daily", scope, now, id)]));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await shared[0]!.db!.collection("notices").countDocuments({})).toBe(1);
    // Generated on request (no id), notices are as many as requests.
    await replicas[0]!.generateNotice("daily", scope, now);
    expect(await shared[0]!.db!.collection("notices").countDocuments({})).toBe(2);
  } finally {
    await shared[0]!.dropDatabase();
    for (const c of shared) await c.close();
  }
});
