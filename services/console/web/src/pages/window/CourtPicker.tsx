import { CaseType } from "@gen/kuayu/common/v1/common_pb";
import { CourtRole, type Court, type JurisdictionCandidate } from "@gen/kuayu/directory/v1/directory_pb";
import { JurisdictionSource } from "@gen/kuayu/intake/v1/intake_pb";
import { Alert, Button, Card, Checkbox, Descriptions, Empty, Flex, Form, Input, Select, Space, Spin, Tabs, Tag, Typography } from "antd";
import { useRef, useState } from "react";
import { directory } from "../../api/client";
import { messageOf, violationsOf } from "../../api/errors";
import { WorkingStatus } from "./WorkingStatus";
import { TAG_COLORS, caseTypeName } from "./labels";

export interface CourtChoice {
  court: Court;
  source: JurisdictionSource;
  basis: string;
}

/** The chosen court: name, code, address, hours, working status, and whether it takes the case type. */
export function CourtCard({ court, caseType, basis }: { court: Court; caseType?: CaseType; basis?: string }) {
  const decides = court.roles.includes(CourtRole.JURISDICTION);
  const takes = caseType === undefined || caseType === CaseType.UNSPECIFIED || court.acceptedCaseTypes.includes(caseType);
  return (
    <Card size="small" title={`已选管辖法院：${court.name}`}>
      <Descriptions
        size="small"
        column={{ xs: 1, lg: 2 }}
        styles={{ label: { whiteSpace: "nowrap" } }}
        items={[
          { key: "code", label: "法院代字", children: court.code || "—" },
          { key: "address", label: "地址", children: court.seatAddress || "—" },
          { key: "hours", label: "办公时间", children: court.workingHours.map((p) => `${p.start}–${p.end}`).join("，") || "—" },
          { key: "status", label: "办公状态", children: <WorkingStatus courtId={court.courtId} /> },
          ...(basis ? [{ key: "basis", label: "管辖依据", span: "filled" as const, children: basis }] : []),
        ]}
      />
      {(!decides || !takes) && (
        <Alert
          type="warning"
          showIcon
          style={{ marginTop: 8 }}
          title={!decides ? "该法院不是跨域立案的管辖法院，提交时将被拒绝。" : `该法院名录中未登记受理“${caseTypeName(caseType)}”案件，提交时将被拒绝。`}
        />
      )}
    </Card>
  );
}

function CandidateList({ candidates, onChoose, excludeId }: { candidates: JurisdictionCandidate[]; onChoose: (c: JurisdictionCandidate) => void; excludeId: string }) {
  if (candidates.length === 0) return <Empty description="没有找到符合条件的管辖法院" />;
  return (
    <Flex vertical gap={8} role="list" aria-label="管辖法院候选">
      {candidates.map((c, i) => (
        <Card
          key={c.court?.courtId ?? i}
          size="small"
          role="listitem"
          title={
            <Space wrap>
              <span>{c.court?.name}</span>
              {c.exclusive && <Tag color={TAG_COLORS.purple}>专属管辖</Tag>}
              {i === 0 && <Tag color={TAG_COLORS.blue}>首选</Tag>}
            </Space>
          }
          extra={
            <Button size="small" type="primary" disabled={!c.court || c.court.courtId === excludeId} onClick={() => onChoose(c)}>
              选择此法院
            </Button>
          }
        >
          <Typography.Paragraph style={{ marginBottom: 4 }}>
            <Typography.Text strong>法律依据：</Typography.Text>
            {c.basis}
          </Typography.Paragraph>
          {c.place && (
            <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
              连接地：{c.place}
            </Typography.Paragraph>
          )}
          {c.assumption && (
            <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
              前提：{c.assumption}
            </Typography.Paragraph>
          )}
        </Card>
      ))}
    </Flex>
  );
}

/** A court chosen by searching the directory by name (type at least one character). */
export function CourtSelect({ id, value, onChange }: { id?: string; value?: string; onChange?: (v: string | undefined) => void }) {
  const [options, setOptions] = useState<{ value: string; label: string }[]>([]);
  const [loading, setLoading] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const search = (q: string) => {
    clearTimeout(timer.current);
    if (!q.trim()) return;
    timer.current = setTimeout(() => {
      setLoading(true);
      directory
        .searchCourts({ name: q.trim(), pageSize: 20 })
        .then((r) => setOptions(r.courts.map((c) => ({ value: c.courtId, label: `${c.name}${c.code ? `（${c.code}）` : ""}` }))))
        .catch(() => setOptions([]))
        .finally(() => setLoading(false));
    }, 300);
  };
  return (
    <Select
      id={id}
      showSearch={{ filterOption: false, onSearch: search }}
      allowClear
      value={value}
      onChange={onChange}
      options={options}
      loading={loading}
      placeholder="输入法院名称搜索"
      notFoundContent={loading ? <Spin size="small" /> : "输入名称搜索"}
    />
  );
}

