import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { FilingStatus, PartyFilingSchema, type PartyFiling } from "@gen/kuayu/intake/v1/intake_pb";
import { ComplaintSchema, type Complaint } from "@gen/kuayu/supervision/v1/supervision_pb";
import { Alert, Button, Card, Descriptions, Flex, Form, Input, List, Rate, Result, Select, Spin, Switch, Tag, Typography } from "antd";
import { useCallback, useEffect, useState } from "react";
import { CONSOLE_HEADERS } from "../../api/http";
import { COMPLAINT_CATEGORY_NAMES, COMPLAINT_STATUS_NAMES } from "../supervision/common";
import { PARTY_ROLE_NAMES, REJECTION_CATEGORY_NAMES, STATUS_COLORS, STATUS_NAMES, caseTypeName } from "../window/labels";

type Outcome = { state: "found"; filing: PartyFiling } | { state: "not-found" } | { state: "invalid" } | { state: "busy"; retryAfterS: number } | { state: "error" } | { state: "form" };

/** The party's endpoints (the console's backend): the cookie they set is sent to /api/public/party only. */
async function answer(res: Response): Promise<Outcome> {
  if (res.ok) return { state: "found", filing: fromJson(PartyFilingSchema, (await res.json()) as JsonValue, { ignoreUnknownFields: true }) };
  if (res.status === 401) return { state: "form" };
  if (res.status === 404) return { state: "not-found" };
  if (res.status === 400) return { state: "invalid" };
  if (res.status === 429) return { state: "busy", retryAfterS: Number(res.headers.get("retry-after") ?? 60) };
  return { state: "error" };
}
const lookUp = (receiptNumber: string, phoneLast4: string) =>
  fetch("/api/public/party/lookup", { method: "POST", headers: { ...CONSOLE_HEADERS, "content-type": "application/json" }, body: JSON.stringify({ receiptNumber, phoneLast4 }) }).then(answer);
const current = () => fetch("/api/public/party/filing").then(answer);
const leave = () => fetch("/api/public/party/leave", { method: "POST", headers: CONSOLE_HEADERS });
const post = (path: string, body: unknown) => fetch(`/api/public/party/${path}`, { method: "POST", headers: { ...CONSOLE_HEADERS, "content-type": "application/json" }, body: JSON.stringify(body) });
/** What went wrong with a rating or complaint, in the party's words. */
async function problemOf(res: Response): Promise<string> {
  if (res.status === 429) return "提交过于频繁，请稍后再试。";
  if (res.status === 401) return "查询已过期，请重新查询后再提交。";
  const { message } = (await res.json().catch(() => ({}))) as { message?: string };
  if (res.status === 412 && message?.includes("rated already")) return "您已评价过本案。";
  if (res.status === 412) return "案件作出立案或不予受理决定后才能评价。";
  if (res.status === 404) return "监督平台尚未收到本案信息，请稍后再试。";
  if (res.status === 400) return "请检查填写的内容。";
  return "提交失败，请稍后再试。";
}

