import { timestampDate } from "@bufbuild/protobuf/wkt";
import { BellOutlined } from "@ant-design/icons";
import type { Notification } from "@gen/kuayu/notification/v1/notification_pb";
import { Badge, Button, Popover } from "antd";
import { useCallback, useEffect, useState } from "react";
import { Link, useNavigate } from "react-router";
import { notification } from "../../api/client";
import { linkOf } from "./links";
import { notificationsChanged, useStream } from "./stream";
import { Accessible } from "./a11y";

const LATEST = 8;
/** Unread notifications counted at most (more show as "99+"). */
const COUNTED = 100;

const time = (n: Notification) => (n.createdAt ? timestampDate(n.createdAt).toLocaleString("zh-CN", { hour12: false }) : "");

/** The header's bell: the unread count of the court's in-app notifications (live) and the latest ones. */
export function Bell() {
  const navigate = useNavigate();
  const [latest, setLatest] = useState<Notification[]>([]);
  const [unread, setUnread] = useState(0);
  const [open, setOpen] = useState(false);

  const reload = useCallback(() => {
    Promise.all([notification.listNotifications({ pageSize: LATEST }), notification.listNotifications({ unreadOnly: true, pageSize: COUNTED })])
      .then(([l, u]) => {
        setLatest(l.notifications);
        setUnread(u.nextPageToken ? COUNTED : u.notifications.length);
      })
      .catch(() => undefined); // the bell stays as it was; the stream retries
  }, []);
  useEffect(() => {
    reload();
    notificationsChanged.addEventListener("change", reload);
    return () => notificationsChanged.removeEventListener("change", reload);
  }, [reload]);
  useStream(
    (signal) => notification.watchNotifications({}, { signal }),
    ({ notification: n }) => {
      if (!n) return;
      setLatest((l) => [n, ...l.filter((x) => x.notificationId !== n.notificationId)].slice(0, LATEST));
      if (!n.read) setUnread((c) => c + 1);
    },
    reload,
  );

  const openOne = (n: Notification) => {
    setOpen(false);
    if (!n.read)
      notification
        .markRead({ notificationIds: [n.notificationId] })
        .then(() => notificationsChanged.dispatchEvent(new Event("change")))
        .catch(() => undefined);
    const to = linkOf(n);
    if (to) void navigate(to);
  };

  const content = (
    <div style={{ width: 320, maxWidth: "80vw" }}>
      {latest.length === 0 && <div style={{ padding: 8 }}>暂无消息</div>}
      <ul style={{ listStyle: "none", margin: 0, padding: 0 }}>
        {latest.map((n) => (
          <li key={n.notificationId} style={{ borderBottom: "1px solid #f0f0f0" }}>
            <Button type="text" block onClick={() => openOne(n)} style={{ height: "auto", textAlign: "left", whiteSpace: "normal", padding: "6px 8px" }}>
              <span style={{ display: "block", width: "100%" }}>
                <span style={{ fontWeight: n.read ? 400 : 600 }}>
                  {!n.read && "● "}
                  {n.title}
                </span>
                <span style={{ display: "block", fontSize: 12, color: "#595959" }}>{time(n)}</span>
              </span>
            </Button>
          </li>
        ))}
      </ul>
      <div style={{ textAlign: "right", paddingTop: 8 }}>
        <Link to="/notifications" onClick={() => setOpen(false)}>
          查看全部消息
        </Link>
      </div>
    </div>
  );

  return (
    <Accessible>
      {/* The count sits beside the button, not in it: while it changes, antd's badge shows a column
          of every digit, which would be the button's visible text and not its name (axe
          label-content-name-mismatch, seen when a notice arrived as the page was checked). */}
      <span style={{ position: "relative", display: "inline-block" }}>
        <Popover trigger="click" placement="bottomRight" title="消息提醒" content={content} open={open} onOpenChange={setOpen}>
          <Button
            type="text"
            aria-label={unread > 0 ? `消息提醒，${unread >= COUNTED ? "99+" : unread} 条未读` : "消息提醒"}
            icon={<BellOutlined style={{ color: "#fff", fontSize: 18 }} />}
            style={{ color: "#fff" }}
          />
        </Popover>
        <span aria-hidden="true" style={{ position: "absolute", top: 2, right: 2, pointerEvents: "none", lineHeight: 1 }}>
          <Badge count={unread} overflowCount={99} size="small" style={{ backgroundColor: "#a8071a", boxShadow: "none" }} />
        </span>
      </span>
    </Accessible>
  );
}
