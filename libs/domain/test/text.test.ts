import { create } from "@bufbuild/protobuf";
import { intakeV1 } from "@kuayu/proto";
import { ValidationError, nulFields, refuseNul } from "@kuayu/domain";

describe("NUL characters in requests", () => {
  it("are found in nested messages, lists and oneofs, by proto field name", () => {
    const req = create(intakeV1.CreateDraftRequestSchema, {
      details: {
        jurisdictionBasis: "a\u0000",
        parties: [{ address: "ok" }, { identity: { case: "person", value: { name: "张\u0000三" } } }],
      },
    });
    expect(nulFields(req).sort()).toEqual(["details.jurisdiction_basis", "details.parties[1].person.name"]);
    expect(nulFields(create(intakeV1.CreateDraftRequestSchema, { details: { claims: "判令被告支付货款" } }))).toEqual([]);
  });

  it("are refused before the handler runs, also in a client stream", async () => {
    const seen: unknown[] = [];
    const impl = refuseNul({
      unary: async (req: { name: string }) => (seen.push(req), { ok: true }),
      stream: async (reqs: AsyncIterable<{ name: string }>) => {
        for await (const r of reqs) seen.push(r);
        return { ok: true };
      },
    });
    await expect(impl.unary({ name: "x\u0000" })).rejects.toBeInstanceOf(ValidationError);
    await expect(impl.unary({ name: "x" })).resolves.toEqual({ ok: true });
    async function* parts() {
      yield { name: "a" };
      yield { name: "\u0000" };
    }
    await expect(impl.stream(parts())).rejects.toThrow(/must not contain NUL/);
    expect(seen).toEqual([{ name: "x" }, { name: "a" }]);
  });
});
