// Retention of notification's data: facts, documents, in-app notifications, deliveries.
import { DEFAULT_SCHEDULE } from "@kuayu/domain";
import { deliveryRetention, documentRetention, factsRetention, filingsSeen, notificationRetention, type FactsView } from "../src/domain/retention";

const NOW = new Date("2031-06-01T00:00:00Z");
const s = DEFAULT_SCHEDULE; // 3 years, drills 30 days, notifications 180 days
const facts = (over: Partial<FactsView> = {}): FactsView => ({
  _id: "f1@11",
  filingId: "f1",
  drill: false,
  lastEventType: "kuayu.decision.v1.Accepted",
  submittedAt: new Date("2027-01-01"),
  routedAt: new Date("2027-01-01"),
  acknowledgedAt: new Date("2027-01-02"),
  decidedAt: new Date("2027-01-03"),
  waiting: false,
  ...over,
});

describe("notification retention", () => {
  it("deletes a decided filing's facts the personal-data period after its decision; never an open one", () => {
    expect(factsRetention(facts(), NOW, s)).toEqual({ action: "delete", rule: "personal-data-after-decision" });
    expect(factsRetention(facts({ decidedAt: new Date("2029-01-01") }), NOW, s)).toBeUndefined();
    expect(factsRetention(facts({ lastEventType: "kuayu.routing.v1.FilingRouted", decidedAt: undefined }), NOW, s)).toBeUndefined();
    expect(factsRetention(facts({ waiting: true }), NOW, s)).toBeUndefined();
    // A withdrawal: from the latest date the facts hold.
    expect(factsRetention(facts({ lastEventType: "kuayu.intake.v1.FilingWithdrawn", decidedAt: undefined, acknowledgedAt: new Date("2029-01-01") }), NOW, s)).toBeUndefined();
  });

  it("deletes a drill's facts, notices, deliveries and documents the drill period after it was submitted", () => {
    const drill = facts({ _id: "d1@11", filingId: "d1", drill: true, submittedAt: new Date("2031-04-01"), decidedAt: undefined, lastEventType: "kuayu.routing.v1.FilingRouted", waiting: true });
    const fresh = facts({ _id: "d2@11", filingId: "d2", drill: true, submittedAt: new Date("2031-05-25") });
    expect(factsRetention(drill, NOW, s)).toEqual({ action: "delete", rule: "drill" });
    expect(factsRetention(fresh, NOW, s)).toBeUndefined();
    const seen = filingsSeen([drill, fresh, facts({ _id: "r@11", filingId: "r", decidedAt: new Date("2031-01-01") })], NOW, s);
    expect([...seen.drills]).toEqual(["d1"]);
    expect([...seen.kept].sort()).toEqual(["d2", "r"]);
    const yesterday = new Date("2031-05-31");
    expect(notificationRetention({ filingId: "d1", createdAt: yesterday }, seen, NOW, s)).toBe("drill");
    expect(deliveryRetention({ filingId: "d1", createdAt: yesterday, status: "pending" }, seen, NOW, s)).toBe("drill");
    expect(documentRetention({ filingId: "d1", issuedAt: yesterday }, seen, NOW, s)).toBe("drill");
    expect(notificationRetention({ filingId: "d2", createdAt: yesterday }, seen, NOW, s)).toBeUndefined();
  });

  it("deletes notifications and finished deliveries after the notification period; pending deliveries stay", () => {
    const seen = filingsSeen([], NOW, s);
    const old = new Date("2030-12-01"); // 182 days before
    const recent = new Date("2031-01-01");
    expect(notificationRetention({ filingId: "x", createdAt: old }, seen, NOW, s)).toBe("notification-period");
    expect(notificationRetention({ filingId: "x", createdAt: recent }, seen, NOW, s)).toBeUndefined();
    expect(deliveryRetention({ filingId: "x", createdAt: old, status: "delivered" }, seen, NOW, s)).toBe("notification-period");
    expect(deliveryRetention({ filingId: "x", createdAt: old, status: "dead" }, seen, NOW, s)).toBe("notification-period");
    expect(deliveryRetention({ filingId: "x", createdAt: old, status: "pending" }, seen, NOW, s)).toBeUndefined();
  });

  it("deletes documents the personal-data period after issue once their filing's facts are not kept", () => {
    const seen = filingsSeen([facts({ _id: "r@11", filingId: "r", decidedAt: new Date("2031-01-01") })], NOW, s);
    expect(documentRetention({ filingId: "r", issuedAt: new Date("2020-01-01") }, seen, NOW, s)).toBeUndefined(); // its filing is kept
    expect(documentRetention({ filingId: "gone", issuedAt: new Date("2028-01-01") }, seen, NOW, s)).toBe("personal-data-after-decision");
    expect(documentRetention({ filingId: "gone", issuedAt: new Date("2029-01-01") }, seen, NOW, s)).toBeUndefined();
  });
});
