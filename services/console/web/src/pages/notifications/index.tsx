import { Result } from "antd";

// Placeholder until the notifications page lands.
export default function NotificationsPage() {
  return <Result status="info" title="建设中" />;
}
