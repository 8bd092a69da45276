// Property-based fuzzing of every FilingIntakeService RPC (fast-check), with routing and intake in
// this process on the real broker and store: valid messages (real court ids, existing filings and
// materials, real uploads), invalid messages, raw bytes, valid and refused tokens. No
// INTERNAL/UNKNOWN, no unhandled rejection, and intake still answers afterwards.
import fc from "fast-check";
import { intakeV1 } from "@kuayu/proto";
import { assertInfraUp, directoryOverrides, formatReports, fuzzMethod, fuzzSettings, infra, messageArb, methodsOf, refusedTokens, type FuzzReport, type FuzzTokens, type Init } from "@kuayu/testkit";
import { connectMongo } from "@kuayu/mongo";
import { BEIJING_CHAOYANG, CIVIL_REQUIRED, TRIBUNAL, civilDetails, pdf, readyDraft, startHarness, type Harness, type IntakeClient } from "./support";

const { runs, seed } = fuzzSettings();
const reports: FuzzReport[] = [];
let h: Harness;
let clerk: IntakeClient;
let tokens: FuzzTokens;
let filingIds: string[] = [];
let materialIds: string[] = [];

beforeAll(async () => {
  await assertInfraUp();
  h = await startHarness();
  clerk = await h.client(TRIBUNAL.id, TRIBUNAL.province);
  const valid = [
    await h.token(TRIBUNAL.id, TRIBUNAL.province),
    await h.token(BEIJING_CHAOYANG.id, BEIJING_CHAOYANG.province, ["filing-specialist"]),
    await h.token("c-440104", "44", ["window-clerk", "operator"]),
    // The console's party page: LookupFiling's own token.
    await h.publicToken("fuzz-visitor"),
  ];
  tokens = { valid, invalid: await refusedTokens(valid[0]!, { user: `user-${TRIBUNAL.id}`, courtId: TRIBUNAL.id, roles: ["window-clerk"], province: TRIBUNAL.province }) };
  filingIds = [await readyDraft(clerk), await readyDraft(clerk), (await clerk.createDraft({ details: civilDetails() })).filing!.filingId];
  materialIds = (await clerk.getFiling({ filingId: filingIds[0]! })).filing!.materials.map((m) => m.materialId);
}, 120_000);
afterAll(async () => {
  console.log(formatReports(reports, seed));
  if (h) {
    const store = await connectMongo({ uri: infra.mongoUri, dbName: h.db });
    await store.dropDatabase();
    await store.close();
  }
  await h?.close();
});

const courts = directoryOverrides();
const details = fc.oneof(fc.constant(civilDetails() as Init), messageArb(intakeV1.FilingDetailsSchema, "valid", courts));
const overrides = () => ({
  ...courts,
  filing_id: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...filingIds) }, { weight: 1, arbitrary: fc.uuid() }),
  material_id: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...materialIds) }, { weight: 1, arbitrary: fc.uuid() }),
  kind: fc.constantFrom(...CIVIL_REQUIRED, "nope"),
  idempotency_key: fc.stringMatching(/^[\x21-\x7e]{8,40}$/),
  details,
});
/** A real upload (header, then one or two chunks of a PDF), sometimes with a wrong size or hash. */
const upload = () =>
  fc.tuple(fc.constantFrom(...filingIds), fc.constantFrom(...CIVIL_REQUIRED), fc.integer({ min: 16, max: 4096 }), fc.boolean(), fc.boolean()).map(([filingId, kind, size, honest, split]): Init[] => {
    const bytes = pdf(size, size);
    const header = { part: { case: "header", value: { filingId, kind, fileName: `${kind}.pdf`, sizeBytes: BigInt(honest ? size : size + 1) } } };
    const chunks = split ? [bytes.subarray(0, size >> 1), bytes.subarray(size >> 1)] : [bytes];
    return [header, ...chunks.map((c) => ({ part: { case: "chunk", value: c } }))];
  });

it.each(methodsOf(intakeV1.FilingIntakeService))(
  "FilingIntakeService/%s survives fuzzing",
  async (name, method) => {
    const report = await fuzzMethod(method, {
      address: h.address,
      tokens,
      runs,
      seed,
      overrides: overrides(),
      tuned: name === "UploadMaterial" || name === "UploadMaterials" ? upload() : undefined,
      normal: async () => expect((await clerk.getFiling({ filingId: filingIds[2]! })).filing?.filingId).toBe(filingIds[2]),
    });
    reports.push(report);
  },
  60_000 + runs * 100,
);