const CHINA = { timeZone: "Asia/Shanghai" } as const;
const minute = (t?: Timestamp) => (t ? timestampDate(t).toLocaleString("zh-CN", { ...CHINA, year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit" }) : "—");
/** A decision period ends at 24:00 of its last day: that day. */
const lastDay = (t?: Timestamp) => (t ? new Date(timestampDate(t).getTime() - 1).toLocaleDateString("zh-CN", { ...CHINA, year: "numeric", month: "long", day: "numeric" }) : "—");

/** The status in plain words, and what happens next. */
function explain(f: PartyFiling): { title: string; next: string } {
  const due = `${minute(f.responseDue)}前响应，${lastDay(f.decisionDue)}前作出是否立案的决定`;
  switch (f.status) {
    case FilingStatus.SUBMITTED:
      return { title: "材料已提交，正在转交管辖法院", next: "管辖法院收到后，将在工作时间30分钟内响应。" };
    case FilingStatus.ROUTED:
      return { title: "材料已送达管辖法院，等待法院响应", next: `管辖法院应于${due}。` };
    case FilingStatus.ACKNOWLEDGED:
      return { title: "管辖法院已响应，正在审查", next: `法院将于${lastDay(f.decisionDue)}前作出是否立案的决定；需要补正材料的，会另行通知您。` };
    case FilingStatus.CORRECTION_REQUESTED:
      return {
        title: "管辖法院要求补正材料",
        next: `请于${minute(f.correctionRequest?.deadline)}前携带下列材料到收件法院窗口补正；逾期未补正的，可能不予受理。`,
      };
    case FilingStatus.ACCEPTED:
      return { title: "已立案", next: `案号${f.decision?.caseNumber ?? ""}。请下载受理通知书，按通知书的要求办理后续事项。` };
    case FilingStatus.REJECTED:
      return { title: "不予受理", next: "理由见下。请下载不予受理通知书；不服的，可按通知书载明的方式和期限依法提出上诉或复议。" };
    case FilingStatus.WITHDRAWN:
      return { title: "已撤回", next: "本次立案申请已撤回。如需重新立案，请到就近法院窗口办理。" };
    case FilingStatus.ROUTING_FAILED:
      return { title: "转交未成功", next: "请联系收件法院窗口，工作人员核对后将重新提交。" };
    default:
      return { title: STATUS_NAMES[f.status] ?? "处理中", next: "" };
  }
}

/** The notices a party may download, as far as the filing has got. */
function notices(f: PartyFiling): { kind: string; name: string }[] {
  const out = [{ kind: "RECEIPT", name: "跨域立案申请回执" }];
  if (f.status === FilingStatus.CORRECTION_REQUESTED || f.round > 1) out.push({ kind: "CORRECTION_NOTICE", name: "补正材料通知书" });
  if (f.status === FilingStatus.ACCEPTED) out.push({ kind: "ACCEPTANCE_NOTICE", name: "受理通知书" });
  if (f.status === FilingStatus.REJECTED) out.push({ kind: "NON_ACCEPTANCE", name: "不予受理通知书" });
  return out;
}

/** 短信通知: the numbers the party's SMS go to (masked), and stopping or resuming them. */
function SmsSetting() {
  const [state, setState] = useState<{ phones: string[]; optOut: boolean }>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void fetch("/api/public/party/sms")
      .then(async (res) => (res.ok ? setState((await res.json()) as { phones: string[]; optOut: boolean }) : undefined))
      .catch(() => undefined);
  }, []);
  if (!state || state.phones.length === 0) return null;
  const change = (on: boolean) => {
    setBusy(true);
    setError(undefined);
    void post("sms", { optOut: !on })
      .then(async (res) => (res.ok ? setState((await res.json()) as { phones: string[]; optOut: boolean }) : setError(await problemOf(res))))
      .catch(() => setError("提交失败，请稍后再试。"))
      .finally(() => setBusy(false));
  };
  return (
    <Flex vertical gap={4} style={{ marginTop: 16 }}>
      <Flex align="center" gap={8}>
        <Switch id="party-sms" checked={!state.optOut} loading={busy} onChange={change} />
        <label htmlFor="party-sms">短信通知办理进度（发送至 {state.phones.join("、")}）</label>
      </Flex>
      {state.optOut && <Typography.Text type="secondary">已停止短信通知，可随时重新开启。</Typography.Text>}
      {error && <Alert type="warning" showIcon message={error} />}
    </Flex>
  );
}

/** 满意度评价: once decided, one rating (1–5) with a comment. */
function Rating() {
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  if (done) return <Alert type="success" showIcon message="感谢您的评价" />;
  return (
    <Form
      layout="vertical"
      requiredMark={false}
      onFinish={({ score, comment }: { score?: number; comment?: string }) => {
        if (!score) return setError("请选择1至5星");
        setBusy(true);
        void post("rating", { score, comment: comment ?? "" })
          .then(async (res) => (res.ok ? setDone(true) : setError(await problemOf(res))))
          .catch(() => setError("提交失败，请稍后再试。"))
          .finally(() => setBusy(false));
      }}
    >
      {/* No "required" rule: antd would put aria-required on the stars' list, which its role does not allow. */}
      <Form.Item label="满意度（1至5星）" name="score">
        <Rate />
      </Form.Item>
      <Form.Item label="评价内容（选填）" name="comment">
        <Input.TextArea rows={3} maxLength={500} showCount />
      </Form.Item>
      {error && <Alert type="warning" showIcon message={error} style={{ marginBottom: 12 }} />}
      <Button htmlType="submit" block loading={busy}>
        提交评价
      </Button>
    </Form>
  );
}

/** 投诉: at any time; answered by the supervisor of the jurisdiction court's province, the answer shown here. */
function Complaints() {
  const [list, setList] = useState<Complaint[]>();
  const [error, setError] = useState<string>();
  const [filed, setFiled] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm();
  const load = useCallback(() => {
    void fetch("/api/public/party/complaints")
      .then(async (res) => (res.ok ? ((await res.json()) as { complaints: JsonValue[] }).complaints.map((c) => fromJson(ComplaintSchema, c, { ignoreUnknownFields: true })) : []))
      .catch(() => [])
      .then(setList);
  }, []);
  useEffect(load, [load]);
  return (
    <>
      {list && list.length > 0 && (
        <List
          size="small"
          bordered
          aria-label="我的投诉"
          style={{ marginBottom: 12 }}
          dataSource={list}
          renderItem={(c) => (
            <List.Item>
              <Flex vertical gap={2} style={{ width: "100%" }}>
                <span>
                  投诉编号 <Typography.Text copyable>{c.complaintId}</Typography.Text> · {COMPLAINT_CATEGORY_NAMES[c.category] ?? c.category} ·{" "}
                  <Tag color={c.status === "answered" ? "#237804" : "#ad4e00"}>{COMPLAINT_STATUS_NAMES[c.status] ?? c.status}</Tag>
                </span>
                <Typography.Text type="secondary">
                  {minute(c.filedAt)} {c.text}
                </Typography.Text>
                {c.answer && (
                  <span>
                    答复（{minute(c.answeredAt)}）：{c.answer}
                  </span>
                )}
              </Flex>
            </List.Item>
          )}
        />
      )}
      {filed && <Alert type="success" showIcon message={`投诉已提交，投诉编号 ${filed}`} description="上级法院将作出答复，答复会显示在本页。" style={{ marginBottom: 12 }} />}
      <Form
        form={form}
        layout="vertical"
        requiredMark={false}
        onFinish={({ category, text }: { category: string; text: string }) => {
          setBusy(true);
          setError(undefined);
          void post("complaints", { category, text })
            .then(async (res) => {
              if (!res.ok) return setError(await problemOf(res));
              setFiled(fromJson(ComplaintSchema, (await res.json()) as JsonValue, { ignoreUnknownFields: true }).complaintId);
              form.resetFields();
              load();
            })
            .catch(() => setError("提交失败，请稍后再试。"))
            .finally(() => setBusy(false));
        }}
      >
        <Form.Item label="投诉类别" name="category" rules={[{ required: true, message: "请选择投诉类别" }]}>
          <Select options={Object.entries(COMPLAINT_CATEGORY_NAMES).map(([value, label]) => ({ value, label }))} placeholder="请选择" />
        </Form.Item>
        <Form.Item label="投诉内容" name="text" rules={[{ required: true, whitespace: true, message: "请填写投诉内容" }]}>
          <Input.TextArea rows={4} maxLength={2000} showCount />
        </Form.Item>
        {error && <Alert type="warning" showIcon message={error} style={{ marginBottom: 12 }} />}
        <Button htmlType="submit" block loading={busy}>
          提交投诉
        </Button>
      </Form>
    </>
  );
}

function FilingView({ f, onLeave }: { f: PartyFiling; onLeave: () => void }) {
  const { title, next } = explain(f);
  const provisional = f.deadlinesProvisional ? (
    <Tag color="orange" title="该年度法定节假日安排尚未公布，期限按法定节假日暂行计算，公布后可能调整">
      暂定
    </Tag>
  ) : null;
  const open = f.status === FilingStatus.ROUTED || f.status === FilingStatus.ACKNOWLEDGED;
  const rejected = f.status === FilingStatus.REJECTED && f.decision;
  const decided = f.status === FilingStatus.ACCEPTED || f.status === FilingStatus.REJECTED;
  return (
    <Card>
      <Flex vertical gap={4} style={{ marginBottom: 12 }}>
        <Typography.Title level={2} style={{ fontSize: 18, margin: 0, color: STATUS_COLORS[f.status] === "default" ? undefined : STATUS_COLORS[f.status] }}>
          {title}
        </Typography.Title>
        <Typography.Paragraph style={{ margin: 0 }}>
          {next} {open && provisional}
        </Typography.Paragraph>
      </Flex>
      <Descriptions column={1} size="small" bordered aria-label="立案信息">
        <Descriptions.Item label="收件编号">{f.receiptNumber}</Descriptions.Item>
        <Descriptions.Item label="案件类型">{caseTypeName(f.caseType)}</Descriptions.Item>
        {f.parties.map((p, i) => (
          <Descriptions.Item key={i} label={PARTY_ROLE_NAMES[p.role] ?? "当事人"}>
            {p.name}
            {p.idNumber && <div>证件号码 {p.idNumber}</div>}
            {p.throughAgent && <Typography.Text type="secondary">（以代理人手机号查询）</Typography.Text>}
          </Descriptions.Item>
        ))}
        <Descriptions.Item label="收件法院">{f.collaboratingCourtName}</Descriptions.Item>
        <Descriptions.Item label="管辖法院">
          {f.jurisdictionCourtName}
          {f.jurisdictionCourtAddress && <div>{f.jurisdictionCourtAddress}</div>}
        </Descriptions.Item>
        {(f.contactPhone || f.contactName) && (
          <Descriptions.Item label="管辖法院联系电话">
            {f.contactPhone ? <a href={`tel:${f.contactPhone.replace(/[^\d+]/g, "")}`}>{f.contactPhone}</a> : null}
            {f.contactName && <div>跨域立案专员 {f.contactName}</div>}
          </Descriptions.Item>
        )}
        <Descriptions.Item label="提交时间">{minute(f.submittedAt)}</Descriptions.Item>
        {open && f.responseDue && (
          <Descriptions.Item label="响应期限">
            {minute(f.responseDue)} {provisional}
          </Descriptions.Item>
        )}
        {open && f.decisionDue && (
          <Descriptions.Item label="审查期限">
            {lastDay(f.decisionDue)} {provisional}
          </Descriptions.Item>
        )}
        {f.status === FilingStatus.CORRECTION_REQUESTED && f.correctionRequest && (
          <Descriptions.Item label="需补正">
            <ul style={{ margin: 0, paddingInlineStart: 18 }}>
              {f.correctionRequest.items.map((it, i) => (
                <li key={i}>{it.description || it.materialKind}</li>
              ))}
            </ul>
            {f.correctionRequest.note && <div>{f.correctionRequest.note}</div>}
            <div>补正期限 {minute(f.correctionRequest.deadline)}</div>
          </Descriptions.Item>
        )}
        {f.decision?.caseNumber && <Descriptions.Item label="案号">{f.decision.caseNumber}</Descriptions.Item>}
        {rejected && (
          <Descriptions.Item label="不予受理理由">
            {REJECTION_CATEGORY_NAMES[f.decision!.reasonCategory] ?? f.decision!.reasonCategory}
            {f.decision!.reason && <div>{f.decision!.reason}</div>}
            {f.decision!.legalBasis && <div>依据：{f.decision!.legalBasis}</div>}
          </Descriptions.Item>
        )}
      </Descriptions>
      <Typography.Title level={3} style={{ fontSize: 16, marginTop: 16 }}>
        我的文书
      </Typography.Title>
      <List
        size="small"
        bordered
        dataSource={notices(f)}
        renderItem={(n) => (
          <List.Item
            actions={[
              <a key="open" href={`/api/public/party/documents/${n.kind}`} target="_blank" rel="noreferrer">
                下载
              </a>,
            ]}
          >
            {n.name}
          </List.Item>
        )}
      />
      <SmsSetting />
      {decided && (
        <>
          <Typography.Title level={3} style={{ fontSize: 16, marginTop: 16 }}>
            满意度评价
          </Typography.Title>
          <Rating />
        </>
      )}
      <Typography.Title level={3} style={{ fontSize: 16, marginTop: 16 }}>
        投诉
      </Typography.Title>
      <Complaints />
      <Typography.Paragraph type="secondary" style={{ marginTop: 12 }}>
        为保护隐私，姓名和证件号码已部分隐去，本页不显示其他当事人的信息。查询结果保留30分钟，在公共设备上使用后请点击“退出查询”。
      </Typography.Paragraph>
      <Button block onClick={onLeave}>
        退出查询
      </Button>
    </Card>
  );
}

function Problem({ outcome }: { outcome: Outcome }) {
  switch (outcome.state) {
    case "not-found":
      return <Result status="warning" title="未找到相符的立案记录" subTitle="请核对收件编号和手机号后四位（在收件法院窗口登记的手机号）。如仍无法查询，请联系收件法院。" />;
    case "invalid":
      return <Alert type="warning" showIcon message="输入格式不正确" description="收件编号印在回执上，例如 KY-c-110105-20261128-000042；手机号后四位为4位数字。" />;
    case "busy":
      return (
        <Alert
          type="warning"
          showIcon
          message="查询过于频繁"
          description={`为保护当事人信息，查询次数有限。请${outcome.retryAfterS >= 120 ? `${Math.ceil(outcome.retryAfterS / 60)}分钟` : `${outcome.retryAfterS}秒`}后再试。`}
        />
      );
    case "error":
      return <Alert type="error" showIcon message="查询服务暂时不可用" description="请稍后再试。" />;
    default:
      return null;
  }
}

/**
 * 立案进度查询: the party (or their agent) who filed at a window follows the filing on a phone —
 * the receipt number printed on the receipt and the last four digits of the phone number given at
 * the window. No sign-in; the console limits look-ups per address, intake per receipt number.
 */
export default function PartyPage() {
  const [outcome, setOutcome] = useState<Outcome>();
  const [loading, setLoading] = useState(false);
  useEffect(() => {
    document.title = "立案进度查询 · 跨域立案服务";
    let live = true;
    void current()
      .catch((): Outcome => ({ state: "form" }))
      .then((o) => live && setOutcome(o));
    return () => {
      live = false;
    };
  }, []);
  const submit = ({ receiptNumber, phoneLast4 }: { receiptNumber: string; phoneLast4: string }) => {
    setLoading(true);
    void lookUp(receiptNumber.trim(), phoneLast4.trim())
      .catch((): Outcome => ({ state: "error" }))
      .then(setOutcome)
      .finally(() => setLoading(false));
  };
  const found = outcome?.state === "found" ? outcome.filing : undefined;

  return (
    <main style={{ maxWidth: 640, margin: "0 auto", padding: "16px 12px 32px" }}>
      <Typography.Title level={1} style={{ fontSize: 22, marginBottom: 4 }}>
        立案进度查询
      </Typography.Title>
      {outcome === undefined ? (
        <Spin style={{ margin: 24 }} />
      ) : found ? (
        <FilingView
          f={found}
          onLeave={() => {
            void leave().finally(() => setOutcome({ state: "form" }));
          }}
        />
      ) : (
        <>
          <Typography.Paragraph type="secondary">在任一法院或人民法庭窗口提交的跨域立案申请，可凭回执上的收件编号和登记的手机号后四位查询办理进度、下载文书。</Typography.Paragraph>
          <Form layout="vertical" onFinish={submit} requiredMark={false}>
            <Form.Item label="收件编号" name="receiptNumber" rules={[{ required: true, whitespace: true, message: "请输入回执上的收件编号" }]}>
              <Input size="large" placeholder="例如 KY-c-110105-20261128-000042" autoComplete="off" spellCheck={false} maxLength={100} />
            </Form.Item>
            <Form.Item label="手机号后四位" name="phoneLast4" rules={[{ required: true, pattern: /^\d{4}$/, message: "请输入在窗口登记的手机号的后四位数字" }]}>
              <Input size="large" inputMode="numeric" autoComplete="off" maxLength={4} placeholder="4位数字" />
            </Form.Item>
            <Button type="primary" htmlType="submit" size="large" block loading={loading}>
              查询
            </Button>
          </Form>
          <Flex vertical style={{ marginTop: 16 }} aria-live="polite">
            <Problem outcome={outcome} />
          </Flex>
        </>
      )}
    </main>
  );
}
