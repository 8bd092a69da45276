import { Card, Col, Flex, Row, Select, Table, Typography } from "antd";
import { useMemo, useState } from "react";
import { Chart, type ChartOption } from "./Chart";
import { ErrorResult, PROVINCES, count, minutes, percent, provinceName, useArea, useAsync, Wide } from "./common";
import { provinceFigures, type ProvinceFigures } from "./data";
import { CourtTable, byRate } from "./Figures";

/** Provinces by their 30-minute response rate (the SPC's supervisors only): a table and a bar chart. */
function ProvinceRanking() {
  const { filters } = useArea();
  const rows = useAsync((signal) => provinceFigures(filters, signal), [filters]);
  const sorted = useMemo(() => [...(rows.data ?? [])].sort(byRate), [rows.data]);
  const withFilings = useMemo(() => sorted.filter((r) => r.ind && r.ind.filings > 0n), [sorted]);
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "axis" },
      grid: { left: 110, right: 24, top: 8, bottom: 24 },
      xAxis: { type: "value", min: 0, max: 100, name: "%" },
      yAxis: { type: "category", inverse: true, data: withFilings.map((r) => r.name) },
      series: [{ name: "30分钟响应率", type: "bar", barMaxWidth: 20, data: withFilings.map((r) => Math.round(r.ind!.responseRate30Minutes * 1000) / 10) }],
    }),
    [withFilings],
  );
  if (rows.error) return <ErrorResult error={rows.error} />;
  const label = `各省30分钟响应率条形图：${withFilings.length === 0 ? "所选期间没有收件" : withFilings.map((r) => `${r.name} ${percent(r.ind!.responseRate30Minutes)}`).join("，")}`;
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={14}>
        <Wide label="省份排名表">
          <Table<ProvinceFigures>
            size="small"
            loading={rows.loading}
            rowKey="code"
            dataSource={sorted}
            pagination={false}
            style={{ minWidth: 640 }}
            columns={[
              { title: "名次", key: "place", width: 64, render: (_, r, i) => (r.ind?.filings ? i + 1 : "—") },
              { title: "省份", dataIndex: "name" },
              { title: "收件数", align: "right", render: (_, r) => count(r.ind?.filings ?? 0n) },
              { title: "30分钟响应率", align: "right", render: (_, r) => (r.ind?.filings ? percent(r.ind.responseRate30Minutes) : "—") },
              { title: "响应用时中位数", align: "right", render: (_, r) => (r.ind?.responded ? minutes(r.ind.responseMinutesP50) : "—") },
              { title: "当前超期", align: "right", render: (_, r) => count(r.ind?.overdueNow ?? 0n) },
            ]}
          />
        </Wide>
      </Col>
      <Col xs={24} xl={10}>
        <Card size="small" title="各省30分钟响应率" loading={rows.loading && !rows.data}>
          <Chart option={option} label={label} height={Math.max(240, withFilings.length * 22 + 40)} />
        </Card>
      </Col>
    </Row>
  );
}

/** Rankings: of the provinces (national) and of a province's courts. */
export default function Rankings() {
  const area = useArea();
  const [province, setProvince] = useState(area.national ? "11" : area.province);
  return (
    <Flex vertical gap="middle">
      {area.national && (
        <>
          <Typography.Title level={2} style={{ margin: 0, fontSize: 20 }}>
            省份排名
          </Typography.Title>
          <ProvinceRanking />
        </>
      )}
      <Flex wrap gap="small" align="center">
        <Typography.Title level={2} style={{ margin: 0, fontSize: 20 }}>
          法院排名 · {provinceName(province)}
        </Typography.Title>
        {area.national && (
          <>
            <label htmlFor="sup-rank-province">省份</label>
            <Select
              id="sup-rank-province"
              style={{ width: 200 }}
              value={province}
              onChange={setProvince}
              showSearch={{ optionFilterProp: "label" }}
              options={Object.entries(PROVINCES).map(([value, label]) => ({ value, label }))}
            />
          </>
        )}
      </Flex>
      <CourtTable province={province} ranked />
    </Flex>
  );
}
