import { FilingStatus, type Filing, type Party } from "@gen/kuayu/intake/v1/intake_pb";
import { Alert, App, Button, Card, Descriptions, Flex, Form, Input, Popconfirm, Result, Space, Spin, Table, Timeline, Typography } from "antd";
import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useParams } from "react-router";
import { intake } from "../../api/client";
import { messageOf, violationsOf } from "../../api/errors";
import { documentUrl } from "../../api/http";
import { WorkingStatus } from "./WorkingStatus";
import { LiveTag, LoadError, ScrollX, StatusTag, courtName, filingTitle, formatTime, newKey, useCourts, useWatchFilings } from "./common";
import { AGENT_KIND_NAMES, AUTHORIZATION_NAMES, PARTY_ROLE_NAMES, REJECTION_CATEGORY_NAMES, SOURCE_NAMES, TAG_COLORS, caseTypeName, eventName, isFinal, materialKindName } from "./labels";
import { ChecklistUploads, MaterialTable } from "./Materials";
import { describe, materialKindOf } from "./violations";

function PartiesTable({ parties }: { parties: Party[] }) {
  return (
    <ScrollX label="当事人列表">
      <Table<Party & { key: number }>
        size="small"
        pagination={false}
        dataSource={parties.map((p, key) => ({ ...p, key }))}
        style={{ minWidth: 800 }}
        locale={{ emptyText: <Typography.Text type="secondary">尚未填写当事人</Typography.Text> }}
        columns={[
          { title: "诉讼地位", key: "role", render: (_, p) => PARTY_ROLE_NAMES[p.role] },
          { title: "姓名/名称", key: "name", render: (_, p) => p.identity.value?.name ?? "—" },
          {
            title: "证件号码",
            key: "id",
            render: (_, p) => (p.identity.case === "person" ? p.identity.value.residentId : p.identity.case === "organization" ? p.identity.value.creditCode : "") || "—",
          },
          { title: "法定代表人", key: "rep", render: (_, p) => (p.identity.case === "organization" ? p.identity.value.legalRepresentative : "") || "—" },
          { title: "送达地址", key: "address", render: (_, p) => p.address || "—" },
          { title: "联系电话", key: "phone", render: (_, p) => p.phone || "—" },
          {
            title: "委托诉讼代理人",
            key: "agents",
            render: (_, p) =>
              p.agents.length === 0
                ? "—"
                : p.agents.map((a, i) => (
                    <div key={i}>
                      {a.name}（{AGENT_KIND_NAMES[a.kind]}，{AUTHORIZATION_NAMES[a.authorization]}
                      {a.licenseNumber && `，执业证号 ${a.licenseNumber}`}）
                    </div>
                  )),
          },
        ]}
      />
    </ScrollX>
  );
}

/** Printable documents of the filing (PDF, opened in a new tab). */
function PrintButtons({ filing }: { filing: Filing }) {
  const open = (kind: string, text: string) => (
    <Button key={kind} href={documentUrl(filing.filingId, kind)} target="_blank" rel="noreferrer">
      {text}
    </Button>
  );
  return (
    <Space wrap>
      {filing.receiptNumber && open("DOCUMENT_KIND_RECEIPT", "打印回执")}
      {filing.correctionRequest && open("DOCUMENT_KIND_CORRECTION_NOTICE", "补正通知书")}
      {filing.status === FilingStatus.ACCEPTED && open("DOCUMENT_KIND_ACCEPTANCE_NOTICE", "受理通知书")}
      {filing.status === FilingStatus.REJECTED && open("DOCUMENT_KIND_NON_ACCEPTANCE", "不予受理通知书")}
    </Space>
  );
}

