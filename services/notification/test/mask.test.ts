import { maskFacts } from "../src/documents/mask.js";

describe("maskFacts", () => {
  it("masks every party's name wherever it appears, and nothing else", () => {
    const facts = { 当事人: "原告：张三丰、王五；被告：北京某贸易有限公司", 理由: "张三丰与北京某贸易有限公司之间的纠纷", 案号: "（2026）京0105民初1号", 管辖法院: "北京市朝阳区人民法院" };
    const out = maskFacts(facts, {
      parties: [
        { role: "plaintiff", name: "张三丰" },
        { role: "plaintiff", name: "王五" },
        { role: "defendant", name: "北京某贸易有限公司" },
      ],
    });
    expect(out).toEqual({ 当事人: "原告：张*丰、王*；被告：北京***有限公司", 理由: "张*丰与北京***有限公司之间的纠纷", 案号: "（2026）京0105民初1号", 管辖法院: "北京市朝阳区人民法院" });
  });

  it("finds the names in the 当事人 fact when the record kept no input", () => {
    expect(maskFacts({ 当事人: "申请人：李四；被申请人：赵六" }, undefined)).toEqual({ 当事人: "申请人：李*；被申请人：赵*" });
  });
});
