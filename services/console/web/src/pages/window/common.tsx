import { Code, ConnectError } from "@connectrpc/connect";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { Court } from "@gen/kuayu/directory/v1/directory_pb";
import { FilingStatus, type Filing } from "@gen/kuayu/intake/v1/intake_pb";
import { Button, Result, Tag } from "antd";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { Link } from "react-router";
import { directory, intake } from "../../api/client";
import { messageOf } from "../../api/errors";
import { STATUS_COLORS, STATUS_NAMES, TAG_COLORS } from "./labels";

const CHINA_TIME = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Asia/Shanghai",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

/** A time as courts read it: China time (UTC+8), whatever the browser's time zone, e.g. 2026-12-04 08:30. */
export function formatTime(ts: Timestamp | undefined, withSeconds = false): string {
  if (!ts) return "—";
  const p = Object.fromEntries(CHINA_TIME.formatToParts(timestampDate(ts)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}${withSeconds ? `:${p.second}` : ""}`;
}

export function StatusTag({ status }: { status: FilingStatus }) {
  return <Tag color={STATUS_COLORS[status]}>{STATUS_NAMES[status]}</Tag>;
}

/** Why a filing could not be loaded: another court's (403), unknown (404), or a failure to retry. */
export function LoadError({ err, onRetry }: { err: unknown; onRetry?: () => void }) {
  const code = err instanceof ConnectError ? err.code : undefined;
  const back = (
    <Link key="back" to="/window/filings">
      返回本院申请
    </Link>
  );
  if (code === Code.PermissionDenied) return <Result status="403" title="无权查看该申请" subTitle="该申请不属于本院，或您没有窗口办理权限。" extra={back} />;
  if (code === Code.NotFound) return <Result status="404" title="申请不存在" subTitle="没有找到该申请，请核对链接。" extra={back} />;
  return (
    <Result
      status="error"
      title="加载失败"
      subTitle={messageOf(err)}
      extra={[
        onRetry && (
          <Button key="retry" type="primary" onClick={onRetry}>
            重试
          </Button>
        ),
        back,
      ]}
    />
  );
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });

/**
 * Follows WatchFilings (one filing, or every filing of the court when `filingId` is empty) while
 * mounted; re-opens the stream with a growing backoff after an error or an end. Returns whether the
 * stream is open.
 */
export function useWatchFilings(filingId: string, onChange: (filing: Filing, eventType: string) => void, enabled = true): boolean {
  const handler = useRef(onChange);
  const [live, setLive] = useState(false);
  useEffect(() => {
    handler.current = onChange;
  });
  useEffect(() => {
    if (!enabled) return;
    const ac = new AbortController();
    void (async () => {
      let delay = 1000;
      while (!ac.signal.aborted) {
        try {
          setLive(true);
          for await (const res of intake.watchFilings({ filingId }, { signal: ac.signal })) {
            delay = 1000;
            if (res.filing) handler.current(res.filing, res.eventType);
          }
        } catch (err) {
          // Another court's or an unknown filing: the page shows why; watching again would not help.
          if (err instanceof ConnectError && (err.code === Code.PermissionDenied || err.code === Code.NotFound || err.code === Code.Unauthenticated)) {
            setLive(false);
            return;
          }
        }
        if (ac.signal.aborted) return;
        setLive(false);
        await sleep(delay, ac.signal);
        delay = Math.min(delay * 2, 30_000);
      }
    })();
    return () => ac.abort();
  }, [filingId, enabled]);
  return live;
}

export function LiveTag({ live }: { live: boolean }) {
  return live ? <Tag color={TAG_COLORS.green}>实时更新中</Tag> : <Tag color={TAG_COLORS.orange}>正在重新连接</Tag>;
}

const courtCache = new Map<string, Court>();

/** Keeps a court the page already has (e.g. from a search) for useCourts. */
export const rememberCourt = (c: Court) => courtCache.set(c.courtId, c);

/** Directory entries of these courts (cached for the session); unknown ids are left out. */
export function useCourts(ids: string[]): Map<string, Court> {
  const key = [...new Set(ids.filter(Boolean))].sort().join(",");
  const [, setVersion] = useState(0);
  useEffect(() => {
    const missing = key ? key.split(",").filter((id) => !courtCache.has(id)) : [];
    if (missing.length === 0) return;
    let cancelled = false;
    directory
      .batchGetCourts({ courtIds: missing })
      .then((res) => {
        for (const c of res.courts) courtCache.set(c.courtId, c);
        if (!cancelled) setVersion((v) => v + 1);
      })
      .catch(() => undefined); // names are a convenience: the id is shown instead
    return () => {
      cancelled = true;
    };
  }, [key]);
  return courtCache;
}

export const courtName = (courts: Map<string, Court>, id: string) => (id ? (courts.get(id)?.name ?? id) : "未选择");

/** A wide table's horizontal scroll box: a labelled region keyboard users can focus and scroll. */
export function ScrollX({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div role="region" aria-label={label} tabIndex={0} style={{ overflowX: "auto" }}>
      {children}
    </div>
  );
}

/** An idempotency key: 32 random hex digits (getRandomValues works outside secure contexts too). */
export const newKey = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");

export const formatSize = (n: bigint | number) => {
  const b = Number(n);
  if (b < 1024) return `${b} B`;
  if (b < 1024 * 1024) return `${(b / 1024).toFixed(1)} KB`;
  return `${(b / 1024 / 1024).toFixed(1)} MB`;
};

/** The receipt number once submitted; before that "草稿" (or "未提交" for a draft withdrawn). */
export const filingTitle = (f: Filing) => f.receiptNumber || (f.status === FilingStatus.DRAFT ? "草稿" : "未提交");
