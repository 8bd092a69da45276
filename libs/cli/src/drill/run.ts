// Drives a drill through the real services: each planned filing is drafted, given its materials
// and submitted at its collaborating court's window (intake gRPC); the simulated specialist of the
// jurisdiction court waits for it in the inbox (decision gRPC), responds, perhaps asks for
// corrections, and decides; the window waits for the result. Every call carries a token of the
// court acting, minted with the deployment's signing key — the drill acts as the courts' systems.
import { existsSync, statSync } from "node:fs";
import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import { createSigner, type Role } from "@kuayu/auth";
import { createClient, type CallOptions, type Client } from "@kuayu/grpc";
import { decisionEventsV1, decisionV1, intakeV1, supervisionV1 } from "@kuayu/proto";
import { caseTypeFromId } from "../filing.js";
import { JournalError, journalWriter, planStamp, readJournal, type JournalState } from "./journal.js";
import type { DrillPlan, PlannedFiling } from "./plan.js";
import { buildReport, type DrillReport, type FilingOutcome, type HopTimes, type SupervisionCheck } from "./report.js";

export interface RunOptions {
  intake: string;
  decision: string;
  /** With supervision: the drill is registered there (or `campaign` names one) and its count checked. */
  supervision?: string;
  campaign?: string;
  privateKeyPem: string;
  /** Mutual TLS to the three services (channelCredentials); default plaintext. */
  credentials?: grpc.ChannelCredentials;
  /** Filings started per second; 0: as fast as `concurrency` allows. */
  rate: number;
  /** With a rate: the starts climb evenly from none to `rate` over this long (each part of a resumed drill again); 0: at the rate at once. */
  rampMs?: number;
  /** Filings in flight at once (including the simulated specialists' waits). */
  concurrency: number;
  /** Longest wait between two looks at a filing (inbox, window). */
  pollMs: number;
  /** A submitted filing not final after this long is lost. */
  filingTimeoutMs: number;
  /** How long to wait for supervision to count every drill filing. */
  settleMs: number;
  /** Progress callback, called often; `done` counts final, failed and lost. */
  onProgress?: (p: Progress) => void;
  /** Aborting stops starting filings; those in flight finish. */
  signal?: AbortSignal;
  /** Append every start and outcome to this file (./journal.ts), so that the drill can be resumed. */
  journal?: string;
  /** Continue the drill of `journal`: its outcomes stand, filings it started are picked up where they are. */
  resume?: boolean;
}

export interface Progress {
  planned: number;
  started: number;
  done: number;
  inFlight: number;
  failed: number;
  elapsedMs: number;
  phase: "filing" | "settling";
}

type Intake = Client<typeof intakeV1.FilingIntakeService>;
type Decision = Client<typeof decisionV1.JurisdictionDecisionService>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * When the n-th filing (from 0) of a part starts, in ms after the part's start, at `rate` a second
 * reached by an even climb over `rampMs`: during the climb rate·t²/2T filings have started by t.
 */
export function startOffsetMs(n: number, rate: number, rampMs = 0): number {
  const rampFilings = (rate * rampMs) / 2000;
  return n < rampFilings ? Math.sqrt((2 * n * rampMs * 1000) / rate) : (n * 1000) / rate + rampMs / 2;
}
const at = (ts: Timestamp | undefined) => (ts ? timestampDate(ts).getTime() : undefined);
const TRANSIENT = new Set([grpc.status.UNAVAILABLE, grpc.status.ABORTED, grpc.status.DEADLINE_EXCEEDED, grpc.status.RESOURCE_EXHAUSTED]);
const codeOf = (err: unknown) => (typeof err === "object" && err !== null && typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : undefined);
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * How long a call is retried while it fails transiently. A service killed and started again is
 * away until its consumer group lets it rejoin — up to the group's session timeout (30 s) after the
 * kill (scripts/bench/chaos.js measured ~30 s) — so a window system gives up only after longer.
 */
const RETRY_FOR_MS = 120_000;

