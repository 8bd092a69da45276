import type { MessageInitShape } from "@bufbuild/protobuf";
import { CaseType } from "@gen/kuayu/common/v1/common_pb";
import { AgentKind, AuthorizationScope, FilingStatus, JurisdictionSource, PartyRole, type Filing, type FilingDetails, type FilingDetailsSchema } from "@gen/kuayu/intake/v1/intake_pb";
import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Checkbox, Col, Descriptions, Flex, Form, Input, Radio, Result, Row, Select, Space, Spin, Steps, Typography } from "antd";
import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { intake } from "../../api/client";
import { messageOf, violationsOf, type FieldViolation } from "../../api/errors";
import { useMe } from "../../session";
import { creditCodeRule, normalizeId, phoneRule, residentIdRule } from "./checks";
import { CourtCard, CourtPicker } from "./CourtPicker";
import { LoadError, courtName, newKey, rememberCourt, useCourts } from "./common";
import { AGENT_KIND_NAMES, AUTHORIZATION_NAMES, CASE_TYPES, CONDITION_NAMES, PARTY_ROLE_NAMES, TAG_COLORS, caseTypeId, caseTypeName, checklistOf, isSubmittable } from "./labels";
import { ChecklistUploads, type ChecklistEntry } from "./Materials";
import { describe, formPath, materialKindOf, stepOf } from "./violations";
import { caseTypeInfo } from "../../../../../../libs/domain/src/case-types";

interface AgentValues {
  name?: string;
  kind?: AgentKind;
  residentId?: string;
  licenseNumber?: string;
  authorization?: AuthorizationScope;
  phone?: string;
}

interface PartyValues {
  role?: PartyRole;
  type?: "person" | "organization";
  name?: string;
  residentId?: string;
  creditCode?: string;
  legalRepresentative?: string;
  address?: string;
  phone?: string;
  agents?: AgentValues[];
}

interface Values {
  caseType?: CaseType;
  liableOrganDecided?: boolean;
  drill?: boolean;
  jurisdictionCourtId?: string;
  jurisdictionSource?: JurisdictionSource;
  jurisdictionBasis?: string;
  parties?: PartyValues[];
  claims?: string;
  facts?: string;
}

const STEPS = ["案件类型", "管辖法院", "当事人", "请求与事实", "材料", "核对提交"];

const INITIAL: Values = {
  drill: false,
  liableOrganDecided: false,
  parties: [
    { role: PartyRole.PLAINTIFF, type: "person", agents: [] },
    { role: PartyRole.DEFENDANT, type: "person", agents: [] },
  ],
};

/** A party card nothing was written in yet (the wizard starts with two): not sent, drafts refuse nameless parties. */
const isBlank = (p: PartyValues) => !p.name?.trim() && !p.residentId && !p.creditCode && !p.legalRepresentative && !p.address && !p.phone && (p.agents ?? []).length === 0;

/** The details to send, and the form index of each party sent (blank ones are left out). */
function toDetails(v: Values): { details: MessageInitShape<typeof FilingDetailsSchema>; partyIndex: number[] } {
  const s = (x: string | undefined) => (x ?? "").trim();
  const partyIndex = (v.parties ?? []).flatMap((p, i) => (isBlank(p) ? [] : [i]));
  const details: MessageInitShape<typeof FilingDetailsSchema> = {
    caseType: v.caseType ?? CaseType.UNSPECIFIED,
    parties: partyIndex
      .map((i) => v.parties![i]!)
      .map((p) => ({
        role: p.role ?? PartyRole.UNSPECIFIED,
        identity:
          p.type === "organization"
            ? { case: "organization", value: { name: s(p.name), creditCode: s(p.creditCode), legalRepresentative: s(p.legalRepresentative) } }
            : { case: "person", value: { name: s(p.name), residentId: s(p.residentId) } },
        address: s(p.address),
        phone: s(p.phone),
        agents: (p.agents ?? []).map((a) => ({
          name: s(a.name),
          kind: a.kind ?? AgentKind.UNSPECIFIED,
          residentId: s(a.residentId),
          licenseNumber: s(a.licenseNumber),
          authorization: a.authorization ?? AuthorizationScope.UNSPECIFIED,
          phone: s(a.phone),
        })),
      })),
    claims: v.claims ?? "",
    facts: v.facts ?? "",
    jurisdictionCourtId: v.jurisdictionCourtId ?? "",
    jurisdictionSource: v.jurisdictionSource ?? JurisdictionSource.UNSPECIFIED,
    jurisdictionBasis: v.jurisdictionBasis ?? "",
    liableOrganDecided: v.liableOrganDecided ?? false,
    drill: v.drill ?? false,
  };
  return { details, partyIndex };
}

