// Versioned documents and their relay against the real store and broker: writers in several
// "processes" never lose each other's changes, the relay publishes a document's events once, in
// version order, a crash between publishing and marking publishes the same event ids again, and
// events left in documents written before versioning go out once at start-up.
import { mongo } from "mongoose";
import { createKafka, createProducer, defineTopic, ensureTopics, runConsumer, type ConsumedEvent, type EventProducer, type RunningConsumer } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { connectMongo, ensureCollections, STATEMENTS_AT_ONCE } from "@kuayu/mongo";
import { drainLegacyOutbox, insertUnits, outboxEntry, replaceEach, packedHeads, startVersionRelay, pendingOf, versionCollections, versionedDocuments, type VersionRow } from "@kuayu/outbox";
import { intakeEventsV1, intakeV1 } from "@kuayu/proto";
import { assertInfraUp, eventually, infra, uniqueName } from "@kuayu/testkit";

const log = createLogger({ service: "outbox-test", level: process.env.TEST_LOG_LEVEL ?? "silent" });
const letters = () =>
  Math.random()
    .toString(36)
    .replace(/[^a-z]/g, "")
    .slice(0, 8) || "x";
const topic = defineTopic(`kuayu.outbox${letters()}.filing-submitted.v1`, intakeEventsV1.FilingSubmittedSchema, 2);
interface Doc {
  _id: string;
  version?: number;
  count: number;
}
const notFound = (id: string) => new Error(`no ${id}`);

