// The gRPC platform on loopback: authentication, error details, health and reflection.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { generateKeyPairSync } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { createSigner, createVerifier, type Scope } from "@kuayu/auth";
import { createClient, fieldViolations, implement, requireRole, startServer, type CallContext, type RunningServer } from "@kuayu/grpc";
import { ValidationError } from "@kuayu/domain";
import { MongoNetworkError } from "mongodb";
import { createLogger } from "@kuayu/logger";
import { directoryV1 } from "@kuayu/proto";

const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const pub = publicKey.export({ type: "spki", format: "pem" }).toString();
const priv = privateKey.export({ type: "pkcs8", format: "pem" }).toString();

// Asynchronous on purpose: the server under test runs in this process's event loop.
const grpcurl = async (...args: string[]) => (await promisify(execFile)("grpcurl", ["-plaintext", ...args], { encoding: "utf8" })).stdout;

let server: RunningServer;
let storeUp = true;
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
    readiness: [{ name: "store", check: () => (storeUp ? Promise.resolve() : Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:27017"))) }],
    readinessIntervalMs: 50,
    services: [
      // A stand-in implementation of a real service definition: the methods the tests call, and
      // the others failing if called.
      implement(directoryV1.DirectoryService, {
        ...Object.fromEntries(directoryV1.DirectoryService.methods.map((m) => [m.localName, () => Promise.reject(new Error("not under test"))])),
        async getCourt(req: directoryV1.GetCourtRequest) {
          if (!req.courtId) throw new ValidationError([{ field: "court_id", description: "must not be empty" }]);
          if (req.courtId === "store-down") throw new MongoNetworkError("connection 7 to 127.0.0.1:27017 closed");
          return { court: { courtId: req.courtId, name: "北京市朝阳区人民法院" } };
        },
        async listContacts(_req: directoryV1.ListContactsRequest, ctx: CallContext) {
          requireRole(ctx, "supervisor");
          return { contacts: [] };
        },
      } as never),
    ],
  });
  address = `127.0.0.1:${server.port}`;
});
afterAll(() => server.drain(1000));

