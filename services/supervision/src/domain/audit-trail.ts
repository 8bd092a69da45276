import type { AuthContext } from "@kuayu/auth";
import { ForbiddenError, ValidationError } from "@kuayu/domain";
import { append, chainEntryId, verifyChain, type AuditRecord, type ChainEntry, type ChainProblem, type ChainTip, type HashAlgorithm } from "./audit-chain.js";
import type { LedgerDoc } from "./records.js";
import { SPC } from "./supervision.js";

// The audit trail's use cases (docs/security.md, "Audit trail"): append each fetch of a province's
// audit topic to its hash chain (this member is the chain's one writer), show a filing's records,
// verify chains. The chains are reached through the port below (adapters/audit-trail.ts).

/** What the audit trail reads and writes of the store. */
export interface ChainStore {
  /** A province chain's newest entries, newest first, at most `limit`. */
  tail(province: string, limit: number): Promise<ChainEntry[]>;
  /** Appends entries (runs of one or more chains), in order: a failure half-way leaves a prefix of each run. */
  insert(entries: ChainEntry[]): Promise<void>;
  /** A filing's entries, by province and seq. */
  ofFiling(filingId: string): Promise<ChainEntry[]>;
  /** A province chain's entries from seq `from` to `to` (0: the end), in order. */
  range(province: string, from: number, to: number): Promise<ChainEntry[]>;
  /** One entry by `_id` (chainEntryId). */
  entry(id: string): Promise<ChainEntry | null>;
  /** A filing's ledger entry (its courts), if supervision has it. */
  filing(filingId: string): Promise<LedgerDoc | null>;
}

/** Record ids of a province the writer remembers (the newest), to take a republished record once. */
const REMEMBERED = 10_000;

export interface AuditTrail {
  /** Appends a fetch of a province's audit topic to its chain (the one writer of that chain). */
  ingest(province: string, records: AuditRecord[]): Promise<number>;
  /** Forgets what the writer knew of its chains (after a reassignment or a failed write: read them again). */
  reset(): void;
  /** A filing's records, for the courts of the filing and supervisors (their province's; SPC all). */
  show(caller: AuthContext, filingId: string): Promise<ChainEntry[]>;
  /** Verifies provinces' chains (seq range inclusive; 0 = open); supervisors of the province, SPC any. */
  verify(caller: AuthContext, province: string, fromSeq: number, toSeq: number): Promise<{ provinces: string[]; checked: number; problems: ChainProblem[] }>;
}

export function auditTrail(
  store: ChainStore,
  opts: { alg: HashAlgorithm; scope: "all" | readonly string[]; provinces: readonly string[]; courtProvince: (courtId: string) => string | undefined },
): AuditTrail {
  const state = new Map<string, { tip: ChainTip; ids: Set<string> }>();

  const load = async (province: string) => {
    const cached = state.get(province);
    if (cached) return cached;
    const tail = await store.tail(province, REMEMBERED);
    const last = tail[0];
    const s = { tip: last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: "" }, ids: new Set(tail.map((e) => e.record.id)) };
    state.set(province, s);
    return s;
  };

  const inScope = (p: string) => opts.scope === "all" || opts.scope.includes(p);

  return {
    async ingest(province, records) {
      const s = await load(province);
      const fresh: AuditRecord[] = [];
      for (const r of records) {
        if (s.ids.has(r.id) || fresh.some((f) => f.id === r.id)) continue;
        fresh.push(r);
      }
      if (fresh.length === 0) return 0;
      const { entries, tip } = append(province, s.tip, fresh, opts.alg);
      try {
        await store.insert(entries);
      } catch (err) {
        state.delete(province);
        throw err;
      }
      s.tip = tip;
      for (const e of entries) s.ids.add(e.record.id);
      if (s.ids.size > REMEMBERED * 2) s.ids = new Set([...s.ids].slice(-REMEMBERED));
      return entries.length;
    },

    reset: () => state.clear(),

    async show(caller, filingId) {
      if (!filingId.trim()) throw new ValidationError([{ field: "filing_id", description: "required" }]);
      const entries = await store.ofFiling(filingId);
      const filing = await store.filing(filingId);
      const supervisor = caller.roles.includes("supervisor");
      if (supervisor && caller.courtId === SPC) return entries;
      if (filing) {
        const courts = [filing.collaboratingCourtId, filing.jurisdictionCourtId];
        if (courts.includes(caller.courtId)) return entries;
        if (supervisor && courts.some((c) => opts.courtProvince(c) === caller.province)) return entries;
        throw new ForbiddenError(`filing ${filingId} is not one of court ${caller.courtId}'s, nor of its province's`);
      }
      // Not in the ledger (a draft, or a filing this release does not supervise): a court sees its
      // own court's records, a supervisor its province's courts'.
      return entries.filter((e) => (supervisor ? e.record.actor.province === caller.province : e.record.actor.courtId === caller.courtId));
    },

    async verify(caller, province, fromSeq, toSeq) {
      if (!caller.roles.includes("supervisor")) throw new ForbiddenError("verifying the audit trail needs the supervisor role");
      if (province && !opts.provinces.includes(province)) throw new ValidationError([{ field: "province", description: `no province ${province}` }]);
      if (toSeq && fromSeq && toSeq < fromSeq) throw new ValidationError([{ field: "to_seq", description: "before from_seq" }]);
      const national = caller.courtId === SPC;
      if (province && !national && province !== caller.province) throw new ForbiddenError(`a supervisor of province ${caller.province} may verify only that province's chain`);
      const provinces = province ? [province] : national ? opts.provinces.filter(inScope) : [caller.province];
      let checked = 0;
      const problems: ChainProblem[] = [];
      const from = Math.max(1, fromSeq);
      for (const p of provinces) {
        const entries = await store.range(p, from, toSeq);
        const before = from > 1 ? ((await store.entry(chainEntryId(p, from - 1))) ?? undefined) : undefined;
        checked += entries.length;
        problems.push(...verifyChain(p, entries, before, from));
        // Records deleted from the end: the writer's tip names the last seq it wrote.
        const tip = state.get(p)?.tip;
        const last = entries[entries.length - 1]?.seq ?? from - 1;
        if (tip && !toSeq && tip.seq > last) problems.push({ province: p, seq: last + 1, recordId: "", kind: "deleted", detail: `seq ${last + 1}–${tip.seq} are missing from the end of the chain` });
      }
      return { provinces, checked, problems };
    },
  };
}