/** Corrections the jurisdiction court asked for: the items, uploads for them, a note, and 提交补正. */
function Correction({ filing, onChange }: { filing: Filing; onChange: (update: (f: Filing) => Filing) => void }) {
  const { message } = App.useApp();
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<{ field: string; description: string }[]>([]);
  const [failure, setFailure] = useState<string>();
  const key = useRef(newKey());
  const req = filing.correctionRequest;
  if (!req) return null;
  const caseType = filing.details?.caseType;
  const items = req.items.filter((i) => i.materialKind);
  const entries = [...new Map(items.map((i) => [i.materialKind, i])).values()].map((i) => ({
    id: i.materialKind,
    name: materialKindName(i.materialKind, caseType),
    tag: { text: "需补正", color: TAG_COLORS.orange },
    hint: items
      .filter((x) => x.materialKind === i.materialKind)
      .map((x) => x.description)
      .join("；"),
  }));
  const errors: Record<string, string[]> = {};
  for (const v of problems) {
    const kind = materialKindOf(v);
    if (kind) (errors[kind] ??= []).push(describe(v));
  }

  async function submit() {
    setBusy(true);
    setFailure(undefined);
    try {
      const res = await intake.submitCorrection({ filingId: filing.filingId, idempotencyKey: key.current, note });
      const after = res.filing;
      if (after) onChange((f) => ({ ...after, timeline: f.timeline }));
      setProblems([]);
      void message.success("补正已提交");
    } catch (err) {
      const vs = violationsOf(err);
      setProblems(vs);
      if (vs.length === 0) setFailure(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card
      title={filing.status === FilingStatus.CORRECTION_REQUESTED ? "补正要求" : "补正要求（已处理）"}
      styles={filing.status === FilingStatus.CORRECTION_REQUESTED ? { header: { background: "#fff7e6" } } : undefined}
    >
      <Flex vertical gap={12}>
        <Descriptions
          size="small"
          column={{ xs: 1, md: 2 }}
          items={[
            { key: "deadline", label: "补正期限", children: <Typography.Text strong>{formatTime(req.deadline)}</Typography.Text> },
            { key: "at", label: "要求时间", children: formatTime(req.requestedAt) },
            ...(req.note ? [{ key: "note", label: "说明", span: "filled" as const, children: req.note }] : []),
          ]}
        />
        <Table
          size="small"
          pagination={false}
          dataSource={req.items.map((item, key) => ({ ...item, key }))}
          columns={[
            { title: "需补正的材料", key: "kind", render: (_, i) => (i.materialKind ? materialKindName(i.materialKind, caseType) : "其他") },
            { title: "补正要求", key: "description", dataIndex: "description" },
          ]}
        />
        {filing.status === FilingStatus.CORRECTION_REQUESTED && (
          <>
            {problems.length > 0 && (
              <Alert
                type="error"
                showIcon
                title="补正未通过检查"
                description={
                  <ul style={{ margin: 0, paddingInlineStart: 20 }}>
                    {problems.map((v, i) => (
                      <li key={i}>{describe(v)}</li>
                    ))}
                  </ul>
                }
              />
            )}
            {failure && <Alert type="error" showIcon title={`提交失败：${failure}`} />}
            {entries.length > 0 && <ChecklistUploads filing={filing} items={entries} errors={errors} onChange={onChange} />}
            <Form layout="vertical" name="correction">
              <Form.Item label="补正说明" htmlFor="correction-note" extra="向管辖法院说明补正了哪些内容（不超过2000字）">
                <Input.TextArea id="correction-note" value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} showCount autoSize={{ minRows: 2 }} />
              </Form.Item>
            </Form>
            <div>
              <Button type="primary" loading={busy} onClick={() => void submit()}>
                提交补正
              </Button>
            </div>
          </>
        )}
      </Flex>
    </Card>
  );
}

function Withdraw({ filing, onDone }: { filing: Filing; onDone: (f: Filing) => void }) {
  const { message } = App.useApp();
  const [reason, setReason] = useState("");
  async function withdraw() {
    try {
      const res = await intake.withdrawFiling({ filingId: filing.filingId, reason });
      if (res.filing) onDone(res.filing);
      void message.success("申请已撤回");
    } catch (err) {
      void message.error(`撤回失败：${messageOf(err)}`);
    }
  }
  return (
    <Popconfirm
      title="撤回该申请？"
      description={
        <Flex vertical gap={4} style={{ width: 280 }}>
          <span>撤回后不能恢复；已提交的申请将通知管辖法院。</span>
          <label htmlFor="withdraw-reason">撤回原因</label>
          <Input.TextArea id="withdraw-reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} autoSize={{ minRows: 2 }} />
        </Flex>
      }
      okText="确认撤回"
      cancelText="取消"
      okButtonProps={{ danger: true }}
      onConfirm={() => withdraw()}
    >
      <Button danger>撤回申请</Button>
    </Popconfirm>
  );
}

/** One filing of the court: details, parties, materials, timeline, live status and the actions of its state. */
export default function FilingDetail() {
  const { filingId = "" } = useParams();
  const [filing, setFiling] = useState<Filing>();
  const [error, setError] = useState<unknown>();
  const courts = useCourts([filing?.details?.jurisdictionCourtId ?? "", filing?.collaboratingCourtId ?? ""]);

  const load = useCallback(() => {
    setError(undefined);
    intake
      .getFiling({ filingId })
      .then((res) => setFiling(res.filing))
      .catch((err: unknown) => setError(err));
  }, [filingId]);
  useEffect(() => {
    setFiling(undefined);
    load();
  }, [load]);

  // Each change: the filing as it is now (without timeline); a lifecycle event also adds to the timeline.
  const live = useWatchFilings(
    filingId,
    (f, eventType) => {
      setFiling((prev) => (prev ? { ...f, timeline: prev.timeline } : prev));
      if (eventType) load();
    },
    !!filing,
  );

  if (error) return <LoadError err={error} onRetry={load} />;
  if (!filing) return <Spin style={{ display: "block", margin: 48 }} />;
  const d = filing.details;
  const status = filing.status;
  const update = (u: (f: Filing) => Filing) => setFiling((f) => (f ? u(f) : f));

  return (
    <Flex vertical gap={16}>
      <Card
        title={
          <Space wrap>
            <span>跨域立案申请 {filingTitle(filing)}</span>
            <StatusTag status={status} />
            {d?.drill && <Typography.Text type="secondary">（演练）</Typography.Text>}
            <LiveTag live={live} />
          </Space>
        }
        extra={<Link to="/window/filings">返回列表</Link>}
      >
        <Flex vertical gap={12}>
          {status === FilingStatus.ACCEPTED && filing.decision && (
            <Result
              status="success"
              title={<span aria-label="案号">案号：{filing.decision.caseNumber}</span>}
              subTitle={`管辖法院已于 ${formatTime(filing.decision.decidedAt)} 立案`}
              style={{ padding: 16 }}
            />
          )}
          {status === FilingStatus.REJECTED && filing.decision && (
            <Alert
              type="error"
              showIcon
              title={`不予受理：${REJECTION_CATEGORY_NAMES[filing.decision.reasonCategory] ?? filing.decision.reasonCategory}`}
              description={
                <>
                  <div>理由：{filing.decision.reason || "—"}</div>
                  <div>法律依据：{filing.decision.legalBasis || "—"}</div>
                  <div>决定时间：{formatTime(filing.decision.decidedAt)}</div>
                </>
              }
            />
          )}
          {status === FilingStatus.ROUTING_FAILED && (
            <Alert
              type="warning"
              showIcon
              title="流转失败：管辖法院未能接收该申请，原因见下方办理进程。可重新选择管辖法院后再次提交。"
              action={<Link to={`/window/new?draft=${encodeURIComponent(filing.filingId)}`}>修改后重新提交</Link>}
            />
          )}
          {status === FilingStatus.DRAFT && <Alert type="info" showIcon title="该申请尚未提交" action={<Link to={`/window/new?draft=${encodeURIComponent(filing.filingId)}`}>继续填写</Link>} />}
          <Descriptions
            bordered
            size="small"
            column={{ xs: 1, lg: 2 }}
            styles={{ label: { whiteSpace: "nowrap" } }}
            items={[
              { key: "receipt", label: "收件编号", children: filing.receiptNumber || "（提交后生成）" },
              { key: "type", label: "案件类型", children: caseTypeName(d?.caseType) },
              { key: "court", label: "管辖法院", children: courtName(courts, d?.jurisdictionCourtId ?? "") },
              { key: "working", label: "管辖法院办公状态", children: d?.jurisdictionCourtId ? <WorkingStatus courtId={d.jurisdictionCourtId} /> : "—" },
              { key: "basis", label: "管辖依据", span: "filled", children: d?.jurisdictionBasis || "—" },
              { key: "created", label: "创建时间", children: formatTime(filing.createdAt) },
              { key: "submitted", label: "提交时间", children: formatTime(filing.submittedAt) },
              { key: "updated", label: "更新时间", children: formatTime(filing.updatedAt) },
              { key: "round", label: "提交轮次", children: filing.round === 0 ? "未提交" : filing.round === 1 ? "首次提交" : `已补正 ${filing.round - 1} 次` },
            ]}
          />
          <Space wrap>
            <PrintButtons filing={filing} />
            {!isFinal(status) && <Withdraw filing={filing} onDone={(f) => setFiling((prev) => ({ ...f, timeline: prev?.timeline ?? f.timeline }))} />}
          </Space>
        </Flex>
      </Card>
      {filing.correctionRequest && <Correction filing={filing} onChange={update} />}
      <Card title="当事人">
        <PartiesTable parties={d?.parties ?? []} />
      </Card>
      <Card title="诉讼请求与事实">
        <Typography.Title level={5}>诉讼请求</Typography.Title>
        <Typography.Paragraph style={{ whiteSpace: "pre-wrap" }}>{d?.claims || "—"}</Typography.Paragraph>
        <Typography.Title level={5}>事实与理由</Typography.Title>
        <Typography.Paragraph style={{ whiteSpace: "pre-wrap" }}>{d?.facts || "—"}</Typography.Paragraph>
      </Card>
      <Card title="材料">
        <MaterialTable filing={filing} materials={filing.materials} />
      </Card>
      <Card title="办理进程">
        {filing.timeline.length === 0 ? (
          <Typography.Text type="secondary">暂无记录</Typography.Text>
        ) : (
          <Timeline
            items={filing.timeline.map((e) => ({
              key: e.eventId,
              title: formatTime(e.at, true),
              content: (
                <>
                  <Typography.Text strong>{eventName(e.eventType)}</Typography.Text>
                  {e.source && <Typography.Text type="secondary">（{SOURCE_NAMES[e.source] ?? e.source}）</Typography.Text>}
                  {e.detail && <div>{e.detail}</div>}
                </>
              ),
            }))}
          />
        )}
      </Card>
    </Flex>
  );
}
