import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { InboxStatus, type InboxFiling, type InboxMaterial } from "@gen/kuayu/decision/v1/decision_pb";
import type { Party } from "@gen/kuayu/intake/v1/intake_pb";
import { App, Alert, Button, Card, Descriptions, Modal, Popconfirm, Result, Space, Spin, Table, Tag, Tooltip, Typography } from "antd";
import { useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { decision } from "../../api/client";
import { messageOf } from "../../api/errors";
import { PageTitle, Wide } from "../notifications/a11y";
import { materialUrl } from "../../api/http";
import { useStream } from "../notifications/stream";
import { Remaining, ResponseClock, useNow } from "./Countdown";
import { CorrectionsModal, RejectModal } from "./Decide";
import { AGENT_KIND_NAMES, CASE_TYPE_NAMES, COLORS, fmt, fmtSize, kindName, PARTY_ROLE_NAMES, REJECTION_NAMES, STATUS } from "./labels";
import { useCourtNames } from "./List";

/** The later of two versions of a filing (the stream and a call may answer in either order). */
const later = (a: InboxFiling | undefined, b: InboxFiling) => (a?.updatedAt && b.updatedAt && timestampDate(a.updatedAt) > timestampDate(b.updatedAt) ? a : b);

const OPEN = [InboxStatus.AWAITING_RESPONSE, InboxStatus.AWAITING_DECISION];

/** One filing of the court's inbox: details, parties, materials and the decisions on it. */
export function InboxFilingPage() {
  const { filingId = "" } = useParams();
  const navigate = useNavigate();
  const [filing, setFiling] = useState<InboxFiling>();
  const [failure, setFailure] = useState<unknown>();
  const [attempt, setAttempt] = useState(0);
  const update = (f: InboxFiling | undefined) => f && setFiling((cur) => later(cur, f));

  useEffect(() => {
    setFailure(undefined);
    decision
      .getInboxFiling({ filingId })
      .then((res) => update(res.filing))
      .catch(setFailure);
  }, [filingId, attempt]);
  // A filing not arrived yet shows up when it does; one of another court is not watched.
  const denied = failure instanceof ConnectError && failure.code === Code.PermissionDenied;
  useStream(denied ? undefined : (signal) => decision.watchInbox({ filingId }, { signal }), (res) => update(res.filing), undefined, filingId);

  if (failure && !filing) {
    const code = failure instanceof ConnectError ? failure.code : undefined;
    const back = (
      <Button type="primary" onClick={() => void navigate("/inbox")}>
        返回收件箱
      </Button>
    );
    if (code === Code.PermissionDenied) return <Result status="403" title="无权查看该申请" subTitle="该申请不是送达本院的申请。" extra={back} />;
    if (code === Code.NotFound) return <Result status="404" title="未找到该申请" subTitle="本院收件箱中没有该申请，它可能尚未送达。" extra={back} />;
    return <Result status="error" title="无法读取该申请" subTitle={messageOf(failure)} extra={<Button onClick={() => setAttempt((n) => n + 1)}>重试</Button>} />;
  }
  if (!filing) return <Spin style={{ display: "block", margin: 48 }} />;
  return <FilingView filing={filing} onChange={update} />;
}

function FilingView({ filing: f, onChange }: { filing: InboxFiling; onChange: (f: InboxFiling | undefined) => void }) {
  const now = useNow();
  const courts = useCourtNames([f.collaboratingCourtId]);
  const status = STATUS[f.status];
  const details = f.details;
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Card
        title={
          <Space wrap>
            <PageTitle>立案申请 {f.receiptNumber}</PageTitle>
            <Tag color={status.color}>{status.text}</Tag>
            {f.overdue && <Tag color={COLORS.bad}>已超期</Tag>}
            {f.drill && <Tag color={COLORS.muted}>演练</Tag>}
          </Space>
        }
        extra={<Link to="/inbox">返回收件箱</Link>}
      >
        <Outcome f={f} />
        <Actions f={f} onChange={onChange} />
        <Descriptions bordered size="small" column={{ xs: 1, sm: 1, md: 1, lg: 2, xl: 2, xxl: 2 }} style={{ marginTop: 16 }}>
          <Descriptions.Item label="收件编号">{f.receiptNumber}</Descriptions.Item>
          <Descriptions.Item label="案件类型">{CASE_TYPE_NAMES[f.caseType]}</Descriptions.Item>
          <Descriptions.Item label="协作法院">{courts[f.collaboratingCourtId] ?? f.collaboratingCourtId}</Descriptions.Item>
          <Descriptions.Item label="提交轮次">第 {f.round} 次提交</Descriptions.Item>
          <Descriptions.Item label="送达时间">{fmt(f.arrivedAt)}</Descriptions.Item>
          <Descriptions.Item label="响应期限">
            {fmt(f.responseDue)}
            {f.deadlinesEstimated && "（暂定）"} <ResponseClock f={f} now={now} />
          </Descriptions.Item>
          <Descriptions.Item label="响应时间">{fmt(f.acknowledgedAt)}</Descriptions.Item>
          <Descriptions.Item label="决定期限">
            {fmt(f.decisionDue)}
            {f.deadlinesEstimated && "（暂定）"} {f.status === InboxStatus.AWAITING_DECISION && <Remaining due={f.decisionDue} now={now} />}
          </Descriptions.Item>
          <Descriptions.Item label="材料">{f.materialsComplete ? "已全部复制并核验" : "正在从协作法院复制"}</Descriptions.Item>
          <Descriptions.Item label="管辖依据">{details?.jurisdictionBasis || "—"}</Descriptions.Item>
          <Descriptions.Item label="诉讼请求" span="filled">
            <Typography.Paragraph style={{ whiteSpace: "pre-wrap", margin: 0 }}>{details?.claims || "—"}</Typography.Paragraph>
          </Descriptions.Item>
          <Descriptions.Item label="事实与理由" span="filled">
            <Typography.Paragraph style={{ whiteSpace: "pre-wrap", margin: 0 }}>{details?.facts || "—"}</Typography.Paragraph>
          </Descriptions.Item>
        </Descriptions>
      </Card>
      <Card title="当事人">
        <Parties parties={details?.parties ?? []} />
      </Card>
      <Card title="材料">
        <Materials f={f} />
      </Card>
    </Space>
  );
}

