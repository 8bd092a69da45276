import { Result } from "antd";

// Placeholder until this area's pages land.
export default function Routes() {
  return <Result status="info" title="建设中" />;
}
