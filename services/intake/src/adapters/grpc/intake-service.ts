import * as grpc from "@grpc/grpc-js";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { grants } from "@kuayu/auth";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { RpcError, fieldViolations, implement, invalidArgument, permissionDenied, requireRole, type CallContext, type Client } from "@kuayu/grpc";
import { refuseNul, ValidationError } from "@kuayu/domain";
import { directoryV1, intakeV1 } from "@kuayu/proto";
import {
  createDraft,
  getFiling,
  listFilings,
  lookupFiling,
  normalizeReceiptNumber,
  openMaterial,
  openMaterials,
  removeMaterial,
  submitCorrection,
  submitFiling,
  updateDraft,
  uploadMaterials,
  watchable,
  watchableKnown,
  withdrawFiling,
  type Deps,
  type RouteCheck,
  type UploadHeader,
} from "../../domain/intake.js";
import type { Filing, FilingStatus } from "../../domain/filing.js";
import { dateOf, detailsFromProto, filingToProto, fromProtoCaseType, fromProtoStatus, materialToProto, partyFilingToProto, toProtoCaseType, type CourtLookup } from "../proto.js";
import type { WatchHub } from "@kuayu/mongo";

/** Largest chunk accepted in one upload message. */
export const MAX_CHUNK_BYTES = 1024 * 1024;

const WINDOW = ["window-clerk", "court-system"] as const;

/** Window calls: the caller's role, and its court within the provinces this release serves. */
function windowCaller(ctx: CallContext, scope: "all" | string[]) {
  requireRole(ctx, ...WINDOW);
  if (scope !== "all" && !scope.includes(ctx.auth.province)) {
    throw permissionDenied(`this intake serves courts of provinces ${scope.join(", ")}; the caller's court is in ${ctx.auth.province}`);
  }
}

/**
 * The route check of the directory, asked of the routing service with the caller's own token, so
 * routing applies the caller's authorisation too.
 */
function routeCheckFor(directory: Client<typeof directoryV1.DirectoryService>, ctx: CallContext): RouteCheck {
  return async (collaboratingCourtId, jurisdictionCourtId, caseType) => {
    const metadata = new grpc.Metadata();
    metadata.set("authorization", String(ctx.metadata.get("authorization")[0] ?? ""));
    let res: directoryV1.ValidateRouteResponse;
    try {
      res = await directory.validateRoute({ collaboratingCourtId, jurisdictionCourtId, caseType: toProtoCaseType(caseType) }, { metadata });
    } catch (err) {
      // Unknown courts come back as INVALID_ARGUMENT with the reasons.
      if ((err as grpc.ServiceError).code === grpc.status.INVALID_ARGUMENT) return { problems: fieldViolations(err).map((v) => v.description), province: "" };
      throw new RpcError(grpc.status.UNAVAILABLE, `the route check (routing service) failed: ${(err as Error).message}; try again`);
    }
    if (!res.valid) return { problems: res.problems.map((p) => p.message), province: res.jurisdictionProvince };
    const r = res.route;
    if (!r?.routedAt || !r.responseDue || !r.decisionDue) throw new RpcError(grpc.status.UNAVAILABLE, "the routing service answered the route check without the route (an older release?); try again");
    return {
      problems: [],
      province: res.jurisdictionProvince,
      route: {
        province: res.jurisdictionProvince,
        originProvince: r.originProvince,
        routedAt: timestampDate(r.routedAt),
        responseDue: timestampDate(r.responseDue),
        decisionDue: timestampDate(r.decisionDue),
        provisional: r.deadlinesProvisional,
        contact: r.contactName || r.contactPhone ? { name: r.contactName, phone: r.contactPhone } : undefined,
        court: { code: r.courtCode, level: r.courtLevel, kind: r.courtKind },
      },
    };
  };
}

const toHeader = (h: intakeV1.UploadHeader): UploadHeader => ({
  filingId: h.filingId,
  kind: h.kind.trim(),
  fileName: h.fileName,
  sizeBytes: Number(h.sizeBytes),
  sha256: h.sha256.trim().toLowerCase(),
});

/**
 * Reads an upload stream as materials: a header, then that material's bytes, then the next header
 * (UploadMaterials; `one`: a single material, UploadMaterial). Each material's bytes must be read
 * to their end before the next material is asked for.
 */