/** What was decided: the case number, the refusal, or the corrections asked for. */
function Outcome({ f }: { f: InboxFiling }) {
  if (f.status === InboxStatus.ACCEPTED)
    return (
      <Alert
        type="success"
        showIcon
        title="已受理"
        description={
          <Typography.Title level={3} style={{ margin: 0 }}>
            案号：{f.caseNumber}
          </Typography.Title>
        }
        style={{ marginBottom: 16 }}
      />
    );
  if (f.status === InboxStatus.REJECTED)
    return (
      <Alert
        type="error"
        showIcon
        title={`不予受理：${REJECTION_NAMES[f.rejectionCategory as keyof typeof REJECTION_NAMES] ?? "其他"}`}
        description={
          <>
            <div style={{ whiteSpace: "pre-wrap" }}>理由：{f.rejectionReason}</div>
            <div>法律依据：{f.rejectionLegalBasis}</div>
            <div>决定时间：{fmt(f.decidedAt)}</div>
          </>
        }
        style={{ marginBottom: 16 }}
      />
    );
  if (f.correctionItems.length > 0 && f.status === InboxStatus.CORRECTION_PENDING)
    return (
      <Alert
        type="warning"
        showIcon
        title={`已要求补正，补正期限 ${fmt(f.correctionDeadline)}`}
        description={
          <ol style={{ margin: 0, paddingLeft: 20 }}>
            {f.correctionItems.map((i, n) => (
              <li key={n}>
                {i.materialKind && <strong>{kindName(f.caseType, i.materialKind)}：</strong>}
                {i.description}
              </li>
            ))}
          </ol>
        }
        style={{ marginBottom: 16 }}
      />
    );
  if (f.status === InboxStatus.WITHDRAWN) return <Alert type="info" showIcon title="当事人已在协作法院撤回该申请" style={{ marginBottom: 16 }} />;
  return null;
}

/** The decisions open in the filing's state. */
function Actions({ f, onChange }: { f: InboxFiling; onChange: (f: InboxFiling | undefined) => void }) {
  const { message } = App.useApp();
  const [busy, setBusy] = useState<string>();
  const [dialog, setDialog] = useState<"reject" | "corrections">();
  if (!OPEN.includes(f.status)) return null;
  const run = async (name: string, call: () => Promise<{ filing?: InboxFiling }>, done: string) => {
    setBusy(name);
    try {
      onChange((await call()).filing);
      void message.success(done);
    } catch (err) {
      void message.error(messageOf(err));
    } finally {
      setBusy(undefined);
    }
  };
  const closed = (g: InboxFiling) => {
    setDialog(undefined);
    onChange(g);
  };
  const accept = (
    <Popconfirm
      title="确认受理该申请并分配案号？"
      okText="确定受理"
      cancelText="取消"
      disabled={!f.materialsComplete}
      onConfirm={() => run("accept", () => decision.accept({ filingId: f.filingId }), "已受理")}
    >
      <Button type="primary" loading={busy === "accept"} disabled={!f.materialsComplete}>
        受理
      </Button>
    </Popconfirm>
  );
  return (
    <Space wrap>
      {f.status === InboxStatus.AWAITING_RESPONSE && (
        <Button loading={busy === "ack"} onClick={() => run("ack", () => decision.acknowledge({ filingId: f.filingId }), "已确认收到")}>
          确认收到
        </Button>
      )}
      {f.materialsComplete ? accept : <Tooltip title="材料仍在复制中，复制并核验完成后方可受理">{accept}</Tooltip>}
      <Button danger onClick={() => setDialog("reject")}>
        不予受理
      </Button>
      <Button onClick={() => setDialog("corrections")}>要求补正</Button>
      {dialog === "reject" && <RejectModal filing={f} onClose={() => setDialog(undefined)} onDone={closed} />}
      {dialog === "corrections" && <CorrectionsModal filing={f} onClose={() => setDialog(undefined)} onDone={closed} />}
    </Space>
  );
}

