import { HOLIDAY_NAMES, HolidayCalendar, arrangementOf, checkCalendarFile, provisionalYear } from "@kuayu/domain";

const builtIn = HolidayCalendar.builtIn();

describe("provisional calendar (《全国年节及纪念日放假办法》 2024, no yearly arrangement)", () => {
  it("puts every statutory holiday of 2025 and 2026 on a day the official arrangement also had off", () => {
    // The lunar dates, the 清明 solar term and the 补假 rule checked against two published years.
    for (const year of [2025, 2026]) {
      const official = builtIn.year(year);
      const provisional = provisionalYear(year);
      expect(provisional.holidays.size).toBeGreaterThanOrEqual(13);
      for (const date of provisional.holidays.keys()) expect([date, official.holidays.has(date)]).toEqual([date, true]);
    }
  });

  it("builds 2027 from the statutory rules: 13 holiday days plus 补假 for those on a weekend, no adjusted working days", () => {
    const y = arrangementOf(builtIn.year(2027));
    expect(builtIn.year(2027).origin).toBe("provisional");
    expect(y.workdays).toEqual([]);
    expect(y.holidays).toEqual([
      { name: "元旦", from: "2027-01-01", to: "2027-01-01" },
      { name: "春节", from: "2027-02-05", to: "2027-02-10" }, // 除夕 02-05, 正月初一 02-06 (Saturday): 02-09, 02-10 made up

      { name: "清明节", from: "2027-04-05", to: "2027-04-05" },
      { name: "劳动节", from: "2027-05-01", to: "2027-05-04" },
      { name: "端午节", from: "2027-06-09", to: "2027-06-09" },
      { name: "中秋节", from: "2027-09-15", to: "2027-09-15" },
      { name: "国庆节", from: "2027-10-01", to: "2027-10-05" },
    ]);
    expect(builtIn.day("2027-02-09")).toMatchObject({ working: false, kind: "holiday", name: "春节（补假）", provisional: true, origin: "provisional" });
    expect(builtIn.day("2027-02-11")).toMatchObject({ working: true, kind: "workday", provisional: true });
  });
});

describe("operator years", () => {
  // Test data only: not the published arrangement of any year.
  const file = {
    years: {
      "2027": { source: "test notice 2027", holidays: [{ name: "元旦", from: "2027-01-01", to: "2027-01-03" }], workdays: ["2027-01-09"] },
      "2026": { source: "test notice 2026", holidays: [{ name: "国庆节、中秋节", from: "2026-10-01", to: "2026-10-02" }], workdays: [] },
    },
  };
  const cal = builtIn.withOperatorYears(file);

  it("take precedence over the library, whole years at a time", () => {
    expect(builtIn.day("2026-10-05")).toMatchObject({ working: false, origin: "library" });
    expect(cal.day("2026-10-05")).toMatchObject({ working: true, kind: "workday", origin: "operator", provisional: false });
    expect(cal.day("2026-10-02")).toMatchObject({ working: false, name: "国庆节、中秋节" });
    expect(cal.day("2026-02-17")).toMatchObject({ working: true }); // the library's 春节 is gone with its year
    expect(cal.day("2027-01-09")).toMatchObject({ working: true, kind: "adjusted-workday", origin: "operator" });
  });

  it("extend the official coverage and name the years that changed", () => {
    expect(cal.officialUntil).toBe("2027-12-31");
    expect(builtIn.changedYears(cal)).toEqual([2026, 2027]);
    expect(cal.changedYears(cal)).toEqual([]);
    const only2028 = builtIn.withOperatorYears({ years: { "2028": { source: "t", holidays: [], workdays: [] } } });
    expect(only2028.officialUntil).toBe("2026-12-31"); // 2027 is still missing
    expect(only2028.year(2027).origin).toBe("provisional");
  });
});

describe("checkCalendarFile", () => {
  it("accepts a well-formed file", () => {
    const ok = checkCalendarFile({ years: { "2027": { source: "s", holidays: [{ name: "春节", from: "2027-02-05", to: "2027-02-11" }], workdays: ["2027-02-20"] } } });
    expect(ok.problems).toEqual([]);
    expect(ok.file?.years["2027"]?.holidays).toHaveLength(1);
  });

  it("lists every problem at once", () => {
    const { problems, file } = checkCalendarFile({
      years: {
        "2027": {
          source: "",
          holidays: [
            { name: "春节", from: "2027-02-05", to: "2027-02-11" },
            { name: "春节", from: "2027-02-10", to: "2027-02-12" },
            { name: "圣诞节", from: "2026-12-25", to: "2027-13-01" },
            { name: "元旦", from: "2027-01-03", to: "2027-01-01" },
          ],
          workdays: ["2027-02-08", "2027-02-09", "2027-01-06", "2028-01-01"],
          extra: 1,
        },
        "27": {},
      },
      note: "x",
    });
    expect(file).toBeUndefined();
    const text = problems.map((p) => `${p.field}: ${p.description}`);
    const expectOne = (re: RegExp) => expect(text.filter((t) => re.test(t))).toHaveLength(1);
    expectOne(/^note: unknown key/);
    expectOne(/^years\.2027\.extra: unknown key/);
    expectOne(/^years\.27: a year/);
    expectOne(/^years\.2027\.source: required/);
    expectOne(/^years\.2027\.holidays\[1\]: overlaps years\.2027\.holidays\[0\]/);
    expectOne(/^years\.2027\.holidays\[2\]\.name: unknown holiday "圣诞节"/);
    expectOne(/^years\.2027\.holidays\[2\]\.from: 2026-12-25 is outside 2027/);
    expectOne(/^years\.2027\.holidays\[2\]\.to: must be a date/);
    expectOne(/^years\.2027\.holidays\[3\]: ends \(2027-01-01\) before it starts/);
    expectOne(/^years\.2027\.workdays\[0\]: 2027-02-08 is not a Saturday or Sunday/);
    expectOne(/^years\.2027\.workdays\[0\]: 2027-02-08 is a holiday/);
    expectOne(/^years\.2027\.workdays\[1\]: 2027-02-09 is not a Saturday or Sunday/);
    expectOne(/^years\.2027\.workdays\[2\]: 2027-01-06 is not a Saturday or Sunday/);
    expectOne(/^years\.2027\.workdays\[3\]: 2028-01-01 is outside 2027/);
    expect(problems).toHaveLength(15);
  });

  it("accepts every library year and the provisional ones as written out, except for their source", () => {
    for (const year of [2015, 2025, 2026, 2027, 2031]) {
      const arrangement = arrangementOf(builtIn.year(year));
      const checked = checkCalendarFile({ years: { [year]: arrangement } });
      if (builtIn.year(year).origin === "library") expect([year, checked.problems]).toEqual([year, []]);
      else expect(checked.problems).toEqual([{ field: `years.${year}.source`, description: expect.stringMatching(/not an official arrangement/) }]);
      const reloaded = builtIn.withOperatorYears({ years: { [year]: { ...arrangement, source: "copy" } } });
      expect(builtIn.changedYears(reloaded)).toEqual(builtIn.year(year).origin === "library" ? [] : [year]); // same days; a copied provisional year becomes official
    }
  });

  it("refuses a file that is not an object of years", () => {
    expect(checkCalendarFile([]).problems).toEqual([{ field: "(root)", description: expect.stringMatching(/must be an object/) }]);
    expect(checkCalendarFile({ years: [] }).problems[0]?.field).toBe("years");
    expect(HOLIDAY_NAMES).toContain("清明节");
  });
});
