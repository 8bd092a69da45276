import { randomBytes } from "node:crypto";
import { metrics } from "@opentelemetry/api";
import { mongo } from "mongoose";
import { currentAudit } from "@kuayu/auth";
import type { EventProducer } from "@kuayu/kafka";
import type { Logger } from "@kuayu/logger";
import { groupCommit, insertEach, insertUnits, replaceEach } from "./group-commit.js";
import type { OutboxEntry } from "./index.js";

/**
 * Versioned documents (docs/architecture.md, "Who writes what"): a change to a document is the
 * unique insert of its next version, `<id>:<version>`, into `<collection>_versions`, carrying the
 * document as it now is and the events of the change (the outbox row). A unique insert is atomic on
 * every MongoDB-wire store; updates are not (FerretDB loses concurrent ones) — so two writers of one
 * document, say a specialist's command and the lifecycle consumer, can never both win: the loser
 * gets a duplicate key, reads the version that won and decides again on it. No locks.
 *
 * The document itself (the head, what queries and watchers read) is written after the commit,
 * only if it is older — a cache of the newest version: when a writer dies between the two writes,
 * the next change reads the newer version instead and writes the head again.
 *
 * A version with events is inserted after a pending mark of its own (PendingMark), in the same
 * command: the relay deletes the mark once the events are out, and a sweep finds what is left (a
 * crash, another process's stream). A version row is written once and never updated: marking a row
 * published rewrote the whole row, its head and events, with every index entry (docs/platform.md,
 * "The outbox's pending marks").
 */
export interface VersionRow {
  _id: string; // <document id>:<version, 10 digits>
  doc: string;
  v: number;
  /** The head as of this version (its `version` field = v), as its codec stores it (HeadCodec). */
  head: mongo.Document;
  outbox: OutboxEntry[];
  /** The lifecycle stream whose relay publishes the events (all entries of a document share it; OutboxEntry.stream, or the partition of entries that name one). */
  partition: number | null;
  /** The pending mark its writer put first (PendingMark), when it has events. */
  mark?: string;
  /** Set when the broker refused the entries for good: they were not published (alerted). */
  parked?: { error: string; at: Date };
  at: Date;
}

/**
 * A version whose events the relay has not published yet. Each writer inserts its own mark
 * (`<version id>/<random>`) and its version row in one ordered insert, the mark first, so no
 * committed row with events is without one until the relay, having published the row, deletes the
 * version's marks. A writer that loses its race deletes its mark. A mark whose row does not come
 * (the store failed between the two) is dropped once a relay has seen it for ORPHAN_MS. A mark left
 * by a loser that died publishes the winner's events again, with the same ids, which consumers
 * take once.
 *
 * Marks are stored among the version rows (`pendingOf`: `pending: 1`, indexed, and the document's
 * id as `of` — never `doc`, which only rows have, so no look-up of rows meets a mark).
 */
export interface PendingMark {
  _id: string;
  doc: string;
  v: number;
  partition: number | null;
  at: Date;
}

/**
 * The pending marks this process has inserted for versions it is still committing (the row not yet
 * in, or not yet handed to its relay), per versions collection: a sweep leaves them to the writer's
 * own relay instead of reading their rows and racing it (the relay would then find the document's
 * versions out of step and read them again). A writer that dies takes the set with it: another
 * process's sweep finds its marks as before.
 */
const committing = new Map<string, Set<string>>();
const committingOf = (versions: mongo.Collection<VersionRow>) => {
  const key = versions.namespace;
  let set = committing.get(key);
  if (!set) committing.set(key, (set = new Set()));
  return set;
};

/** A pending mark as stored among the version rows. */
interface StoredMark {
  _id: string;
  pending: 1;
  of: string;
  v: number;
  partition: number | null;
  at: Date;
}

/** A look-up of marks: by `_id`, by document (`doc`: one, or `$in`), or all. */
type MarkFilter = { _id?: string | { $in: string[] }; doc?: string | { $in: string[] } };

/** The pending marks of a versions collection (stored in it: PendingMark). */
export interface PendingMarks {
  find(filter?: MarkFilter, limit?: number): Promise<PendingMark[]>;
  count(filter?: MarkFilter): Promise<number>;
  insert(mark: PendingMark): Promise<void>;
  delete(filter: MarkFilter): Promise<void>;
}

/**
 * A versions collection's pending marks. Every look-up names `pending: 1` — an equality on an
 * indexed field, which the local store answers from its index (docs/platform.md "The store's
 * scans") — and filters the rest among the marks only.
 */
export function pendingOf(versions: mongo.Collection<VersionRow>): PendingMarks {
  const col = versions as unknown as mongo.Collection<StoredMark>;
  const where = (f: MarkFilter = {}): mongo.Filter<StoredMark> => ({ pending: 1, ...(f._id === undefined ? {} : { _id: f._id }), ...(f.doc === undefined ? {} : { of: f.doc }) });
  return {
    find: async (f, limit) => (await col.find(where(f), limit ? { limit } : {}).toArray()).map((m) => ({ _id: m._id, doc: m.of, v: m.v, partition: m.partition, at: m.at })),
    count: (f) => col.countDocuments(where(f)),
    insert: async (m) => void (await col.insertOne(storedMark(m))),
    delete: async (f) => void (await col.deleteMany(where(f))),
  };
}
const storedMark = (m: PendingMark): StoredMark => ({ _id: m._id, pending: 1, of: m.doc, v: m.v, partition: m.partition, at: m.at });

