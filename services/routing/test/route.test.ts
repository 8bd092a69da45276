// A route on the shipped directory: the jurisdiction court's province, deadlines counted from the
// arrival in its working hours, its duty contact and court code.
import { loadDirectory } from "@kuayu/directory";
import { routeOf } from "../src/domain/route";

const dir = loadDirectory();
const cst = (local: string) => new Date(`${local}+08:00`);
const route = (arrival: Date) => routeOf(dir, dir.byId("t-440103001")!, dir.byId("c-110105")!, "civil-first-instance", arrival);

describe("routeOf", () => {
  it("addresses the jurisdiction court's province with both deadlines", () => {
    const out = route(cst("2026-11-27T16:50:00")); // Friday, 40 min before closing
    expect(out).toMatchObject({ province: "11", originProvince: "44", deadlinesEstimated: false, court: { code: "京0105", level: "basic", kind: "basic" } });
    // 30 working minutes: 16:50–17:20 the same afternoon (closing 17:30).
    expect(out.responseDue).toEqual(cst("2026-11-27T17:20:00"));
    // 7 days not counting the first: Friday 12-04, to its end.
    expect(out.decisionDue).toEqual(cst("2026-12-05T00:00:00"));
    expect(out.contact?.name).toBeTruthy();
  });

  it("carries the response deadline over the weekend", () => {
    expect(route(cst("2026-11-27T17:20:00")).responseDue).toEqual(cst("2026-11-30T08:50:00")); // 10 min on Friday, 20 on Monday morning
  });

  it("marks deadlines past the holiday calendar provisional instead of failing", () => {
    expect(route(cst("2026-12-30T10:00:00"))).toMatchObject({ deadlinesEstimated: true });
  });
});
