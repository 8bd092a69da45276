// The watch hub finds changed records by equality on their change bucket (`tick`), which the store
// answers from an index, instead of a range on updatedAt, which FerretDB answers by reading and
// decoding the whole collection.
import type { Connection } from "mongoose";
import { createLogger } from "@kuayu/logger";
import { connectMongo, createWatchHub, findChangedSince, tickOf, TICK_MS } from "@kuayu/mongo";
import { assertInfraUp, infra, uniqueName } from "@kuayu/testkit";

interface Rec {
  _id: string;
  tick: number;
  updatedAt: Date;
  court: string;
}
const rec = (id: string, updatedAt: Date, court = "c-1"): Rec => ({ _id: id, tick: tickOf(updatedAt), updatedAt, court });

describe("watch hub look-ups by change bucket (real server)", () => {
  const dbName = uniqueName("watch_hub_test");
  let conn: Connection;
  const col = () => conn.db!.collection<Rec>("records");
  const find = (filter: Record<string, unknown>) => col().find(filter).toArray();

  beforeAll(async () => {
    await assertInfraUp();
    conn = await connectMongo({ uri: infra.mongoUri, dbName });
    await col().createIndex({ tick: 1 });
    // An old history the look-ups must not read: 2,000 records changed an hour or more ago.
    const hourAgo = Date.now() - 3600_000;
    await col().insertMany(Array.from({ length: 2000 }, (_, i) => rec(`old-${i}`, new Date(hourAgo - i * 1000))));
  });
  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
  });

  it("finds exactly the records changed since the instant, across bucket boundaries", async () => {
    const now = new Date();
    const since = new Date(now.getTime() - 2.5 * TICK_MS);
    const recent = [0.1, 1, 1.2, 2, 2.4, 2.6, 3].map((k, i) => rec(`r-${i}`, new Date(now.getTime() - k * TICK_MS)));
    await col().insertMany(recent);
    const found = await findChangedSince(since, find, "updatedAt", now);
    expect(found.map((r) => r._id).sort()).toEqual(["r-0", "r-1", "r-2", "r-3", "r-4"]);
  });

  it("each look-up is an equality on the indexed bucket that the store pushes down and answers from the index", async () => {
    const filters: Record<string, unknown>[] = [];
    await findChangedSince(
      new Date(Date.now() - 15_000),
      async (f) => {
        filters.push(f);
        return [];
      },
      "updatedAt",
    );
    expect(filters.length).toBeGreaterThanOrEqual(2);
    expect(filters.length).toBeLessThanOrEqual(3);
    const explained = await conn.db!.command({ explain: { find: "records", filter: filters[0] } });
    expect(explained.filterPushdown).toBe(true);
    const plan = JSON.stringify(explained.queryPlanner);
    expect(plan).toContain("'tick'");
    expect(plan).not.toContain("Seq Scan");
  });

  it("a look-up from long ago reads at most 30 minutes of buckets", async () => {
    let calls = 0;
    await findChangedSince(new Date(0), async () => {
      calls++;
      return [];
    });
    expect(calls).toBe(180);
  });

  it("a watcher sees a record another process changed, at the next poll", async () => {
    const hub = createWatchHub<Rec & { id: string }>(
      async (since) => (await findChangedSince(since, find)).map((r) => ({ ...r, id: r._id })),
      createLogger({ service: "watch-hub-test", level: "silent" }),
      100,
    );
    const ac = new AbortController();
    const seen: string[] = [];
    const watching = (async () => {
      for await (const r of hub.watch((r) => r.court === "c-9", ac.signal)) {
        seen.push(r._id);
        if (seen.length === 1) ac.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    await col().insertMany([rec("other-court", new Date(), "c-8"), rec("mine", new Date(), "c-9")]);
    await watching;
    hub.stop();
    expect(seen).toEqual(["mine"]);
  });

  it("gives a watcher started from a record as this process knew it every later change, even one another process made before the watcher came", async () => {
    const hub = createWatchHub<Rec & { id: string }>(
      async (since) => (await findChangedSince(since, find)).map((r) => ({ ...r, id: r._id })),
      createLogger({ service: "watch-hub-test", level: "silent" }),
      // Polls when nudged only (the test picks the moments).
      60_000,
    );
    const idle = hub.coveredSince();
    // No watchers, no polls: nothing is covered before now.
    expect(Math.abs(idle - Date.now())).toBeLessThan(50);
    const first = new AbortController();
    const polling = Date.now();
    const keepGoing = (async () => {
      for await (const r of hub.watch((r) => r.court === "c-5" && r._id === "unrelated", first.signal)) void r;
    })();
    // While a watcher keeps the polls going, covered from when they started.
    await new Promise((r) => setTimeout(r, 300));
    expect(hub.coveredSince()).toBeGreaterThanOrEqual(polling);
    expect(hub.coveredSince()).toBeLessThan(Date.now() - 200);
    // The record as this process learnt it; then another process changes it, and before the next
    // poll two watchers come: one from the state known (since), one without.
    const knownAt = new Date(Date.now() - 50);
    await col().insertOne(rec("known", knownAt, "c-5"));
    hub.nudge();
    await new Promise((r) => setTimeout(r, 300));
    await col().replaceOne({ _id: "known" }, rec("known", new Date(), "c-5"));
    const b = new AbortController();
    const c = new AbortController();
    const fromKnown = hub.watch((r) => r._id === "known", b.signal, knownAt);
    const fromNow = hub.watch((r) => r._id === "known", c.signal);
    hub.nudge();
    const got: Date[] = [];
    for await (const r of fromKnown) {
      got.push(r.updatedAt);
      b.abort();
    }
    expect(got).toHaveLength(1);
    expect(got[0]!.getTime()).toBeGreaterThan(knownAt.getTime());
    // The watcher without `since` came after that change was made: not its.
    const late: string[] = [];
    setTimeout(() => c.abort(), 300);
    for await (const r of fromNow) late.push(r._id);
    expect(late).toEqual([]);
    first.abort();
    await keepGoing;
    hub.stop();
  });

  it("goes on polling for a while after the last watcher left, so that the coverage outlives watchers that come and go", async () => {
    let polls = 0;
    const hub = createWatchHub<Rec & { id: string }>(
      async (since) => {
        polls++;
        return (await findChangedSince(since, find)).map((r) => ({ ...r, id: r._id }));
      },
      createLogger({ service: "watch-hub-test", level: "silent" }),
      100,
      5000,
      600, // lingerMs
    );
    const watchFor = async (ms: number) => {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), ms);
      for await (const r of hub.watch(() => false, ac.signal)) void r;
    };
    const started = Date.now();
    await watchFor(200);
    // Left, but the polls go on: covered since the first watcher came.
    const left = polls;
    await new Promise((r) => setTimeout(r, 350));
    expect(polls).toBeGreaterThan(left);
    const covered = hub.coveredSince();
    expect(covered).toBeGreaterThanOrEqual(started);
    expect(covered).toBeLessThan(Date.now() - 300);
    await watchFor(100);
    expect(hub.coveredSince()).toBe(covered);
    // Once no watcher came for lingerMs, they stop: nothing is covered before now, and no poll runs.
    await new Promise((r) => setTimeout(r, 900));
    expect(Math.abs(hub.coveredSince() - Date.now())).toBeLessThan(50);
    const stopped = polls;
    await new Promise((r) => setTimeout(r, 300));
    expect(polls).toBe(stopped);
    hub.stop();
  });

  it("watches from the call, not the first read, and gives a watcher a local write made before it came but published after", async () => {
    const hub = createWatchHub<Rec & { id: string }>(async () => [], createLogger({ service: "watch-hub-test", level: "silent" }), 100);
    const ac = new AbortController();
    // The write's time was taken before the watcher came (it was still being written).
    const before = new Date(Date.now() - 2000);
    const changes = hub.watch((r) => r.court === "c-7", ac.signal);
    // Published before the watcher's first read: still its.
    hub.publish({ ...rec("slow-write", before, "c-7"), id: "slow-write" });
    const seen: string[] = [];
    for await (const r of changes) {
      seen.push(r._id);
      ac.abort();
    }
    hub.stop();
    expect(seen).toEqual(["slow-write"]);
  });
});
