import { createHash } from "node:crypto";
import { ForbiddenError, NotFoundError, StateError, ValidationError, type CaseType, type Violation } from "@kuayu/domain";
import type { AuthContext } from "@kuayu/auth";
import { MEDIA_TYPES, SNIFF_BYTES, sniffFileType } from "./file-type.js";
import {
  LIMITS,
  isChecklistKind,
  isEditable,
  isSubmittable,
  isWithdrawable,
  applyLifecycle,
  missingCorrections,
  missingMaterials,
  offChecklistMaterials,
  partiesReachedBy,
  validateDetails,
  type Filing,
  type FilingDetails,
  type FilingStatus,
  type LifecycleUpdate,
  type Material,
  type Party,
  type TimelineEntry,
} from "./filing.js";

// The window's use cases. Transport-free: the gRPC adapter maps requests to these calls, the mongo
// adapters implement the ports.

/**
 * Events intake emits; the repository turns them into outbox entries written with the change. A
 * submission (or correction) is routed in the change that commits it: `filing routed`, or `routing
 * failed` for a correction whose route no longer holds (docs/architecture.md "The filing lifecycle
 * topics").
 */
export type IntakeEvent =
  | { type: "filing-submitted" }
  | { type: "correction-submitted"; note: string }
  | { type: "filing-routed"; route: Route; note: string }
  | { type: "routing-failed"; reasons: string[] }
  | { type: "filing-withdrawn"; reason: string };

/** The event types a submission's route emits (the filing's lastEventType). */
export const ROUTED = "kuayu.routing.v1.FilingRouted";
export const ROUTING_FAILED = "kuayu.routing.v1.RoutingFailed";

export interface Change {
  filing: Filing;
  events: IntakeEvent[];
}

export interface ListQuery {
  statuses: FilingStatus[];
  caseType: CaseType | undefined;
  createdFrom: Date | undefined;
  createdBefore: Date | undefined;
  pageSize: number;
  pageToken: string;
}

/** A filing as this process knows it (FilingRepository.knownSince): what a watch needs at once, and the filing. */
export interface KnownFiling {
  collaboratingCourtId: string;
  updatedAt: Date;
  open(): Promise<Filing>;
}

export interface FilingRepository {
  create(filing: Filing): Promise<void>;
  get(id: string): Promise<Filing | undefined>;
  /**
   * The filing as this process last read or committed it, else as stored: possibly not the newest
   * (another replica may have changed it since). A change starting from it decides again on the
   * newest version if it is stale; a refusal must not rest on it alone.
   */
  recent(id: string): Promise<Filing | undefined>;
  /**
   * The filing as this process learnt it at or after `since` (ms, its clock: read, committed, or
   * seen by the watch hub's polls), without a look-up; undefined when it knows none that recent.
   * Synchronous, so that a watch starts in the same step (WatchHub.coveredSince).
   */
  knownSince(id: string, since: number): KnownFiling | undefined;
  /** The submitted filing with this receipt number, if this intake holds it. */
  findByReceipt(receiptNumber: string): Promise<Filing | undefined>;
  /**
   * Runs `fn` on the current filing while no other writer can change it, then stores what it
   * returns together with its events in one write; `undefined` stores nothing. Returns the filing
   * as stored afterwards.
   */
  change(id: string, fn: (current: Filing) => Promise<Change | undefined>, current?: Filing): Promise<Filing>;
  /** The filing's timeline; `read`: the filing as get() read it a moment ago, whose document holds it (no second read). */
  timeline(id: string, read?: Filing): Promise<TimelineEntry[]>;
  list(courtId: string, q: ListQuery): Promise<{ filings: Filing[]; nextPageToken: string }>;
}

/**
 * Durable bytes of materials. A write that fails leaves nothing behind; bytes a crash leaves
 * unreferenced by their filing are removed later by the store's sweep.
 */
