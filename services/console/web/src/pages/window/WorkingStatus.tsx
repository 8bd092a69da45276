import type { GetWorkingStatusResponse } from "@gen/kuayu/directory/v1/directory_pb";
import { Space, Spin, Tag, Typography } from "antd";
import { useEffect, useState } from "react";
import { directory } from "../../api/client";
import { formatTime } from "./common";
import { TAG_COLORS } from "./labels";

/** Is the court open now, or when does it open next (GetWorkingStatus). */
export function WorkingStatus({ courtId }: { courtId: string }) {
  const [status, setStatus] = useState<GetWorkingStatusResponse>();
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let cancelled = false;
    setStatus(undefined);
    setFailed(false);
    directory
      .getWorkingStatus({ courtId })
      .then((s) => !cancelled && setStatus(s))
      .catch(() => !cancelled && setFailed(true));
    return () => {
      cancelled = true;
    };
  }, [courtId]);
  if (failed) return <Tag>办公状态未知</Tag>;
  if (!status) return <Spin size="small" />;
  return (
    <Space wrap>
      {status.open ? <Tag color={TAG_COLORS.green}>正在办公</Tag> : <Tag color={TAG_COLORS.orange}>非办公时间</Tag>}
      {!status.open && <span>下次办公：{formatTime(status.nextOpening)}</span>}
      {status.provisional && <Typography.Text type="secondary">（当年节假日安排未载入，仅供参考）</Typography.Text>}
    </Space>
  );
}
