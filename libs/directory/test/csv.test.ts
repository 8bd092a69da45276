import { CsvSyntaxError, formatCsv, parseCsv } from "../src";

describe("parseCsv", () => {
  it("reads plain, quoted and empty fields with CRLF or LF line ends", () => {
    expect(parseCsv('a,b,c\r\n1,"x,y",\n"",2,"say ""hi"""\n')).toEqual([
      { line: 1, fields: ["a", "b", "c"] },
      { line: 2, fields: ["1", "x,y", ""] },
      { line: 3, fields: ["", "2", 'say "hi"'] },
    ]);
  });

  it("keeps line breaks inside quoted fields and counts lines from where each record starts", () => {
    const records = parseCsv('id,note\r\n1,"two\r\nlines"\r\n2,next\r\n');
    expect(records).toEqual([
      { line: 1, fields: ["id", "note"] },
      { line: 2, fields: ["1", "two\r\nlines"] },
      { line: 4, fields: ["2", "next"] },
    ]);
  });

  it("skips blank lines and a BOM, and reads a last record without a line end", () => {
    expect(parseCsv("\ufeffa\n\nb")).toEqual([
      { line: 1, fields: ["a"] },
      { line: 3, fields: ["b"] },
    ]);
  });

  it("rejects stray and unterminated quotes with the line", () => {
    expect(() => parseCsv('a\nb"c\n')).toThrow(new CsvSyntaxError('a quote inside an unquoted field (quote the whole field and double the quote: "")', 2));
    expect(() => parseCsv('a\nb"c\n')).toThrow(/^line 2: a quote inside an unquoted field/);
    expect(() => parseCsv('a\n"bc\n\n')).toThrow(expect.objectContaining({ line: 2 }));
    expect(() => parseCsv('"a"b\n')).toThrow(expect.objectContaining({ line: 1 }));
  });
});

describe("formatCsv", () => {
  it("quotes only what needs quoting and reads back to the same rows", () => {
    const rows = [
      ["id", "name"],
      ["1", 'a "quoted", multi\nline'],
      ["2", "广州互联网法院"],
      ["3", ""],
    ];
    const text = formatCsv(rows);
    expect(text).toBe('id,name\r\n1,"a ""quoted"", multi\nline"\r\n2,广州互联网法院\r\n3,\r\n');
    expect(parseCsv(text).map((r) => r.fields)).toEqual(rows);
  });
});
