import type { Notification } from "@gen/kuayu/notification/v1/notification_pb";

/** Where a notification leads: the filing, on the side of the role it is for. */
export function linkOf(n: Notification): string | undefined {
  if (!n.filingId) return undefined;
  const id = encodeURIComponent(n.filingId);
  if (n.role === "filing-specialist") return `/inbox/${id}`;
  if (n.role === "window-clerk") return `/window/filings/${id}`;
  return undefined;
}
