// The routing stage's decision on the shipped directory: routed with deadlines, or failed with reasons.
import { loadDirectory } from "@kuayu/directory";
import { derivedEventId } from "@kuayu/kafka";
import { routeSubmission } from "../src/domain/routing-stage";

const dir = loadDirectory();
const cst = (local: string) => new Date(`${local}+08:00`);
const submission = { filingId: "f1", collaboratingCourtId: "t-440103001", jurisdictionCourtId: "c-110105", caseType: "civil-first-instance" as const, round: 1 };

describe("routeSubmission", () => {
  it("addresses a valid route to the jurisdiction court's province with both deadlines", () => {
    const out = routeSubmission(dir, submission, cst("2026-11-27T16:50:00")); // Friday, 40 min before closing
    expect(out).toMatchObject({ kind: "routed", province: "11", originProvince: "44", deadlinesEstimated: false });
    if (out.kind !== "routed") throw new Error("unreachable");
    // 30 working minutes: 16:50–17:20 the same afternoon (closing 17:30).
    expect(out.responseDue).toEqual(cst("2026-11-27T17:20:00"));
    // 7 days not counting the first: Friday 12-04, to its end.
    expect(out.decisionDue).toEqual(cst("2026-12-05T00:00:00"));
    expect(out.contact?.name).toBeTruthy();
  });

  it("carries the response deadline over the weekend", () => {
    const out = routeSubmission(dir, submission, cst("2026-11-27T17:20:00"));
    if (out.kind !== "routed") throw new Error("expected routed");
    expect(out.responseDue).toEqual(cst("2026-11-30T08:50:00")); // 10 min on Friday, 20 on Monday morning
  });

  it("estimates deadlines past the holiday calendar instead of failing", () => {
    const out = routeSubmission(dir, submission, cst("2026-12-30T10:00:00"));
    expect(out).toMatchObject({ kind: "routed", deadlinesEstimated: true });
  });

  it("fails with every reason: a tribunal cannot decide, unknown courts, no case type", () => {
    const tribunal = routeSubmission(dir, { ...submission, jurisdictionCourtId: "t-110101001" }, new Date());
    expect(tribunal).toMatchObject({ kind: "failed" });
    expect((tribunal as { reasons: string[] }).reasons.join()).toMatch(/t-110101001/);
    const out = routeSubmission(dir, { ...submission, collaboratingCourtId: "c-x", jurisdictionCourtId: "c-y", caseType: undefined as never }, new Date());
    expect(out).toEqual({ kind: "failed", reasons: [expect.stringContaining("c-x"), expect.stringContaining("c-y"), expect.stringContaining("case type")] });
  });
});

describe("derivedEventId", () => {
  it("is stable per cause and purpose, and UUID-shaped", () => {
    const a = derivedEventId("e1", "filing-routed");
    expect(a).toBe(derivedEventId("e1", "filing-routed"));
    expect(a).not.toBe(derivedEventId("e1", "routing-failed"));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
