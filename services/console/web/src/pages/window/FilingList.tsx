import { FilingStatus, PartyRole, type Filing } from "@gen/kuayu/intake/v1/intake_pb";
import { PlusOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Flex, Space, Spin, Typography } from "antd";
import { useCallback, useEffect, useState, type CSSProperties, type ReactNode } from "react";
import { Link, useNavigate } from "react-router";
import { intake } from "../../api/client";
import { messageOf } from "../../api/errors";
import { LiveTag, ScrollX, StatusTag, courtName, filingTitle, formatTime, useCourts, useWatchFilings } from "./common";
import { TAG_COLORS, caseTypeName, isSubmittable } from "./labels";

const PAGE_SIZE = 20;

/** Status filters of the list: a group of statuses each. */
const FILTERS: { key: string; label: string; statuses: FilingStatus[] }[] = [
  { key: "all", label: "全部", statuses: [] },
  { key: "draft", label: "草稿", statuses: [FilingStatus.DRAFT] },
  { key: "open", label: "办理中", statuses: [FilingStatus.SUBMITTED, FilingStatus.ROUTED, FilingStatus.ACKNOWLEDGED] },
  { key: "correction", label: "待补正", statuses: [FilingStatus.CORRECTION_REQUESTED] },
  { key: "accepted", label: "已立案", statuses: [FilingStatus.ACCEPTED] },
  { key: "rejected", label: "不予受理", statuses: [FilingStatus.REJECTED] },
  { key: "withdrawn", label: "已撤回", statuses: [FilingStatus.WITHDRAWN] },
  { key: "failed", label: "流转失败", statuses: [FilingStatus.ROUTING_FAILED] },
];

const cell: CSSProperties = { padding: "8px 12px", borderBottom: "1px solid #f0f0f0", textAlign: "left", whiteSpace: "nowrap" };
const head: CSSProperties = { ...cell, background: "#fafafa", fontWeight: 600 };