export interface MaterialStore {
  remove(id: string): Promise<void>;
  read(id: string): AsyncIterable<Uint8Array>;
  /** Several materials of one filing, their bytes in the order given; read each one's before the next. */
  readMany(filingId: string, ids: string[]): AsyncIterable<{ id: string; bytes: AsyncIterable<Uint8Array> }>;
  /** Writes of several materials, the small ones stored together by `commit` (until then they are not there). */
  group(): { write(id: string, filingId: string, chunks: AsyncIterable<Uint8Array>): Promise<void>; commit(): Promise<void> };
}

/**
 * Where a submission goes, as routing's directory has it at the check: the jurisdiction court's
 * province, its deadlines counted from the check (the arrival), its duty contact, and what its case
 * numbers need.
 */
export interface Route {
  province: string;
  /** The window's province: its intake holds the materials. */
  originProvince: string;
  routedAt: Date;
  responseDue: Date;
  decisionDue: Date;
  /** Counted over a year whose official holiday arrangement is not loaded (暂定). */
  provisional: boolean;
  contact: { name: string; phone: string } | undefined;
  court: { code: string; level: string; kind: string };
}

/**
 * The route check of the directory (routing service): every reason the route is not allowed (none:
 * routable, with its route), and the jurisdiction court's province.
 */
export type RouteCheck = (collaboratingCourtId: string, jurisdictionCourtId: string, caseType: CaseType) => Promise<{ problems: string[]; province: string; route?: Route }>;

/** The round just submitted at the jurisdiction court's desk, with its deadlines. */
function routedTo(f: Filing, route: Route | undefined, note: string): Change {
  // A check without problems always has its route (the gRPC adapter refuses an answer without).
  if (!route) throw new Error(`the route check of filing ${f.id} gave no route`);
  return {
    filing: { ...f, status: "routed", lastEventType: ROUTED, routing: { contact: route.contact, responseDue: route.responseDue, decisionDue: route.decisionDue, provisional: route.provisional } },
    events: [{ type: "filing-routed", route, note }],
  };
}

export interface Deps {
  repo: FilingRepository;
  materials: MaterialStore;
  newId: () => string;
  now: () => Date;
  /** The next receipt number of a court for a day (YYYYMMDD, China time). */
  nextReceiptNumber: (courtId: string, day: string) => Promise<number>;
  maxMaterialBytes: number;
  maxFilingBytes: number;
}

const emptyDetails = (): FilingDetails => ({
  caseType: undefined,
  parties: [],
  claims: "",
  facts: "",
  jurisdictionCourtId: "",
  jurisdictionSource: undefined,
  jurisdictionBasis: "",
  liableOrganDecided: false,
  drill: false,
});

const invalid = (v: Violation[]) => {
  if (v.length > 0) throw new ValidationError(v);
};

/** YYYYMMDD of the instant in China time (UTC+8, no daylight saving). */
export const chinaDay = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10).replaceAll("-", "");

/** Receipt number (收件编号) of the collaborating court, e.g. KY-c-110105-20261128-000042. */
export const formatReceiptNumber = (courtId: string, day: string, n: number) => `KY-${courtId}-${day}-${String(n).padStart(6, "0")}`;

async function owned(deps: Pick<Deps, "repo">, caller: AuthContext, id: string, recent = false): Promise<Filing> {
  const f = await (recent ? deps.repo.recent(id) : deps.repo.get(id));
  if (!f) throw new NotFoundError(`filing ${id} not found`);
  if (f.collaboratingCourtId !== caller.courtId) throw new ForbiddenError(`filing ${id} belongs to another court`);
  return f;
}

/** Runs a change on a filing of the caller's court, starting from the filing the ownership check read. */
function changeOwned(deps: Pick<Deps, "repo">, caller: AuthContext, id: string, fn: (f: Filing) => Promise<Change | undefined>) {
  return owned(deps, caller, id).then((f) => deps.repo.change(id, fn, f));
}