function fromDetails(d: FilingDetails | undefined): Values {
  if (!d) return INITIAL;
  const opt = <T extends number>(x: T) => (x === 0 ? undefined : x);
  return {
    caseType: opt(d.caseType),
    liableOrganDecided: d.liableOrganDecided,
    drill: d.drill,
    jurisdictionCourtId: d.jurisdictionCourtId || undefined,
    jurisdictionSource: opt(d.jurisdictionSource),
    jurisdictionBasis: d.jurisdictionBasis,
    claims: d.claims,
    facts: d.facts,
    parties:
      d.parties.length === 0
        ? INITIAL.parties
        : d.parties.map((p) => ({
            role: opt(p.role),
            type: p.identity.case === "organization" ? "organization" : "person",
            name: p.identity.value?.name ?? "",
            residentId: p.identity.case === "person" ? p.identity.value.residentId : undefined,
            creditCode: p.identity.case === "organization" ? p.identity.value.creditCode : undefined,
            legalRepresentative: p.identity.case === "organization" ? p.identity.value.legalRepresentative : undefined,
            address: p.address,
            phone: p.phone,
            agents: p.agents.map((a) => ({ name: a.name, kind: opt(a.kind), residentId: a.residentId, licenseNumber: a.licenseNumber, authorization: opt(a.authorization), phone: a.phone })),
          })),
  };
}

/** Form fields of each step, validated before moving on. */
const STEP_FIELDS: (string | number)[][][] = [[["caseType"]], [["jurisdictionCourtId"], ["jurisdictionBasis"]], [["parties"]], [["claims"], ["facts"]], [], []];

const enumOptions = <T extends number>(names: Record<T, string>) =>
  Object.entries(names)
    .filter(([k]) => k !== "0")
    .map(([k, label]) => ({ value: Number(k) as T, label: label as string }));

const half = { xs: 24, md: 12, xl: 8 };

/** The jurisdiction court chosen so far (the form field's value is its id). */
function ChosenCourt({ value, caseType, basis }: { value?: string; caseType?: CaseType; basis?: string }) {
  const courts = useCourts(value ? [value] : []);
  if (!value) return <Typography.Text type="secondary">尚未选择管辖法院：请用下方的管辖法院查找或搜索选择。</Typography.Text>;
  const court = courts.get(value);
  return court ? <CourtCard court={court} caseType={caseType} basis={basis} /> : <Typography.Text>{value}</Typography.Text>;
}

