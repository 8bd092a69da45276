// Keys per release: every token names its key (kid), lives a bounded time, and a key of another
// release is trusted only for the provinces the verifier's settings bind it to. Rotation runs
// against a real HTTP server publishing the JWKS, as a release's supervision does.
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { SignJWT, base64url, decodeProtectedHeader } from "jose";
import { AuthError, INTAKE_AUDIENCE, NOTIFICATION_AUDIENCE, createSigner, createVerifier, grants, ownJwks, parseTrust, publicJwk, remoteKeys, type Jwks } from "@kuayu/auth";

const pair = () => {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { pub: publicKey.export({ type: "spki", format: "pem" }).toString(), priv: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), privateKey };
};
const own = pair();
const gd = pair(); // Guangdong's release (44)
const clerk = { user: "clerk", courtId: "t-440103001", roles: ["window-clerk" as const], province: "44" };
const dir = path.join(mkdtempSync(path.join(tmpdir(), "kuayu-keys-")), "44.json");

beforeAll(async () => writeFileSync(dir, JSON.stringify({ keys: [await publicJwk(gd.pub)] })));

describe("key ids", () => {
  it("a token carries its key's thumbprint as kid, which the published JWKS lists", async () => {
    const signer = await createSigner(own.priv);
    const token = await signer.mint(clerk);
    expect(decodeProtectedHeader(token)).toEqual({ alg: "ES256", kid: signer.kid });
    expect((await ownJwks({ JWT_PUBLIC_KEY: own.pub })).keys).toEqual([expect.objectContaining({ kid: signer.kid, alg: "ES256", use: "sig", kty: "EC", crv: "P-256" })]);
    expect(JSON.stringify(await ownJwks({ JWT_PUBLIC_KEY: own.pub }))).not.toMatch(/"d"/);
  });

  it("refuses a token without kid, with an unknown kid, alg none, or HS256 keyed with the public key", async () => {
    const v = await createVerifier(own.pub);
    const claims = { court: clerk.courtId, roles: clerk.roles, province: "44" };
    const jwt = () => new SignJWT(claims).setSubject("x").setIssuer("kuayu").setAudience("kuayu").setIssuedAt().setExpirationTime("1h");
    const signer = await createSigner(own.priv);
    const noKid = await jwt().setProtectedHeader({ alg: "ES256" }).sign(own.privateKey);
    const unknownKid = await jwt().setProtectedHeader({ alg: "ES256", kid: "not-a-key-of-ours" }).sign(own.privateKey);
    const hs256 = await jwt().setProtectedHeader({ alg: "HS256", kid: signer.kid }).sign(new TextEncoder().encode(own.pub));
    const none = `${base64url.encode(JSON.stringify({ alg: "none", kid: signer.kid }))}.${base64url.encode(JSON.stringify({ ...claims, sub: "x", iss: "kuayu", aud: "kuayu", iat: 1, exp: 4e9 }))}.`;
    await expect(v.verify(noKid)).rejects.toThrow(new AuthError("token names no key (kid)"));
    await expect(v.verify(unknownKid)).rejects.toThrow(new AuthError("token signed by an unknown key"));
    await expect(v.verify(hs256)).rejects.toThrow(new AuthError("token invalid"));
    await expect(v.verify(none)).rejects.toThrow(new AuthError("token invalid"));
    await expect(v.verify(await signer.mint(clerk))).resolves.toMatchObject({ courtId: clerk.courtId });
  });
});

