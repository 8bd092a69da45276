import { createHash } from "node:crypto";

/**
 * A province's audit chain (docs/security.md, "Audit trail"): the records of its courts' calls, in
 * the order its audit consumer took them, each with a sequence number and a hash over a canonical
 * encoding of the record and the hash of the record before it. Pure: no store, no clock.
 */
export type HashAlgorithm = "sha256" | "sm3";

export interface AuditActor {
  user: string;
  name?: string;
  courtId: string;
  province: string;
  roles: string[];
}

export interface AuditRecord {
  id: string;
  actor: AuditActor;
  method: string;
  target: string;
  result: string;
  traceId: string;
  time: string;
  service: string;
  filingId: string;
}

export interface ChainEntry {
  /** `<province>:<seq, 12 digits>` */
  _id: string;
  province: string;
  seq: number;
  /**
   * The record's filing ("" for none), also at the top: the store looks an equality on a top-level
   * field up by index, never a dotted path (ShowAudit). Not hashed: verification checks it is the record's.
   */
  filingId: string;
  record: AuditRecord;
  prevHash: string;
  hash: string;
  alg: HashAlgorithm;
}

export const chainEntryId = (province: string, seq: number) => `${province}:${String(seq).padStart(12, "0")}`;

/**
 * The canonical encoding: a JSON array of the algorithm, the province, the previous hash and the
 * record's fields in a fixed order (absent fields as ""), so the same record always hashes alike
 * whatever the store does to key order. The sequence number is not in it: the links are.
 */
export function canonical(e: Pick<ChainEntry, "alg" | "province" | "prevHash" | "record">): string {
  const r = e.record;
  const a = r.actor ?? ({} as AuditActor);
  return JSON.stringify([
    "kuayu-audit-v1",
    e.alg,
    e.province,
    e.prevHash,
    r.id ?? "",
    [a.user ?? "", a.name ?? "", a.courtId ?? "", a.province ?? "", [...(a.roles ?? [])]],
    r.method ?? "",
    r.target ?? "",
    r.result ?? "",
    r.traceId ?? "",
    r.time ?? "",
    r.service ?? "",
    r.filingId ?? "",
  ]);
}

export const hashOf = (e: Pick<ChainEntry, "alg" | "province" | "prevHash" | "record">): string => createHash(e.alg).update(canonical(e), "utf8").digest("hex");

/** The chain's end as its writer knows it: the next record links to it. */
export interface ChainTip {
  seq: number;
  hash: string;
}

/** Appends records to a chain: the entries to insert, in order, and the new tip. */
export function append(province: string, tip: ChainTip, records: AuditRecord[], alg: HashAlgorithm): { entries: ChainEntry[]; tip: ChainTip } {
  const entries: ChainEntry[] = [];
  let { seq, hash } = tip;
  for (const record of records) {
    seq += 1;
    const e = { _id: chainEntryId(province, seq), province, seq, filingId: record.filingId ?? "", record, prevHash: hash, alg, hash: "" };
    e.hash = hashOf(e);
    hash = e.hash;
    entries.push(e);
  }
  return { entries, tip: { seq, hash } };
}

export type ProblemKind = "edited" | "deleted" | "reordered" | "unreadable";

export interface ChainProblem {
  province: string;
  seq: number;
  recordId: string;
  kind: ProblemKind;
  detail: string;
}

const ALGORITHMS: readonly string[] = ["sha256", "sm3"];

/**
 * Checks a stretch of one province's chain, as read from the store in `seq` order. `before` is the
 * entry just before the stretch (to check the first link), absent when the stretch starts at seq 1.
 * Names every problem:
 * - edited: the entry's hash is not the hash of what it holds (its record, province or links changed);
 * - deleted: sequence numbers are missing, or an entry links to a hash no entry of the stretch has;
 * - reordered: an entry links to an entry that is not the one before it (its record was moved).
 */
export function verifyChain(province: string, entries: ChainEntry[], before?: ChainEntry, firstSeq = 1): ChainProblem[] {
  const problems: ChainProblem[] = [];
  const bySeqOfHash = new Map<string, number>();
  for (const e of entries) if (typeof e.hash === "string") bySeqOfHash.set(e.hash, e.seq);
  if (before) bySeqOfHash.set(before.hash, before.seq);
  let prev = before;
  let expected = before ? before.seq + 1 : firstSeq;
  for (const e of entries) {
    const id = e.record?.id ?? "";
    const at = { province, seq: e.seq, recordId: id };
    if (!e.record || !ALGORITHMS.includes(e.alg) || typeof e.hash !== "string") {
      problems.push({ ...at, kind: "unreadable", detail: "the entry lacks its record, algorithm or hash" });
      prev = e;
      expected = e.seq + 1;
      continue;
    }
    if (e.province !== province) problems.push({ ...at, kind: "edited", detail: `the entry says province ${e.province}, it is in province ${province}'s chain` });
    if (hashOf(e) !== e.hash) problems.push({ ...at, kind: "edited", detail: "hash mismatch: the entry's record or links were changed after it was chained" });
    else if (e.filingId !== (e.record.filingId ?? ""))
      problems.push({ ...at, kind: "edited", detail: `the entry is filed under filing "${e.filingId}", its record names "${e.record.filingId ?? ""}"` });
    if (e.seq > expected) problems.push({ ...at, kind: "deleted", detail: expected === e.seq - 1 ? `seq ${expected} is missing` : `seq ${expected}–${e.seq - 1} are missing` });
    const linkedSeq = bySeqOfHash.get(e.prevHash);
    const expectedPrev = prev?.hash ?? "";
    if (e.prevHash !== expectedPrev && !(e.seq === 1 && e.prevHash === "")) {
      if (linkedSeq !== undefined && linkedSeq !== prev?.seq) {
        problems.push({ ...at, kind: "reordered", detail: `links to the entry now at seq ${linkedSeq}, not to the one before it (seq ${prev?.seq ?? "none"})` });
      } else if (e.seq <= expected) {
        problems.push({
          ...at,
          kind: "deleted",
          detail: prev
            ? `links to ${e.prevHash.slice(0, 16)}…, not to seq ${prev.seq} (${expectedPrev.slice(0, 16)}…): a record before it was removed or replaced`
            : `links to ${e.prevHash.slice(0, 16)}…, which no entry has: the record before it was removed`,
        });
      }
    }
    prev = e;
    expected = e.seq + 1;
  }
  return problems;
}
