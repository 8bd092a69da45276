// Directory benchmark (issue: national court directory): in-process look-ups and route
// validation, GetCourt over gRPC next to raw grpc-js measured in the same run, and the memory
// the loaded directory takes. Run: `make build && node --expose-gc scripts/bench/directory.js [--quick]`.
// Prints medians of 3 rounds and writes bench-results/directory-<time>.json.
const fs = require("node:fs");
const path = require("node:path");
const { generateKeyPairSync } = require("node:crypto");
const grpc = require("@grpc/grpc-js");
const { loadDirectory } = require("../../libs/directory/dist");
const { validateRoute, CASE_TYPES } = require("../../libs/domain/dist");
const { createSigner } = require("../../libs/auth/dist");
const { createClient } = require("../../libs/grpc/dist");
const { directoryV1 } = require("../../libs/proto/dist");
const { createLogger } = require("../../libs/logger/dist");
const { startApp } = require("../../services/routing/dist/app");
const { readConfig } = require("../../services/routing/dist/config");

const quick = process.argv.includes("--quick");
const ROUNDS = 3;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const log = (...a) => process.stderr.write(`${a.join(" ")}\n`);

function rng(seed) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

async function concurrent(n, concurrency, call) {
  let next = 0;
  const t = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        await call();
      }
    }),
  );
  return n / (Number(process.hrtime.bigint() - t) / 1e9);
}

async function main() {
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const dir = loadDirectory();
  const loadMs = performance.now() - t0;
  global.gc?.();
  const heapMb = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
  log(`directory: ${dir.courts.length} courts loaded in ${loadMs.toFixed(0)} ms, heap +${heapMb.toFixed(1)} MiB${global.gc ? "" : " (run with --expose-gc for a precise figure)"}`);

  const ids = dir.courts.map((c) => c.id);
  const rand = rng(42);
  const pick = () => ids[Math.floor(rand() * ids.length)];
  const N = quick ? 100_000 : 1_000_000;
  const lookups = [],
    routes = [];
  for (let r = 0; r < ROUNDS; r++) {
    let t = process.hrtime.bigint();
    let found = 0;
    for (let i = 0; i < N; i++) if (dir.byId(pick())) found++;
    lookups.push(N / (Number(process.hrtime.bigint() - t) / 1e9));
    if (found !== N) throw new Error("look-up missed a court");
    const asRoute = (c) => ({ id: c.id, kind: c.kind, level: c.level, roles: c.roles, acceptsCaseTypes: c.caseTypes });
    t = process.hrtime.bigint();
    let valid = 0;
    for (let i = 0; i < N / 10; i++) {
      const problems = validateRoute({ collaboratingCourt: asRoute(dir.byId(pick())), jurisdictionCourt: asRoute(dir.byId(pick())), caseType: CASE_TYPES[i % 6] });
      if (problems.length === 0) valid++;
    }
    routes.push(N / 10 / (Number(process.hrtime.bigint() - t) / 1e9));
    log(`round ${r + 1}: look-ups ${Math.round(lookups[r])}/s, route validations ${Math.round(routes[r])}/s (${valid} valid)`);
  }

  // gRPC: the routing service's GetCourt vs a raw grpc-js unary echo of the same response size.
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const app = await startApp(
    readConfig({ GRPC_PORT: "0", GRPC_HOST: "127.0.0.1", JWT_PUBLIC_KEY: publicKey.export({ type: "spki", format: "pem" }).toString() }),
    createLogger({ service: "routing", level: "silent" }),
  );
  const token = await (await createSigner(privateKey.export({ type: "pkcs8", format: "pem" }).toString())).mint({ user: "bench", courtId: "c-440703", roles: ["window-clerk"], province: "44" });
  const client = createClient(directoryV1.DirectoryService, `127.0.0.1:${app.grpcPort}`, { token });
  const sample = await client.getCourt({ courtId: "c-440703" });
  const { toBinary } = require("@bufbuild/protobuf");
  const payload = Buffer.from(toBinary(directoryV1.GetCourtResponseSchema, sample));

  const raw = new grpc.Server();
  const def = {
    echo: {
      path: "/bench.Raw/Echo",
      requestStream: false,
      responseStream: false,
      requestSerialize: (b) => b,
      requestDeserialize: (b) => b,
      responseSerialize: (b) => b,
      responseDeserialize: (b) => b,
    },
  };
  raw.addService(def, { echo: (_call, cb) => cb(null, payload) });
  const rawPort = await new Promise((ok, ko) => raw.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? ko(e) : ok(p))));
  const RawClient = grpc.makeGenericClientConstructor(def, "Raw");
  const rawClient = new RawClient(`127.0.0.1:${rawPort}`, grpc.credentials.createInsecure());
  const rawCall = () => new Promise((ok, ko) => rawClient.echo(Buffer.from("c-440703"), { deadline: Date.now() + 10_000 }, (e, r) => (e ? ko(e) : ok(r))));

  const CALLS = quick ? 2_000 : 20_000;
  const rawRates = [],
    svcRates = [];
  await concurrent(500, 50, rawCall);
  await concurrent(500, 50, () => client.getCourt({ courtId: pick() }));
  for (let r = 0; r < ROUNDS; r++) {
    rawRates.push(await concurrent(CALLS, 50, rawCall));
    svcRates.push(await concurrent(CALLS, 50, () => client.getCourt({ courtId: pick() })));
    log(`round ${r + 1}: raw grpc-js ${Math.round(rawRates[r])} calls/s, DirectoryService.GetCourt ${Math.round(svcRates[r])} calls/s`);
  }
  client.close();
  rawClient.close();
  raw.forceShutdown();
  await app.stop();

  const result = {
    machine: { cpus: require("node:os").cpus().length, node: process.version },
    courts: dir.courts.length,
    loadMs: Math.round(loadMs),
    heapMiB: Number(heapMb.toFixed(1)),
    lookupsPerSec: Math.round(median(lookups)),
    routeValidationsPerSec: Math.round(median(routes)),
    grpc: {
      concurrency: 50,
      calls: CALLS,
      rawGrpcJsPerSec: Math.round(median(rawRates)),
      getCourtPerSec: Math.round(median(svcRates)),
      ratio: Number((median(svcRates) / median(rawRates)).toFixed(2)),
    },
  };
  const out = path.join(__dirname, "../../bench-results", `directory-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2));
  console.log(`
| measure (median of ${ROUNDS}) | value |
|---|---|
| directory load | ${result.loadMs} ms, heap +${result.heapMiB} MiB (${result.courts} courts) |
| court look-up by id, in-process | ${result.lookupsPerSec.toLocaleString("en")} /s |
| route validation, in-process | ${result.routeValidationsPerSec.toLocaleString("en")} /s |
| raw grpc-js unary (same payload, 50 in flight) | ${result.grpc.rawGrpcJsPerSec.toLocaleString("en")} calls/s |
| DirectoryService.GetCourt (auth + protobuf-es, 50 in flight) | ${result.grpc.getCourtPerSec.toLocaleString("en")} calls/s (${result.grpc.ratio}× raw) |
results: ${path.relative(process.cwd(), out)}`);
}

main().catch((err) => {
  console.error(`bench: ${err.stack ?? err}`);
  process.exit(1);
});
