// Intake end to end in one process, on the real broker and store: drafts, materials, submission,
// the events it emits, the lifecycle events it consumes, corrections, withdrawal, reads and watch.
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { fieldViolations } from "@kuayu/grpc";
import { createKafka, createProducer, decodeEvent, headerMap, type EventProducer } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { connectMongo } from "@kuayu/mongo";
import { fromBinary } from "@bufbuild/protobuf";
import { auditV1, commonV1, intakeV1, type intakeEventsV1, type routingEventsV1 } from "@kuayu/proto";
import { ALL_LIFECYCLE_TOPICS, FILING_EVENTS, auditTopicName, lifecycleTopic, provinceOfTopic, topicsOfFiling, type FilingEventInit } from "@kuayu/topics";
import { assertInfraUp, eventually, infra, uniqueName } from "@kuayu/testkit";
import type { Consumer } from "kafkajs";
import type { Connection } from "mongoose";
import { BEIJING_CHAOYANG, CIVIL_REQUIRED, CREDIT_CODE, RESIDENT_ID, TRIBUNAL, civilDetails, pdf, readyDraft, startHarness, uploadParts, type Harness, type IntakeClient } from "./support";

let h: Harness;
let clerk: IntakeClient; // window clerk of a tribunal in Guangdong
let otherClerk: IntakeClient; // window clerk of another court
let specialist: IntakeClient; // filing specialist of the jurisdiction court in Beijing
let store: Connection;
let decisions: EventProducer;
let collector: Consumer;
const INTAKE_EVENTS: string[] = [FILING_EVENTS.submitted, FILING_EVENTS.correctionSubmitted, FILING_EVENTS.routed, FILING_EVENTS.routingFailed, FILING_EVENTS.withdrawn];
const seen: { type: string; province: string; key: string; id: string; value: Buffer; headers: Record<string, string> }[] = [];
/** The audit records of Guangdong's and Beijing's courts' calls (docs/security.md "Audit trail"). */
const audits: auditV1.AuditRecord[] = [];
const AUDIT_TOPICS = [auditTopicName("44"), auditTopicName("11")];

beforeAll(async () => {
  await assertInfraUp();
  h = await startHarness();
  clerk = await h.client(TRIBUNAL.id, TRIBUNAL.province);
  otherClerk = await h.client("c-440104", "44");
  specialist = await h.client(BEIJING_CHAOYANG.id, BEIJING_CHAOYANG.province, ["filing-specialist"]);
  store = await connectMongo({ uri: infra.mongoUri, dbName: h.db });
  const kafka = createKafka({ ...infra.kafka, clientId: "intake-test", log: createLogger({ service: "test", level: "silent" }) });
  decisions = await createProducer(kafka, "kuayu.decision");
  collector = kafka.consumer({ groupId: uniqueName("collector") });
  await collector.connect();
  await collector.subscribe({ topics: [...ALL_LIFECYCLE_TOPICS.map((t) => t.name), ...AUDIT_TOPICS], fromBeginning: true });
  await collector.run({
    eachMessage: async ({ topic, message }) => {
      if (AUDIT_TOPICS.includes(topic)) return void audits.push(fromBinary(auditV1.AuditRecordSchema, message.value!));
      const headers = headerMap(message.headers);
      // Intake's events only: the lifecycle topic carries the other services' (and this test's) too.
      const type = headers["kuayu-event-type"]!;
      if (!INTAKE_EVENTS.includes(type)) return;
      seen.push({ type, province: provinceOfTopic(topic)!, key: message.key!.toString(), id: headers["kuayu-event-id"]!, value: message.value!, headers });
    },
  });
});
afterAll(async () => {
  await collector?.disconnect();
  await decisions?.disconnect();
  await store?.dropDatabase();
  await store?.close();
  await h?.close();
});

/** Intake's events of a filing, as published to the window's (Guangdong's) topic. */
const eventsOf = (type: string, key: string) => seen.filter((e) => e.type === type && e.key === key && e.province === TRIBUNAL.province);
/** Every copy of an event: one on each of the filing's two provinces' topics, with one event id. */
const copiesOf = (id: string) =>
  seen
    .filter((e) => e.id === id)
    .map((e) => e.province)
    .sort();
const BOTH = [BEIJING_CHAOYANG.province, TRIBUNAL.province].sort();
/** Publishes another service's event as it would: on the topics of the filing's two provinces (Guangdong's window, the Beijing court). */
const publishAs = (filingId: string, event: FilingEventInit["event"], actor?: FilingEventInit["actor"]) =>
  decisions.publish(topicsOfFiling(TRIBUNAL.province, BEIJING_CHAOYANG.province), filingId, {
    event: { ...event, value: { collaboratingCourtId: TRIBUNAL.id, jurisdictionCourtId: BEIJING_CHAOYANG.id, ...(event?.value ?? {}) } } as FilingEventInit["event"],
    ...(actor ? { actor } : {}),
  });
const rpcError = async (p: Promise<unknown>) => {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as grpc.ServiceError | undefined;
  if (!err) throw new Error("expected the call to fail");
  return err;
};
const statusOf = async (id: string) => (await clerk.getFiling({ filingId: id })).filing!;