function Parties({ parties }: { parties: Party[] }) {
  return (
    <Wide label="当事人列表" minWidth={800}>
      <Table<Party>
        rowKey={(p) => p.identity.value?.name ?? ""}
        dataSource={parties}
        pagination={false}
        size="small"
        columns={[
          { title: "诉讼地位", key: "role", render: (_, p) => PARTY_ROLE_NAMES[p.role] },
          {
            title: "姓名或名称",
            key: "name",
            render: (_, p) => (p.identity.case === "person" ? p.identity.value.name : p.identity.case === "organization" ? p.identity.value.name : "—"),
          },
          {
            title: "证件号码",
            key: "id",
            render: (_, p) => (p.identity.case === "person" ? p.identity.value.residentId : p.identity.case === "organization" ? p.identity.value.creditCode : "") || "—",
          },
          { title: "法定代表人", key: "rep", render: (_, p) => (p.identity.case === "organization" ? p.identity.value.legalRepresentative : "") || "—" },
          { title: "送达地址", dataIndex: "address" },
          { title: "联系电话", key: "phone", render: (_, p) => p.phone || "—" },
          {
            title: "委托诉讼代理人",
            key: "agents",
            render: (_, p) => (p.agents.length === 0 ? "—" : p.agents.map((a) => `${a.name}（${AGENT_KIND_NAMES[a.kind]}${a.licenseNumber ? `，执业证号 ${a.licenseNumber}` : ""}）`).join("；")),
          },
        ]}
      />
    </Wide>
  );
}

function Materials({ f }: { f: InboxFiling }) {
  const [shown, setShown] = useState<InboxMaterial>();
  const url = (m: InboxMaterial) => materialUrl("inbox", f.filingId, m.material?.materialId ?? "");
  const viewable = (t: string) => t === "application/pdf" || t.startsWith("image/");
  return (
    <>
      <Wide label="材料列表" minWidth={900}>
        <Table<InboxMaterial>
          rowKey={(m) => m.material?.materialId ?? ""}
          dataSource={f.materials}
          pagination={false}
          size="small"
          columns={[
            { title: "材料类别", key: "kind", render: (_, m) => kindName(f.caseType, m.material?.kind ?? "") },
            { title: "文件名", key: "name", render: (_, m) => m.material?.fileName },
            { title: "核验", key: "copied", render: (_, m) => (m.copied ? <Tag color={COLORS.ok}>已核验</Tag> : <Tag color={COLORS.wait}>复制中</Tag>) },
            {
              title: "操作",
              key: "open",
              render: (_, m) =>
                m.copied ? (
                  <Space style={{ whiteSpace: "nowrap" }}>
                    {viewable(m.material?.mediaType ?? "") && (
                      <Button size="small" onClick={() => setShown(m)}>
                        查看
                      </Button>
                    )}
                    <a href={url(m)} target="_blank" rel="noopener noreferrer">
                      新标签页打开
                    </a>
                  </Space>
                ) : (
                  "—"
                ),
            },
            { title: "大小", key: "size", render: (_, m) => <span style={{ whiteSpace: "nowrap" }}>{fmtSize(m.material?.sizeBytes ?? 0)}</span> },
            { title: "轮次", key: "round", render: (_, m) => m.material?.round },
            {
              title: "SHA-256",
              key: "sha",
              render: (_, m) => <code style={{ wordBreak: "break-all", fontSize: 12 }}>{m.material?.sha256}</code>,
            },
          ]}
        />
      </Wide>
      {shown?.material && (
        <Modal open title={shown.material.fileName} footer={null} width="90vw" onCancel={() => setShown(undefined)} styles={{ body: { height: "75vh" } }}>
          {shown.material.mediaType === "application/pdf" ? (
            <iframe title={shown.material.fileName} src={url(shown)} style={{ width: "100%", height: "100%", border: 0 }} />
          ) : (
            <img alt={shown.material.fileName} src={url(shown)} style={{ maxWidth: "100%", maxHeight: "100%", display: "block", margin: "auto" }} />
          )}
        </Modal>
      )}
    </>
  );
}