async function* splitUploads(
  reqs: AsyncIterable<intakeV1.UploadMaterialRequest | intakeV1.UploadMaterialsRequest>,
  one: boolean,
): AsyncIterable<{ header: UploadHeader; chunks: AsyncIterable<Uint8Array> }> {
  const it = reqs[Symbol.asyncIterator]();
  let next = await it.next();
  if (next.done || next.value.part.case !== "header") {
    throw invalidArgument([{ field: "header", description: "the first message must be the header" }]);
  }
  while (!next.done) {
    const h = next.value.part.value as intakeV1.UploadHeader;
    let ended = false;
    async function* chunks(): AsyncIterable<Uint8Array> {
      for (;;) {
        next = await it.next();
        if (next.done) break;
        const part = next.value.part;
        if (part.case === "header") {
          if (one) throw new ValidationError([{ field: "header", description: "only the first message may be a header" }]);
          break;
        }
        if (part.case !== "chunk") throw new ValidationError([{ field: "chunk", description: "a message is a header or a chunk" }]);
        if (part.value.length > MAX_CHUNK_BYTES) throw new ValidationError([{ field: "chunk", description: `at most ${MAX_CHUNK_BYTES} bytes per message` }]);
        yield part.value;
      }
      ended = true;
    }
    yield { header: toHeader(h), chunks: chunks() };
    if (!ended) throw new Error("an upload's bytes were not read to their end");
  }
}

/** The party's look-up (LookupFiling): the courts' names, and failed look-ups allowed per receipt number and hour (0: no limit). */
export interface PartyLookupOptions {
  courts: CourtLookup;
  failuresPerReceiptPerHour: number;
}

/**
 * Failed look-ups counted per receipt number on this replica: beyond the limit every look-up of
 * that receipt is refused for the rest of the hour, right digits or not, so guessing the four
 * digits (10,000 tries) takes months and a refusal says nothing about them.
 */
function receiptGuard(perHour: number) {
  const failures = perHour > 0 ? new RateLimiterMemory({ points: perHour, duration: 3600 }) : undefined;
  return {
    async check(receipt: string): Promise<void> {
      const r = failures && (await failures.get(receipt));
      if (r && r.consumedPoints >= perHour) {
        throw new RpcError(grpc.status.RESOURCE_EXHAUSTED, `too many failed look-ups of this receipt number; try again in ${Math.ceil(r.msBeforeNext / 60_000)} min`);
      }
    },
    async failed(receipt: string): Promise<void> {
      await failures?.penalty(receipt, 1);
    },
  };
}

