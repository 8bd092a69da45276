// Drives a drill through the real services: each planned filing is drafted, given its materials
// and submitted at its collaborating court's window (intake gRPC); the simulated specialist of the
// jurisdiction court waits for it in the inbox (decision gRPC), responds, perhaps asks for
// corrections, and decides; the window waits for the result. Every call carries a token of the
// court acting, minted with the deployment's signing key — the drill acts as the courts' systems.
import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import { createSigner, type Role } from "@kuayu/auth";
import { createClient, type CallOptions, type Client } from "@kuayu/grpc";
import { decisionEventsV1, decisionV1, intakeV1, supervisionV1 } from "@kuayu/proto";
import { caseTypeFromId } from "../filing.js";
import type { DrillPlan, PlannedFiling } from "./plan.js";
import { buildReport, type DrillReport, type FilingOutcome, type HopTimes, type SupervisionCheck } from "./report.js";

export interface RunOptions {
  intake: string;
  decision: string;
  /** With supervision: the drill is registered there (or `campaign` names one) and its count checked. */
  supervision?: string;
  campaign?: string;
  privateKeyPem: string;
  /** Filings started per second; 0: as fast as `concurrency` allows. */
  rate: number;
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
const at = (ts: Timestamp | undefined) => (ts ? timestampDate(ts).getTime() : undefined);
const TRANSIENT = new Set([grpc.status.UNAVAILABLE, grpc.status.ABORTED, grpc.status.DEADLINE_EXCEEDED, grpc.status.RESOURCE_EXHAUSTED]);
const codeOf = (err: unknown) => (typeof err === "object" && err !== null && typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : undefined);
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Retries transient failures (busy lock, overload, restart) with backoff. */
async function retrying<T>(what: string, call: () => Promise<T>, attempts = 8): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (err) {
      if (i >= attempts || !TRANSIENT.has(codeOf(err) ?? -1)) throw new Error(`${what}: ${messageOf(err)}`);
      await sleep(Math.min(5000, 200 * 2 ** i) * (0.8 + Math.random() * 0.4));
    }
  }
}

/** Looks until `check` returns a value, waiting 50 ms, then longer, up to `maxMs` between looks. */
async function poll<T>(check: () => Promise<T | undefined>, maxMs: number, until: number, lastSeen: () => string): Promise<T> {
  for (let wait = 50; ; wait = Math.min(maxMs, wait * 1.5)) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() + wait > until) throw new Error(`timed out; last seen: ${lastSeen()}`);
    await sleep(wait);
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

