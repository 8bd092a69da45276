import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Complaint } from "@gen/kuayu/supervision/v1/supervision_pb";
import { App, Button, Card, Col, Flex, Form, Input, Modal, Row, Statistic, Switch, Table, Typography } from "antd";
import { useState } from "react";
import { supervision } from "../../api/client";
import { messageOf, violationsOf } from "../../api/errors";
import { COMPLAINT_CATEGORY_NAMES, COMPLAINT_STATUS_NAMES, ErrorResult, chinaTime, count, ownScope, useArea, useAsync, Wide } from "./common";
import { courtNames, indicatorsOf, provinceFigures, type ProvinceFigures } from "./data";

const at = (t: Complaint["filedAt"]) => chinaTime(t && timestampDate(t));

/** Answering one complaint (supervisors of its province, or the SPC's). */
function AnswerDialog({ complaint, onClose, onAnswered }: { complaint: Complaint; onClose: () => void; onAnswered: () => void }) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await supervision.answerComplaint({ complaintId: complaint.complaintId, answer: text });
      onAnswered();
    } catch (err) {
      setError(violationsOf(err).some((v) => v.field === "answer") ? "请填写答复内容（不超过2000字）" : messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open title="答复投诉" okText="提交答复" cancelText="取消" onOk={submit} confirmLoading={busy} okButtonProps={{ disabled: !text.trim() }} onCancel={onClose}>
      <Typography.Paragraph>
        {COMPLAINT_CATEGORY_NAMES[complaint.category] ?? complaint.category}：{complaint.text}
      </Typography.Paragraph>
      <Form layout="vertical">
        <Form.Item label="答复内容" htmlFor="sup-answer" validateStatus={error ? "error" : undefined} help={error}>
          <Input.TextArea id="sup-answer" rows={5} maxLength={2000} showCount value={text} onChange={(e) => setText(e.target.value)} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** Each province's satisfaction and complaints (the SPC's supervisors). */
function ProvinceSatisfaction() {
  const { filters } = useArea();
  const rows = useAsync((signal) => provinceFigures(filters, signal), [filters]);
  if (rows.error) return <ErrorResult error={rows.error} />;
  const rated = (r: ProvinceFigures) => (r.ind?.satisfactionCount ?? 0n) > 0n;
  const sorted = [...(rows.data ?? [])].sort(
    (a, b) => Number(rated(b)) - Number(rated(a)) || (b.ind?.satisfactionAverage ?? 0) - (a.ind?.satisfactionAverage ?? 0) || Number((b.ind?.complaints ?? 0n) - (a.ind?.complaints ?? 0n)),
  );
  return (
    <Table<ProvinceFigures>
      size="small"
      loading={rows.loading}
      rowKey="code"
      dataSource={sorted}
      pagination={{ pageSize: 10, showSizeChanger: false }}
      columns={[
        { title: "省份", dataIndex: "name" },
        { title: "满意度（平均分）", align: "right", render: (_, r) => (rated(r) ? r.ind!.satisfactionAverage.toFixed(2) : "—") },
        { title: "评价数", align: "right", render: (_, r) => count(r.ind?.satisfactionCount ?? 0n) },
        { title: "投诉", align: "right", render: (_, r) => count(r.ind?.complaints ?? 0n) },
      ]}
    />
  );
}

/** Satisfaction (the ratings' average) and the complaints, with their answers. */
export default function Satisfaction() {
  const area = useArea();
  const { message } = App.useApp();
  const [openOnly, setOpenOnly] = useState(false);
  const [answering, setAnswering] = useState<Complaint>();
  const ind = useAsync((signal) => indicatorsOf(ownScope(area), area.filters, signal), [area]);
  const list = useAsync(
    async (signal) => {
      const { complaints } = await supervision.listComplaints({ scope: ownScope(area), openOnly }, { signal });
      const names = await courtNames(
        complaints.map((c) => c.jurisdictionCourtId),
        signal,
      );
      return complaints.map((c) => ({ c, court: names.get(c.jurisdictionCourtId) ?? c.jurisdictionCourtId }));
    },
    [area.national, area.province, area.filters.tick, openOnly],
  );
  const i = ind.data;
  return (
    <Flex vertical gap="middle">
      {ind.error ? (
        <ErrorResult error={ind.error} />
      ) : (
        <Row gutter={[12, 12]}>
          <Col xs={12} md={6}>
            <Card size="small" loading={ind.loading && !i}>
              <Statistic title="满意度（平均分）" value={i && i.satisfactionCount > 0n ? `${i.satisfactionAverage.toFixed(2)} / 5` : "—"} />
            </Card>
          </Col>
          <Col xs={12} md={6}>
            <Card size="small" loading={ind.loading && !i}>
              <Statistic title="评价数" value={count(i?.satisfactionCount ?? 0n)} />
            </Card>
          </Col>
          <Col xs={12} md={6}>
            <Card size="small" loading={ind.loading && !i}>
              <Statistic title="投诉" value={count(i?.complaints ?? 0n)} />
            </Card>
          </Col>
        </Row>
      )}
      {area.national && (
        <>
          <Typography.Title level={2} style={{ margin: 0, fontSize: 20 }}>
            各省满意度
          </Typography.Title>
          <ProvinceSatisfaction />
        </>
      )}
      <Flex wrap gap="small" align="center">
        <Typography.Title level={2} style={{ margin: 0, fontSize: 20 }}>
          投诉
        </Typography.Title>
        <Switch id="sup-open-only" checked={openOnly} onChange={setOpenOnly} />
        <label htmlFor="sup-open-only">只看待答复</label>
      </Flex>
      {list.error ? (
        <ErrorResult error={list.error} />
      ) : (
        <Wide label="投诉列表">
          <Table
            size="small"
            loading={list.loading}
            rowKey={(r) => r.c.complaintId}
            dataSource={list.data}
            pagination={{ pageSize: 20, showSizeChanger: false }}
            style={{ minWidth: 1100 }}
            locale={{ emptyText: <Typography.Text type="secondary">暂无投诉</Typography.Text> }}
            columns={[
              { title: "投诉编号", render: (_, r) => r.c.complaintId },
              { title: "提交时间", render: (_, r) => at(r.c.filedAt) },
              { title: "来源", render: (_, r) => (r.c.byParty ? "当事人" : "收件法院窗口") },
              { title: "管辖法院", dataIndex: "court" },
              { title: "案件编号", render: (_, r) => r.c.filingId },
              { title: "类别", render: (_, r) => COMPLAINT_CATEGORY_NAMES[r.c.category] ?? r.c.category },
              { title: "内容", render: (_, r) => r.c.text },
              { title: "状态", render: (_, r) => COMPLAINT_STATUS_NAMES[r.c.status] ?? r.c.status },
              { title: "答复", render: (_, r) => (r.c.answer ? `${r.c.answer}（${at(r.c.answeredAt)}）` : "—") },
              {
                title: "操作",
                render: (_, r) =>
                  r.c.status === "open" ? (
                    <Button size="small" onClick={() => setAnswering(r.c)}>
                      答复
                    </Button>
                  ) : null,
              },
            ]}
          />
        </Wide>
      )}
      {answering && (
        <AnswerDialog
          complaint={answering}
          onClose={() => setAnswering(undefined)}
          onAnswered={() => {
            setAnswering(undefined);
            message.success("已答复");
            list.reload();
          }}
        />
      )}
    </Flex>
  );
}
