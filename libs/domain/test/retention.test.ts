// The pure pieces of retention: cut-offs, the anonymiser, the hour of the daily run.
import { ANONYMISED, anonymiseFields, daysBefore, dueBy, untilNextRun, yearsBefore } from "../src/retention";

describe("retention helpers", () => {
  it("counts calendar years and days back", () => {
    expect(yearsBefore(new Date("2031-06-01T10:00:00Z"), 3).toISOString()).toBe("2028-06-01T10:00:00.000Z");
    expect(daysBefore(new Date("2031-06-01T10:00:00Z"), 30).toISOString()).toBe("2031-05-02T10:00:00.000Z");
    expect(dueBy(new Date("2020-01-01"), new Date("2020-01-01"))).toBe(true);
    expect(dueBy("2020-01-02T00:00:00Z", new Date("2020-01-01"))).toBe(false);
    expect(dueBy(undefined, new Date())).toBe(false);
  });

  it("anonymises personal fields at any depth and nothing else", () => {
    const value = { caseType: "CIVIL", parties: [{ identity: { person: { name: "张三", residentId: "X" } }, address: "某地", phone: "1", email: "a@b" }], claims: "", n: 3, at: new Date(0) };
    expect(anonymiseFields(value)).toEqual({
      caseType: "CIVIL",
      parties: [{ identity: { person: { name: ANONYMISED, residentId: "" } }, address: "", phone: "", email: "" }],
      claims: "",
      n: 3,
      at: new Date(0),
    });
  });

  it("runs next at the given hour, China time", () => {
    // 2031-06-01 02:00 China = 2031-05-31T18:00Z: 03:00 China is an hour away.
    expect(untilNextRun(new Date("2031-05-31T18:00:00Z"), 3)).toBe(3600_000);
    // 04:00 China: tomorrow's 03:00, 23 hours away.
    expect(untilNextRun(new Date("2031-05-31T20:00:00Z"), 3)).toBe(23 * 3600_000);
  });
});
