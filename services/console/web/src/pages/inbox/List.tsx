import { Code, ConnectError } from "@connectrpc/connect";
import { InboxStatus, InboxView, type InboxFiling } from "@gen/kuayu/decision/v1/decision_pb";
import { Alert, Card, Result, Space, Table, Tabs, Tag, Typography } from "antd";
import { useCallback, useEffect, useMemo, useState } from "react";
import { Link } from "react-router";
import { decision, directory } from "../../api/client";
import { messageOf } from "../../api/errors";
import { EmptyText, PageTitle, Wide } from "../notifications/a11y";
import { useStream } from "../notifications/stream";
import { ResponseClock, Remaining, useNow } from "./Countdown";
import { CASE_TYPE_NAMES, COLORS, dateOf, fmt, STATUS } from "./labels";

const TABS = [
  { key: "open", label: "待处理", views: [InboxView.AWAITING_RESPONSE, InboxView.AWAITING_DECISION] },
  { key: "correction", label: "待补正", views: [InboxView.CORRECTION_PENDING] },
  { key: "overdue", label: "已超期", views: [InboxView.OVERDUE] },
  { key: "all", label: "全部", views: [InboxView.ALL] },
] as const;
type TabKey = (typeof TABS)[number]["key"];

/** Whether a filing (new or changed, from the live stream) belongs in a tab. */
function belongs(tab: TabKey, f: InboxFiling) {
  if (tab === "open") return f.status === InboxStatus.AWAITING_RESPONSE || f.status === InboxStatus.AWAITING_DECISION;
  if (tab === "correction") return f.status === InboxStatus.CORRECTION_PENDING;
  if (tab === "overdue") return f.overdue;
  return true;
}

/** The deadline that matters now: the response, then the decision, then the correction. */
function dueOf(f: InboxFiling) {
  if (f.status === InboxStatus.AWAITING_RESPONSE) return f.responseDue;
  if (f.status === InboxStatus.AWAITING_DECISION) return f.decisionDue;
  if (f.status === InboxStatus.CORRECTION_PENDING) return f.correctionDeadline;
  return undefined;
}
const dueTime = (f: InboxFiling) => dateOf(dueOf(f))?.getTime() ?? Number.MAX_SAFE_INTEGER;

/** Names of courts by id (the collaborating courts of the listed filings). */
export function useCourtNames(ids: string[]) {
  const [names, setNames] = useState<Record<string, string>>({});
  const wanted = [...new Set(ids)].filter((id) => id && !(id in names)).sort();
  const key = wanted.join(",");
  useEffect(() => {
    if (!key) return;
    directory
      .batchGetCourts({ courtIds: key.split(",") })
      .then((res) => setNames((n) => ({ ...n, ...Object.fromEntries(res.courts.map((c) => [c.courtId, c.name])) })))
      .catch(() => undefined); // the ids are shown instead
  }, [key]);
  return names;
}

/** The court's inbox: filings to respond to and decide, by deadline, updated live. */
export function InboxList() {
  const [tab, setTab] = useState<TabKey>("open");
  const [filings, setFilings] = useState<InboxFiling[]>();
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string>();
  const [denied, setDenied] = useState(false);
  const now = useNow();

  const load = useCallback(async (t: TabKey) => {
    const views = TABS.find((x) => x.key === t)!.views;
    try {
      const pages = await Promise.all(views.map((view) => decision.listInbox({ view, pageSize: 200 })));
      setFilings(pages.flatMap((p) => p.filings));
      setMore(pages.some((p) => p.nextPageToken !== ""));
      setError(undefined);
    } catch (err) {
      if (err instanceof ConnectError && err.code === Code.PermissionDenied) setDenied(true);
      setError(messageOf(err));
      setFilings((f) => f ?? []);
    }
  }, []);
  useEffect(() => {
    setFilings(undefined);
    void load(tab);
  }, [tab, load]);

  // New filings appear, changed ones are updated in place (they stay in view until the next load).
  useStream(
    (signal) => decision.watchInbox({}, { signal }),
    ({ filing }) => {
      if (!filing) return;
      setFilings((list) => {
        if (!list) return list;
        const i = list.findIndex((x) => x.filingId === filing.filingId);
        if (i >= 0) return list.map((x, j) => (j === i ? filing : x));
        return belongs(tab, filing) ? [...list, filing] : list;
      });
    },
    () => void load(tab),
    tab,
  );

  const rows = useMemo(() => (tab === "all" ? filings : filings && [...filings].sort((a, b) => dueTime(a) - dueTime(b))), [filings, tab]);
  const courts = useCourtNames((filings ?? []).map((f) => f.collaboratingCourtId));

  if (denied) return <Result status="403" title="无权查看收件箱" subTitle="收件箱仅供管辖法院的跨域立案专员使用。" />;
  return (
    <Card title={<PageTitle>待处理（管辖法院）</PageTitle>}>
      <Typography.Paragraph>管辖法院应自申请送达起 30 个工作分钟内响应；响应后在决定期限内作出受理、不予受理或要求补正的决定。</Typography.Paragraph>
      <Tabs activeKey={tab} onChange={(k) => setTab(k as TabKey)} items={TABS.map((t) => ({ key: t.key, label: t.label }))} />
      {error && <Alert type="error" showIcon title="无法读取收件箱" description={error} style={{ marginBottom: 16 }} />}
      {more && <Alert type="info" showIcon title="仅显示前 200 条" style={{ marginBottom: 16 }} />}
      <Wide label="收件箱申请列表" minWidth={900}>
        <Table<InboxFiling>
          rowKey="filingId"
          loading={!filings}
          dataSource={rows}
          pagination={false}
          locale={{ emptyText: <EmptyText>暂无申请</EmptyText> }}
          columns={[
            {
              title: "收件编号",
              key: "receipt",
              render: (_, f) => (
                <Link to={`/inbox/${encodeURIComponent(f.filingId)}`} style={{ whiteSpace: "nowrap" }}>
                  {f.receiptNumber || f.filingId}
                </Link>
              ),
            },
            {
              title: "状态",
              key: "status",
              render: (_, f) => (
                <Space size={4} wrap>
                  <Tag color={STATUS[f.status].color}>{STATUS[f.status].text}</Tag>
                  {f.overdue && <Tag color={COLORS.bad}>已超期</Tag>}
                  {f.drill && <Tag color={COLORS.muted}>演练</Tag>}
                </Space>
              ),
            },
            { title: "响应时限", key: "response", render: (_, f) => <ResponseClock f={f} now={now} /> },
            {
              title: "当前期限",
              key: "due",
              render: (_, f) =>
                dueOf(f) ? (
                  <span style={{ whiteSpace: "nowrap" }}>
                    {fmt(dueOf(f))}
                    {f.deadlinesEstimated && "（暂定）"}
                    {f.status !== InboxStatus.AWAITING_RESPONSE && (
                      <>
                        <br />
                        <Remaining due={dueOf(f)} now={now} />
                      </>
                    )}
                  </span>
                ) : (
                  "—"
                ),
            },
            { title: "案件类型", key: "type", render: (_, f) => CASE_TYPE_NAMES[f.caseType] },
            { title: "协作法院", key: "court", render: (_, f) => courts[f.collaboratingCourtId] ?? f.collaboratingCourtId },
            { title: "送达时间", key: "arrived", render: (_, f) => <span style={{ whiteSpace: "nowrap" }}>{fmt(f.arrivedAt)}</span> },
          ]}
        />
      </Wide>
    </Card>
  );
}