function AgentFields({ partyName }: { partyName: number }) {
  return (
    <Form.List name={[partyName, "agents"]}>
      {(fields, { add, remove }) => (
        <Flex vertical gap={8}>
          {fields.map(({ key, name }, j) => (
            <Card
              key={key}
              size="small"
              type="inner"
              title={`委托诉讼代理人 ${j + 1}`}
              extra={
                <Button size="small" danger icon={<DeleteOutlined />} onClick={() => remove(name)}>
                  删除代理人
                </Button>
              }
            >
              <Row gutter={16}>
                <Col {...half}>
                  <Form.Item name={[name, "name"]} label="代理人姓名" rules={[{ required: true, whitespace: true, message: "请填写代理人姓名" }]}>
                    <Input maxLength={200} />
                  </Form.Item>
                </Col>
                <Col {...half}>
                  <Form.Item name={[name, "kind"]} label="代理人类型" rules={[{ required: true, message: "请选择代理人类型" }]}>
                    <Select options={enumOptions(AGENT_KIND_NAMES)} />
                  </Form.Item>
                </Col>
                <Col {...half}>
                  <Form.Item name={[name, "residentId"]} label="代理人身份证号码" normalize={normalizeId} rules={[{ required: true, message: "请填写代理人身份证号码" }, residentIdRule]}>
                    <Input maxLength={18} />
                  </Form.Item>
                </Col>
                <Col {...half}>
                  <Form.Item noStyle dependencies={[["parties", partyName, "agents", name, "kind"]]}>
                    {({ getFieldValue }) => {
                      const kind = getFieldValue(["parties", partyName, "agents", name, "kind"]) as AgentKind | undefined;
                      const needed = kind === AgentKind.LAWYER || kind === AgentKind.LEGAL_WORKER;
                      return (
                        <Form.Item
                          name={[name, "licenseNumber"]}
                          label="执业证号"
                          rules={[
                            { required: needed, message: "律师、基层法律服务工作者须填写执业证号" },
                            { pattern: /^[0-9A-Za-z-]{6,30}$/, message: "执业证号应为6至30位字母、数字或连字符" },
                          ]}
                        >
                          <Input maxLength={30} />
                        </Form.Item>
                      );
                    }}
                  </Form.Item>
                </Col>
                <Col {...half}>
                  <Form.Item name={[name, "authorization"]} label="授权范围" rules={[{ required: true, message: "请选择授权范围" }]}>
                    <Select options={enumOptions(AUTHORIZATION_NAMES)} />
                  </Form.Item>
                </Col>
                <Col {...half}>
                  <Form.Item name={[name, "phone"]} label="代理人电话" rules={[phoneRule]}>
                    <Input maxLength={32} />
                  </Form.Item>
                </Col>
              </Row>
            </Card>
          ))}
          <div>
            <Button icon={<PlusOutlined />} disabled={fields.length >= 2} onClick={() => add({})}>
              添加代理人
            </Button>
          </div>
        </Flex>
      )}
    </Form.List>
  );
}

function PartyFields({ partiesError }: { partiesError: string[] }) {
  return (
    <Form.List name="parties">
      {(fields, { add, remove }) => (
        <Flex vertical gap={12}>
          {partiesError.map((e) => (
            <Alert key={e} type="error" showIcon title={e} />
          ))}
          {fields.map(({ key, name }, i) => (
            <Card
              key={key}
              size="small"
              title={`当事人 ${i + 1}`}
              extra={
                <Button size="small" danger icon={<DeleteOutlined />} onClick={() => remove(name)}>
                  删除当事人
                </Button>
              }
            >
              <Row gutter={16}>
                <Col {...half}>
                  <Form.Item name={[name, "role"]} label="诉讼地位" rules={[{ required: true, message: "请选择诉讼地位" }]}>
                    <Select options={enumOptions(PARTY_ROLE_NAMES)} />
                  </Form.Item>
                </Col>
                <Col {...half}>
                  <Form.Item name={[name, "type"]} label="当事人类型">
                    <Radio.Group
                      options={[
                        { value: "person", label: "自然人" },
                        { value: "organization", label: "法人或其他组织" },
                      ]}
                    />
                  </Form.Item>
                </Col>
              </Row>
              <Form.Item
                noStyle
                dependencies={[
                  ["parties", name, "type"],
                  ["parties", name, "role"],
                ]}
              >
                {({ getFieldValue }) => {
                  const org = getFieldValue(["parties", name, "type"]) === "organization";
                  const filingSide = getFieldValue(["parties", name, "role"]) === PartyRole.PLAINTIFF;
                  return (
                    <Row gutter={16}>
                      <Col {...half}>
                        <Form.Item name={[name, "name"]} label={org ? "名称" : "姓名"} rules={[{ required: true, whitespace: true, message: org ? "请填写名称" : "请填写姓名" }]}>
                          <Input maxLength={200} />
                        </Form.Item>
                      </Col>
                      {org ? (
                        <>
                          <Col {...half}>
                            <Form.Item
                              name={[name, "creditCode"]}
                              label="统一社会信用代码"
                              normalize={normalizeId}
                              rules={[{ required: filingSide, message: "原告（申请人）须填写统一社会信用代码" }, creditCodeRule]}
                            >
                              <Input maxLength={18} />
                            </Form.Item>
                          </Col>
                          <Col {...half}>
                            <Form.Item name={[name, "legalRepresentative"]} label="法定代表人" rules={[{ required: filingSide, whitespace: true, message: "请填写法定代表人" }]}>
                              <Input maxLength={200} />
                            </Form.Item>
                          </Col>
                        </>
                      ) : (
                        <Col {...half}>
                          <Form.Item
                            name={[name, "residentId"]}
                            label="居民身份证号码"
                            normalize={normalizeId}
                            rules={[{ required: filingSide, message: "原告（申请人）须填写身份证号码" }, residentIdRule]}
                          >
                            <Input maxLength={18} />
                          </Form.Item>
                        </Col>
                      )}
                      <Col xs={24} xl={16}>
                        <Form.Item name={[name, "address"]} label="送达地址" rules={[{ required: true, whitespace: true, message: "请填写送达地址" }]}>
                          <Input maxLength={500} />
                        </Form.Item>
                      </Col>
                      <Col {...half}>
                        <Form.Item name={[name, "phone"]} label="联系电话" rules={[phoneRule]}>
                          <Input maxLength={32} />
                        </Form.Item>
                      </Col>
                    </Row>
                  );
                }}
              </Form.Item>
              <AgentFields partyName={name} />
            </Card>
          ))}
          <div>
            <Button icon={<PlusOutlined />} onClick={() => add({ role: PartyRole.DEFENDANT, type: "person", agents: [] })}>
              添加当事人
            </Button>
          </div>
        </Flex>
      )}
    </Form.List>
  );
}

