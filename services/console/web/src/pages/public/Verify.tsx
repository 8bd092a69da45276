import { Alert, Button, Card, Descriptions, Flex, Form, Input, Result, Spin, Typography } from "antd";
import { useEffect, useState } from "react";
import { useNavigate, useParams } from "react-router";

/** What /api/public/verify/<code> answers for a genuine notice. */
interface Verified {
  verificationCode: string;
  kind: string;
  issuingCourtName: string;
  issuedAt?: string;
  sha256: string;
  facts: Record<string, string>;
}

type Outcome = { state: "found"; doc: Verified } | { state: "not-found" } | { state: "invalid" } | { state: "busy"; retryAfterS: number } | { state: "error" };

const KIND_NAMES: Record<string, string> = {
  receipt: "跨域立案申请回执",
  "acceptance-notice": "受理通知书",
  "non-acceptance": "不予受理通知书",
  "correction-notice": "补正材料通知书",
};

/** Facts shown in their own rows above the rest (the rest in the order the notice prints them). */
const SHOWN = new Set(["文书", "出具日期", "案号"]);

async function check(code: string): Promise<Outcome> {
  const res = await fetch(`/api/public/verify/${encodeURIComponent(code)}`, { credentials: "omit" });
  if (res.ok) return { state: "found", doc: (await res.json()) as Verified };
  if (res.status === 404) return { state: "not-found" };
  if (res.status === 400) return { state: "invalid" };
  if (res.status === 429) return { state: "busy", retryAfterS: Number(res.headers.get("retry-after") ?? 60) };
  return { state: "error" };
}

const date = (iso?: string) => (iso ? new Date(iso).toLocaleDateString("zh-CN", { timeZone: "Asia/Shanghai", year: "numeric", month: "long", day: "numeric" }) : "—");

function Answer({ outcome }: { outcome: Outcome }) {
  switch (outcome.state) {
    case "found": {
      const d = outcome.doc;
      const rest = Object.entries(d.facts).filter(([k]) => !SHOWN.has(k));
      return (
        <Card>
          <Result status="success" title="文书真实有效" subTitle="以下为出具法院登记的文书信息，请与手中文书逐项核对。" style={{ padding: "8px 0" }} />
          <Descriptions column={1} size="small" bordered aria-label="文书信息">
            <Descriptions.Item label="验证码">{d.verificationCode}</Descriptions.Item>
            <Descriptions.Item label="出具法院">{d.issuingCourtName}</Descriptions.Item>
            <Descriptions.Item label="文书类型">{KIND_NAMES[d.kind] ?? d.facts["文书"] ?? "—"}</Descriptions.Item>
            <Descriptions.Item label="出具日期">{d.facts["出具日期"] ?? date(d.issuedAt)}</Descriptions.Item>
            <Descriptions.Item label="案号">{d.facts["案号"] ?? "—"}</Descriptions.Item>
            {rest.map(([k, v]) => (
              <Descriptions.Item key={k} label={k}>
                {v}
              </Descriptions.Item>
            ))}
            <Descriptions.Item label="文件摘要（SHA-256）">
              {d.sha256 ? (
                <Typography.Text code style={{ wordBreak: "break-all" }}>
                  {d.sha256}
                </Typography.Text>
              ) : (
                "文书尚未打印，暂无文件摘要"
              )}
            </Descriptions.Item>
          </Descriptions>
          <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>
            当事人姓名已作部分隐去。电子文书的摘要可用 kuayu document verify 文件名.pdf 核对；纸质文书请核对以上事项。
          </Typography.Paragraph>
        </Card>
      );
    }
    case "not-found":
      return <Result status="warning" title="未找到该验证码对应的文书" subTitle="请核对验证码是否输入正确；如仍无法核验，请联系文书上载明的出具法院。" />;
    case "invalid":
      return <Result status="warning" title="验证码格式不正确" subTitle="验证码为12位字母和数字，例如 K7QF-9XMA-2RTD。" />;
    case "busy":
      return <Alert type="warning" showIcon message="查询过于频繁" description={`为防止验证码被批量试探，每个网络地址每分钟可查询的次数有限。请 ${outcome.retryAfterS} 秒后再试。`} />;
    case "error":
      return <Alert type="error" showIcon message="核验服务暂时不可用" description="请稍后再试。" />;
  }
}

/**
 * 文书核验: anyone — a party, a lawyer, a bank clerk holding a notice — types the verification code
 * printed on it, or scans its QR code (which opens /verify/<code>), and sees what the issuing court
 * registered. No sign-in; the console limits the checks per address.
 */
export default function VerifyPage() {
  const { code } = useParams();
  const navigate = useNavigate();
  const [outcome, setOutcome] = useState<Outcome>();
  const [loading, setLoading] = useState(false);
  useEffect(() => {
    document.title = "文书核验 · 跨域立案服务";
    if (!code) return setOutcome(undefined);
    let live = true;
    setLoading(true);
    void check(code)
      .catch((): Outcome => ({ state: "error" }))
      .then((o) => {
        if (live) setOutcome(o);
      })
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [code]);

  return (
    <main style={{ maxWidth: 640, margin: "0 auto", padding: "16px 12px 32px" }}>
      <Typography.Title level={1} style={{ fontSize: 22, marginBottom: 4 }}>
        文书核验
      </Typography.Title>
      <Typography.Paragraph type="secondary">人民法院跨域立案服务出具的回执和通知书，均印有验证码和二维码。输入验证码，或用手机扫描文书上的二维码，即可核对文书是否真实。</Typography.Paragraph>
      <Form
        layout="vertical"
        key={code ?? ""}
        initialValues={{ code: code ?? "" }}
        onFinish={({ code: typed }: { code: string }) => navigate(`/verify/${encodeURIComponent(typed.trim().toUpperCase())}`)}
      >
        <Form.Item label="验证码" name="code" rules={[{ required: true, whitespace: true, message: "请输入文书上印的验证码" }]}>
          <Input size="large" placeholder="例如 K7QF-9XMA-2RTD" autoComplete="off" autoCapitalize="characters" spellCheck={false} maxLength={32} />
        </Form.Item>
        <Button type="primary" htmlType="submit" size="large" block loading={loading}>
          核验
        </Button>
      </Form>
      <Flex vertical style={{ marginTop: 16 }} aria-live="polite">
        {loading ? <Spin style={{ margin: 24 }} /> : outcome && <Answer outcome={outcome} />}
      </Flex>
    </main>
  );
}
