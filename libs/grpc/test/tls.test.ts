// Mutual TLS on loopback with certificates made by scripts/tls/dev-certs.sh: the server requires a
// client certificate of its CA, the client requires a server certificate of its CA.
import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { createVerifier } from "@kuayu/auth";
import { ConfigError } from "@kuayu/config";
import { createClient, implement, startServer, tlsFromSettings, type RunningServer } from "@kuayu/grpc";
import { createLogger } from "@kuayu/logger";
import { directoryV1, grpcHealthV1 } from "@kuayu/proto";
import { testCertificates, testKeys, type TestCertificates } from "@kuayu/testkit";

let ours: TestCertificates, other: TestCertificates;
let server: RunningServer, rogue: RunningServer;

const start = async (certs: TestCertificates) =>
  startServer({
    host: "127.0.0.1",
    port: 0,
    log: createLogger({ service: "test", level: "silent" }),
    verifier: await createVerifier(testKeys().publicKey),
    services: [implement(directoryV1.DirectoryService, Object.fromEntries(directoryV1.DirectoryService.methods.map((m) => [m.localName, () => Promise.reject(new Error("not under test"))])) as never)],
    credentials: tlsFromSettings(certs.serverEnv).server,
    healthPort: 0,
  });

beforeAll(async () => {
  ours = testCertificates("Kuayu test");
  other = testCertificates("Someone else");
  server = await start(ours);
  rogue = await start(other); // a server with a certificate of another CA
});
afterAll(() => Promise.all([server.drain(1000), rogue.drain(1000)]));

/** The health check's status, or the gRPC error code the call failed with. */
async function check(port: number, credentials: grpc.ChannelCredentials): Promise<string | number> {
  const client = createClient(grpcHealthV1.Health, `127.0.0.1:${port}`, { credentials, timeoutMs: 5000 });
  try {
    const res = await client.check({ service: "" });
    return grpcHealthV1.HealthCheckResponse_ServingStatus[res.status];
  } catch (err) {
    return (err as grpc.ServiceError).code;
  } finally {
    client.close();
  }
}

const pem = (f: string) => readFileSync(f);

describe("mutual TLS", () => {
  it("serves a client presenting a certificate of its CA (the client pair, or a service's own pair)", async () => {
    expect(await check(server.port, tlsFromSettings(ours.clientEnv).channel)).toBe("SERVING");
    expect(await check(server.port, tlsFromSettings(ours.serverEnv).channel)).toBe("SERVING");
  });

  it("refuses a client without a certificate", async () => {
    expect(await check(server.port, grpc.credentials.createSsl(pem(ours.ca)))).toBe(grpc.status.UNAVAILABLE);
  });

  it("refuses a client whose certificate another CA issued", async () => {
    expect(await check(server.port, grpc.credentials.createSsl(pem(ours.ca), pem(other.clientKey), pem(other.clientCert)))).toBe(grpc.status.UNAVAILABLE);
  });

  it("refuses a plaintext client", async () => {
    expect(await check(server.port, grpc.credentials.createInsecure())).toBe(grpc.status.UNAVAILABLE);
  });

  it("a client refuses a server whose certificate another CA issued", async () => {
    expect(await check(rogue.port, tlsFromSettings(ours.clientEnv).channel)).toBe(grpc.status.UNAVAILABLE);
    // … which serves its own CA's clients.
    expect(await check(rogue.port, tlsFromSettings(other.clientEnv).channel)).toBe("SERVING");
  });
});

describe("the plaintext health port (Kubernetes' gRPC probes)", () => {
  it("answers grpc.health.v1 without TLS, with the server's statuses", async () => {
    const plain = grpc.credentials.createInsecure();
    expect(await check(server.healthPort!, plain)).toBe("SERVING");
    server.health.setStatus("", "NOT_SERVING");
    try {
      expect(await check(server.healthPort!, plain)).toBe("NOT_SERVING");
    } finally {
      server.health.setStatus("", "SERVING");
    }
  });

  it("serves nothing else", async () => {
    const client = createClient(directoryV1.DirectoryService, `127.0.0.1:${server.healthPort}`, { credentials: grpc.credentials.createInsecure(), timeoutMs: 5000 });
    try {
      await expect(client.getCourt({ courtId: "c-1" })).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
    } finally {
      client.close();
    }
  });
});

describe("tlsFromSettings", () => {
  it("is plaintext with no TLS_* set", () => {
    expect(tlsFromSettings({}).files).toBeUndefined();
  });

  it("names what is missing or unreadable", () => {
    expect(() => tlsFromSettings({ TLS_CA_FILE: ours.ca })).toThrow(ConfigError);
    expect(() => tlsFromSettings({ TLS_CA_FILE: ours.ca })).toThrow(/TLS_CERT_FILE: required.*\n.*TLS_KEY_FILE: required/);
    expect(() => tlsFromSettings({ ...ours.serverEnv, TLS_KEY_FILE: `${ours.dir}/missing.pem` })).toThrow(/TLS_KEY_FILE: cannot read .*missing\.pem \(ENOENT\)/);
  });
});
