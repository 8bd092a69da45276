import { create, toBinary } from "@bufbuild/protobuf";
import { buildRecord, decodeEvent, defineTopic, dlqErrorText, EventDecodeError, HEADERS } from "@kuayu/kafka";
import { commonV1, decisionEventsV1, filingEventsV1, intakeEventsV1, routingEventsV1 } from "@kuayu/proto";

const topic = defineTopic("kuayu.intake.filing-submitted.v1", intakeEventsV1.FilingSubmittedSchema, 3);

describe("event records", () => {
  it("carry metadata in headers and the protobuf value", () => {
    const r = buildRecord(topic, "f-1", { filingId: "f-1", caseType: commonV1.CaseType.ENFORCEMENT }, { source: "kuayu.test", time: new Date("2026-01-02T03:04:05Z") });
    expect(r.topic).toBe(topic.name);
    expect(r.key).toBe("f-1");
    expect(r.headers[HEADERS.type]).toBe("kuayu.intake.v1.FilingSubmitted");
    expect(r.headers[HEADERS.source]).toBe("kuayu.test");
    expect(r.headers[HEADERS.time]).toBe("2026-01-02T03:04:05.000Z");
    const { meta, message } = decodeEvent(topic, r.value, r.headers);
    expect(meta.id).toBe(r.headers[HEADERS.id]);
    expect(message).toEqual(create(intakeEventsV1.FilingSubmittedSchema, { filingId: "f-1", caseType: commonV1.CaseType.ENFORCEMENT }));
  });

  it("rejects records of another type, without an id, or with a corrupt value", () => {
    const r = buildRecord(topic, "k", { filingId: "x" }, { source: "s" });
    expect(() => decodeEvent(topic, r.value, { ...r.headers, [HEADERS.type]: "kuayu.other.v1.Thing" })).toThrow(EventDecodeError);
    const { [HEADERS.id]: _id, ...noId } = r.headers;
    expect(() => decodeEvent(topic, r.value, noId)).toThrow(/kuayu-event-id/);
    expect(() => decodeEvent(topic, Buffer.from([0xff, 0xff, 0xff]), r.headers)).toThrow(/not a valid/);
  });

  it("enforces the topic naming rule", () => {
    expect(() => defineTopic("filings", intakeEventsV1.FilingSubmittedSchema)).toThrow(/kuayu\.<domain>/);
  });
});