/** The marks an earlier release kept in a collection of their own (`<versions>_pending`), until adopted (docs/operations.md "Upgrading the outbox's marks into the versions"). */
const legacyMarksOf = (versions: mongo.Collection<VersionRow>) => versions.db.collection<PendingMark>(`${versions.collectionName}_pending`);

/** The collections of versioned documents (`<heads>_versions`, its rows and pending marks), for ensureCollections. */
export const versionCollections = (heads: string) => [{ name: `${heads}_versions`, indexes: [{ keys: { doc: 1 } as Record<string, 1 | -1> }, { keys: { pending: 1 } as Record<string, 1 | -1> }] }];

export const versionId = (id: string, v: number) => `${id}:${String(v).padStart(10, "0")}`;

/** A pending mark whose version row is not there after a relay has seen it this long: its writer died between the two (dropped). */
export const ORPHAN_MS = 10 * 60_000;

/** Thrown when a change lost the race again and again: the caller may retry (gRPC ABORTED). */
export class ConflictError extends Error {
  override name = "ConflictError";
}

export interface VersionedDocuments<H extends { _id: string; version?: number }> {
  /** Inserts version 1 (the head itself is the unique insert); false if the document exists. */
  create(head: H): Promise<boolean>;
  /**
   * Reads the document, lets `fn` decide, commits the next version (`hooks.onCommit` hears of every
   * version it commits, with or without events). `fn` may run more than once
   * (after a lost race, on the version that won) and must not have effects of its own that a rerun
   * repeats. Changes of one document in this process queue behind each other, so only other
   * processes race. Returns the head as committed (or as read, when `fn` changed nothing).
   * `current`: the head as the caller read it a moment ago, to start from without reading it again
   * (if it is stale, the commit loses the race and the newest version is read).
   */
  change(id: string, fn: (current: H) => Promise<{ head: H; outbox: OutboxEntry[] } | undefined>, current?: H): Promise<H>;
  /** The document as its newest committed version has it (the head may lag after a crash); null if none. */
  newest(id: string): Promise<H | null>;
  /**
   * The newest head of the document this process has read or committed, while it remembers it (the
   * most recently used): possibly stale, since another process may have committed since. Good as
   * `current` of a change — which confirms on the store any refusal or no-op decided on it.
   */
  recent(id: string): H | undefined;
  /** `recent`, when this process read, committed or confirmed that head at or after `since` (ms, its clock). */
  knownSince(id: string, since: number): H | undefined;
  /**
   * Since when (ms, its clock) this process remembers every head it read, committed or confirmed:
   * it has forgotten none learnt since (the least recently used go first). A document it does not
   * remember has not been seen here since then.
   */
  heldSince(): number;
  /** A head just read from the store, for `recent`. Returns it. */
  seen(head: H): H;
}

/**
 * How a versioned document's head is stored (in its collection and in each version row's `head`).
 * The store pays for a document's shape, not only its bytes: FerretDB keeps every stored document
 * as JSON beside a type schema of each of its fields, which an update reads and parses back whole
 * (docs/platform.md "Store a head as a few fields and one body"). A packed head keeps the fields
 * that queries and indexes name at the top and the whole head in one BSON `body`.
 */
export interface HeadCodec<H> {
  pack(head: H): mongo.Document;
  /** The head of a stored document; one stored unpacked (before packing) is returned as it is. */
  unpack(stored: mongo.Document): H;
}

/** Heads stored as they are. */
export const plainHeads = <H>(): HeadCodec<H> => ({ pack: (h) => h as mongo.Document, unpack: (d) => d as H });

/**
 * Heads stored as `{ _id, version, ...top(head), body }`: `top` names the fields queries filter and
 * sort on (copies: the body is the head as a whole, and reads take it from there).
 */
export function packedHeads<H extends { _id: string; version?: number }>(top: (head: H) => mongo.Document): HeadCodec<H> {
  return {
    pack(head) {
      const { _id, version, ...rest } = head;
      return { _id, ...(version === undefined ? {} : { version }), ...top(head), body: new mongo.Binary(mongo.BSON.serialize(rest)) };
    },
    unpack(stored) {
      const body = stored.body as mongo.Binary | undefined;
      if (body?._bsontype !== "Binary") return stored as H;
      return { ...mongo.BSON.deserialize(body.value()), _id: stored._id, ...(stored.version === undefined ? {} : { version: stored.version }) } as H;
    },
  };
}

/** An entry's bytes as stored (BSON Binary) or as built (Buffer). */
const bytesOf = (v: unknown): Buffer => (v instanceof Uint8Array ? Buffer.from(v) : Buffer.from((v as mongo.Binary).buffer));
const isDuplicateKey = (err: unknown) => (err as { code?: number })?.code === 11000;
const MAX_RACES = 20;