/** The checklist items of the case type, marked by whether this filing needs them. */
function checklistEntries(v: Values): ChecklistEntry[] {
  const agentActs = (v.parties ?? []).some((p) => p.role === PartyRole.PLAINTIFF && (p.agents ?? []).length > 0);
  return checklistOf(v.caseType).map((item) => {
    if (item.requirement === "required")
      return {
        id: item.id,
        name: item.name,
        tag: { text: "必需", color: TAG_COLORS.red },
        hint: item.id === "opposing-party-details" ? "已在当事人中填写被告的姓名（名称）和送达地址时，无需另行上传" : item.copiesForOpposingParties ? "按对方当事人人数提交副本" : undefined,
      };
    const holds = item.condition === "agent-acts" ? agentActs : !!v.liableOrganDecided;
    return { id: item.id, name: item.name, tag: holds ? { text: "需提交", color: TAG_COLORS.orange } : { text: "按需", color: "default" }, hint: CONDITION_NAMES[item.condition] };
  });
}

function Review({ values, filing, courts }: { values: Values; filing?: Filing; courts: ReturnType<typeof useCourts> }) {
  const entries = checklistEntries(values);
  const have = new Set(filing?.materials.map((m) => m.kind));
  const missing = entries.filter((e) => (e.tag?.text === "必需" || e.tag?.text === "需提交") && !have.has(e.id) && e.id !== "opposing-party-details");
  const row = (label: string, children: ReactNode, wide = false) => ({ key: label, label, children, span: wide ? ("filled" as const) : 1 });
  return (
    <Flex vertical gap={12}>
      {missing.length > 0 && <Alert type="warning" showIcon title="以下必需材料尚未上传" description={missing.map((m) => m.name).join("、")} />}
      <Descriptions
        bordered
        size="small"
        column={{ xs: 1, lg: 2 }}
        styles={{ label: { whiteSpace: "nowrap" } }}
        items={[
          row("案件类型", caseTypeName(values.caseType)),
          row("演练", values.drill ? "是" : "否"),
          row("管辖法院", courtName(courts, values.jurisdictionCourtId ?? "")),
          row("管辖依据", values.jurisdictionBasis || "—"),
          row(
            "当事人",
            <Flex vertical gap={4}>
              {(values.parties ?? []).map((p, i) => (
                <span key={i}>
                  {PARTY_ROLE_NAMES[p.role ?? PartyRole.UNSPECIFIED]}：{p.name || "（未填写）"}
                  {p.type === "organization" ? `，统一社会信用代码 ${p.creditCode || "—"}` : `，身份证号码 ${p.residentId || "—"}`}，送达地址 {p.address || "—"}
                  {(p.agents ?? []).length > 0 && `，代理人 ${(p.agents ?? []).map((a) => a.name).join("、")}`}
                </span>
              ))}
            </Flex>,
            true,
          ),
          row("诉讼请求", <Typography.Paragraph style={{ whiteSpace: "pre-wrap", margin: 0 }}>{values.claims || "—"}</Typography.Paragraph>, true),
          row("事实与理由", <Typography.Paragraph style={{ whiteSpace: "pre-wrap", margin: 0 }}>{values.facts || "—"}</Typography.Paragraph>, true),
          row("材料", `${filing?.materials.length ?? 0} 份`, true),
        ]}
      />
    </Flex>
  );
}

