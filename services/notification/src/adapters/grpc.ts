import { randomBytes, randomUUID } from "node:crypto";
import { isEmailAddress } from "../channels/email.js";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { grants, type AuthContext } from "@kuayu/auth";
import { ForbiddenError, NotFoundError, refuseNul, StateError, ValidationError } from "@kuayu/domain";
import { callerAddress, implement, invalidArgument, permissionDenied, requireRole, RpcError, status } from "@kuayu/grpc";
import { createLogger, type Logger } from "@kuayu/logger";
import type { FileStore, WatchHub } from "@kuayu/mongo";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { enumFromId, idFromEnum, notificationV1 } from "@kuayu/proto";
import { webhookUrlProblem } from "../domain/notify.js";
import { maskPhone } from "../channels/sms.js";
import type { DocumentInput } from "../documents/types.js";
import { maskFacts } from "../documents/mask.js";
import { documentHash, documentPdfs, issuingCourt, type SealDocument } from "./documents.js";
import type { DeliveryDoc, DocumentDoc, NotificationDoc, Store } from "./store.js";

const ts = (d: Date | undefined) => (d ? timestampFromDate(d) : undefined);
const MANAGE = ["court-system", "operator"] as const;

const notificationOut = (n: NotificationDoc) => ({
  notificationId: n._id,
  courtId: n.courtId,
  role: n.role,
  filingId: n.filingId,
  kind: n.kind,
  title: n.title,
  body: n.body,
  createdAt: ts(n.createdAt),
  read: n.read,
});
const deliveryOut = (d: DeliveryDoc) => ({
  deliveryId: d._id,
  webhookId: d.targetId,
  filingId: d.filingId,
  eventId: d.eventId,
  eventType: d.eventType,
  status: enumFromId(notificationV1.DeliveryStatus, d.status),
  attempts: d.attempts,
  lastError: d.lastError,
  createdAt: ts(d.createdAt),
  deliveredAt: ts(d.deliveredAt),
  nextAttemptAt: d.status === "pending" ? ts(d.nextAttemptAt) : undefined,
});
/** DocumentInfo of a record; `sha256` "" when the document has never been rendered. */
export const documentInfoOut = (d: DocumentDoc, sha256 = d.sha256 ?? "", facts = d.facts) => {
  const issuer = issuingCourt(d, d.input);
  return {
    verificationCode: d._id,
    kind: enumFromId(notificationV1.DocumentKind, d.kind),
    filingId: d.filingId,
    sha256,
    issuedAt: ts(d.issuedAt),
    facts,
    issuingCourtId: issuer.id,
    issuingCourtName: issuer.name,
  };
};
const maskAddress = (channel: string, a: string) => (channel === "sms" ? maskPhone(a) : a.replace(/^(.).*(@.*)$/, "$1***$2"));

/** Pages over a newest-first list by an opaque offset token. */
function page(token: string, size: number) {
  const offset = token ? Number(Buffer.from(token, "base64url").toString()) : 0;
  if (!Number.isInteger(offset) || offset < 0) throw invalidArgument([{ field: "page_token", description: "not a token this service issued" }]);
  if (size < 0 || size > 200) throw invalidArgument([{ field: "page_size", description: "between 1 and 200 (0: default 50)" }]);
  const limit = size || 50;
  return { offset, limit, next: (got: number) => (got > limit ? Buffer.from(String(offset + limit)).toString("base64url") : "") };
}

export interface GrpcDeps {
  store: Store;
  /** Told after a webhook or subscription was added or removed here. */
  targetsChanged: () => Promise<void>;
  files: FileStore;
  hub: WatchHub<NotificationDoc & { id: string; updatedAt: Date }>;
  allowLoopbackHttp: boolean;
  channels: { email: boolean; sms: boolean };
  nudgeDeliveries: () => void;
  /** The province of a court (the directory's), for operators: they act for their own province's courts. */
  provinceOf: (courtId: string) => string | undefined;
  /** Default: a logger of its own (service notification). */
  log?: Logger;
  /** Renders a document's PDF (default renderDocument); tests pass their own. */
  render?: (input: DocumentInput) => Promise<Buffer>;
  /** Seals each rendered PDF with its issuing court's key (courtSealer). */
  seal: SealDocument;
  /** VerifyDocument calls one caller address may make per minute on this replica (0: no limit). */
  verifyPerMinute: number;
}

/** GetDocument sends the PDF in parts of this size (a document is ≤ 40 KB: usually one). */
const DOCUMENT_CHUNK = 64 * 1024;

