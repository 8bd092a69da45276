/**
 * db.statement of a store command: its name and collection, and the fields its filter names —
 * never a value (no personal data in traces), and without walking the documents it carries (the
 * instrumentation's default serialises every command whole: 2–4 % of a service's CPU in a drill).
 */
export function commandShape(cmd: Record<string, unknown>): string {
  const out: Record<string, unknown> = {};
  let first = true;
  for (const [k, v] of Object.entries(cmd)) {
    if (first) out[k] = typeof v === "string" ? v : "?";
    else if ((k === "filter" || k === "query") && v && typeof v === "object") out[k] = Object.fromEntries(Object.keys(v).map((f) => [f, "?"]));
    else out[k] = "?";
    first = false;
  }
  return JSON.stringify(out);
}