interface FinderValues {
  /** Division codes separated by commas or spaces. */
  defendantDomiciles?: string;
  plaintiffDomicile?: string;
  contractPerformancePlace?: string;
  tortPlace?: string;
  propertyPlace?: string;
  administrativeOrgan?: string;
  liableOrganDivision?: string;
  originalCourtId?: string;
  flags?: string[];
}

const FINDER_FIELDS: Record<string, keyof FinderValues> = {
  defendant_domiciles: "defendantDomiciles",
  plaintiff_domicile: "plaintiffDomicile",
  contract_performance_place: "contractPerformancePlace",
  tort_place: "tortPlace",
  property_place: "propertyPlace",
  administrative_organ: "administrativeOrgan",
  liable_organ_division: "liableOrganDivision",
  original_court_id: "originalCourtId",
};

const DIVISION_HELP = "六位行政区划代码，如 440703";
const division = [{ pattern: /^\d{6}$/, message: "应为六位行政区划代码" }];

/** The competent-court finder (ResolveJurisdiction): the facts of the case, then ranked candidates with their legal basis. */
function Finder({ caseType, excludeId, onChoose }: { caseType?: CaseType; excludeId: string; onChoose: (c: CourtChoice) => void }) {
  const [form] = Form.useForm<FinderValues>();
  const [candidates, setCandidates] = useState<JurisdictionCandidate[]>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function find() {
    let v: FinderValues;
    try {
      v = await form.validateFields();
    } catch {
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const flags = new Set(v.flags ?? []);
      const res = await directory.resolveJurisdiction({
        caseType,
        defendantDomiciles: (v.defendantDomiciles ?? "").split(/[\s,，、]+/).filter(Boolean),
        plaintiffDomicile: v.plaintiffDomicile ?? "",
        contractPerformancePlace: v.contractPerformancePlace ?? "",
        tortPlace: v.tortPlace ?? "",
        propertyPlace: v.propertyPlace ?? "",
        administrativeOrgan: v.administrativeOrgan ?? "",
        liableOrganDivision: v.liableOrganDivision ?? "",
        originalCourtId: v.originalCourtId ?? "",
        maritime: flags.has("maritime"),
        intellectualProperty: flags.has("ip"),
        ecommercePlatform: flags.has("ecommerce"),
        financial: flags.has("financial"),
        partiesAreCitizensOrNumerous: flags.has("citizens"),
      });
      setCandidates(res.candidates);
    } catch (err) {
      const vs = violationsOf(err);
      const fields = vs.flatMap((x) => {
        const name = FINDER_FIELDS[x.field.replace(/\[\d+\]$/, "")];
        return name ? [{ name, errors: [x.description] }] : [];
      });
      form.setFields(fields);
      setError(vs.length > 0 ? vs.map((x) => x.description).join("；") : messageOf(err));
      setCandidates(undefined);
    } finally {
      setBusy(false);
    }
  }

  if (!caseType) return <Alert type="info" showIcon title="请先在第一步选择案件类型" />;
  const t = caseType;
  const civil = t === CaseType.CIVIL_FIRST_INSTANCE;
  return (
    <Flex vertical gap={12}>
      <Form form={form} name="finder" component={false} layout="vertical">
        <Flex wrap gap={16}>
          <Form.Item
            name="defendantDomiciles"
            label="被告（被申请人）住所地"
            extra={`${DIVISION_HELP}；多个被告用逗号分隔`}
            rules={[{ pattern: /^\s*\d{6}([\s,，、]+\d{6})*\s*$/, message: "应为六位行政区划代码，多个用逗号分隔" }]}
            style={{ minWidth: 260, flex: 1 }}
          >
            <Input />
          </Form.Item>
          {(civil || t === CaseType.ADMINISTRATIVE_FIRST_INSTANCE || t === CaseType.CRIMINAL_PRIVATE_PROSECUTION) && (
            <Form.Item name="plaintiffDomicile" label="原告住所地" extra={DIVISION_HELP} rules={division} style={{ minWidth: 200, flex: 1 }}>
              <Input />
            </Form.Item>
          )}
          {civil && (
            <Form.Item name="contractPerformancePlace" label="合同履行地" extra={DIVISION_HELP} rules={division} style={{ minWidth: 200, flex: 1 }}>
              <Input />
            </Form.Item>
          )}
          {(civil || t === CaseType.CRIMINAL_PRIVATE_PROSECUTION) && (
            <Form.Item name="tortPlace" label={civil ? "侵权行为地" : "犯罪地"} extra={DIVISION_HELP} rules={division} style={{ minWidth: 200, flex: 1 }}>
              <Input />
            </Form.Item>
          )}
          {(civil || t === CaseType.ENFORCEMENT) && (
            <Form.Item name="propertyPlace" label="财产所在地" extra={DIVISION_HELP} rules={division} style={{ minWidth: 200, flex: 1 }}>
              <Input />
            </Form.Item>
          )}
          {t === CaseType.ADMINISTRATIVE_FIRST_INSTANCE && (
            <Form.Item name="administrativeOrgan" label="行政机关所在地" extra={DIVISION_HELP} rules={division} style={{ minWidth: 200, flex: 1 }}>
              <Input />
            </Form.Item>
          )}
          {t === CaseType.STATE_COMPENSATION && (
            <Form.Item name="liableOrganDivision" label="赔偿义务机关所在地" extra={DIVISION_HELP} rules={division} style={{ minWidth: 200, flex: 1 }}>
              <Input />
            </Form.Item>
          )}
          {(t === CaseType.ENFORCEMENT || t === CaseType.CIVIL_RETRIAL_APPLICATION) && (
            <Form.Item name="originalCourtId" label={t === CaseType.ENFORCEMENT ? "第一审法院" : "作出生效裁判的法院"} style={{ minWidth: 260, flex: 1 }}>
              <CourtSelect />
            </Form.Item>
          )}
        </Flex>
        {(civil || t === CaseType.ADMINISTRATIVE_FIRST_INSTANCE) && (
          <Form.Item name="flags" label="案件特点">
            <Checkbox.Group
              options={[
                ...(civil ? [{ value: "maritime", label: "海事海商案件" }] : []),
                { value: "ip", label: "知识产权案件" },
                ...(civil
                  ? [
                      { value: "ecommerce", label: "电子商务平台纠纷" },
                      { value: "financial", label: "金融纠纷" },
                    ]
                  : []),
              ]}
            />
          </Form.Item>
        )}
      </Form>
      <div>
        <Button type="primary" loading={busy} onClick={() => void find()}>
          查找管辖法院
        </Button>
      </div>
      {error && <Alert type="error" showIcon title="无法确定管辖法院" description={error} />}
      {candidates && <CandidateList candidates={candidates} excludeId={excludeId} onChoose={(c) => c.court && onChoose({ court: c.court, source: JurisdictionSource.FINDER, basis: c.basis })} />}
    </Flex>
  );
}