/** A plain table (the list page stays light: antd's Table would more than double its script). */
function RowsTable<T>({ rows, rowKey, columns, caption }: { rows: T[]; rowKey: (r: T) => string; columns: { title: string; render: (r: T) => ReactNode }[]; caption: string }) {
  return (
    <ScrollX label={caption}>
      <table style={{ width: "100%", borderCollapse: "collapse", minWidth: 900 }}>
        <caption style={{ position: "absolute", width: 1, height: 1, overflow: "hidden", clip: "rect(0 0 0 0)" }}>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.title} scope="col" style={head}>
                {c.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={rowKey(r)}>
              {columns.map((c) => (
                <td key={c.title} style={cell}>
                  {c.render(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollX>
  );
}

/** "张三 诉 某公司" — the parties' names by side (no identity numbers in lists). */
function partiesOf(f: Filing): string {
  const names = (role: PartyRole) =>
    (f.details?.parties ?? [])
      .filter((p) => p.role === role)
      .map((p) => p.identity.value?.name)
      .filter(Boolean)
      .join("、");
  const plaintiffs = names(PartyRole.PLAINTIFF);
  const defendants = names(PartyRole.DEFENDANT);
  if (!plaintiffs && !defendants) return "—";
  return `${plaintiffs || "（未填写）"} 诉 ${defendants || "（未填写）"}`;
}

/** What is due: the correction deadline while corrections are open. */
function dueOf(f: Filing) {
  if (f.status === FilingStatus.CORRECTION_REQUESTED && f.correctionRequest?.deadline) {
    const late = Number(f.correctionRequest.deadline.seconds) * 1000 < Date.now();
    return <Typography.Text style={{ color: late ? TAG_COLORS.red : TAG_COLORS.orange }}>补正期限 {formatTime(f.correctionRequest.deadline)}</Typography.Text>;
  }
  return "—";
}

/** The court's filings, newest first, filtered by status and paged; rows follow WatchFilings live. */
export default function FilingList() {
  const navigate = useNavigate();
  const [filter, setFilter] = useState("all");
  const statuses = FILTERS.find((f) => f.key === filter)?.statuses ?? [];
  // Page tokens of the pages seen so far: tokens[i] opens page i.
  const [tokens, setTokens] = useState<string[]>([""]);
  const [page, setPage] = useState(0);
  const [rows, setRows] = useState<Filing[]>([]);
  const [next, setNext] = useState("");
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string>();
  const courts = useCourts(rows.map((f) => f.details?.jurisdictionCourtId ?? ""));

  const load = useCallback(() => {
    let cancelled = false;
    setLoading(true);
    setError(undefined);
    intake
      .listFilings({ statuses, pageSize: PAGE_SIZE, pageToken: tokens[page] ?? "" })
      .then((res) => {
        if (cancelled) return;
        setRows(res.filings);
        setNext(res.nextPageToken);
      })
      .catch((err: unknown) => !cancelled && setError(messageOf(err)))
      .finally(() => !cancelled && setLoading(false));
    return () => {
      cancelled = true;
    };
  }, [statuses, tokens, page]);
  useEffect(load, [load]);

  const live = useWatchFilings("", (f) => {
    setRows((current) => {
      const i = current.findIndex((r) => r.filingId === f.filingId);
      const matches = statuses.length === 0 || statuses.includes(f.status);
      if (i >= 0) return matches ? current.map((r, j) => (j === i ? f : r)) : current.filter((_, j) => j !== i);
      // A filing new to this view goes on top of the first page.
      return page === 0 && matches ? [f, ...current].slice(0, PAGE_SIZE) : current;
    });
  });

  return (
    <Card
      title={
        <Space>
          <span>本院申请</span>
          <LiveTag live={live} />
        </Space>
      }
      extra={
        <Button type="primary" icon={<PlusOutlined />} onClick={() => void navigate("/window/new")}>
          新建跨域立案
        </Button>
      }
    >
      <Flex vertical gap={12}>
        <Space.Compact role="group" aria-label="按状态筛选">
          {FILTERS.map((f) => (
            <Button
              key={f.key}
              type={f.key === filter ? "primary" : "default"}
              aria-pressed={f.key === filter}
              onClick={() => {
                setFilter(f.key);
                setTokens([""]);
                setPage(0);
              }}
            >
              {f.label}
            </Button>
          ))}
        </Space.Compact>
        {error && <Alert type="error" showIcon title={`加载失败：${error}`} action={<Button onClick={() => load()}>重试</Button>} />}
        <Spin spinning={loading}>
          <RowsTable<Filing>
            caption="本院跨域立案申请"
            rows={rows}
            rowKey={(f) => f.filingId}
            columns={[
              { title: "收件编号", render: (f) => <Link to={`/window/filings/${encodeURIComponent(f.filingId)}`}>{filingTitle(f)}</Link> },
              { title: "案件类型", render: (f) => caseTypeName(f.details?.caseType) },
              { title: "当事人", render: (f) => partiesOf(f) },
              { title: "管辖法院", render: (f) => courtName(courts, f.details?.jurisdictionCourtId ?? "") },
              { title: "状态", render: (f) => <StatusTag status={f.status} /> },
              { title: "期限", render: (f) => dueOf(f) },
              { title: "提交时间", render: (f) => formatTime(f.submittedAt) },
              { title: "更新时间", render: (f) => formatTime(f.updatedAt) },
              {
                title: "操作",
                render: (f) => (
                  <Space>
                    <Link to={`/window/filings/${encodeURIComponent(f.filingId)}`}>查看</Link>
                    {isSubmittable(f.status) && <Link to={`/window/new?draft=${encodeURIComponent(f.filingId)}`}>继续填写</Link>}
                  </Space>
                ),
              },
            ]}
          />
          {!loading && rows.length === 0 && (
            <Typography.Paragraph style={{ textAlign: "center", padding: 24 }} type="secondary">
              暂无申请
            </Typography.Paragraph>
          )}
        </Spin>
        <Space>
          <Button disabled={page === 0 || loading} onClick={() => setPage((p) => p - 1)}>
            上一页
          </Button>
          <span>第 {page + 1} 页</span>
          <Button
            disabled={!next || loading}
            onClick={() => {
              setTokens((t) => [...t.slice(0, page + 1), next]);
              setPage((p) => p + 1);
            }}
          >
            下一页
          </Button>
        </Space>
      </Flex>
    </Card>
  );
}
