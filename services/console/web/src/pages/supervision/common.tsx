import { Code, ConnectError } from "@connectrpc/connect";
import { CaseType } from "@gen/kuayu/common/v1/common_pb";
import { CourtLevel } from "@gen/kuayu/directory/v1/directory_pb";
import { NoticeKind, ScopeLevel } from "@gen/kuayu/supervision/v1/supervision_pb";
import { Result } from "antd";
import { createContext, useCallback, useContext, useEffect, useState, type DependencyList, type ReactNode } from "react";
import { messageOf } from "../../api/errors";

// Shared bits of the supervision area: province names, Chinese names of the enums, the filters of
// the area, a small async hook and the error result every page shows.

/** Provincial-level divisions with a high court (two-digit GB/T 2260 codes), as the directory has them; "00": courts with national jurisdiction. */
export const PROVINCES: Record<string, string> = {
  "11": "北京市",
  "12": "天津市",
  "13": "河北省",
  "14": "山西省",
  "15": "内蒙古自治区",
  "21": "辽宁省",
  "22": "吉林省",
  "23": "黑龙江省",
  "31": "上海市",
  "32": "江苏省",
  "33": "浙江省",
  "34": "安徽省",
  "35": "福建省",
  "36": "江西省",
  "37": "山东省",
  "41": "河南省",
  "42": "湖北省",
  "43": "湖南省",
  "44": "广东省",
  "45": "广西壮族自治区",
  "46": "海南省",
  "50": "重庆市",
  "51": "四川省",
  "52": "贵州省",
  "53": "云南省",
  "54": "西藏自治区",
  "61": "陕西省",
  "62": "甘肃省",
  "63": "青海省",
  "64": "宁夏回族自治区",
  "65": "新疆维吾尔自治区",
  "00": "全国性法院",
};
export const provinceName = (code: string) => PROVINCES[code] ?? code;

export const CASE_TYPE_NAMES: Record<CaseType, string> = {
  [CaseType.UNSPECIFIED]: "全部案件类型",
  [CaseType.CIVIL_FIRST_INSTANCE]: "民事一审",
  [CaseType.ADMINISTRATIVE_FIRST_INSTANCE]: "行政一审",
  [CaseType.ENFORCEMENT]: "执行申请",
  [CaseType.CRIMINAL_PRIVATE_PROSECUTION]: "刑事自诉",
  [CaseType.STATE_COMPENSATION]: "国家赔偿申请",
  [CaseType.CIVIL_RETRIAL_APPLICATION]: "民事再审申请",
};
export const caseTypeName = (t: CaseType) => (t === CaseType.UNSPECIFIED ? "—" : (CASE_TYPE_NAMES[t] ?? String(t)));

export const NOTICE_KIND_NAMES: Record<NoticeKind, string> = {
  [NoticeKind.UNSPECIFIED]: "—",
  [NoticeKind.DAILY]: "每日通报",
  [NoticeKind.WEEKLY]: "每周通报",
};

/** Court levels as the drill report's "level" rows name them (the directory's ids), and the proto's. */
export const LEVEL_NAMES: Record<string, string> = { supreme: "最高人民法院", high: "高级法院", intermediate: "中级法院", basic: "基层法院", tribunal: "人民法庭" };
export const COURT_LEVEL_NAMES: Record<CourtLevel, string> = {
  [CourtLevel.UNSPECIFIED]: "—",
  [CourtLevel.SUPREME]: "最高人民法院",
  [CourtLevel.HIGH]: "高级法院",
  [CourtLevel.INTERMEDIATE]: "中级法院",
  [CourtLevel.BASIC]: "基层法院",
  [CourtLevel.TRIBUNAL]: "人民法庭",
};

export const UNIT_NAMES: Record<string, string> = { hours: "小时", "working days": "工作日", "working minutes": "工作分钟" };
export const OVERDUE_FOR_NAMES: Record<string, string> = { response: "未按时响应", decision: "未按时作出决定" };
export const COMPLAINT_CATEGORY_NAMES: Record<string, string> = {
  "slow-response": "响应迟缓",
  attitude: "服务态度",
  "wrong-decision": "决定不当",
  "materials-lost": "材料遗失",
  other: "其他",
};
export const COMPLAINT_STATUS_NAMES: Record<string, string> = { open: "待答复", answered: "已答复" };