describe("lifetimes", () => {
  it("requires exp and iat and refuses a token that lives longer than the maximum", async () => {
    const signer = await createSigner(own.priv);
    const claims = { court: clerk.courtId, roles: clerk.roles, province: "44" };
    const base = () => new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid: signer.kid }).setSubject("x").setIssuer("kuayu").setAudience("kuayu");
    const v = await createVerifier(own.pub);
    await expect(v.verify(await base().setIssuedAt().sign(own.privateKey))).rejects.toThrow(new AuthError("token has no exp"));
    await expect(v.verify(await base().setExpirationTime("1h").sign(own.privateKey))).rejects.toThrow(new AuthError("token has no iat"));
    await expect(v.verify(await signer.mint({ ...clerk, expiresIn: "13h" }))).rejects.toThrow(new AuthError("token lives longer than 12h"));
    await expect(v.verify(await signer.mint({ ...clerk, expiresIn: "12h" }))).resolves.toMatchObject({ user: "clerk" });
    const short = await createVerifier(own.pub, { maxLifetime: "1h" });
    await expect(short.verify(await signer.mint({ ...clerk, expiresIn: "2h" }))).rejects.toThrow(/longer than 1h/);
  });
});

it("never mints a token that lives longer than asked, when the clock's second turns while it is signed", async () => {
  const signer = await createSigner(own.priv);
  const v = await createVerifier(own.pub);
  // Every reading of the clock is a millisecond later, from the last millisecond of a second.
  const RealDate = Date;
  let t = Math.floor(RealDate.now() / 1000) * 1000 + 999;
  globalThis.Date = class extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length > 0) super(...(args as [number]));
      else super(t++);
    }
    static override now() {
      return t++;
    }
  } as DateConstructor;
  let token: string;
  try {
    token = await signer.mint({ ...clerk, expiresIn: "12h" });
  } finally {
    globalThis.Date = RealDate;
  }
  const { exp, iat } = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { exp: number; iat: number };
  expect(exp - iat).toBeLessThanOrEqual(12 * 3600);
  await expect(v.verify(token)).resolves.toMatchObject({ user: "clerk" });
});

describe("other releases' keys", () => {
  it("are trusted for the provinces the settings bind them to, and no other", async () => {
    const v = await createVerifier(own.pub, { trust: parseTrust(`44=${dir}`) });
    const signer = await createSigner(gd.priv);
    await expect(v.verify(await signer.mint(clerk))).resolves.toMatchObject({ province: "44" });
    await expect(v.verify(await signer.mint({ ...clerk, courtId: "c-110105", province: "11" }))).rejects.toThrow(new AuthError("token of province 11 signed by a key trusted for 44 only"));
    // Our own key is good for any province.
    await expect(v.verify(await (await createSigner(own.priv)).mint({ ...clerk, courtId: "c-110105", province: "11" }))).resolves.toMatchObject({ province: "11" });
  });

  it("reject a malformed JWT_TRUST with a clear message", () => {
    expect(() => parseTrust("44")).toThrow(/<provinces>=<url or file>/);
    expect(() => parseTrust("Guangdong=/x.json")).toThrow(/two-digit codes/);
    expect(parseTrust("11+12=https://kuayu-11.court.example/.well-known/jwks.json, *=/etc/jwks.json").map((t) => t.provinces)).toEqual([["11", "12"], "*"]);
  });
});

describe("the court directory", () => {
  const courts: Record<string, string> = { "t-440103001": "44", "c-110105": "11" };
  it("refuses a token whose court is unknown or in another province than it says", async () => {
    const v = await createVerifier(own.pub, { courtProvince: (id) => courts[id] });
    const signer = await createSigner(own.priv);
    await expect(v.verify(await signer.mint(clerk))).resolves.toMatchObject({ courtId: "t-440103001" });
    await expect(v.verify(await signer.mint({ ...clerk, courtId: "c-999999" }))).rejects.toThrow(new AuthError("token's court is not in the directory"));
    await expect(v.verify(await signer.mint({ ...clerk, province: "11" }))).rejects.toThrow(new AuthError("token's province is not its court's"));
  });
});

