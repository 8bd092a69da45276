import { Card, Flex, Select, Table } from "antd";
import { useMemo, useState } from "react";
import { Chart, type ChartOption } from "./Chart";
import { ErrorResult, PROVINCES, count, minutes, nationalScope, percent, provinceName, provinceScope, useArea, useAsync, Wide } from "./common";
import { dailyFigures, type DayFigures } from "./data";

/** Figures by day: filings and the 30-minute response rate, for the user's area or (national) one province. */
export default function Trends() {
  const area = useArea();
  const [region, setRegion] = useState(area.national ? "" : area.province);
  const scope = region ? provinceScope(region) : nationalScope();
  const rows = useAsync((signal) => dailyFigures(scope, area.filters, signal), [region, area.filters]);
  const data = useMemo(() => rows.data ?? [], [rows.data]);
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 56, top: 40, bottom: 32 },
      xAxis: { type: "category", data: data.map((d) => d.day.slice(5)) },
      yAxis: [
        { type: "value", name: "件", minInterval: 1 },
        { type: "value", name: "%", min: 0, max: 100, splitLine: { show: false } },
      ],
      series: [
        { name: "收件数", type: "line", data: data.map((d) => Number(d.ind?.filings ?? 0n)) },
        { name: "30分钟内响应", type: "line", data: data.map((d) => Number(d.ind?.respondedWithin30Minutes ?? 0n)) },
        { name: "30分钟响应率", type: "line", yAxisIndex: 1, data: data.map((d) => (d.ind?.filings ? Math.round(d.ind.responseRate30Minutes * 1000) / 10 : null)) },
      ],
    }),
    [data],
  );
  const where = region ? provinceName(region) : "全国";
  const label = `${where}每日收件数与30分钟响应率折线图：${data.map((d) => `${d.day} 收件 ${count(d.ind?.filings ?? 0n)} 件`).join("，")}`;
  return (
    <Flex vertical gap="middle">
      {area.national && (
        <Flex gap="small" align="center">
          <label htmlFor="sup-trend-region">地区</label>
          <Select
            id="sup-trend-region"
            style={{ width: 200 }}
            value={region}
            onChange={setRegion}
            showSearch={{ optionFilterProp: "label" }}
            options={[{ value: "", label: "全国" }, ...Object.entries(PROVINCES).map(([value, label]) => ({ value, label }))]}
          />
        </Flex>
      )}
      {rows.error ? (
        <ErrorResult error={rows.error} />
      ) : (
        <>
          <Card size="small" title={`${where}每日趋势`} loading={rows.loading && !rows.data}>
            <Chart option={option} label={label} />
          </Card>
          <Wide label="每日指标表">
            <Table<DayFigures>
              size="small"
              loading={rows.loading}
              rowKey="day"
              dataSource={[...data].reverse()}
              pagination={{ pageSize: 10, showSizeChanger: false }}
              style={{ minWidth: 640 }}
              columns={[
                { title: "日期", dataIndex: "day" },
                { title: "收件数", align: "right", render: (_, r) => count(r.ind?.filings ?? 0n) },
                { title: "30分钟内响应", align: "right", render: (_, r) => count(r.ind?.respondedWithin30Minutes ?? 0n) },
                { title: "30分钟响应率", align: "right", render: (_, r) => (r.ind?.filings ? percent(r.ind.responseRate30Minutes) : "—") },
                { title: "响应用时中位数", align: "right", render: (_, r) => (r.ind?.responded ? minutes(r.ind.responseMinutesP50) : "—") },
                { title: "已作出决定", align: "right", render: (_, r) => count(r.ind?.decided ?? 0n) },
              ]}
            />
          </Wide>
        </>
      )}
    </Flex>
  );
}