export const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
export const minutes = (x: number) => `${x.toFixed(1)} 分钟`;
export const count = (x: bigint | number) => Number(x).toLocaleString("zh-CN");

/** Today's date in China (YYYY-MM-DD), whatever the browser's time zone. */
export const chinaToday = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
/** A date plus `n` days (YYYY-MM-DD). */
export const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86400_000).toISOString().slice(0, 10);
/** Every day from..to, inclusive. */
export function daysOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to && out.length < 366; d = addDays(d, 1)) out.push(d);
  return out;
}
/** A time in China time, "YYYY-MM-DD HH:mm". */
export const chinaTime = (d: Date | undefined) => (d ? new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace("T", " ") : "—");

/** The area's filters: the range of days and the case type every indicator is read for. */
export interface Filters {
  from: string;
  to: string;
  caseType: CaseType;
  /** Drill (演练) filings counted too; off by default. */
  includeDrill: boolean;
  /** Bumped by 刷新数据: every page reads its figures again. */
  tick: number;
}
/** Whose figures the user reads: the SPC's supervisors the country, a high court's its province. */
export interface Area {
  national: boolean;
  province: string;
  filters: Filters;
}
export const AreaContext = createContext<Area | undefined>(undefined);
export function useArea(): Area {
  const a = useContext(AreaContext);
  if (!a) throw new Error("useArea outside the supervision area");
  return a;
}

/** A scope as the requests take it. */
export interface ScopeInit {
  level: ScopeLevel;
  id: string;
}
export const nationalScope = (): ScopeInit => ({ level: ScopeLevel.NATIONAL, id: "" });
export const provinceScope = (code: string): ScopeInit => ({ level: ScopeLevel.PROVINCE, id: code });
export const courtScope = (courtId: string): ScopeInit => ({ level: ScopeLevel.COURT, id: courtId });
/** The widest scope the user may read. */
export const ownScope = (a: Area) => (a.national ? nationalScope() : provinceScope(a.province));

export interface Async<T> {
  data?: T;
  error?: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when `deps` change (and on reload); the signal aborts a load that is no longer wanted. */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): Async<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    load(ctl.signal).then(
      (data) => !ctl.signal.aborted && setState({ data, loading: false }),
      (error: unknown) => !ctl.signal.aborted && setState({ error, loading: false }),
    );
    return () => ctl.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** Maps `items` through `fn`, at most `limit` at a time (the figures of many courts or days, without flooding the service). */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      signal?.throwIfAborted();
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A failed call as a clear result: no permission, not found, or the service's message. */
export function ErrorResult({ error }: { error: unknown }) {
  const code = error instanceof ConnectError ? error.code : undefined;
  if (code === Code.PermissionDenied || code === Code.Unauthenticated) return <Result status="403" title="无权查看" subTitle={`您的账号无权查看此项监管数据。${messageOf(error)}`} />;
  if (code === Code.NotFound) return <Result status="404" title="未找到" subTitle={messageOf(error)} />;
  return <Result status="error" title="加载失败" subTitle={messageOf(error)} />;
}

/** Saves `text` as a file of the browser's downloads. */
export function download(name: string, text: string, type = "text/csv;charset=utf-8") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** CSV of rows (UTF-8 with a BOM so spreadsheet programs read the Chinese right). */
export function toCsv(header: string[], rows: (string | number)[][]): string {
  const cell = (v: string | number) => {
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `\uFEFF${[header, ...rows].map((r) => r.map(cell).join(",")).join("\r\n")}\r\n`;
}

/** A wide table's scrolling box: focusable and named, so keyboard users can scroll it too. */
export function Wide({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div role="region" aria-label={label} tabIndex={0} style={{ overflowX: "auto" }}>
      {children}
    </div>
  );
}
