import { PROVINCE_CODES } from "@kuayu/topics";
import type { CaseType } from "@kuayu/domain";
import type { Delta, LedgerEntry } from "./ledger.js";

// The documents of supervision (kept by adapters/store.ts in database kuayu_supervision) and the pure
// arithmetic of their ids and counters: the ledger (one entry per filing), pre-aggregated counters per
// (real|drill, scope, day), notices, ratings, complaints, drills.

export type Level = "national" | "province" | "court";
/** The levels with counter documents of their own: the national figures are the provinces' summed. */
export type CounterLevel = Exclude<Level, "national">;
/**
 * Counters of one scope for one month: `days.<DD>.all.<field>` and `days.<DD>.t.<case type>.<field>`.
 * One document per (real|drill, scope, month), in one collection per level: FerretDB answers every
 * lookup with a scan of its collection, so a provincial or national query never reads the court
 * counters, and a year of a court is twelve look-ups. There are no national documents: every
 * contribution goes to exactly one province's document, so the country is the sum of the provinces
 * (some 66 documents a month, one query).
 */
export interface CounterDoc {
  _id: string; // <ns>:<id>:<YYYY-MM>, window-fed ones :g (see counterIds)
  days: Record<string, { all?: Delta; t?: Record<string, Delta> }>;
  /**
   * Per lifecycle stream (`s<stream>`, partition-writer.ts `offsetKey`), the offset of the last event
   * whose contributions are in this document; bare numbers: the partitions of the single lifecycle
   * topic before the per-province topics (no longer read).
   */
  offsets?: Record<string, number>;
  /**
   * In a ratings-and-complaints document (`:g`): the feedback already added (`feedbackKey` of its
   * queue row), so a row counted again after a crash is recognised and counts once.
   */
  fed?: Record<string, 1>;
}
/**
 * A rating or complaint to be counted (`feedback_queue`): inserted by the gRPC call that records it,
 * in the same logged write, and deleted by the member that owns its stream once counted
 * (partition-writer.ts `countFeedback`). `_id`: `rating:<rating id>` or `complaint:<complaint id>`.
 */
export interface FeedbackDoc {
  _id: string;
  /** The lifecycle stream of the filing's jurisdiction court's province: whose member counts it. */
  stream: number;
  entry: Pick<LedgerEntry, "jurisdictionCourtId" | "province" | "drill" | "day" | "caseType">;
  delta: Delta;
  at: Date;
}
/**
 * A ledger entry with the lifecycle stream its events come on (libs/topics `lifecycleStream` of the
 * jurisdiction court's province's topic) and the offset of the last event applied to it (a
 * redelivered event at or below it is recognised and skipped). `partition`: the partition of the
 * single lifecycle topic, on entries last written before the per-province topics (the same number
 * as the stream; its offset is of that topic).
 */
export type LedgerDoc = LedgerEntry & { _id: string; open: boolean; stream?: number; partition?: number; offset?: number };
export interface NoticeDoc {
  _id: string;
  kind: "daily" | "weekly";
  level: Level;
  scopeId: string;
  generatedAt: Date;
  /** China-time day it covers (daily) or ends (weekly); one scheduled notice per kind, scope and day. */
  day: string;
  /** A scheduled notice (its _id is `scheduled:<kind>:<level>:<scope>:<day>`, so replicas store it once). */
  scheduled?: boolean;
  rows: { jurisdictionCourtId: string; jurisdictionCourtName: string; filingId: string; receiptNumber: string; arrivedAt: Date; lateBy: number; lateUnit: string }[];
}
export interface RatingDoc {
  _id: string; // <filing>:<court>:<party|court>
  filingId: string;
  score: number;
  comment: string;
  at: Date;
  /** Given by the party on the console's /party page. */
  online?: boolean;
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
  /** Filed by the party on the console's /party page (not at a window). */
  byParty?: boolean;
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

/** The counter document of a scope and month (day = YYYY-MM-DD). */
export const counterId = (drill: boolean, id: string, day: string) => `${drill ? "drill" : "real"}:${id}:${day.slice(0, 7)}`;

/** The two counter documents a filing feeds: its court's and its province's (the country adds up the provinces). */
export const scopesOf = (e: Pick<LedgerEntry, "jurisdictionCourtId" | "province">): [CounterLevel, string][] => [
  ["court", e.jurisdictionCourtId],
  ["province", e.province],
];

/** The increments of a delta on one day's counters: for all case types and the entry's own. */
export function counterInc(e: Pick<LedgerEntry, "day" | "caseType">, delta: Delta): Record<string, number> {
  const dd = e.day.slice(8, 10);
  const inc: Record<string, number> = {};
  for (const [k, v] of Object.entries(delta)) {
    if (v === 0) continue;
    inc[`days.${dd}.all.${k}`] = (inc[`days.${dd}.all.${k}`] ?? 0) + v;
    if (e.caseType) inc[`days.${dd}.t.${e.caseType}.${k}`] = (inc[`days.${dd}.t.${e.caseType}.${k}`] ?? 0) + v;
  }
  return inc;
}

/** The `days` of a new counter document from increments (`days.<DD>.all.<field>` → nested). */
export function daysOf(inc: Record<string, number>): CounterDoc["days"] {
  const days: Record<string, unknown> = {};
  for (const [path, v] of Object.entries(inc)) {
    const keys = path.split(".").slice(1);
    let at = days;
    for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
    at[keys.at(-1)!] = v;
  }
  return days as CounterDoc["days"];
}

/**
 * Who writes a counter document: the member that owns a province's stream (its topic, the copies of
 * its jurisdiction courts' filings' events) is the only writer of the documents its events feed —
 * a jurisdiction court's and its province's, never a window court's — and of their ratings-and-
 * complaints documents (`:g`), which it fills from the feedback queue (partition-writer.ts
 * `countFeedback`). No document has a second writer, so none needs a lock.
 */
export const counterDocId = (drill: boolean, id: string, day: string, writer: "consumer" | "g") => `${counterId(drill, id, day)}${writer === "g" ? ":g" : ""}`;

/**
 * Every document of a scope's month, and the collection they are in: the consumer's and the
 * window-fed one; for the country those of every province (and of an entry without one).
 */
export function counterIds(level: Level, drill: boolean, id: string, month: string): { level: CounterLevel; ids: string[] } {
  const both = (scope: string) => [counterId(drill, scope, `${month}-01`), `${counterId(drill, scope, `${month}-01`)}:g`];
  return level === "national" ? { level: "province", ids: ["", ...PROVINCE_CODES].flatMap(both) } : { level, ids: both(id) };
}

/** The key of a feedback queue row in a counter document's `fed` (a field name holds no dot). */
export const feedbackKey = (id: string) => id.replaceAll(".", "_");
