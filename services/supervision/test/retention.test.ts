// Retention of supervision's data: drill ledger entries, ratings' comments, answered complaints.
import { ANONYMISED, DEFAULT_SCHEDULE } from "@kuayu/domain";
import { complaintRetention, ledgerRetention, ratingRetention } from "../src/domain/retention";

const NOW = new Date("2031-06-01T00:00:00Z");
const s = DEFAULT_SCHEDULE;

describe("supervision retention", () => {
  it("deletes a drill's ledger entry the drill period after it arrived; never a real one's", () => {
    expect(ledgerRetention({ drill: true, arrivedAt: new Date("2031-04-01") }, NOW, s)).toBe("drill");
    expect(ledgerRetention({ drill: true, arrivedAt: new Date("2031-05-25") }, NOW, s)).toBeUndefined();
    expect(ledgerRetention({ drill: true, arrivedAt: undefined }, NOW, s)).toBeUndefined();
    expect(ledgerRetention({ drill: false, arrivedAt: new Date("2001-01-01") }, NOW, s)).toBeUndefined();
  });

  it("anonymises an old rating's comment, deletes a drill's, leaves recent and empty ones", () => {
    const drills = new Set(["d"]);
    expect(ratingRetention({ filingId: "f", comment: "张三很满意", at: new Date("2028-01-01") }, drills, NOW, s)).toEqual({ action: "anonymise", rule: "personal-data-after-rating" });
    expect(ratingRetention({ filingId: "f", comment: "张三很满意", at: new Date("2029-01-01") }, drills, NOW, s)).toBeUndefined();
    expect(ratingRetention({ filingId: "f", comment: "", at: new Date("2020-01-01") }, drills, NOW, s)).toBeUndefined();
    expect(ratingRetention({ filingId: "f", comment: ANONYMISED, at: new Date("2020-01-01") }, drills, NOW, s)).toBeUndefined();
    expect(ratingRetention({ filingId: "d", comment: "", at: NOW }, drills, NOW, s)).toEqual({ action: "delete", rule: "drill" });
  });

  it("anonymises a complaint answered long enough ago; never an open one", () => {
    const none = new Set<string>();
    expect(complaintRetention({ filingId: "f", status: "answered", text: "张三投诉", answeredAt: new Date("2028-01-01") }, none, NOW, s)?.action).toBe("anonymise");
    expect(complaintRetention({ filingId: "f", status: "answered", text: "张三投诉", answeredAt: new Date("2029-01-01") }, none, NOW, s)).toBeUndefined();
    expect(complaintRetention({ filingId: "f", status: "open", text: "张三投诉" }, none, NOW, s)).toBeUndefined();
    expect(complaintRetention({ filingId: "f", status: "answered", text: ANONYMISED, answeredAt: new Date("2020-01-01") }, none, NOW, s)).toBeUndefined();
  });
});