/** The broker's answers for a record it will never take (kafkajs error types and messages). */
const REFUSED = /MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE|INVALID_RECORD|CORRUPT_MESSAGE|larger than the max message size/;
function isRefusedForGood(err: unknown): boolean {
  for (let e = err as Record<string, unknown> | undefined, depth = 0; e && typeof e === "object" && depth < 5; e = (e.cause ?? e.originalError) as Record<string, unknown> | undefined, depth++) {
    if (REFUSED.test(String(e.type ?? "")) || REFUSED.test(String(e.message ?? ""))) return true;
  }
  return false;
}

/** Documents whose newest head a VersionedDocuments remembers by default (the most recently used). */
const RECENT_HEADS = 5_000;

export function versionedDocuments<H extends { _id: string; version?: number }>(
  heads: mongo.Collection<H>,
  versions: mongo.Collection<VersionRow>,
  hooks: {
    onCommit?: (id: string, row: VersionRow) => void;
    notFound: (id: string) => Error;
    codec?: HeadCodec<H>;
    /** How long a version row or head waits for others to share its command while its writes have company (groupCommit; default 0). */
    groupWaitMs?: number;
  },
): VersionedDocuments<H> {
  const { pack, unpack } = hooks.codec ?? plainHeads<H>();
  const pending = pendingOf(versions);
  // The rows (each after its mark) that concurrent changes commit while an insert is under way go
  // to the store together in the next one: a command a group, not a command a row (docs/platform.md).
  const wait = hooks.groupWaitMs ?? 0;
  const insertRow = groupCommit<mongo.Document[]>((units) => insertUnits(versions as never, units), wait);
  const insertHead = groupCommit<mongo.Document>((docs) => insertEach(heads as never, docs), wait);
  // So do the heads that follow them: unordered bulk writes of up to 8 replacements. Each head
  // only moves forward (a slower writer of an older version leaves it alone).
  const putHead = groupCommit<mongo.Document>(
    (docs) =>
      replaceEach(
        heads as never,
        docs.map((d) => ({ filter: { _id: d._id, version: { $not: { $gte: d.version } } }, replacement: d })),
      ),
    wait,
  );
  const inFlight = committingOf(versions);
  /**
   * Commits a version row: the unique insert, after its pending mark in the same command (when it
   * has events). Throws the insert's duplicate key when another writer won (this writer's mark deleted).
   */
  const commit = async (row: VersionRow) => {
    const mark = row.outbox.length > 0 ? { _id: `${row._id}/${randomBytes(6).toString("hex")}`, doc: row.doc, v: row.v, partition: row.partition, at: new Date() } : undefined;
    if (mark) {
      row.mark = mark._id;
      inFlight.add(mark._id);
    }
    try {
      await insertRow(mark ? [storedMark(mark), row] : [row]);
    } catch (err) {
      if (row.mark) inFlight.delete(row.mark);
      if (row.mark && isDuplicateKey(err)) await pending.delete({ _id: row.mark }).catch(() => undefined);
      throw err;
    }
  };
  /** The version is committed and its relay told (onCommit): its mark is no longer the writer's own. */
  const handedOver = (row: VersionRow) => {
    if (row.mark) inFlight.delete(row.mark);
  };
  const limit = RECENT_HEADS;
  const recent = new Map<string, { head: H; at: number }>();
  /** When the most recently forgotten head was learnt (heldSince). */
  let forgotten = Number.NEGATIVE_INFINITY;
  const seen = (h: H) => {
    const known = recent.get(h._id);
    if (known && (known.head.version ?? 0) > (h.version ?? 0)) return h;
    recent.delete(h._id);
    recent.set(h._id, { head: h, at: Date.now() });
    if (recent.size > limit) {
      const [id, oldest] = recent.entries().next().value!;
      forgotten = Math.max(forgotten, oldest.at);
      recent.delete(id);
    }
    return h;
  };
  const readHead = async (id: string) => {
    const h = await heads.findOne({ _id: id } as never);
    return h && seen(unpack(h));
  };
  const queues = new Map<string, Promise<unknown>>();
  const queued = <T>(id: string, fn: () => Promise<T>): Promise<T> => {
    const run = (queues.get(id) ?? Promise.resolve()).then(fn, fn);
    const settled = run.catch(() => undefined);
    queues.set(id, settled);
    void settled.then(() => {
      if (queues.get(id) === settled) queues.delete(id);
    });
    return run;
  };

  return {
    async create(head) {
      const first = { ...head, version: 1 } as H;
      const stored = pack(first);
      const audit = currentAudit();
      if (audit) {
        // Made by an audited call (docs/security.md "Audit trail"): version 1 is committed as a
        // row holding the call's record — the unique insert of the document and its record — and
        // the head follows it.
        const row: VersionRow = {
          _id: versionId(head._id, 1),
          doc: head._id,
          v: 1,
          head: stored,
          outbox: [audit.entry("ok", head._id)],
          partition: null,
          at: new Date(),
        };
        try {
          await commit(row);
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          // Made before (a retry): a writer that died between its row and its head left no head.
          const [made] = await versions.find({ _id: row._id }).toArray();
          if (made && !(await heads.findOne({ _id: head._id } as never))) await heads.insertOne(made.head as never).catch((e: unknown) => (isDuplicateKey(e) ? undefined : Promise.reject(e)));
          return false;
        }
        try {
          try {
            await insertHead(stored);
          } catch (err) {
            if (!isDuplicateKey(err)) throw err;
            // The document was made without a row (by an unaudited writer): this call made nothing.
            await versions.deleteOne({ _id: row._id });
            if (row.mark) await pending.delete({ _id: row.mark });
            return false;
          }
          audit.committed++;
          seen(first);
          hooks.onCommit?.(head._id, row);
          return true;
        } finally {
          handedOver(row);
        }
      }
      try {
        await insertHead(stored);
        seen(first);
        // Version 1 without a row (no events): told as the row it would be, so the relay knows the
        // document's versions up to 1 are published and sends the next ones as committed.
        hooks.onCommit?.(head._id, { _id: versionId(head._id, 1), doc: head._id, v: 1, head: stored, outbox: [], partition: null, at: new Date() });
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    },

    async newest(id) {
      const [row] = await versions.find({ doc: id }).sort({ v: -1 }).limit(1).toArray();
      const stored = row?.head ?? (await heads.findOne({ _id: id } as never));
      return stored ? unpack(stored) : null;
    },

    recent: (id) => recent.get(id)?.head,
    knownSince: (id, since) => {
      const known = recent.get(id);
      return known && known.at >= since ? known.head : undefined;
    },
    heldSince: () => forgotten + 1,
    seen,

    change: (id, fn, current) =>
      queued(id, async () => {
        // A head the caller passed in may be stale: what `fn` refuses or leaves unchanged on it is
        // decided again on the store's head, when that is newer.
        let given = current?._id === id;
        let cur = given ? current! : await readHead(id);
        if (!cur) throw hooks.notFound(id);
        const newer = async (): Promise<H | undefined> => {
          given = false;
          const stored = await readHead(id);
          if (!stored) throw hooks.notFound(id);
          return (stored.version ?? 0) > (cur!.version ?? 0) ? stored : undefined;
        };
        // Set once `cur` is a version that won a race: the head may lag behind it.
        let fromVersions = false;
        for (let race = 0; race < MAX_RACES; race++) {
          const v = (cur.version ?? 0) + 1;
          let decided: Awaited<ReturnType<typeof fn>>;
          try {
            decided = await fn(cur);
          } catch (err) {
            const fresh = given ? await newer() : undefined;
            if (!fresh) throw err;
            cur = fresh;
            continue;
          }
          if (!decided && given) {
            const fresh = await newer();
            if (fresh) {
              cur = fresh;
              continue;
            }
          }
          if (!decided) {
            // Nothing to change on the newest version — but a writer that died between its version and
            // its head (the store killed under it) left the head behind: bring it forward, or it stays
            // stale until the next real change (found by killing PostgreSQL mid-drill, scripts/bench/chaos.js).
            if (fromVersions) await putHead(pack(cur));
            return cur;
          }
          const head = { ...decided.head, _id: id, version: v } as H;
          const stored = pack(head);
          // The audit record of the call that made this change (docs/security.md "Audit trail") goes
          // in the same row: the unique insert commits the change and its record together, or neither.
          const audit = currentAudit();
          const outbox = audit ? [...decided.outbox, audit.entry("ok", id)] : decided.outbox;
          const row: VersionRow = {
            _id: versionId(id, v),
            doc: id,
            v,
            head: stored,
            outbox,
            partition: decided.outbox[0]?.stream ?? decided.outbox[0]?.partition ?? null,
            at: new Date(),
          };
          try {
            await commit(row);
          } catch (err) {
            if (!isDuplicateKey(err)) throw err;
            // Another writer committed version v first: decide again on the newest version (others
            // may have committed after it), after a short random pause so racers fall out of step.
            const [newest] = await versions.find({ doc: id }).sort({ v: -1 }).limit(1).toArray();
            if (!newest) throw err;
            cur = seen(unpack(newest.head));
            given = false;
            fromVersions = true;
            await new Promise((r) => setTimeout(r, Math.random() * 5 * (race + 1)));
            continue;
          }
          try {
            if (audit) audit.committed++;
            await putHead(stored);
            seen(head);
            hooks.onCommit?.(id, row);
            return head;
          } finally {
            handedOver(row);
          }
        }
        throw new ConflictError(`document ${id} kept changing under this change (${MAX_RACES} times); try again`);
      }),
  };
}

/** Unpublished rows a sweep reads at most (and so the most kuayu_outbox_unpublished reports). */
const SWEEP_LIMIT = 500;

/** What each running relay's last sweep saw of its own partitions' unpublished versions. */
interface Backlog {
  collection: string;
  unpublished: number;
  oldestAt: number | undefined;
}
const backlogs = new Set<Backlog>();
let backlogGauges = false;

/**
 * kuayu_outbox_unpublished{collection} and kuayu_outbox_oldest_unpublished_seconds{collection}: the
 * committed versions this relay has not published yet, as its last sweep (every sweepMs) saw them —
 * no extra query per scrape. A relay that keeps failing keeps its last numbers, and the age grows.
 */
function registerBacklogGauges(): void {
  if (backlogGauges) return;
  backlogGauges = true;
  const m = metrics.getMeter("kuayu");
  m.createObservableGauge("kuayu_outbox_unpublished", { description: `Committed outbox entries (versions) not yet published by this relay (at most ${SWEEP_LIMIT})` }).addCallback((r) => {
    for (const b of backlogs) r.observe(b.unpublished, { collection: b.collection });
  });
  m.createObservableGauge("kuayu_outbox_oldest_unpublished_seconds", { description: "Age of the oldest committed outbox entry this relay has not published yet (0: none)" }).addCallback((r) => {
    for (const b of backlogs) r.observe(b.oldestAt === undefined ? 0 : Math.max(0, (Date.now() - b.oldestAt) / 1000), { collection: b.collection });
  });
}

export interface VersionRelayOptions {
  versions: mongo.Collection<VersionRow>;
  producer: EventProducer;
  log: Logger;
  /**
   * The lifecycle streams whose outbox this process publishes: those its consumer group gave it,
   * so one relay publishes a document's versions, in order. "all" for a single-instance service.
   */
  owned: () => readonly number[] | "all";
  /** How often to look for versions committed elsewhere or left by a crash (default 1 s). */
  sweepMs?: number;
  /** Opens an entry's value as stored, when the service seals it at rest (@kuayu/fieldcrypt decryptBytes). */
  open?: (value: Buffer) => Promise<Buffer>;
  /** How long a pending mark without its row is left alone (default ORPHAN_MS; tests shorten it). */
  orphanMs?: number;
}

export interface VersionRelay {
  /**
   * A version committed in this process (VersionedDocuments hooks.onCommit): its events are
   * published now — from the row as committed, without reading it back, when the relay knows the
   * document's versions before it are published; otherwise after reading the unpublished ones.
   * Without a row: read them.
   */
  nudge(id: string, row?: VersionRow): void;
  stop(): Promise<void>;
}

/** Values a relay sends together at most (a round's versions go in sends of about this size). */
const SEND_BYTES = 256 * 1024;
/** Documents whose last published version a relay remembers (the most recently published). */
const REMEMBERED = 20_000;
/** Pending marks one command deletes at most. */
const MARKS_AT_ONCE = 500;
/**
 * How long the marks of published versions wait to be deleted together (or until MARKS_AT_ONCE
 * are waiting): a delete a second instead of one a round of the relay. Meanwhile its own sweeps
 * pass over them; a crash first publishes those versions again (the same event ids).
 */
const DELETE_MARKS_MS = 1000;
/** How often a relay looks whether the store still has an earlier release's `published` index. */
const LEGACY_CHECK_MS = 60_000;
/** The indexes of the earlier release's `published` flag (docs/operations.md, "Upgrading the outbox to pending marks"). */
const LEGACY_INDEXES = ["published_1", "doc_1_published_1"];
/** A row as the earlier release wrote it: `published: false` until its relay marked it. */
type LegacyRow = VersionRow & { published?: boolean };

/**
 * Publishes the outbox of committed versions, each document's in version order, then deletes their
 * pending marks. A crash between the two publishes them again (same event ids): consumers are
 * idempotent. It remembers, per document, the newest version up to which every version is
 * published (by it, or found so in the store), so the versions committed here right after are
 * published as committed, without reading them back.
 */
export function startVersionRelay(opts: VersionRelayOptions): VersionRelay {
  const { versions, producer, log } = opts;
  const pending = pendingOf(versions);
  const writing = committingOf(versions);
  const sweepMs = opts.sweepMs ?? 1000;
  /** Documents to publish, with the rows this process committed since (in order), if it knows them. */
  const hinted = new Map<string, VersionRow[] | undefined>();
  const published = new Map<string, number>();
  const remember = (id: string, v: number) => {
    if ((published.get(id) ?? 0) >= v) return;
    published.delete(id);
    published.set(id, v);
    if (published.size > REMEMBERED) published.delete(published.keys().next().value!);
  };
  let stopped = false;
  let wake: (() => void) | undefined;
  let lastSweep = 0;
  let legacyCheckedAt = -Infinity;
  let legacy = false;
  const mine = (p: number | null) => {
    const owned = opts.owned();
    return p === null || owned === "all" || owned.includes(p);
  };

  const backlog: Backlog = { collection: versions.collectionName, unpublished: 0, oldestAt: undefined };
  backlogs.add(backlog);
  registerBacklogGauges();
  const parkedCount = metrics.getMeter("kuayu").createCounter("kuayu_outbox_parked_total", { description: "Outbox entries the broker refused for good (parked, not published): alert on any" });

  /** The marks the store holds for versions read back from it (a version may have several). */
  const marksOf = new Map<string, string[]>();
  /** Marks without their row, with when this relay first saw each (its own clock: writers' may differ). */
  const rowless = new Map<string, number>();
  /**
   * The pending marks of the versions published (or parked) and not yet deleted, and rows of the
   * earlier release to flag published. They are deleted together, after DELETE_MARKS_MS; until
   * then this relay's sweeps pass over them, and after a crash a sweep publishes them again — the
   * same event ids, which consumers take once.
   */
  const done = new Set<string>();
  /** When the oldest of `done` was published (undefined: none waiting). */
  let doneSince: number | undefined;
  const legacyDone = new Set<string>();
  const markDone = (mark: string) => {
    doneSince ??= Date.now();
    done.add(mark);
  };
  const finished = (row: LegacyRow) => {
    for (const m of marksOf.get(row._id) ?? (row.mark ? [row.mark] : [])) markDone(m);
    marksOf.delete(row._id);
    if (row.published === false) legacyDone.add(row._id);
  };
  const deleteMarks = async () => {
    const ids = [...done];
    done.clear();
    doneSince = undefined;
    for (let i = 0; i < ids.length; i += MARKS_AT_ONCE) {
      await pending
        .delete({ _id: { $in: ids.slice(i, i + MARKS_AT_ONCE) } })
        .catch((err: unknown) => log.warn({ err, marks: ids.length - i }, "could not delete the pending marks of published versions; the sweep publishes them again"));
    }
    for (const id of [...legacyDone]) {
      legacyDone.delete(id);
      await versions
        .updateOne({ _id: id }, { $set: { published: true } } as never)
        .catch((err: unknown) => log.warn({ err, version: id }, "could not flag an earlier release's row published; it is published again"));
    }
  };

  /** A row's records as the broker gets them (entries of one change, in their order). */
  const recordsOf = (row: VersionRow) =>
    Promise.all(
      row.outbox.map(async (e) => ({
        topic: e.topic,
        key: e.key,
        value: opts.open ? await opts.open(bytesOf(e.value)) : bytesOf(e.value),
        headers: { ...e.headers },
        ...(e.partition === undefined || e.partition === null ? {} : { partition: e.partition }),
      })),
    );
  /**
   * Publishes the rows in order. A row the broker refuses for good (too large, invalid) is parked —
   * its marks deleted, the reason kept on the row, logged as an error and counted — so the
   * document's later versions and every other document still flow; any other failure stops here
   * and is retried.
   */
  const publishRows = async (rows: VersionRow[]) => {
    for (const row of rows) {
      try {
        // A row's entries were built in one change: one send, in their order, each record in the
        // trace its headers carry (@kuayu/kafka sendRecords).
        const records = await recordsOf(row);
        if (records.length > 0) await producer.sendRecords(records);
      } catch (err) {
        if (!isRefusedForGood(err)) throw err;
        await versions.updateOne({ _id: row._id }, { $set: { parked: { error: (err as Error).message.slice(0, 500), at: new Date() } } });
        parkedCount.add(1);
        log.error({ err, version: row._id, events: row.outbox.map((e) => e._id) }, "outbox entry refused by the broker for good; parked (its events are not published)");
      }
      finished(row);
    }
  };

  // A row holding only an audit record names no stream: the document's rows go with the first that does.
  const ours = (rows: { partition: number | null }[]) => mine(rows.find((r) => r.partition !== null)?.partition ?? null);

  /**
   * The committed rows of a document's pending marks, in order. A mark whose row is not there is a
   * version still being committed (left alone), or, once seen for ORPHAN_MS, one whose writer died
   * (dropped).
   */
  const rowsOf = async (id: string, marks: PendingMark[]): Promise<VersionRow[]> => {
    const byVersion = new Map<string, string[]>();
    for (const m of marks) byVersion.set(versionId(m.doc, m.v), [...(byVersion.get(versionId(m.doc, m.v)) ?? []), m._id]);
    const from = Math.min(...marks.map((m) => m.v));
    const rows = (await versions.find({ doc: id, v: { $gte: from } }).toArray()).filter((r) => byVersion.has(r._id)).sort((a, b) => a.v - b.v);
    for (const r of rows) marksOf.set(r._id, byVersion.get(r._id)!);
    const found = new Set(rows.map((r) => r._id));
    const now = Date.now();
    for (const m of marks) {
      if (found.has(versionId(m.doc, m.v))) {
        rowless.delete(m._id);
        continue;
      }
      const since = rowless.get(m._id) ?? now;
      rowless.set(m._id, since);
      if (now - since > (opts.orphanMs ?? ORPHAN_MS)) {
        markDone(m._id);
        rowless.delete(m._id);
      }
    }
    return rows;
  };

  /** One document's unpublished versions, in order, read from the store; false when they are another relay's. */
  const relayDoc = async (id: string) => {
    const marks = (await pending.find({ doc: id })).filter((m) => !done.has(m._id));
    if (marks.length === 0) return true;
    if (!ours(marks)) return false;
    const rows = await rowsOf(id, marks);
    if (rows.length === 0) return true;
    await publishRows(rows);
    remember(id, rows[rows.length - 1]!.v);
    return true;
  };

  /** A document's rows ready to go with the round's others, and the version they bring its published prefix to. */
  interface Ready {
    id: string;
    rows: VersionRow[];
    upTo: number;
  }

  /**
   * Rows committed here, following the last version known to be published without a gap: ready to
   * be sent as they are (with the round's others), and their marks deleted in one command. Anything
   * else (a version committed elsewhere in between, a restart): the store is read (relayDoc) and
   * they go at once.
   */
  const relayRows = async (id: string, committed: VersionRow[]): Promise<Ready | undefined> => {
    // Versions this relay has published already (a sweep found them first) are done.
    const rows = committed.filter((r) => r.v > (published.get(id) ?? 0));
    if (rows.length === 0) return undefined;
    const follows = rows.every((r, i) => r.v === (i === 0 ? (published.get(id) ?? 0) + 1 : rows[i - 1]!.v + 1));
    const withEvents = rows.filter((r) => r.outbox.length > 0);
    if (withEvents.length === 0) {
      // Versions without events: nothing to publish, but they carry the known prefix forward.
      if (follows) remember(id, rows[rows.length - 1]!.v);
      return undefined;
    }
    if (!follows) {
      // Read after these were committed: no pending mark left means every one of them is published.
      if (await relayDoc(id)) remember(id, rows[rows.length - 1]!.v);
      return undefined;
    }
    if (!ours(withEvents)) return undefined;
    return { id, rows: withEvents, upTo: rows[rows.length - 1]!.v };
  };

  /**
   * The ready rows of a round, every document's, in one send: one request to the broker instead of
   * one a version, each record in its own change's trace. When the broker refuses the send, each
   * document's rows go again on their own (publishRows parks what it refuses for good).
   */
  const publishTogether = async (ready: Ready[]) => {
    const sent = (r: Ready) => {
      r.rows.forEach(finished);
      remember(r.id, r.upTo);
    };
    // Sends of at most SEND_BYTES of values, so no partition's batch nears the broker's limit.
    for (let i = 0; i < ready.length;) {
      const group: Ready[] = [];
      for (let bytes = 0; i < ready.length && (group.length === 0 || bytes < SEND_BYTES); i++) {
        group.push(ready[i]!);
        bytes += ready[i]!.rows.reduce((n, row) => n + row.outbox.reduce((m, e) => m + bytesOf(e.value).length, 0), 0);
      }
      try {
        const records = (await Promise.all(group.flatMap((r) => r.rows.map(recordsOf)))).flat();
        await producer.sendRecords(records);
        group.forEach(sent);
      } catch (err) {
        log.warn({ err, documents: group.length }, "could not publish a round's versions together; sending each document's on its own");
        for (const r of group) {
          await publishRows(r.rows).then(
            () => remember(r.id, r.upTo),
            (e: unknown) => log.warn({ err: e, doc: r.id }, "could not publish a document's versions yet; will retry"),
          );
        }
      }
    }
  };

  /** A document whose versions cannot be published now waits; the others go on. */
  const relayOne = (id: string) => relayDoc(id).catch((err: unknown) => log.warn({ err, doc: id }, "could not publish a document's versions yet; will retry"));

  /**
   * While the store has the earlier release's `published` index (a rolling upgrade, until an
   * operator drops it): rows that release left `published: false` get a pending mark
   * (`<version id>/legacy`), and once published are flagged as that release expects.
   */
  const adoptLegacy = async () => {
    if (Date.now() - legacyCheckedAt >= LEGACY_CHECK_MS) {
      legacyCheckedAt = Date.now();
      // A collection not made yet has no index: nothing of the earlier release.
      legacy = (await versions.indexes().catch(() => [])).some((ix) => LEGACY_INDEXES.includes(ix.name ?? ""));
    }
    if (!legacy) return;
    const rows = await versions
      .find({ published: false } as never, { projection: { _id: 1, doc: 1, v: 1, partition: 1, at: 1 } })
      .limit(SWEEP_LIMIT)
      .toArray();
    for (const r of rows) {
      await pending.insert({ _id: `${r._id}/legacy`, doc: r.doc, v: r.v, partition: r.partition, at: r.at }).catch((err: unknown) => (isDuplicateKey(err) ? undefined : Promise.reject(err)));
    }
  };

  /**
   * The marks an earlier release put in a collection of their own (`<versions>_pending`) are moved
   * among the versions, where the sweep finds them: looked for at start, then every
   * LEGACY_CHECK_MS — every sweep while there are some (a rolling upgrade, its writers still at work).
   */
  const legacyMarks = legacyMarksOf(versions);
  let legacyMarksCheckedAt = -Infinity;
  let legacyMarksFound = false;
  const adoptLegacyMarks = async () => {
    if (!legacyMarksFound && Date.now() - legacyMarksCheckedAt < LEGACY_CHECK_MS) return;
    legacyMarksCheckedAt = Date.now();
    const marks = await legacyMarks.find({}).limit(SWEEP_LIMIT).toArray();
    legacyMarksFound = marks.length > 0;
    for (const m of marks) {
      await pending.insert(m).catch((err: unknown) => (isDuplicateKey(err) ? undefined : Promise.reject(err)));
      await legacyMarks.deleteOne({ _id: m._id });
    }
  };

  /**
   * Versions committed elsewhere, or left by a crash or a failed send: the pending marks, in one
   * look-up, then each document's rows. Documents nudged since are left to the next round (it
   * publishes them from the rows committed here, in order). When the look-up brought every mark,
   * the documents' rows go in one send; otherwise each document's marks are read again, in order.
   */
  const sweep = async () => {
    await adoptLegacy();
    await adoptLegacyMarks();
    const found = await pending.find({}, SWEEP_LIMIT);
    // Versions this process is still committing are left to its own round (committingOf), and
    // those this relay published are done (their marks wait to be deleted together).
    const marks = found.filter((m) => !writing.has(m._id) && !done.has(m._id));
    const own = marks.filter((m) => mine(m.partition));
    if (found.length < SWEEP_LIMIT) for (const id of rowless.keys()) if (!marks.some((m) => m._id === id)) rowless.delete(id);
    // Marks without a row yet are not a backlog: the version is still being committed, or never will be.
    const waiting = own.filter((m) => !rowless.has(m._id));
    backlog.unpublished = waiting.length;
    backlog.oldestAt = waiting.reduce<number | undefined>((min, m) => (min === undefined || m.at.getTime() < min ? m.at.getTime() : min), undefined);
    const byDoc = new Map<string, PendingMark[]>();
    for (const m of own) if (!hinted.has(m.doc)) byDoc.set(m.doc, [...(byDoc.get(m.doc) ?? []), m]);
    if (found.length >= SWEEP_LIMIT) {
      // A stopping relay leaves the rest for the next start (committed rows wait in the store).
      for (const id of byDoc.keys()) if (!stopped) await relayOne(id);
      return;
    }
    const ready: Ready[] = [];
    for (const [id, docMarks] of byDoc) {
      if (stopped) break;
      if (!ours(docMarks)) continue;
      const rows = await rowsOf(id, docMarks);
      if (rows.length > 0) ready.push({ id, rows, upTo: rows[rows.length - 1]!.v });
    }
    await publishTogether(ready);
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        const ready: Ready[] = [];
        for (const [id, rows] of [...hinted]) {
          if (stopped) break;
          hinted.delete(id);
          if (!rows) {
            await relayOne(id);
            continue;
          }
          const r = await relayRows(id, rows).catch((err: unknown) => void log.warn({ err, doc: id }, "could not publish a document's versions yet; will retry"));
          if (r) ready.push(r);
        }
        await publishTogether(ready);
        if (Date.now() - lastSweep >= sweepMs) {
          lastSweep = Date.now();
          await sweep();
        }
        if (done.size >= MARKS_AT_ONCE || (doneSince !== undefined && Date.now() - doneSince >= DELETE_MARKS_MS)) await deleteMarks();
      } catch (err) {
        log.error({ err }, "version relay failed; will retry");
      }
      if (stopped) break;
      if (hinted.size > 0) continue;
      await new Promise<void>((resolve) => {
        wake = resolve;
        const deleteIn = doneSince === undefined ? Infinity : DELETE_MARKS_MS - (Date.now() - doneSince);
        setTimeout(resolve, Math.max(10, Math.min(sweepMs - (Date.now() - lastSweep), deleteIn))).unref();
      });
    }
  })();

  return {
    nudge: (id, row) => {
      // A row after a nudge without one (or one whose rows are not all known): read the store.
      const rows = hinted.has(id) ? hinted.get(id) : [];
      hinted.set(id, rows && row ? [...rows, row] : undefined);
      if (!row || row.outbox.length > 0) wake?.();
    },
    stop: async () => {
      stopped = true;
      wake?.();
      await loop;
      await deleteMarks();
      backlogs.delete(backlog);
    },
  };
}

