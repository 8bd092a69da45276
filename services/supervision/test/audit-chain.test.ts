// The audit chain's hashing and verification, with both algorithms (SHA-256 and the 国密 SM3).
import { getHashes } from "node:crypto";
import { append, canonical, hashOf, verifyChain, type AuditRecord, type ChainEntry, type HashAlgorithm } from "../src/domain/audit-chain";

const record = (i: number): AuditRecord => ({
  id: `r-${i}`,
  actor: { user: "u-1", name: "张三", courtId: "t-440103001", province: "44", roles: ["window-clerk"] },
  method: "/kuayu.intake.v1.FilingIntakeService/UpdateDraft",
  target: "f-1",
  result: "ok",
  traceId: "",
  time: `2026-12-03T10:00:0${i}.000Z`,
  service: "intake",
  filingId: "f-1",
});
const chainOf = (alg: HashAlgorithm, n: number) =>
  append(
    "44",
    { seq: 0, hash: "" },
    Array.from({ length: n }, (_, i) => record(i)),
    alg,
  ).entries;
const kinds = (entries: ChainEntry[]) => verifyChain("44", entries).map((p) => `${p.seq}:${p.kind}`);

it("Node offers SM3", () => {
  expect(getHashes()).toContain("sm3");
});

describe.each(["sha256", "sm3"] as const)("%s", (alg) => {
  it("links each record to the one before it and verifies clean", () => {
    const c = chainOf(alg, 5);
    expect(c.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(c[0]!.prevHash).toBe("");
    for (let i = 1; i < c.length; i++) expect(c[i]!.prevHash).toBe(c[i - 1]!.hash);
    expect(c[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyChain("44", c)).toEqual([]);
    // Continuing from the tip gives the same chain as writing it in one go.
    const first = append("44", { seq: 0, hash: "" }, [record(0), record(1)], alg);
    const rest = append("44", first.tip, [record(2), record(3), record(4)], alg);
    expect([...first.entries, ...rest.entries]).toEqual(c);
  });

  it("names an edited record", () => {
    const c = chainOf(alg, 4);
    c[1] = { ...c[1]!, record: { ...c[1]!.record, result: "denied" } };
    expect(verifyChain("44", c)).toEqual([expect.objectContaining({ seq: 2, recordId: "r-1", kind: "edited" })]);
  });

  it("names an entry moved to another filing (the unhashed copy ShowAudit looks up by)", () => {
    const c = chainOf(alg, 3);
    expect(c.map((e) => e.filingId)).toEqual(["f-1", "f-1", "f-1"]);
    c[2] = { ...c[2]!, filingId: "f-2" };
    expect(verifyChain("44", c)).toEqual([expect.objectContaining({ seq: 3, kind: "edited", detail: 'the entry is filed under filing "f-2", its record names "f-1"' })]);
  });

  it("names an edited record whose hash was recomputed, at the record after it", () => {
    const c = chainOf(alg, 4);
    const e = { ...c[1]!, record: { ...c[1]!.record, target: "f-2" } };
    c[1] = { ...e, hash: hashOf(e) };
    expect(kinds(c)).toEqual(["3:deleted"]);
  });

  it("names a deleted record, in the middle and at the start", () => {
    const c = chainOf(alg, 5);
    expect(verifyChain("44", [c[0]!, c[1]!, c[3]!, c[4]!])).toEqual([expect.objectContaining({ seq: 4, recordId: "r-3", kind: "deleted", detail: "seq 3 is missing" })]);
    expect(kinds(c.slice(1))).toEqual(["2:deleted"]);
  });

  it("names reordered records", () => {
    const c = chainOf(alg, 5);
    const swapped = [c[0]!, { ...c[2]!, _id: c[1]!._id, seq: 2 }, { ...c[1]!, _id: c[2]!._id, seq: 3 }, c[3]!, c[4]!];
    expect(kinds(swapped)).toEqual(["2:reordered", "3:reordered", "4:reordered"]);
  });

  it("checks a range from the entry before it", () => {
    const c = chainOf(alg, 6);
    expect(verifyChain("44", c.slice(2), c[1], 3)).toEqual([]);
    // A link changed inside the range: the entry's own hash no longer matches, and it links to nothing.
    const changed = { ...c[3]!, prevHash: "00" };
    expect(verifyChain("44", [c[2]!, changed], c[1], 3).map((p) => `${p.seq}:${p.kind}`)).toEqual(["4:edited", "4:deleted"]);
  });
});

it("the two algorithms give different chains, and the canonical encoding ignores key order", () => {
  expect(chainOf("sha256", 1)[0]!.hash).not.toBe(chainOf("sm3", 1)[0]!.hash);
  const e = chainOf("sm3", 1)[0]!;
  const reordered = JSON.parse(JSON.stringify({ record: { ...Object.fromEntries(Object.entries(e.record).reverse()) }, prevHash: e.prevHash, province: e.province, alg: e.alg })) as ChainEntry;
  expect(canonical(reordered)).toBe(canonical(e));
});
