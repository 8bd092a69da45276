// The SLA ledger: response on the working-time clock whatever order events arrive in; contributions once.
import { DEFAULT_WORKING_HOURS, HolidayCalendar, useCalendar } from "@kuayu/domain";
import { EVENTS, applyEvent, contributions, emptyEntry, indicators, overdue, recountResponse, type LedgerEvent } from "../src/domain/ledger";

const cst = (local: string) => new Date(`${local}+08:00`);
const hours = () => DEFAULT_WORKING_HOURS;
const routed: LedgerEvent = {
  type: EVENTS.routed,
  at: cst("2026-04-03T17:20:00"),
  routedAt: cst("2026-04-03T17:20:00"),
  jurisdictionCourtId: "c-110108",
  province: "11",
  caseType: "civil-first-instance",
  responseDue: cst("2026-04-07T08:50:00"),
  decisionDue: cst("2026-04-15T00:00:00"),
};
const ack: LedgerEvent = { type: EVENTS.acknowledged, at: cst("2026-04-07T08:45:00") };
const accepted: LedgerEvent = { type: EVENTS.accepted, at: cst("2026-04-08T10:00:00"), acknowledgedAt: cst("2026-04-07T08:45:00") };

describe("ledger", () => {
  it("measures the response in working minutes across a holiday weekend, in any event order", () => {
    for (const order of [
      [routed, ack, accepted],
      [accepted, ack, routed],
      [ack, routed, accepted],
      [accepted, routed],
    ]) {
      const e = order.reduce((x, ev) => applyEvent(x, ev, hours), emptyEntry("f1"));
      expect([e.responseWorkingMinutes, e.day, e.decision]).toEqual([25, "2026-04-03", "accepted"]);
    }
  });

  it("makes each counter contribution once", () => {
    const e = [routed, ack, accepted].reduce((x, ev) => applyEvent(x, ev, hours), emptyEntry("f1"));
    expect(contributions(e).map((c) => c.name)).toEqual(["arrival", "response", "decision"]);
    expect(contributions({ ...e, counted: ["arrival", "response", "decision"] })).toEqual([]);
    expect(applyEvent(e, ack, hours)).toEqual(e); // a redelivery changes nothing
  });

  it("knows what is overdue, and derives rates and percentiles from counters", () => {
    const open = applyEvent(emptyEntry("f2"), routed, hours);
    expect(overdue(open, cst("2026-04-07T09:00:00"))?.for).toBe("response");
    expect(overdue(open, cst("2026-04-07T08:00:00"))).toBeUndefined();
    const i = indicators({ filings: 4, responded: 4, within30: 3, within5: 1, responseMinutesSum: 100, h0: 1, h7: 2, h9: 1 });
    expect(i).toMatchObject({ responseRate30Minutes: 0.75, responseMinutesMean: 25, responseMinutesP50: 30, responseMinutesP90: 60 });
  });
});

describe("provisional working minutes (a year without its official holiday arrangement)", () => {
  afterEach(() => useCalendar(HolidayCalendar.builtIn()));
  // Arrives Friday 2027-02-04 17:20, answered the next Thursday 08:45: the provisional 春节 (02-05..02-10)
  // keeps the court closed in between, so the response took 10 + 15 working minutes.
  const arrived: LedgerEvent = { type: EVENTS.routed, at: cst("2027-02-04T17:20:00"), routedAt: cst("2027-02-04T17:20:00"), jurisdictionCourtId: "c-110108", province: "11" };
  const answered: LedgerEvent = { type: EVENTS.acknowledged, at: cst("2027-02-11T08:45:00") };
  const entry = () => [arrived, answered].reduce((x, ev) => applyEvent(x, ev, hours), emptyEntry("f3"));

  it("marks the response and counts it as provisional", () => {
    const e = entry();
    expect([e.responseWorkingMinutes, e.responseProvisional]).toEqual([25, true]);
    expect(contributions(e).find((c) => c.name === "response")?.delta).toMatchObject({ responded: 1, within30: 1, responsesProvisional: 1 });
    expect(indicators({ responsesProvisional: 2 }).responsesProvisional).toBe(2);
  });

  it("recounts the response under the official year and makes up the counters' difference", () => {
    const e = { ...entry(), counted: ["arrival", "response"] };
    expect(recountResponse(e, DEFAULT_WORKING_HOURS)).toBeUndefined(); // same calendar: nothing moves
    // Test data only, not the real 2027 arrangement: 02-08..02-10 are working days here.
    useCalendar(HolidayCalendar.builtIn().withOperatorYears({ years: { "2027": { source: "test", holidays: [{ name: "春节", from: "2027-02-05", to: "2027-02-07" }], workdays: [] } } }));
    const r = recountResponse(e, DEFAULT_WORKING_HOURS)!;
    expect([r.entry.responseWorkingMinutes, r.entry.responseProvisional]).toEqual([25 + 3 * 420, false]);
    expect(r.delta).toMatchObject({ responded: 0, within30: -1, within5: 0, responseMinutesSum: 3 * 420, responsesProvisional: -1, h7: -1, h15: 1 });
    expect(recountResponse({ ...e, counted: ["arrival"] }, DEFAULT_WORKING_HOURS)?.delta).toEqual({}); // not counted yet: nothing to make up
  });

  it("takes the recomputed deadlines of the entry's round", () => {
    const e = applyEvent(emptyEntry("f4"), { ...arrived, responseDue: cst("2027-02-11T08:50:00"), decisionDue: cst("2027-02-12T00:00:00") }, hours);
    const changed = applyEvent(e, { type: EVENTS.deadlinesChanged, at: cst("2027-01-01T09:00:00"), round: 1, responseDue: cst("2027-02-08T08:50:00"), decisionDue: cst("2027-02-19T00:00:00") }, hours);
    expect([changed.responseDue, changed.decisionDue]).toEqual([cst("2027-02-08T08:50:00"), cst("2027-02-19T00:00:00")]);
  });
});
