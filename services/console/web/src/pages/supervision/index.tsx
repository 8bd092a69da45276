import { CaseType } from "@gen/kuayu/common/v1/common_pb";
import { Button, ConfigProvider, DatePicker, Flex, Result, Select, Spin, Switch, Tabs, Tooltip, Typography, type ThemeConfig } from "antd";
import dayjs from "dayjs";
import { lazy, Suspense, useMemo, useState } from "react";
import { Route, Routes, useLocation, useNavigate } from "react-router";
import { useMe } from "../../session";
import { forgetFigures } from "./data";
import { AreaContext, CASE_TYPE_NAMES, addDays, chinaToday, provinceName, type Area, type Filters } from "./common";

// 监督管理: the national supervision platform's pages. The SPC's supervisors (court c-spc) read the
// country, a high court's supervisors their province; the supervision service enforces the same.

const Overview = lazy(() => import("./Overview"));
const Trends = lazy(() => import("./Trends"));
const Rankings = lazy(() => import("./Rankings"));
const Overdue = lazy(() => import("./Overdue"));
const Notices = lazy(() => import("./Notices"));
const Satisfaction = lazy(() => import("./Satisfaction"));
const Drills = lazy(() => import("./Drills"));

const TABS = [
  { key: "", label: "概览" },
  { key: "trends", label: "趋势" },
  { key: "rankings", label: "排名" },
  { key: "overdue", label: "超期案件" },
  { key: "notices", label: "通报" },
  { key: "satisfaction", label: "满意度与投诉" },
  { key: "drills", label: "演练" },
];

const SPC = "c-spc";

// Darker primary, secondary and error texts than Ant Design's defaults: the active tab, links, the
// figures' titles and the forms' messages then meet WCAG AA contrast (4.5:1) on white. Buttons keep
// their texts as written (no space put into two-character ones: "查看" stays "查看").
const THEME: ThemeConfig = { token: { colorPrimary: "#0958d9", colorLink: "#0958d9", colorTextDescription: "rgba(0, 0, 0, 0.65)", colorTextSecondary: "rgba(0, 0, 0, 0.65)", colorError: "#cf1322" } };

function FilterBar({ filters, onChange, showDates }: { filters: Filters; onChange: (f: Filters) => void; showDates: boolean }) {
  const today = dayjs(chinaToday());
  return (
    <Flex wrap gap="small" align="center">
      {showDates && (
        <>
          <label htmlFor="sup-from">起始日期</label>
          <DatePicker
            id="sup-from"
            allowClear={false}
            value={dayjs(filters.from)}
            disabledDate={(d) => d.isAfter(today) || d.isAfter(dayjs(filters.to))}
            onChange={(d) => d && onChange({ ...filters, from: d.format("YYYY-MM-DD") })}
          />
          <label htmlFor="sup-to">截止日期</label>
          <DatePicker
            id="sup-to"
            allowClear={false}
            value={dayjs(filters.to)}
            disabledDate={(d) => d.isAfter(today) || d.isBefore(dayjs(filters.from))}
            onChange={(d) => d && onChange({ ...filters, to: d.format("YYYY-MM-DD") })}
          />
          <label htmlFor="sup-case-type">案件类型</label>
          <Select
            id="sup-case-type"
            style={{ width: 150 }}
            value={filters.caseType}
            onChange={(caseType) => onChange({ ...filters, caseType })}
            options={Object.entries(CASE_TYPE_NAMES).map(([v, label]) => ({ value: Number(v) as CaseType, label }))}
          />
        </>
      )}
      <Button
        onClick={() => {
          forgetFigures();
          onChange({ ...filters, tick: filters.tick + 1 });
        }}
      >
        刷新数据
      </Button>
      <Tooltip title="默认只统计真实案件；打开后演练申请也计入各项指标和超期案件。">
        <Flex gap={6} align="center">
          <Switch id="sup-drill" checked={filters.includeDrill} onChange={(includeDrill) => onChange({ ...filters, includeDrill })} />
          <label htmlFor="sup-drill">包含演练数据</label>
        </Flex>
      </Tooltip>
    </Flex>
  );
}

export default function SupervisionRoutes() {
  const me = useMe();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const today = chinaToday();
  const [filters, setFilters] = useState<Filters>({ from: addDays(today, -6), to: today, caseType: CaseType.UNSPECIFIED, includeDrill: false, tick: 0 });
  const national = me.courtId === SPC;
  const area = useMemo<Area>(() => ({ national, province: me.province, filters }), [national, me.province, filters]);
  if (!me.roles.includes("supervisor")) return <Result status="403" title="无权访问" subTitle="监督管理仅供监督管理人员使用。" />;
  const tab = pathname.replace(/^\/supervision\/?/, "").split("/")[0] ?? "";
  const current = TABS.some((t) => t.key === tab) ? tab : "";
  return (
    <ConfigProvider theme={THEME} button={{ autoInsertSpace: false }}>
      <AreaContext.Provider value={area}>
        <Flex vertical gap="small">
          <Flex wrap justify="space-between" align="center" gap="small">
            <Typography.Title level={1} style={{ margin: 0, fontSize: 24 }}>
              监督管理 · {national ? "全国" : provinceName(me.province)}
            </Typography.Title>
            <FilterBar filters={filters} onChange={setFilters} showDates={["", "trends", "rankings", "satisfaction"].includes(current)} />
          </Flex>
          <Tabs activeKey={current} onChange={(k) => navigate(k ? `/supervision/${k}` : "/supervision")} items={TABS} />
          <Suspense fallback={<Spin style={{ display: "block", margin: 48 }} />}>
            <Routes>
              <Route index element={<Overview />} />
              <Route path="trends" element={<Trends />} />
              <Route path="rankings" element={<Rankings />} />
              <Route path="overdue" element={<Overdue />} />
              <Route path="notices" element={<Notices />} />
              <Route path="satisfaction" element={<Satisfaction />} />
              <Route path="drills" element={<Drills />} />
              <Route path="drills/:drillId" element={<Drills />} />
              <Route path="*" element={<Result status="404" title="未找到此页面" />} />
            </Routes>
          </Suspense>
        </Flex>
      </AreaContext.Provider>
    </ConfigProvider>
  );
}
