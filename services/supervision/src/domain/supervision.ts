import { randomInt, randomUUID } from "node:crypto";
import type { AuthContext } from "@kuayu/auth";
import type { Directory } from "@kuayu/directory";
import { courtWorkingHours, type Centroids } from "@kuayu/directory";
import { DEFAULT_WORKING_HOURS, ForbiddenError, NotFoundError, StateError, ValidationError, isCaseType, workingDaysLater, workingMinutesBetween, type CaseType } from "@kuayu/domain";
import { chinaDay, daysBetween, indicators, overdue, type Delta, type LedgerEntry, type LedgerEvent } from "./ledger.js";
import { costSaved, type CostModel } from "./cost.js";
import { provincePartition } from "@kuayu/topics";
import { counterIds, type ComplaintDoc, type CounterDoc, type CounterLevel, type DrillDoc, type FeedbackDoc, type Level, type LedgerDoc, type NoticeDoc, type RatingDoc } from "./records.js";

// The supervision use cases: ingest, indicators, overdue lists, notices, ratings, complaints and
// drills. Transport-free: the gRPC and HTTP adapters call these; they reach the store through the
// ports below, which adapters/supervision.ts wires to the collections and the partition writer.

/** A lifecycle event for the ledger, with where it was read: its offset on its stream (the one partition of its topic). */
export type PartitionEvent = LedgerEvent & { filingId: string; offset: number };

/** What the use cases read and write (adapters/supervision.ts over adapters/store.ts). */
export interface SupervisionStore {
  /** A filing's ledger entry. */
  entry(filingId: string): Promise<LedgerDoc | null>;
  /** The open filings (arrived, not decided or withdrawn) of a scope: none, a province or a jurisdiction court; real, drill or both. */
  openEntries(filter: { drill?: boolean; province?: string; jurisdictionCourtId?: string }): Promise<LedgerDoc[]>;
  /** A counter document by id (null: none yet). */
  counter(level: CounterLevel, id: string): Promise<CounterDoc | null>;
  /** Province counter documents by id, in one read (the country's: every province's of a month). */
  provinceCounters(ids: string[]): Promise<CounterDoc[]>;
  /** The drill filings that arrived in [from, to). */
  drillEntries(from: Date, to: Date): Promise<LedgerDoc[]>;
  drill(id: string): Promise<DrillDoc | null>;
  /** Inserts a notice; false when one with its id is there (another replica's scheduled one). */
  insertNotice(notice: NoticeDoc): Promise<boolean>;
  /** Inserts a rating and its feedback queue row in one logged write; false when the rating was there. */
  insertRating(rating: RatingDoc, queued: FeedbackDoc | undefined): Promise<boolean>;
  /** Inserts a complaint and its feedback queue row in one logged write; false when its id was taken. */
  insertComplaint(complaint: ComplaintDoc, queued: FeedbackDoc | undefined): Promise<boolean>;
  insertDrill(drill: DrillDoc): Promise<void>;
}

/**
 * The one writer of the ledger and counters of this member's streams (adapters/partition-writer.ts
 * implements it: group commit, exactly-once counting, the feedback queue).
 */
export interface LedgerWriter {
  /**
   * One fetch of a stream, written with the next flush: the counters first, each once with the
   * offset of every stream that contributed to it (`offsets.s<stream>`); an earlier delivery's
   * contributions are recognised by that offset, so a fetch delivered again after a crash counts
   * once: exactly-once counting. Then the ledger entries, then the open filings.
   */
  ingest(stream: number, events: PartitionEvent[]): Promise<void>;
  /** A new assignment: forget what was cached (another member may have written meanwhile). */
  assigned(streams: number[]): void;
  /** Whether this member writes a stream's documents now. */
  owns(stream: number): boolean;
  /**
   * Response working minutes counted again under the calendar in use, for the filings of this
   * member's streams (between flushes): those that arrived in `years`, or (no `years`) those
   * still marked provisional. Returns how many moved.
   */
  recount(years?: number[]): Promise<number>;
  /**
   * Counts the ratings and complaints queued for this member's streams (`feedback_queue`) into the
   * `:g` documents of their court and province (between flushes): each touched document written
   * once, with the keys of the rows it now holds (`fed`), then the rows deleted. A row counted
   * before a crash is found in `fed` and counts once. Returns how many rows were taken.
   */
  countFeedback(): Promise<number>;
}

export interface Scope {
  level: Level;
  id: string;
}

