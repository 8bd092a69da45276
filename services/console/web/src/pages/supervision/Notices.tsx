import { timestampDate } from "@bufbuild/protobuf/wkt";
import { NoticeKind, type Notice, type NoticeRow } from "@gen/kuayu/supervision/v1/supervision_pb";
import { App, Button, Drawer, Flex, Select, Space, Table, Typography } from "antd";
import { useState } from "react";
import { supervision } from "../../api/client";
import { messageOf } from "../../api/errors";
import { ErrorResult, NOTICE_KIND_NAMES, PROVINCES, UNIT_NAMES, chinaTime, download, nationalScope, provinceName, provinceScope, toCsv, useArea, useAsync, Wide } from "./common";

const when = (n: Notice) => chinaTime(n.generatedAt && timestampDate(n.generatedAt));
const scopeName = (n: Notice) => (n.scope?.id ? provinceName(n.scope.id) : "全国");
const fileName = (n: Notice) => `${NOTICE_KIND_NAMES[n.kind]}-${scopeName(n)}-${when(n).replace(/[: ]/g, "")}.csv`;

/** The notice's CSV as the service made it (UTF-8 with a BOM), or built here from its rows. */
const csvOf = (n: Notice) =>
  n.csv ||
  toCsv(
    ["管辖法院", "法院编号", "案件(filing)", "收件编号", "到达时间", "超时", "单位"],
    n.rows.map((r) => [
      r.jurisdictionCourtName,
      r.jurisdictionCourtId,
      r.filingId,
      r.receiptNumber,
      chinaTime(r.arrivedAt && timestampDate(r.arrivedAt)),
      r.lateBy,
      UNIT_NAMES[r.lateUnit] ?? r.lateUnit,
    ]),
  );

/** One notice's rows, with its download. */
function NoticeView({ id, onClose }: { id: string; onClose: () => void }) {
  const notice = useAsync(async (signal) => (await supervision.getNotice({ noticeId: id }, { signal })).notice, [id]);
  const n = notice.data;
  return (
    <Drawer
      open
      onClose={onClose}
      size="large"
      title={n ? `${NOTICE_KIND_NAMES[n.kind]} · ${scopeName(n)} · ${when(n)}` : "通报"}
      extra={
        <Button type="primary" disabled={!n} onClick={() => n && download(fileName(n), csvOf(n))}>
          下载CSV
        </Button>
      }
    >
      {notice.error ? (
        <ErrorResult error={notice.error} />
      ) : (
        <Wide label="通报明细表">
          <Table<NoticeRow>
            size="small"
            loading={notice.loading}
            rowKey={(r) => r.filingId}
            dataSource={n?.rows}
            pagination={{ pageSize: 20, showSizeChanger: false }}
            style={{ minWidth: 640 }}
            locale={{ emptyText: <Typography.Text type="secondary">本期通报没有超时案件</Typography.Text> }}
            columns={[
              { title: "管辖法院", dataIndex: "jurisdictionCourtName" },
              { title: "收件编号", dataIndex: "receiptNumber" },
              { title: "到达时间", render: (_, r) => chinaTime(r.arrivedAt && timestampDate(r.arrivedAt)) },
              { title: "超时", align: "right", render: (_, r) => `${r.lateBy} ${UNIT_NAMES[r.lateUnit] ?? r.lateUnit}` },
            ]}
          />
        </Wide>
      )}
    </Drawer>
  );
}

/** Daily and weekly notices (每日通报, 每周通报): the list, generating one now, viewing and downloading them. */
export default function Notices() {
  const area = useArea();
  const { message } = App.useApp();
  const [region, setRegion] = useState(area.national ? "" : area.province);
  const [open, setOpen] = useState<string>();
  const [busy, setBusy] = useState<NoticeKind>();
  const scope = region ? provinceScope(region) : nationalScope();
  const list = useAsync(async (signal) => (await supervision.listNotices({ scope, pageSize: 100 }, { signal })).notices, [region, area.filters.tick]);

  const generate = async (kind: NoticeKind) => {
    setBusy(kind);
    try {
      const { notice } = await supervision.generateNotice({ kind, scope });
      list.reload();
      if (notice) setOpen(notice.noticeId);
    } catch (err) {
      message.error(`生成通报失败：${messageOf(err)}`);
    } finally {
      setBusy(undefined);
    }
  };
  const downloadOne = async (id: string) => {
    try {
      const { notice } = await supervision.getNotice({ noticeId: id });
      if (notice) download(fileName(notice), csvOf(notice));
    } catch (err) {
      message.error(`下载失败：${messageOf(err)}`);
    }
  };

  return (
    <Flex vertical gap="middle">
      <Flex wrap gap="small" align="center">
        <Typography.Title level={2} style={{ margin: 0, fontSize: 20 }}>
          通报
        </Typography.Title>
        {area.national && (
          <>
            <label htmlFor="sup-notice-region">范围</label>
            <Select
              id="sup-notice-region"
              style={{ width: 200 }}
              value={region}
              onChange={setRegion}
              showSearch={{ optionFilterProp: "label" }}
              options={[{ value: "", label: "全国" }, ...Object.entries(PROVINCES).map(([value, label]) => ({ value, label }))]}
            />
          </>
        )}
        <Button loading={busy === NoticeKind.DAILY} disabled={busy !== undefined} onClick={() => generate(NoticeKind.DAILY)}>
          生成每日通报
        </Button>
        <Button loading={busy === NoticeKind.WEEKLY} disabled={busy !== undefined} onClick={() => generate(NoticeKind.WEEKLY)}>
          生成每周通报
        </Button>
      </Flex>
      <Typography.Text type="secondary">每日通报：到达后24小时仍无反馈的案件；每周通报：到达后7个工作日仍未作出决定的案件。每日、每周通报也按时自动生成。</Typography.Text>
      {list.error ? (
        <ErrorResult error={list.error} />
      ) : (
        <Table<Notice>
          size="small"
          loading={list.loading}
          rowKey="noticeId"
          dataSource={list.data}
          pagination={{ pageSize: 20, showSizeChanger: false }}
          locale={{ emptyText: <Typography.Text type="secondary">暂无通报</Typography.Text> }}
          columns={[
            { title: "类型", render: (_, n) => NOTICE_KIND_NAMES[n.kind] },
            { title: "范围", render: (_, n) => scopeName(n) },
            { title: "生成时间", render: (_, n) => when(n) },
            {
              title: "操作",
              render: (_, n) => (
                <Space>
                  <Button size="small" onClick={() => setOpen(n.noticeId)}>
                    查看
                  </Button>
                  <Button size="small" onClick={() => downloadOne(n.noticeId)}>
                    下载CSV
                  </Button>
                </Space>
              ),
            },
          ]}
        />
      )}
      {open && <NoticeView id={open} onClose={() => setOpen(undefined)} />}
    </Flex>
  );
}
