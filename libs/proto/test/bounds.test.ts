import { create } from "@bufbuild/protobuf";
import { ruleViolations, supervisionV1 } from "@kuayu/proto";

describe("declared bounds", () => {
  it("let a national drill name every court and tribunal (~14,400), and no more than 20,000", () => {
    const drill = (n: number) => create(supervisionV1.DrillSchema, { name: "全国演练", courtIds: Array.from({ length: n }, (_, i) => `t-${i}`) });
    expect(ruleViolations(supervisionV1.DrillSchema, drill(14_400))).toEqual([]);
    expect(ruleViolations(supervisionV1.DrillSchema, drill(20_001))).toEqual([{ field: "court_ids", description: "must contain no more than 20000 item(s)" }]);
  });
});
