import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { CaseType } from "@gen/kuayu/common/v1/common_pb";
import type { ParticipationRow } from "@gen/kuayu/supervision/v1/supervision_pb";
import { Button, Card, Col, DatePicker, Descriptions, Flex, Form, Input, InputNumber, Row, Select, Statistic, Switch, Table, Typography } from "antd";
import type { Dayjs } from "dayjs";
import { useEffect, useMemo, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { supervision } from "../../api/client";
import { messageOf, violationsOf } from "../../api/errors";
import { Chart, type ChartOption } from "./Chart";
import { CASE_TYPE_NAMES, ErrorResult, LEVEL_NAMES, caseTypeName, chinaTime, count, percent, provinceName, useArea, useAsync } from "./common";
import { courtNames } from "./data";

// 演练: a drill campaign's live participation. The service has no list of drills, so this page keeps
// the ids of the drills opened or created here in the browser (ids and names only).

const RECENT_KEY = "kuayu.supervision.drills";
interface Recent {
  id: string;
  name: string;
}
const recentDrills = (): Recent[] => {
  try {
    return (JSON.parse(localStorage.getItem(RECENT_KEY) ?? "[]") as Recent[]).filter((r) => typeof r.id === "string");
  } catch {
    return [];
  }
};
const remember = (r: Recent) => localStorage.setItem(RECENT_KEY, JSON.stringify([r, ...recentDrills().filter((x) => x.id !== r.id)].slice(0, 10)));

const REFRESH_MS = 5000;

/** The live report of one drill: refreshed every few seconds while open. */
function DrillReport({ id }: { id: string }) {
  const [round, setRound] = useState(0);
  const [live, setLive] = useState(true);
  const report = useAsync(
    async (signal) => {
      const r = await supervision.getDrillReport({ drillId: id, round }, { signal });
      const names = await courtNames(r.missingCourtIds.slice(0, 500), signal);
      return { r, names };
    },
    [id, round],
  );
  const { reload } = report;
  const failed = !!report.error && !report.data; // no such drill, or not allowed: nothing to refresh
  useEffect(() => {
    if (!live || failed) return;
    const t = setInterval(reload, REFRESH_MS);
    return () => clearInterval(t);
  }, [live, failed, reload]);
  const r = report.data?.r;
  const name = r?.drill?.name;
  useEffect(() => {
    if (name) remember({ id, name });
  }, [id, name]);
  const provinces = useMemo(() => (r?.participation ?? []).filter((p) => p.group === "province"), [r]);
  const levels = useMemo(() => (r?.participation ?? []).filter((p) => p.group === "level"), [r]);
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "axis" },
      grid: { left: 110, right: 24, top: 8, bottom: 24 },
      xAxis: { type: "value", min: 0, max: 100, name: "%" },
      yAxis: { type: "category", inverse: true, data: provinces.map((p) => provinceName(p.key)) },
      series: [{ name: "参与率", type: "bar", barMaxWidth: 20, data: provinces.map((p) => Math.round(p.rate * 1000) / 10) }],
    }),
    [provinces],
  );
  if (report.error && !r) return <ErrorResult error={report.error} />;
  if (!r) return <Card loading />;
  const d = r.drill;
  const rounds = d?.rounds ?? 1;
  const columns = (keyTitle: string, name: (k: string) => string) => [
    { title: keyTitle, render: (_: unknown, p: ParticipationRow) => name(p.key) },
    { title: "应参与法院", align: "right" as const, render: (_: unknown, p: ParticipationRow) => count(p.expected) },
    { title: "已参与法院", align: "right" as const, render: (_: unknown, p: ParticipationRow) => count(p.participated) },
    { title: "参与率", align: "right" as const, render: (_: unknown, p: ParticipationRow) => percent(p.rate) },
  ];
  return (
    <Flex vertical gap="middle">
      <Descriptions
        size="small"
        bordered
        column={{ xs: 1, md: 2 }}
        items={[
          { key: "name", label: "演练名称", children: d?.name },
          { key: "id", label: "演练编号", children: <Typography.Text copyable>{id}</Typography.Text> },
          { key: "time", label: "时间", children: `${chinaTime(d?.startsAt && timestampDate(d.startsAt))} 至 ${chinaTime(d?.endsAt && timestampDate(d.endsAt))}` },
          { key: "types", label: "案件类型", children: d?.caseTypes.length ? d.caseTypes.map(caseTypeName).join("、") : "全部案件类型" },
        ]}
      />
      <Flex wrap gap="small" align="center">
        <label htmlFor="sup-drill-round">轮次</label>
        <Select
          id="sup-drill-round"
          style={{ width: 140 }}
          value={round}
          onChange={setRound}
          options={[{ value: 0, label: "全部轮次" }, ...Array.from({ length: rounds }, (_, i) => ({ value: i + 1, label: `第 ${i + 1} 轮` }))]}
        />
        <Switch id="sup-drill-live" checked={live} onChange={setLive} />
        <label htmlFor="sup-drill-live">自动刷新（每5秒）</label>
        {report.error ? <Typography.Text type="danger">刷新失败：{messageOf(report.error)}</Typography.Text> : null}
      </Flex>
      <Row gutter={[12, 12]}>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic title="演练收件数" value={count(r.filings)} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic title="30分钟响应率" value={r.filings > 0n ? percent(r.responseRate30Minutes) : "—"} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic title="未完成法院" value={count(r.missingCourtIds.length)} />
          </Card>
        </Col>
      </Row>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={12}>
          <Typography.Title level={2} style={{ fontSize: 16 }}>
            按省份参与情况
          </Typography.Title>
          <Table<ParticipationRow> size="small" rowKey="key" dataSource={provinces} pagination={false} columns={columns("省份", provinceName)} />
        </Col>
        <Col xs={24} xl={12}>
          <Typography.Title level={2} style={{ fontSize: 16 }}>
            按法院层级参与情况
          </Typography.Title>
          <Table<ParticipationRow> size="small" rowKey="key" dataSource={levels} pagination={false} columns={columns("法院层级", (k) => LEVEL_NAMES[k] ?? k)} />
          <Card size="small" title="各省参与率" style={{ marginTop: 16 }}>
            <Chart option={option} label={`各省演练参与率条形图：${provinces.map((p) => `${provinceName(p.key)} ${percent(p.rate)}`).join("，")}`} height={Math.max(200, provinces.length * 22 + 40)} />
          </Card>
        </Col>
      </Row>
      <Typography.Title level={2} style={{ fontSize: 16 }}>
        未完成本轮全部案件类型的法院（{count(r.missingCourtIds.length)}）
      </Typography.Title>
      <Typography.Paragraph ellipsis={{ rows: 4, expandable: true, symbol: "展开" }}>
        {r.missingCourtIds.length === 0 ? "无" : r.missingCourtIds.map((c) => report.data?.names.get(c) ?? c).join("、")}
      </Typography.Paragraph>
    </Flex>
  );
}

