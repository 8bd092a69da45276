import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { MaterialSchema, type Material } from "@gen/kuayu/intake/v1/intake_pb";
import { CONSOLE_HEADERS } from "../../api/http";
import type { FieldViolation } from "../../api/errors";
import { describe } from "./violations";

/** A refused upload: the service's message and field violations. */
class UploadError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly violations: FieldViolation[],
  ) {
    super(message);
  }
}

/** Lower-case hex SHA-256 of a file, computed in the browser (undefined where Web Crypto is unavailable). */
async function sha256Of(file: Blob): Promise<string | undefined> {
  if (!globalThis.crypto?.subtle) return undefined;
  const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const uploadUrl = (filingId: string, kind: string, name: string, sha256?: string) => {
  const q = new URLSearchParams({ kind, name });
  if (sha256) q.set("sha256", sha256);
  return `/api/filings/${encodeURIComponent(filingId)}/materials?${q.toString()}`;
};

/**
 * Uploads one material of a filing as the raw body (with the SHA-256 the browser computed, which
 * the service checks against the bytes it received); reports progress in percent.
 */
export async function uploadMaterial(filingId: string, kind: string, file: File, onProgress: (percent: number) => void): Promise<Material> {
  const sha256 = await sha256Of(file);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", uploadUrl(filingId, kind, file.name, sha256));
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    for (const [k, v] of Object.entries(CONSOLE_HEADERS)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100));
    };
    xhr.onerror = () => reject(new UploadError("网络错误，上传未完成", "unavailable", []));
    xhr.onload = () => {
      let body: { material?: JsonValue; code?: string; message?: string; violations?: FieldViolation[] } = {};
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        // not JSON: described by the status below
      }
      if (xhr.status >= 200 && xhr.status < 300 && body.material) {
        resolve(fromJson(MaterialSchema, body.material, { ignoreUnknownFields: true }));
        return;
      }
      const violations = body.violations ?? [];
      const message = violations.length > 0 ? violations.map(describe).join("；") : (body.message ?? `上传失败（HTTP ${xhr.status}）`);
      reject(new UploadError(message, body.code ?? String(xhr.status), violations));
    };
    xhr.send(file);
  });
}
