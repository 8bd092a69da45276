import path from "node:path";
import * as protoLoader from "@grpc/proto-loader";
import { LOADER_OPTIONS, ProtoJson, jsonName } from "../src/protojson";
import { durationFromJson, durationToJson, timestampFromJson, timestampToJson } from "../src/index";

describe("well-known types as protojson writes them", () => {
  it("writes timestamps as RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits", () => {
    expect(timestampToJson({ seconds: "1772352000", nanos: 0 })).toBe("2026-03-01T08:00:00Z");
    expect(timestampToJson({ seconds: "1772352000", nanos: 120_000_000 })).toBe("2026-03-01T08:00:00.120Z");
    expect(timestampToJson({ seconds: 1772352000, nanos: 1_000 })).toBe("2026-03-01T08:00:00.000001Z");
    expect(timestampToJson({ seconds: "0", nanos: 5 })).toBe("1970-01-01T00:00:00.000000005Z");
  });

  it("reads RFC 3339 with any offset and up to 9 fractional digits", () => {
    expect(timestampFromJson("2026-03-01T16:00:00.5+08:00")).toEqual({ seconds: "1772352000", nanos: 500_000_000 });
    expect(timestampFromJson("2026-03-01T08:00:00Z")).toEqual({ seconds: "1772352000", nanos: 0 });
    for (const bad of ["2026-03-01", "2026-03-01 08:00:00Z", 1772352000, "2026-13-01T00:00:00Z"]) expect(() => timestampFromJson(bad)).toThrow(/RFC 3339/);
  });

  it("writes and reads durations in seconds", () => {
    expect(durationToJson({ seconds: "1", nanos: 500_000_000 })).toBe("1.500s");
    expect(durationToJson({ seconds: "-2", nanos: 0 })).toBe("-2s");
    expect(durationFromJson("-1.25s")).toEqual({ seconds: "-1", nanos: -250_000_000 });
    expect(() => durationFromJson("1m")).toThrow(/duration/);
  });

  it("names fields as protoc's JSON names", () => {
    expect(["filing_id", "response_rate_30_minutes", "responded_within_5_minutes", "a__b"].map(jsonName)).toEqual(["filingId", "responseRate30Minutes", "respondedWithin5Minutes", "aB"]);
  });
});

describe("ProtoJson on the project's decision proto", () => {
  const pd = protoLoader.loadSync("kuayu/decision/v1/decision.proto", { ...LOADER_OPTIONS, includeDirs: [path.resolve(__dirname, "../../../proto")] });
  const json = new ProtoJson(pd);

  it("finds a method's request and response types", () => {
    const m = (pd["kuayu.decision.v1.JurisdictionDecisionService"] as protoLoader.ServiceDefinition).RequestCorrections!;
    expect(json.typeOf("kuayu.decision.v1.JurisdictionDecisionService", m.requestType.type as never)).toBe("kuayu.decision.v1.RequestCorrectionsRequest");
    expect(json.typeOf("kuayu.decision.v1.JurisdictionDecisionService", m.responseType.type as never)).toBe("kuayu.decision.v1.RequestCorrectionsResponse");
  });

  it("takes JSON names and .proto names, converts timestamps, and rejects unknown fields", () => {
    expect(json.fromJson("kuayu.decision.v1.RequestCorrectionsRequest", { filingId: "f", items: [{ material_kind: "evidence" }], deadline: "2026-03-01T08:00:00Z" })).toEqual({
      filing_id: "f",
      items: [{ material_kind: "evidence" }],
      deadline: { seconds: "1772352000", nanos: 0 },
    });
    expect(() => json.fromJson("kuayu.decision.v1.RequestCorrectionsRequest", { items: [{ kind: "x" }] })).toThrow('kuayu.decision.v1.RequestCorrectionsRequest.items[0]: unknown field "kind"');
    expect(() => json.fromJson("kuayu.decision.v1.RequestCorrectionsRequest", { items: {} })).toThrow(/expected an array/);
  });

  it("round-trips through the wire as k6 shows it", () => {
    const m = (pd["kuayu.decision.v1.JurisdictionDecisionService"] as protoLoader.ServiceDefinition).GetInboxFiling!;
    const wire = m.responseSerialize({
      filing: { filing_id: "f", materials_complete: true, arrived_at: { seconds: "1772352000", nanos: 0 }, status: "INBOX_STATUS_ACCEPTED", details: { parties: [{ person: { name: "x" } }] } },
    });
    const shown = json.toJson("kuayu.decision.v1.GetInboxFilingResponse", m.responseDeserialize(wire)) as { filing: Record<string, any> };
    expect(shown.filing).toMatchObject({
      filingId: "f",
      materialsComplete: true,
      arrivedAt: "2026-03-01T08:00:00Z",
      status: "INBOX_STATUS_ACCEPTED",
      round: 0,
      caseNumber: "",
      decidedAt: null,
      materials: [],
    });
    expect(shown.filing.details.parties[0]).toEqual({ role: "PARTY_ROLE_UNSPECIFIED", person: { name: "x", residentId: "" }, address: "", phone: "", agents: [] });
  });
});
