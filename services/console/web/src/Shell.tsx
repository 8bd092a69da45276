import { Button, Layout, Menu, Space, Typography } from "antd";
import type { ReactNode } from "react";
import { Link, useLocation } from "react-router";
import { LOGOUT_URL } from "./api/http";
import { Bell } from "./pages/notifications/Bell";
import { useMe } from "./session";

const ROLE_NAMES: Record<string, string> = {
  "window-clerk": "协作法院窗口",
  "filing-specialist": "跨域立案专员",
  supervisor: "监督管理",
  operator: "运维",
};

/** The menu a user sees: only the areas their role works in (the services refuse the rest anyway). */
function menuItems(roles: string[]) {
  const items: { key: string; label: ReactNode }[] = [];
  if (roles.includes("window-clerk")) {
    items.push({ key: "/window/new", label: <Link to="/window/new">新建跨域立案</Link> });
    items.push({ key: "/window/filings", label: <Link to="/window/filings">本院申请</Link> });
  }
  if (roles.includes("filing-specialist")) items.push({ key: "/inbox", label: <Link to="/inbox">待处理（管辖法院）</Link> });
  if (roles.includes("supervisor")) items.push({ key: "/supervision", label: <Link to="/supervision">监督管理</Link> });
  items.push({ key: "/directory", label: <Link to="/directory">法院名录与通讯录</Link> });
  return items;
}

export function Shell({ children }: { children: ReactNode }) {
  const me = useMe();
  const { pathname } = useLocation();
  const items = menuItems(me.roles);
  const selected = items.map((i) => i.key).filter((k) => pathname.startsWith(k));
  return (
    <Layout style={{ minHeight: "100vh" }}>
      {/* On a narrow screen (a tablet) the header wraps: the menu keeps every entry, the user moves to a second row. */}
      <Layout.Header style={{ display: "flex", alignItems: "center", flexWrap: "wrap", columnGap: 16, height: "auto", minHeight: 64, lineHeight: "64px", paddingInline: 16 }}>
        <Typography.Text strong style={{ color: "#fff", whiteSpace: "nowrap" }}>
          跨域立案服务
        </Typography.Text>
        <Menu theme="dark" mode="horizontal" selectedKeys={selected} items={items} disabledOverflow style={{ flex: "1 1 auto", minWidth: 0 }} />
        <Space size="middle" style={{ color: "#fff", whiteSpace: "nowrap", marginInlineStart: "auto" }}>
          <Bell />
          <span>
            {me.courtName} · {me.roles.map((r) => ROLE_NAMES[r] ?? r).join("、")} · {me.name}
          </span>
          <Button size="small" href={LOGOUT_URL}>
            退出
          </Button>
        </Space>
      </Layout.Header>
      <Layout.Content style={{ padding: 16 }}>{children}</Layout.Content>
    </Layout>
  );
}
