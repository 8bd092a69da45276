import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Directory } from "@kuayu/directory";
import { ForbiddenError, NotFoundError, ValidationError, isCaseType, refuseNul, type CaseType } from "@kuayu/domain";
import { grants } from "@kuayu/auth";
import { implement, requireRole, type CallContext } from "@kuayu/grpc";
import { commonV1, enumFromId, idFromEnum, supervisionV1 } from "@kuayu/proto";
import { chinaDay } from "../domain/ledger.js";
import { authorize, checkScope, type Scope, type Supervision, type Voice } from "./supervision.js";
import type { ComplaintDoc, NoticeDoc, Store } from "./store.js";
import { noticeCsv } from "./csv.js";
import type { AuditTrail } from "./audit-trail.js";
import type { ChainEntry } from "../domain/audit-chain.js";

const chainedOut = (e: ChainEntry) => ({ province: e.province, seq: BigInt(e.seq), record: e.record, prevHash: e.prevHash, hash: e.hash, algorithm: e.alg });

const ts = (d: Date | undefined) => (d ? timestampFromDate(d) : undefined);

export function scopeFromProto(s: supervisionV1.Scope | undefined): Scope {
  const level = s ? (idFromEnum(supervisionV1.ScopeLevel, s.level) as Scope["level"] | undefined) : undefined;
  return { level: level ?? "national", id: level === "national" || !level ? "" : (s?.id.trim() ?? "") };
}
const caseTypeOf = (c: commonV1.CaseType): CaseType | undefined => {
  const id = idFromEnum(commonV1.CaseType, c);
  return isCaseType(id) ? id : undefined;
};
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export const noticeOut = (n: NoticeDoc, withRows: boolean) => ({
  noticeId: n._id,
  kind: enumFromId(supervisionV1.NoticeKind, n.kind),
  scope: { level: enumFromId(supervisionV1.ScopeLevel, n.level), id: n.scopeId },
  generatedAt: ts(n.generatedAt),
  rows: withRows ? n.rows.map((r) => ({ ...r, arrivedAt: ts(r.arrivedAt) })) : [],
  csv: withRows ? noticeCsv(n) : "",
});
const complaintOut = (c: ComplaintDoc) => ({
  complaintId: c._id,
  filingId: c.filingId,
  category: c.category,
  text: c.text,
  status: c.status,
  answer: c.answer,
  filedAt: ts(c.filedAt),
  answeredAt: ts(c.answeredAt),
  jurisdictionCourtId: c.jurisdictionCourtId,
  byParty: c.byParty ?? false,
});

