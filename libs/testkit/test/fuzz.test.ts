// The fuzz helper itself: its generators stay within the schema (or deliberately outside it), and
// its property does flag a server that answers INTERNAL — on loopback, against a real grpc-js server.
import { create, fromBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import fc from "fast-check";
import { createSigner, createVerifier } from "@kuayu/auth";
import { NotFoundError } from "@kuayu/domain";
import { implement, startServer, type RunningServer } from "@kuayu/grpc";
import { createLogger } from "@kuayu/logger";
import { commonV1, directoryV1, intakeV1 } from "@kuayu/proto";
import { checkOutcome, encode, fuzzMethod, messageArb, refusedTokens, requestArb, testKeys, type FuzzTokens } from "@kuayu/testkit";

const keys = testKeys();
const claims = { user: "u", courtId: "c-110105", roles: ["window-clerk" as const], province: "11" };
let tokens: FuzzTokens;
let server: RunningServer;
let bugHits = 0;

/** A directory whose GetCourt fails like a bug would (a plain Error: INTERNAL) on ids with a digit 7. */
function buggyDirectory() {
  const none = async () => ({});
  return implement(directoryV1.DirectoryService, {
    getCourt: async (req) => {
      if (/7/.test(req.courtId)) {
        bugHits++;
        throw new Error("bug");
      }
      throw new NotFoundError(`no court ${req.courtId}`);
    },
    batchGetCourts: none,
    searchCourts: none,
    resolveJurisdiction: none,
    validateRoute: none,
    listContacts: none,
    getWorkingStatus: none,
  });
}

beforeAll(async () => {
  const signer = await createSigner(keys.privateKey);
  const valid = await signer.mint(claims);
  tokens = { valid: [valid], invalid: await refusedTokens(valid, claims, signer) };
  server = await startServer({
    services: [buggyDirectory()],
    verifier: await createVerifier(keys.publicKey),
    log: createLogger({ service: "test", level: "silent" }),
    host: "127.0.0.1",
    port: 0,
  });
});
afterAll(() => server.server.forceShutdown());

const address = () => `127.0.0.1:${server.port}`;
const settings = { runs: 300, seed: 42, normal: async () => undefined };

describe("fuzz helper", () => {
  it("flags an INTERNAL answer (the property can fail)", async () => {
    const overrides = { court_id: fc.constantFrom("c-110105", "c-440703", "nope") };
    await expect(fuzzMethod(directoryV1.DirectoryService.method.getCourt, { ...settings, address: address(), tokens, overrides })).rejects.toThrow(/GetCourt answered INTERNAL/);
    expect(bugHits).toBeGreaterThan(0);
  });

  it("passes a method that only answers on purpose, and counts the answers", async () => {
    const report = await fuzzMethod(directoryV1.DirectoryService.method.searchCourts, { ...settings, address: address(), tokens });
    expect(report.codes.OK).toBeGreaterThan(0);
    expect(report.codes.UNAUTHENTICATED).toBeGreaterThan(0);
    expect(report.codes.INTERNAL).toBeUndefined();
    // Raw bodies that do not decode are refused as bad requests (not grpc-js's INTERNAL).
    expect(report.codes.INVALID_ARGUMENT).toBeGreaterThan(0);
  });

  it("refuses the refused tokens", async () => {
    const verifier = await createVerifier(keys.publicKey);
    for (const t of tokens.invalid) await expect(verifier.verify(t)).rejects.toThrow();
    await expect(verifier.verify(tokens.invalid[1]!)).rejects.toThrow(/exp/);
    await expect(verifier.verify(tokens.valid[0]!)).resolves.toMatchObject({ courtId: "c-110105" });
  });

  it("excuses no INTERNAL, whatever the body", () => {
    const method = directoryV1.DirectoryService.method.getCourt;
    const body = encode(method.input, { courtId: "x" });
    const out = { code: grpc.status.INTERNAL, details: "Error deserializing request", messages: 0 };
    expect(() => checkOutcome(method, { kind: "raw", bodies: [body], authorization: undefined }, out)).toThrow(/INTERNAL/);
    expect(() => checkOutcome(method, { kind: "raw", bodies: [Buffer.from([0xff])], authorization: undefined }, out)).toThrow(/INTERNAL/);
    expect(() => checkOutcome(method, { kind: "valid", bodies: [body], authorization: undefined }, { ...out, code: grpc.status.UNKNOWN })).toThrow(/UNKNOWN/);
  });

  it("builds valid messages within the schema and invalid ones outside it", () => {
    const schema = intakeV1.FilingDetailsSchema;
    const declared = new Set(Object.values(commonV1.CaseType).filter((v) => typeof v === "number"));
    fc.assert(
      fc.property(messageArb(schema, "valid"), (init) => {
        const msg = fromBinary(schema, encode(schema, init));
        expect(declared.has(msg.caseType)).toBe(true);
        expect(msg.parties.length).toBeLessThanOrEqual(3);
      }),
      { numRuns: 200, seed: 1 },
    );
    const undeclared = fc.sample(messageArb(schema, "invalid"), { numRuns: 300, seed: 1 }).filter((i) => i.caseType !== undefined && !declared.has(i.caseType as number));
    expect(undeclared.length).toBeGreaterThan(0);
    const kinds = fc.sample(requestArb(intakeV1.FilingIntakeService.method.uploadMaterial, tokens), { numRuns: 300, seed: 1 });
    expect(new Set(kinds.map((k) => k.kind))).toEqual(new Set(["valid", "invalid", "raw"]));
    expect(kinds.some((k) => k.bodies.length > 1)).toBe(true);
    expect(() => create(schema, fc.sample(messageArb(schema, "invalid"), 1)[0] as never)).not.toThrow();
  });
});
