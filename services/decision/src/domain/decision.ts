import { ForbiddenError, StateError, ValidationError, currentCalendar, idCreatedAt, type WorkingHours } from "@kuayu/domain";
import type { AuthContext } from "@kuayu/auth";
import {
  accepted,
  acknowledge,
  applyArrival,
  caseNumberFor,
  caseNumberScope,
  checkAcceptable,
  checkAddressee,
  chinaYear,
  materialsComplete,
  newInboxFiling,
  recomputeDeadlines,
  reject,
  requestCorrections,
  withdraw,
  type Arrival,
  type CorrectionCommand,
  type InboxFiling,
  type InboxView,
  type PreviousDeadlines,
  type RejectCommand,
} from "./inbox.js";

// The jurisdiction court's use cases, against ports the adapters implement.

export type DecisionEvent =
  | "acknowledged"
  | "accepted"
  | "rejected"
  | "correction-requested"
  /** The deadlines were counted again after the holiday calendar changed (these years). */
  | { kind: "deadlines-changed"; previous: PreviousDeadlines; years: number[] };

export interface Change {
  filing: InboxFiling;
  events: DecisionEvent[];
}

/** An inbox filing as this process knows it (InboxRepository.knownSince): what a watch needs at once, and the filing. */
export interface KnownInboxFiling {
  jurisdictionCourtId: string;
  updatedAt: Date;
  open(): Promise<InboxFiling>;
}

export interface InboxRepository {
  /** Takes a first arrival into the inbox; false when the filing is there already (no change). */
  insert(filing: InboxFiling): Promise<boolean>;
  get(id: string): Promise<InboxFiling | undefined>;
  /**
   * The filing as this process last read or committed it, else as stored: possibly not the newest
   * (another replica may have changed it since). Good as `current` of a change, which decides again
   * on the newest version what it refuses or leaves unchanged on a stale one; a refusal outside a
   * change must not rest on it alone.
   */
  recent(id: string): Promise<InboxFiling | undefined>;
  /**
   * The filing as this process learnt it at or after `since` (ms, its clock: read, committed, or
   * seen by the watch hub's polls), without a look-up; undefined when it knows none that recent.
   * Synchronous, so that a watch starts in the same step (WatchHub.coveredSince).
   */
  knownSince(id: string, since: number): KnownInboxFiling | undefined;
  /** Since when (ms, its clock) this process remembers every filing it learnt (forgot none learnt since). */
  heldSince(): number;
  /**
   * Runs `fn` on the newest version and commits what it returns with its events (a unique insert:
   * a lost race runs `fn` again on the version that won). `current`: the filing as get(), recent()
   * or change() returned it, to start from without reading it again.
   */
  change(id: string, fn: (current: InboxFiling) => Promise<Change | undefined>, current?: InboxFiling): Promise<InboxFiling>;
  list(courtId: string, view: InboxView, now: Date, pageSize: number, pageToken: string): Promise<{ filings: InboxFiling[]; nextPageToken: string }>;
  /** Ids of every filing waiting for a response or a decision, in any court of this inbox (only those with provisional deadlines: `provisionalOnly`). */
  openIds(provisionalOnly?: boolean): Promise<string[]>;
}

export interface CaseNumberSequences {
  next(scope: string, owner: string): Promise<number>;
  ownedBy(scope: string, owner: string): Promise<number | undefined>;
  /** Gives back a number `owner` took and will not use; the scope's next acceptance takes it. */
  spare(scope: string, n: number, owner: string): Promise<void>;
}

export interface Deps {
  repo: InboxRepository;
  sequences: CaseNumberSequences;
  now: () => Date;
  /** Starts copying a filing's materials from the window (after it arrived or changed). */
  copyMaterials: (filingId: string) => void;
  /**
   * Copies a newly arrived filing's materials from the window before its arrival is committed,
   * waiting a bounded time: the materials held then (`<id>:<sha256>`). Whatever it could not copy in
   * time, or at all, the copier copies once the arrival is committed (copyMaterials).
   */
  copyOnArrival: (f: InboxFiling) => Promise<Set<string>>;
  /** A jurisdiction court's working hours (its deadlines count in them). */
  workingHours: (courtId: string) => WorkingHours;
}