interface DrillForm {
  name: string;
  rounds: number;
  startsAt: Dayjs;
  endsAt: Dayjs;
  caseTypes?: CaseType[];
  courtIds?: string;
}

/** A new drill campaign (the SPC's supervisors). */
function CreateDrill({ onCreated }: { onCreated: (id: string) => void }) {
  const [form] = Form.useForm<DrillForm>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const submit = async (v: DrillForm) => {
    setBusy(true);
    setError(undefined);
    try {
      const { drill } = await supervision.createDrill({
        drill: {
          name: v.name,
          rounds: v.rounds,
          startsAt: timestampFromDate(v.startsAt.toDate()),
          endsAt: timestampFromDate(v.endsAt.toDate()),
          caseTypes: v.caseTypes ?? [],
          courtIds: (v.courtIds ?? "").split(/[\s,，、]+/).filter(Boolean),
        },
      });
      if (drill) {
        remember({ id: drill.drillId, name: drill.name });
        onCreated(drill.drillId);
      }
    } catch (err) {
      const fields: Record<string, keyof DrillForm> = { "drill.name": "name", "drill.rounds": "rounds", "drill.ends_at": "endsAt", "drill.case_types": "caseTypes", "drill.court_ids": "courtIds" };
      const v = violationsOf(err).filter((x) => fields[x.field]);
      if (v.length > 0) form.setFields(v.map((x) => ({ name: fields[x.field]!, errors: [x.description] })));
      else setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Form<DrillForm> form={form} name="drill" layout="vertical" onFinish={submit} initialValues={{ rounds: 1 }} style={{ maxWidth: 640 }}>
      <Form.Item name="name" label="演练名称" rules={[{ required: true, message: "请填写演练名称" }]}>
        <Input maxLength={200} />
      </Form.Item>
      <Form.Item name="rounds" label="轮次数" rules={[{ required: true, message: "请填写轮次数" }]}>
        <InputNumber min={1} max={20} precision={0} />
      </Form.Item>
      <Flex wrap gap="middle">
        <Form.Item name="startsAt" label="开始时间" rules={[{ required: true, message: "请选择开始时间" }]}>
          <DatePicker showTime={{ format: "HH:mm" }} format="YYYY-MM-DD HH:mm" />
        </Form.Item>
        <Form.Item name="endsAt" label="结束时间" rules={[{ required: true, message: "请选择结束时间" }]}>
          <DatePicker showTime={{ format: "HH:mm" }} format="YYYY-MM-DD HH:mm" />
        </Form.Item>
      </Flex>
      <Form.Item name="caseTypes" label="案件类型（不选为全部）">
        <Select
          mode="multiple"
          options={Object.entries(CASE_TYPE_NAMES)
            .filter(([v]) => Number(v) !== CaseType.UNSPECIFIED)
            .map(([v, label]) => ({ value: Number(v) as CaseType, label }))}
        />
      </Form.Item>
      <Form.Item name="courtIds" label="参与法院编号（空格或换行分隔，不填为全部协作法院）">
        <Input.TextArea rows={3} />
      </Form.Item>
      {error && <Typography.Paragraph type="danger">{error}</Typography.Paragraph>}
      <Button type="primary" htmlType="submit" loading={busy}>
        创建演练
      </Button>
    </Form>
  );
}

/** Drills: open a drill's report by its id (or a recent one), or create a drill. */
export default function Drills() {
  const { national } = useArea();
  const { drillId } = useParams();
  const navigate = useNavigate();
  const [typed, setTyped] = useState("");
  const [creating, setCreating] = useState(false);
  const open = (id: string) => {
    setCreating(false);
    void navigate(`/supervision/drills/${encodeURIComponent(id.trim())}`);
  };
  const recent = recentDrills();
  return (
    <Flex vertical gap="middle">
      <Flex wrap gap="small" align="center">
        <label htmlFor="sup-drill-id">演练编号</label>
        <Input id="sup-drill-id" style={{ width: 320 }} value={typed} onChange={(e) => setTyped(e.target.value)} onPressEnter={() => typed.trim() && open(typed)} />
        <Button type="primary" disabled={!typed.trim()} onClick={() => open(typed)}>
          查看报告
        </Button>
        {recent.length > 0 && (
          <>
            <label htmlFor="sup-drill-recent">最近查看</label>
            <Select
              id="sup-drill-recent"
              style={{ width: 240 }}
              value={drillId && recent.some((r) => r.id === drillId) ? drillId : undefined}
              placeholder="选择演练"
              onChange={open}
              options={recent.map((r) => ({ value: r.id, label: r.name }))}
            />
          </>
        )}
        {national && <Button onClick={() => setCreating((c) => !c)}>{creating ? "取消创建" : "新建演练"}</Button>}
      </Flex>
      {creating ? (
        <Card size="small" title="新建演练">
          <CreateDrill onCreated={open} />
        </Card>
      ) : drillId ? (
        <DrillReport key={drillId} id={drillId} />
      ) : (
        <Typography.Text type="secondary">输入演练编号查看该演练各省、各级法院的实时参与情况{national ? "，或新建演练" : ""}。</Typography.Text>
      )}
    </Flex>
  );
}
