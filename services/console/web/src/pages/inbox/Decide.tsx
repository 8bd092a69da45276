import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { CaseType } from "@gen/kuayu/common/v1/common_pb";
import type { InboxFiling } from "@gen/kuayu/decision/v1/decision_pb";
import { RejectionCategory } from "@gen/kuayu/decision/v1/events_pb";
import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { Alert, Button, Checkbox, DatePicker, Form, Input, Modal, Select, Space, type FormInstance } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { decision } from "../../api/client";
import { messageOf, violationsOf } from "../../api/errors";
import { checklistOf, REJECTION_NAMES } from "./labels";

type NamePath = (string | number)[];

/**
 * Puts a refused call's field violations next to the form's fields (`nameOf` maps the request's
 * field path to the form's); returns what fits no field, for an alert above the form.
 */
function showViolations(form: FormInstance, err: unknown, nameOf: (field: string) => NamePath | undefined): string {
  const violations = violationsOf(err);
  if (violations.length === 0) return messageOf(err);
  const rest: string[] = [];
  for (const v of violations) {
    const name = nameOf(v.field);
    if (name) form.setFields([{ name, errors: [v.description] }]);
    else rest.push(v.description);
  }
  return rest.join("；");
}

interface Props {
  filing: InboxFiling;
  onClose: () => void;
  onDone: (f: InboxFiling) => void;
}

interface RejectValues {
  category: RejectionCategory;
  reason: string;
  legal_basis: string;
}

