import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createContextValues } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Client } from "@kuayu/grpc";
import type { Logger } from "@kuayu/logger";
import { decisionV1, directoryV1, intakeV1, notificationV1, supervisionV1 } from "@kuayu/proto";
import sirv from "sirv";
import { publicRoute, type PublicRoute } from "../domain/public.js";
import { fileRoute } from "../domain/routes.js";
import { safeReturnTo, SignInError, type Session } from "../domain/session.js";
import { cookieHeader, readCookie, type CookieJar } from "./cookies.js";
import { serveFile } from "./files.js";
import { bearer, forward, sessionKey } from "./forward.js";
import type { SignIn } from "./oidc.js";

export interface Clients {
  intake: Client<typeof intakeV1.FilingIntakeService>;
  decision: Client<typeof decisionV1.JurisdictionDecisionService>;
  directory: Client<typeof directoryV1.DirectoryService>;
  notification: Client<typeof notificationV1.NotificationService>;
  supervision: Client<typeof supervisionV1.SupervisionService>;
}

export interface ConsoleHttpOptions {
  publicUrl: string;
  webRoot: string | undefined;
  maxUploadBytes: number;
  signIn: SignIn;
  jar: CookieJar;
  clients: Clients;
  /** The public endpoints: verification of a printed notice, the party's pages (adapters/public.ts). */
  publicApi: (req: IncomingMessage, res: ServerResponse, route: PublicRoute) => Promise<void>;
  log: Logger;
}

const SESSION = "kuayu_session";
const SIGNING_IN = "kuayu_signin";

/** The page's own scripts and styles only (Ant Design writes inline styles); materials and PDFs in frames of this origin. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'";

/**
 * The console's HTTP server: sign-in (/auth/*), the user (/api/me), the services over Connect
 * (/api/<service>/<method>, with the user's token), files (/api/filings|inbox|documents/…), the
 * public pages' endpoints (/api/public/…, no sign-in: verification of printed notices, the party's
 * look-up), and the single-page application for every other path.
 */
