import express, { type NextFunction, type Request, type Response } from "express";
import { readFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import type { Server } from "node:net";
import type { TlsFiles } from "@kuayu/config";
import { AuthError, type AuthContext, type Jwks, type TokenVerifier } from "@kuayu/auth";
import type { Directory } from "@kuayu/directory";
import { publicEventJwks } from "@kuayu/kafka";
import { DomainError, ForbiddenError, NotFoundError, ValidationError, isCaseType } from "@kuayu/domain";
import type { Logger } from "@kuayu/logger";
import { chinaDay } from "../domain/ledger.js";
import { authorize, checkScope, type Scope, type Supervision } from "./supervision.js";
import type { Store } from "./store.js";
import { noticeCsv } from "./csv.js";

/**
 * JSON HTTP API for dashboards (same rules as gRPC: bearer token, supervisors, province scope).
 *   GET /v1/indicators?level=national|province|court&id=&from=YYYY-MM-DD&to=&caseType=
 *   GET /v1/overdue?level=&id=
 *   GET /v1/notices/:id        GET /v1/notices/:id.csv
 *   GET /healthz
 *   GET /.well-known/jwks.json   this release's token verification keys (public; other releases trust them for its provinces)
 *   GET /.well-known/kuayu-event-keys.json   this release's event-signing keys (EVENT_KEYS_FILE, read at each request: a rotated file is served at once; other releases' EVENT_TRUST)
 */
export function httpApi(sup: Supervision, store: Store, dir: Directory, verifier: TokenVerifier, log: Logger, jwks: Jwks, eventKeysFile?: string) {
  const app = express();
  app.disable("x-powered-by");
  app.get("/healthz", (_req, res) => void res.json({ ok: true }));
  app.get("/.well-known/jwks.json", (_req, res) => void res.set("cache-control", "public, max-age=300").json(jwks));
  app.get("/.well-known/kuayu-event-keys.json", (_req, res) => {
    if (!eventKeysFile) return void res.status(404).json({ error: "this release publishes no event keys (EVENT_KEYS_FILE)" });
    try {
      // Only the public keys and their bindings, whatever else the file holds.
      res.set("cache-control", "public, max-age=300").json(publicEventJwks(readFileSync(eventKeysFile, "utf8"), eventKeysFile));
    } catch (err) {
      log.error({ err }, "event keys unreadable");
      res.status(503).json({ error: "event keys unreadable" });
    }
  });

  const auth = async (req: Request): Promise<AuthContext> => {
    const m = /^Bearer (.+)$/i.exec(req.get("authorization") ?? "");
    if (!m?.[1]) throw new AuthError("missing bearer token");
    return verifier.verify(m[1]);
  };
  const scopeOf = (req: Request): Scope => {
    const level = String(req.query.level ?? "national");
    if (!["national", "province", "court"].includes(level)) throw new ValidationError([{ field: "level", description: "national, province or court" }]);
    const scope = { level: level as Scope["level"], id: level === "national" ? "" : String(req.query.id ?? "") };
    checkScope(scope, dir);
    return scope;
  };
  const handle = (fn: (req: Request, res: Response, caller: AuthContext) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => {
    auth(req)
      .then((caller) => fn(req, res, caller))
      .catch(next);
  };

  app.get(
    "/v1/indicators",
    handle(async (req, res, caller) => {
      const scope = scopeOf(req);
      authorize(caller, scope, dir);
      const from = String(req.query.from ?? chinaDay(new Date()));
      const to = String(req.query.to ?? from);
      const caseType = req.query.caseType ? String(req.query.caseType) : undefined;
      if (caseType && !isCaseType(caseType)) throw new ValidationError([{ field: "caseType", description: "unknown case type" }]);
      if (![from, to].every((d) => /^\d{4}-\d{2}-\d{2}$/.test(d))) throw new ValidationError([{ field: "from/to", description: "YYYY-MM-DD" }]);
      res.json({ scope, from, to, caseType: caseType ?? "all", indicators: await sup.indicatorsOf(scope, from, to, caseType as never, new Date()) });
    }),
  );
  app.get(
    "/v1/overdue",
    handle(async (req, res, caller) => {
      const scope = scopeOf(req);
      authorize(caller, scope, dir);
      res.json({
        scope,
        filings: (await sup.overdueOf(scope, new Date())).map((o) => ({ filingId: o.entry.filingId, court: o.entry.jurisdictionCourtId, for: o.for, due: o.due, lateBy: o.lateBy, unit: o.lateUnit })),
      });
    }),
  );
  app.get(
    "/v1/notices/:id",
    handle(async (req, res, caller) => {
      const raw = String(req.params.id);
      const csv = raw.endsWith(".csv");
      const n = await store.notices.findOne({ _id: csv ? raw.slice(0, -4) : raw });
      if (!n) throw new NotFoundError(`notice ${raw} not found`);
      authorize(caller, { level: n.level, id: n.scopeId }, dir);
      if (csv) {
        res.type("text/csv; charset=utf-8").attachment(`notice-${n.kind}-${n.day}.csv`).send(noticeCsv(n));
      } else res.json(n);
    }),
  );

  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof AuthError) return void res.status(401).json({ error: err.message });
    if (err instanceof ForbiddenError) return void res.status(403).json({ error: err.message });
    if (err instanceof NotFoundError) return void res.status(404).json({ error: err.message });
    if (err instanceof ValidationError) return void res.status(400).json({ error: err.message, violations: err.violations });
    if (err instanceof DomainError) return void res.status(409).json({ error: err.message });
    log.error({ err }, "HTTP handler failed");
    res.status(500).json({ error: "internal error" });
  });
  return {
    /**
     * HTTPS with the service's certificate when `tls` is given (client certificates are not asked
     * for: browsers and dashboards call this API with bearer tokens), else plain HTTP.
     */
    listen: (host: string, port: number, tls?: TlsFiles) =>
      new Promise<Server>((resolve, reject) => {
        const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, app).listen(port, host, () => resolve(server)) : app.listen(port, host, () => resolve(server));
        server.once("error", reject);
      }),
  };
}