describe("envelope topics (one oneof `event` of the event kinds)", () => {
  const lifecycle = defineTopic("kuayu.filing.lifecycle-11.v1", filingEventsV1.FilingEventSchema, 1);
  const routed = { filingId: "f-1", collaboratingCourtId: "t-440103001", jurisdictionCourtId: "c-110105", round: 2, province: "11", caseType: commonV1.CaseType.ENFORCEMENT };

  it("are detected from the schema", () => {
    expect(lifecycle.envelope).toBe(true);
    expect(topic.envelope).toBe(false);
  });

  it("name the event inside in the type header, keep key and partition, and decode to the inner message", () => {
    const r = buildRecord(lifecycle, "f-1", { event: { case: "filingRouted", value: routed } }, { source: "kuayu.routing", partition: 1, time: new Date("2026-01-02T03:04:05Z") });
    expect(r.topic).toBe("kuayu.filing.lifecycle-11.v1");
    expect(r.key).toBe("f-1");
    expect(r.partition).toBe(1);
    expect(r.headers[HEADERS.type]).toBe("kuayu.routing.v1.FilingRouted");
    expect(r.headers[HEADERS.type]).toBe(routingEventsV1.FilingRoutedSchema.typeName);
    const { meta, message, schema } = decodeEvent(lifecycle, r.value, r.headers);
    expect(schema).toBe(routingEventsV1.FilingRoutedSchema); // what toJson of the event needs
    expect(meta).toEqual({ id: r.headers[HEADERS.id], type: "kuayu.routing.v1.FilingRouted", source: "kuayu.routing", time: new Date("2026-01-02T03:04:05Z") });
    // The inner event, not the envelope.
    expect(message).toEqual(create(routingEventsV1.FilingRoutedSchema, routed));
    expect((message as { $typeName: string }).$typeName).toBe("kuayu.routing.v1.FilingRouted");

    const accepted = buildRecord(lifecycle, "f-1", { event: { case: "accepted", value: { filingId: "f-1", caseNumber: "（2026）京0105执1号" } } }, { source: "kuayu.decision" });
    expect(accepted.headers[HEADERS.type]).toBe("kuayu.decision.v1.Accepted");
    expect(accepted).not.toHaveProperty("partition"); // none given: the producer hashes the key
    expect(decodeEvent(lifecycle, accepted.value, accepted.headers).message).toEqual(create(decisionEventsV1.AcceptedSchema, { filingId: "f-1", caseNumber: "（2026）京0105执1号" }));
  });

  it("reject a record whose type header does not name the event inside", () => {
    const r = buildRecord(lifecycle, "f-1", { event: { case: "filingRouted", value: routed } }, { source: "s" });
    for (const type of ["kuayu.decision.v1.Accepted", "kuayu.filing.v1.FilingEvent", ""]) {
      expect(() => decodeEvent(lifecycle, r.value, { ...r.headers, [HEADERS.type]: type })).toThrow(EventDecodeError);
    }
    expect(() => decodeEvent(lifecycle, r.value, { ...r.headers, [HEADERS.type]: "kuayu.decision.v1.Accepted" })).toThrow(/holds a kuayu\.routing\.v1\.FilingRouted/);
    const { [HEADERS.type]: _type, ...noType } = r.headers;
    expect(() => decodeEvent(lifecycle, r.value, noType)).toThrow(EventDecodeError);
  });

  it("reject an envelope with no event set, on both sides", () => {
    const r = buildRecord(lifecycle, "f-1", { event: { case: "filingRouted", value: routed } }, { source: "s" });
    const empty = Buffer.from(toBinary(filingEventsV1.FilingEventSchema, create(filingEventsV1.FilingEventSchema, {})));
    expect(() => decodeEvent(lifecycle, empty, r.headers)).toThrow(EventDecodeError);
    expect(() => decodeEvent(lifecycle, empty, r.headers)).toThrow(/holds no event/);
    expect(() => buildRecord(lifecycle, "f-1", {}, { source: "s" })).toThrow(/must set one case/);
  });

  it("keep the bounds their protos declare: a producer cannot build an event over them, a consumer refuses one (for the dead-letter topic)", () => {
    const tooLong = { ...routed, filingId: "f".repeat(129) };
    expect(() => buildRecord(lifecycle, "f-1", { event: { case: "filingRouted", value: tooLong } }, { source: "s" })).toThrow(
      /kuayu\.routing\.v1\.FilingRouted would break its bounds: filing_routed\.filing_id: must be at most 128 characters/,
    );
    // What another producer might still write: the same bytes without the producer's check.
    const ok = buildRecord(lifecycle, "f-1", { event: { case: "filingRouted", value: routed } }, { source: "s" });
    const forged = Buffer.from(toBinary(filingEventsV1.FilingEventSchema, create(filingEventsV1.FilingEventSchema, { event: { case: "filingRouted", value: tooLong } })));
    expect(() => decodeEvent(lifecycle, forged, ok.headers)).toThrow(EventDecodeError);
    expect(() => decodeEvent(lifecycle, forged, ok.headers)).toThrow(/breaks its bounds: filing_id: must be at most 128 characters/);
    expect(decodeEvent(lifecycle, ok.value, ok.headers).message).toMatchObject({ filingId: "f-1" });
  });

  it("reject a corrupt value and records without id or time as on other topics", () => {
    const r = buildRecord(lifecycle, "f-1", { event: { case: "filingWithdrawn", value: { filingId: "f-1" } } }, { source: "s" });
    expect(r.headers[HEADERS.type]).toBe(intakeEventsV1.FilingWithdrawnSchema.typeName);
    expect(() => decodeEvent(lifecycle, Buffer.from([0xff, 0xff, 0xff]), r.headers)).toThrow(EventDecodeError);
    const { [HEADERS.id]: _id, ...noId } = r.headers;
    expect(() => decodeEvent(lifecycle, r.value, noId)).toThrow(EventDecodeError);
    expect(() => decodeEvent(lifecycle, r.value, { ...r.headers, [HEADERS.time]: "nope" })).toThrow(EventDecodeError);
    expect(() => decodeEvent(lifecycle, null, r.headers)).toThrow(EventDecodeError);
  });
});

describe("dead-letter error texts", () => {
  it("masks identity numbers, credit codes and mobile numbers, and keeps the rest", () => {
    expect(dlqErrorText("party 11010519491231002X, old id 110105491231002, org 91350100M000100Y43, phone 13800138000: rejected")).toBe(
      "party 110*************2X, old id 110**********02, org 913*************43, phone 138******00: rejected",
    );
    expect(dlqErrorText("filing f-1 round 2 took 12345 ms")).toBe("filing f-1 round 2 took 12345 ms");
    expect(dlqErrorText("x".repeat(2000))).toHaveLength(1000);
  });
});
