// The gRPC platform on loopback: authentication, error details, health and reflection.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { generateKeyPairSync } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { createSigner, createVerifier } from "@kuayu/auth";
import { createClient, fieldViolations, implement, requireRole, startServer, type RunningServer } from "@kuayu/grpc";
import { ValidationError } from "@kuayu/domain";
import { createLogger } from "@kuayu/logger";
import { intakeV1 } from "@kuayu/proto";

const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const pub = publicKey.export({ type: "spki", format: "pem" }).toString();
const priv = privateKey.export({ type: "pkcs8", format: "pem" }).toString();

// Asynchronous on purpose: the server under test runs in this process's event loop.
const grpcurl = async (...args: string[]) => (await promisify(execFile)("grpcurl", ["-plaintext", ...args], { encoding: "utf8" })).stdout;

let server: RunningServer;
let address: string;
let clerkToken: string;

beforeAll(async () => {
  const signer = await createSigner(priv);
  clerkToken = await signer.mint({ user: "u1", courtId: "c-1", roles: ["window-clerk"], province: "44" });
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    log: createLogger({ service: "test", level: "silent" }),
    verifier: await createVerifier(pub),
    services: [
      implement(intakeV1.FilingIntakeService, {
        async submitFiling(req) {
          if (!req.summary) throw new ValidationError([{ field: "summary", description: "must not be empty" }]);
          return { filing: { filingId: "f-1", summary: req.summary } };
        },
        async getFiling(req, ctx) {
          requireRole(ctx, "supervisor");
          return { filing: { filingId: req.filingId } };
        },
      }),
    ],
  });
  address = `127.0.0.1:${server.port}`;
});
afterAll(() => server.drain(1000));

describe("gRPC server", () => {
  it("serves an authenticated call and hands the handler the caller", async () => {
    const client = createClient(intakeV1.FilingIntakeService, address, { token: clerkToken });
    const res = await client.submitFiling({ summary: "借款合同纠纷" });
    expect(res.filing?.summary).toBe("借款合同纠纷");
    client.close();
  });

  it("answers UNAUTHENTICATED without a valid token", async () => {
    const anon = createClient(intakeV1.FilingIntakeService, address);
    await expect(anon.submitFiling({ summary: "x" })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    const forged = createClient(intakeV1.FilingIntakeService, address, { token: "e30.e30.sig" });
    await expect(forged.submitFiling({ summary: "x" })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    anon.close();
    forged.close();
  });

  it("answers PERMISSION_DENIED for a missing role and INVALID_ARGUMENT with field details", async () => {
    const client = createClient(intakeV1.FilingIntakeService, address, { token: clerkToken });
    await expect(client.getFiling({ filingId: "f-1" })).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    const err = await client.submitFiling({ summary: "" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    expect(fieldViolations(err)).toEqual([{ field: "summary", description: "must not be empty" }]);
    client.close();
  });

  it("is listed and callable through reflection by grpcurl, with health", async () => {
    const services = (await grpcurl(address, "list")).split("\n");
    expect(services).toEqual(expect.arrayContaining(["grpc.health.v1.Health", "kuayu.intake.v1.FilingIntakeService"]));
    expect(await grpcurl("-d", '{"service":"kuayu.intake.v1.FilingIntakeService"}', address, "grpc.health.v1.Health/Check")).toContain("SERVING");
    const described = await grpcurl(address, "describe", "kuayu.intake.v1.SubmitFilingRequest");
    expect(described).toContain("idempotency_key");
    expect(await grpcurl(address, "describe", "google.rpc.BadRequest")).toContain("field_violations");
    const called = await grpcurl("-H", `authorization: Bearer ${clerkToken}`, "-d", '{"summary":"via grpcurl"}', address, "kuayu.intake.v1.FilingIntakeService/SubmitFiling");
    expect(JSON.parse(called).filing.summary).toBe("via grpcurl");
  });

  it("reports NOT_SERVING once shutdown begins", async () => {
    server.notServing();
    const out = await grpcurl(address, "grpc.health.v1.Health/Check");
    expect(out).toContain("NOT_SERVING");
  });
});
