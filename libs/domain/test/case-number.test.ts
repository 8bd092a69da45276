import { ValidationError, formatCaseNumber, isCourtCode, parseCaseNumber, parseChineseNumeral, toChineseNumeral, type CaseNumber } from "@kuayu/domain";

/** The single violation a malformed case number produces. */
function violationOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).violations;
  }
  throw new Error("expected a ValidationError");
}

describe("parseCaseNumber / formatCaseNumber", () => {
  it("parses an SPC retrial number and formats it back identically", () => {
    const text = "（2016）最高法民申2763号";
    const parsed = parseCaseNumber(text);
    expect(parsed).toEqual({ year: 2016, courtCode: "最高法", typeCode: "民申", sequence: 2763 });
    expect(formatCaseNumber(parsed)).toBe(text);
  });

  it("accepts half-width parentheses and the special-trial code, and writes full-width", () => {
    const parsed = parseCaseNumber("(2020)浙01知民初277号");
    expect(parsed).toEqual({ year: 2020, courtCode: "浙01", specialCode: "知", typeCode: "民初", sequence: 277 });
    expect(formatCaseNumber(parsed)).toBe("（2020）浙01知民初277号");
  });

  it.each(["最高法", "粤", "粤07", "粤0703", "京01", "京0491", "浙0192", "沪7101", "内", "兵", "军"])("round-trips court code %s", (courtCode) => {
    const text = `（2021）${courtCode}执15号`;
    expect(parseCaseNumber(text)).toEqual({ year: 2021, courtCode, typeCode: "执", sequence: 15 });
    expect(formatCaseNumber(parseCaseNumber(text))).toBe(text);
  });

  it.each(["民初", "行初", "执", "刑初", "法赔", "委赔", "民申"] as const)("round-trips type code %s", (typeCode) => {
    const text = `（2019）粤0703${typeCode}8号`;
    expect(parseCaseNumber(text).typeCode).toBe(typeCode);
    expect(formatCaseNumber(parseCaseNumber(text))).toBe(text);
  });

  it("handles the 之n suffix of later rulings", () => {
    expect(parseCaseNumber("（2020）粤0703民初1号之二")).toEqual({
      year: 2020,
      courtCode: "粤0703",
      typeCode: "民初",
      sequence: 1,
      suffix: 2,
    });
    const base: CaseNumber = { year: 2020, courtCode: "京01", typeCode: "行初", sequence: 9 };
    expect(formatCaseNumber({ ...base, suffix: 1 })).toBe("（2020）京01行初9号之一");
    expect(formatCaseNumber({ ...base, suffix: 11 })).toBe("（2020）京01行初9号之十一");
    expect(parseCaseNumber("（2020）京01行初9号之二十").suffix).toBe(20);
  });

  it("ignores surrounding whitespace", () => {
    expect(parseCaseNumber("  （2016）最高法民申2763号\n").sequence).toBe(2763);
  });

  it.each([
    ["2020浙01民初1号", /receipt year in parentheses/],
    ["（20）浙01民初1号", /receipt year in parentheses/],
    ["（2020）广东01民初1号", /court code/],
    ["（2020）浙012民初1号", /court code/],
    ["（2020）最高法01民申1号", /court code/],
    ["（2020）浙01民终1号", /type code must be one of/],
    ["（2020）浙01民初0277号", /sequence number/],
    ["（2020）浙01民初277", /sequence number/],
    ["（2020）浙01民初号", /sequence number/],
    ["（2020）浙01民初277号之壹", /Chinese numeral/],
    ["（2020）浙01民初277号之一十", /Chinese numeral/],
    ["（2020）浙01知执277号", /special-trial code 知 is not used with type code 执/],
  ])("rejects %s", (text, description) => {
    const violations = violationOf(() => parseCaseNumber(text));
    expect(violations).toHaveLength(1);
    expect(violations[0]!.field).toBe("case_number");
    expect(violations[0]!.description).toMatch(description);
  });

  it("refuses to format an invalid case number, listing every problem", () => {
    const violations = violationOf(() => formatCaseNumber({ year: 20, courtCode: "广东", typeCode: "民初", sequence: 0, suffix: 0 }));
    expect(violations.map((v) => v.field)).toEqual(["case_number.year", "case_number.court_code", "case_number.sequence", "case_number.suffix"]);
  });
});

describe("isCourtCode", () => {
  it("accepts the SPC and province characters with 0, 2 or 4 digits only", () => {
    expect(["最高法", "粤", "粤07", "粤0703"].map(isCourtCode)).toEqual([true, true, true, true]);
    expect(["", "最高", "粤7", "粤070", "粤07031", "X01", "粤0a"].map(isCourtCode)).toEqual(Array(7).fill(false));
  });
});

describe("Chinese numerals", () => {
  it.each([
    [1, "一"],
    [10, "十"],
    [11, "十一"],
    [20, "二十"],
    [21, "二十一"],
    [100, "一百"],
    [101, "一百零一"],
    [110, "一百一十"],
    [1001, "一千零一"],
    [1010, "一千零一十"],
    [9999, "九千九百九十九"],
  ])("writes %i as %s", (n, text) => {
    expect(toChineseNumeral(n)).toBe(text);
    expect(parseChineseNumeral(text)).toBe(n);
  });

  it("parses back everything it writes", () => {
    for (let n = 1; n <= 9999; n++) expect(parseChineseNumeral(toChineseNumeral(n))).toBe(n);
  });

  it("rejects non-canonical spellings and out-of-range numbers", () => {
    expect(["", "零", "一十", "二二", "十十", "壹", "1"].map(parseChineseNumeral)).toEqual(Array(7).fill(null));
    expect(() => toChineseNumeral(0)).toThrow(RangeError);
    expect(() => toChineseNumeral(10000)).toThrow(RangeError);
    expect(() => toChineseNumeral(1.5)).toThrow(RangeError);
  });
});
