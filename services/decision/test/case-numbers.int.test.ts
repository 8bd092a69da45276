// Case numbers stay gap-free and duplicate-free when an acceptance dies half-way (after the filing
// was marked accepting and its number taken, before the accepted version was committed) and then:
// the acceptance is retried after the year turned, the window withdraws the filing, or the court
// rejects it — and when two requests race to accept one filing. Real store, real repository.
import { randomUUID } from "node:crypto";
import type { Connection } from "mongoose";
import type { AuthContext } from "@kuayu/auth";
import { createLogger } from "@kuayu/logger";
import { connectMongo, coordinationCollections, createSequences, ensureCollections, ensureIndexes } from "@kuayu/mongo";
import { versionCollections, type VersionRow } from "@kuayu/outbox";
import { DEFAULT_WORKING_HOURS } from "@kuayu/domain";
import { assertInfraUp, infra, uniqueName } from "@kuayu/testkit";
import { acceptFiling, receive, receiveWithdrawal, rejectFiling, type Deps } from "../src/domain/decision";
import { caseNumberScope, chinaYear, type Arrival } from "../src/domain/inbox";
import { fieldCryptFromEnv, type FieldCrypt } from "@kuayu/fieldcrypt";
import { inboxModel, mongoInboxRepository } from "../src/adapters/mongo/inbox-repository";

createLogger({ service: "test", level: "silent" });
const COURT = "c-110105";
const specialist: AuthContext = { user: "u-spec", courtId: COURT, roles: ["filing-specialist"], province: "11" } as AuthContext;
const dbName = uniqueName("case_numbers_it");
let conn: Connection;
let deps: Deps;
let now = new Date("2026-12-31T15:59:59Z"); // 23:59:59 on New Year's Eve, China time

const arrival = (filingId: string): Arrival => ({
  filingId,
  jurisdictionCourtId: COURT,
  collaboratingCourtId: "t-440103001",
  province: "11",
  originProvince: "44",
  court: { code: "京0105", level: "basic", kind: "basic" },
  caseType: "enforcement",
  round: 1,
  receiptNumber: `KY-${filingId.slice(0, 6)}`,
  details: {},
  materials: [],
  routedAt: now,
  responseDue: new Date(now.getTime() + 1800_000),
  decisionDue: new Date(now.getTime() + 7 * 86400_000),
  deadlinesEstimated: false,
  drill: true,
});
const numberOf = (caseNumber: string) => Number(/执(\d+)号$/.exec(caseNumber)![1]);

/** An acceptance that died after taking its number: the filing marked, the number owned, nothing committed. */
async function diedHalfWay(id: string): Promise<number> {
  await deps.repo.change(id, async (f) => ({ filing: { ...f, accepting: true, acceptingYear: chinaYear(now), updatedAt: now }, events: [] }));
  const f = (await deps.repo.get(id))!;
  return deps.sequences.next(caseNumberScope(f, chinaYear(now)).scope, id);
}
async function newFiling(): Promise<string> {
  const id = randomUUID();
  await receive(deps, arrival(id));
  return id;
}

let crypt: FieldCrypt;
beforeAll(async () => {
  await assertInfraUp();
  conn = await connectMongo({ uri: infra.mongoUri, dbName });
  const model = inboxModel(conn);
  await ensureIndexes([model]);
  await ensureCollections(conn, [...coordinationCollections(), ...versionCollections("inbox")]);
  crypt = await fieldCryptFromEnv(conn.db!);
  const repo = mongoInboxRepository(model, conn.db!.collection<VersionRow>("inbox_versions"), { onCommit: () => undefined, onChange: () => undefined, crypt });
  deps = { repo, sequences: createSequences(conn), now: () => now, copyMaterials: () => undefined, copyOnArrival: async () => new Set(), workingHours: () => DEFAULT_WORKING_HOURS };
});
afterAll(async () => {
  crypt.close();
  await conn.dropDatabase();
  await conn.close();
});

it("keeps the year an acceptance began in when it is resumed after midnight on New Year's Eve", async () => {
  const a = await newFiling();
  const taken = await diedHalfWay(a);
  expect(taken).toBe(1);
  now = new Date("2027-01-01T00:00:05Z"); // 08:00 on 1 January, China time
  const done = await acceptFiling(deps, specialist, a);
  expect(done.caseNumber).toBe("（2026）京0105执1号");
  // 2027 starts at 1.
  expect((await acceptFiling(deps, specialist, await newFiling())).caseNumber).toBe("（2027）京0105执1号");
});

it("gives back the number of a filing withdrawn or rejected between taking the number and committing it", async () => {
  const w = await newFiling();
  const r = await newFiling();
  const first = await diedHalfWay(w); // 2027 number 2
  const second = await diedHalfWay(r); // 3
  await receiveWithdrawal(deps, w);
  await rejectFiling(deps, specialist, r, { category: "other", reason: "不属于本院管辖", legalBasis: "《民事诉讼法》第一百二十二条" });
  expect((await deps.repo.get(w))!.status).toBe("withdrawn");
  expect((await deps.repo.get(r))!.status).toBe("rejected");
  // The next two acceptances take the numbers given back; the one after them continues the series.
  const next = await Promise.all([newFiling(), newFiling(), newFiling()]);
  const numbers = [];
  for (const id of next) numbers.push(numberOf((await acceptFiling(deps, specialist, id)).caseNumber));
  expect(numbers.sort((x, y) => x - y)).toEqual([first, second, 4].sort((x, y) => x - y));
  await expect(acceptFiling(deps, specialist, w)).rejects.toThrow(/withdrawn/);
});

it("hands out one number per filing when many requests race to accept the same filings", async () => {
  const ids = await Promise.all(Array.from({ length: 20 }, () => newFiling()));
  // Separate repositories (as separate processes would be): their changes of one filing race in the store.
  const model = inboxModel(conn);
  const others = [0, 1, 2].map(() => ({
    ...deps,
    repo: mongoInboxRepository(model, conn.db!.collection<VersionRow>("inbox_versions"), { onCommit: () => undefined, onChange: () => undefined, crypt }),
    sequences: createSequences(conn),
  }));
  const results = await Promise.all(ids.flatMap((id) => others.map((d) => acceptFiling(d, specialist, id))));
  const byFiling = new Map<string, Set<string>>();
  ids.forEach((id, i) => byFiling.set(id, new Set(results.slice(i * 3, i * 3 + 3).map((f) => f.caseNumber))));
  for (const numbers of byFiling.values()) expect(numbers.size).toBe(1);
  // Numbers a losing request took were given back; one more acceptance closes any gap they left.
  const after = numberOf((await acceptFiling(deps, specialist, await newFiling())).caseNumber);
  const used = [...byFiling.values()].map((s) => numberOf([...s][0]!));
  const all = [1, 2, 3, 4, ...used, after];
  const spared = (await conn.collection<{ _id: string }>("sequences_spares").find({}).toArray()).map((d) => Number(d._id.split("#")[1]));
  // Every number ever handed out is either on a filing or waiting to be handed out again: 1..max, none twice.
  expect([...all, ...spared].sort((x, y) => x - y)).toEqual(Array.from({ length: all.length + spared.length }, (_, i) => i + 1));
}, 60_000);
