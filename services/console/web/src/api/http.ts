// The console's plain-HTTP endpoints: what the Connect protocol cannot do in a browser (uploads are
// client streams) and what the browser should open itself (PDFs and materials, inline).

/** Headers every state-changing request of the console carries (the backend refuses one without them: no cross-site forms). */
export const CONSOLE_HEADERS = { "X-Kuayu-Request": "1" } as const;

export const materialUrl = (side: "window" | "inbox", filingId: string, materialId: string) =>
  `/api/${side === "window" ? "filings" : "inbox"}/${encodeURIComponent(filingId)}/materials/${encodeURIComponent(materialId)}`;

/** A printable document of a filing (PDF), e.g. kind "DOCUMENT_KIND_ACCEPTANCE_NOTICE". */
export const documentUrl = (filingId: string, kind: string) => `/api/documents/${encodeURIComponent(filingId)}/${encodeURIComponent(kind)}`;

export const loginUrl = (returnTo: string) => `/auth/login?returnTo=${encodeURIComponent(returnTo)}`;
export const LOGOUT_URL = "/auth/logout";