function detailsMessage(f: PlannedFiling): intakeV1.FilingDetails {
  const d = f.details;
  const def = d.defendant;
  return create(intakeV1.FilingDetailsSchema, {
    caseType: caseTypeFromId(d.caseType),
    parties: [
      { role: intakeV1.PartyRole.PLAINTIFF, identity: { case: "person", value: { name: d.plaintiff.name, residentId: d.plaintiff.residentId } }, address: d.plaintiff.address, phone: d.plaintiff.phone },
      {
        role: intakeV1.PartyRole.DEFENDANT,
        identity: def.kind === "person" ? { case: "person", value: { name: def.name } } : { case: "organization", value: { name: def.name, creditCode: def.creditCode, legalRepresentative: def.legalRepresentative } },
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

/** Runs the plan; resolves with the report (never throws for a filing's failure — it is in the report). */
export async function runDrill(plan: DrillPlan, o: RunOptions): Promise<DrillReport> {
  const signer = await createSigner(o.privateKeyPem);
  const tokens = new Map<string, Promise<string>>();
  /** Call options acting as `role` of `court`: one channel per service, the court's token on each call. */
  const as = async (court: { id: string; province: string }, role: Role): Promise<CallOptions> => {
    const k = `${court.id}/${role}`;
    let token = tokens.get(k);
    if (!token) {
      token = signer.mint({ user: `drill-${role}`, courtId: court.id, roles: [role], province: court.province, expiresIn: "24h" });
      tokens.set(k, token);
    }
    const metadata = new grpc.Metadata();
    metadata.set("authorization", `Bearer ${await token}`);
    return { metadata };
  };
  const intake: Intake = createClient(intakeV1.FilingIntakeService, o.intake, { timeoutMs: 60_000 });
  const decision: Decision = createClient(decisionV1.JurisdictionDecisionService, o.decision, { timeoutMs: 60_000 });
  const supervision = o.supervision ? createClient(supervisionV1.SupervisionService, o.supervision, { timeoutMs: 60_000 }) : undefined;
  const supervisor = { id: "c-spc", province: "00" };

  const startedAt = Date.now();
  try {
    let drillId = o.campaign;
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

    const outcomes: FilingOutcome[] = new Array(plan.filings.length);
    let started = 0;
    let done = 0;
    let failed = 0;
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
        for (const kind of f.materials) await retrying(`UploadMaterial ${kind}`, async () => intake.uploadMaterial(uploadParts(filingId!, kind, pdf(f.key, kind)), await window()));
      } catch (err) {
        return { filing: f, state: "failed", filingId, error: messageOf(err), t };
      }
      try {
        t.submitting = Date.now();
        await retrying("SubmitFiling", async () => intake.submitFiling({ filingId, idempotencyKey: `drill:${plan.seed}:${f.key}:1` }, await window()));
        t.submitted = Date.now();
        lastSeen = "submitted, not yet in the inbox";
      } catch (err) {
        return { filing: f, state: "failed", filingId, error: messageOf(err), t };
      }
      const deadline = t.submitted + o.filingTimeoutMs;
      const inInbox = (round: number) =>
        poll(
          async () => {
            const res = await decision.getInboxFiling({ filingId }, await specialist()).catch((err: unknown) => {
              if (codeOf(err) === grpc.status.NOT_FOUND || TRANSIENT.has(codeOf(err) ?? -1)) return undefined;
              throw err;
            });
            const x = res?.filing;
            if (x) lastSeen = `in the inbox, round ${x.round}, ${decisionV1.InboxStatus[x.status]}, materials ${x.materialsComplete ? "complete" : "being copied"}`;
            return x && x.round >= round && x.materialsComplete ? x : undefined;
          },
          o.pollMs,
          deadline,
          () => lastSeen,
        );
      const atWindow = (want: (s: intakeV1.FilingStatus) => boolean) =>
        poll(
          async () => {
            const res = await intake.getFiling({ filingId }, await window()).catch((err: unknown) => {
              if (TRANSIENT.has(codeOf(err) ?? -1)) return undefined;
              throw err;
            });
            const x = res?.filing;
            if (x) lastSeen = `${lastSeen.startsWith("in the inbox") ? `${lastSeen}; ` : ""}at the window ${intakeV1.FilingStatus[x.status]}`;
            if (x?.status === intakeV1.FilingStatus.ROUTING_FAILED) throw new Error(`routing failed: ${x.timeline.at(-1)?.detail ?? "no reason given"}`);
            return x && want(x.status) ? x : undefined;
          },
          o.pollMs,
          deadline,
          () => lastSeen,
        );
      try {
        let inbox = await inInbox(1);
        t.visible = Date.now();
        t.arrivedAt = at(inbox.arrivedAt);
        await sleep(f.ackDelayMs);
        const ack = await retrying("Acknowledge", async () => decision.acknowledge({ filingId }, await specialist()));
        t.acknowledgedAt = at(ack.filing?.acknowledgedAt);
        if (f.action === "correct-then-accept") {
          await retrying("RequestCorrections", async () =>
            decision.requestCorrections(
              { filingId, items: [{ materialKind: "evidence", description: "演练：请补充证据材料" }], deadline: timestampFromDate(new Date(Date.now() + 7 * 86_400_000)) },
              await specialist(),
            ),
          ).catch((err: unknown) => {
            // A retried request after the first one went through is refused; that is fine.
            if (!/already requested/.test(messageOf(err))) throw err;
          });
          t.correctionsRequested = Date.now();
          await atWindow((s) => s === intakeV1.FilingStatus.CORRECTION_REQUESTED);
          await retrying("UploadMaterial evidence (correction)", async () => intake.uploadMaterial(uploadParts(filingId!, "evidence", pdf(`${f.key}:2`, "evidence")), await window()));
          await retrying("SubmitCorrection", async () => intake.submitCorrection({ filingId, idempotencyKey: `drill:${plan.seed}:${f.key}:2` }, await window()));
          inbox = await inInbox(2);
          t.resubmitted = Date.now();
        }
        await sleep(f.decideDelayMs);
        const decided =
          f.action === "reject"
            ? await retrying("Reject", async () =>
                decision.reject(
                  { filingId, category: decisionEventsV1.RejectionCategory.CONDITIONS_NOT_MET, reason: "演练：不符合法定起诉条件", legalBasis: "《民事诉讼法》第一百二十二条" },
                  await specialist(),
                ),
              ).catch(async (err: unknown) => {
                // A retried reject after the first one went through is refused as already rejected.
                const now = await decision.getInboxFiling({ filingId }, await specialist());
                if (now.filing?.status === decisionV1.InboxStatus.REJECTED) return now;
                throw err;
              })
            : await retrying("Accept", async () => decision.accept({ filingId }, await specialist()));
        t.decidedAt = at(decided.filing?.decidedAt);
        const caseNumber = decided.filing?.caseNumber || undefined;
        const final = await atWindow((s) => s === intakeV1.FilingStatus.ACCEPTED || s === intakeV1.FilingStatus.REJECTED);
        t.final = Date.now();
        const first = (type: string) => at(final.timeline.find((e) => e.eventType === type)?.at);
        t.submittedAt = first("kuayu.intake.v1.FilingSubmitted");
        t.routedAt = first("kuayu.routing.v1.FilingRouted");
        const finalStatus = final.status === intakeV1.FilingStatus.ACCEPTED ? "accepted" : "rejected";
        const expected = f.action === "reject" ? "rejected" : "accepted";
        if (finalStatus !== expected) return { filing: f, state: "lost", filingId, error: `the window shows ${finalStatus}, the court ${expected} it`, t };
        if (caseNumber && final.decision?.caseNumber !== caseNumber) return { filing: f, state: "lost", filingId, error: `case number ${caseNumber} at the court, ${final.decision?.caseNumber || "none"} at the window`, t };
        return { filing: f, state: "final", filingId, finalStatus, caseNumber, t };
      } catch (err) {
        return { filing: f, state: "lost", filingId, error: messageOf(err), t };
      }
    };

    // Start filings at the rate, at most `concurrency` in flight.
    const inFlight = new Set<Promise<void>>();
    const ticker = setInterval(() => progress(), 250);
    for (let i = 0; i < plan.filings.length; i++) {
      if (o.signal?.aborted) break;
      if (o.rate > 0) {
        const due = startedAt + (i * 1000) / o.rate;
        if (due > Date.now()) await sleep(due - Date.now());
      }
      while (inFlight.size >= o.concurrency) await Promise.race(inFlight);
      const f = plan.filings[i]!;
      started++;
      const p = one(f).then((outcome) => {
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
    return buildReport(plan, outcomes, { startedAt, endedAt, supervision: check });
  } finally {
    intake.close();
    decision.close();
    supervision?.close();
  }
}