export async function createDraft(deps: Deps, caller: AuthContext, details: FilingDetails | undefined): Promise<Filing> {
  const d = details ?? emptyDetails();
  invalid(validateDetails(d, false, deps.now()));
  invalid(sameCourt(caller, d));
  const now = deps.now();
  const filing: Filing = {
    id: deps.newId(),
    collaboratingCourtId: caller.courtId,
    status: "draft",
    details: d,
    materials: [],
    receiptNumber: "",
    jurisdictionProvince: "",
    submittedTo: "",
    round: 0,
    submitKeys: [],
    createdAt: now,
    submittedAt: undefined,
    updatedAt: now,
    lastEventType: "",
    correctionRequest: undefined,
    decision: undefined,
  };
  await deps.repo.create(filing);
  return filing;
}

const sameCourt = (caller: AuthContext, d: FilingDetails): Violation[] =>
  d.jurisdictionCourtId === caller.courtId ? [{ field: "details.jurisdiction_court_id", description: "must be another court than the collaborating court itself" }] : [];

export async function updateDraft(deps: Deps, caller: AuthContext, id: string, details: FilingDetails): Promise<Filing> {
  invalid(validateDetails(details, false, deps.now()));
  invalid(sameCourt(caller, details));
  return changeOwned(deps, caller, id, async (f) => {
    if (!isEditable(f.status)) throw new StateError(`filing ${id} is ${f.status}; its details can no longer be changed`);
    // Once submitted, where the filing goes and what it is stay as they were routed — unless the
    // route failed, which is the window's chance to choose another court.
    if (f.status !== "draft" && f.status !== "routing-failed") {
      const frozen: Violation[] = [];
      if (details.caseType !== f.details.caseType) frozen.push({ field: "details.case_type", description: "cannot change once submitted" });
      if (details.jurisdictionCourtId !== f.details.jurisdictionCourtId) frozen.push({ field: "details.jurisdiction_court_id", description: "cannot change once submitted" });
      if (details.drill !== f.details.drill) frozen.push({ field: "details.drill", description: "cannot change once submitted" });
      invalid(frozen);
    }
    return { filing: { ...f, details, updatedAt: deps.now(), lastEventType: "" }, events: [] };
  });
}

export interface UploadHeader {
  filingId: string;
  kind: string;
  fileName: string;
  /** 0 when not declared. */
  sizeBytes: number;
  /** Empty when not declared. */
  sha256: string;
}

export function validateUploadHeader(h: UploadHeader, maxBytes: number): Violation[] {
  const v: Violation[] = [];
  if (!h.filingId) v.push({ field: "header.filing_id", description: "required" });
  if (!/^[a-z][a-z0-9-]{0,63}$/.test(h.kind)) v.push({ field: "header.kind", description: "a checklist item id is required, e.g. complaint" });
  const name = h.fileName.trim();
  const hasControl = [...name].some((c) => c.charCodeAt(0) < 0x20);
  if (!name || [...name].length > LIMITS.fileName || /[\\/]/.test(name) || hasControl) {
    v.push({ field: "header.file_name", description: `a file name of 1–${LIMITS.fileName} characters without path separators is required` });
  }
  if (h.sizeBytes < 0 || h.sizeBytes > maxBytes) v.push({ field: "header.size_bytes", description: `must be between 1 and ${maxBytes} bytes` });
  if (h.sha256 && !/^[0-9a-f]{64}$/.test(h.sha256)) v.push({ field: "header.sha256", description: "64 lower-case hex digits" });
  return v;
}

/** A material's bytes as received and stored, not yet added to its filing. */
interface Received {
  header: UploadHeader;
  id: string;
  size: number;
  sha256: string;
  mediaType: string;
}

/** At most this many materials in one UploadMaterials call (a filing holds LIMITS.materialsPerFiling). */
export const MATERIALS_PER_UPLOAD = LIMITS.materialsPerFiling;

