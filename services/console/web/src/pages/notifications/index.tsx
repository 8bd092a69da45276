import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Notification } from "@gen/kuayu/notification/v1/notification_pb";
import { Alert, App, Button, Card, Segmented, Space, Table, Tag } from "antd";
import { useCallback, useEffect, useState } from "react";
import { Link } from "react-router";
import { notification } from "../../api/client";
import { messageOf } from "../../api/errors";
import { linkOf } from "./links";
import { notificationsChanged, useStream } from "./stream";
import { Accessible, EmptyText, PageTitle, Wide } from "./a11y";

const PAGE = 50;
const time = (n: Notification) => (n.createdAt ? timestampDate(n.createdAt).toLocaleString("zh-CN", { hour12: false }) : "");

/** The court's in-app notifications for the user's role, newest first, with 标为已读. */
export default function NotificationsPage() {
  return (
    <Accessible>
      <Notifications />
    </Accessible>
  );
}

function Notifications() {
  const { message } = App.useApp();
  const [filter, setFilter] = useState<"all" | "unread">("all");
  const [items, setItems] = useState<Notification[]>();
  const [next, setNext] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    async (pageToken = "") => {
      try {
        const res = await notification.listNotifications({ unreadOnly: filter === "unread", pageSize: PAGE, pageToken });
        setItems((cur) => (pageToken ? [...(cur ?? []), ...res.notifications] : res.notifications));
        setNext(res.nextPageToken);
        setError(undefined);
      } catch (err) {
        setError(messageOf(err));
        setItems((cur) => cur ?? []);
      }
    },
    [filter],
  );
  useEffect(() => {
    setItems(undefined);
    void load();
  }, [load]);
  useStream(
    (signal) => notification.watchNotifications({}, { signal }),
    ({ notification: n }) => n && setItems((cur) => [n, ...(cur ?? []).filter((x) => x.notificationId !== n.notificationId)]),
    () => void load(),
  );

  const markRead = async (ids: string[]) => {
    if (ids.length === 0) return;
    setBusy(true);
    try {
      await notification.markRead({ notificationIds: ids.slice(0, 500) });
      const done = new Set(ids);
      setItems((cur) => (filter === "unread" ? cur?.filter((n) => !done.has(n.notificationId)) : cur?.map((n) => (done.has(n.notificationId) ? { ...n, read: true } : n))));
      notificationsChanged.dispatchEvent(new Event("change"));
    } catch (err) {
      void message.error(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const unreadIds = (items ?? []).filter((n) => !n.read).map((n) => n.notificationId);

  return (
    <Card
      title={<PageTitle>消息提醒</PageTitle>}
      extra={
        <Button onClick={() => void markRead(unreadIds)} disabled={unreadIds.length === 0} loading={busy}>
          全部标为已读
        </Button>
      }
    >
      <Space style={{ marginBottom: 16 }}>
        <Segmented
          aria-label="显示范围"
          value={filter}
          onChange={(v) => setFilter(v as "all" | "unread")}
          options={[
            { value: "all", label: "全部" },
            { value: "unread", label: "未读" },
          ]}
        />
      </Space>
      {error && <Alert type="error" showIcon title="无法读取消息" description={error} style={{ marginBottom: 16 }} />}
      <Wide label="消息列表" minWidth={700}>
        <Table<Notification>
          rowKey="notificationId"
          loading={!items}
          dataSource={items}
          pagination={false}
          size="small"
          locale={{ emptyText: <EmptyText>暂无消息</EmptyText> }}
          columns={[
            { title: "时间", key: "time", width: 170, render: (_, n) => time(n) },
            {
              title: "消息",
              key: "title",
              render: (_, n) => {
                const to = linkOf(n);
                return (
                  <>
                    <div style={{ fontWeight: n.read ? 400 : 600 }}>{to ? <Link to={to}>{n.title}</Link> : n.title}</div>
                    <div style={{ whiteSpace: "pre-wrap" }}>{n.body.split(/\n\s*\n/)[0]}</div>
                  </>
                );
              },
            },
            { title: "状态", key: "read", width: 80, render: (_, n) => (n.read ? <Tag>已读</Tag> : <Tag color="#a8071a">未读</Tag>) },
            {
              title: "操作",
              key: "mark",
              width: 110,
              render: (_, n) =>
                n.read ? null : (
                  <Button size="small" disabled={busy} onClick={() => void markRead([n.notificationId])}>
                    标为已读
                  </Button>
                ),
            },
          ]}
        />
      </Wide>
      {next && (
        <Button style={{ marginTop: 16 }} onClick={() => void load(next)}>
          加载更多
        </Button>
      )}
    </Card>
  );
}
