import { CSV_COLUMNS, buildDirectory, exportDirectory, loadDirectory, parseImport, type Court, type ImportResult } from "../src";

const dir = loadDirectory();

function courtsOf(result: ImportResult): Court[] {
  if (!result.ok) throw new Error(result.problems.map((p) => p.message).join("\n"));
  return result.courts;
}

describe("import and export", () => {
  it("round-trips the whole directory through CSV", () => {
    const csv = exportDirectory(dir, "csv");
    expect(csv.split("\r\n")[0]).toBe(CSV_COLUMNS.join(","));
    expect(courtsOf(parseImport(csv, "csv"))).toEqual(dir.courts);
  });

  it("round-trips the whole directory through JSON, header included", () => {
    const result = parseImport(exportDirectory(dir, "json"), "json");
    expect(courtsOf(result)).toEqual(dir.courts);
    expect(result.ok && result.header).toEqual(dir.header);
  });

  it("round-trips text that needs CSV quoting, and courts without sample data", () => {
    const court: Court = {
      ...dir.byCode("粤0703")!,
      name: '江门市"蓬江",区人民法院',
      address: "广东省江门市\n蓬江区",
      addressSample: false,
      hours: ["09:00-12:00"],
      contacts: [{ name: "李四", phone: "0750-0000000", role: "跨域立案专员", sample: false }],
      source: "official",
    };
    const parents = dir.chain(court.parentId!);
    const small = buildDirectory([...parents, court]);
    expect(courtsOf(parseImport(exportDirectory(small, "csv"), "csv"))).toEqual(small.courts);
    expect(courtsOf(parseImport(exportDirectory(small, "json"), "json"))).toEqual(small.courts);
  });

  it("accepts a bare JSON array of courts and CSV without the optional hours column", () => {
    const small = dir.chain("c-440703").slice().reverse();
    expect(courtsOf(parseImport(JSON.stringify(small), "json"))).toEqual(small);
    const csv = exportDirectory(buildDirectory(small), "csv")
      .split("\r\n")
      .map((line) =>
        line
          .split(",")
          .filter((_, n) => n !== CSV_COLUMNS.indexOf("hours"))
          .join(","),
      )
      .join("\r\n");
    expect(courtsOf(parseImport(csv, "csv"))).toEqual(small);
  });

  it("reports CSV problems at the line where the court starts, after multi-line fields", () => {
    const small = buildDirectory(dir.chain("c-440703").slice().reverse());
    const rows = exportDirectory(small, "csv").split("\r\n");
    // Row 2 gets a two-line address, which pushes the later courts down one line.
    rows[2] = rows[2]!.replace(",广东省,true,", ',"广东省\r\n",true,');
    rows[4] = rows[4]!.replace(",basic,basic,", ",basic,regional,");
    const result = parseImport(rows.join("\r\n"), "csv");
    expect(result.ok ? [] : result.problems.map((p) => [p.code, p.line])).toEqual([["unknown-level", 6]]);
  });

  it("reports a wrong header, a short row and broken quoting", () => {
    const fail = (text: string) => {
      const result = parseImport(text, "csv");
      return result.ok ? [] : result.problems.map((p) => [p.code, p.line, p.field]);
    };
    expect(fail("id,name,colour\r\n")).toEqual(
      expect.arrayContaining([
        ["unknown-field", 1, "colour"],
        ["shape", 1, "code"],
      ]),
    );
    const head = CSV_COLUMNS.join(",");
    expect(fail(`${head}\r\nc-1,only two\r\n`)).toEqual([["shape", 2, undefined]]);
    expect(fail(`${head}\r\n"c-1,unterminated\r\n`)).toEqual([["syntax", 2, undefined]]);
  });

  it("reports JSON syntax errors with their line and rejects foreign headers", () => {
    const text = exportDirectory(buildDirectory(dir.chain("c-440703")), "json");
    const lines = text.split("\n");
    const at = lines.findIndex((l) => l.includes('"c-440700"'));
    lines[at] = lines[at]!.replace('"kind"', "kind");
    const broken = parseImport(lines.join("\n"), "json");
    expect(broken.ok ? undefined : broken.problems[0]).toMatchObject({ code: "syntax", line: at + 1 });

    expect(parseImport(JSON.stringify({ header: { format: "other", version: 1 }, courts: [] }), "json")).toMatchObject({ ok: false, problems: [{ code: "shape", field: "header" }] });
    expect(parseImport(JSON.stringify({ header: { ...dir.header, version: 2 }, courts: [] }), "json")).toMatchObject({ ok: false, problems: [{ code: "shape", field: "header" }] });
  });
});