export const SPC = "c-spc";

/**
 * Who speaks about a filing: its collaborating court's window (a user's token of that court), or
 * its party on the console's /party page (a public token bound to that filing).
 */
export type Voice = { window: AuthContext } | { party: true };

/** Letters of a complaint's tracking number: no 0/O, 1/I/L, so it can be read out on the phone. */
const TRACKING = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/** A complaint's tracking number (投诉编号), e.g. TS-20261204-7F3K9Q: the day (China time) and 6 random letters. */
export const trackingNumber = (now: Date) => `TS-${chinaDay(now).replaceAll("-", "")}-${Array.from({ length: 6 }, () => TRACKING[randomInt(TRACKING.length)]).join("")}`;

/**
 * Supervisors only: the SPC's see the country, a high court's its own province (and its courts).
 */
export function authorize(caller: AuthContext, scope: Scope, dir: Directory): void {
  if (!caller.roles.includes("supervisor")) throw new ForbiddenError("supervision needs the supervisor role");
  if (caller.courtId === SPC) return;
  const province = scope.level === "province" ? scope.id : scope.level === "court" ? dir.byId(scope.id)?.province : undefined;
  if (province === undefined || province !== caller.province) {
    throw new ForbiddenError(`a supervisor of province ${caller.province} may read only that province (asked: ${scope.level} ${scope.id || "national"})`);
  }
}

export function checkScope(scope: Scope, dir: Directory): void {
  if (scope.level === "province" && !/^\d{2}$/.test(scope.id)) throw new ValidationError([{ field: "scope.id", description: "a two-digit province code" }]);
  if (scope.level === "court" && !dir.byId(scope.id)) throw new ValidationError([{ field: "scope.id", description: `no court ${scope.id} in the directory` }]);
}

export interface Supervision {
  /** One fetch of a lifecycle stream (a province's topic) into the ledger and its counters, with the next flush (partition-writer.ts). */
  ingest(stream: number, events: PartitionEvent[]): Promise<void>;
  /** This member's lifecycle streams changed (a rebalance); provisional response times of them are counted again. */
  assigned(streams: number[]): Promise<number>;
  /**
   * After the holiday calendar changed: response working minutes of filings that arrived in `years`
   * counted again (those of this member's streams). Returns how many moved.
   */
  recountWorkingMinutes(years: number[]): Promise<number>;
  /** Counts the queued ratings and complaints of this member's streams (partition-writer.ts); how many. */
  countFeedback(): Promise<number>;
  /** Real filings only, or (`includeDrill`) drill filings too. */
  indicatorsOf(scope: Scope, from: string, to: string, caseType: CaseType | undefined, now: Date, includeDrill?: boolean): Promise<ReturnType<typeof indicators> & { overdueNow: number }>;
  overdueOf(scope: Scope, now: Date, includeDrill?: boolean): Promise<{ entry: LedgerEntry; for: "response" | "decision"; due: Date; lateBy: number; lateUnit: string }[]>;
  /**
   * Generates and stores a notice. With `id` (the scheduled notices: one per kind, scope and day)
   * the insert is unique: when another replica stored it first, undefined.
   */
  generateNotice(kind: "daily" | "weekly", scope: Scope, now: Date, id?: string): Promise<NoticeDoc | undefined>;
  /** A rating of a filing: by its window (for the party, or for itself), or by its party online (once decided, once). */
  rate(voice: Voice, filingId: string, score: number, comment: string, byParty: boolean): Promise<void>;
  /** A complaint about a filing, by its window or its party online; answered by a supervisor of the jurisdiction court's province. */
  complain(voice: Voice, filingId: string, category: string, text: string): Promise<ComplaintDoc>;
  createDrill(d: Omit<DrillDoc, "_id">): Promise<DrillDoc>;
  drillReport(
    id: string,
    round: number,
  ): Promise<{ drill: DrillDoc; filings: number; rate30: number; participation: { group: string; key: string; expected: number; participated: number }[]; missing: string[] }>;
}

/**
 * What a decided filing saved its party: the round trips (the filing and each correction round)
 * between the two courts' division centroids, priced by the model (domain/cost.ts).
 */
export function filingCost(dir: Directory, centroids: Centroids, model: CostModel) {
  const at = (courtId: string) => {
    const division = dir.byId(courtId)?.division;
    return division ? centroids(division) : undefined;
  };
  return (e: LedgerEntry) => costSaved(at(e.collaboratingCourtId), at(e.jurisdictionCourtId), 1 + e.corrections, model);
}

