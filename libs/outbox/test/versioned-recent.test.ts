// What a process remembers of the documents it learnt (recent, knownSince, heldSince): in memory
// only, so the collections are never used here.
import type { mongo } from "mongoose";
import { versionedDocuments, type VersionRow } from "@kuayu/outbox";

type Head = { _id: string; version?: number };
/** Collections never used here. */
const unused = <T extends mongo.Document>() => ({}) as unknown as mongo.Collection<T>;

it("remembers every document learnt since the least recently used one it forgot", () => {
  let now = 1_000;
  const clock = jest.spyOn(Date, "now").mockImplementation(() => now);
  try {
    const docs = versionedDocuments<Head>(unused<Head>(), unused<VersionRow>(), { notFound: (id) => new Error(id) });
    expect(docs.heldSince()).toBe(Number.NEGATIVE_INFINITY);
    for (let i = 0; i < 5_000; i++) {
      docs.seen({ _id: `d${i}`, version: 1 });
      now++;
    }
    // d0 learnt again: the least recently used is d1 now.
    docs.seen({ _id: "d0", version: 2 });
    expect(docs.heldSince()).toBe(Number.NEGATIVE_INFINITY);
    now = 10_000;
    docs.seen({ _id: "new", version: 1 });
    expect(docs.recent("d1")).toBeUndefined();
    expect(docs.heldSince()).toBe(1_001 + 1); // d1 was learnt at 1,001
    expect(docs.knownSince("d0", 6_000)).toEqual({ _id: "d0", version: 2 });
    expect(docs.knownSince("d2", 1_003)).toBeUndefined();
    expect(docs.knownSince("new", 10_000)).toEqual({ _id: "new", version: 1 });
  } finally {
    clock.mockRestore();
  }
});
