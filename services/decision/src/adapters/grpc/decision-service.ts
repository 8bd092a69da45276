import { implement, invalidArgument, permissionDenied, requireRole, type CallContext } from "@kuayu/grpc";
import type { ContentStore, FileStore, WatchHub } from "@kuayu/mongo";
import { decisionV1 } from "@kuayu/proto";
import { NotFoundError, refuseNul } from "@kuayu/domain";
import { acceptFiling, acknowledgeFiling, getInboxFiling, listInbox, rejectFiling, requestFilingCorrections, watchStart, type Deps } from "../../domain/decision.js";
import type { InboxFiling } from "../../domain/inbox.js";
import { categoryFromProto, dateOf, inboxFilingToProto, materialToProto, viewFromProto } from "../proto.js";

const COURT = ["filing-specialist", "court-system"] as const;

/** The jurisdiction court's callers, of a court within the provinces this release serves. */
function courtCaller(ctx: CallContext, scope: "all" | string[]) {
  requireRole(ctx, ...COURT);
  if (scope !== "all" && !scope.includes(ctx.auth.province)) {
    throw permissionDenied(`this decision service serves courts of provinces ${scope.join(", ")}; the caller's court is in ${ctx.auth.province}`);
  }
}

/** Where copies were kept before the content store: one GridFS file per filing and material. */
const legacyCopyId = (filingId: string, materialId: string) => `${filingId}.${materialId}`;

/**
 * gRPC adapter of kuayu.decision.v1.JurisdictionDecisionService. `idSkewMs`: how far the clock of
 * the intake that made a filing's id may be from this one's (watchStart).
 */
export function decisionService(deps: Deps, copies: { content: ContentStore; legacy: FileStore }, hub: WatchHub<InboxFiling>, scope: "all" | string[], idSkewMs: number) {
  const out = (f: InboxFiling) => ({ filing: inboxFilingToProto(f, deps.now()) });
  return implement(
    decisionV1.JurisdictionDecisionService,
    refuseNul({
      async listInbox(req, ctx) {
        courtCaller(ctx, scope);
        const view = viewFromProto(req.view);
        if (!view) throw invalidArgument([{ field: "view", description: "unknown view" }]);
        const { filings, nextPageToken } = await listInbox(deps, ctx.auth, view, req.pageSize, req.pageToken).catch((err: Error) => {
          if (err.name === "InvalidPageToken") throw invalidArgument([{ field: "page_token", description: "not a token this service issued" }]);
          throw err;
        });
        return { filings: filings.map((f) => inboxFilingToProto(f, deps.now())), nextPageToken };
      },
      async getInboxFiling(req, ctx) {
        courtCaller(ctx, scope);
        return out(await getInboxFiling(deps, ctx.auth, req.filingId));
      },
      async downloadMaterial(req, ctx, send) {
        courtCaller(ctx, scope);
        const f = await getInboxFiling(deps, ctx.auth, req.filingId);
        const m = f.materials.find((x) => x.id === req.materialId);
        if (!m) throw new NotFoundError(`material ${req.materialId} not found in filing ${req.filingId}`);
        if (!m.copied) throw new NotFoundError(`material ${req.materialId} is still being copied from the window`);
        await send({ part: { case: "material", value: materialToProto(m) } });
        const held = await copies.content.has(m.sha256);
        for await (const chunk of held ? copies.content.read(m.sha256) : copies.legacy.read(legacyCopyId(f.id, m.id))) {
          if (ctx.cancelled) return;
          await send({ part: { case: "chunk", value: chunk } });
        }
      },
      async watchInbox(req, ctx, send) {
        courtCaller(ctx, scope);
        const court = ctx.auth.courtId;
        const ended = new AbortController();
        try {
          // One filing: first as it is now (if it has arrived), so the watcher needs no look of its
          // own — as this process knows it (or knows it has not arrived) when every later change is
          // sure to reach the watcher, else read after the watch starts (no change between the two is missed).
          const start = req.filingId ? watchStart(deps, ctx.auth, req.filingId, hub.coveredSince(), idSkewMs) : undefined;
          const changes = hub.watch((x) => x.jurisdictionCourtId === court && (!req.filingId || x.id === req.filingId), AbortSignal.any([ctx.signal, ended.signal]), start?.since);
          const now = start
            ? await start.filing?.open()
            : req.filingId
              ? await getInboxFiling(deps, ctx.auth, req.filingId).catch((err: unknown) => (err instanceof NotFoundError ? undefined : Promise.reject(err)))
              : undefined;
          if (now) await send(out(now));
          for await (const f of changes) await send(out(f));
        } finally {
          ended.abort();
        }
      },
      async acknowledge(req, ctx) {
        courtCaller(ctx, scope);
        return out(await acknowledgeFiling(deps, ctx.auth, req.filingId));
      },
      async accept(req, ctx) {
        courtCaller(ctx, scope);
        return out(await acceptFiling(deps, ctx.auth, req.filingId));
      },
      async reject(req, ctx) {
        courtCaller(ctx, scope);
        return out(await rejectFiling(deps, ctx.auth, req.filingId, { category: categoryFromProto(req.category), reason: req.reason, legalBasis: req.legalBasis }));
      },
      async requestCorrections(req, ctx) {
        courtCaller(ctx, scope);
        return out(
          await requestFilingCorrections(deps, ctx.auth, req.filingId, {
            items: req.items.map((i) => ({ materialKind: i.materialKind.trim(), description: i.description })),
            deadline: dateOf(req.deadline),
            note: req.note,
          }),
        );
      },
    }),
  );
}