describe("a tribunal in Guangdong files a civil case with a basic court in Beijing", () => {
  let filingId: string;
  let receipt: string;

  it("drafts, uploads the materials, submits, and emits `filing submitted` and its route with the filing's data", async () => {
    const { filing: draft } = await clerk.createDraft({ details: civilDetails() });
    expect(draft!.status).toBe(intakeV1.FilingStatus.DRAFT);
    expect(draft!.collaboratingCourtId).toBe(TRIBUNAL.id);
    filingId = draft!.filingId;
    const uploaded = [];
    for (const [i, kind] of CIVIL_REQUIRED.entries()) {
      const bytes = pdf(4096 + i, i);
      const { material } = await clerk.uploadMaterial(uploadParts(filingId, kind, bytes));
      expect(material!.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
      expect(material!.mediaType).toBe("application/pdf");
      uploaded.push(material!);
    }

    const { filing } = await clerk.submitFiling({ filingId, idempotencyKey: `submit-${filingId}` });
    // Routed in the same change: at the Beijing court's desk, with its deadlines.
    expect(filing!.status).toBe(intakeV1.FilingStatus.ROUTED);
    expect(filing!.round).toBe(1);
    expect(filing!.receiptNumber).toMatch(new RegExp(`^KY-${TRIBUNAL.id}-\\d{8}-\\d{6}$`));
    receipt = filing!.receiptNumber;

    const [event] = await eventually(
      async () => {
        const e = eventsOf(FILING_EVENTS.submitted, filingId);
        return e.length > 0 ? e : undefined;
      },
      30_000,
      "the filing submitted event",
    );
    // On the topics of the window's province (Guangdong) and the jurisdiction court's (Beijing), where routing and decision put the filing's events too.
    await eventually(async () => copiesOf(event!.id).length === 2, 10_000, "both copies");
    expect(copiesOf(event!.id)).toEqual(BOTH);
    const decoded = decodeEvent(lifecycleTopic(event!.province), event!.value, event!.headers);
    const m = decoded.message as unknown as intakeEventsV1.FilingSubmitted;
    expect(decoded.meta.type).toBe(FILING_EVENTS.submitted);
    expect(decoded.meta.source).toBe("kuayu.intake");
    // The submission wrote its own timeline entries, under the events' ids (the consumer passes over intake's events).
    const [routedEvent] = await eventually(
      async () => {
        const e = eventsOf(FILING_EVENTS.routed, filingId);
        return e.length > 0 ? e : undefined;
      },
      30_000,
      "the filing routed event",
    );
    expect((await statusOf(filingId)).timeline).toEqual([
      expect.objectContaining({ eventId: decoded.meta.id, eventType: FILING_EVENTS.submitted, source: "kuayu.intake" }),
      expect.objectContaining({
        eventId: routedEvent!.id,
        eventType: FILING_EVENTS.routed,
        source: "kuayu.intake",
        detail: expect.stringMatching(/^routed to province 11; respond by \d{4}-\d\d-\d\d \d\d:\d\d, decide by \d{4}-\d\d-\d\d/),
      }),
    ]);
    // Who submitted travels on the event and stands in the timeline (the audit trail's actor).
    expect(decoded.meta.actor).toEqual({ user: `user-${TRIBUNAL.id}`, name: `Clerk of ${TRIBUNAL.id}`, courtId: TRIBUNAL.id, province: TRIBUNAL.province, roles: ["window-clerk"] });
    expect((await statusOf(filingId)).timeline[0]!.actor).toMatchObject({ user: `user-${TRIBUNAL.id}`, name: `Clerk of ${TRIBUNAL.id}`, courtId: TRIBUNAL.id });
    expect(m).toMatchObject({
      filingId,
      collaboratingCourtId: TRIBUNAL.id,
      jurisdictionCourtId: BEIJING_CHAOYANG.id,
      caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE,
      receiptNumber: receipt,
      round: 1,
      drill: false,
    });
    expect(m.details!.parties.map((p) => p.role)).toEqual([intakeV1.PartyRole.PLAINTIFF, intakeV1.PartyRole.DEFENDANT]);
    expect(m.details!.claims).toBe(civilDetails().claims);
    expect(m.materials.map((x) => [x.kind, x.sha256, Number(x.sizeBytes)])).toEqual(uploaded.map((x) => [x.kind, x.sha256, Number(x.sizeBytes)]));

    // Beijing's copy carries what the jurisdiction side uses of it: the parties' roles and names,
    // no identity numbers, credit codes, representatives, addresses, phones, claims, facts or materials.
    const theirs = seen.find((e) => e.id === event!.id && e.province === BEIJING_CHAOYANG.province)!;
    const j = decodeEvent(lifecycleTopic(theirs.province), theirs.value, theirs.headers).message as unknown as intakeEventsV1.FilingSubmitted;
    expect(j).toMatchObject({ filingId, receiptNumber: receipt, caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE, round: 1, materials: [] });
    expect(j.details!.parties.map((p) => [p.role, p.identity.value?.name, p.address, p.phone, p.agents.length])).toEqual([
      [intakeV1.PartyRole.PLAINTIFF, "张三", "", "", 0],
      [intakeV1.PartyRole.DEFENDANT, "北京某贸易有限公司", "", "", 0],
    ]);
    expect(j.details!.jurisdictionCourtId).toBe(BEIJING_CHAOYANG.id);
    const raw = Buffer.from(theirs.value).toString("utf8");
    for (const s of [RESIDENT_ID, CREDIT_CODE, "13800138000", "沙面大街", "李四", civilDetails().claims!, civilDetails().facts!]) expect([s, raw.includes(s)]).toEqual([s, false]);

    // The route, in the same change: on both topics; the jurisdiction court's inbox is built from
    // Beijing's copy (the whole filing), the duty contact is for the window only.
    await eventually(async () => copiesOf(routedEvent!.id).length === 2, 10_000, "both copies of the route");
    const route = (province: string) => {
      const e = seen.find((x) => x.id === routedEvent!.id && x.province === province)!;
      return decodeEvent(lifecycleTopic(province), e.value, e.headers);
    };
    const ours = route(TRIBUNAL.province);
    expect(ours.meta.actor).toMatchObject({ user: `user-${TRIBUNAL.id}`, courtId: TRIBUNAL.id });
    const r = ours.message as unknown as routingEventsV1.FilingRouted;
    expect(r).toMatchObject({ filingId, round: 1, province: "11", originProvince: "44", receiptNumber: receipt, jurisdictionCourtCode: "京0105", jurisdictionCourtLevel: "basic" });
    expect(r.contact?.phone).toBeTruthy();
    expect(timestampDate(r.responseDue!).getTime()).toBeGreaterThan(timestampDate(r.routedAt!).getTime());
    expect(r.materials.map((x) => x.sha256)).toEqual(uploaded.map((x) => x.sha256));
    const jr = route(BEIJING_CHAOYANG.province).message as unknown as routingEventsV1.FilingRouted;
    expect(jr.contact).toBeUndefined();
    expect(jr.details!.claims).toBe(civilDetails().claims);
    expect(jr.materials).toHaveLength(uploaded.length);
  });

  it("returns the same filing for a retried submit with the same key, and emits nothing more", async () => {
    const again = await clerk.submitFiling({ filingId, idempotencyKey: `submit-${filingId}` });
    expect(again.filing!.receiptNumber).toBe(receipt);
    expect(again.filing!.round).toBe(1);
    const other = await rpcError(clerk.submitFiling({ filingId, idempotencyKey: "another-key-123" }));
    expect(other.code).toBe(grpc.status.FAILED_PRECONDITION);
    await new Promise((r) => setTimeout(r, 1000));
    expect(eventsOf(FILING_EVENTS.submitted, filingId)).toHaveLength(1);
  });

  it("lets the jurisdiction court download what was submitted to it, and nobody else", async () => {
    const { filing } = await clerk.getFiling({ filingId });
    const material = filing!.materials[0]!;
    const parts = [];
    for await (const res of specialist.downloadMaterial({ filingId, materialId: material.materialId })) parts.push(res.part);
    expect(parts[0]!.case).toBe("material");
    const bytes = Buffer.concat(parts.slice(1).map((p) => p.value as Uint8Array));
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(material.sha256);

    const stranger = await rpcError(
      (async () => {
        for await (const _ of otherClerk.downloadMaterial({ filingId, materialId: material.materialId })) void _;
      })(),
    );
    expect(stranger.code).toBe(grpc.status.PERMISSION_DENIED);

    // Both downloads are recorded: the specialist's (before the bytes went out) and the refused one.
    const method = "/kuayu.intake.v1.FilingIntakeService/DownloadMaterial";
    const recorded = await eventually(
      async () => {
        const r = audits.filter((a) => a.method === method && a.filingId === filingId);
        return r.length >= 2 && r;
      },
      30_000,
      "the downloads' audit records",
    );
    expect(recorded.map((r) => [r.actor?.courtId, r.target, r.result, r.service])).toEqual([
      [BEIJING_CHAOYANG.id, material.materialId, "ok", "intake"],
      ["c-440104", material.materialId, "denied", "intake"],
    ]);
    // The submission (a change) was recorded with it, by the clerk who made it.
    expect(audits.find((a) => a.method === "/kuayu.intake.v1.FilingIntakeService/SubmitFiling" && a.filingId === filingId)).toMatchObject({
      result: "ok",
      target: filingId,
      actor: { user: `user-${TRIBUNAL.id}`, name: `Clerk of ${TRIBUNAL.id}`, courtId: TRIBUNAL.id },
    });
  });

  it("streams several materials in one call, each description followed by its bytes, in the order asked", async () => {
    const { filing } = await clerk.getFiling({ filingId });
    const asked = [...filing!.materials].reverse();
    const got: { id: string; sha256: string; bytes: Buffer[] }[] = [];
    for await (const res of specialist.downloadMaterials({ filingId, materialIds: asked.map((m) => m.materialId) })) {
      if (res.part.case === "material") got.push({ id: res.part.value.materialId, sha256: res.part.value.sha256, bytes: [] });
      else if (res.part.case === "chunk") got[got.length - 1]!.bytes.push(Buffer.from(res.part.value));
    }
    expect(got.map((g) => g.id)).toEqual(asked.map((m) => m.materialId));
    for (const g of got) expect(createHash("sha256").update(Buffer.concat(g.bytes)).digest("hex")).toBe(g.sha256);
    expect(got.map((g) => g.sha256)).toEqual(asked.map((m) => m.sha256));

    const drain = (p: AsyncIterable<unknown>) =>
      rpcError(
        (async () => {
          for await (const _ of p) void _;
        })(),
      );
    expect((await drain(otherClerk.downloadMaterials({ filingId, materialIds: [asked[0]!.materialId] }))).code).toBe(grpc.status.PERMISSION_DENIED);
    expect((await drain(specialist.downloadMaterials({ filingId, materialIds: [asked[0]!.materialId, "no-such-material"] }))).code).toBe(grpc.status.NOT_FOUND);
    expect((await drain(specialist.downloadMaterials({ filingId, materialIds: [asked[0]!.materialId, asked[0]!.materialId] }))).code).toBe(grpc.status.INVALID_ARGUMENT);
    expect((await drain(specialist.downloadMaterials({ filingId, materialIds: [] }))).code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it("takes jurisdiction-decision's service token for that one filing's materials, and for nothing else", async () => {
    const { filing } = await clerk.getFiling({ filingId });
    const ids = filing!.materials.map((m) => m.materialId);
    const drain = async (p: AsyncIterable<{ part: { case: string | undefined } }>) => {
      let n = 0;
      for await (const res of p) if (res.part.case === "material") n++;
      return n;
    };
    const copier = await h.serviceClient(filingId, BEIJING_CHAOYANG.id, BEIJING_CHAOYANG.province);
    expect(await drain(copier.downloadMaterials({ filingId, materialIds: ids }))).toBe(ids.length);
    // Another filing, any other call, or the token of a court the filing was not sent to: refused.
    const other = await readyDraft(clerk);
    expect((await rpcError(drain(copier.downloadMaterials({ filingId: other, materialIds: ids })))).code).toBe(grpc.status.PERMISSION_DENIED);
    expect((await rpcError(copier.getFiling({ filingId }))).code).toBe(grpc.status.PERMISSION_DENIED);
    expect((await rpcError(drain(copier.downloadMaterial({ filingId, materialId: ids[0]! })))).code).toBe(grpc.status.PERMISSION_DENIED);
    const stranger = await h.serviceClient(filingId, "c-440104", "44");
    expect((await rpcError(drain(stranger.downloadMaterials({ filingId, materialIds: ids })))).code).toBe(grpc.status.PERMISSION_DENIED);
  });

  it("trusts another release's key for its own provinces' tokens only, and a token's court must be in the directory, in its province", async () => {
    const { filing } = await clerk.getFiling({ filingId });
    const materialId = filing!.materials[0]!.materialId;
    const download = async (c: IntakeClient) => {
      for await (const _ of c.downloadMaterial({ filingId, materialId })) void _;
    };
    // Beijing's release signs for its own specialist: accepted.
    await download(await h.beijingReleaseClient(BEIJING_CHAOYANG.id, BEIJING_CHAOYANG.province));
    // The same key signing for a court of Guangdong: refused, whatever the roles.
    expect((await rpcError(download(await h.beijingReleaseClient(TRIBUNAL.id, TRIBUNAL.province, ["window-clerk"])))).code).toBe(grpc.status.UNAUTHENTICATED);
    // A court claimed in the wrong province, or one the directory does not know: refused.
    expect((await rpcError(download(await h.client(BEIJING_CHAOYANG.id, "44", ["filing-specialist"])))).code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await rpcError(download(await h.client("c-999999", "11", ["filing-specialist"])))).code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it("refuses every call of another court on the filing with PERMISSION_DENIED", async () => {
    const calls: [string, () => Promise<unknown>][] = [
      ["get", () => otherClerk.getFiling({ filingId })],
      ["update", () => otherClerk.updateDraft({ filingId, details: civilDetails() })],
      ["upload", () => otherClerk.uploadMaterial(uploadParts(filingId, "evidence", pdf()))],
      ["remove", () => otherClerk.removeMaterial({ filingId, materialId: "x" })],
      ["submit", () => otherClerk.submitFiling({ filingId, idempotencyKey: "steal-it-1234" })],
      ["correct", () => otherClerk.submitCorrection({ filingId, idempotencyKey: "steal-it-1234" })],
      ["withdraw", () => otherClerk.withdrawFiling({ filingId })],
      // The jurisdiction court reads through its own inbox, not the window.
      ["get by the jurisdiction court", () => specialist.getFiling({ filingId })],
    ];
    for (const [name, call] of calls) expect([name, (await rpcError(call())).code]).toEqual([name, grpc.status.PERMISSION_DENIED]);
  });

  it("follows decision events to ACCEPTED through a correction round trip, with every hop in the timeline", async () => {
    const base = { filingId, collaboratingCourtId: TRIBUNAL.id, jurisdictionCourtId: BEIJING_CHAOYANG.id, drill: false };
    await publishAs(filingId, { case: "acknowledged", value: { ...base, round: 1 } });
    await eventually(async () => (await statusOf(filingId)).status === intakeV1.FilingStatus.ACKNOWLEDGED, 30_000, "ACKNOWLEDGED");

    const deadline = new Date(Date.now() + 7 * 86400_000);
    await publishAs(filingId, {
      case: "correctionRequested",
      value: { ...base, round: 1, items: [{ materialKind: "evidence", description: "补充付款凭证" }], deadline: timestampFromDate(deadline), note: "请补正" },
    });
    const requested = await eventually(
      async () => {
        const f = await statusOf(filingId);
        return f.status === intakeV1.FilingStatus.CORRECTION_REQUESTED ? f : undefined;
      },
      30_000,
      "CORRECTION_REQUESTED",
    );
    expect(requested.correctionRequest!.items).toEqual([expect.objectContaining({ materialKind: "evidence" })]);

    // Resubmitting without the requested material is refused, with the reason.
    const early = await rpcError(clerk.submitCorrection({ filingId, idempotencyKey: `correct-${filingId}` }));
    expect(early.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(
      fieldViolations(early)
        .map((v) => v.description)
        .join(),
    ).toMatch(/evidence/);
    // Materials of the first round can no longer be removed.
    const old = requested.materials[0]!;
    expect((await rpcError(clerk.removeMaterial({ filingId, materialId: old.materialId }))).code).toBe(grpc.status.FAILED_PRECONDITION);
    // Where the filing goes and what it is stay as submitted while it is corrected.
    const asSubmitted = requested.details!;
    const moved = await rpcError(clerk.updateDraft({ filingId, details: { ...asSubmitted, jurisdictionCourtId: "c-110108" } }));
    expect(moved.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(fieldViolations(moved)).toEqual([{ field: "details.jurisdiction_court_id", description: "cannot change once submitted" }]);
    const leftDrill = await rpcError(clerk.updateDraft({ filingId, details: { ...asSubmitted, drill: !asSubmitted.drill } }));
    expect(fieldViolations(leftDrill).map((v) => v.field)).toEqual(["details.drill"]);
    expect((await clerk.updateDraft({ filingId, details: { ...asSubmitted, facts: `${asSubmitted.facts} 补充事实。` } })).filing!.details!.facts).toMatch(/补充事实/);

    const { material } = await clerk.uploadMaterial(uploadParts(filingId, "evidence", pdf(3000, 9), "付款凭证.pdf"));
    expect(material!.round).toBe(2);
    const corrected = await clerk.submitCorrection({ filingId, idempotencyKey: `correct-${filingId}`, note: "已补充付款凭证" });
    // The new round is routed again with it.
    expect(corrected.filing!.status).toBe(intakeV1.FilingStatus.ROUTED);
    expect(corrected.filing!.round).toBe(2);
    const [correction] = await eventually(
      async () => {
        const e = eventsOf(FILING_EVENTS.correctionSubmitted, filingId);
        return e.length > 0 ? e : undefined;
      },
      30_000,
      "the correction submitted event",
    );
    await eventually(async () => copiesOf(correction!.id).length === 2, 10_000, "both copies");
    expect(copiesOf(correction!.id)).toEqual(BOTH);
    const decodedCorrection = decodeEvent(lifecycleTopic(correction!.province), correction!.value, correction!.headers);
    expect(decodedCorrection.meta.type).toBe(FILING_EVENTS.correctionSubmitted);
    const c = decodedCorrection.message as unknown as intakeEventsV1.CorrectionSubmitted;
    expect(c.round).toBe(2);
    expect(c.note).toBe("已补充付款凭证");
    expect(c.materials.map((x) => x.materialId)).toContain(material!.materialId);

    // A late event of round 1 changes nothing; the acceptance of round 2 does.
    await publishAs(filingId, { case: "rejected", value: { ...base, round: 1, reason: "stale" } });
    const specialistActor = { user: "u-spec", name: "王专员", courtId: BEIJING_CHAOYANG.id, province: BEIJING_CHAOYANG.province, roles: ["filing-specialist"] };
    await publishAs(filingId, { case: "accepted", value: { ...base, round: 2, caseNumber: "（2026）京0105民初123号" } }, specialistActor);
    const accepted = await eventually(
      async () => {
        const f = await statusOf(filingId);
        return f.status === intakeV1.FilingStatus.ACCEPTED ? f : undefined;
      },
      30_000,
      "ACCEPTED",
    );
    expect(accepted.decision!.caseNumber).toBe("（2026）京0105民初123号");

    const hops = await eventually(
      async () => {
        const t = (await statusOf(filingId)).timeline.map((e) => e.eventType);
        return t.length >= 8 ? t : undefined;
      },
      30_000,
      "all eight timeline entries",
    );
    expect(hops).toEqual(
      expect.arrayContaining([
        "kuayu.intake.v1.FilingSubmitted",
        "kuayu.routing.v1.FilingRouted",
        "kuayu.decision.v1.Acknowledged",
        "kuayu.decision.v1.CorrectionRequested",
        "kuayu.intake.v1.CorrectionSubmitted",
        "kuayu.routing.v1.FilingRouted",
        "kuayu.decision.v1.Rejected",
        "kuayu.decision.v1.Accepted",
      ]),
    );
    // "accepted by 王专员, <court>": the actor the decision event carried; a route, the clerk whose call routed it.
    const timeline = (await statusOf(filingId)).timeline;
    expect(timeline.find((e) => e.eventType === "kuayu.decision.v1.Accepted")!.actor).toMatchObject({ user: "u-spec", name: "王专员", courtId: BEIJING_CHAOYANG.id });
    expect(timeline.filter((e) => e.eventType === "kuayu.routing.v1.FilingRouted").map((e) => e.actor?.courtId)).toEqual([TRIBUNAL.id, TRIBUNAL.id]);
    const times = timeline.map((e) => e.at!.seconds);
    expect([...times].sort()).toEqual(times);

    // Decided: no more withdrawal.
    expect((await rpcError(clerk.withdrawFiling({ filingId, reason: "改变主意" }))).code).toBe(grpc.status.FAILED_PRECONDITION);
  });
});

describe("a correction whose route no longer holds", () => {
  it("goes back to the window as ROUTING_FAILED with the reasons, and goes to another court when submitted again", async () => {
    const filingId = await readyDraft(clerk);
    await clerk.submitFiling({ filingId, idempotencyKey: `submit-${filingId}` });
    const base = { filingId, collaboratingCourtId: TRIBUNAL.id, jurisdictionCourtId: BEIJING_CHAOYANG.id, drill: false };
    const items = [{ materialKind: "evidence", description: "补充付款凭证" }];
    await publishAs(filingId, { case: "correctionRequested", value: { ...base, round: 1, items, deadline: timestampFromDate(new Date(Date.now() + 7 * 86400_000)) } });
    await eventually(async () => (await statusOf(filingId)).status === intakeV1.FilingStatus.CORRECTION_REQUESTED, 30_000, "CORRECTION_REQUESTED");
    await clerk.uploadMaterial(uploadParts(filingId, "evidence", pdf(3000, 5), "付款凭证.pdf"));

    // The directory changes meanwhile: Beijing's Chaoyang court no longer takes first-instance civil cases.
    const shipped = JSON.parse(readFileSync(path.resolve(__dirname, "../../../libs/directory/data/courts.v1.json"), "utf8")) as { courts: { id: string; caseTypes: string[] }[] };
    const chaoyang = shipped.courts.find((c) => c.id === BEIJING_CHAOYANG.id)!;
    chaoyang.caseTypes = chaoyang.caseTypes.filter((t) => t !== "civil-first-instance");
    const changed = path.join(mkdtempSync(path.join(tmpdir(), "intake-directory-")), "courts.json");
    writeFileSync(changed, JSON.stringify(shipped));
    await h.restartRouting({ DIRECTORY_FILE: changed });
    try {
      const { filing } = await clerk.submitCorrection({ filingId, idempotencyKey: `correct-${filingId}`, note: "已补充付款凭证" });
      expect([filing!.status, filing!.round]).toEqual([intakeV1.FilingStatus.ROUTING_FAILED, 2]);
      const [failed] = await eventually(
        async () => {
          const e = eventsOf(FILING_EVENTS.routingFailed, filingId);
          return e.length > 0 ? e : undefined;
        },
        30_000,
        "the routing failed event",
      );
      await eventually(async () => copiesOf(failed!.id).length === 2, 10_000, "both copies");
      const m = decodeEvent(lifecycleTopic(failed!.province), failed!.value, failed!.headers).message as unknown as routingEventsV1.RoutingFailed;
      expect([m.round, m.jurisdictionCourtId]).toEqual([2, BEIJING_CHAOYANG.id]);
      expect(m.reasons.length).toBeGreaterThan(0);
      const timeline = (await statusOf(filingId)).timeline;
      expect(timeline.slice(-2).map((t) => [t.eventType, t.detail])).toEqual([
        [FILING_EVENTS.correctionSubmitted, ""],
        [FILING_EVENTS.routingFailed, m.reasons.join("; ")],
      ]);
      expect(eventsOf(FILING_EVENTS.routed, filingId)).toHaveLength(1); // round 1's only

      // The clerk chooses another court (allowed after a failed route) and submits again: round 3, routed there.
      const details = (await statusOf(filingId)).details!;
      await clerk.updateDraft({ filingId, details: { ...details, jurisdictionCourtId: "c-110108" } });
      const again = await clerk.submitFiling({ filingId, idempotencyKey: `again-${filingId}` });
      expect([again.filing!.status, again.filing!.round, again.filing!.details!.jurisdictionCourtId]).toEqual([intakeV1.FilingStatus.ROUTED, 3, "c-110108"]);
    } finally {
      await h.restartRouting({});
    }
  });
});

describe("bad input", () => {
  it("round-trips a 50 MB material byte for byte with the same SHA-256", async () => {
    const { filing } = await clerk.createDraft({ details: civilDetails() });
    const big = Buffer.concat([pdf(1024), randomBytes(50 * 1024 * 1024 - 1024)]);
    const sha = createHash("sha256").update(big).digest("hex");
    const { material } = await clerk.uploadMaterial(uploadParts(filing!.filingId, "evidence", big, "big.pdf", 1024 * 1024));
    expect(material!.sha256).toBe(sha);
    expect(Number(material!.sizeBytes)).toBe(big.length);
    const hash = createHash("sha256");
    let size = 0;
    for await (const res of clerk.downloadMaterial({ filingId: filing!.filingId, materialId: material!.materialId })) {
      if (res.part.case === "chunk") {
        hash.update(res.part.value);
        size += res.part.value.length;
      }
    }
    expect(size).toBe(big.length);
    expect(hash.digest("hex")).toBe(sha);
  });

  it("refuses a file that is not PDF, JPEG, PNG or OFD whatever its name, and keeps nothing of it", async () => {
    const { filing } = await clerk.createDraft({ details: civilDetails() });
    const files = () => store.collection("material_files.files").countDocuments({});
    const chunks = () => store.collection("material_files.chunks").countDocuments({});
    const before = [await files(), await chunks()];
    const gif = Buffer.concat([Buffer.from("GIF89a"), randomBytes(600 * 1024)]);
    const err = await rpcError(clerk.uploadMaterial(uploadParts(filing!.filingId, "evidence", gif, "照片.pdf")));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(fieldViolations(err)[0]!.description).toMatch(/file type not accepted/);
    expect([await files(), await chunks()]).toEqual(before);
    expect((await statusOf(filing!.filingId)).materials).toHaveLength(0);
  });

  it("adds several materials sent in one call as one change of the filing, or none of them", async () => {
    const { filing } = await clerk.createDraft({ details: civilDetails() });
    const id = filing!.filingId;
    const versions = () => store.collection("filings_versions").countDocuments({ doc: id });
    const files = () => store.collection("material_files.files").countDocuments({});
    const before = await versions();
    const bytes = CIVIL_REQUIRED.map((_, i) => pdf(3000 + i, 20 + i));
    const { materials } = await clerk.uploadMaterials(
      (function* () {
        for (const [i, kind] of CIVIL_REQUIRED.entries()) yield* uploadParts(id, kind, bytes[i]!, `${kind}.pdf`, 1024);
      })(),
    );
    expect(materials.map((m) => m.kind)).toEqual(CIVIL_REQUIRED);
    expect(materials.map((m) => m.sha256)).toEqual(bytes.map((b) => createHash("sha256").update(b).digest("hex")));
    expect((await statusOf(id)).materials.map((m) => m.materialId)).toEqual(materials.map((m) => m.materialId));
    expect(await versions()).toBe(before + 1);
    let got = Buffer.alloc(0);
    for await (const res of clerk.downloadMaterial({ filingId: id, materialId: materials[2]!.materialId })) if (res.part.case === "chunk") got = Buffer.concat([got, res.part.value]);
    expect(got.equals(bytes[2]!)).toBe(true);

    // The second of two is not a PDF: neither is kept, the filing does not change.
    const filesBefore = await files();
    const chunksBefore = await store.collection("material_files.chunks").countDocuments({});
    const gif = Buffer.concat([Buffer.from("GIF89a"), randomBytes(4000)]);
    const bad = await rpcError(
      clerk.uploadMaterials(
        (function* () {
          yield* uploadParts(id, "evidence", pdf(2000, 40));
          yield* uploadParts(id, "evidence", gif, "照片.pdf");
        })(),
      ),
    );
    expect(bad.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(fieldViolations(bad)[0]!.description).toMatch(/file type not accepted/);
    expect(await files()).toBe(filesBefore);
    expect((await statusOf(id)).materials).toHaveLength(CIVIL_REQUIRED.length);
    expect(await versions()).toBe(before + 1);

    // The third declares a SHA-256 its bytes do not have: none of the three is kept.
    const lying = (function* () {
      yield* uploadParts(id, "evidence", pdf(2000, 43));
      yield* uploadParts(id, "evidence", pdf(300 * 1024, 44));
      const [header, ...chunks] = [...uploadParts(id, "evidence", pdf(2000, 45))];
      yield { part: { case: "header" as const, value: { ...header!.part.value, sha256: "0".repeat(64) } } };
      yield* chunks;
    })();
    const lied = await rpcError(clerk.uploadMaterials(lying));
    expect(lied.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(fieldViolations(lied)[0]!.field).toBe("header.sha256");
    expect(await files()).toBe(filesBefore);
    expect(await store.collection("material_files.chunks").countDocuments({})).toBe(chunksBefore);
    expect(await versions()).toBe(before + 1);

    // Materials of two filings in one call: refused.
    const { filing: other } = await clerk.createDraft({ details: civilDetails() });
    const mixed = await rpcError(
      clerk.uploadMaterials(
        (function* () {
          yield* uploadParts(id, "evidence", pdf(2000, 41));
          yield* uploadParts(other!.filingId, "evidence", pdf(2000, 42));
        })(),
      ),
    );
    expect(mixed.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(fieldViolations(mixed)[0]!.description).toMatch(/same filing/);
    expect(await files()).toBe(filesBefore);
    expect((await statusOf(other!.filingId)).materials).toHaveLength(0);
  });

  it("keeps nothing of an upload the client abandons half way", async () => {
    const { filing } = await clerk.createDraft({ details: civilDetails() });
    const chunks = () => store.collection("material_files.chunks").countDocuments({});
    const before = await chunks();
    async function* halfThenFail() {
      let n = 0;
      for (const part of uploadParts(filing!.filingId, "evidence", pdf(2 * 1024 * 1024))) {
        if (n++ === 5) break;
        yield part;
      }
      await new Promise((r) => setTimeout(r, 300));
      throw new Error("client gave up");
    }
    await rpcError(clerk.uploadMaterial(halfThenFail()));
    await eventually(async () => (await chunks()) === before, 10_000, "the partial upload to be removed");
    expect((await statusOf(filing!.filingId)).materials).toHaveLength(0);
  });

  it("reports every problem of a submission at once: missing materials, invalid numbers, a bad route", async () => {
    const details = civilDetails({ jurisdictionCourtId: "t-110101001" }); // a tribunal never decides
    const { filing } = await clerk.createDraft({ details });
    await clerk.uploadMaterial(uploadParts(filing!.filingId, "complaint", pdf()));
    const err = await rpcError(clerk.submitFiling({ filingId: filing!.filingId, idempotencyKey: "bad-route-1234" }));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    const v = fieldViolations(err);
    const missing = v
      .filter((x) => x.field === "materials")
      .map((x) => x.description)
      .join("\n");
    for (const kind of ["filer-identity", "evidence", "address-for-service-confirmation"]) expect(missing).toContain(kind);
    expect(v.some((x) => x.field === "details.jurisdiction_court_id")).toBe(true);
    expect((await statusOf(filing!.filingId)).status).toBe(intakeV1.FilingStatus.DRAFT);

    const unknown = await clerk.createDraft({ details: civilDetails({ jurisdictionCourtId: "c-999999" }) });
    const unknownErr = await rpcError(clerk.submitFiling({ filingId: unknown.filing!.filingId, idempotencyKey: "unknown-court-1" }));
    expect(
      fieldViolations(unknownErr)
        .filter((x) => x.field === "details.jurisdiction_court_id")
        .map((x) => x.description),
    ).toEqual([expect.stringContaining("c-999999")]);

    const badId = civilDetails();
    (badId.parties![0]!.identity as { value: { residentId: string } }).value.residentId = "110105194912310021";
    const idErr = await rpcError(clerk.createDraft({ details: badId }));
    expect(fieldViolations(idErr)).toEqual([{ field: "details.parties[0].person.resident_id", description: expect.stringMatching(/check/) }]);
  });

  it("refuses material kinds outside the case type's checklist", async () => {
    const { filing } = await clerk.createDraft({ details: civilDetails() });
    const err = await rpcError(clerk.uploadMaterial(uploadParts(filing!.filingId, "original-judgment", pdf())));
    expect(fieldViolations(err)).toEqual([{ field: "header.kind", description: expect.stringMatching(/not on the civil-first-instance checklist/) }]);
  });
});

describe("withdrawal, listing and watching", () => {
  it("withdraws a submitted filing before a decision and emits `filing withdrawn`", async () => {
    const id = await readyDraft(clerk);
    await clerk.submitFiling({ filingId: id, idempotencyKey: `submit-${id}` });
    const { filing } = await clerk.withdrawFiling({ filingId: id, reason: "当事人撤回" });
    expect(filing!.status).toBe(intakeV1.FilingStatus.WITHDRAWN);
    await eventually(async () => eventsOf(FILING_EVENTS.withdrawn, id).length === 1, 30_000, "the withdrawn event");
    await eventually(async () => copiesOf(eventsOf(FILING_EVENTS.withdrawn, id)[0]!.id).length === 2, 10_000, "both copies");
    // A decision arriving afterwards does not revive it.
    await publishAs(id, { case: "accepted", value: { filingId: id, round: 1, caseNumber: "（2026）京0105民初9号" } });
    await eventually(async () => (await statusOf(id)).timeline.some((t) => t.eventType === "kuayu.decision.v1.Accepted"), 30_000, "the late event in the timeline");
    expect((await statusOf(id)).status).toBe(intakeV1.FilingStatus.WITHDRAWN);
  });

  it("lists the court's filings newest first, filtered and paged", async () => {
    const lister = await h.client("c-440105", "44");
    const ids = [];
    for (let i = 0; i < 5; i++)
      ids.push((await lister.createDraft({ details: civilDetails({ caseType: i % 2 ? commonV1.CaseType.ENFORCEMENT : commonV1.CaseType.CIVIL_FIRST_INSTANCE }) })).filing!.filingId);
    const page1 = await lister.listFilings({ pageSize: 2 });
    const page2 = await lister.listFilings({ pageSize: 2, pageToken: page1.nextPageToken });
    const page3 = await lister.listFilings({ pageSize: 2, pageToken: page2.nextPageToken });
    expect([...page1.filings, ...page2.filings, ...page3.filings].map((f) => f.filingId)).toEqual([...ids].reverse());
    expect(page3.nextPageToken).toBe("");
    const enforcement = await lister.listFilings({ caseType: commonV1.CaseType.ENFORCEMENT, statuses: [intakeV1.FilingStatus.DRAFT] });
    expect(enforcement.filings.map((f) => f.filingId).sort()).toEqual([ids[1], ids[3]].sort());
    const future = await lister.listFilings({ createdFrom: timestampFromDate(new Date(Date.now() + 60_000)) });
    expect(future.filings).toHaveLength(0);
    expect((await rpcError(lister.listFilings({ pageToken: "garbage" }))).code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it("streams status changes of the court's filings to a watcher", async () => {
    const watcher = await h.client(TRIBUNAL.id, TRIBUNAL.province);
    const id = await readyDraft(clerk);
    const got: { status: intakeV1.FilingStatus; event: string }[] = [];
    const stream = watcher.watchFilings({ filingId: id }, { timeoutMs: 60_000 });
    const reading = (async () => {
      for await (const res of stream) {
        got.push({ status: res.filing!.status, event: res.eventType });
        expect(res.filing!.timeline).toEqual([]);
        if (res.filing!.status === intakeV1.FilingStatus.ACKNOWLEDGED) return;
      }
    })();
    // A watcher asking for the timeline gets each filing with it, as GetFiling has it then.
    const timelines: string[][] = [];
    const withTimeline = (async () => {
      for await (const res of watcher.watchFilings({ filingId: id, withTimeline: true }, { timeoutMs: 60_000 })) {
        timelines.push(res.filing!.timeline.map((t) => t.eventType));
        if (res.filing!.status === intakeV1.FilingStatus.ACKNOWLEDGED) return;
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    await clerk.submitFiling({ filingId: id, idempotencyKey: `submit-${id}` });
    await eventually(async () => got.length > 1, 10_000, "the ROUTED change");
    // A watcher that comes now, while the others keep the polls going, gets the filing as this
    // intake committed it (no look-up: WatchHub.coveredSince), timeline included, then what follows.
    const late: string[][] = [];
    const lateWatcher = (async () => {
      for await (const res of watcher.watchFilings({ filingId: id, withTimeline: true }, { timeoutMs: 60_000 })) {
        late.push([intakeV1.FilingStatus[res.filing!.status], ...res.filing!.timeline.map((t) => t.eventType)]);
        if (res.filing!.status === intakeV1.FilingStatus.ACKNOWLEDGED) return;
      }
    })();
    await eventually(async () => late.length > 0, 10_000, "the late watcher's first state");
    await publishAs(id, { case: "acknowledged", value: { filingId: id, round: 1 } });
    await reading;
    await withTimeline;
    await lateWatcher;
    expect(late).toEqual([
      ["ROUTED", "kuayu.intake.v1.FilingSubmitted", "kuayu.routing.v1.FilingRouted"],
      ["ACKNOWLEDGED", "kuayu.intake.v1.FilingSubmitted", "kuayu.routing.v1.FilingRouted", "kuayu.decision.v1.Acknowledged"],
    ]);
    expect(timelines).toEqual([
      [],
      ["kuayu.intake.v1.FilingSubmitted", "kuayu.routing.v1.FilingRouted"],
      ["kuayu.intake.v1.FilingSubmitted", "kuayu.routing.v1.FilingRouted", "kuayu.decision.v1.Acknowledged"],
    ]);
    expect((await watcher.getFiling({ filingId: id })).filing!.timeline.map((t) => t.eventType)).toEqual(timelines[2]);
    // The filing as it was when the watch began, then each change.
    expect(got.map((g) => g.status)).toEqual([intakeV1.FilingStatus.DRAFT, intakeV1.FilingStatus.ROUTED, intakeV1.FilingStatus.ACKNOWLEDGED]);
    expect(got[2]!.event).toBe("kuayu.decision.v1.Acknowledged");
    // Another court cannot watch it.
    const err = await rpcError(
      (async () => {
        for await (const _ of otherClerk.watchFilings({ filingId: id })) void _;
      })(),
    );
    expect(err.code).toBe(grpc.status.PERMISSION_DENIED);
  });
});