/** gRPC adapter of kuayu.supervision.v1.SupervisionService. */
export function supervisionService(sup: Supervision, store: Store, dir: Directory, publishNotice: (n: NoticeDoc) => Promise<void>, trail: AuditTrail) {
  const scoped = (auth: Parameters<typeof authorize>[0], s: supervisionV1.Scope | undefined) => {
    const scope = scopeFromProto(s);
    checkScope(scope, dir);
    authorize(auth, scope, dir);
    return scope;
  };
  return implement(
    supervisionV1.SupervisionService,
    refuseNul({
      async getIndicators(req, ctx) {
        const scope = scoped(ctx.auth, req.scope);
        const today = chinaDay(new Date());
        const from = req.fromDate || today;
        const to = req.toDate || from;
        const v = [];
        if (!DATE.test(from)) v.push({ field: "from_date", description: "YYYY-MM-DD" });
        if (!DATE.test(to)) v.push({ field: "to_date", description: "YYYY-MM-DD" });
        if (v.length > 0) throw new ValidationError(v);
        const i = await sup.indicatorsOf(scope, from, to, caseTypeOf(req.caseType), new Date(), req.includeDrill);
        // int64 fields as bigint, doubles as numbers.
        const out = Object.fromEntries(Object.entries(i).map(([k, v]) => [k, Number.isInteger(v) && !/Rate|Minutes(P|M)|Average/.test(k) ? BigInt(v) : v]));
        return { indicators: out };
      },
      async listOverdue(req, ctx) {
        const scope = scoped(ctx.auth, req.scope);
        return {
          filings: (await sup.overdueOf(scope, new Date(), req.includeDrill)).map((o) => ({
            filingId: o.entry.filingId,
            jurisdictionCourtId: o.entry.jurisdictionCourtId,
            collaboratingCourtId: o.entry.collaboratingCourtId,
            caseType: o.entry.caseType ? enumFromId(commonV1.CaseType, o.entry.caseType) : commonV1.CaseType.UNSPECIFIED,
            overdueFor: o.for,
            due: ts(o.due),
            lateBy: Math.round(o.lateBy * 10) / 10,
            lateUnit: o.lateUnit,
          })),
        };
      },
      async generateNotice(req, ctx) {
        const scope = scoped(ctx.auth, req.scope);
        const kind = idFromEnum(supervisionV1.NoticeKind, req.kind) as "daily" | "weekly" | undefined;
        if (!kind) throw new ValidationError([{ field: "kind", description: "DAILY or WEEKLY" }]);
        const n = (await sup.generateNotice(kind, scope, new Date()))!; // without an id: always stored
        await publishNotice(n);
        return { notice: noticeOut(n, true) };
      },
      async listNotices(req, ctx) {
        const scope = scoped(ctx.auth, req.scope);
        const size = req.pageSize > 0 && req.pageSize <= 200 ? req.pageSize : 50;
        const docs = await store.notices.find({ level: scope.level, scopeId: scope.id }).sort({ generatedAt: -1 }).limit(size).toArray();
        return { notices: docs.map((n) => noticeOut(n, false)) };
      },
      async getNotice(req, ctx) {
        const n = await store.notices.findOne({ _id: req.noticeId });
        if (!n) throw new NotFoundError(`notice ${req.noticeId} not found`);
        authorize(ctx.auth, { level: n.level, id: n.scopeId }, dir);
        return { notice: noticeOut(n, true) };
      },
      async rateFiling(req, ctx) {
        await sup.rate(voiceOf(ctx, req.filingId), req.filingId, req.score, req.comment, req.byParty);
        return {};
      },
      async fileComplaint(req, ctx) {
        return { complaint: complaintOut(await sup.complain(voiceOf(ctx, req.filingId), req.filingId, req.category.trim(), req.text)) };
      },
      async answerComplaint(req, ctx) {
        const c = await store.complaints.findOne({ _id: req.complaintId });
        if (!c) throw new NotFoundError(`complaint ${req.complaintId} not found`);
        authorize(ctx.auth, { level: "province", id: c.province }, dir);
        if (!req.answer.trim() || [...req.answer].length > 2000) throw new ValidationError([{ field: "answer", description: "1–2000 characters" }]);
        if (c.status === "answered") throw new ForbiddenError(`complaint ${c._id} was answered already`);
        await store.writes.write([{ collection: "complaints", updateOne: { filter: { _id: c._id }, set: { status: "answered", answer: req.answer.trim(), answeredAt: new Date() } } }]);
        return { complaint: complaintOut((await store.complaints.findOne({ _id: c._id }))!) };
      },
      async listComplaints(req, ctx) {
        // The party on /party: the complaints about their one filing, with the answers.
        if (ctx.auth.filing && ctx.auth.scopes?.includes("filing:party")) {
          return { complaints: (await store.complaints.find({ filingId: ctx.auth.filing }).sort({ filedAt: -1 }).limit(100).toArray()).map(complaintOut) };
        }
        const scope = scoped(ctx.auth, req.scope);
        const filter: Record<string, unknown> = {};
        if (scope.level === "province") filter.province = scope.id;
        if (scope.level === "court") filter.jurisdictionCourtId = scope.id;
        if (req.openOnly) filter.status = "open";
        return { complaints: (await store.complaints.find(filter).sort({ filedAt: -1 }).limit(500).toArray()).map(complaintOut) };
      },
      async createDrill(req, ctx) {
        authorize(ctx.auth, { level: "national", id: "" }, dir);
        const d = req.drill;
        const drill = await sup.createDrill({
          name: d?.name ?? "",
          rounds: d?.rounds || 1,
          courtIds: d?.courtIds ?? [],
          caseTypes: (d?.caseTypes ?? []).map(caseTypeOf).filter((x): x is CaseType => !!x),
          startsAt: d?.startsAt ? timestampDate(d.startsAt) : new Date(NaN),
          endsAt: d?.endsAt ? timestampDate(d.endsAt) : new Date(NaN),
        });
        return { drill: drillOut(drill) };
      },
      async getDrillReport(req, ctx) {
        authorize(ctx.auth, { level: "national", id: "" }, dir);
        const r = await sup.drillReport(req.drillId, req.round);
        return {
          drill: drillOut(r.drill),
          filings: BigInt(r.filings),
          responseRate30Minutes: r.rate30,
          participation: r.participation.map((p) => ({ ...p, expected: BigInt(p.expected), participated: BigInt(p.participated), rate: p.expected ? p.participated / p.expected : 0 })),
          missingCourtIds: r.missing,
        };
      },
      async showAudit(req, ctx) {
        return { records: (await trail.show(ctx.auth, req.filingId.trim())).map(chainedOut) };
      },
      async verifyAudit(req, ctx) {
        const r = await trail.verify(ctx.auth, req.province.trim(), Number(req.fromSeq), Number(req.toSeq));
        return { checked: BigInt(r.checked), provinces: r.provinces, problems: r.problems.map((p) => ({ ...p, seq: BigInt(p.seq) })) };
      },
    }),
    // The party's page (a public token bound to one filing): rate it, complain about it, read the answers.
    { rateFiling: ["filing:party"], fileComplaint: ["filing:party"], listComplaints: ["filing:party"] },
  );
}

/** The window of the filing's court (its clerks and systems), or the party the console bound to this filing. */
function voiceOf(ctx: CallContext, filingId: string): Voice {
  if (grants(ctx.auth, "filing:party", filingId)) return { party: true };
  requireRole(ctx, "window-clerk", "court-system");
  return { window: ctx.auth };
}

const drillOut = (d: { _id: string; name: string; rounds: number; courtIds: string[]; caseTypes: CaseType[]; startsAt: Date; endsAt: Date }) => ({
  drillId: d._id,
  name: d.name,
  rounds: d.rounds,
  courtIds: d.courtIds,
  caseTypes: d.caseTypes.map((t) => enumFromId(commonV1.CaseType, t)),
  startsAt: ts(d.startsAt),
  endsAt: ts(d.endsAt),
});
