// Supervision as its own process (built dist/) with TLS_* set: gRPC only over mutual TLS, the HTTP API
// only over HTTPS with the service's certificate (client certificates not asked for).
import { readFileSync } from "node:fs";
import { request } from "node:https";
import path from "node:path";
import { createSigner } from "@kuayu/auth";
import { createClient, tlsFromSettings } from "@kuayu/grpc";
import { connectMongo } from "@kuayu/mongo";
import { grpcHealthV1, supervisionV1 } from "@kuayu/proto";
import { assertInfraUp, infra, spawnService, testCertificates, testKeys, uniqueName, type ServiceProcess } from "@kuayu/testkit";
import { testEnv } from "./support";

const keys = testKeys();
const certs = testCertificates();
const db = uniqueName("supervision_tls");
let proc: ServiceProcess;
let grpcPort: number, httpPort: number;
let token: string;

beforeAll(async () => {
  await assertInfraUp();
  token = await (await createSigner(keys.privateKey)).mint({ user: "u-spc", courtId: "c-spc", roles: ["supervisor"], province: "00" });
  proc = spawnService(
    path.resolve(__dirname, "../dist/main.js"),
    testEnv(db, keys.publicKey, {
      KAFKA_TOPIC_PREFIX: `${uniqueName("tls").replace(/_/g, "-").toLowerCase()}.`,
      KAFKA_FROM_BEGINNING: "true",
      LOG_LEVEL: "info",
      OTEL_SERVICE_NAME: "supervision",
      ...certs.serverEnv,
    }),
  );
  const line = await proc.waitFor((l) => l.msg === "supervision started", 90_000);
  grpcPort = Number(line.grpcPort);
  httpPort = Number(line.httpPort);
});
afterAll(async () => {
  await proc?.kill("SIGKILL");
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: db });
  await conn.dropDatabase();
  await conn.close();
});

/** GET over HTTPS trusting only the test CA: the status code, or the error. */
const httpsGet = (urlPath: string, headers: Record<string, string> = {}) =>
  new Promise<number>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: httpPort, path: urlPath, headers, ca: readFileSync(certs.ca), servername: "localhost" }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on("error", reject);
    req.end();
  });

it("answers gRPC over mutual TLS with the client pair", async () => {
  const { channel } = tlsFromSettings(certs.clientEnv);
  const health = createClient(grpcHealthV1.Health, `127.0.0.1:${grpcPort}`, { credentials: channel, timeoutMs: 10_000 });
  const spc = createClient(supervisionV1.SupervisionService, `127.0.0.1:${grpcPort}`, { credentials: channel, token, timeoutMs: 10_000 });
  try {
    expect((await health.check({ service: "" })).status).toBe(grpcHealthV1.HealthCheckResponse_ServingStatus.SERVING);
    const res = await spc.getIndicators({ scope: { level: supervisionV1.ScopeLevel.NATIONAL, id: "" }, fromDate: "2026-04-01", toDate: "2026-04-07" });
    expect(res.indicators?.decided).toBe(0n);
    // Without a client certificate: the handshake fails.
    const plain = createClient(grpcHealthV1.Health, `127.0.0.1:${grpcPort}`, { timeoutMs: 5_000 });
    await expect(plain.check({ service: "" })).rejects.toMatchObject({ code: 14 });
    plain.close();
  } finally {
    health.close();
    spc.close();
  }
});

it("serves its HTTP API over HTTPS only", async () => {
  const q = "/v1/indicators?level=national&from=2026-04-01&to=2026-04-07";
  expect(await httpsGet(q, { authorization: `Bearer ${token}` })).toBe(200);
  expect(await httpsGet(q)).toBe(401);
  // Plain HTTP to the same port: no answer the client can read.
  await expect(fetch(`http://127.0.0.1:${httpPort}${q}`, { headers: { authorization: `Bearer ${token}` } })).rejects.toThrow();
  // HTTPS without trusting the CA: the certificate is refused.
  await expect(fetch(`https://127.0.0.1:${httpPort}${q}`)).rejects.toThrow();
});
