import { commandShape } from "../src/statement.js";

describe("db.statement of a store command", () => {
  it("names the command, its collection and the fields of its filter, and no value", () => {
    const find = commandShape({ find: "filings", filter: { _id: "f-1", "details.parties.idNumber": "110101199003070011" }, projection: { outbox: 0 }, limit: 1 });
    expect(JSON.parse(find)).toEqual({ find: "filings", filter: { _id: "?", "details.parties.idNumber": "?" }, projection: "?", limit: "?" });
    const insert = commandShape({ insert: "filings_versions", documents: [{ _id: "f-1:1", head: { details: { parties: [{ phone: "13800138000" }] } } }], ordered: true });
    expect(insert).not.toMatch(/13800138000|f-1/);
    expect(JSON.parse(insert)).toEqual({ insert: "filings_versions", documents: "?", ordered: "?" });
  });
});
