// The development OpenID Connect provider of `make up` and the end-to-end tests: oidc-provider with
// the sample accounts (accounts.ts), one client (the console, authorization code + PKCE), and JWT
// access tokens for the services (audience "kuayu") that carry the user's court, province and roles.
// Production uses the deployment's own identity provider; nothing here is deployed.
import { generateKeyPairSync, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import Provider, { type Configuration } from "oidc-provider";
import { ACCOUNTS, DEV_PASSWORD } from "./accounts.js";

export { ACCOUNTS, DEV_PASSWORD, type Account } from "./accounts.js";

/** The resource indicator of the Kuayu services; their access tokens have `aud` = SERVICES_AUDIENCE. */
export const SERVICES_RESOURCE = "urn:kuayu:services";
export const SERVICES_AUDIENCE = "kuayu";
export const CONSOLE_CLIENT_ID = "kuayu-console";

export interface DevIdpOptions {
  /** Where it listens (0: any free port); the issuer is http://127.0.0.1:<port> unless `issuer` is given. */
  port: number;
  issuer?: string;
  /** The console's public URL: its redirect and post-logout URIs are registered from it. */
  consoleUrl: string;
  clientSecret: string;
}

export interface DevIdp {
  issuer: string;
  close(): Promise<void>;
}

const TOKEN_TTL = 8 * 3600; // a shift

export async function startDevIdp(opts: DevIdpOptions): Promise<DevIdp> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(opts.port, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const issuer = opts.issuer ?? `http://127.0.0.1:${port}`;
  // A fresh ES256 key each start: tokens of an earlier run are refused; services fetch the new key by its `kid`.
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = { ...privateKey.export({ format: "jwk" }), kid: randomBytes(8).toString("hex"), use: "sig", alg: "ES256" };

  const claimsOf = (id: string) => {
    const a = ACCOUNTS[id];
    return a && { name: a.name, court: a.court, province: a.province, roles: a.roles };
  };
  const config: Configuration = {
    clients: [
      {
        client_id: CONSOLE_CLIENT_ID,
        client_secret: opts.clientSecret,
        redirect_uris: [`${opts.consoleUrl}/auth/callback`],
        post_logout_redirect_uris: [`${opts.consoleUrl}/`],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        id_token_signed_response_alg: "ES256",
      },
    ],
    jwks: { keys: [jwk as never] },
    cookies: { keys: [randomBytes(32).toString("hex")] },
    pkce: { required: () => true },
    scopes: ["openid", "profile", "kuayu"],
    claims: { openid: ["sub"], profile: ["name", "court", "province", "roles"] },
    conformIdTokenClaims: false,
    findAccount: (_ctx, id) => {
      const claims = claimsOf(id);
      return claims && { accountId: id, claims: () => ({ sub: id, ...claims }) };
    },
    extraTokenClaims: (_ctx, token) => ("accountId" in token && token.accountId ? claimsOf(token.accountId) : undefined),
    ttl: { AccessToken: TOKEN_TTL, IdToken: TOKEN_TTL, AuthorizationCode: 60, Session: TOKEN_TTL, Grant: TOKEN_TTL, Interaction: 600 },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => SERVICES_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== SERVICES_RESOURCE) throw new Error(`unknown resource ${indicator}`);
          return { scope: "kuayu", audience: SERVICES_AUDIENCE, accessTokenFormat: "jwt", accessTokenTTL: TOKEN_TTL, jwt: { sign: { alg: "ES256" } } };
        },
      },
    },
  };
  const provider = new Provider(issuer, config);
  const callback = provider.callback();

  server.on("request", (req, res) => {
    const m = /^\/interaction\/([\w-]+)$/.exec(req.url?.split("?")[0] ?? "");
    if (!m) return void callback(req, res);
    void interaction(provider, req, res).catch((err: unknown) => {
      res.writeHead(400, { "content-type": "text/plain; charset=utf-8" }).end(`登录失败：${(err as Error).message}`);
    });
  });
  return { issuer, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The sign-in page (GET) and its form (POST): sample account and password. */
async function interaction(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === "consent") {
    // The console is the deployment's own application: its users are not asked to consent.
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: details.session!.accountId, clientId: details.params.client_id as string });
    if (!grant) throw new Error("the grant is gone");
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(" "));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(" "));
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
    return;
  }
  if (req.method === "POST") {
    const form = new URLSearchParams(await body(req));
    const login = form.get("login") ?? "";
    if (ACCOUNTS[login] && same(form.get("password") ?? "", DEV_PASSWORD)) {
      await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
      return;
    }
    return page(res, details.uid, "账号或密码不正确");
  }
  return page(res, details.uid);
}

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      s += c;
      if (s.length > 10_000) req.destroy(new Error("form too large"));
    });
    req.on("end", () => resolve(s));
    req.on("error", reject);
  });
}

function page(res: ServerResponse, uid: string, error?: string): void {
  const options = Object.entries(ACCOUNTS)
    .map(([id, a]) => `<option value="${id}">${id} — ${a.name}（${a.roles.join("、")}，${a.court}）</option>`)
    .join("");
  res.writeHead(error ? 401 : 200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>登录（开发用身份认证）</title></head>
<body style="font-family:sans-serif;max-width:480px;margin:48px auto;padding:0 16px">
<h1>跨域立案服务 · 开发用身份认证</h1>
${error ? `<p role="alert" style="color:#a8071a">${error}</p>` : ""}
<form method="post" action="/interaction/${uid}">
<p><label for="login">账号</label><br><select id="login" name="login" style="width:100%">${options}</select></p>
<p><label for="password">密码</label><br><input id="password" name="password" type="password" required style="width:100%"></p>
<p><button type="submit">登录</button></p>
</form></body></html>`);
}