/**
 * Stores several materials of one filing (UploadMaterial is the call with one), one after the
 * other as they arrive. Each is checked: the header and the filing first, then its bytes streamed
 * to the store while the real file type is sniffed from the first bytes, counted and hashed. They
 * are added together — one change of the filing (one version, one
 * audit record) — or none: whatever fails, every material stored by the call is removed.
 */
export async function uploadMaterials(deps: Deps, caller: AuthContext, uploads: AsyncIterable<{ header: UploadHeader; chunks: AsyncIterable<Uint8Array> }>): Promise<Material[]> {
  const received: Received[] = [];
  const files = deps.materials.group();
  let before: Filing | undefined;
  let added: Material[] = [];
  try {
    for await (const { header, chunks } of uploads) {
      invalid(validateUploadHeader(header, deps.maxMaterialBytes));
      if (before && header.filingId !== before.id) throw new ValidationError([{ field: "header.filing_id", description: "every material of one call belongs to the same filing" }]);
      if (received.length >= MATERIALS_PER_UPLOAD) throw new ValidationError([{ field: "header", description: `at most ${MATERIALS_PER_UPLOAD} materials in one call` }]);
      // The window's uploads follow each other: the filing as this process knows it saves a look-up
      // each (its court never changes). Only the newest version may refuse the upload, and the change
      // below decides again on the newest if this one is stale.
      if (!before) {
        before = await owned(deps, caller, header.filingId, true);
        if (uploadProblems(before, header.kind, 0, deps)) before = await owned(deps, caller, header.filingId);
      }
      const problems = uploadProblems(before, header.kind, 0, deps);
      if (problems) throw problems;
      received.push(await receive(deps, files, header, chunks));
    }
    if (!before) throw new ValidationError([{ field: "header", description: "the first message must be the header" }]);
    await files.commit();
    await deps.repo.change(
      before.id,
      async (f) => {
        let next = f;
        added = [];
        for (const r of received) {
          const late = uploadProblems(next, r.header.kind, r.size, deps);
          if (late) throw late;
          const m: Material = {
            id: r.id,
            kind: r.header.kind,
            fileName: r.header.fileName.trim(),
            mediaType: r.mediaType,
            sizeBytes: r.size,
            sha256: r.sha256,
            round: f.status === "draft" ? 1 : f.round + 1,
            uploadedAt: deps.now(),
          };
          added.push(m);
          next = { ...next, materials: [...next.materials, m] };
        }
        return { filing: { ...next, updatedAt: deps.now(), lastEventType: "" }, events: [] };
      },
      before,
    );
  } catch (err) {
    for (const r of received) await deps.materials.remove(r.id);
    throw err;
  }
  return added;
}

/** Streams one material's bytes to the store, checked (type, size, declared digest); a failed check keeps nothing. */
async function receive(deps: Deps, files: ReturnType<MaterialStore["group"]>, header: UploadHeader, chunks: AsyncIterable<Uint8Array>): Promise<Received> {
  const id = deps.newId();
  const hash = createHash("sha256");
  let size = 0;
  let mediaType = "";
  let sha256 = "";
  async function* checked(): AsyncIterable<Uint8Array> {
    let head: Uint8Array[] = [];
    let headBytes = 0;
    const sniff = () => {
      const type = sniffFileType(Buffer.concat(head));
      if (!type) throw new ValidationError([{ field: "chunk", description: "file type not accepted: only PDF, JPEG, PNG and OFD files are (checked from the content, not the name)" }]);
      mediaType = MEDIA_TYPES[type];
    };
    for await (const chunk of chunks) {
      size += chunk.length;
      if (size > deps.maxMaterialBytes) throw new ValidationError([{ field: "chunk", description: `the material is larger than ${deps.maxMaterialBytes} bytes` }]);
      hash.update(chunk);
      if (!mediaType) {
        head.push(chunk);
        headBytes += chunk.length;
        if (headBytes < SNIFF_BYTES) continue;
        sniff();
        yield* head;
        head = [];
        continue;
      }
      yield chunk;
    }
    if (size === 0) throw new ValidationError([{ field: "chunk", description: "the material is empty" }]);
    if (!mediaType) {
      sniff();
      yield* head;
    }
    if (header.sizeBytes && size !== header.sizeBytes) {
      throw new ValidationError([{ field: "header.size_bytes", description: `declared ${header.sizeBytes} bytes, received ${size}` }]);
    }
    // Checked before the stream ends, so that the store keeps nothing of bytes that fail it.
    sha256 = hash.digest("hex");
    if (header.sha256 && header.sha256 !== sha256) throw new ValidationError([{ field: "header.sha256", description: `the bytes received hash to ${sha256}` }]);
  }
  await files.write(id, header.filingId, checked());
  return { header, id, size, sha256, mediaType };
}

