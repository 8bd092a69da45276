// Group commit and insertEach: the errors each caller gets are the driver's, as one insert of its
// own would give them — a duplicate key to its writer alone, an outage as the outage.
import { mongo } from "mongoose";
import { isTransient } from "@kuayu/domain";
import { groupCommit, insertEach, replaceEach } from "@kuayu/outbox";

type Doc = { _id: string };
const failingWith = (err: Error) => ({ insertMany: () => Promise.reject(err) }) as unknown as mongo.Collection<Doc>;

it("throws the driver's own error when the insert as a whole fails, so an outage is still an outage", async () => {
  const outage = new mongo.MongoNetworkError("connection 7 to 127.0.0.1:27017 closed");
  // What the driver throws from insertMany when the command itself fails.
  const wrapped = new mongo.MongoBulkWriteError(outage, undefined as never);
  expect(isTransient(wrapped)).toBe(false);
  const thrown = await insertEach(failingWith(wrapped), [{ _id: "a" }, { _id: "b" }]).catch((e: unknown) => e);
  expect(thrown).toBe(outage);
  expect(isTransient(thrown)).toBe(true);
});

it("throws the server's answer to the whole insert as the server's error, so PostgreSQL away under FerretDB is still an outage", async () => {
  // FerretDB's answer while its PostgreSQL is down, as the driver wraps it (libs/mongo/test/postgres-kill.int.test.ts sees it for real).
  const answer = { ok: 0, code: 1, codeName: "InternalError", errmsg: "[msg_insert.go:168 handler.(*Handler).MsgInsert] failed to connect to `user=ferretdb database=ferretdb`: dial error" };
  // As the driver builds it: the server's error wrapped, whose copied fields leave only the answer itself.
  const wrapped = new mongo.MongoBulkWriteError(new mongo.MongoServerError(answer), undefined as never);
  expect(isTransient(wrapped)).toBe(false);
  const thrown = await insertEach(failingWith(wrapped), [{ _id: "a" }]).catch((e: unknown) => e);
  expect(thrown).toBeInstanceOf(mongo.MongoServerError);
  expect(thrown).toMatchObject({ code: 1 });
  expect(isTransient(thrown)).toBe(true);
});

it("gives each document its own write error, as the server's error an insertOne would throw", async () => {
  const err = new mongo.MongoBulkWriteError(
    { message: "E11000 duplicate key", code: 11000, writeErrors: [{ index: 1, code: 11000, errmsg: "E11000 duplicate key error" }] } as never,
    undefined as never,
  );
  const errors = await insertEach(failingWith(err), [{ _id: "a" }, { _id: "b" }, { _id: "c" }]);
  expect(errors[0]).toBeUndefined();
  expect(errors[2]).toBeUndefined();
  expect(errors[1]).toBeInstanceOf(mongo.MongoServerError);
  expect(errors[1]).toMatchObject({ code: 11000, message: "E11000 duplicate key error" });
});

it("writes what arrives while a write is under way in the next one, and settles each caller with its own result", async () => {
  const writes: string[][] = [];
  let release!: () => void;
  const first = new Promise<void>((r) => (release = r));
  const put = groupCommit<string>(async (items) => {
    writes.push(items);
    if (writes.length === 1) await first;
    return items.map((i) => (i === "dup" ? Object.assign(new Error("duplicate"), { code: 11000 }) : undefined));
  });
  const a = put("a");
  const rest = ["b", "dup", "c"].map((i) =>
    put(i).then(
      () => "ok",
      (e: { code?: number }) => e.code,
    ),
  );
  release();
  await a;
  expect(await Promise.all(rest)).toEqual(["ok", 11000, "ok"]);
  expect(writes).toEqual([["a"], ["b", "dup", "c"]]);
});

describe("waiting for company", () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const recorder = () => {
    const writes: string[][] = [];
    return { writes, write: async (items: string[]) => (writes.push(items), items.map(() => undefined)) };
  };

  it("under load lets the items that follow one share its write, and after a quiet pause writes an item at once", async () => {
    const { writes, write } = recorder();
    const put = groupCommit<string>(write, 50);
    // Three at once: "a" goes at once (nothing written before), "b" and "c" together after it.
    await Promise.all([put("a"), put("b"), put("c")]);
    expect(writes).toEqual([["a"], ["b", "c"]]);
    // A write just carried company: "d" waits 50 ms and "e", 5 ms later, joins it.
    const d = put("d");
    await sleep(5);
    await Promise.all([d, put("e")]);
    expect(writes.slice(2)).toEqual([["d", "e"]]);
    // Quiet for more than ten waits: "f" goes at once, alone, and "g" after it.
    await sleep(600);
    const f = put("f");
    await sleep(5);
    await Promise.all([f, put("g")]);
    expect(writes.slice(3)).toEqual([["f"], ["g"]]);
  });

  it("never makes a writer alone wait: its writes, one item each, follow one another at once", async () => {
    const { writes, write } = recorder();
    const put = groupCommit<string>(write, 50);
    for (const item of ["a", "b", "c"]) await put(item);
    // Its writes carried no company, so the next item does not wait: "e", 5 ms after "d", is too late to join.
    const d = put("d");
    await sleep(5);
    await Promise.all([d, put("e")]);
    expect(writes).toEqual([["a"], ["b"], ["c"], ["d"], ["e"]]);
  });

  it("never waits with no wait set", async () => {
    const { writes, write } = recorder();
    const put = groupCommit<string>(write);
    await Promise.all([put("a"), put("b"), put("c")]);
    const d = put("d");
    await sleep(5);
    await Promise.all([d, put("e")]);
    expect(writes).toEqual([["a"], ["b", "c"], ["d"], ["e"]]);
  });
});

it("redoes the replacements one by one when the store names a failed one, and throws an outage as the driver's error", async () => {
  const calls: string[] = [];
  const named = new mongo.MongoBulkWriteError({ message: "E11000", code: 11000, writeErrors: [{ index: 0, code: 11000, errmsg: "E11000 duplicate key error" }] } as never, undefined as never);
  const col = {
    bulkWrite: (ops: unknown[]) => (calls.push(`bulk ${ops.length}`), calls.length === 2 ? Promise.reject(named) : Promise.resolve({})),
    replaceOne: (filter: { _id: string }) => (
      calls.push(`one ${filter._id}`),
      filter._id === "k" ? Promise.reject(new mongo.MongoServerError({ message: "E11000", code: 11000 })) : Promise.resolve({})
    ),
  } as unknown as mongo.Collection<Doc>;
  const items = "abcdefghijk".split("").map((id) => ({ filter: { _id: id }, replacement: { _id: id } }));
  const errors = await replaceEach(col, items);
  // Groups of 8: the second failed, so all eleven were done again, each on its own.
  expect(calls.slice(0, 2)).toEqual(["bulk 8", "bulk 3"]);
  expect(calls.slice(2).sort()).toEqual(items.map((i) => `one ${i.filter._id}`).sort());
  expect(errors.map((e) => (e ? (e as mongo.MongoServerError).code : undefined))).toEqual([...Array<undefined>(10).fill(undefined), 11000]);

  const outage = new mongo.MongoNetworkError("connection 7 to 127.0.0.1:27017 closed");
  const down = { bulkWrite: () => Promise.reject(new mongo.MongoBulkWriteError(outage, undefined as never)) } as unknown as mongo.Collection<Doc>;
  await expect(replaceEach(down, items)).rejects.toBe(outage);
});