/** The new-filing wizard (also continues a draft: /window/new?draft=<id>). */
export default function NewFiling() {
  const me = useMe();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const draftId = params.get("draft") ?? "";
  const [form] = Form.useForm<Values>();
  const [step, setStep] = useState(0);
  const [filing, setFiling] = useState<Filing>();
  const [loadError, setLoadError] = useState<unknown>();
  const [loading, setLoading] = useState(!!draftId);
  const [busy, setBusy] = useState<"save" | "submit">();
  const [problems, setProblems] = useState<FieldViolation[]>([]);
  const [failure, setFailure] = useState<string>();
  const marked = useRef<(string | number)[][]>([]);
  // Form index of each party of the last request (violations name the request's indices).
  const partyIndex = useRef<number[]>([]);
  const loaded = useRef("");
  const submitKey = useRef(newKey());

  const caseType = Form.useWatch("caseType", form);
  const courtId = Form.useWatch("jurisdictionCourtId", form);
  const basis = Form.useWatch("jurisdictionBasis", form);
  const parties = Form.useWatch("parties", form);
  const liableOrganDecided = Form.useWatch("liableOrganDecided", form);
  const courts = useCourts(courtId ? [courtId] : []);

  const load = useCallback(() => {
    if (!draftId || loaded.current === draftId) return;
    setLoading(true);
    setLoadError(undefined);
    intake
      .getFiling({ filingId: draftId })
      .then((res) => {
        const f = res.filing;
        if (!f) throw new Error("empty response");
        loaded.current = f.filingId;
        setFiling(f);
        form.setFieldsValue(fromDetails(f.details));
        if (f.details?.caseType) setStep(1);
      })
      .catch((err: unknown) => setLoadError(err))
      .finally(() => setLoading(false));
  }, [draftId, form]);
  useEffect(load, [load]);

  // "新建跨域立案" again while a draft is open (same route, no draft id): start afresh.
  useEffect(() => {
    if (draftId || !loaded.current) return;
    loaded.current = "";
    setFiling(undefined);
    setStep(0);
    setProblems([]);
    setFailure(undefined);
    form.resetFields();
    submitKey.current = newKey();
  }, [draftId, form]);

  /** Sets (or clears) the errors shown at form fields; the paths come from the service's violations. */
  const setErrors = (fields: { name: (string | number)[]; errors: string[] }[]) => form.setFields(fields as Parameters<typeof form.setFields>[0]);

  function clearProblems() {
    setErrors(marked.current.map((name) => ({ name, errors: [] })));
    marked.current = [];
    setProblems([]);
    setFailure(undefined);
  }

  /** Shows the service's violations at their fields and in the summary. */
  function showProblems(err: unknown) {
    clearProblems();
    const vs = violationsOf(err).map((v) => ({ ...v, field: v.field.replace(/^details\.parties\[(\d+)\]/, (m, k: string) => `details.parties[${partyIndex.current[Number(k)] ?? k}]`) }));
    setProblems(vs);
    setFailure(vs.length === 0 ? messageOf(err) : undefined);
    // Every problem of a field at that field (a route can fail for several reasons).
    const byPath = new Map<string, { name: (string | number)[]; errors: string[] }>();
    for (const v of vs) {
      const name = formPath(v.field);
      if (!name) continue;
      const entry = byPath.get(name.join(".")) ?? { name, errors: [] };
      entry.errors.push(describe(v));
      byPath.set(name.join("."), entry);
    }
    const fields = [...byPath.values()];
    setErrors(fields);
    marked.current = fields.map((f) => f.name);
  }

  /** Creates the draft (the first time) or saves its details; false when the service refused. */
  async function save(): Promise<Filing | undefined> {
    const { details, partyIndex: sent } = toDetails(form.getFieldsValue(true) as Values);
    partyIndex.current = sent;
    setBusy("save");
    try {
      const res = filing ? await intake.updateDraft({ filingId: filing.filingId, details }) : await intake.createDraft({ details });
      const f = res.filing!;
      clearProblems();
      setFiling(f);
      if (!draftId) {
        loaded.current = f.filingId;
        void navigate(`/window/new?draft=${encodeURIComponent(f.filingId)}`, { replace: true });
      }
      return f;
    } catch (err) {
      showProblems(err);
      return undefined;
    } finally {
      setBusy(undefined);
    }
  }

  async function go(next: number) {
    if (next > step) {
      try {
        for (let s = step; s < next; s++) await form.validateFields(STEP_FIELDS[s], { recursive: true });
      } catch {
        return;
      }
    }
    // The draft exists from the moment the case type is set: uploads need its id.
    if (next !== step && (filing || form.getFieldValue("caseType"))) {
      if (!(await save())) return;
    }
    setStep(next);
    window.scrollTo({ top: 0 });
  }

  async function saveDraft() {
    const f = await save();
    if (f) void message.success("草稿已保存");
  }

  async function submit() {
    const f = await save();
    if (!f) return;
    setBusy("submit");
    try {
      const res = await intake.submitFiling({ filingId: f.filingId, idempotencyKey: submitKey.current });
      void message.success(`申请已提交，收件编号 ${res.filing?.receiptNumber ?? ""}`);
      void navigate(`/window/filings/${encodeURIComponent(f.filingId)}`);
    } catch (err) {
      showProblems(err);
    } finally {
      setBusy(undefined);
    }
  }

  if (loading) return <Spin style={{ display: "block", margin: 48 }} />;
  if (loadError) return <LoadError err={loadError} onRetry={load} />;
  if (filing && !isSubmittable(filing.status)) {
    const correcting = filing.status === FilingStatus.CORRECTION_REQUESTED;
    return (
      <Result
        status="info"
        title={correcting ? "该申请正待补正" : filing.status === FilingStatus.WITHDRAWN ? "该申请已撤回" : "该申请已提交，不能再修改"}
        subTitle={correcting ? "请在申请详情页上传补正材料并提交补正。" : undefined}
        extra={<Link to={`/window/filings/${encodeURIComponent(filing.filingId)}`}>查看申请</Link>}
      />
    );
  }

  const values: Values = { ...(form.getFieldsValue(true) as Values), caseType, parties, liableOrganDecided };
  const materialErrors: Record<string, string[]> = {};
  for (const v of problems) {
    const kind = materialKindOf(v);
    if (kind) (materialErrors[kind] ??= []).push(describe(v));
  }
  const partiesErrors = problems.filter((v) => v.field === "details.parties").map(describe);
  const id = caseType ? caseTypeId(caseType) : undefined;
  const period = id ? caseTypeInfo(id).decisionPeriod : undefined;

  return (
    <Card title={filing?.status === FilingStatus.ROUTING_FAILED ? "重新提交跨域立案申请" : "新建跨域立案申请"} extra={filing && <Typography.Text type="secondary">草稿已保存</Typography.Text>}>
      <Flex vertical gap={16}>
        <Steps size="small" current={step} onChange={(s) => void go(s)} items={STEPS.map((title) => ({ title }))} responsive />
        {(problems.length > 0 || failure) && (
          <Alert
            type="error"
            showIcon
            closable={{ onClose: clearProblems }}
            title={failure ? `操作失败：${failure}` : `申请未通过检查，共 ${problems.length} 个问题，请逐项修改`}
            description={
              problems.length > 0 && (
                <ul style={{ margin: 0, paddingInlineStart: 20 }}>
                  {problems.map((v, i) => (
                    <li key={i}>
                      <Button type="link" size="small" style={{ padding: 0 }} onClick={() => setStep(stepOf(v.field))}>
                        {STEPS[stepOf(v.field)]}
                      </Button>
                      ：{describe(v)}
                    </li>
                  ))}
                </ul>
              )
            }
          />
        )}
        <Form form={form} layout="vertical" initialValues={INITIAL} name="filing">
          <div hidden={step !== 0}>
            <Form.Item name="caseType" label="案件类型" rules={[{ required: true, message: "请选择案件类型" }]}>
              <Radio.Group options={CASE_TYPES.map((c) => ({ value: c, label: caseTypeName(c) }))} />
            </Form.Item>
            {period && (
              <Alert
                type="info"
                showIcon
                style={{ marginBottom: 16 }}
                title={`管辖法院应自${period.startsOn === "receipt" ? "收到申请" : "收到完整材料"}之日起 ${period.days} 日内${period.duty === "send-acceptance-notice" ? "发出受理通知" : "决定是否立案"}。`}
              />
            )}
            {caseType === CaseType.STATE_COMPENSATION && (
              <Form.Item name="liableOrganDecided" valuePropName="checked">
                <Checkbox>赔偿义务机关已作出决定</Checkbox>
              </Form.Item>
            )}
            <Form.Item name="drill" valuePropName="checked" extra="演练申请单独标记，不计入统计">
              <Checkbox>演练申请</Checkbox>
            </Form.Item>
          </div>
          <div hidden={step !== 1}>
            <Form.Item name="jurisdictionSource" hidden>
              <Input />
            </Form.Item>
            <Form.Item name="jurisdictionCourtId" label="管辖法院" rules={[{ required: true, message: "请选择管辖法院" }]}>
              <ChosenCourt caseType={caseType} basis={basis} />
            </Form.Item>
            <CourtPicker
              caseType={caseType}
              excludeId={me.courtId}
              onChoose={({ court, source, basis }) => {
                rememberCourt(court);
                form.setFieldsValue({ jurisdictionCourtId: court.courtId, jurisdictionSource: source, jurisdictionBasis: basis });
                void form.validateFields([["jurisdictionCourtId"]]);
                void message.success(`已选择 ${court.name}`);
              }}
            />
            <Form.Item name="jurisdictionBasis" label="管辖依据" extra="由管辖法院查找带出，可补充说明">
              <Input.TextArea autoSize={{ minRows: 2 }} maxLength={2000} />
            </Form.Item>
          </div>
          <div hidden={step !== 2}>
            <PartyFields partiesError={partiesErrors} />
          </div>
          <div hidden={step !== 3}>
            <Form.Item name="claims" label="诉讼请求（申请事项）" rules={[{ required: true, whitespace: true, message: "请填写诉讼请求" }]}>
              <Input.TextArea autoSize={{ minRows: 4 }} maxLength={5000} showCount />
            </Form.Item>
            <Form.Item name="facts" label="事实与理由" rules={[{ required: true, whitespace: true, message: "请填写事实与理由" }]}>
              <Input.TextArea autoSize={{ minRows: 8 }} maxLength={20000} showCount />
            </Form.Item>
          </div>
        </Form>
        {step === 4 &&
          (filing ? (
            <ChecklistUploads filing={filing} items={checklistEntries(values)} errors={materialErrors} showOthers onChange={(update) => setFiling((f) => (f ? update(f) : f))} />
          ) : (
            <Alert type="info" showIcon title="请先选择案件类型并保存草稿，再上传材料" />
          ))}
        {step === 5 && <Review values={values} filing={filing} courts={courts} />}
        <Space wrap>
          {step > 0 && (
            <Button disabled={!!busy} onClick={() => void go(step - 1)}>
              上一步
            </Button>
          )}
          {step < STEPS.length - 1 && (
            <Button type="primary" loading={busy === "save"} disabled={!!busy} onClick={() => void go(step + 1)}>
              下一步
            </Button>
          )}
          {step === STEPS.length - 1 && (
            <Button type="primary" loading={busy === "submit"} disabled={!!busy} onClick={() => void submit()}>
              提交申请
            </Button>
          )}
          <Button loading={busy === "save"} disabled={!!busy || !caseType} onClick={() => void saveDraft()}>
            保存草稿
          </Button>
        </Space>
      </Flex>
    </Card>
  );
}