/** A projection leaving out the outbox fields of documents written before versioning (drained at start-up). */
export const NO_LEGACY_OUTBOX = { outbox: 0, outboxPending: 0, outboxLeaseUntil: 0 } as const;

/**
 * Publishes what documents written before versioning still hold in their outbox arrays, and
 * empties them — once, at start-up, before the service takes commands. Returns how many events.
 */
export async function drainLegacyOutbox(heads: { collection: mongo.Collection<mongo.Document> }, producer: EventProducer, log: Logger): Promise<number> {
  let sent = 0;
  for (const doc of await heads.collection.find({ outboxPending: true }).toArray()) {
    const entries = (doc.outbox ?? []) as OutboxEntry[];
    for (const e of entries) {
      await producer.sendRecords([
        { topic: e.topic, key: e.key, value: bytesOf(e.value), headers: { ...e.headers }, ...(e.partition === undefined || e.partition === null ? {} : { partition: e.partition }) },
      ]);
    }
    await heads.collection.updateOne({ _id: doc._id }, { $set: { outbox: [], outboxPending: false } });
    sent += entries.length;
  }
  if (sent > 0) log.info({ events: sent }, "published the outbox entries written before versioned documents");
  return sent;
}

/**
 * Retention: strips the personal data from the versions of a document older than version `below` —
 * their head becomes `{ _id, version }` and their events are dropped — keeping each row (its `_id`
 * stays taken, so a writer holding an old head still loses its race). Only published rows (without
 * a pending mark): nobody else writes those. Returns how many rows it stripped.
 */
export async function stripVersions(versions: mongo.Collection<VersionRow>, id: string, below: number): Promise<number> {
  const unpublished = new Set((await pendingOf(versions).find({ doc: id })).map((m) => m.v));
  const rows = await versions.find({ doc: id }, { projection: { _id: 1, v: 1, outbox: 1, head: 1, published: 1 } }).toArray();
  let stripped = 0;
  for (const r of rows as LegacyRow[]) {
    if (r.v >= below || unpublished.has(r.v) || r.published === false || (r.outbox.length === 0 && Object.keys(r.head ?? {}).length <= 2)) continue;
    await versions.updateOne({ _id: r._id }, { $set: { head: { _id: id, version: r.v }, outbox: [] } });
    stripped++;
  }
  return stripped;
}

/** Retention: deletes every version of a document, one by `_id`, and its pending marks. Returns how many versions. */
export async function deleteVersions(versions: mongo.Collection<VersionRow>, id: string): Promise<number> {
  const rows = await versions.find({ doc: id }, { projection: { _id: 1 } }).toArray();
  for (const r of rows) await versions.deleteOne({ _id: r._id });
  await pendingOf(versions).delete({ doc: id });
  return rows.length;
}
