// Property-based fuzzing of every DirectoryService RPC (fast-check): valid messages with real court
// ids, invalid messages, raw bytes, valid and refused tokens. No INTERNAL/UNKNOWN, no unhandled
// rejection, and the service still answers afterwards. FUZZ_RUNS (default 500) and FUZZ_SEED.
import { createSigner } from "@kuayu/auth";
import { createClient } from "@kuayu/grpc";
import { createLogger } from "@kuayu/logger";
import { directoryV1 } from "@kuayu/proto";
import { directoryOverrides, formatReports, fuzzMethod, fuzzSettings, methodsOf, refusedTokens, testKeys, type FuzzReport, type FuzzTokens } from "@kuayu/testkit";
import { readConfig } from "../src/config";
import { startApp, type App } from "../src/app";

const { runs, seed } = fuzzSettings();
const keys = testKeys();
const reports: FuzzReport[] = [];
let app: App;
let tokens: FuzzTokens;
let client: ReturnType<typeof createClient<typeof directoryV1.DirectoryService>>;

beforeAll(async () => {
  app = await startApp(readConfig({ GRPC_PORT: "0", GRPC_HOST: "127.0.0.1", JWT_PUBLIC_KEY: keys.publicKey }), createLogger({ service: "routing", level: "silent" }));
  const signer = await createSigner(keys.privateKey);
  const clerk = { user: "u", courtId: "c-440703", roles: ["window-clerk" as const], province: "44" };
  const valid = [await signer.mint(clerk), await signer.mint({ user: "s", courtId: "c-110105", roles: ["supervisor"], province: "11" })];
  tokens = { valid, invalid: await refusedTokens(valid[0]!, clerk, signer) };
  client = createClient(directoryV1.DirectoryService, `127.0.0.1:${app.grpcPort}`, { token: valid[0] });
});
afterAll(async () => {
  console.log(formatReports(reports, seed));
  client?.close();
  expect(await app?.stop()).toBe(true);
});

const overrides = directoryOverrides();

it.each(methodsOf(directoryV1.DirectoryService))(
  "DirectoryService/%s survives fuzzing",
  async (_name, method) => {
    const report = await fuzzMethod(method, {
      address: `127.0.0.1:${app.grpcPort}`,
      tokens,
      runs,
      seed,
      overrides,
      normal: async () => expect((await client.getCourt({ courtId: "c-110105" })).court?.name).toBe("北京市朝阳区人民法院"),
    });
    reports.push(report);
  },
  60_000 + runs * 100,
);