describe("versioned documents (real store and broker)", () => {
  const kafka = createKafka({ ...infra.kafka, clientId: "outbox-test", log });
  let conn: Awaited<ReturnType<typeof connectMongo>>;
  let producer: EventProducer;
  let consumer: RunningConsumer;
  let heads: mongo.Collection<Doc>;
  let versions: mongo.Collection<VersionRow>;
  const got: ConsumedEvent[] = [];

  beforeAll(async () => {
    await assertInfraUp();
    conn = await connectMongo({ uri: infra.mongoUri, dbName: uniqueName("outbox_test") });
    await ensureCollections(conn, [{ name: "docs" }, ...versionCollections("docs")]);
    heads = conn.db!.collection<Doc>("docs");
    versions = conn.db!.collection<VersionRow>("docs_versions");
    await ensureTopics(kafka, [topic]);
    producer = await createProducer(kafka, "kuayu.test");
    consumer = await runConsumer({
      kafka,
      groupId: uniqueName("g"),
      topics: [topic],
      producer,
      log,
      onFatal: (e) => {
        throw e;
      },
      handle: async (e) => void got.push(e),
    });
  });
  afterAll(async () => {
    await consumer.stop();
    await producer.disconnect();
    await conn.dropDatabase();
    await conn.close();
  });

  it("loses no change when writers in several processes change one document at once", async () => {
    // Four independent instances, as four processes would have: only the store arbitrates.
    const writers = [0, 1, 2, 3].map(() => versionedDocuments<Doc>(heads, versions, { notFound }));
    expect(await writers[0]!.create({ _id: "c1", count: 0 })).toBe(true);
    expect(await writers[1]!.create({ _id: "c1", count: 0 })).toBe(false);
    await Promise.all(Array.from({ length: 40 }, (_, i) => writers[i % 4]!.change("c1", async (d) => ({ head: { ...d, count: d.count + 1 }, outbox: [] }))));
    const rows = await versions.find({ doc: "c1" }).toArray();
    // Forty changes: versions 2..41, each counting one more, and the head is the newest.
    expect(rows.map((r) => r.v).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 2));
    expect(rows.map((r) => (r.head as unknown as Doc).count).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(await heads.findOne({ _id: "c1" })).toMatchObject({ count: 40, version: 41 });
  });

  it("stores packed heads as their top fields and one body, in the head and in each version, and reads heads stored before packing", async () => {
    const codec = packedHeads<Doc>((h) => ({ count: h.count }));
    const writers = [0, 1].map(() => versionedDocuments<Doc>(heads, versions, { notFound, codec }));
    // Stored before packing: read as it is, and packed by its next change.
    await heads.insertOne({ _id: "k1", count: 1, version: 1 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => writers[i % 2]!.change("k1", async (d) => ({ head: { ...d, count: d.count + 1 }, outbox: [] }))));
    const stored = (await heads.findOne({ _id: "k1" })) as unknown as Record<string, unknown>;
    expect(Object.keys(stored).sort()).toEqual(["_id", "body", "count", "version"]);
    expect(stored).toMatchObject({ count: 11, version: 11 });
    expect(mongo.BSON.deserialize((stored.body as mongo.Binary).value())).toEqual({ count: 11 });
    // A query on a top field finds it; every version row holds its head packed, and the newest reads back whole.
    expect(await heads.countDocuments({ count: 11 })).toBe(1);
    const rows = await versions.find({ doc: "k1" }).sort({ v: 1 }).toArray();
    expect(rows.map((r) => codec.unpack(r.head).count)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(rows.every((r) => r.head.body instanceof mongo.Binary)).toBe(true);
    expect(await writers[0]!.newest("k1")).toEqual({ _id: "k1", count: 11, version: 11 });
    expect(await writers[1]!.create({ _id: "k2", count: 0 })).toBe(true);
    expect(await heads.findOne({ _id: "k2" })).toMatchObject({ count: 0, version: 1, body: expect.any(mongo.Binary) });
  });

  it("brings forward a head left behind by a writer that died between its version and its head, even when the next change decides nothing", async () => {
    const docs = versionedDocuments<Doc>(heads, versions, { notFound });
    await docs.create({ _id: "h1", count: 0 });
    // The writer committed version 2 (count 5) and died before writing the head (the store killed under it).
    await versions.insertOne({ _id: "h1:0000000002", doc: "h1", v: 2, head: { _id: "h1", count: 5, version: 2 }, outbox: [], partition: null, at: new Date() });
    expect(await heads.findOne({ _id: "h1" })).toMatchObject({ version: 1, count: 0 });
    // Its redelivered event: already applied on the newest version, so nothing to change.
    await docs.change("h1", async (d) => (d.count >= 5 ? undefined : { head: { ...d, count: 5 }, outbox: [] }));
    expect(await heads.findOne({ _id: "h1" })).toMatchObject({ version: 2, count: 5 });
  });

  it("remembers the heads it read or committed, and decides again on the store's head what a change refused or left alone on a stale one", async () => {
    const mine = versionedDocuments<Doc>(heads, versions, { notFound });
    const other = versionedDocuments<Doc>(heads, versions, { notFound });
    await mine.create({ _id: "r1", count: 0 });
    expect(mine.recent("r1")).toMatchObject({ count: 0, version: 1 });
    // Another process moves the document on: this one's memory is now stale.
    await other.change("r1", async (d) => ({ head: { ...d, count: 7 }, outbox: [] }));
    expect(mine.recent("r1")).toMatchObject({ count: 0, version: 1 });
    // A refusal on the stale head is decided again on the newest (which allows it).
    const runs: number[] = [];
    const after = await mine.change(
      "r1",
      async (d) => {
        runs.push(d.count);
        if (d.count < 5) throw new Error("too few");
        return { head: { ...d, count: d.count + 1 }, outbox: [] };
      },
      mine.recent("r1"),
    );
    expect(runs).toEqual([0, 7]);
    expect(after).toMatchObject({ count: 8, version: 3 });
    expect(mine.recent("r1")).toMatchObject({ count: 8, version: 3 });
    // "Nothing to do" on a stale head likewise; on the newest, a refusal stands.
    await other.change("r1", async (d) => ({ head: { ...d, count: 0 }, outbox: [] }));
    const seenCounts: number[] = [];
    await mine.change("r1", async (d) => (seenCounts.push(d.count), d.count === 0 ? { head: { ...d, count: 1 }, outbox: [] } : undefined), mine.recent("r1"));
    expect(seenCounts).toEqual([8, 0]);
    expect(await heads.findOne({ _id: "r1" })).toMatchObject({ count: 1, version: 5 });
    await expect(mine.change("r1", async () => Promise.reject(new Error("no")), mine.recent("r1"))).rejects.toThrow("no");
  });

  it("publishes a document's events once each, in version order, and marks them published", async () => {
    const docs = versionedDocuments<Doc>(heads, versions, { notFound });
    const relay = startVersionRelay({ versions, producer, log, owned: () => "all", sweepMs: 100 });
    await docs.create({ _id: "d1", count: 0 });
    for (const court of ["first", "second", "third"]) {
      await docs.change("d1", async (d) => ({ head: { ...d, count: d.count + 1 }, outbox: [outboxEntry(topic, "d1", { filingId: "d1", collaboratingCourtId: court }, "kuayu.test", 0)] }));
    }
    await eventually(async () => got.filter((e) => e.key === "d1").length >= 3, 20_000, "three events of d1");
    expect(got.filter((e) => e.key === "d1").map((e) => (e.message as intakeEventsV1.FilingSubmitted).collaboratingCourtId)).toEqual(["first", "second", "third"]);
    await eventually(async () => (await pendingOf(versions).count({ doc: "d1" })) === 0, 10_000, "all marked published");
    await relay.stop();
  });

  it("publishes versions committed in this process as committed, without reading them back, and reads the store when another process committed one in between", async () => {
    // The relay's look-ups of one document's unpublished versions, as the store receives them.
    let reads = 0;
    const count = (e: { commandName: string; command: mongo.Document }) => {
      if (e.commandName === "find" && e.command.find === "docs_versions" && e.command.filter?.doc === "d9") reads++;
    };
    conn.getClient().on("commandStarted", count);
    const relay = startVersionRelay({ versions, producer, log, owned: () => "all", sweepMs: 60_000 });
    const docs = versionedDocuments<Doc>(heads, versions, { notFound, onCommit: (id, row) => relay.nudge(id, row) });
    const elsewhere = versionedDocuments<Doc>(heads, versions, { notFound });
    const event = (court: string) => async (d: Doc) => ({ head: { ...d, count: d.count + 1 }, outbox: [outboxEntry(topic, "d9", { filingId: "d9", collaboratingCourtId: court }, "kuayu.test", 0)] });
    const quiet = async (d: Doc) => ({ head: { ...d, count: d.count + 1 }, outbox: [] });
    const courts = () => got.filter((e) => e.key === "d9").map((e) => (e.message as intakeEventsV1.FilingSubmitted).collaboratingCourtId);
    try {
      // Version 1 has no row (no events): the relay is told of it as such, so version 2 follows it.
      await docs.create({ _id: "d9", count: 0 });
      await docs.change("d9", event("v2"));
      await eventually(async () => courts().length === 1, 20_000, "v2");
      expect(reads).toBe(0);
      // Known from here on: each version, with events or without, follows the last one published.
      await docs.change("d9", event("v3"));
      await docs.change("d9", quiet);
      await docs.change("d9", event("v5"));
      await eventually(async () => courts().length === 3, 20_000, "v3 and v5");
      expect(reads).toBe(0);
      // Another process commits version 6; this one's version 7 does not follow what the relay knows.
      await elsewhere.change("d9", event("v6 elsewhere"));
      await docs.change("d9", event("v7"));
      await eventually(async () => courts().length === 5, 20_000, "v6 and v7");
      expect(reads).toBe(1);
      expect(courts()).toEqual(["v2", "v3", "v5", "v6 elsewhere", "v7"]);
      await eventually(async () => (await pendingOf(versions).count({ doc: "d9" })) === 0, 10_000, "all marked published");
    } finally {
      conn.getClient().off("commandStarted", count);
      await relay.stop();
    }
  });

  it("sends the versions several documents committed since the relay's last round in one send, each document's in order", async () => {
    const sends: number[] = [];
    const counting = { ...producer, sendRecords: (records: Parameters<EventProducer["sendRecords"]>[0]) => (sends.push(records.length), producer.sendRecords(records)) };
    // The relay's first sweep (at its start) must be over before the commits, or it publishes them itself.
    let sweepId: number | undefined;
    let swept = false;
    const started = (e: { commandName: string; command: mongo.Document; requestId: number }) => {
      if (e.commandName === "find" && e.command.find === "docs_versions" && e.command.filter?.pending === 1 && !e.command.filter?.of) sweepId ??= e.requestId;
    };
    const succeeded = (e: { requestId: number }) => void (e.requestId === sweepId && (swept = true));
    conn.getClient().on("commandStarted", started).on("commandSucceeded", succeeded);
    const relay = startVersionRelay({ versions, producer: counting, log, owned: () => "all", sweepMs: 3_600_000 });
    const rows: [string, VersionRow][] = [];
    const docs = versionedDocuments<Doc>(heads, versions, { notFound, onCommit: (id, row) => rows.push([id, row]) });
    const ids = Array.from({ length: 10 }, (_, i) => `round-${i}`);
    const courts = (id: string) => got.filter((e) => e.key === id).map((e) => (e.message as intakeEventsV1.FilingSubmitted).collaboratingCourtId);
    try {
      await eventually(async () => swept, 10_000, "the relay's first sweep");
      for (const id of ids) {
        await docs.create({ _id: id, count: 0 });
        for (const v of ["a", "b"])
          await docs.change(id, async (d) => ({ head: { ...d, count: d.count + 1 }, outbox: [outboxEntry(topic, id, { filingId: id, collaboratingCourtId: `${id}-${v}` }, "kuayu.test", 0)] }));
      }
      // Told all at once, as commits arriving while the relay sends (one round).
      for (const [id, row] of rows) relay.nudge(id, row);
      await eventually(async () => ids.every((id) => courts(id).length === 2), 20_000, "every document's two events");
      for (const id of ids) expect(courts(id)).toEqual([`${id}-a`, `${id}-b`]);
      expect(sends).toEqual([20]);
      await eventually(async () => (await pendingOf(versions).count({ doc: { $in: ids } })) === 0, 10_000, "all marked published");
    } finally {
      conn.getClient().off("commandStarted", started).off("commandSucceeded", succeeded);
      await relay.stop();
    }
  });

  it("publishes what its sweep finds (versions committed elsewhere) from one look-up of the pending marks and one send, each document's in order", async () => {
    const sends: number[] = [];
    const counting = { ...producer, sendRecords: (records: Parameters<EventProducer["sendRecords"]>[0]) => (sends.push(records.length), producer.sendRecords(records)) };
    // Committed by another process: no relay here was told.
    const docs = versionedDocuments<Doc>(heads, versions, { notFound });
    const ids = Array.from({ length: 10 }, (_, i) => `swept-${i}`);
    for (const id of ids) {
      await docs.create({ _id: id, count: 0 });
      for (const v of ["a", "b"])
        await docs.change(id, async (d) => ({ head: { ...d, count: d.count + 1 }, outbox: [outboxEntry(topic, id, { filingId: id, collaboratingCourtId: `${id}-${v}` }, "kuayu.test", 0)] }));
    }
    const perDocument: string[] = [];
    let markLookUps = 0;
    const started = (e: { commandName: string; command: mongo.Document }) => {
      if (e.commandName === "find" && e.command.find === "docs_versions" && e.command.filter?.pending === 1 && ids.includes(e.command.filter?.of)) perDocument.push(e.command.filter.of);
      if (e.commandName === "find" && e.command.find === "docs_versions" && e.command.filter?.pending === 1 && !e.command.filter?.of) markLookUps++;
    };
    conn.getClient().on("commandStarted", started);
    const relay = startVersionRelay({ versions, producer: counting, log, owned: () => "all", sweepMs: 3_600_000 });
    const courts = (id: string) => got.filter((e) => e.key === id).map((e) => (e.message as intakeEventsV1.FilingSubmitted).collaboratingCourtId);
    try {
      await eventually(async () => ids.every((id) => courts(id).length === 2), 20_000, "every document's two events");
      for (const id of ids) expect(courts(id)).toEqual([`${id}-a`, `${id}-b`]);
      expect(sends).toHaveLength(1);
      expect(sends[0]).toBeGreaterThanOrEqual(20);
      // The marks came in the sweep's one look-up: no document's were read again.
      expect(markLookUps).toBeGreaterThanOrEqual(1);
      expect(perDocument).toEqual([]);
      await eventually(async () => (await pendingOf(versions).count({ doc: { $in: ids } })) === 0, 10_000, "all marked published");
    } finally {
      conn.getClient().off("commandStarted", started);
      await relay.stop();
    }
  });

  it("leaves a version this process is still committing to its writer's relay, and sweeps it when the writer fails after the commit", async () => {
    // The head's write is held (then failed) by a stand-in for the heads collection: the mark and
    // the row are in the store meanwhile, and the sweep (every 50 ms) sees the mark.
    let release: ((fail: boolean) => void) | undefined;
    const slowHeads = new Proxy(heads, {
      get: (target, prop, receiver) =>
        prop === "bulkWrite"
          ? async (...args: Parameters<typeof heads.bulkWrite>) => {
              // The heads' replacements (the driver's insertMany comes this way too).
              if ("replaceOne" in args[0][0]! && !(await new Promise<boolean>((resolve) => (release = resolve)))) throw new Error("the store went away");
              return target.bulkWrite(...args);
            }
          : (Reflect.get(target, prop, receiver) as unknown),
    });
    const relay = startVersionRelay({ versions, producer, log, owned: () => "all", sweepMs: 50 });
    const rowReads: string[] = [];
    const started = (e: { commandName: string; command: mongo.Document }) => {
      if (e.commandName === "find" && e.command.find === "docs_versions" && ["held", "failed"].includes(e.command.filter?.doc)) rowReads.push(e.command.filter.doc);
    };
    conn.getClient().on("commandStarted", started);
    const docs = versionedDocuments<Doc>(slowHeads, versions, { notFound, onCommit: (id, row) => relay.nudge(id, row) });
    const courts = (id: string) => got.filter((e) => e.key === id).map((e) => (e.message as intakeEventsV1.FilingSubmitted).collaboratingCourtId);
    const event = (id: string) => async (d: Doc) => ({ head: { ...d, count: d.count + 1 }, outbox: [outboxEntry(topic, id, { filingId: id, collaboratingCourtId: `${id}-1` }, "kuayu.test", 0)] });
    try {
      // Made here: the relay knows their first versions, and sends the next as committed.
      for (const id of ["held", "failed"]) await docs.create({ _id: id, count: 0 });
      const held = docs.change("held", event("held"));
      await eventually(async () => release !== undefined, 10_000, "the row committed, its head being written");
      expect(await pendingOf(versions).count({ doc: "held" })).toBe(1);
      await new Promise((r) => setTimeout(r, 500));
      // Ten sweeps later: nobody read the row or sent its event behind the writer's back.
      expect(rowReads).toEqual([]);
      expect(courts("held")).toEqual([]);
      release!(true);
      await held;
      await eventually(async () => courts("held").length === 1, 10_000, "the event, from the writer's own round");
      expect(rowReads).toEqual([]);

      // The writer fails after its row is in: the event is not lost, the sweep sends it.
      release = undefined;
      const failed = docs.change("failed", event("failed")).then(
        () => undefined,
        (err: unknown) => err as Error,
      );
      await eventually(async () => release !== undefined, 10_000, "the second row committed");
      release!(false);
      expect((await failed)?.message).toBe("the store went away");
      await eventually(async () => courts("failed").length === 1, 10_000, "the event, from a sweep");
      expect(rowReads).toContain("failed");
      await eventually(async () => (await pendingOf(versions).count({ doc: { $in: ["held", "failed"] } })) === 0, 10_000, "both marks deleted");
      expect(courts("held")).toEqual(["held-1"]);
    } finally {
      conn.getClient().off("commandStarted", started);
      await relay.stop();
    }
  });

  it("deletes the marks of what it published together, about once a second, and its sweeps meanwhile pass over them", async () => {
    const relay = startVersionRelay({ versions, producer, log, owned: () => "all", sweepMs: 50 });
    let deletes = 0;
    const started = (e: { commandName: string; command: mongo.Document }) => {
      if (e.commandName === "delete" && e.command.delete === "docs_versions") deletes++;
    };
    conn.getClient().on("commandStarted", started);
    const docs = versionedDocuments<Doc>(heads, versions, { notFound, onCommit: (id, row) => relay.nudge(id, row) });
    const ids = Array.from({ length: 8 }, (_, i) => `lazy-${i}`);
    const events = () => got.filter((e) => ids.includes(e.key ?? ""));
    try {
      // Eight changes over about 800 ms, each published in a round of its own; twenty sweeps meanwhile.
      for (const id of ids) {
        await docs.create({ _id: id, count: 0 });
        await docs.change(id, async (d) => ({ head: { ...d, count: 1 }, outbox: [outboxEntry(topic, id, { filingId: id, collaboratingCourtId: id }, "kuayu.test", 0)] }));
        await new Promise((r) => setTimeout(r, 100));
      }
      await eventually(async () => events().length >= ids.length, 10_000, "every event");
      await eventually(async () => (await pendingOf(versions).count({ doc: { $in: ids } })) === 0, 10_000, "the marks deleted");
      // One or two deletes, not eight; and no sweep published a version again while its mark waited.
      expect(deletes).toBeGreaterThanOrEqual(1);
      expect(deletes).toBeLessThanOrEqual(3);
      await new Promise((r) => setTimeout(r, 300));
      expect(
        events()
          .map((e) => e.key)
          .sort(),
      ).toEqual([...ids].sort());
    } finally {
      conn.getClient().off("commandStarted", started);
      await relay.stop();
    }
  });

  it("after a crash between publishing and marking, publishes the same event id again (never loses it)", async () => {
    const docs = versionedDocuments<Doc>(heads, versions, { notFound });
    await docs.create({ _id: "d2", count: 0 });
    const entry = outboxEntry(topic, "d2", { filingId: "d2" }, "kuayu.test", 1);
    await docs.change("d2", async (d) => ({ head: { ...d, count: 1 }, outbox: [entry] }));
    // A relay that dies right after the broker acknowledged: nothing is marked.
    const crashing: EventProducer = {
      ...producer,
      sendRecords: async (r) => {
        await producer.sendRecords(r);
        throw new Error("process died");
      },
    };
    const dying = startVersionRelay({ versions, producer: crashing, log, owned: () => "all", sweepMs: 100 });
    await eventually(async () => got.some((e) => e.key === "d2"), 20_000, "first publication");
    await dying.stop();
    // A partition owned by nobody here is left alone; its owner publishes it.
    const other = startVersionRelay({ versions, producer, log, owned: () => [0], sweepMs: 100 });
    await new Promise((r) => setTimeout(r, 500));
    await other.stop();
    expect(await pendingOf(versions).count({ doc: "d2" })).toBe(1);
    const relay = startVersionRelay({ versions, producer, log, owned: () => [1], sweepMs: 100 });
    await eventually(async () => got.filter((e) => e.key === "d2").length >= 2, 20_000, "republication");
    await eventually(async () => (await pendingOf(versions).count({ doc: "d2" })) === 0, 10_000, "marked published");
    await relay.stop();
    expect(new Set(got.filter((e) => e.key === "d2").map((e) => e.meta.id))).toEqual(new Set([entry._id]));
  });

  it("publishes the events documents written before versioning still hold, once, and empties them", async () => {
    const entry = outboxEntry(topic, "d3", { filingId: "d3", collaboratingCourtId: "legacy" }, "kuayu.test", 0);
    await conn.db!.collection("docs").insertOne({ _id: "d3" as never, count: 7, outbox: [entry], outboxPending: true });
    expect(await drainLegacyOutbox({ collection: conn.db!.collection("docs") }, producer, log)).toBe(1);
    expect(await drainLegacyOutbox({ collection: conn.db!.collection("docs") }, producer, log)).toBe(0);
    await eventually(async () => got.some((e) => e.key === "d3"), 20_000, "the legacy event");
    expect(await conn.db!.collection("docs").findOne({ _id: "d3" as never })).toMatchObject({ outbox: [], outboxPending: false, count: 7 });
  });

  it("parks an entry the broker refuses for good, and lets the document's later versions and every other document flow", async () => {
    const docs = versionedDocuments<Doc>(heads, versions, { notFound });
    await docs.create({ _id: "p1", count: 0 });
    await docs.create({ _id: "p2", count: 0 });
    await docs.create({ _id: "stuck", count: 0 });
    // Written before the size check existed (or by a broker with a smaller limit): 2 MiB, over the broker's 1 MiB.
    const normal = outboxEntry(topic, "p1", { filingId: "p1", collaboratingCourtId: "poison" }, "kuayu.test", 0);
    const poison = { ...normal, _id: "poison-entry", value: Buffer.alloc(2 * 1024 * 1024, 1) };
    await docs.change("p1", async (d) => ({ head: { ...d, count: 1 }, outbox: [poison] }));
    await docs.change("p1", async (d) => ({ head: { ...d, count: 2 }, outbox: [outboxEntry(topic, "p1", { filingId: "p1", collaboratingCourtId: "after-poison" }, "kuayu.test", 0)] }));
    await docs.change("stuck", async (d) => ({ head: { ...d, count: 1 }, outbox: [outboxEntry(topic, "stuck", { filingId: "stuck" }, "kuayu.test", 0)] }));
    await docs.change("p2", async (d) => ({ head: { ...d, count: 1 }, outbox: [outboxEntry(topic, "p2", { filingId: "p2", collaboratingCourtId: "other-doc" }, "kuayu.test", 1)] }));
    // A broker that cannot take one document's records right now (not for good): that one waits.
    const flaky: EventProducer = {
      ...producer,
      sendRecords: async (r) => {
        if (r.some((x) => x.key === "stuck")) throw new Error("connect ECONNREFUSED (for this test)");
        await producer.sendRecords(r);
      },
    };
    const relay = startVersionRelay({ versions, producer: flaky, log, owned: () => "all", sweepMs: 100 });
    await eventually(async () => got.some((e) => e.key === "p1") && got.some((e) => e.key === "p2"), 30_000, "the events after the poison one");
    await relay.stop();
    const courts = got.filter((e) => e.key === "p1" || e.key === "p2").map((e) => (e.message as intakeEventsV1.FilingSubmitted).collaboratingCourtId);
    expect(courts.sort()).toEqual(["after-poison", "other-doc"]);
    const parked = await versions.findOne({ doc: "p1", v: 2 });
    expect(parked).toMatchObject({ parked: { error: expect.stringMatching(/larger|too large/i) } });
    expect(await pendingOf(versions).count({ doc: "p1" })).toBe(0);
    expect(await pendingOf(versions).count({ doc: "stuck" })).toBe(1);
  });

  it("drops a pending mark whose version does not come once it has seen it for long enough, and publishes one whose version came late", async () => {
    // Writers that died between their mark and their version row, or are slow to write the row.
    const pending = pendingOf(versions);
    const entry = outboxEntry(topic, "o2", { filingId: "o2", collaboratingCourtId: "late-row" }, "kuayu.test", 0);
    await pending.insert({ _id: "o1:0000000002/dead", doc: "o1", v: 2, partition: null, at: new Date() });
    await pending.insert({ _id: "o2:0000000002/slow", doc: "o2", v: 2, partition: 0, at: new Date() });
    const relay = startVersionRelay({ versions, producer, log, owned: () => "all", sweepMs: 100, orphanMs: 1_500 });
    try {
      await new Promise((r) => setTimeout(r, 500));
      // Seen, not yet for long enough: both kept; then the slow writer's row comes.
      expect(await pending.count({ doc: { $in: ["o1", "o2"] } })).toBe(2);
      await versions.insertOne({ _id: "o2:0000000002", doc: "o2", v: 2, head: { _id: "o2", count: 1, version: 2 }, outbox: [entry], partition: 0, mark: "o2:0000000002/slow", at: new Date() });
      await eventually(async () => got.some((e) => e.key === "o2"), 10_000, "the late row's event");
      await eventually(async () => (await pending.count({ doc: { $in: ["o1", "o2"] } })) === 0, 10_000, "the orphan dropped and the late row's mark deleted");
    } finally {
      await relay.stop();
    }
  });

  it("publishes the versions an earlier release left published: false while its index is there, once, and flags them published", async () => {
    // A store written by the earlier relay, in a rolling upgrade: rows flagged published: false, with its two indexes.
    await ensureCollections(conn, [{ name: "old_versions", indexes: [{ keys: { published: 1 } }, { keys: { doc: 1, published: 1 } }] }]);
    const old = conn.db!.collection<VersionRow>("old_versions");
    const entry = outboxEntry(topic, "l1", { filingId: "l1", collaboratingCourtId: "left-unpublished" }, "kuayu.test", 0);
    await old.insertMany([
      { _id: "l1:0000000002", doc: "l1", v: 2, head: { _id: "l1", version: 2 }, outbox: [entry], partition: 0, published: false, at: new Date() },
      {
        _id: "l2:0000000002",
        doc: "l2",
        v: 2,
        head: { _id: "l2", version: 2 },
        outbox: [outboxEntry(topic, "l2", { filingId: "l2" }, "kuayu.test", 0)],
        partition: 0,
        published: true,
        at: new Date(),
      },
    ] as unknown as VersionRow[]);
    const relay = startVersionRelay({ versions: old, producer, log, owned: () => "all", sweepMs: 100 });
    try {
      await eventually(async () => got.some((e) => e.key === "l1"), 20_000, "the event left unpublished");
      await eventually(async () => (await old.countDocuments({ published: false } as never)) === 0, 10_000, "flagged published");
      await eventually(async () => (await pendingOf(old).count()) === 0, 10_000, "its mark deleted");
      await new Promise((r) => setTimeout(r, 500));
      expect(got.filter((e) => e.key === "l1").map((e) => e.meta.id)).toEqual([entry._id]);
      expect(got.some((e) => e.key === "l2")).toBe(false);
    } finally {
      await relay.stop();
    }
  });

  it("inserts each unit's documents in order and answers a unit's own failure, writing the units after it in the next insert", async () => {
    const col = conn.db!.collection<{ _id: string; n: number }>("units");
    await col.insertOne({ _id: "taken", n: 0 });
    let inserts = 0;
    const started = (e: { commandName: string; command: mongo.Document }) => void (e.commandName === "insert" && e.command.insert === "units" && inserts++);
    conn.getClient().on("commandStarted", started);
    try {
      const errors = await insertUnits(col, [
        [
          { _id: "a-mark", n: 1 },
          { _id: "a-row", n: 1 },
        ],
        [
          { _id: "b-mark", n: 2 },
          { _id: "taken", n: 2 },
          { _id: "b-after", n: 2 },
        ],
        [
          { _id: "c-mark", n: 3 },
          { _id: "c-row", n: 3 },
        ],
      ]);
      expect(errors.map((e) => (e as { code?: number } | undefined)?.code)).toEqual([undefined, 11000, undefined]);
    } finally {
      conn.getClient().off("commandStarted", started);
    }
    // The failed unit's documents before its failure are written, those after it are not; the
    // next unit went in a second insert, once.
    expect((await col.find({}).toArray()).map((d) => d._id).sort()).toEqual(["a-mark", "a-row", "b-mark", "c-mark", "c-row", "taken"]);
    expect(inserts).toBe(2);
  });

  it("moves the marks an earlier release kept in a collection of their own among the versions, and publishes their versions", async () => {
    const entry = outboxEntry(topic, "u1", { filingId: "u1", collaboratingCourtId: "upgraded" }, "kuayu.test", 0);
    // As the earlier release committed it: its row among the versions, its mark in docs_versions_pending.
    await versions.insertOne({ _id: "u1:0000000002", doc: "u1", v: 2, head: { _id: "u1", count: 1, version: 2 }, outbox: [entry], partition: 0, mark: "u1:0000000002/old", at: new Date() });
    const legacy = conn.db!.collection("docs_versions_pending");
    await legacy.insertOne({ _id: "u1:0000000002/old" as never, doc: "u1", v: 2, partition: 0, at: new Date() });
    const relay = startVersionRelay({ versions, producer, log, owned: () => "all", sweepMs: 100 });
    try {
      await eventually(async () => got.some((e) => e.key === "u1"), 10_000, "the event of the earlier release's version");
      await eventually(async () => (await legacy.countDocuments()) === 0 && (await pendingOf(versions).count({ doc: "u1" })) === 0, 10_000, "its mark moved and deleted");
      await new Promise((r) => setTimeout(r, 300));
      expect(got.filter((e) => e.key === "u1").map((e) => e.meta.id)).toEqual([entry._id]);
    } finally {
      await relay.stop();
    }
  });

  it("deletes the mark of a writer that lost its race", async () => {
    const docs = [0, 1].map(() => versionedDocuments<Doc>(heads, versions, { notFound }));
    await docs[0]!.create({ _id: "race", count: 0 });
    const change = (d: (typeof docs)[number], i: number) =>
      d.change("race", async (h) => ({ head: { ...h, count: h.count + 1 }, outbox: [outboxEntry(topic, "race", { filingId: "race", collaboratingCourtId: `r${i}` }, "kuayu.test", 0)] }));
    await Promise.all(Array.from({ length: 10 }, (_, i) => change(docs[i % 2]!, i)));
    // Ten versions committed, whatever races were lost: one mark each, no loser's left.
    const rows = await versions.find({ doc: "race" }).toArray();
    expect(rows.filter((r) => r.outbox.length > 0)).toHaveLength(10);
    expect((await pendingOf(versions).find({ doc: "race" })).map((m) => m._id).sort()).toEqual(rows.flatMap((r) => (r.mark ? [r.mark] : [])).sort());
  });

  it("writes the version rows and pending marks of concurrent changes of many documents in shared inserts, their heads in shared updates, and still commits each", async () => {
    const docs = versionedDocuments<Doc>(heads, versions, { notFound });
    const ids = Array.from({ length: 30 }, (_, i) => `group-${i}`);
    // Made at once, one of them twice: the second make of it loses (its duplicate key, in a shared insert), the others win.
    const made = await Promise.all([...ids, ids[0]!].map((id) => docs.create({ _id: id, count: 0 })));
    expect(made.filter((m) => m)).toHaveLength(30);
    expect(made[0] !== made[30]).toBe(true);
    const inserts: Record<string, number> = {};
    const updates: number[] = [];
    const started = (e: { commandName: string; command: mongo.Document }) => {
      if (e.commandName === "insert") inserts[e.command.insert as string] = (inserts[e.command.insert as string] ?? 0) + 1;
      if (e.commandName === "update" && e.command.update === "docs") updates.push((e.command.updates as unknown[]).length);
    };
    conn.getClient().on("commandStarted", started);
    try {
      await Promise.all(ids.map((id) => docs.change(id, async (d) => ({ head: { ...d, count: 1 }, outbox: [outboxEntry(topic, id, { filingId: id, collaboratingCourtId: "g" }, "kuayu.test", 0)] }))));
    } finally {
      conn.getClient().off("commandStarted", started);
    }
    // Thirty changes: each committed (its row after its mark, its head), in far fewer inserts than thirty.
    const rows = await versions.find({ doc: { $in: ids }, v: 2 }).toArray();
    expect(rows).toHaveLength(30);
    expect(await pendingOf(versions).count({ doc: { $in: ids } })).toBe(30);
    expect(await heads.countDocuments({ _id: { $in: ids }, count: 1, version: 2 })).toBe(30);
    expect(inserts.docs_versions).toBeLessThanOrEqual(10);
    expect(inserts.docs_versions_pending).toBeUndefined();
    // The thirty heads: replaced in far fewer commands than thirty, each replacement once, at most
    // eight to a command (FerretDB's pool: docs/platform.md).
    expect(updates.reduce((a, b) => a + b, 0)).toBe(30);
    expect(updates.length).toBeLessThanOrEqual(10);
    expect(Math.max(...updates)).toBeLessThanOrEqual(STATEMENTS_AT_ONCE);
  });
  it("moves a head only forward when the replacements of two versions share an update, and answers each replacement's error", async () => {
    const docs = versionedDocuments<Doc>(heads, versions, { notFound });
    await docs.create({ _id: "forward", count: 0 });
    // A slower writer's older head, written after the newer one: left alone.
    const newer = await docs.change("forward", async (d) => ({ head: { ...d, count: 2 }, outbox: [] }));
    expect(newer.version).toBe(2);
    const errors = await replaceEach(heads, [
      { filter: { _id: "forward", version: { $not: { $gte: 1 } } } as never, replacement: { _id: "forward", count: 1, version: 1 } },
      { filter: { _id: "forward", version: { $not: { $gte: 3 } } } as never, replacement: { _id: "forward", count: 3, version: 3 } },
      // A replacement the store refuses fails alone, with the store's error.
      { filter: { _id: "forward" } as never, replacement: { _id: "elsewhere", count: 4, version: 4 } },
    ]);
    expect(errors.slice(0, 2)).toEqual([undefined, undefined]);
    expect(errors[2]).toBeInstanceOf(mongo.MongoServerError);
    expect(await heads.findOne({ _id: "forward" })).toMatchObject({ count: 3, version: 3 });
  });
  it("refuses to put into the outbox an event the broker would refuse", () => {
    // Fields over their declared bounds are refused before the size is looked at …
    expect(() => outboxEntry(topic, "big", { filingId: "big", collaboratingCourtId: "x".repeat(1024 * 1024) }, "kuayu.test", 0)).toThrow(/would break its bounds: collaborating_court_id/);
    // … and an event within every field's bound (here a type whose list has none) is still held to the broker's size.
    const snapshots = defineTopic(`kuayu.outbox${letters()}.filing-snapshot.v1`, intakeV1.FilingSchema, 1);
    const timeline = Array.from({ length: 1000 }, (_, i) => ({ eventId: `e-${i}`, detail: "x".repeat(1000) }));
    expect(() => outboxEntry(snapshots, "big", { filingId: "big", timeline }, "kuayu.test", 0)).toThrow(/at most 921600/);
  });
});
