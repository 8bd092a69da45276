import { create } from "@bufbuild/protobuf";
import { buildRecord, decodeEvent, defineTopic, EventDecodeError, HEADERS } from "@kuayu/kafka";
import { commonV1, intakeEventsV1 } from "@kuayu/proto";

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
