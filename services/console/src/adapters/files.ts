import type { IncomingMessage, ServerResponse } from "node:http";
import { toJson } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";
import { fieldViolations, type Client } from "@kuayu/grpc";
import type { Logger } from "@kuayu/logger";
import { decisionV1, intakeV1, notificationV1 } from "@kuayu/proto";
import { contentDisposition, inlineSafe, type FileRoute } from "../domain/routes.js";
import { toConnectError } from "./forward.js";

export interface FileClients {
  intake: Client<typeof intakeV1.FilingIntakeService>;
  decision: Client<typeof decisionV1.JurisdictionDecisionService>;
  notification: Client<typeof notificationV1.NotificationService>;
}

const HTTP_STATUS: Record<number, number> = { 3: 400, 5: 404, 6: 409, 7: 403, 8: 429, 9: 412, 10: 409, 16: 401, 14: 503, 4: 504 };

/** A failed call as JSON: `{ code, message, violations }` (gRPC code, its message, field violations) with the matching HTTP status. */
export function sendError(res: ServerResponse, err: unknown, log: Logger, method: string): void {
  if (res.headersSent) return void res.destroy(); // a download broke off mid-way: the browser sees it incomplete
  const ce = toConnectError(err, log, method);
  const body = { code: ce.code, message: ce.rawMessage, violations: fieldViolations(err) };
  res.writeHead(HTTP_STATUS[ce.code] ?? 500, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
}

/**
 * Uploads (client streams to intake) and downloads (server streams, answered as the file itself),
 * with the caller's token in `metadata` (the user's; for a party's notice, a public token).
 */
export async function serveFile(route: FileRoute, req: IncomingMessage, res: ServerResponse, metadata: grpc.Metadata, c: FileClients, maxUpload: number, log: Logger): Promise<void> {
  const url = new URL(req.url ?? "/", "http://console");
  try {
    if (route.kind === "upload") {
      const size = Number(req.headers["content-length"] ?? NaN);
      if (Number.isFinite(size) && size > maxUpload) {
        return void res.writeHead(413, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify({ code: 3, message: `the file is larger than ${maxUpload} bytes`, violations: [] }));
      }
      const header = {
        filingId: route.filingId,
        kind: url.searchParams.get("kind") ?? "",
        fileName: url.searchParams.get("name") ?? "",
        sizeBytes: Number.isFinite(size) ? BigInt(size) : 0n,
        sha256: url.searchParams.get("sha256") ?? "",
      };
      async function* parts() {
        yield { part: { case: "header" as const, value: header } };
        for await (const chunk of req as AsyncIterable<Buffer>) yield { part: { case: "chunk" as const, value: new Uint8Array(chunk) } };
      }
      const out = await c.intake.uploadMaterial(parts(), { metadata, timeoutMs: 300_000 });
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(toJson(intakeV1.UploadMaterialResponseSchema, out)));
      return;
    }
    const stream =
      route.kind === "material"
        ? (route.side === "window" ? c.intake.downloadMaterial : c.decision.downloadMaterial)({ filingId: route.filingId, materialId: route.materialId }, { metadata, timeoutMs: 300_000 })
        : c.notification.getDocument(
            { filingId: route.filingId, kind: notificationV1.DocumentKind[route.documentKind.replace(/^DOCUMENT_KIND_/, "") as keyof typeof notificationV1.DocumentKind] ?? 0 },
            { metadata, timeoutMs: 120_000 },
          );
    for await (const msg of stream as AsyncIterable<{ part: { case: string | undefined; value?: unknown } }>) {
      const p = msg.part;
      if (p.case === "material") {
        const m = p.value as intakeV1.Material;
        const inline = inlineSafe(m.mediaType);
        res.writeHead(200, {
          "content-type": inline ? m.mediaType : "application/octet-stream",
          "content-length": String(m.sizeBytes),
          "content-disposition": contentDisposition(inline, m.fileName),
          // A material is the party's file, not the console's page: no script of it runs with this origin.
          "content-security-policy": "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
          "x-kuayu-sha256": m.sha256,
          "cache-control": "private, no-store",
        });
      } else if (p.case === "info") {
        const i = p.value as notificationV1.DocumentInfo;
        res.writeHead(200, {
          "content-type": "application/pdf",
          "content-disposition": contentDisposition(true, `${route.filingId}-${route.kind === "document" ? route.documentKind.toLowerCase() : "document"}.pdf`),
          "x-kuayu-sha256": i.sha256,
          "x-kuayu-verification-code": i.verificationCode,
          "cache-control": "private, no-store",
        });
      } else if (p.case === "chunk") {
        if (!res.write(p.value as Uint8Array)) await new Promise((r) => res.once("drain", r));
      }
    }
    res.end();
  } catch (err) {
    sendError(res, err, log, route.kind);
  }
}
