import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Tag, Typography } from "antd";
import { useEffect, useState } from "react";
import type { InboxFiling } from "@gen/kuayu/decision/v1/decision_pb";
import { COLORS } from "./labels";

/** The current time, once a second. */
export function useNow(ms = 1000) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

const two = (n: number) => String(n).padStart(2, "0");
function span(millis: number) {
  const s = Math.floor(Math.abs(millis) / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const mmss = `${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
  if (d > 0) return `${d}天 ${two(h)}:${mmss}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

/** Time left until a deadline (red once it has passed). */
export function Remaining({ due, now }: { due: Timestamp | undefined; now: number }) {
  if (!due) return <span>—</span>;
  const left = timestampDate(due).getTime() - now;
  return left >= 0 ? (
    <Typography.Text style={{ whiteSpace: "nowrap" }}>剩余 {span(left)}</Typography.Text>
  ) : (
    <Typography.Text strong style={{ color: COLORS.bad, whiteSpace: "nowrap" }}>
      已超时 {span(left)}
    </Typography.Text>
  );
}

/** The response (响应) of a filing: "已响应" once given, else the countdown of its 30 working minutes. */
export function ResponseClock({ f, now }: { f: InboxFiling; now: number }) {
  if (f.acknowledgedAt) return <Tag color={COLORS.ok}>已响应</Tag>;
  if (!f.responseDue || f.decidedAt) return <span>—</span>;
  return <Remaining due={f.responseDue} now={now} />;
}