/** gRPC adapter of kuayu.notification.v1.NotificationService. */
/** Per court: one dead or slow receiver must not be multiplied, nor a court's targets fill the store. */
export const MAX_WEBHOOKS_PER_COURT = 10;
export const MAX_SUBSCRIPTIONS_PER_COURT = 50;
const MAX_EVENT_TYPES = 30;

/** Refuses a new target once the court has `max` (a count by court: an indexed equality). */
async function withinCap(col: { countDocuments(filter: { courtId: string }): Promise<number> }, courtId: string, max: number, what: string) {
  if ((await col.countDocuments({ courtId })) >= max) throw new StateError(`a court holds at most ${max} ${what}; remove one first`);
}

export function notificationService(deps: GrpcDeps) {
  const { store } = deps;
  const pdfOf = documentPdfs(store, deps.files, deps.log ?? createLogger({ service: "notification" }), deps.render, deps.seal);
  // VerifyDocument is open to any token and to public ones: per caller, so that codes cannot be tried in bulk.
  const verifyLimiter = deps.verifyPerMinute > 0 ? new RateLimiterMemory({ points: deps.verifyPerMinute, duration: 60 }) : undefined;
  const mine = (auth: AuthContext) => ({ courtId: auth.courtId, role: { $in: auth.roles as string[] } });
  /** A court's own targets, and for an operator those of its province's courts. */
  const mayManage = (auth: AuthContext, courtId: string) => courtId === auth.courtId || (auth.roles.includes("operator") && deps.provinceOf(courtId) === auth.province);
  const ownWebhook = async (auth: AuthContext, id: string) => {
    const w = await store.webhooks.findOne({ _id: id });
    if (!w) throw new NotFoundError(`webhook ${id} not found`);
    if (!mayManage(auth, w.courtId)) throw new ForbiddenError(`webhook ${id} belongs to another court`);
    return w;
  };
  /** The party's SMS of their filing (a filing:party token for it only): the numbers, masked, and the opt-out. */
  async function partySms(auth: AuthContext, filingId: string) {
    if (!grants(auth, "filing:party", filingId)) throw new ForbiddenError("only the filing's party (the console's /party page) sets its SMS");
    const doc = await store.partyPhones.findOne({ _id: filingId });
    const phones = await Promise.all((doc?.phones ?? []).map(async (p) => maskPhone(await store.crypt.decrypt(p))));
    return { filingId, phones, optOut: !!(await store.smsOptOuts.findOne({ _id: filingId })) };
  }
  return implement(
    notificationV1.NotificationService,
    refuseNul({
      async listNotifications(req, ctx) {
        const p = page(req.pageToken, req.pageSize);
        const filter = { ...mine(ctx.auth), ...(req.unreadOnly ? { read: false } : {}) };
        const docs = await store.notifications
          .find(filter)
          .sort({ createdAt: -1, _id: -1 })
          .skip(p.offset)
          .limit(p.limit + 1)
          .toArray();
        return { notifications: docs.slice(0, p.limit).map(notificationOut), nextPageToken: p.next(docs.length) };
      },
      async markRead(req, ctx) {
        if (req.notificationIds.length === 0 || req.notificationIds.length > 500) throw invalidArgument([{ field: "notification_ids", description: "1–500 ids" }]);
        const [marked] = await store.writes.write([
          { collection: "notifications", updateMany: { filter: { _id: { $in: req.notificationIds }, ...mine(ctx.auth), read: false }, set: { read: true } } },
        ]);
        return { marked };
      },
      async watchNotifications(_req, ctx, send) {
        const { courtId, roles } = ctx.auth;
        for await (const n of deps.hub.watch((x) => x.courtId === courtId && (roles as string[]).includes(x.role), ctx.signal)) await send({ notification: notificationOut(n) });
      },

      async addWebhook(req, ctx) {
        requireRole(ctx, ...MANAGE);
        const v = [];
        const urlProblem = webhookUrlProblem(req.url, deps.allowLoopbackHttp);
        if (urlProblem) v.push({ field: "url", description: urlProblem });
        if (req.secret.length < 32 || req.secret.length > 128) v.push({ field: "secret", description: "32–128 characters" });
        if (req.eventTypes.some((t) => !/^kuayu\.[a-z]+\.v\d+\.[A-Za-z]+$|^(reminder|escalation|next-opening)$/.test(t)))
          v.push({ field: "event_types", description: "event types like kuayu.decision.v1.Accepted" });
        if (req.eventTypes.length > MAX_EVENT_TYPES) v.push({ field: "event_types", description: `at most ${MAX_EVENT_TYPES}` });
        if (v.length > 0) throw new ValidationError(v);
        await withinCap(store.webhooks, ctx.auth.courtId, MAX_WEBHOOKS_PER_COURT, "webhooks");
        const doc = { _id: randomUUID(), courtId: ctx.auth.courtId, url: req.url, secret: req.secret, eventTypes: req.eventTypes, createdAt: new Date() };
        await store.writes.write([{ collection: "webhooks", insertOne: doc }]);
        await deps.targetsChanged();
        return { webhook: { webhookId: doc._id, courtId: doc.courtId, url: doc.url, eventTypes: doc.eventTypes, createdAt: ts(doc.createdAt) } };
      },
      async listWebhooks(_req, ctx) {
        requireRole(ctx, ...MANAGE);
        const docs = await store.webhooks.find({ courtId: ctx.auth.courtId }).toArray();
        return { webhooks: docs.map((w) => ({ webhookId: w._id, courtId: w.courtId, url: w.url, eventTypes: w.eventTypes, createdAt: ts(w.createdAt) })) };
      },
      async removeWebhook(req, ctx) {
        requireRole(ctx, ...MANAGE);
        await ownWebhook(ctx.auth, req.webhookId);
        await store.writes.write([{ collection: "webhooks", deleteOne: { filter: { _id: req.webhookId } } }]);
        await deps.targetsChanged();
        return {};
      },
      async listDeliveries(req, ctx) {
        requireRole(ctx, ...MANAGE);
        await ownWebhook(ctx.auth, req.webhookId);
        const p = page(req.pageToken, req.pageSize);
        const docs = await store.deliveries
          .find({ targetId: req.webhookId, ...(req.deadOnly ? { status: "dead" as const } : {}) })
          .sort({ createdAt: -1, _id: -1 })
          .skip(p.offset)
          .limit(p.limit + 1)
          .toArray();
        return { deliveries: docs.slice(0, p.limit).map(deliveryOut), nextPageToken: p.next(docs.length) };
      },
      async replayDelivery(req, ctx) {
        requireRole(ctx, ...MANAGE);
        const d = await store.deliveries.findOne({ _id: req.deliveryId });
        if (!d) throw new NotFoundError(`delivery ${req.deliveryId} not found`);
        if (!mayManage(ctx.auth, d.courtId)) throw permissionDenied(`delivery ${req.deliveryId} belongs to another court`);
        if (d.status !== "dead") throw invalidArgument([{ field: "delivery_id", description: `only dead deliveries can be replayed (this one is ${d.status})` }]);
        // No other writer touches a dead delivery (the worker writes pending ones only): one update.
        await store.writes.write([{ collection: "deliveries", updateOne: { filter: { _id: d._id }, set: { status: "pending", attempts: 0, lastError: "", nextAttemptAt: new Date() } } }]);
        const replayed = (await store.deliveries.findOne({ _id: d._id }))!;
        deps.nudgeDeliveries();
        return { delivery: deliveryOut(replayed) };
      },

      async addSubscription(req, ctx) {
        requireRole(ctx, ...MANAGE);
        const channel = idFromEnum(notificationV1.Channel, req.channel) as "email" | "sms" | undefined;
        const v = [];
        if (!channel) v.push({ field: "channel", description: "EMAIL or SMS" });
        if (channel === "email" && !isEmailAddress(req.address)) v.push({ field: "address", description: "an e-mail address (at most 254 characters)" });
        if (channel === "sms" && !/^1[3-9]\d{9}$/.test(req.address)) v.push({ field: "address", description: "a mainland mobile number (11 digits)" });
        if (channel && !deps.channels[channel]) v.push({ field: "channel", description: `this deployment has no ${channel === "email" ? "SMTP server" : "SMS gateway"} configured` });
        if (req.eventTypes.length > MAX_EVENT_TYPES) v.push({ field: "event_types", description: `at most ${MAX_EVENT_TYPES}` });
        if (v.length > 0) throw new ValidationError(v);
        await withinCap(store.subscriptions, ctx.auth.courtId, MAX_SUBSCRIPTIONS_PER_COURT, "e-mail and SMS subscriptions");
        const doc = { _id: randomBytes(8).toString("hex"), courtId: ctx.auth.courtId, channel: channel!, address: req.address, eventTypes: req.eventTypes, createdAt: new Date() };
        await store.writes.write([{ collection: "subscriptions", insertOne: doc }]);
        await deps.targetsChanged();
        return { subscription: { subscriptionId: doc._id, courtId: doc.courtId, channel: req.channel, address: maskAddress(doc.channel, doc.address), eventTypes: doc.eventTypes } };
      },
      async listSubscriptions(_req, ctx) {
        requireRole(ctx, ...MANAGE);
        const docs = await store.subscriptions.find({ courtId: ctx.auth.courtId }).toArray();
        return {
          subscriptions: docs.map((s) => ({
            subscriptionId: s._id,
            courtId: s.courtId,
            channel: enumFromId(notificationV1.Channel, s.channel),
            address: maskAddress(s.channel, s.address),
            eventTypes: s.eventTypes,
          })),
        };
      },
      async removeSubscription(req, ctx) {
        requireRole(ctx, ...MANAGE);
        const s = await store.subscriptions.findOne({ _id: req.subscriptionId });
        if (!s) throw new NotFoundError(`subscription ${req.subscriptionId} not found`);
        if (s.courtId !== ctx.auth.courtId) throw new ForbiddenError(`subscription ${req.subscriptionId} belongs to another court`);
        const [removed] = await store.writes.write([{ collection: "subscriptions", deleteOne: { filter: { _id: req.subscriptionId, courtId: ctx.auth.courtId } } }]);
        if (removed !== 1) throw new NotFoundError(`subscription ${req.subscriptionId} not found`);
        await deps.targetsChanged();
        return {};
      },

      async getDocument(req, ctx, send) {
        const kind = idFromEnum(notificationV1.DocumentKind, req.kind);
        if (!kind) throw invalidArgument([{ field: "kind", description: "a document kind is required" }]);
        const docs = await store.documents.find({ filingId: req.filingId, kind }).sort({ issuedAt: -1 }).limit(1).toArray();
        const d = docs[0];
        if (!d) throw new NotFoundError(`no ${kind} has been issued for filing ${req.filingId}`);
        // The courts of the filing; or its party, whom the console's /party page bound to it (filing:party).
        const party = grants(ctx.auth, "filing:party", req.filingId);
        if (!party && d.collaboratingCourtId !== ctx.auth.courtId && d.jurisdictionCourtId !== ctx.auth.courtId) throw new ForbiddenError(`filing ${req.filingId} belongs to other courts`);
        // Rendered on the first request (and stored), served from the store after that; the info
        // carries the hash of exactly these bytes.
        const { pdf, sha256 } = await pdfOf(d);
        await send({ part: { case: "info", value: documentInfoOut(d, sha256) } });
        for (let at = 0; at < pdf.length; at += DOCUMENT_CHUNK) await send({ part: { case: "chunk", value: pdf.subarray(at, at + DOCUMENT_CHUNK) } });
      },
      async getPartySms(req, ctx) {
        return { sms: await partySms(ctx.auth, req.filingId) };
      },
      async setPartySms(req, ctx) {
        await partySms(ctx.auth, req.filingId); // the party's own filing
        const optedOut = !!(await store.smsOptOuts.findOne({ _id: req.filingId }));
        if (req.optOut && !optedOut) await store.writes.write([{ collection: "sms_opt_outs", insertOne: { _id: req.filingId, at: new Date() } }]);
        if (!req.optOut && optedOut) await store.writes.write([{ collection: "sms_opt_outs", deleteOne: { filter: { _id: req.filingId } } }]);
        return { sms: await partySms(ctx.auth, req.filingId) };
      },
      async verifyDocument(req, ctx) {
        if (verifyLimiter) {
          // A public token (the console's verification page) counts per visitor; a user's per address.
          const caller = ctx.auth.courtId === "" ? ctx.auth.user : callerAddress(ctx.peer);
          await verifyLimiter.consume(caller).catch((res: unknown) => {
            if (res instanceof Error) throw res;
            const waitS = Math.ceil(((res as { msBeforeNext?: number }).msBeforeNext ?? 1000) / 1000);
            throw new RpcError(
              status.RESOURCE_EXHAUSTED,
              `too many document checks from ${ctx.auth.courtId === "" ? "this visitor" : caller}: at most ${deps.verifyPerMinute} a minute; try again in ${waitS} s`,
            );
          });
        }
        const code = req.verificationCode.trim().toUpperCase();
        const d = await store.documents.findOne({ _id: code });
        if (!d) throw new NotFoundError(`no document has the verification code ${code}`);
        // sha256 "": issued but never downloaded (printed) yet, so there is no PDF to hash; the
        // code and the facts still verify.
        // Names masked (张*三): whoever holds the paper can recognise it, nobody learns who is in court.
        return { document: documentInfoOut(d, await documentHash(store, d), maskFacts(d.facts, d.input)) };
      },
    }),
    // The console's public pages: verification (a public token per visitor) checks codes; a party
    // bound to their filing (/party) downloads its notices and sets their SMS. Nothing else.
    { verifyDocument: ["document:verify"], getDocument: ["filing:party"], getPartySms: ["filing:party"], setPartySms: ["filing:party"] },
  );
}