const addressed = async (deps: Pick<Deps, "repo">, caller: AuthContext, id: string) => checkAddressee(await deps.repo.get(id), caller, id);
/** A specialist's change starts from the filing this process knows (a look-up less), read again when that one is not the caller's. */
const changeAddressed = async (deps: Deps, caller: AuthContext, id: string, fn: (f: InboxFiling) => Promise<Change | undefined>) => {
  const known = await deps.repo.recent(id);
  const read = known?.jurisdictionCourtId === caller.courtId ? known : await addressed(deps, caller, id);
  return deps.repo.change(id, async (f) => fn(checkAddressee(f, caller, id)), read);
};

/**
 * A routed filing arrives: the first round goes into the court's inbox exactly once (an insert
 * keyed by the filing id), with the materials copied from the window by then marked so (one write
 * rather than the arrival and then its copies' mark); a later round (corrections) restarts the
 * decision clock. Redeliveries change nothing.
 */
export async function receive(deps: Deps, a: Arrival): Promise<void> {
  const now = deps.now();
  const entry = newInboxFiling(a, now);
  // A later round's materials are mostly held already: the copier copies the rest after the change.
  const held = a.round === 1 ? await deps.copyOnArrival(entry) : new Set<string>();
  const first = { ...entry, materials: entry.materials.map((m) => (held.has(`${m.id}:${m.sha256}`) ? { ...m, copied: true } : m)) };
  const inserted = await deps.repo.insert(first);
  if (!inserted) {
    await deps.repo.change(a.filingId, async (f) => {
      const next = applyArrival(f, a, now);
      return next && { filing: next, events: [] };
    });
  }
  if (!inserted || !materialsComplete(first)) deps.copyMaterials(a.filingId);
}

/** The window withdrew the filing. */
export async function receiveWithdrawal(deps: Deps, filingId: string): Promise<void> {
  const read = await deps.repo.get(filingId);
  if (!read) return; // not addressed to a court of this scope
  await closeWhileAccepting(deps, filingId, (f) => withdraw(f, deps.now()), [], read);
}

/**
 * Closes a filing (withdrawn, rejected) — which may be half-way through its acceptance: a number an
 * acceptance that died (or is still running) took for it is given back, so it leaves no gap.
 */
async function closeWhileAccepting(deps: Deps, id: string, close: (f: InboxFiling) => InboxFiling | undefined, events: DecisionEvent[], read?: InboxFiling): Promise<InboxFiling> {
  let scope: string | undefined;
  const closed = await deps.repo.change(
    id,
    async (f) => {
      const next = close(f);
      scope = next && f.accepting ? caseNumberScope(f, f.acceptingYear ?? chinaYear(f.updatedAt)).scope : undefined;
      return next && { filing: next, events };
    },
    read,
  );
  if (scope) {
    const n = await deps.sequences.ownedBy(scope, id);
    if (n !== undefined) await deps.sequences.spare(scope, n, id);
  }
  return closed;
}

export const getInboxFiling = (deps: Pick<Deps, "repo">, caller: AuthContext, id: string) => addressed(deps, caller, id);

/**
 * How a watch of one filing starts without a look-up, given that every change since `since` (ms,
 * this process's clock: WatchHub.coveredSince) reaches its watchers: from the filing as this process
 * learnt it since then — checked as getInboxFiling checks it (its court never changes) — and the
 * changes after that state; or, for a filing made (its id's time, stamped by intake) `skewMs`
 * after both `since` and the time since which this process remembers every filing it learnt, from
 * nothing and the changes since it was made: it has not arrived yet (any change of it would be
 * remembered here, or is still to reach the watchers). Undefined: neither; the filing is read.
 */
export function watchStart(deps: Pick<Deps, "repo">, caller: AuthContext, id: string, since: number, skewMs: number): { filing?: KnownInboxFiling; since: Date } | undefined {
  const known = deps.repo.knownSince(id, since);
  if (known) {
    if (known.jurisdictionCourtId !== caller.courtId) throw new ForbiddenError(`filing ${id} is addressed to another court`);
    return { filing: known, since: known.updatedAt };
  }
  const made = idCreatedAt(id);
  if (made === undefined || made - skewMs <= Math.max(since, deps.repo.heldSince())) return undefined;
  return { since: new Date(made - skewMs) };
}

export function listInbox(deps: Deps, caller: AuthContext, view: InboxView, pageSize: number, pageToken: string) {
  if (pageSize < 0 || pageSize > 200) throw new ValidationError([{ field: "page_size", description: "between 1 and 200 (0: default 50)" }]);
  return deps.repo.list(caller.courtId, view, deps.now(), pageSize || 50, pageToken);
}