export function createConsoleServer(o: ConsoleHttpOptions): Server {
  const secure = o.publicUrl.startsWith("https:");
  const origin = new URL(o.publicUrl).origin;
  const connect = connectNodeAdapter({
    requestPathPrefix: "/api",
    routes: (router) => {
      forward(router, intakeV1.FilingIntakeService, o.clients.intake, o.log);
      forward(router, decisionV1.JurisdictionDecisionService, o.clients.decision, o.log);
      forward(router, directoryV1.DirectoryService, o.clients.directory, o.log);
      forward(router, notificationV1.NotificationService, o.clients.notification, o.log);
      forward(router, supervisionV1.SupervisionService, o.clients.supervision, o.log);
    },
    contextValues: (req) => createContextValues().set(sessionKey, (req as IncomingMessage & { session?: Session }).session),
    fallback: (_req, res) => void json(res as ServerResponse, 404, { code: "not_found", message: "no such endpoint" }),
  });
  const web = o.webRoot
    ? sirv(o.webRoot, { single: true, etag: true, setHeaders: (res, path) => res.setHeader("cache-control", path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache") })
    : undefined;

  const sessionOf = async (req: IncomingMessage): Promise<Session | undefined> => {
    const s = await o.jar.open<Session>(readCookie(req, SESSION));
    return s && s.expiresAt * 1000 > Date.now() ? s : undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", o.publicUrl);
    const path = url.pathname;
    res.setHeader("x-content-type-options", "nosniff");
    res.setHeader("referrer-policy", "same-origin");
    if (path === "/healthz") return json(res, 200, { status: "ok" });

    if (path === "/auth/login") {
      const { url: to, state, verifier } = await o.signIn.start();
      const returnTo = safeReturnTo(url.searchParams.get("returnTo"));
      const sealed = await o.jar.seal({ state, verifier, returnTo }, Math.floor(Date.now() / 1000) + 600);
      res.setHeader("set-cookie", cookieHeader(SIGNING_IN, sealed, { secure, maxAge: 600, path: "/auth" }));
      return redirect(res, to);
    }
    if (path === "/auth/callback") {
      const pending = await o.jar.open<{ state: string; verifier: string; returnTo: string }>(readCookie(req, SIGNING_IN));
      if (!pending) return json(res, 400, { code: "invalid_argument", message: "no sign-in in progress (or it took over 10 minutes): start again at /auth/login" });
      try {
        const session = await o.signIn.finish(url, pending);
        const sealed = await o.jar.seal({ ...session }, session.expiresAt);
        res.setHeader("set-cookie", [cookieHeader(SIGNING_IN, "", { secure, maxAge: 0, path: "/auth" }), cookieHeader(SESSION, sealed, { secure, maxAge: session.expiresAt - Date.now() / 1000 })]);
        o.log.info({ user: session.user, court: session.courtId, roles: session.roles }, "signed in");
        return redirect(res, pending.returnTo);
      } catch (err) {
        if (err instanceof SignInError) return json(res, 401, { code: "unauthenticated", message: err.message });
        throw err;
      }
    }
    if (path === "/auth/logout") {
      const s = await o.jar.open<Session>(readCookie(req, SESSION));
      res.setHeader("set-cookie", cookieHeader(SESSION, "", { secure, maxAge: 0 }));
      return redirect(res, o.signIn.logoutUrl(s?.idToken));
    }

    if (path.startsWith("/api/")) {
      res.setHeader("cache-control", "no-store");
      // No cross-site requests: a foreign page may neither read (no CORS) nor send (origin and header checks).
      if (req.method !== "GET" && req.method !== "HEAD") {
        const from = req.headers.origin;
        if (from && from !== origin) return json(res, 403, { code: "permission_denied", message: "cross-origin request" });
        if (!req.headers["connect-protocol-version"] && !req.headers["x-kuayu-request"]) return json(res, 403, { code: "permission_denied", message: "missing the console's request header" });
      }
      // The public pages' endpoints: no session, their own limits.
      const open = publicRoute(req.method ?? "GET", path);
      if (open) return o.publicApi(req, res, open);
      const session = await sessionOf(req);
      if (!session) return json(res, 401, { code: "unauthenticated", message: "signed out" });
      if (path === "/api/me") return json(res, 200, await me(session, o.clients));
      const file = fileRoute(req.method ?? "GET", path);
      if (file) return serveFile(file, req, res, bearer(session), o.clients, o.maxUploadBytes, o.log);
      (req as IncomingMessage & { session?: Session }).session = session;
      return connect(req, res);
    }

    if (!web) return json(res, 503, { code: "unavailable", message: "the web application is not built (npm run build:web -w @kuayu/console)" });
    res.setHeader("content-security-policy", CSP);
    res.setHeader("x-frame-options", "SAMEORIGIN");
    web(req, res, () => json(res, 404, { code: "not_found", message: "not found" }));
  };

  return createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      o.log.error({ err, path: req.url?.split("?")[0] }, "request failed");
      if (!res.headersSent) json(res, 500, { code: "internal", message: "internal error" });
      else res.destroy();
    });
  });
}

/** The user as the page shows them: from the ID token, with the court's name from the directory. */
async function me(s: Session, clients: Clients) {
  const court = await clients.directory.getCourt({ courtId: s.courtId }, { metadata: bearer(s) }).then(
    (r) => r.court?.name ?? s.courtId,
    () => s.courtId,
  );
  return { user: s.user, name: s.name, courtId: s.courtId, courtName: court, province: s.province, roles: s.roles };
}

/** A JSON answer (under /api the handler has already set `cache-control: no-store`). */
export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
}

function redirect(res: ServerResponse, to: string): void {
  res.writeHead(302, { location: to, "cache-control": "no-store" }).end();
}
