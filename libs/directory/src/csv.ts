/**
 * A small RFC 4180 reader and writer. No CSV library is installed, and the directory only needs
 * quoted fields, doubled quotes, embedded line breaks and line numbers for error messages.
 */

export interface CsvRecord {
  /** 1-based line on which the record starts. */
  readonly line: number;
  readonly fields: string[];
}

export class CsvSyntaxError extends Error {
  override name = "CsvSyntaxError";
  constructor(
    readonly reason: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

/**
 * Parses CSV text into records. Accepts CRLF or LF line ends and a UTF-8 BOM; skips blank lines
 * (a table row never is one). Throws CsvSyntaxError for a stray or unterminated quote.
 */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let fields: string[] = [];
  let field = "";
  let line = 1;
  let recordLine = 1;
  let i = 0;
  // Whether the current record has content; a bare line break then ends a blank line, not a record.
  let started = false;

  const endField = () => {
    fields.push(field);
    field = "";
  };
  const endRecord = () => {
    endField();
    if (started) records.push({ line: recordLine, fields });
    fields = [];
    started = false;
  };

  while (i < s.length) {
    const ch = s[i];
    if (ch === '"') {
      if (field !== "") throw new CsvSyntaxError('a quote inside an unquoted field (quote the whole field and double the quote: "")', line);
      const quoteLine = line;
      // An empty quoted field still counts as content, so a line holding "" is a record.
      started = true;
      i++;
      for (;;) {
        if (i >= s.length) throw new CsvSyntaxError("quoted field is never closed", quoteLine);
        const c = s[i];
        if (c === '"') {
          if (s[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c === "\n") line++;
        field += c;
        i++;
      }
      const next = s[i];
      if (next !== undefined && next !== "," && next !== "\r" && next !== "\n") throw new CsvSyntaxError("text after a closing quote", line);
      continue;
    }
    if (ch === ",") {
      started = true;
      endField();
      i++;
      continue;
    }
    if (ch === "\r" || ch === "\n") {
      endRecord();
      i += ch === "\r" && s[i + 1] === "\n" ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    started = true;
    field += ch;
    i++;
  }
  if (started) endRecord();
  return records;
}

/** Formats rows as RFC 4180 CSV with CRLF line ends, quoting only fields that need it. */
export function formatCsv(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => row.map(quote).join(",") + "\r\n").join("");
}

function quote(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}