describe("narrow service tokens", () => {
  const copy = { user: "svc-decision", courtId: "c-110105", province: "11", scope: "material:read" as const, filing: "F-1", audience: INTAKE_AUDIENCE };

  it("read one filing's materials at intake, and are nothing anywhere else", async () => {
    const signer = await createSigner(own.priv);
    const token = await signer.mintService(copy);
    const atIntake = await (await createVerifier(own.pub, { audiences: [INTAKE_AUDIENCE] })).verify(token);
    expect(atIntake).toEqual({ user: "svc-decision", courtId: "c-110105", province: "11", roles: [], scopes: ["material:read"], filing: "F-1" });
    expect(grants(atIntake, "material:read", "F-1")).toBe(true);
    expect(grants(atIntake, "material:read", "F-2")).toBe(false);
    // Another service does not accept intake's audience.
    await expect((await createVerifier(own.pub)).verify(token)).rejects.toThrow(new AuthError("token invalid"));
  });

  it("live at most 15 minutes", async () => {
    const signer = await createSigner(own.priv);
    const v = await createVerifier(own.pub, { audiences: [INTAKE_AUDIENCE] });
    await expect(v.verify(await signer.mintService({ ...copy, expiresIn: "1h" }))).rejects.toThrow(new AuthError("service token lives longer than 15m"));
  });
});

