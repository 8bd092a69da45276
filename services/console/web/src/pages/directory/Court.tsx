import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Contact, Court, GetWorkingStatusResponse } from "@gen/kuayu/directory/v1/directory_pb";
import { Alert, Button, Card, Descriptions, Result, Space, Spin, Table, Tag } from "antd";
import dayjs from "dayjs";
import "dayjs/locale/zh-cn";
import { useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { directory } from "../../api/client";
import { messageOf } from "../../api/errors";
import { EmptyText, PageTitle } from "../notifications/a11y";
import { CASE_TYPE_NAMES, KIND_NAMES, LEVEL_NAMES, provinceName, ROLE_NAMES } from "./labels";

/** A court: its entry in the directory, its working status now, and its cross-domain filing contacts. */
export function CourtPage() {
  const { courtId = "" } = useParams();
  const navigate = useNavigate();
  const [court, setCourt] = useState<Court>();
  const [failure, setFailure] = useState<unknown>();
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    setCourt(undefined);
    setFailure(undefined);
    directory
      .getCourt({ courtId })
      .then((res) => setCourt(res.court))
      .catch(setFailure);
  }, [courtId, attempt]);
  const [parent, setParent] = useState<string>();
  const parentId = court?.parentId ?? "";
  useEffect(() => {
    setParent(undefined);
    if (!parentId) return;
    directory
      .getCourt({ courtId: parentId })
      .then((res) => setParent(res.court?.name))
      .catch(() => undefined); // the id is shown instead
  }, [parentId]);

  if (failure) {
    const code = failure instanceof ConnectError ? failure.code : undefined;
    const back = (
      <Button type="primary" onClick={() => void navigate("/directory")}>
        返回法院名录
      </Button>
    );
    if (code === Code.NotFound) return <Result status="404" title="未找到该法院" extra={back} />;
    if (code === Code.PermissionDenied) return <Result status="403" title="无权查看该法院" extra={back} />;
    return <Result status="error" title="无法读取该法院" subTitle={messageOf(failure)} extra={<Button onClick={() => setAttempt((n) => n + 1)}>重试</Button>} />;
  }
  if (!court) return <Spin style={{ display: "block", margin: 48 }} />;
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Card title={<PageTitle>{court.name}</PageTitle>} extra={<Link to="/directory">返回法院名录</Link>}>
        <Descriptions bordered size="small" column={{ xs: 1, sm: 1, md: 1, lg: 2, xl: 2, xxl: 2 }}>
          <Descriptions.Item label="法院代字">{court.code || "—"}</Descriptions.Item>
          <Descriptions.Item label="层级">{LEVEL_NAMES[court.level]}</Descriptions.Item>
          <Descriptions.Item label="类别">{KIND_NAMES[court.kind]}</Descriptions.Item>
          <Descriptions.Item label="省份">{provinceName(court.province)}</Descriptions.Item>
          <Descriptions.Item label="行政区划代码">{court.divisionCode || "—"}</Descriptions.Item>
          <Descriptions.Item label="上级法院">{court.parentId ? <Link to={`/directory/${encodeURIComponent(court.parentId)}`}>{parent ?? court.parentId}</Link> : "—"}</Descriptions.Item>
          <Descriptions.Item label="跨域立案角色">{court.roles.map((r) => ROLE_NAMES[r]).join("、") || "—"}</Descriptions.Item>
          <Descriptions.Item label="受理案件类型">{court.acceptedCaseTypes.map((t) => CASE_TYPE_NAMES[t]).join("、") || "—"}</Descriptions.Item>
          <Descriptions.Item label="工作时间">{court.workingHours.map((p) => `${p.start}–${p.end}`).join("，") || "—"}</Descriptions.Item>
          <Descriptions.Item label="院址">{court.seatAddress || "—"}</Descriptions.Item>
        </Descriptions>
      </Card>
      <WorkingStatus courtId={court.courtId} />
      <Contacts courtId={court.courtId} />
    </Space>
  );
}

/** 法院工作时间提示: open now or not, and when it next opens (refreshed each minute). */
function WorkingStatus({ courtId }: { courtId: string }) {
  const [status, setStatus] = useState<GetWorkingStatusResponse>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    const read = () =>
      directory
        .getWorkingStatus({ courtId })
        .then((s) => {
          setStatus(s);
          setError(undefined);
        })
        .catch((err: unknown) => setError(messageOf(err)));
    void read();
    const t = setInterval(() => void read(), 60_000);
    return () => clearInterval(t);
  }, [courtId]);
  const next = status?.nextOpening ? dayjs(timestampDate(status.nextOpening)).locale("zh-cn").format("YYYY-MM-DD（ddd）HH:mm") : "—";
  return (
    <Card title="法院工作时间提示">
      {error && <Alert type="error" showIcon title="无法读取工作状态" description={error} />}
      {!status && !error && <Spin />}
      {status && (
        <Alert
          type={status.open ? "success" : "warning"}
          showIcon
          title={status.open ? "该法院当前处于工作时间" : "该法院当前为非工作时间"}
          description={
            <>
              <div>今天{status.workingDay ? "是工作日" : "是休息日"}。</div>
              {!status.open && <div>下次工作时间开始于：{next}</div>}
              {status.provisional && <div>该日期所在年度的法定节假日安排尚未公布，以上结果为暂定。</div>}
            </>
          }
        />
      )}
    </Card>
  );
}

/** 跨域立案法官通讯录. */
function Contacts({ courtId }: { courtId: string }) {
  const [contacts, setContacts] = useState<Contact[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    directory
      .listContacts({ courtId })
      .then((res) => setContacts(res.contacts))
      .catch((err: unknown) => {
        setError(messageOf(err));
        setContacts([]);
      });
  }, [courtId]);
  return (
    <Card title="跨域立案法官通讯录">
      {error && <Alert type="error" showIcon title="无法读取通讯录" description={error} style={{ marginBottom: 16 }} />}
      <Table<Contact>
        rowKey={(c) => `${c.name}-${c.phone}`}
        loading={!contacts}
        dataSource={contacts}
        pagination={false}
        size="small"
        locale={{ emptyText: <EmptyText>暂无联系人</EmptyText> }}
        columns={[
          { title: "姓名", key: "name", render: (_, c) => c.name },
          { title: "职务", key: "role", render: (_, c) => c.role || "—" },
          { title: "电话", key: "phone", render: (_, c) => (c.phone ? <a href={`tel:${c.phone}`}>{c.phone}</a> : "—") },
          { title: "备注", key: "sample", render: (_, c) => (c.sample ? <Tag>示例数据</Tag> : "—") },
        ]}
      />
    </Card>
  );
}
