import { createSigner, createVerifier, AuthError } from "@kuayu/auth";
import { generateKeyPairSync } from "node:crypto";

const pair = () => {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    pub: publicKey.export({ type: "spki", format: "pem" }).toString(),
    priv: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
};

describe("bearer tokens", () => {
  const keys = pair();

  it("round-trips the caller's court, roles and province", async () => {
    const token = await (await createSigner(keys.priv)).mint({ user: "clerk-1", courtId: "c-440703", roles: ["window-clerk"], province: "44" });
    const ctx = await (await createVerifier(keys.pub)).verify(token);
    expect(ctx).toEqual({ user: "clerk-1", courtId: "c-440703", roles: ["window-clerk"], province: "44" });
  });

  it("rejects a token signed by another key", async () => {
    const other = pair();
    const token = await (await createSigner(other.priv)).mint({ user: "u", courtId: "c", roles: ["operator"], province: "11" });
    await expect((await createVerifier(keys.pub)).verify(token)).rejects.toThrow(new AuthError("token signed by an unknown key"));
  });

  it("rejects an expired token", async () => {
    const token = await (await createSigner(keys.priv)).mint({ user: "u", courtId: "c", roles: ["operator"], province: "11", expiresIn: "-1s" });
    await expect((await createVerifier(keys.pub)).verify(token)).rejects.toThrow("token expired");
  });

  it("refuses to mint without roles or with a bad province", async () => {
    const signer = await createSigner(keys.priv);
    await expect(signer.mint({ user: "u", courtId: "c", roles: [], province: "11" })).rejects.toThrow(/role/);
    await expect(signer.mint({ user: "u", courtId: "c", roles: ["operator"], province: "Guangdong" })).rejects.toThrow(/province/);
  });
});

describe("verified-token cache", () => {
  it("still refuses a token once it has expired", async () => {
    const keys = pair();
    const verifier = await createVerifier(keys.pub);
    const token = await (await createSigner(keys.priv)).mint({ user: "u", courtId: "c", roles: ["operator"], province: "11", expiresIn: "2s" });
    await expect(verifier.verify(token)).resolves.toMatchObject({ courtId: "c" });
    await expect(verifier.verify(token)).resolves.toMatchObject({ courtId: "c" }); // from the cache
    await new Promise((r) => setTimeout(r, 2100));
    await expect(verifier.verify(token)).rejects.toThrow("token expired");
  });

  it("does not let a tampered copy of a cached token through", async () => {
    const keys = pair();
    const verifier = await createVerifier(keys.pub);
    const token = await (await createSigner(keys.priv)).mint({ user: "u", courtId: "c", roles: ["operator"], province: "11" });
    await verifier.verify(token);
    const [h, p, sig] = token.split(".");
    const forged = [h, Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, "base64url").toString()), court: "other" })).toString("base64url"), sig].join(".");
    await expect(verifier.verify(forged)).rejects.toThrow("token invalid");
  });
});
