import { createHmac } from "node:crypto";
import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import type { Server } from "node:http";
import { createSigner } from "@kuayu/auth";
import { createClient, tlsFromSettings } from "@kuayu/grpc";
import type { Logger } from "@kuayu/logger";
import { decisionV1, directoryV1, intakeV1, notificationV1, supervisionV1 } from "@kuayu/proto";
import type { Config } from "./config.js";
import { createCookieJar } from "./adapters/cookies.js";
import { createConsoleServer, type Clients } from "./adapters/http.js";
import { publicApi } from "./adapters/public.js";
import { createSignIn } from "./adapters/oidc.js";

export interface ConsoleApp {
  server: Server;
  port: number;
  stop(): Promise<boolean>;
}

const secret = (inline: string | undefined, file: string | undefined) => (inline ?? readFileSync(file!, "utf8")).trim();

export async function startApp(config: Readonly<Config>, log: Logger): Promise<ConsoleApp> {
  const signIn = await createSignIn({
    issuer: config.OIDC_ISSUER,
    clientId: config.OIDC_CLIENT_ID,
    clientSecret: secret(config.OIDC_CLIENT_SECRET, config.OIDC_CLIENT_SECRET_FILE),
    publicUrl: config.PUBLIC_URL,
    scopes: config.OIDC_SCOPES,
    resource: config.OIDC_RESOURCE,
  });
  const sessionKey = Buffer.from(secret(config.SESSION_KEY, config.SESSION_KEY_FILE), "base64");
  const jar = createCookieJar(sessionKey);
  const { channel: credentials } = tlsFromSettings(config);
  const clients: Clients = {
    intake: createClient(intakeV1.FilingIntakeService, config.INTAKE_ADDR, { credentials }),
    decision: createClient(decisionV1.JurisdictionDecisionService, config.DECISION_ADDR, { credentials }),
    directory: createClient(directoryV1.DirectoryService, config.DIRECTORY_ADDR, { credentials }),
    notification: createClient(notificationV1.NotificationService, config.NOTIFICATION_ADDR, { credentials }),
    supervision: createClient(supervisionV1.SupervisionService, config.SUPERVISION_ADDR, { credentials }),
  };
  const webRoot = config.WEB_ROOT ?? path.resolve(__dirname, "../dist-web");
  if (!existsSync(path.join(webRoot, "index.html"))) log.warn({ webRoot }, "the web application is not built; only the API is served");
  const signingKey = config.JWT_PRIVATE_KEY ?? (config.JWT_PRIVATE_KEY_FILE ? readFileSync(config.JWT_PRIVATE_KEY_FILE, "utf8") : undefined);
  if (!signingKey) log.warn("JWT_PRIVATE_KEY_FILE is not set: the public pages (/verify, /party) answer 503");
  const open = publicApi({
    signer: signingKey ? await createSigner(signingKey) : undefined,
    clients,
    // Its own key for the visitors' pseudonyms, derived from the session key (never the same bytes).
    visitorKey: createHmac("sha256", sessionKey).update("kuayu console visitor pseudonyms").digest(),
    jar,
    secure: config.PUBLIC_URL.startsWith("https:"),
    verifyPerMinute: config.PUBLIC_VERIFY_PER_MINUTE,
    lookupPerMinute: config.PUBLIC_LOOKUP_PER_MINUTE,
    proxyHops: config.TRUSTED_PROXY_HOPS,
    log,
  });
  const server = createConsoleServer({
    publicUrl: config.PUBLIC_URL,
    webRoot: existsSync(webRoot) ? webRoot : undefined,
    maxUploadBytes: config.MAX_UPLOAD_BYTES,
    signIn,
    jar,
    clients,
    publicApi: open,
    log,
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.CONSOLE_PORT, config.CONSOLE_HOST, resolve);
  });
  const port = (server.address() as { port: number }).port;
  return {
    server,
    port,
    stop: () =>
      new Promise((resolve) => {
        // Watch streams stay open: end them with the connections after the grace period.
        const timer = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_GRACE_MS);
        server.close(() => {
          clearTimeout(timer);
          for (const c of Object.values(clients)) c.close();
          resolve(true);
        });
        server.closeIdleConnections();
      }),
  };
}