export function supervisionUseCases(store: SupervisionStore, writer: LedgerWriter, dir: Directory): Supervision {
  const hours = (courtId: string) => courtWorkingHours(dir, courtId) ?? DEFAULT_WORKING_HOURS;
  const courtName = (id: string) => dir.byId(id)?.name ?? id;
  // Open filings live in their own small collection, so overdue lists and notices never scan the
  // whole ledger (FerretDB answers every filter with a scan).
  const openEntries = async (scope: Scope, drill: boolean | "both" = false) => {
    const filter: { drill?: boolean; province?: string; jurisdictionCourtId?: string } = drill === "both" ? {} : { drill };
    if (scope.level === "province") filter.province = scope.id;
    if (scope.level === "court") filter.jurisdictionCourtId = scope.id;
    return store.openEntries(filter);
  };

  /** The stream whose member counts a filing's ratings and complaints: its jurisdiction court's province's. */
  const streamOf = (e: LedgerDoc) => e.stream ?? provincePartition(e.province || dir.byId(e.jurisdictionCourtId)?.province || "");
  /** The queue row of a rating or complaint (none before the filing arrived: it has no day to count on). */
  const feedback = (id: string, e: LedgerDoc, delta: Delta): FeedbackDoc | undefined => {
    if (!e.day) return undefined;
    return {
      _id: id,
      stream: streamOf(e),
      entry: { jurisdictionCourtId: e.jurisdictionCourtId, province: e.province, drill: e.drill, day: e.day, caseType: e.caseType },
      delta,
      at: new Date(),
    };
  };
  /** When this member counts the filing's feedback, it does so before the call returns (the caller reads its own write). */
  const countedHere = async (e: LedgerDoc) => {
    if (e.day && writer.owns(streamOf(e))) await writer.countFeedback();
  };

  return {
    ingest: (stream, events) => writer.ingest(stream, events),
    countFeedback: () => writer.countFeedback(),

    async assigned(streams) {
      writer.assigned(streams);
      // A year loaded while these streams were elsewhere (or this instance down): their provisional response times.
      return writer.recount();
    },

    recountWorkingMinutes: (years) => writer.recount(years),

    async indicatorsOf(scope, from, to, caseType, now, includeDrill = false) {
      const days = daysBetween(from, to);
      if (days.length === 0) throw new ValidationError([{ field: "to_date", description: "must not be before from_date" }]);
      const id = scope.level === "national" ? "" : scope.id;
      const months = [...new Set(days.map((d) => d.slice(0, 7)))];
      const wanted = new Set(days);
      const sum: Delta = {};
      // One document per month and writer: a year of a court is twelve look-ups by _id, however many
      // filings; the country is every province's documents (one query of the small province collection).
      const ids = months.flatMap((m) => (includeDrill ? [false, true] : [false]).flatMap((drill) => counterIds(scope.level, drill, id, m).ids.map((_id) => ({ _id, month: m }))));
      const monthOf = new Map(ids.map((x) => [x._id, x.month]));
      const docs = scope.level === "national" ? await store.provinceCounters([...monthOf.keys()]) : await Promise.all(ids.map((x) => store.counter(scope.level as CounterLevel, x._id)));
      for (const c of docs) {
        if (!c) continue;
        const month = monthOf.get(c._id)!;
        for (const [dd, day] of Object.entries(c.days ?? {})) {
          if (!wanted.has(`${month}-${dd}`)) continue;
          const part = caseType ? (day.t?.[caseType] ?? {}) : (day.all ?? {});
          for (const [k, v] of Object.entries(part)) sum[k] = (sum[k] ?? 0) + v;
        }
      }
      const overdueNow = (await openEntries(scope, includeDrill ? "both" : false)).filter((e) => (!caseType || e.caseType === caseType) && overdue(e, now)).length;
      return { ...indicators(sum), overdueNow };
    },

    async overdueOf(scope, now, includeDrill = false) {
      return (await openEntries(scope, includeDrill ? "both" : false))
        .map((entry) => ({ entry, o: overdue(entry, now) }))
        .filter((x) => x.o)
        .map(({ entry, o }) =>
          o!.for === "response"
            ? { entry, for: o!.for, due: o!.due, lateBy: workingMinutesBetween(o!.due, now, hours(entry.jurisdictionCourtId)), lateUnit: "working minutes" }
            : { entry, for: o!.for, due: o!.due, lateBy: (now.getTime() - o!.due.getTime()) / 3600_000, lateUnit: "hours" },
        )
        .sort((a, b) => a.due.getTime() - b.due.getTime());
    },

    async generateNotice(kind, scope, now, id) {
      const today = chinaDay(now);
      const rows = (await openEntries(scope))
        .filter((e) => e.arrivedAt)
        .flatMap((e) => {
          if (kind === "daily") {
            // 每日通报: no feedback (response) 24 hours after arrival.
            const late = (now.getTime() - e.arrivedAt!.getTime()) / 3600_000 - 24;
            return !e.respondedAt && late > 0 ? [{ e, lateBy: late, lateUnit: "hours" }] : [];
          }
          // 每周通报: not decided 7 working days after arrival.
          const limit = workingDaysLater(e.day, 7);
          if (e.correctionPending || limit >= today) return [];
          let late = 0;
          while (workingDaysLater(limit, late + 1) < today) late++;
          return [{ e, lateBy: late + 1, lateUnit: "working days" }];
        })
        .sort((a, b) => b.lateBy - a.lateBy)
        .map(({ e, lateBy, lateUnit }) => ({
          jurisdictionCourtId: e.jurisdictionCourtId,
          jurisdictionCourtName: courtName(e.jurisdictionCourtId),
          filingId: e.filingId,
          receiptNumber: e.receiptNumber,
          arrivedAt: e.arrivedAt!,
          lateBy: Math.round(lateBy * 10) / 10,
          lateUnit,
        }));
      const notice: NoticeDoc = { _id: id ?? randomUUID(), kind, level: scope.level, scopeId: scope.id, generatedAt: now, day: today, rows, ...(id ? { scheduled: true } : {}) };
      // A scheduled notice's id is its scope and day: another replica may have issued it first.
      return (await store.insertNotice(notice)) ? notice : undefined;
    },

    async rate(voice, filingId, score, comment, byParty) {
      const v = [];
      if (!Number.isInteger(score) || score < 1 || score > 5) v.push({ field: "score", description: "1–5" });
      if ([...comment].length > 500) v.push({ field: "comment", description: "at most 500 characters" });
      if (v.length > 0) throw new ValidationError(v);
      const e = await store.entry(filingId);
      if (!e) throw new NotFoundError(`filing ${filingId} is not known to supervision`);
      const online = "party" in voice;
      if (!online && e.collaboratingCourtId !== voice.window.courtId) throw new ForbiddenError("only the collaborating court's window rates a filing");
      if (online && !e.decision) throw new StateError("the party rates a filing once it is decided");
      // One rating by the party per filing, at the window or online (the same id); one by the court.
      const by = online || byParty ? "party" : "court";
      const _id = `${filingId}:${e.collaboratingCourtId}:${by}`;
      // The rating and its row in the feedback queue are one logged write (both or neither). A
      // second rating re-queues the id, which the counters hold already (`fed`): counted once.
      const first = await store.insertRating(
        { _id, filingId, score, comment, at: new Date(), ...(online ? { online: true } : {}) },
        feedback(`rating:${_id}`, e, { satisfactionSum: score, satisfactionCount: 1 }),
      );
      if (!first && online) throw new StateError("this filing has been rated already");
      await countedHere(e);
    },

    async complain(voice, filingId, category, text) {
      const categories = ["slow-response", "attitude", "wrong-decision", "materials-lost", "other"];
      const v = [];
      if (!categories.includes(category)) v.push({ field: "category", description: `one of ${categories.join(", ")}` });
      if (!text.trim() || [...text].length > 2000) v.push({ field: "text", description: "1–2000 characters" });
      if (v.length > 0) throw new ValidationError(v);
      const e = await store.entry(filingId);
      if (!e) throw new NotFoundError(`filing ${filingId} is not known to supervision`);
      const online = "party" in voice;
      if (!online && e.collaboratingCourtId !== voice.window.courtId) throw new ForbiddenError("complaints about a filing come from its collaborating court's window");
      const now = new Date();
      let c: ComplaintDoc = {
        _id: trackingNumber(now),
        filingId,
        jurisdictionCourtId: e.jurisdictionCourtId,
        // Before the routed event is in, the entry has no province yet: the jurisdiction court's.
        province: e.province || dir.byId(e.jurisdictionCourtId)?.province || "",
        category,
        text: text.trim(),
        status: "open",
        answer: "",
        filedAt: now,
        ...(online ? { byParty: true } : {}),
      };
      // A tracking number drawn twice on one day (31^6 of them): the unique insert refuses it, draw again.
      // (A drawn number another complaint holds re-queues that complaint's id: counted once, `fed`.)
      for (let tries = 1; !(await store.insertComplaint(c, feedback(`complaint:${c._id}`, e, { complaints: 1 }))); tries++) {
        if (tries >= 5) throw new Error("no free complaint tracking number after 5 draws");
        c = { ...c, _id: trackingNumber(now) };
      }
      await countedHere(e);
      return c;
    },

    async createDrill(d) {
      const v = [];
      if (!d.name.trim()) v.push({ field: "drill.name", description: "required" });
      if (!Number.isInteger(d.rounds) || d.rounds < 1 || d.rounds > 20) v.push({ field: "drill.rounds", description: "1–20" });
      if (!(d.startsAt < d.endsAt)) v.push({ field: "drill.ends_at", description: "must be after starts_at" });
      if (d.caseTypes.some((t) => !isCaseType(t))) v.push({ field: "drill.case_types", description: "unknown case type" });
      if (d.courtIds.some((c) => !dir.byId(c)?.roles.includes("collaborating"))) v.push({ field: "drill.court_ids", description: "every court must exist and be able to collaborate" });
      if (v.length > 0) throw new ValidationError(v);
      const doc: DrillDoc = { ...d, _id: randomUUID(), name: d.name.trim() };
      await store.insertDrill(doc);
      return doc;
    },

    async drillReport(id, round) {
      const drill = await store.drill(id);
      if (!drill) throw new NotFoundError(`drill ${id} not found`);
      if (round < 0 || round > drill.rounds) throw new ValidationError([{ field: "round", description: `0 (all) or 1–${drill.rounds}` }]);
      const span = (drill.endsAt.getTime() - drill.startsAt.getTime()) / drill.rounds;
      const from = new Date(drill.startsAt.getTime() + (round ? (round - 1) * span : 0));
      const to = round ? new Date(from.getTime() + span) : drill.endsAt;
      // The drill filings of the campaign's courts and case types (all, when it names none) in its time.
      const courts = new Set(drill.courtIds);
      const types = new Set<string>(drill.caseTypes);
      const entries = (await store.drillEntries(from, to)).filter(
        (e) => (courts.size === 0 || courts.has(e.collaboratingCourtId)) && (types.size === 0 || (e.caseType !== undefined && types.has(e.caseType))),
      );
      const caseTypes =
        drill.caseTypes.length > 0
          ? drill.caseTypes
          : (["civil-first-instance", "administrative-first-instance", "enforcement", "criminal-private-prosecution", "state-compensation", "civil-retrial-application"] as CaseType[]);
      const filedTypes = new Map<string, Set<string>>();
      for (const e of entries) {
        if (!filedTypes.has(e.collaboratingCourtId)) filedTypes.set(e.collaboratingCourtId, new Set());
        if (e.caseType) filedTypes.get(e.collaboratingCourtId)!.add(e.caseType);
      }
      const expected = drill.courtIds.length > 0 ? drill.courtIds.map((c) => dir.byId(c)!).filter(Boolean) : dir.courts.filter((c) => c.roles.includes("collaborating"));
      const took = (courtId: string) => caseTypes.every((t) => filedTypes.get(courtId)?.has(t));
      const groups = new Map<string, { group: string; key: string; expected: number; participated: number }>();
      const add = (group: string, key: string, ok: boolean) => {
        const g = groups.get(`${group}:${key}`) ?? { group, key, expected: 0, participated: 0 };
        g.expected++;
        if (ok) g.participated++;
        groups.set(`${group}:${key}`, g);
      };
      const missing: string[] = [];
      for (const c of expected) {
        const ok = took(c.id);
        if (!ok) missing.push(c.id);
        add("province", c.province, ok);
        add("level", c.level, ok);
      }
      const within30 = entries.filter((e) => e.responseWorkingMinutes !== undefined && e.responseWorkingMinutes <= 30).length;
      return {
        drill,
        filings: entries.length,
        rate30: entries.length ? within30 / entries.length : 0,
        participation: [...groups.values()].sort((a, b) => a.group.localeCompare(b.group) || a.key.localeCompare(b.key)),
        missing,
      };
    },
  };
}