function uploadProblems(f: Filing, kind: string, size: number, deps: Pick<Deps, "maxFilingBytes">): Error | undefined {
  if (!isEditable(f.status)) return new StateError(`filing ${f.id} is ${f.status}; materials can no longer be added`);
  const caseType = f.details.caseType;
  if (!caseType) return new ValidationError([{ field: "header.filing_id", description: "set the filing's case type before uploading materials" }]);
  if (!isChecklistKind(caseType, kind)) return new ValidationError([{ field: "header.kind", description: `${kind} is not on the ${caseType} checklist` }]);
  if (f.materials.length >= LIMITS.materialsPerFiling) return new ValidationError([{ field: "header.filing_id", description: `a filing holds at most ${LIMITS.materialsPerFiling} materials` }]);
  const total = f.materials.reduce((n, m) => n + m.sizeBytes, 0) + size;
  if (total > deps.maxFilingBytes) return new ValidationError([{ field: "chunk", description: `the filing's materials would exceed ${deps.maxFilingBytes} bytes` }]);
  return undefined;
}

export async function removeMaterial(deps: Deps, caller: AuthContext, filingId: string, materialId: string): Promise<Filing> {
  const after = await changeOwned(deps, caller, filingId, async (f) => {
    const m = f.materials.find((x) => x.id === materialId);
    if (!m) throw new NotFoundError(`material ${materialId} not found in filing ${filingId}`);
    if (!isEditable(f.status) || m.round <= f.round) throw new StateError(`material ${materialId} has been submitted and cannot be removed`);
    return { filing: { ...f, materials: f.materials.filter((x) => x !== m), updatedAt: deps.now(), lastEventType: "" }, events: [] };
  });
  await deps.materials.remove(materialId);
  return after;
}

/**
 * The materials of a filing the caller may read, in the order asked: the collaborating court
 * reads its own; the jurisdiction court reads what has been submitted to it. The filing is read once.
 */
async function readableMaterials(deps: Deps, caller: AuthContext, filingId: string, materialIds: string[]): Promise<Material[]> {
  const check = (f: Filing | undefined): Material[] => {
    if (!f) throw new NotFoundError(`filing ${filingId} not found`);
    const own = f.collaboratingCourtId === caller.courtId;
    const addressee = (f.submittedTo || f.details.jurisdictionCourtId) === caller.courtId && f.round > 0;
    if (!own && !addressee) throw new ForbiddenError(`filing ${filingId} belongs to another court`);
    return materialIds.map((id) => {
      const m = f.materials.find((x) => x.id === id);
      if (!m || (!own && m.round > f.round)) throw new NotFoundError(`material ${id} not found in filing ${filingId}`);
      return m;
    });
  };
  // The jurisdiction court copies a round's materials right after its submission, which this
  // process has just committed: the filing as this process knows it saves a look-up. It may be
  // older than the store's (another replica changed it): only what it grants is taken from it —
  // a court it names as addressee of a round may read that round's materials, which nothing takes
  // back — and a refusal is decided again on the store's filing.
  const known = await deps.repo.recent(filingId);
  if (known) {
    try {
      return check(known);
    } catch {
      // decided again below
    }
  }
  return check(await deps.repo.get(filingId));
}