export function acknowledgeFiling(deps: Deps, caller: AuthContext, id: string) {
  return changeAddressed(deps, caller, id, async (f) => {
    const next = acknowledge(f, deps.now());
    return next && { filing: next, events: ["acknowledged"] };
  });
}

/**
 * Dockets the filing with the next case number of (court, year, type code) — gap-free and
 * duplicate-free under concurrency, without locks. The filing is first marked `accepting` (with the
 * year whose numbers it takes), then the number is taken with the filing as its owner, then the
 * filing is committed accepted with its event. A crash between taking the number and committing it
 * leaves the filing `accepting`: the retry finds the number it owns instead of taking another. A
 * number taken and not used — another request for the same filing committed first, or the filing was
 * withdrawn or rejected meanwhile — is given back (`spare`) for the scope's next acceptance.
 * Idempotent.
 */
export async function acceptFiling(deps: Deps, caller: AuthContext, id: string): Promise<InboxFiling> {
  let resumed = false;
  const marked = await changeAddressed(deps, caller, id, async (f) => {
    if (f.status === "accepted") return undefined;
    checkAcceptable(f);
    resumed = f.accepting;
    return f.accepting ? undefined : { filing: { ...f, accepting: true, acceptingYear: chinaYear(deps.now()), updatedAt: deps.now() }, events: [] };
  });
  if (marked.status === "accepted") return marked;
  const year = marked.acceptingYear ?? chinaYear(deps.now());
  const { scope } = caseNumberScope(marked, year);
  let n: number | undefined;
  const done = await deps.repo.change(
    id,
    async (f) => {
      if (f.status === "accepted" || !f.accepting) return undefined;
      // Taken once per call, whatever races make this run again; only a resumed acceptance can already own one.
      n ??= (resumed ? await deps.sequences.ownedBy(scope, f.id) : undefined) ?? (await deps.sequences.next(scope, f.id));
      return { filing: accepted(f, caseNumberFor(f, year, n), deps.now()), events: ["accepted"] };
    },
    marked,
  );
  if (n !== undefined && done.caseNumber !== caseNumberFor(done, year, n)) await deps.sequences.spare(scope, n, id);
  if (done.status !== "accepted") throw new StateError(`filing ${id} was ${done.status} while it was being accepted`);
  return done;
}

export function rejectFiling(deps: Deps, caller: AuthContext, id: string, cmd: RejectCommand) {
  return addressed(deps, caller, id).then((read) => closeWhileAccepting(deps, id, (f) => reject(checkAddressee(f, caller, id), cmd, deps.now()), ["rejected"], read));
}

export function requestFilingCorrections(deps: Deps, caller: AuthContext, id: string, cmd: CorrectionCommand) {
  return changeAddressed(deps, caller, id, async (f) => ({ filing: requestCorrections(f, cmd, deps.now()), events: ["correction-requested"] }));
}

/**
 * After the holiday calendar changed (`years`, e.g. an official 2027 loaded over the provisional
 * one): every open filing's deadlines counted again; each one that moves is written with a
 * DeadlinesChanged event, which puts it on the window's timeline. Returns how many moved.
 * At start-up (`years` undefined) only provisional deadlines are counted again: a year may have
 * been loaded while this instance was down, and its reload then never happened here.
 */
export async function recomputeOpenDeadlines(deps: Deps, years?: number[]): Promise<number> {
  let moved = 0;
  for (const id of await deps.repo.openIds(years === undefined)) {
    let changed = false;
    await deps.repo.change(id, async (f) => {
      const r = recomputeDeadlines(f, deps.workingHours(f.jurisdictionCourtId), deps.now());
      changed = r !== undefined;
      return r && { filing: r.filing, events: [{ kind: "deadlines-changed", previous: r.previous, years: years ?? officialYearsOf(f.clockStartedAt, r.previous.decisionDue) }] };
    });
    if (changed) moved++;
  }
  return moved;
}

/** The years from `from` to `to` (China time) that now have an official arrangement. */
function officialYearsOf(from: Date, to: Date): number[] {
  const year = (d: Date) => new Date(d.getTime() + 8 * 3600_000).getUTCFullYear();
  const out: number[] = [];
  for (let y = year(from); y <= year(to); y++) if (currentCalendar().isOfficial(y)) out.push(y);
  return out;
}