describe("gRPC server", () => {
  it("serves an authenticated call and hands the handler the caller", async () => {
    const client = createClient(directoryV1.DirectoryService, address, { token: clerkToken });
    const res = await client.getCourt({ courtId: "c-110105" });
    expect(res.court?.name).toBe("北京市朝阳区人民法院");
    client.close();
  });

  it("answers UNAUTHENTICATED without a valid token", async () => {
    const anon = createClient(directoryV1.DirectoryService, address);
    await expect(anon.getCourt({ courtId: "x" })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    const forged = createClient(directoryV1.DirectoryService, address, { token: "e30.e30.sig" });
    await expect(forged.getCourt({ courtId: "x" })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    anon.close();
    forged.close();
  });

  it("answers PERMISSION_DENIED for a missing role and INVALID_ARGUMENT with field details", async () => {
    const client = createClient(directoryV1.DirectoryService, address, { token: clerkToken });
    await expect(client.listContacts({ courtId: "c-1" })).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    const err = await client.getCourt({ courtId: "" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    expect(fieldViolations(err)).toEqual([{ field: "court_id", description: "must not be empty" }]);
    client.close();
  });

  it("answers INVALID_ARGUMENT for a field over the bound its proto declares, before the handler runs", async () => {
    const client = createClient(directoryV1.DirectoryService, address, { token: clerkToken });
    // The handler would answer any id (see above): only the declared bound (128 characters) refuses it.
    await expect(client.getCourt({ courtId: "c".repeat(128) })).resolves.toMatchObject({ court: { courtId: "c".repeat(128) } });
    const err = await client.getCourt({ courtId: "法".repeat(129) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    expect(fieldViolations(err)).toEqual([{ field: "court_id", description: "must be at most 128 characters" }]);
    // Unauthenticated callers learn nothing about the bounds: authentication comes first.
    const anon = createClient(directoryV1.DirectoryService, address);
    await expect(anon.getCourt({ courtId: "法".repeat(129) })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    anon.close();
    client.close();
  });

  it("answers INVALID_ARGUMENT, not INTERNAL, to a body that does not decode", async () => {
    const raw = new grpc.Client(address, grpc.credentials.createInsecure());
    const call = (body: Buffer, token?: string) =>
      new Promise<grpc.ServiceError | undefined>((resolve) => {
        const md = new grpc.Metadata();
        if (token) md.set("authorization", `Bearer ${token}`);
        const pass = (b: Buffer) => b;
        raw.makeUnaryRequest("/kuayu.directory.v1.DirectoryService/GetCourt", pass, pass, body, md, (err) => resolve(err ?? undefined));
      });
    const garbage = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]); // field 1, a length past the end
    const err = await call(garbage, clerkToken);
    expect(err).toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    expect(fieldViolations(err)[0]!.description).toMatch(/^not a valid kuayu\.directory\.v1\.GetCourtRequest/);
    expect(await call(garbage)).toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    raw.close();
  });

  it("is listed and callable through reflection by grpcurl, with health", async () => {
    const services = (await grpcurl(address, "list")).split("\n");
    expect(services).toEqual(expect.arrayContaining(["grpc.health.v1.Health", "kuayu.directory.v1.DirectoryService"]));
    expect(await grpcurl("-d", '{"service":"kuayu.directory.v1.DirectoryService"}', address, "grpc.health.v1.Health/Check")).toContain("SERVING");
    const described = await grpcurl(address, "describe", "kuayu.directory.v1.GetCourtRequest");
    expect(described).toContain("court_id");
    expect(await grpcurl(address, "describe", "google.rpc.BadRequest")).toContain("field_violations");
    const called = await grpcurl("-H", `authorization: Bearer ${clerkToken}`, "-d", '{"court_id":"c-via-grpcurl"}', address, "kuayu.directory.v1.DirectoryService/GetCourt");
    expect(JSON.parse(called).court.courtId).toBe("c-via-grpcurl");
  });

  it("answers UNAVAILABLE, not INTERNAL, when the store cannot be reached", async () => {
    const client = createClient(directoryV1.DirectoryService, address, { token: clerkToken });
    await expect(client.getCourt({ courtId: "store-down" })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    client.close();
  });

  it("is ready only while its dependencies answer; liveness does not follow them", async () => {
    const check = (service: string) => grpcurl("-d", JSON.stringify({ service }), address, "grpc.health.v1.Health/Check");
    expect(await check("readiness")).toMatch(/"SERVING"/);
    storeUp = false;
    await new Promise((r) => setTimeout(r, 300));
    expect(await check("readiness")).toMatch(/"NOT_SERVING"/);
    expect(await check("")).toMatch(/"SERVING"/);
    storeUp = true;
    await new Promise((r) => setTimeout(r, 300));
    expect(await check("readiness")).toMatch(/"SERVING"/);
  });

  it("reports NOT_SERVING once shutdown begins", async () => {
    server.notServing();
    const out = await grpcurl(address, "grpc.health.v1.Health/Check");
    expect(out).toContain("NOT_SERVING");
  });
});

/** Two calls a second per court (or public visitor); getCourt answers with the caller's user. */
async function limitedServer(scoped: { getCourt?: readonly Scope[] } = {}): Promise<RunningServer> {
  return startServer({
    host: "127.0.0.1",
    port: 0,
    log: createLogger({ service: "test", level: "silent" }),
    verifier: await createVerifier(pub, { audiences: ["kuayu:notification", "kuayu:intake"] }),
    callsPerCourtPerSecond: 2,
    services: [
      implement(
        directoryV1.DirectoryService,
        {
          ...Object.fromEntries(directoryV1.DirectoryService.methods.map((m) => [m.localName, () => Promise.reject(new Error("not under test"))])),
          async getCourt(req: directoryV1.GetCourtRequest, ctx: CallContext) {
            return { court: { courtId: req.courtId, name: ctx.auth.user } };
          },
        } as never,
        scoped,
      ),
    ],
  });
}

describe("tokens without roles", () => {
  it("reach only the methods that name one of their scopes; a public token is limited per visitor, not per court", async () => {
    const signer = await createSigner(priv);
    const scoped = await limitedServer({ getCourt: ["document:verify"] });
    try {
      const addr = `127.0.0.1:${scoped.port}`;
      const visitor = (v: string) => signer.mintPublic({ visitor: v, scope: "document:verify", audience: "kuayu:notification" });
      const a = createClient(directoryV1.DirectoryService, addr, { token: await visitor("visitor-a") });
      const b = createClient(directoryV1.DirectoryService, addr, { token: await visitor("visitor-b") });
      const copier = createClient(directoryV1.DirectoryService, addr, {
        token: await signer.mintService({ user: "svc-decision", courtId: "c-1", province: "44", scope: "material:read", filing: "F-1", audience: "kuayu:intake" }),
      });
      await expect(a.getCourt({ courtId: "c-1" })).resolves.toMatchObject({ court: { name: "public:visitor-a" } });
      await expect(a.listContacts({ courtId: "c-1" })).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: "this call needs a user's token (one with roles)" });
      await expect(copier.getCourt({ courtId: "c-1" })).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: "this call needs a user's token or the scope document:verify" });
      // Two a second each: the third of visitor a is refused, visitor b is not held up by a.
      const results = await Promise.allSettled([1, 2].map(() => a.getCourt({ courtId: "c-1" })));
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected"]);
      expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
      await expect(b.getCourt({ courtId: "c-1" })).resolves.toBeDefined();
      for (const c of [a, b, copier]) c.close();
    } finally {
      await scoped.drain(1000);
    }
  });
});

describe("calls per court", () => {
  it("answers RESOURCE_EXHAUSTED once a court exceeds its calls per second; other courts are not affected", async () => {
    const signer = await createSigner(priv);
    const limited = await limitedServer();
    try {
      const addr = `127.0.0.1:${limited.port}`;
      const busy = createClient(directoryV1.DirectoryService, addr, { token: await signer.mint({ user: "u1", courtId: "c-1", roles: ["window-clerk"], province: "44" }) });
      const calm = createClient(directoryV1.DirectoryService, addr, { token: await signer.mint({ user: "u2", courtId: "c-2", roles: ["window-clerk"], province: "44" }) });
      const results = await Promise.allSettled([1, 2, 3].map(() => busy.getCourt({ courtId: "c-110105" })));
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
      expect((results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason).toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
      await expect(calm.getCourt({ courtId: "c-110105" })).resolves.toBeDefined();
      busy.close();
      calm.close();
    } finally {
      await limited.drain(1000);
    }
  });
});