/** Search the directory by name or court code (法院代字). */
function Search({ excludeId, onChoose }: { excludeId: string; onChoose: (c: CourtChoice) => void }) {
  const [q, setQ] = useState("");
  const [courts, setCourts] = useState<Court[]>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  async function run() {
    const text = q.trim();
    if (!text) return;
    setBusy(true);
    setError(undefined);
    try {
      // A court code has digits (粤0703, 京01); anything else is part of a name.
      const res = await directory.searchCourts(/\d/.test(text) ? { code: text, pageSize: 10 } : { name: text, pageSize: 10 });
      setCourts(res.courts);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Flex vertical gap={12}>
      <Flex gap={8} align="end" wrap>
        <Flex vertical gap={4} style={{ flex: 1, minWidth: 240 }}>
          <label htmlFor="court-search">法院名称或代字</label>
          <Input id="court-search" value={q} onChange={(e) => setQ(e.target.value)} onPressEnter={(e) => (e.preventDefault(), void run())} placeholder="如：惠州 或 粤13" />
        </Flex>
        <Button type="primary" loading={busy} onClick={() => void run()}>
          搜索
        </Button>
      </Flex>
      {error && <Alert type="error" showIcon title={error} />}
      {courts && courts.length === 0 && <Empty description="没有找到法院" />}
      {courts && courts.length > 0 && (
        <Flex vertical gap={8} role="list" aria-label="搜索结果">
          {courts.map((c) => (
            <Card
              key={c.courtId}
              size="small"
              role="listitem"
              title={`${c.name}${c.code ? `（${c.code}）` : ""}`}
              extra={
                <Button size="small" type="primary" disabled={c.courtId === excludeId} onClick={() => onChoose({ court: c, source: JurisdictionSource.CLERK, basis: "" })}>
                  选择此法院
                </Button>
              }
            >
              <Typography.Text type="secondary">{c.seatAddress}</Typography.Text>
            </Card>
          ))}
        </Flex>
      )}
    </Flex>
  );
}

/** Choose the jurisdiction court: the finder or a directory search. */
export function CourtPicker({ caseType, excludeId, onChoose }: { caseType?: CaseType; excludeId: string; onChoose: (c: CourtChoice) => void }) {
  return (
    <Tabs
      items={[
        { key: "finder", label: "管辖法院查找", children: <Finder caseType={caseType} excludeId={excludeId} onChoose={onChoose} /> },
        { key: "search", label: "按名称或代字搜索", children: <Search excludeId={excludeId} onChoose={onChoose} /> },
      ]}
    />
  );
}
