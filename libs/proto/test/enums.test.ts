import { commonV1, enumFromId, idFromEnum } from "@kuayu/proto";
import { CASE_TYPES } from "@kuayu/domain";

describe("enum ⇄ domain id mapping", () => {
  it("maps every case type both ways", () => {
    for (const id of CASE_TYPES) expect(idFromEnum(commonV1.CaseType, enumFromId(commonV1.CaseType, id))).toBe(id);
    expect(enumFromId(commonV1.CaseType, "civil-retrial-application")).toBe(commonV1.CaseType.CIVIL_RETRIAL_APPLICATION);
  });
  it("has no id for UNSPECIFIED or unknown numbers, and refuses unknown ids", () => {
    expect(idFromEnum(commonV1.CaseType, commonV1.CaseType.UNSPECIFIED)).toBeUndefined();
    expect(idFromEnum(commonV1.CaseType, 99)).toBeUndefined();
    expect(() => enumFromId(commonV1.CaseType, "divorce")).toThrow(/divorce/);
  });
});