/** Retries transient failures (busy lock, overload, a service or the store restarting) with backoff. */
async function retrying<T>(what: string, call: () => Promise<T>, forMs = RETRY_FOR_MS): Promise<T> {
  const until = Date.now() + forMs;
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (err) {
      if (Date.now() >= until || !TRANSIENT.has(codeOf(err) ?? -1)) throw new Error(`${what}: ${messageOf(err)}`);
      await sleep(Math.min(5000, 200 * 2 ** i) * (0.8 + Math.random() * 0.4));
    }
  }
}

/**
 * Follows a filing on its watch stream until `fromChange` gives a value. The stream brings the
 * filing as it is first, then each change — so once it has spoken of the filing, waiting costs the
 * services no store reads. Only while it has not (not up within `lookMs`, broken, a service
 * restarting) does the runner look (`check`) every `lookMs`, and it opens the stream again after
 * each break.
 */
async function watchFor<T, C extends { filing?: { filingId: string } }>(
  filingId: string,
  check: () => Promise<T | undefined>,
  changes: (signal: AbortSignal) => AsyncIterable<C>,
  fromChange: (c: C) => T | undefined,
  lookMs: number,
  until: number,
  lastSeen: () => string,
): Promise<T> {
  const ac = new AbortController();
  const queue: C[] = [];
  let up = false;
  let wake: (() => void) | undefined;
  void (async () => {
    while (!ac.signal.aborted) {
      try {
        for await (const c of changes(ac.signal)) {
          if (c.filing?.filingId === filingId) up = true;
          queue.push(c);
          wake?.();
        }
      } catch {
        // broken (a service restarting): looks until it is up again
      }
      up = false;
      wake?.();
      await new Promise((r) => setTimeout(r, lookMs).unref());
    }
  })();
  try {
    for (let looked = Date.now(); ;) {
      if (!up && Date.now() - looked >= lookMs) {
        looked = Date.now();
        const v = await check();
        if (v !== undefined) return v;
      }
      // What arrived meanwhile (also during the look), with no await between this and the wait below:
      // a change cannot slip in unnoticed.
      for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
        const v = fromChange(c);
        if (v !== undefined) return v;
      }
      if (Date.now() > until) throw new Error(`timed out; last seen: ${lastSeen()}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, Math.max(10, Math.min(up ? until - Date.now() : lookMs - (Date.now() - looked), until - Date.now()))).unref();
      });
      wake = undefined;
    }
  } finally {
    ac.abort();
  }
}

/** A small PDF (the content is sniffed, so it must start like one). */
function pdf(key: string, kind: string): Buffer {
  return Buffer.from(`%PDF-1.7\n% drill material ${kind} of ${key}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`, "latin1");
}

function* uploadParts(filingId: string, kind: string, bytes: Buffer) {
  yield { part: { case: "header" as const, value: { filingId, kind, fileName: `${kind}.pdf`, sizeBytes: BigInt(bytes.length) } } };
  yield { part: { case: "chunk" as const, value: bytes } };
}

/** A filing's materials of these kinds in one UploadMaterials stream: each header, then its bytes. */
function* materialsParts(filingId: string, f: PlannedFiling, kinds: readonly string[]) {
  for (const kind of kinds) yield* uploadParts(filingId, kind, pdf(f.key, kind));
}

function detailsMessage(f: PlannedFiling): intakeV1.FilingDetails {
  const d = f.details;
  const def = d.defendant;
  return create(intakeV1.FilingDetailsSchema, {
    caseType: caseTypeFromId(d.caseType),
    parties: [
      {
        role: intakeV1.PartyRole.PLAINTIFF,
        identity: { case: "person", value: { name: d.plaintiff.name, residentId: d.plaintiff.residentId } },
        address: d.plaintiff.address,
        phone: d.plaintiff.phone,
      },
      {
        role: intakeV1.PartyRole.DEFENDANT,
        identity:
          def.kind === "person"
            ? { case: "person", value: { name: def.name } }
            : { case: "organization", value: { name: def.name, creditCode: def.creditCode, legalRepresentative: def.legalRepresentative } },
        address: def.address,
      },
    ],
    claims: d.claims,
    facts: d.facts,
    jurisdictionCourtId: d.jurisdictionCourtId,
    jurisdictionSource: d.jurisdictionSource === "finder" ? intakeV1.JurisdictionSource.FINDER : intakeV1.JurisdictionSource.CLERK,
    jurisdictionBasis: d.jurisdictionBasis,
    drill: true,
  });
}

/** The outcome of a filing the window shows as final, with the server's times from its timeline. */
function finalOutcome(f: PlannedFiling, final: intakeV1.Filing, t: HopTimes, caseNumber?: string): FilingOutcome {
  const filingId = final.filingId;
  t.final = Date.now();
  const first = (type: string) => at(final.timeline.find((e) => e.eventType === type)?.at);
  t.submittedAt = first("kuayu.intake.v1.FilingSubmitted");
  t.routedAt = first("kuayu.routing.v1.FilingRouted");
  t.decidedAt ??= at(final.decision?.decidedAt);
  const finalStatus = final.status === intakeV1.FilingStatus.ACCEPTED ? "accepted" : "rejected";
  const expected = f.action === "reject" ? "rejected" : "accepted";
  if (finalStatus !== expected) return { filing: f, state: "lost", filingId, error: `the window shows ${finalStatus}, the court ${expected} it`, t };
  if (caseNumber && final.decision?.caseNumber !== caseNumber)
    return { filing: f, state: "lost", filingId, error: `case number ${caseNumber} at the court, ${final.decision?.caseNumber || "none"} at the window`, t };
  return { filing: f, state: "final", filingId, finalStatus, caseNumber: final.decision?.caseNumber || caseNumber, t };
}

/** What the simulated specialists send: a correction request, a rejection. */
const correctionRequest = (filingId: string) => ({
  filingId,
  items: [{ materialKind: "evidence", description: "演练：请补充证据材料" }],
  deadline: timestampFromDate(new Date(Date.now() + 7 * 86_400_000)),
});
const rejection = (filingId: string) => ({
  filingId,
  category: decisionEventsV1.RejectionCategory.CONDITIONS_NOT_MET,
  reason: "演练：不符合法定起诉条件",
  legalBasis: "《民事诉讼法》第一百二十二条",
});

const isFinal = (s: intakeV1.FilingStatus) => s === intakeV1.FilingStatus.ACCEPTED || s === intakeV1.FilingStatus.REJECTED;

/** Runs the plan; resolves with the report (never throws for a filing's failure — it is in the report). */
export async function runDrill(plan: DrillPlan, o: RunOptions): Promise<DrillReport> {
  const signer = await createSigner(o.privateKeyPem);
  const tokens = new Map<string, Promise<string>>();
  /** Call options acting as `role` of `court`: one channel per service, the court's token on each call. */
  const as = async (court: { id: string; province: string }, role: Role): Promise<CallOptions> => {
    const k = `${court.id}/${role}`;
    let token = tokens.get(k);
    if (!token) {
      token = signer.mint({ user: `drill-${role}`, courtId: court.id, roles: [role], province: court.province, expiresIn: "12h" });
      tokens.set(k, token);
    }
    const metadata = new grpc.Metadata();
    metadata.set("authorization", `Bearer ${await token}`);
    return { metadata };
  };
  const intake: Intake = createClient(intakeV1.FilingIntakeService, o.intake, { timeoutMs: 60_000, credentials: o.credentials });
  const decision: Decision = createClient(decisionV1.JurisdictionDecisionService, o.decision, { timeoutMs: 60_000, credentials: o.credentials });
  const supervision = o.supervision ? createClient(supervisionV1.SupervisionService, o.supervision, { timeoutMs: 60_000, credentials: o.credentials }) : undefined;
  const supervisor = { id: "c-spc", province: "00" };
  /** The filing in the jurisdiction court's inbox; undefined while it is not there (or the service is busy). */
  const inboxOf = async (filingId: string, specialist: () => Promise<CallOptions>) =>
    (
      await decision.getInboxFiling({ filingId }, await specialist()).catch((err: unknown) => {
        if (codeOf(err) === grpc.status.NOT_FOUND || TRANSIENT.has(codeOf(err) ?? -1)) return undefined;
        throw err;
      })
    )?.filing;
  const submitKey = (f: PlannedFiling, round: number) => `drill:${plan.seed}:${f.key}:${round}`;

  const startedAt = Date.now();
  if (o.resume && !o.journal) throw new JournalError("--resume needs the drill's --journal");
  if (!o.resume && o.journal && existsSync(o.journal) && statSync(o.journal).size > 0) {
    throw new JournalError(`${o.journal} already holds a drill; --resume continues it, or give another --journal`);
  }
  const prior: JournalState | undefined = o.resume ? readJournal(o.journal!, plan) : undefined;
  const journal = o.journal ? journalWriter(o.journal) : undefined;
  try {
    let drillId = o.campaign ?? prior?.campaign;
    if (supervision && !drillId) {
      const types = [...new Set(plan.filings.map((f) => f.details.caseType))];
      const res = await retrying("registering the drill with supervision", async () =>
        supervision.createDrill(
          {
            drill: {
              name: `演练 seed ${plan.seed}（kuayu drill run）`,
              rounds: 1,
              courtIds: [...new Set(plan.filings.map((f) => f.from.id))],
              caseTypes: types.map(caseTypeFromId),
              startsAt: timestampFromDate(new Date(startedAt - 60_000)),
              endsAt: timestampFromDate(new Date(startedAt + 7 * 86_400_000)),
            },
          },
          await as(supervisor, "supervisor"),
        ),
      );
      drillId = res.drill?.drillId;
    }

    if (!prior) journal?.header(planStamp(plan), drillId);
    journal?.segment(startedAt);

    const outcomes: FilingOutcome[] = new Array(plan.filings.length);
    let started = 0;
    let done = 0;
    let failed = 0;
    // A resumed drill: the outcomes of its earlier runs stand.
    let fromJournal = 0;
    let continued = 0;
    plan.filings.forEach((f, i) => {
      const o = prior?.outcomes.get(f.key);
      if (!o) return;
      outcomes[i] = { filing: f, ...o };
      fromJournal++;
      started++;
      done++;
      if (o.state !== "final") failed++;
    });
    const progress = (phase: Progress["phase"] = "filing") =>
      o.onProgress?.({ planned: plan.filings.length, started, done, inFlight: started - done, failed, elapsedMs: Date.now() - startedAt, phase });

    const one = async (f: PlannedFiling): Promise<FilingOutcome> => {
      const t: HopTimes = { start: Date.now() };
      const window = () => as(f.from, "window-clerk");
      const specialist = () => as(f.to, "filing-specialist");
      let filingId: string | undefined;
      let lastSeen = "not yet created";
      try {
        const draft = await retrying("CreateDraft", async () => intake.createDraft({ details: detailsMessage(f) }, await window()));
        filingId = draft.filing!.filingId;
        await retrying("UploadMaterials", async () => intake.uploadMaterials(materialsParts(filingId!, f, f.materials), await window()));
      } catch (err) {
        return { filing: f, state: "failed", filingId, error: messageOf(err), t };
      }
      try {
        t.submitting = Date.now();
        await retrying("SubmitFiling", async () => intake.submitFiling({ filingId, idempotencyKey: submitKey(f, 1) }, await window()));
        t.submitted = Date.now();
        lastSeen = "submitted, not yet in the inbox";
      } catch (err) {
        return { filing: f, state: "failed", filingId, error: messageOf(err), t };
      }
      const deadline = t.submitted + o.filingTimeoutMs;
      // Watched: the jurisdiction court's inbox stream and the window's stream of this filing.
      const inboxWanted = (round: number) => (x: decisionV1.InboxFiling | undefined) => {
        if (x) lastSeen = `in the inbox, round ${x.round}, ${decisionV1.InboxStatus[x.status]}, materials ${x.materialsComplete ? "complete" : "being copied"}`;
        return x && x.round >= round && x.materialsComplete ? x : undefined;
      };
      const inInbox = async (round: number) => {
        const wanted = inboxWanted(round);
        const opts = await specialist();
        return watchFor(
          filingId!,
          async () => wanted(await inboxOf(filingId!, specialist)),
          (signal) => decision.watchInbox({ filingId }, { ...opts, signal, timeoutMs: o.filingTimeoutMs }),
          (c) => (c.filing?.filingId === filingId ? wanted(c.filing) : undefined),
          o.pollMs,
          deadline,
          () => lastSeen,
        );
      };
      const atWindow = async (want: (s: intakeV1.FilingStatus) => boolean, withTimeline = false) => {
        const look = async () => {
          const res = await intake.getFiling({ filingId }, await window()).catch((err: unknown) => {
            if (TRANSIENT.has(codeOf(err) ?? -1)) return undefined;
            throw err;
          });
          const x = res?.filing;
          if (x) lastSeen = `${lastSeen.startsWith("in the inbox") ? `${lastSeen}; ` : ""}at the window ${intakeV1.FilingStatus[x.status]}`;
          if (x?.status === intakeV1.FilingStatus.ROUTING_FAILED) throw new Error(`routing failed: ${x.timeline.at(-1)?.detail ?? "no reason given"}`);
          return x && want(x.status) ? x : undefined;
        };
        const opts = await window();
        const seen = await watchFor(
          filingId!,
          look,
          (signal) => intake.watchFilings({ filingId, withTimeline }, { ...opts, signal, timeoutMs: o.filingTimeoutMs }),
          (c) => (c.filing && (want(c.filing.status) || c.filing.status === intakeV1.FilingStatus.ROUTING_FAILED) ? c.filing : undefined),
          o.pollMs,
          deadline,
          () => lastSeen,
        );
        // Asked with its timeline (the hop times), the stream's filing has it; a service of an earlier
        // release sends none, and then the runner looks once more.
        return withTimeline && seen.timeline.length === 0 ? ((await look()) ?? seen) : seen;
      };
      try {
        let inbox = await inInbox(1);
        t.visible = Date.now();
        t.arrivedAt = at(inbox.arrivedAt);
        await sleep(f.ackDelayMs);
        const ack = await retrying("Acknowledge", async () => decision.acknowledge({ filingId }, await specialist()));
        t.acknowledgedAt = at(ack.filing?.acknowledgedAt);
        if (f.action === "correct-then-accept") {
          await retrying("RequestCorrections", async () => decision.requestCorrections(correctionRequest(filingId!), await specialist())).catch((err: unknown) => {
            // A retried request after the first one went through is refused; that is fine.
            if (!/already requested/.test(messageOf(err))) throw err;
          });
          t.correctionsRequested = Date.now();
          await atWindow((s) => s === intakeV1.FilingStatus.CORRECTION_REQUESTED);
          await retrying("UploadMaterial evidence (correction)", async () => intake.uploadMaterial(uploadParts(filingId!, "evidence", pdf(`${f.key}:2`, "evidence")), await window()));
          await retrying("SubmitCorrection", async () => intake.submitCorrection({ filingId, idempotencyKey: submitKey(f, 2) }, await window()));
          inbox = await inInbox(2);
          t.resubmitted = Date.now();
        }
        await sleep(f.decideDelayMs);
        const decided =
          f.action === "reject"
            ? await retrying("Reject", async () => decision.reject(rejection(filingId!), await specialist())).catch(async (err: unknown) => {
                // A retried reject after the first one went through is refused as already rejected.
                const now = await decision.getInboxFiling({ filingId }, await specialist());
                if (now.filing?.status === decisionV1.InboxStatus.REJECTED) return now;
                throw err;
              })
            : await retrying("Accept", async () => decision.accept({ filingId }, await specialist()));
        t.decidedAt = at(decided.filing?.decidedAt);
        const caseNumber = decided.filing?.caseNumber || undefined;
        return finalOutcome(f, await atWindow(isFinal, true), t, caseNumber);
      } catch (err) {
        return { filing: f, state: "lost", filingId, error: messageOf(err), t };
      }
    };

    /** A filing an earlier run started but did not finish: found at the window and taken on from where it is. */
    const drillBegan = timestampFromDate(new Date((prior?.segments[0]?.startedAt ?? startedAt) - 60_000));
    const continueOne = async (f: PlannedFiling): Promise<FilingOutcome> => {
      const t: HopTimes = { start: Date.now() };
      const window = () => as(f.from, "window-clerk");
      const specialist = () => as(f.to, "filing-specialist");
      const S = intakeV1.FilingStatus;
      const I = decisionV1.InboxStatus;
      const mine: intakeV1.Filing[] = [];
      try {
        for (let pageToken = ""; ;) {
          const page = await retrying("ListFilings", async () =>
            intake.listFilings({ caseType: caseTypeFromId(f.details.caseType), createdFrom: drillBegan, pageSize: 200, pageToken }, await window()),
          );
          mine.push(...page.filings);
          pageToken = page.nextPageToken;
          if (!pageToken) break;
        }
      } catch (err) {
        return { filing: f, state: "failed", error: messageOf(err), t };
      }
      // Each court files a case type once; more than one draft is a retried CreateDraft (never submitted).
      const submitted = mine.filter((x) => x.status !== S.DRAFT);
      if (submitted.length > 1) return { filing: f, state: "lost", filingId: submitted[0]!.filingId, error: `submitted twice: ${submitted.map((x) => x.filingId).join(", ")}`, t };
      const found = submitted[0] ?? mine.at(-1);
      if (!found) return one(f); // the killed run had not created it yet
      const filingId = found.filingId;
      let lastSeen = "";
      // A step refused because the filing moved on meanwhile is fine: the next look shows where it is.
      const step = <T>(what: string, call: () => Promise<T>) =>
        retrying(what, call).catch((err: unknown) => {
          if (/FAILED_PRECONDITION|ALREADY_EXISTS/.test(messageOf(err))) return undefined;
          throw err;
        });
      try {
        for (let wait = 50, until = Date.now() + o.filingTimeoutMs; ; wait = Math.min(o.pollMs, wait * 1.5)) {
          const w = (await retrying("GetFiling", async () => intake.getFiling({ filingId }, await window()))).filing!;
          lastSeen = `at the window ${S[w.status]}`;
          if (w.status !== S.DRAFT) t.submitted ??= at(w.submittedAt);
          if (isFinal(w.status)) {
            // Decided while the runner was down: the court's times are in its inbox.
            const x = await inboxOf(filingId, specialist);
            t.arrivedAt ??= at(x?.arrivedAt);
            t.acknowledgedAt ??= at(x?.acknowledgedAt);
            return finalOutcome(f, w, t);
          }
          if (w.status === S.ROUTING_FAILED || w.status === S.WITHDRAWN) return { filing: f, state: "lost", filingId, error: `the window shows ${S[w.status]}`, t };
          if (w.status === S.DRAFT) {
            const have = new Set(w.materials.map((m) => m.kind));
            const missing = f.materials.filter((k) => !have.has(k));
            if (missing.length > 0) await retrying("UploadMaterials", async () => intake.uploadMaterials(materialsParts(filingId, f, missing), await window()));
            t.submitting = Date.now();
            await retrying("SubmitFiling", async () => intake.submitFiling({ filingId, idempotencyKey: submitKey(f, 1) }, await window()));
            t.submitted = Date.now();
            continue;
          }
          if (w.status === S.CORRECTION_REQUESTED) {
            await retrying("UploadMaterial evidence (correction)", async () => intake.uploadMaterial(uploadParts(filingId, "evidence", pdf(`${f.key}:2`, "evidence")), await window()));
            await step("SubmitCorrection", async () => intake.submitCorrection({ filingId, idempotencyKey: submitKey(f, 2) }, await window()));
            t.resubmitted = Date.now();
            continue;
          }
          const x = await inboxOf(filingId, specialist);
          if (x?.materialsComplete && (x.status === I.AWAITING_RESPONSE || x.status === I.AWAITING_DECISION)) {
            t.arrivedAt ??= at(x.arrivedAt);
            t.acknowledgedAt ??= at(x.acknowledgedAt);
            if (x.status === I.AWAITING_RESPONSE && x.round < 2) {
              const ack = await step("Acknowledge", async () => decision.acknowledge({ filingId }, await specialist()));
              t.acknowledgedAt = at(ack?.filing?.acknowledgedAt);
            } else if (f.action === "correct-then-accept" && x.round < 2) {
              await step("RequestCorrections", async () => decision.requestCorrections(correctionRequest(filingId), await specialist()));
              t.correctionsRequested = Date.now();
            } else {
              const decided =
                f.action === "reject"
                  ? await step("Reject", async () => decision.reject(rejection(filingId), await specialist()))
                  : await step("Accept", async () => decision.accept({ filingId }, await specialist()));
              t.decidedAt = at(decided?.filing?.decidedAt);
            }
            continue;
          }
          if (x) lastSeen += `; in the inbox, round ${x.round}, ${I[x.status]}`;
          if (Date.now() + wait > until) throw new Error(`timed out; last seen: ${lastSeen}`);
          await sleep(wait);
        }
      } catch (err) {
        return { filing: f, state: "lost", filingId, error: messageOf(err), t };
      }
    };

    // Start filings at the rate, at most `concurrency` in flight.
    const inFlight = new Set<Promise<void>>();
    const ticker = setInterval(() => progress(), 250);
    for (let i = 0, n = 0; i < plan.filings.length; i++) {
      if (o.signal?.aborted) break;
      if (outcomes[i]) continue; // from the journal
      if (o.rate > 0) {
        const due = startedAt + startOffsetMs(n++, o.rate, o.rampMs);
        if (due > Date.now()) await sleep(due - Date.now());
      }
      while (inFlight.size >= o.concurrency) await Promise.race(inFlight);
      const f = plan.filings[i]!;
      started++;
      const again = prior?.started.has(f.key) ?? false;
      if (again) continued++;
      else journal?.started(f.key);
      const p = (again ? continueOne(f) : one(f)).then((outcome) => {
        journal?.outcome(outcome);
        outcomes[i] = outcome;
        done++;
        if (outcome.state !== "final") failed++;
        inFlight.delete(p);
      });
      inFlight.add(p);
    }
    await Promise.all(inFlight);
    clearInterval(ticker);
    plan.filings.forEach((f, i) => (outcomes[i] ??= { filing: f, state: "failed", error: "not started: the drill was interrupted", t: { start: Date.now() } }));
    const endedAt = Date.now();
    journal?.end(endedAt);
    progress();

    let check: SupervisionCheck | undefined;
    if (supervision && drillId) {
      const expected = outcomes.filter((x) => x.t.submitted !== undefined).length;
      const since = Date.now();
      const settleTicker = setInterval(() => progress("settling"), 1000);
      let report: supervisionV1.GetDrillReportResponse | undefined;
      try {
        for (;;) {
          report = await retrying("GetDrillReport", async () => supervision.getDrillReport({ drillId }, await as(supervisor, "supervisor")));
          if (Number(report.filings) >= expected || Date.now() - since > o.settleMs) break;
          await sleep(2000);
        }
      } finally {
        clearInterval(settleTicker);
      }
      check = { drillId, expected, counted: Number(report.filings), responseRate30Minutes: report.responseRate30Minutes, waitedMs: Date.now() - since };
    }
    const resumed = prior ? { segments: [...prior.segments, { startedAt, endedAt }], fromJournal, continued } : undefined;
    return buildReport(plan, outcomes, { startedAt, endedAt, supervision: check, resumed });
  } finally {
    intake.close();
    decision.close();
    supervision?.close();
  }
}