/** Several materials of a filing and their bytes, in the order asked (each id once). */
export async function openMaterials(
  deps: Deps,
  caller: AuthContext,
  filingId: string,
  materialIds: string[],
): Promise<{ materials: Material[]; bytes: AsyncIterable<{ id: string; bytes: AsyncIterable<Uint8Array> }> }> {
  if (materialIds.length === 0) invalid([{ field: "material_ids", description: "at least one" }]);
  if (new Set(materialIds).size !== materialIds.length) invalid([{ field: "material_ids", description: "each material at most once" }]);
  return { materials: await readableMaterials(deps, caller, filingId, materialIds), bytes: deps.materials.readMany(filingId, materialIds) };
}

/** One material and its bytes. */
export async function openMaterial(deps: Deps, caller: AuthContext, filingId: string, materialId: string): Promise<{ material: Material; bytes: AsyncIterable<Uint8Array> }> {
  const [material] = await readableMaterials(deps, caller, filingId, [materialId]);
  return { material: material!, bytes: deps.materials.read(materialId) };
}

/**
 * Submits a draft (or a filing whose route failed): checks the details, the checklist and the
 * route, reporting every problem at once, then gives it its receipt number and emits `filing
 * submitted`. A retry with the same idempotency key returns the filing as it is.
 */
export async function submitFiling(deps: Deps, caller: AuthContext, id: string, key: string, checkRoute: RouteCheck): Promise<Filing> {
  invalid(validateKey(key));
  // From the filing this process knows (a look-up less): the change decides again on the newest.
  const before = await owned(deps, caller, id, true);
  if (before.submitKeys.includes(key)) return owned(deps, caller, id);
  // The route is checked before the change (a network call); the change re-checks the state.
  const route =
    before.details.caseType && before.details.jurisdictionCourtId && isSubmittable(before.status)
      ? await checkRoute(caller.courtId, before.details.jurisdictionCourtId, before.details.caseType)
      : { problems: [], province: "" };
  return deps.repo.change(
    id,
    async (f) => {
      if (f.submitKeys.includes(key)) return undefined;
      if (!isSubmittable(f.status)) throw new StateError(`filing ${id} is ${f.status}; it cannot be submitted again`);
      if (f.details.jurisdictionCourtId !== before.details.jurisdictionCourtId || f.details.caseType !== before.details.caseType) {
        throw new StateError(`filing ${id} changed while it was being submitted; submit again`);
      }
      invalid([
        ...validateDetails(f.details, true, deps.now()),
        ...missingMaterials(f.details, f.materials),
        ...offChecklistMaterials(f.details, f.materials),
        ...route.problems.map((description) => ({ field: "details.jurisdiction_court_id", description })),
      ]);
      const now = deps.now();
      const receiptNumber = f.receiptNumber || formatReceiptNumber(f.collaboratingCourtId, chinaDay(now), await deps.nextReceiptNumber(f.collaboratingCourtId, chinaDay(now)));
      const submitted: Filing = {
        ...f,
        status: "submitted",
        round: f.round + 1,
        submitKeys: [...f.submitKeys, key],
        receiptNumber,
        jurisdictionProvince: route.province,
        submittedTo: f.details.jurisdictionCourtId,
        submittedAt: f.submittedAt ?? now,
        updatedAt: now,
      };
      const routed = routedTo(submitted, route.route, "");
      return { filing: routed.filing, events: [{ type: "filing-submitted" }, ...routed.events] };
    },
    before,
  );
}

/**
 * Sends the requested corrections: every requested item needs a material uploaded since the
 * request. The new round is routed again (its deadlines count from now); a route that no longer
 * holds (the court left the directory, say) sends the filing back to the window with the reasons,
 * to choose another court.
 */
