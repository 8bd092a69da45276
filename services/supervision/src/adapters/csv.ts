import type { NoticeDoc } from "./store.js";

const cell = (v: string | number) => {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const china = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace("T", " ");

/** A notice as CSV: UTF-8 with a BOM (spreadsheet programs then read the Chinese right). */
export function noticeCsv(n: NoticeDoc): string {
  const header = ["管辖法院", "法院编号", "案件(filing)", "收件编号", "到达时间", "超时", "单位"];
  const unit: Record<string, string> = { hours: "小时", "working days": "工作日", "working minutes": "工作分钟" };
  const lines = n.rows.map((r) => [r.jurisdictionCourtName, r.jurisdictionCourtId, r.filingId, r.receiptNumber, china(r.arrivedAt), r.lateBy, unit[r.lateUnit] ?? r.lateUnit].map(cell).join(","));
  return `\uFEFF${[header.join(","), ...lines].join("\r\n")}\r\n`;
}
