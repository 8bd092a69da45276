// Where a watch of one filing starts (watchStart): from what this process knows, from nothing for a
// filing made after it began to see every change, else from a look-up.
import { randomUUID, randomUUIDv7 } from "node:crypto";
import type { AuthContext } from "@kuayu/auth";
import { ForbiddenError } from "@kuayu/domain";
import { watchStart, type InboxRepository, type KnownInboxFiling } from "../src/domain/decision";

const caller: AuthContext = { user: "u", courtId: "c-110105", roles: ["filing-specialist"], province: "11" };
const SKEW = 60_000;

/** The repository's two synchronous answers: the filings it knows (and since when), and since when it forgot none. */
function repo(known: Map<string, { at: number; filing: KnownInboxFiling }>, heldSince: number): Pick<InboxRepository, "knownSince" | "heldSince"> {
  return {
    knownSince: (id, since) => {
      const k = known.get(id);
      return k && k.at >= since ? k.filing : undefined;
    },
    heldSince: () => heldSince,
  };
}
const deps = (r: Pick<InboxRepository, "knownSince" | "heldSince">) => ({ repo: r as InboxRepository });

describe("watchStart", () => {
  const now = Date.now();
  const covered = now - 10 * 60_000; // the polls have gone on for ten minutes

  it("starts from the filing as known since the polls began, after its state", () => {
    const id = randomUUIDv7();
    const filing: KnownInboxFiling = { jurisdictionCourtId: caller.courtId, updatedAt: new Date(now - 1000), open: () => Promise.reject(new Error("not opened here")) };
    const start = watchStart(deps(repo(new Map([[id, { at: now - 500, filing }]]), Number.NEGATIVE_INFINITY)), caller, id, covered, SKEW);
    expect(start).toEqual({ filing, since: filing.updatedAt });
    // Known only from before the polls began: read.
    const older = randomUUID();
    expect(watchStart(deps(repo(new Map([[older, { at: covered - 1, filing }]]), Number.NEGATIVE_INFINITY)), caller, older, covered, SKEW)).toBeUndefined();
    // Another court's: refused.
    expect(() => watchStart(deps(repo(new Map([[id, { at: now, filing: { ...filing, jurisdictionCourtId: "c-110101" } }]]), Number.NEGATIVE_INFINITY)), caller, id, covered, SKEW)).toThrow(
      ForbiddenError,
    );
  });

  it("starts from nothing, with every change since it was made, for a filing made after the polls began and not known", () => {
    const id = randomUUIDv7();
    const made = Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(watchStart(deps(repo(new Map(), Number.NEGATIVE_INFINITY)), caller, id, covered, SKEW)).toEqual({ since: new Date(made - SKEW) });
    // Forgotten filings learnt in the last minutes: any of them may be this one.
    expect(watchStart(deps(repo(new Map(), made - SKEW)), caller, id, covered, SKEW)).toBeUndefined();
    expect(watchStart(deps(repo(new Map(), made - SKEW - 1)), caller, id, covered, SKEW)).toEqual({ since: new Date(made - SKEW) });
  });

  it("reads a filing made before the polls began (within the clock skew), or whose id tells no time", () => {
    expect(watchStart(deps(repo(new Map(), Number.NEGATIVE_INFINITY)), caller, randomUUIDv7(), Date.now() - SKEW + 5000, SKEW)).toBeUndefined();
    expect(watchStart(deps(repo(new Map(), Number.NEGATIVE_INFINITY)), caller, randomUUID(), covered, SKEW)).toBeUndefined();
    expect(watchStart(deps(repo(new Map(), Number.NEGATIVE_INFINITY)), caller, "no-such-filing", covered, SKEW)).toBeUndefined();
  });
});
