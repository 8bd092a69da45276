import type { Collection, Connection } from "mongoose";
import { isDuplicateKey, type Locks } from "@kuayu/mongo";
import type { CaseType } from "@kuayu/domain";
import type { Delta, LedgerEntry } from "../domain/ledger.js";

// Database kuayu_supervision: the ledger (one entry per filing), pre-aggregated counters per
// (real|drill, scope, day), notices, ratings, complaints, drills.

export type Level = "national" | "province" | "court";
/**
 * Counters of one scope for one month: `days.<DD>.all.<field>` and `days.<DD>.t.<case type>.<field>`.
 * One document per (real|drill, scope, month), in one collection per level: FerretDB answers every
 * lookup with a scan of its collection, so a national or provincial query never reads the court
 * counters, and a year of a court is twelve look-ups.
 */
export interface CounterDoc {
  _id: string; // <ns>:<id>:<YYYY-MM>
  days: Record<string, { all?: Delta; t?: Record<string, Delta> }>;
}
export type LedgerDoc = LedgerEntry & { _id: string; open: boolean };
export interface NoticeDoc {
  _id: string;
  kind: "daily" | "weekly";
  level: Level;
  scopeId: string;
  generatedAt: Date;
  /** China-time day it covers (daily) or ends (weekly); one scheduled notice per kind, scope and day. */
  day: string;
  rows: { jurisdictionCourtId: string; jurisdictionCourtName: string; filingId: string; receiptNumber: string; arrivedAt: Date; lateBy: number; lateUnit: string }[];
}
export interface RatingDoc {
  _id: string; // <filing>:<court>:<party|court>
  filingId: string;
  score: number;
  comment: string;
  at: Date;
}
export interface ComplaintDoc {
  _id: string;
  filingId: string;
  jurisdictionCourtId: string;
  province: string;
  category: string;
  text: string;
  status: "open" | "answered";
  answer: string;
  filedAt: Date;
  answeredAt?: Date;
}
export interface DrillDoc {
  _id: string;
  name: string;
  rounds: number;
  courtIds: string[];
  caseTypes: CaseType[];
  startsAt: Date;
  endsAt: Date;
}

export interface Store {
  counters: Record<Level, Collection<CounterDoc>>;
  ledger: Collection<LedgerDoc>;
  /** The open filings only (a copy of their ledger entries): what overdue lists and notices scan. */
  open: Collection<LedgerDoc>;
  notices: Collection<NoticeDoc>;
  ratings: Collection<RatingDoc>;
  complaints: Collection<ComplaintDoc>;
  drills: Collection<DrillDoc>;
  locks: Locks;
}

export const COLLECTIONS = [
  { name: "ledger" },
  { name: "open_filings", indexes: [{ keys: { province: 1 } as Record<string, 1 | -1> }] },
  { name: "counters_national" },
  { name: "counters_province" },
  { name: "counters_court" },
  { name: "notices", indexes: [{ keys: { level: 1, scopeId: 1, generatedAt: -1 } as Record<string, 1 | -1> }] },
  { name: "ratings" },
  { name: "complaints" },
  { name: "drills" },
];

export function openStore(conn: Connection, locks: Locks): Store {
  return {
    ledger: conn.collection("ledger"),
    open: conn.collection("open_filings"),
    counters: { national: conn.collection("counters_national"), province: conn.collection("counters_province"), court: conn.collection("counters_court") },
    notices: conn.collection("notices"),
    ratings: conn.collection("ratings"),
    complaints: conn.collection("complaints"),
    drills: conn.collection("drills"),
    locks,
  };
}

/** The counter document of a scope and month (day = YYYY-MM-DD). */
export const counterId = (drill: boolean, id: string, day: string) => `${drill ? "drill" : "real"}:${id}:${day.slice(0, 7)}`;

/** The three counter documents a filing feeds: its court, its province, the country. */
export const scopesOf = (e: Pick<LedgerEntry, "jurisdictionCourtId" | "province">): [Level, string][] => [
  ["court", e.jurisdictionCourtId],
  ["province", e.province],
  ["national", ""],
];

/**
 * Adds a delta to the counters of an entry's scopes for its day, for all case types and its own.
 * Each counter document is written under its lock (FerretDB loses concurrent `$inc`s).
 */
export async function addToCounters(store: Store, e: Pick<LedgerEntry, "jurisdictionCourtId" | "province" | "drill" | "day" | "caseType">, delta: Delta): Promise<void> {
  const dd = e.day.slice(8, 10);
  const inc: Record<string, number> = {};
  for (const [k, v] of Object.entries(delta)) {
    if (v === 0) continue;
    inc[`days.${dd}.all.${k}`] = v;
    if (e.caseType) inc[`days.${dd}.t.${e.caseType}.${k}`] = v;
  }
  if (Object.keys(inc).length === 0) return;
  for (const [level, id] of scopesOf(e)) {
    const _id = counterId(e.drill, id, e.day);
    await store.locks.withLock(`counter:${level}:${_id}`, () => store.counters[level].updateOne({ _id }, { $inc: inc }, { upsert: true }));
  }
}

export async function insertOnce<T extends { _id: string }>(col: Collection<T>, doc: T): Promise<boolean> {
  try {
    await col.insertOne(doc as never);
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}
