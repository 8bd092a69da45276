// The SLA ledger: response on the working-time clock whatever order events arrive in; contributions once.
import { DEFAULT_WORKING_HOURS } from "@kuayu/domain";
import { EVENTS, applyEvent, contributions, emptyEntry, indicators, overdue, type LedgerEvent } from "../src/domain/ledger";

const cst = (local: string) => new Date(`${local}+08:00`);
const hours = () => DEFAULT_WORKING_HOURS;
const routed: LedgerEvent = { type: EVENTS.routed, at: cst("2026-04-03T17:20:00"), routedAt: cst("2026-04-03T17:20:00"), jurisdictionCourtId: "c-110108", province: "11", caseType: "civil-first-instance", responseDue: cst("2026-04-07T08:50:00"), decisionDue: cst("2026-04-15T00:00:00") };
const ack: LedgerEvent = { type: EVENTS.acknowledged, at: cst("2026-04-07T08:45:00") };
const accepted: LedgerEvent = { type: EVENTS.accepted, at: cst("2026-04-08T10:00:00"), acknowledgedAt: cst("2026-04-07T08:45:00") };

describe("ledger", () => {
  it("measures the response in working minutes across a holiday weekend, in any event order", () => {
    for (const order of [[routed, ack, accepted], [accepted, ack, routed], [ack, routed, accepted], [accepted, routed]]) {
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
