import { Button, Card, Col, Flex, Row, Skeleton, Typography } from "antd";
import { useEffect, useMemo, useRef, useState } from "react";
import { Chart, CODE_OF_MAP_NAME, MAP_NAME_OF, type ChartOption } from "./Chart";
import { ErrorResult, ownScope, percent, provinceName, provinceScope, useArea, useAsync } from "./common";
import { indicatorsOf, provinceFigures, type ProvinceFigures } from "./data";
import { CourtTable, KeyFigures } from "./Figures";

/** A province: its key figures and its courts' figures. */
function ProvinceDetail({ province }: { province: string }) {
  const { filters } = useArea();
  const ind = useAsync((signal) => indicatorsOf(provinceScope(province), filters, signal), [province, filters]);
  return (
    <Flex vertical gap="middle">
      <Typography.Title level={2} style={{ margin: 0, fontSize: 20 }}>
        {provinceName(province)}
      </Typography.Title>
      {ind.error ? <ErrorResult error={ind.error} /> : ind.loading && !ind.data ? <Skeleton active /> : <KeyFigures ind={ind.data} />}
      <Typography.Title level={3} style={{ margin: 0, fontSize: 16 }}>
        各法院指标
      </Typography.Title>
      <CourtTable province={province} />
    </Flex>
  );
}

function mapOption(rows: ProvinceFigures[]): ChartOption {
  const data = rows
    .filter((r) => MAP_NAME_OF[r.code])
    .map((r) => ({ name: MAP_NAME_OF[r.code]!, value: r.ind && r.ind.filings > 0n ? Math.round(r.ind.responseRate30Minutes * 1000) / 10 : "-", filings: Number(r.ind?.filings ?? 0n) }));
  return {
    tooltip: {
      trigger: "item",
      formatter: (p: { name: string; value: number | string; data?: { filings: number } }) =>
        `${provinceName(CODE_OF_MAP_NAME[p.name] ?? "")}<br/>收件 ${p.data?.filings ?? 0} 件<br/>30分钟响应率 ${typeof p.value === "number" && !Number.isNaN(p.value) ? `${p.value}%` : "无数据"}`,
    },
    visualMap: {
      min: 0,
      max: 100,
      left: 8,
      bottom: 8,
      text: ["100%", "0%"],
      calculable: false,
      inRange: { color: ["#d4380d", "#faad14", "#52c41a"] },
    },
    series: [
      {
        type: "map",
        map: "china",
        roam: false,
        top: 8,
        left: 56,
        right: 8,
        bottom: 8,
        selectedMode: false,
        label: { show: false },
        emphasis: { label: { show: true } },
        itemStyle: { areaColor: "#f0f0f0", borderColor: "#999" },
        data,
      },
    ],
  };
}

/** The country: each province coloured by its 30-minute response rate; a click shows its courts. */
function NationalMap() {
  const { filters } = useArea();
  const [selected, setSelected] = useState<string>();
  const detail = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (selected) detail.current?.scrollIntoView({ behavior: "smooth", block: "start" });
  }, [selected]);
  const rows = useAsync((signal) => provinceFigures(filters, signal), [filters]);
  const option = useMemo(() => mapOption(rows.data ?? []), [rows.data]);
  const withFilings = (rows.data ?? []).filter((r) => r.ind && r.ind.filings > 0n);
  const label = `全国各省30分钟响应率地图：${withFilings.length === 0 ? "所选期间没有收件" : withFilings.map((r) => `${r.name} ${percent(r.ind!.responseRate30Minutes)}`).join("，")}`;
  if (rows.error) return <ErrorResult error={rows.error} />;
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24}>
        <Card size="small" title="各省30分钟响应率（点击省份查看各法院）" loading={rows.loading && !rows.data}>
          <Chart option={option} label={label} height={480} onClick={(name) => CODE_OF_MAP_NAME[name] && PROVINCES_WITH_COURTS.has(CODE_OF_MAP_NAME[name]) && setSelected(CODE_OF_MAP_NAME[name])} />
        </Card>
      </Col>
      {selected && (
        <Col xs={24} ref={detail}>
          <Card size="small" extra={<Button onClick={() => setSelected(undefined)}>关闭</Button>}>
            <ProvinceDetail province={selected} />
          </Card>
        </Col>
      )}
    </Row>
  );
}
const PROVINCES_WITH_COURTS = new Set(Object.keys(MAP_NAME_OF).filter((c) => !["71", "81", "82"].includes(c)));

export default function Overview() {
  const area = useArea();
  const ind = useAsync((signal) => indicatorsOf(ownScope(area), area.filters, signal), [area]);
  if (!area.national) return <ProvinceDetail province={area.province} />;
  return (
    <Flex vertical gap="middle">
      {ind.error ? <ErrorResult error={ind.error} /> : ind.loading && !ind.data ? <Skeleton active /> : <KeyFigures ind={ind.data} />}
      <NationalMap />
    </Flex>
  );
}