describe("public tokens (the console's public pages)", () => {
  const check = { visitor: "aGVsbG8td29ybGQ", scope: "document:verify" as const, audience: NOTIFICATION_AUDIENCE };

  it("name an anonymous visitor and one public scope: no court, province, filing or role; notification's audience only", async () => {
    const signer = await createSigner(own.priv);
    const token = await signer.mintPublic(check);
    // The directory check (courtProvince) does not apply: there is no court to look up.
    const atNotification = await createVerifier(own.pub, { audiences: [NOTIFICATION_AUDIENCE], courtProvince: () => undefined });
    await expect(atNotification.verify(token)).resolves.toEqual({ user: "public:aGVsbG8td29ybGQ", courtId: "", roles: [], province: "", scopes: ["document:verify"] });
    await expect((await createVerifier(own.pub)).verify(token)).rejects.toThrow(new AuthError("token invalid"));
    await expect((await createVerifier(own.pub, { audiences: [INTAKE_AUDIENCE] })).verify(token)).rejects.toThrow(new AuthError("token invalid"));
  });

  it("cannot be made to carry more, nor a service token a public scope", async () => {
    const signer = await createSigner(own.priv);
    await expect(signer.mintPublic({ ...check, scope: "material:read" })).rejects.toThrow(new AuthError("scope material:read is not for public tokens"));
    await expect(signer.mintPublic({ ...check, visitor: "a b" })).rejects.toThrow(AuthError);
    await expect(signer.mintService({ user: "svc", courtId: "c-110105", province: "11", scope: "document:verify", filing: "F-1", audience: NOTIFICATION_AUDIENCE })).rejects.toThrow(
      new AuthError("scope document:verify is for public tokens (mintPublic)"),
    );
    // Forged with the release's key (a bug elsewhere): a court, a province or a role in a public token is refused.
    const kid = signer.kid;
    const v = await createVerifier(own.pub, { audiences: [NOTIFICATION_AUDIENCE] });
    const forge = (claims: Record<string, unknown>, sub = "public:x") =>
      new SignJWT({ scope: "document:verify", ...claims })
        .setProtectedHeader({ alg: "ES256", kid })
        .setSubject(sub)
        .setIssuer("kuayu")
        .setAudience(NOTIFICATION_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime("1m")
        .sign(own.privateKey);
    await expect(v.verify(await forge({ court: "c-110105", province: "11" }))).rejects.toThrow(new AuthError("public token names a court, province, filing or roles"));
    await expect(v.verify(await forge({ roles: ["supervisor"] }))).rejects.toThrow(new AuthError("public token names a court, province, filing or roles"));
    await expect(v.verify(await forge({}, "clerk-1"))).rejects.toThrow(new AuthError("public token's subject is not public:<visitor>"));
    await expect(v.verify(await forge({ scope: "document:verify material:read", court: "c-110105", province: "11", filing: "F-1" }))).rejects.toThrow(new AuthError("token has unknown scopes"));
    // A filing only in a filing:party token, and that token holds nothing else.
    await expect(v.verify(await forge({ filing: "F-1" }))).rejects.toThrow(new AuthError("public token names a court, province, filing or roles"));
    await expect(v.verify(await forge({ scope: "filing:party" }))).rejects.toThrow(new AuthError("a filing:party token names one filing and no other scope"));
    await expect(v.verify(await forge({ scope: "filing:party document:verify", filing: "F-1" }))).rejects.toThrow(new AuthError("a filing:party token names one filing and no other scope"));
  });

  it("bind a party's visitor to the one filing they looked up (filing:party), and only then name a filing", async () => {
    const signer = await createSigner(own.priv);
    const v = await createVerifier(own.pub, { audiences: [NOTIFICATION_AUDIENCE] });
    const token = await signer.mintPublic({ visitor: "v1", scope: "filing:party", filing: "F-9", audience: NOTIFICATION_AUDIENCE });
    await expect(v.verify(token)).resolves.toEqual({ user: "public:v1", courtId: "", roles: [], province: "", scopes: ["filing:party"], filing: "F-9" });
    const lookup = await signer.mintPublic({ visitor: "v1", scope: "filing:lookup", audience: INTAKE_AUDIENCE });
    await expect((await createVerifier(own.pub, { audiences: [INTAKE_AUDIENCE] })).verify(lookup)).resolves.toEqual({
      user: "public:v1",
      courtId: "",
      roles: [],
      province: "",
      scopes: ["filing:lookup"],
    });
    await expect(signer.mintPublic({ visitor: "v1", scope: "filing:party", audience: NOTIFICATION_AUDIENCE })).rejects.toThrow(AuthError);
    await expect(signer.mintPublic({ visitor: "v1", scope: "filing:lookup", filing: "F-9", audience: INTAKE_AUDIENCE })).rejects.toThrow(AuthError);
  });
});

describe("rotation of a release's key", () => {
  let server: Server;
  let published: Jwks = { keys: [] };
  let url: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url !== "/.well-known/jwks.json") return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(published));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("loses no token mid-stream: old and new kid are both valid during the overlap, the old one is refused once withdrawn", async () => {
    const before = pair();
    const after = pair();
    published = { keys: [await publicJwk(before.pub)] };
    // The other release's verifier, with short cache windows for the test (10 minutes and 5 s in a deployment).
    const v = await createVerifier(own.pub, { cacheSize: 0, trust: [{ provinces: ["44"], lookup: remoteKeys(url, { cooldownMs: 100, cacheMaxAgeMs: 400 }), source: url }] });
    let signer = await createSigner(before.priv);
    const failures: string[] = [];
    let verified = 0;
    let running = true;
    const stream = (async () => {
      while (running) {
        const token = await signer.mint({ ...clerk, expiresIn: "5m" });
        await v.verify(token).then(
          () => verified++,
          (e: Error) => failures.push(`${decodeProtectedHeader(token).kid}: ${e.message}`),
        );
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await wait(300);
    // 1. Publish the next key beside the current one and wait out the verifiers' cache.
    published = { keys: [await publicJwk(before.pub), await publicJwk(after.pub)] };
    await wait(600);
    // 2. Sign with the next key.
    const oldToken = await signer.mint({ ...clerk, expiresIn: "5m" });
    signer = await createSigner(after.priv);
    await wait(300);
    await expect(v.verify(oldToken)).resolves.toMatchObject({ user: "clerk" }); // issued before, still valid in the overlap
    // 3. Withdraw the old key once its last tokens have expired (here: at once).
    published = { keys: [await publicJwk(after.pub)] };
    await wait(600);
    running = false;
    await stream;
    expect(failures).toEqual([]);
    expect(verified).toBeGreaterThan(20);
    await expect(v.verify(oldToken)).rejects.toThrow(new AuthError("token signed by an unknown key"));
  });
});