export async function submitCorrection(deps: Deps, caller: AuthContext, id: string, key: string, note: string, checkRoute: RouteCheck): Promise<Filing> {
  invalid([...validateKey(key), ...([...note].length > LIMITS.note ? [{ field: "note", description: `at most ${LIMITS.note} characters` }] : [])]);
  const before = await owned(deps, caller, id);
  if (before.submitKeys.includes(key)) return before;
  // The route is checked before the change (a network call); the court and case type are those of
  // the submission, which no edit can change after it.
  const route =
    before.status === "correction-requested" && before.details.caseType
      ? await checkRoute(before.collaboratingCourtId, before.submittedTo, before.details.caseType)
      : { problems: [], province: before.jurisdictionProvince };
  return deps.repo.change(
    id,
    async (f) => {
      if (f.submitKeys.includes(key)) return undefined;
      if (f.status !== "correction-requested") throw new StateError(`filing ${id} is ${f.status}; no correction was requested`);
      // The request came after the route was (not) checked: no route for this round yet.
      if (before.status !== "correction-requested") throw new StateError(`filing ${id} changed while the correction was being submitted; submit again`);
      invalid([...validateDetails(f.details, true, deps.now()), ...missingMaterials(f.details, f.materials), ...missingCorrections(f)]);
      const submitted: Filing = { ...f, status: "submitted", round: f.round + 1, submitKeys: [...f.submitKeys, key], updatedAt: deps.now() };
      const events: IntakeEvent[] = [{ type: "correction-submitted", note: note.trim() }];
      if (route.problems.length > 0) {
        return { filing: { ...submitted, status: "routing-failed", lastEventType: ROUTING_FAILED }, events: [...events, { type: "routing-failed", reasons: route.problems }] };
      }
      const routed = routedTo(submitted, route.route, note.trim());
      return { filing: routed.filing, events: [...events, ...routed.events] };
    },
    before,
  );
}

/** Withdraws (撤回) before a decision. A draft is withdrawn silently; a submitted filing emits `filing withdrawn`. */
export async function withdrawFiling(deps: Deps, caller: AuthContext, id: string, reason: string): Promise<Filing> {
  invalid([...reason].length > LIMITS.note ? [{ field: "reason", description: `at most ${LIMITS.note} characters` }] : []);
  return changeOwned(deps, caller, id, async (f) => {
    if (f.status === "withdrawn") return undefined;
    if (!isWithdrawable(f.status)) throw new StateError(`filing ${id} is ${f.status}; it can no longer be withdrawn`);
    const now = deps.now();
    return {
      filing: { ...f, status: "withdrawn", updatedAt: now, lastEventType: "kuayu.intake.v1.FilingWithdrawn" },
      events: f.round > 0 ? [{ type: "filing-withdrawn", reason: reason.trim() }] : [],
    };
  });
}

export async function getFiling(deps: Pick<Deps, "repo">, caller: AuthContext, id: string): Promise<{ filing: Filing; timeline: TimelineEntry[] }> {
  const filing = await owned(deps, caller, id);
  return { filing, timeline: await deps.repo.timeline(id, filing) };
}

/** Checks a filing id for a watcher: it must be the caller's court's. */
export const watchable = (deps: Pick<Deps, "repo">, caller: AuthContext, id: string) => owned(deps, caller, id);

/**
 * A watcher's first state without a look-up: the filing as this process learnt it since `since`
 * (WatchHub.coveredSince), checked as `watchable` checks it (its court never changes); undefined
 * when it knows none that recent.
 */
export function watchableKnown(deps: Pick<Deps, "repo">, caller: AuthContext, id: string, since: number): KnownFiling | undefined {
  const known = deps.repo.knownSince(id, since);
  if (known && known.collaboratingCourtId !== caller.courtId) throw new ForbiddenError(`filing ${id} belongs to another court`);
  return known;
}

/** A receipt number as printed (KY-<court>-<YYYYMMDD>-<NNNNNN>), spaces dropped; undefined when it cannot be one. */
export function normalizeReceiptNumber(typed: string): string | undefined {
  const m = /^KY-([A-Za-z0-9._-]{1,64})-(\d{8})-(\d{6})$/i.exec(typed.normalize("NFKC").replace(/\s+/g, ""));
  return m ? `KY-${m[1]}-${m[2]}-${m[3]}` : undefined;
}