/** 不予受理: a category, the reasons and the legal basis, all required. */
export function RejectModal({ filing, onClose, onDone }: Props) {
  const [form] = Form.useForm<RejectValues>();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const submit = async (v: RejectValues) => {
    setBusy(true);
    setProblem(undefined);
    try {
      const res = await decision.reject({ filingId: filing.filingId, category: v.category, reason: v.reason, legalBasis: v.legal_basis });
      if (res.filing) onDone(res.filing);
    } catch (err) {
      setProblem(showViolations(form, err, (f) => (["category", "reason", "legal_basis"].includes(f) ? [f] : undefined)) || undefined);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open title="不予受理" okText="确认不予受理" cancelText="取消" okButtonProps={{ danger: true }} confirmLoading={busy} onOk={() => form.submit()} onCancel={onClose}>
      {problem && <Alert type="error" showIcon title={problem} style={{ marginBottom: 16 }} />}
      <Form form={form} layout="vertical" onFinish={submit}>
        <Form.Item name="category" label="不予受理类别" rules={[{ required: true, message: "请选择不予受理类别" }]}>
          <Select options={Object.entries(REJECTION_NAMES).map(([value, label]) => ({ value: Number(value), label }))} placeholder="请选择" />
        </Form.Item>
        <Form.Item name="reason" label="不予受理理由" rules={[{ required: true, whitespace: true, message: "请填写不予受理理由" }]}>
          <Input.TextArea rows={4} maxLength={2000} showCount />
        </Form.Item>
        <Form.Item name="legal_basis" label="法律依据" rules={[{ required: true, whitespace: true, message: "请填写法律依据" }]}>
          <Input.TextArea rows={2} maxLength={500} showCount placeholder="例如：《中华人民共和国民事诉讼法》第一百二十七条" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

interface CorrectionValues {
  kinds?: Record<string, { on?: boolean; description?: string }>;
  free?: string[];
  deadline: Dayjs;
  note?: string;
}

/**
 * 要求补正: the one-time, complete list (一次性告知) — ticked checklist items of the filing's case type,
 * each with what is wrong, plus free items — and the deadline.
 */
export function CorrectionsModal({ filing, onClose, onDone }: Props) {
  const [form] = Form.useForm<CorrectionValues>();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const checklist = checklistOf(filing.caseType);
  const kinds = Form.useWatch("kinds", form);

  const submit = async (v: CorrectionValues) => {
    // The request's items in order, with the form field each came from (for the errors).
    const names: NamePath[] = [];
    const items = [];
    for (const m of checklist) {
      const k = v.kinds?.[m.id];
      if (!k?.on) continue;
      items.push({ materialKind: m.id, description: k.description ?? "" });
      names.push(["kinds", m.id, "description"]);
    }
    (v.free ?? []).forEach((description, i) => {
      if (!description?.trim()) return;
      items.push({ materialKind: "", description });
      names.push(["free", i]);
    });
    if (items.length === 0) {
      setProblem("请至少列出一项补正内容");
      return;
    }
    setBusy(true);
    setProblem(undefined);
    try {
      const res = await decision.requestCorrections({ filingId: filing.filingId, items, deadline: timestampFromDate(v.deadline.toDate()), note: v.note ?? "" });
      if (res.filing) onDone(res.filing);
    } catch (err) {
      const text = showViolations(form, err, (field) => {
        if (field === "deadline" || field === "note") return [field];
        const i = /^items\[(\d+)\]/.exec(field)?.[1];
        return i === undefined ? undefined : names[Number(i)];
      });
      setProblem(text || undefined);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal open width={720} title="要求补正（一次性告知）" okText="发送补正通知" cancelText="取消" confirmLoading={busy} onOk={() => form.submit()} onCancel={onClose}>
      {problem && <Alert type="error" showIcon title={problem} style={{ marginBottom: 16 }} />}
      <Form
        form={form}
        layout="vertical"
        onFinish={submit}
        initialValues={{ deadline: dayjs().add(15, "day").hour(17).minute(0).second(0), free: [] }}
        disabled={filing.caseType === CaseType.UNSPECIFIED}
      >
        <Form.Item label="需补正的材料（按本案件类型的材料清单勾选，并逐项说明）" style={{ marginBottom: 8 }}>
          {checklist.map((m) => (
            <div key={m.id}>
              <Form.Item name={["kinds", m.id, "on"]} valuePropName="checked" style={{ marginBottom: 4 }}>
                <Checkbox>{m.name}</Checkbox>
              </Form.Item>
              {kinds?.[m.id]?.on && (
                <Form.Item
                  name={["kinds", m.id, "description"]}
                  label={`${m.name}：补正说明`}
                  rules={[{ required: true, whitespace: true, message: "请说明需要补正的内容" }]}
                  style={{ marginLeft: 24 }}
                >
                  <Input.TextArea rows={2} maxLength={1000} />
                </Form.Item>
              )}
            </div>
          ))}
        </Form.Item>
        <Form.List name="free">
          {(fields, { add, remove }) => (
            <>
              {fields.map((field, i) => (
                <Space key={field.key} align="start" style={{ display: "flex" }}>
                  <Form.Item name={field.name} label={`其他补正事项 ${i + 1}`} rules={[{ required: true, whitespace: true, message: "请填写补正事项" }]} style={{ width: 560 }}>
                    <Input.TextArea rows={2} maxLength={1000} />
                  </Form.Item>
                  <Button aria-label={`移除第 ${i + 1} 项其他补正事项`} icon={<DeleteOutlined />} onClick={() => remove(field.name)} style={{ marginTop: 30 }} />
                </Space>
              ))}
              <Button icon={<PlusOutlined />} onClick={() => add("")} style={{ marginBottom: 16 }}>
                添加其他补正事项
              </Button>
            </>
          )}
        </Form.List>
        <Form.Item
          name="deadline"
          label="补正期限"
          rules={[
            { required: true, message: "请选择补正期限" },
            {
              validator: (_, d: Dayjs | undefined) =>
                !d || (d.isAfter(dayjs()) && !d.isAfter(dayjs().add(90, "day"))) ? Promise.resolve() : Promise.reject(new Error("补正期限须晚于现在，且不超过 90 天")),
            },
          ]}
        >
          <DatePicker showTime={{ format: "HH:mm" }} format="YYYY-MM-DD HH:mm" disabledDate={(d) => d.isBefore(dayjs(), "day") || d.isAfter(dayjs().add(90, "day"), "day")} />
        </Form.Item>
        <Form.Item name="note" label="备注">
          <Input.TextArea rows={2} maxLength={2000} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
