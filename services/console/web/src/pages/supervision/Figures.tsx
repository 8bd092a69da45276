import type { Indicators } from "@gen/kuayu/supervision/v1/supervision_pb";
import { Alert, Card, Col, Row, Statistic, Table } from "antd";
import { COURT_LEVEL_NAMES, ErrorResult, count, minutes, percent, useArea, useAsync, Wide } from "./common";
import { courtFigures, type CourtFigures } from "./data";

const yuan = (x: bigint | number) => `¥${Number(x).toLocaleString("zh-CN")}`;

/** The key indicators of a scope as a row of figures. */
export function KeyFigures({ ind }: { ind?: Indicators }) {
  const i = ind;
  const items: [string, string][] = [
    ["收件数", count(i?.filings ?? 0n)],
    ["30分钟内响应", count(i?.respondedWithin30Minutes ?? 0n)],
    ["30分钟响应率", percent(i?.responseRate30Minutes ?? 0)],
    ["响应用时中位数", minutes(i?.responseMinutesP50 ?? 0)],
    ["已作出决定", count(i?.decided ?? 0n)],
    ["受理率", percent(i?.acceptanceRate ?? 0)],
    ["补正率", percent(i?.correctionRate ?? 0)],
    ["当前超期", count(i?.overdueNow ?? 0n)],
    ["满意度", i && i.satisfactionCount > 0n ? `${i.satisfactionAverage.toFixed(2)} / 5` : "—"],
    ["投诉", count(i?.complaints ?? 0n)],
    // 为当事人节约诉讼成本: the trips the decided filings spared the parties (docs/supervision-cost.md).
    ["为当事人节约诉讼成本", i && i.costSavedFilings > 0n ? `${yuan(i.costSavedYuan)}（件均 ${yuan(Math.round(i.costSavedAverage))}）` : "—"],
  ];
  return (
    <>
      {i && i.responsesProvisional > 0n && (
        <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={`有 ${count(i.responsesProvisional)} 件的响应用时按未载入的节假日安排暂计，数据为暂定值。`} />
      )}
      <Row gutter={[12, 12]}>
        {items.map(([title, value]) => (
          <Col key={title} xs={12} sm={8} md={6} lg={4} xl={4}>
            <Card size="small">
              <Statistic title={title} value={value} />
            </Card>
          </Col>
        ))}
      </Row>
    </>
  );
}

/** Courts with filings by their 30-minute response rate (then by filings), the rest after them by name. */
export const byRate = <T extends { ind?: Indicators }>(a: T, b: T) =>
  Number((b.ind?.filings ?? 0n) > 0n) - Number((a.ind?.filings ?? 0n) > 0n) ||
  (b.ind?.responseRate30Minutes ?? 0) - (a.ind?.responseRate30Minutes ?? 0) ||
  Number((b.ind?.filings ?? 0n) - (a.ind?.filings ?? 0n));

/** The figures of each jurisdiction court of a province: most filings first, or (ranked) by response rate with their place. */
export function CourtTable({ province, ranked = false }: { province: string; ranked?: boolean }) {
  const { filters } = useArea();
  const rows = useAsync((signal) => courtFigures(province, filters, signal), [province, filters]);
  if (rows.error) return <ErrorResult error={rows.error} />;
  const sorted = [...(rows.data ?? [])].sort(ranked ? byRate : (a, b) => Number((b.ind?.filings ?? 0n) - (a.ind?.filings ?? 0n)));
  const place = new Map(sorted.map((r, i) => [r.court.courtId, i + 1]));
  return (
    <Wide label="各法院指标表">
      <Table<CourtFigures>
        size="small"
        loading={rows.loading}
        rowKey={(r) => r.court.courtId}
        dataSource={sorted}
        pagination={{ pageSize: 20, showSizeChanger: false }}
        style={{ minWidth: 960 }}
        columns={[
          ...(ranked ? [{ title: "名次", key: "place", width: 64, render: (_: unknown, r: CourtFigures) => (r.ind?.filings ? place.get(r.court.courtId) : "—") }] : []),
          { title: "法院", dataIndex: ["court", "name"] },
          { title: "层级", render: (_, r) => COURT_LEVEL_NAMES[r.court.level] },
          { title: "收件数", align: "right", render: (_, r) => count(r.ind?.filings ?? 0n), sorter: (a, b) => Number((a.ind?.filings ?? 0n) - (b.ind?.filings ?? 0n)) },
          {
            title: "30分钟响应率",
            align: "right",
            render: (_, r) => (r.ind?.filings ? percent(r.ind.responseRate30Minutes) : "—"),
            sorter: (a, b) => (a.ind?.responseRate30Minutes ?? 0) - (b.ind?.responseRate30Minutes ?? 0),
          },
          { title: "响应用时中位数", align: "right", render: (_, r) => (r.ind?.responded ? minutes(r.ind.responseMinutesP50) : "—") },
          { title: "受理率", align: "right", render: (_, r) => (r.ind?.decided ? percent(r.ind.acceptanceRate) : "—") },
          { title: "当前超期", align: "right", render: (_, r) => count(r.ind?.overdueNow ?? 0n), sorter: (a, b) => Number((a.ind?.overdueNow ?? 0n) - (b.ind?.overdueNow ?? 0n)) },
          { title: "满意度", align: "right", render: (_, r) => (r.ind?.satisfactionCount ? r.ind.satisfactionAverage.toFixed(2) : "—") },
          { title: "节约诉讼成本", align: "right", render: (_, r) => (r.ind?.costSavedFilings ? yuan(r.ind.costSavedYuan) : "—") },
        ]}
      />
    </Wide>
  );
}