/** The one answer for an unknown receipt number and for wrong digits: nothing tells them apart. */
export const NO_PARTY_MATCH = "no filing has this receipt number with a phone ending in these digits";

/**
 * The party's look-up (the console's /party page): the filing of the receipt number, when the
 * phone given at the window for one of its parties (or their agents) ends in the four digits, with
 * those parties. Unknown receipt and wrong digits: the same NotFoundError. The rate limits are the
 * adapters' (per receipt number in intake's gRPC adapter, per address in the console).
 */
export async function lookupFiling(deps: Pick<Deps, "repo">, receipt: string, phoneLast4: string): Promise<{ filing: Filing; parties: { party: Party; throughAgent: boolean }[] }> {
  const receiptNumber = normalizeReceiptNumber(receipt);
  const digits = phoneLast4.normalize("NFKC").trim();
  const v: Violation[] = [];
  if (!receiptNumber) v.push({ field: "receipt_number", description: "a receipt number as printed on the receipt, e.g. KY-c-110105-20261128-000042" });
  if (!/^\d{4}$/.test(digits)) v.push({ field: "phone_last4", description: "the last four digits of the phone number given at the window" });
  invalid(v);
  const filing = await deps.repo.findByReceipt(receiptNumber!);
  const parties = filing ? partiesReachedBy(filing, digits) : [];
  if (!filing || parties.length === 0) throw new NotFoundError(NO_PARTY_MATCH);
  return { filing, parties };
}

export function listFilings(deps: Pick<Deps, "repo">, caller: AuthContext, q: ListQuery) {
  const v: Violation[] = [];
  if (q.pageSize < 0 || q.pageSize > 200) v.push({ field: "page_size", description: "between 1 and 200 (0: default 50)" });
  for (const [field, d] of [
    ["created_from", q.createdFrom],
    ["created_before", q.createdBefore],
  ] as const) {
    // A timestamp outside what a Date holds (seconds beyond ±8.64e12): the query could not be built.
    if (d && Number.isNaN(d.getTime())) v.push({ field, description: "not a valid time" });
  }
  if (q.createdFrom && q.createdBefore && q.createdFrom >= q.createdBefore) v.push({ field: "created_before", description: "must be after created_from" });
  invalid(v);
  return deps.repo.list(caller.courtId, { ...q, pageSize: q.pageSize || 50 });
}

const validateKey = (key: string): Violation[] => (/^[\x21-\x7e]{8,128}$/.test(key) ? [] : [{ field: "idempotency_key", description: "8–128 printable ASCII characters" }]);

/** Where lifecycle events land: the timeline, and the status of record when the event carries one. */
export interface LifecycleLog {
  /**
   * Adds the entries (once per event id) and the change `apply` makes, in one change of the filing;
   * false when this intake does not hold the filing.
   */
  record(filingId: string, entries: TimelineEntry[], apply: (f: Filing) => Filing | undefined): Promise<boolean>;
}

/** A lifecycle event for the window: its timeline entry and the status change it implies, if any. */
export interface LifecycleItem {
  entry: TimelineEntry;
  update?: LifecycleUpdate;
}

/**
 * Records a filing's lifecycle events for the window, in their order: the timeline entries and the
 * status changes they imply, one change of the filing for all of them. Idempotent and
 * order-tolerant (see applyLifecycle), so redelivery after a crash is harmless.
 */
export async function recordLifecycle(deps: Pick<Deps, "now"> & { log: LifecycleLog }, filingId: string, items: LifecycleItem[]): Promise<void> {
  await deps.log.record(
    filingId,
    items.map((i) => i.entry),
    (f) => {
      let cur: Filing | undefined;
      for (const { update } of items) if (update) cur = applyLifecycle(cur ?? f, update, deps.now()) ?? cur;
      return cur;
    },
  );
}
