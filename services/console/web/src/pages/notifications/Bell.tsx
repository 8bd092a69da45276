import { BellOutlined } from "@ant-design/icons";
import { Link } from "react-router";

// Placeholder: the bell with the court's live in-app notifications.
export function Bell() {
  return (
    <Link to="/notifications" aria-label="消息提醒" style={{ color: "#fff" }}>
      <BellOutlined />
    </Link>
  );
}