/** gRPC adapter of kuayu.intake.v1.FilingIntakeService: maps protos to use cases and back. */
export function intakeService(deps: Deps, directory: Client<typeof directoryV1.DirectoryService>, hub: WatchHub<Filing>, scope: "all" | string[], party: PartyLookupOptions) {
  const guard = receiptGuard(party.failuresPerReceiptPerHour);
  return implement(
    intakeV1.FilingIntakeService,
    refuseNul({
      async createDraft(req, ctx) {
        windowCaller(ctx, scope);
        return { filing: filingToProto(await createDraft(deps, ctx.auth, detailsFromProto(req.details))) };
      },
      async updateDraft(req, ctx) {
        windowCaller(ctx, scope);
        return { filing: filingToProto(await updateDraft(deps, ctx.auth, req.filingId, detailsFromProto(req.details))) };
      },
      async uploadMaterial(reqs, ctx) {
        windowCaller(ctx, scope);
        const [material] = await uploadMaterials(deps, ctx.auth, splitUploads(reqs, true));
        return { material: materialToProto(material!) };
      },
      async uploadMaterials(reqs, ctx) {
        windowCaller(ctx, scope);
        return { materials: (await uploadMaterials(deps, ctx.auth, splitUploads(reqs, false))).map(materialToProto) };
      },
      async removeMaterial(req, ctx) {
        windowCaller(ctx, scope);
        return { filing: filingToProto(await removeMaterial(deps, ctx.auth, req.filingId, req.materialId)) };
      },
      async downloadMaterial(req, ctx, send) {
        requireRole(ctx, ...WINDOW, "filing-specialist");
        const { material, bytes } = await openMaterial(deps, ctx.auth, req.filingId, req.materialId);
        await send({ part: { case: "material", value: materialToProto(material) } });
        for await (const chunk of bytes) {
          if (ctx.cancelled) return;
          await send({ part: { case: "chunk", value: chunk } });
        }
      },
      async downloadMaterials(req, ctx, send) {
        // The jurisdiction court's copy (decision's service token for this filing), or a person.
        if (!grants(ctx.auth, "material:read", req.filingId)) requireRole(ctx, ...WINDOW, "filing-specialist");
        const { materials, bytes } = await openMaterials(deps, ctx.auth, req.filingId, req.materialIds);
        let i = 0;
        for await (const file of bytes) {
          await send({ part: { case: "material", value: materialToProto(materials[i++]!) } });
          for await (const chunk of file.bytes) {
            if (ctx.cancelled) return;
            await send({ part: { case: "chunk", value: chunk } });
          }
        }
      },
      async submitFiling(req, ctx) {
        windowCaller(ctx, scope);
        return { filing: filingToProto(await submitFiling(deps, ctx.auth, req.filingId, req.idempotencyKey, routeCheckFor(directory, ctx))) };
      },
      async submitCorrection(req, ctx) {
        windowCaller(ctx, scope);
        return { filing: filingToProto(await submitCorrection(deps, ctx.auth, req.filingId, req.idempotencyKey, req.note, routeCheckFor(directory, ctx))) };
      },
      async withdrawFiling(req, ctx) {
        windowCaller(ctx, scope);
        return { filing: filingToProto(await withdrawFiling(deps, ctx.auth, req.filingId, req.reason)) };
      },
      async getFiling(req, ctx) {
        windowCaller(ctx, scope);
        const { filing, timeline } = await getFiling(deps, ctx.auth, req.filingId);
        return { filing: filingToProto(filing, timeline) };
      },
      async listFilings(req, ctx) {
        windowCaller(ctx, scope);
        const statuses = req.statuses.map(fromProtoStatus);
        if (statuses.includes(undefined)) throw invalidArgument([{ field: "statuses", description: "unknown status" }]);
        const { filings, nextPageToken } = await listFilings(deps, ctx.auth, {
          statuses: statuses as FilingStatus[],
          caseType: fromProtoCaseType(req.caseType),
          createdFrom: dateOf(req.createdFrom),
          createdBefore: dateOf(req.createdBefore),
          pageSize: req.pageSize,
          pageToken: req.pageToken,
        }).catch((err: Error) => {
          if (err.name === "InvalidPageToken") throw invalidArgument([{ field: "page_token", description: "not a token this service issued" }]);
          throw err;
        });
        return { filings: filings.map((f) => filingToProto(f)), nextPageToken };
      },
      async watchFilings(req, ctx, send) {
        windowCaller(ctx, scope);
        const court = ctx.auth.courtId;
        const matches = (f: Filing) => f.collaboratingCourtId === court && (!req.filingId || f.id === req.filingId);
        const ended = new AbortController();
        try {
          const signal = AbortSignal.any([ctx.signal, ended.signal]);
          // One filing: first as it is now, so the watcher needs no look of its own — as this
          // process knows it when every later change is sure to reach the watcher, else read after
          // the watch starts (no change between the two is missed).
          const known = req.filingId ? watchableKnown(deps, ctx.auth, req.filingId, hub.coveredSince()) : undefined;
          const changes = hub.watch(matches, signal, known?.updatedAt);
          // The timeline, when asked for, comes from the document the change wrote (no read of its own).
          const proto = async (f: Filing) => filingToProto(f, req.withTimeline ? await deps.repo.timeline(f.id, f) : undefined);
          if (req.filingId) {
            const now = known ? await known.open() : await watchable(deps, ctx.auth, req.filingId);
            await send({ filing: await proto(now), eventType: now.lastEventType });
          }
          for await (const f of changes) await send({ filing: await proto(f), eventType: f.lastEventType });
        } finally {
          ended.abort();
        }
      },
      async lookupFiling(req, ctx) {
        // The console's public token for a party only: a court's users find their filings by id.
        if (!ctx.auth.scopes?.includes("filing:lookup")) throw permissionDenied("filings are looked up by receipt number only for parties, through the console's /party page");
        const receipt = normalizeReceiptNumber(req.receiptNumber);
        if (receipt) await guard.check(receipt);
        try {
          const { filing, parties } = await lookupFiling(deps, req.receiptNumber, req.phoneLast4);
          return { filing: partyFilingToProto(filing, parties, party.courts) };
        } catch (err) {
          if (receipt && (err as Error).name === "NotFoundError") await guard.failed(receipt);
          throw err;
        }
      },
    }),
    // decision's service token for one filing copies its materials; the console's public token for
    // a party looks a filing up. Neither reaches anything else.
    { downloadMaterials: ["material:read"], lookupFiling: ["filing:lookup"] },
  );
}
