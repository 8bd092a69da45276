import { formatProblem, parseImport, validateDirectory, type Problem } from "../src";

/** A valid five-court directory: SPC → high → intermediate → basic → two tribunals. */
function sample(): Record<string, unknown>[] {
  const base = {
    roles: ["collaborating", "jurisdiction"],
    address: "广东省江门市",
    addressSample: true,
    contacts: [{ name: "王某（示例）", phone: "000-0000-0001", role: "跨域立案专员", sample: true }],
    source: "derived",
  };
  return [
    {
      ...base,
      id: "c-spc",
      name: "最高人民法院",
      code: "最高法",
      kind: "supreme",
      level: "supreme",
      province: "00",
      division: "000000",
      parentId: null,
      roles: ["jurisdiction"],
      caseTypes: ["civil-retrial-application"],
    },
    {
      ...base,
      id: "c-440000",
      name: "广东省高级人民法院",
      code: "粤",
      kind: "high",
      level: "high",
      province: "44",
      division: "440000",
      parentId: "c-spc",
      roles: ["jurisdiction"],
      caseTypes: ["state-compensation"],
    },
    {
      ...base,
      id: "c-440700",
      name: "江门市中级人民法院",
      code: "粤07",
      kind: "intermediate",
      level: "intermediate",
      province: "44",
      division: "440700",
      parentId: "c-440000",
      caseTypes: ["civil-first-instance"],
    },
    {
      ...base,
      id: "c-440703",
      name: "江门市蓬江区人民法院",
      code: "粤0703",
      kind: "basic",
      level: "basic",
      province: "44",
      division: "440703",
      parentId: "c-440700",
      caseTypes: ["enforcement"],
      hours: ["08:00-12:00", "14:30-18:00"],
    },
    {
      ...base,
      id: "t-440703102",
      name: "江门市蓬江区人民法院棠下人民法庭",
      code: "",
      kind: "tribunal",
      level: "tribunal",
      province: "44",
      division: "440703",
      parentId: "c-440703",
      roles: ["collaborating"],
      caseTypes: [],
      source: "generated",
    },
    {
      ...base,
      id: "t-440703103",
      name: "江门市蓬江区人民法院荷塘人民法庭",
      code: "",
      kind: "tribunal",
      level: "tribunal",
      province: "44",
      division: "440703",
      parentId: "c-440703",
      roles: ["collaborating"],
      caseTypes: [],
      source: "generated",
    },
  ];
}

/** One court per line after the opening bracket, so entry i is on line i + 2. */
function asJson(entries: unknown[]): string {
  return `[\n${entries.map((e) => JSON.stringify(e)).join(",\n")}\n]\n`;
}

function problemsOf(entries: unknown[]): Problem[] {
  const result = parseImport(asJson(entries), "json");
  if (result.ok) throw new Error("expected problems");
  return result.problems;
}

function only(problems: Problem[]): Pick<Problem, "code" | "line" | "field">[] {
  return problems.map(({ code, line, field }) => ({ code, line, field }));
}

describe("validateDirectory", () => {
  it("accepts a valid directory", () => {
    expect(validateDirectory(sample())).toEqual([]);
    expect(parseImport(asJson(sample()), "json")).toMatchObject({ ok: true });
  });

  it("reports a duplicate id at the second entry, naming the first", () => {
    const entries = sample();
    entries[5]!.id = "t-440703102";
    const problems = problemsOf(entries);
    expect(only(problems)).toEqual([{ code: "duplicate-id", line: 7, field: "id" }]);
    expect(formatProblem(problems[0]!)).toBe("line 7 (t-440703102): id already used by line 6");
  });

  it("reports duplicate codes among courts, but not the empty codes of tribunals", () => {
    const entries = sample();
    entries[3]!.code = "粤07";
    expect(only(problemsOf(entries))).toEqual([{ code: "duplicate-code", line: 5, field: "code" }]);
  });

  it("reports unknown parents and parents that loop", () => {
    const entries = sample();
    entries[3]!.parentId = "c-nowhere";
    expect(only(problemsOf(entries))).toEqual([{ code: "unknown-parent", line: 5, field: "parentId" }]);

    const looped = sample();
    looped[2]!.parentId = "c-440703";
    expect(only(problemsOf(looped))).toEqual([
      { code: "parent-cycle", line: 4, field: "parentId" },
      { code: "parent-cycle", line: 5, field: "parentId" },
    ]);
  });

  it("reports bad division codes: wrong length, and outside the court's province", () => {
    const entries = sample();
    entries[3]!.division = "44070";
    entries[4]!.division = "310101";
    expect(only(problemsOf(entries))).toEqual([
      { code: "bad-division", line: 5, field: "division" },
      { code: "bad-division", line: 6, field: "division" },
    ]);
  });

  it("reports roles that break the rules", () => {
    const entries = sample();
    entries[0]!.roles = ["collaborating", "jurisdiction"];
    entries[1]!.roles = ["collaborating", "jurisdiction"];
    entries[4]!.roles = ["collaborating", "jurisdiction"];
    expect(only(problemsOf(entries))).toEqual([
      { code: "role-rule", line: 2, field: "roles" },
      { code: "role-rule", line: 3, field: "roles" },
      { code: "role-rule", line: 6, field: "roles" },
    ]);
  });

  it("reports unknown kinds, levels, roles and case types", () => {
    const entries = sample();
    entries[2]!.kind = "appellate";
    entries[3]!.caseTypes = ["enforcement", "divorce"];
    entries[4]!.roles = ["observer"];
    expect(only(problemsOf(entries))).toEqual([
      { code: "unknown-kind", line: 4, field: "kind" },
      { code: "unknown-case-type", line: 5, field: "caseTypes" },
      { code: "unknown-role", line: 6, field: "roles" },
    ]);
  });

  it("reports a tribunal with a code of its own or under a court that is not basic-level", () => {
    const entries = sample();
    entries[4]!.code = "粤0703";
    entries[5]!.parentId = "c-440700";
    expect(only(problemsOf(entries))).toEqual([
      { code: "tribunal-code", line: 6, field: "code" },
      { code: "bad-parent", line: 7, field: "parentId" },
    ]);
  });

  it("reports malformed fields without stopping at the first", () => {
    const entries: unknown[] = sample();
    const e = entries[3] as Record<string, unknown>;
    e.hours = ["14:00-12:00"];
    e.addressSample = "yes";
    e.contacts = [{ name: "张某", phone: "000-0000-0002", role: "专员;备岗", sample: true }];
    e.source = "rumour";
    e.extra = 1;
    entries.push("not a court");
    expect(
      only(problemsOf(entries))
        .map((p) => p.code)
        .sort(),
    ).toEqual(["bad-contact", "bad-hours", "bad-source", "shape", "shape", "unknown-field"].sort());
    expect(problemsOf(entries).every((p) => p.line === 5 || p.line === 8)).toBe(true);
  });

  it("reports a kind at a level it cannot have, and unknown top-level fields", () => {
    const entries = sample();
    entries[2]!.kind = "internet";
    expect(only(problemsOf(entries))).toEqual([{ code: "kind-level", line: 4, field: "level" }]);
    expect(parseImport(JSON.stringify({ courts: sample(), court: [] }), "json")).toMatchObject({ ok: false, problems: [{ code: "unknown-field", field: "court" }] });
  });

  it("reports entry indexes when validating a plain list", () => {
    const entries = sample();
    entries[1]!.province = "99";
    expect(validateDirectory(entries)).toEqual([expect.objectContaining({ code: "bad-province", index: 1, id: "c-440000", field: "province" })]);
  });
});
