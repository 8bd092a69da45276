// The identity provider's access tokens (the web console's users), verified through its JWKS,
// served here by a real HTTP server on loopback as a provider would.
import { createServer, type Server } from "node:http";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { SignJWT } from "jose";
import { createSigner, createVerifier, AuthError } from "@kuayu/auth";

const ecKey = () => generateKeyPairSync("ec", { namedCurve: "P-256" });
const provider = ecKey();
const stranger = ecKey();
const own = ecKey();
const ownPem = own.publicKey.export({ type: "spki", format: "pem" }).toString();
let server: Server;
let issuer: string;
let jwksCalls = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url !== "/jwks") return void res.writeHead(404).end();
    jwksCalls++;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [{ ...provider.publicKey.export({ format: "jwk" }), kid: "k1", alg: "ES256", use: "sig" }] }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const claims = { court: "t-440103001", province: "44", roles: ["window-clerk"], name: "李窗口" };
const token = (o: { key?: KeyObject; kid?: string; iss?: string; aud?: string; exp?: string | null } = {}) => {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: "ES256", kid: o.kid ?? "k1", typ: "at+jwt" })
    .setSubject("clerk")
    .setIssuer(o.iss ?? issuer)
    .setAudience(o.aud ?? "kuayu")
    .setIssuedAt();
  if (o.exp !== null) jwt.setExpirationTime(o.exp ?? "1h");
  return jwt.sign(o.key ?? provider.privateKey);
};

describe("tokens of the identity provider", () => {
  it("are accepted with the user's court, province and roles, and the deployment's own tokens still are", async () => {
    const v = await createVerifier(ownPem, { oidc: { issuer } });
    await expect(v.verify(await token())).resolves.toEqual({ user: "clerk", name: "李窗口", courtId: "t-440103001", roles: ["window-clerk"], province: "44" });
    const ownToken = await (
      await createSigner(own.privateKey.export({ type: "pkcs8", format: "pem" }).toString())
    ).mint({ user: "s", courtId: "c-110105", roles: ["filing-specialist"], province: "11" });
    await expect(v.verify(ownToken)).resolves.toMatchObject({ courtId: "c-110105" });
    expect(jwksCalls).toBeGreaterThan(0);
  });

  it("are refused when signed by another key, for another audience, without expiry, or expired", async () => {
    const v = await createVerifier(ownPem, { oidc: { issuer } });
    for (const t of [token({ key: stranger.privateKey }), token({ kid: "unknown" }), token({ aud: "someone-else" }), token({ exp: null }), token({ exp: "-1m" })]) {
      await expect(v.verify(await t)).rejects.toThrow(AuthError);
    }
  });

  it("are refused when the services trust no provider, or another one", async () => {
    await expect((await createVerifier(ownPem)).verify(await token())).rejects.toThrow(new AuthError("token signed by an unknown key"));
    await expect((await createVerifier(ownPem, { oidc: { issuer: "http://127.0.0.1:1" } })).verify(await token())).rejects.toThrow(new AuthError("token signed by an unknown key"));
    // A token that claims the deployment's own issuer is checked with the deployment's key, not the provider's.
    await expect((await createVerifier(ownPem, { oidc: { issuer } })).verify(await token({ iss: "kuayu" }))).rejects.toThrow(new AuthError("token signed by an unknown key"));
  });
});
