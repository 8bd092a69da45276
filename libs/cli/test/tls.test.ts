// The CLI's --ca/--cert/--cert-key (defaults TLS_*): mutual TLS to a real TLS server on loopback.
import { createVerifier } from "@kuayu/auth";
import { createClient, startServer, tlsFromSettings, type RunningServer } from "@kuayu/grpc";
import { createLogger } from "@kuayu/logger";
import { grpcHealthV1 } from "@kuayu/proto";
import { testCertificates, testKeys } from "@kuayu/testkit";
import { CliUsageError, connection } from "../src/filing";

const certs = testCertificates();
let server: RunningServer;
let addr: string;

beforeAll(async () => {
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    log: createLogger({ service: "test", level: "silent" }),
    verifier: await createVerifier(testKeys().publicKey),
    services: [],
    credentials: tlsFromSettings(certs.serverEnv).server,
  });
  addr = `127.0.0.1:${server.port}`;
});
afterAll(() => server.drain(1000));

/** The health check through the connection the CLI builds from these options and environment. */
async function check(o: { ca?: string; cert?: string; certKey?: string }, env: NodeJS.ProcessEnv = {}): Promise<unknown> {
  const conn = connection({ addr, token: "t", ...o }, env);
  const client = createClient(grpcHealthV1.Health, conn.address, { credentials: conn.credentials, timeoutMs: 5000 });
  try {
    return grpcHealthV1.HealthCheckResponse_ServingStatus[(await client.check({ service: "" })).status];
  } catch (err) {
    return (err as { code: number }).code;
  } finally {
    client.close();
  }
}

describe("mutual TLS options", () => {
  it("connects with --ca, --cert and --cert-key", async () => {
    expect(await check({ ca: certs.ca, cert: certs.clientCert, certKey: certs.clientKey })).toBe("SERVING");
  });

  it("takes TLS_CA_FILE, TLS_CERT_FILE and TLS_KEY_FILE by default", async () => {
    expect(await check({}, certs.clientEnv)).toBe("SERVING");
  });

  it("without them is plaintext, which the TLS server refuses (UNAVAILABLE)", async () => {
    expect(await check({}, {})).toBe(14);
  });

  it("wants all three, and says which flag is missing", () => {
    expect(() => connection({ addr, token: "t", ca: certs.ca }, {})).toThrow(CliUsageError);
    expect(() => connection({ addr, token: "t", ca: certs.ca }, {})).toThrow(/--cert \(TLS_CERT_FILE\): required.*--cert-key \(TLS_KEY_FILE\): required/);
    expect(() => connection({ addr, token: "t", certKey: "/nonexistent.pem" }, certs.clientEnv)).toThrow(/--cert-key \(TLS_KEY_FILE\): cannot read \/nonexistent\.pem/);
  });
});
