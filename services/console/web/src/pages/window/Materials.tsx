import type { Filing, Material } from "@gen/kuayu/intake/v1/intake_pb";
import { DeleteOutlined, InboxOutlined } from "@ant-design/icons";
import { App, Alert, Button, Card, Flex, Popconfirm, Progress, Table, Tag, Typography, Upload, type UploadFile } from "antd";
import { useState } from "react";
import { intake } from "../../api/client";
import { messageOf } from "../../api/errors";
import { materialUrl } from "../../api/http";
import { ScrollX, formatSize, formatTime } from "./common";
import { materialKindName } from "./labels";
import { uploadMaterial } from "./upload";

/** One checklist item to upload for. */
export interface ChecklistEntry {
  id: string;
  name: string;
  /** "必需", "条件", or what the court asked for (corrections). */
  tag?: { text: string; color: string };
  hint?: string;
}

/** Materials as a table: kind, file, size, SHA-256, round, and a link that opens the file. */
export function MaterialTable({
  filing,
  materials,
  onRemove,
  showKind = true,
  label = "材料列表",
}: {
  filing: Filing;
  materials: Material[];
  onRemove?: (m: Material) => void;
  showKind?: boolean;
  label?: string;
}) {
  return (
    <ScrollX label={label}>
      <Table<Material>
        size="small"
        rowKey="materialId"
        pagination={false}
        dataSource={materials}
        style={{ minWidth: 760 }}
        locale={{ emptyText: <Typography.Text type="secondary">尚无材料</Typography.Text> }}
        columns={[
          ...(showKind ? [{ title: "材料类别", key: "kind", render: (_: unknown, m: Material) => materialKindName(m.kind, filing.details?.caseType) }] : []),
          {
            title: "文件",
            key: "file",
            render: (_, m) => (
              <a href={materialUrl("window", filing.filingId, m.materialId)} target="_blank" rel="noreferrer">
                {m.fileName}
              </a>
            ),
          },
          { title: "大小", key: "size", render: (_, m) => formatSize(m.sizeBytes) },
          {
            title: "SHA-256",
            key: "sha256",
            render: (_, m) => (
              <Typography.Text code copyable={{ text: m.sha256, tooltips: ["复制", "已复制"] }} style={{ wordBreak: "break-all", fontSize: 12 }}>
                {m.sha256}
              </Typography.Text>
            ),
          },
          { title: "轮次", key: "round", render: (_, m) => (m.round === 1 ? "首次提交" : `第${m.round - 1}次补正`) },
          { title: "上传时间", key: "at", render: (_, m) => formatTime(m.uploadedAt) },
          ...(onRemove
            ? [
                {
                  title: "操作",
                  key: "actions",
                  render: (_: unknown, m: Material) =>
                    m.round > filing.round ? (
                      <Popconfirm title="删除该材料？" okText="删除" cancelText="取消" onConfirm={() => onRemove(m)}>
                        <Button size="small" danger icon={<DeleteOutlined />} aria-label={`删除材料 ${m.fileName}`} />
                      </Popconfirm>
                    ) : (
                      <Typography.Text type="secondary">已提交</Typography.Text>
                    ),
                },
              ]
            : []),
        ]}
      />
    </ScrollX>
  );
}

/**
 * Upload boxes per checklist item: drag and drop (or click), the SHA-256 computed first, progress,
 * then the stored material with its SHA-256; materials not yet submitted can be removed.
 */
export function ChecklistUploads({
  filing,
  items,
  errors,
  onChange,
  showOthers = false,
}: {
  filing: Filing;
  items: ChecklistEntry[];
  /** Problems the service reported per checklist item id. */
  errors?: Record<string, string[]>;
  /** Applies an upload or a removal to the filing. */
  onChange: (update: (f: Filing) => Filing) => void;
  /** Also list the materials of kinds not among the items (e.g. after the case type changed), to remove them. */
  showOthers?: boolean;
}) {
  const { message } = App.useApp();
  const [lists, setLists] = useState<Record<string, UploadFile[]>>({});

  async function remove(m: Material) {
    try {
      const res = await intake.removeMaterial({ filingId: filing.filingId, materialId: m.materialId });
      const after = res.filing;
      if (after) onChange(() => after);
      void message.success("材料已删除");
    } catch (err) {
      void message.error(`删除失败：${messageOf(err)}`);
    }
  }

  const others = showOthers ? filing.materials.filter((m) => !items.some((i) => i.id === m.kind)) : [];
  return (
    <Flex vertical gap={12}>
      {others.length > 0 && (
        <Alert
          type="warning"
          showIcon
          title="以下材料不在本案件类型的材料清单中，提交前请删除"
          description={<MaterialTable filing={filing} materials={others} label="清单外的材料" onRemove={(m) => void remove(m)} />}
        />
      )}
      {items.map((item) => {
        const mine = filing.materials.filter((m) => m.kind === item.id);
        const problems = errors?.[item.id] ?? [];
        return (
          <section key={item.id} aria-label={item.name}>
            <Card
              size="small"
              title={item.name}
              extra={item.tag && <Tag color={item.tag.color}>{item.tag.text}</Tag>}
              styles={problems.length > 0 ? { body: { borderTop: "2px solid #ff4d4f" } } : undefined}
            >
              <Flex vertical gap={8}>
                {item.hint && <Typography.Text type="secondary">{item.hint}</Typography.Text>}
                {problems.map((p) => (
                  <Alert key={p} type="error" showIcon title={p} />
                ))}
                {mine.length > 0 && <MaterialTable filing={filing} materials={mine} showKind={false} label={`已上传的${item.name}`} onRemove={(m) => void remove(m)} />}
                <Upload.Dragger
                  multiple
                  accept=".pdf,.jpg,.jpeg,.png,.ofd,application/pdf,image/jpeg,image/png"
                  fileList={lists[item.id] ?? []}
                  // The file being sent, readable and with a named progress bar (Ant Design's own list has neither).
                  itemRender={(_, file) => (
                    <Flex gap={8} align="center" style={{ marginTop: 8 }}>
                      <Typography.Text type={file.status === "error" ? "danger" : undefined}>{file.name}</Typography.Text>
                      {file.status === "error" ? (
                        <Typography.Text type="danger">上传失败</Typography.Text>
                      ) : (
                        <Progress percent={Math.round(file.percent ?? 0)} size="small" style={{ width: 160, margin: 0 }} aria-label={`${file.name} 上传进度`} />
                      )}
                    </Flex>
                  )}
                  onChange={({ fileList }) => setLists((l) => ({ ...l, [item.id]: fileList.filter((f) => f.status !== "done") }))}
                  customRequest={({ file, onProgress, onSuccess, onError }) => {
                    uploadMaterial(filing.filingId, item.id, file as File, (percent) => onProgress?.({ percent }))
                      .then((m) => {
                        onSuccess?.(m);
                        // The filing's watch may have brought it already.
                        onChange((f) => (f.materials.some((x) => x.materialId === m.materialId) ? f : { ...f, materials: [...f.materials, m] }));
                        void message.success(`已上传 ${m.fileName}`);
                      })
                      .catch((err: unknown) => {
                        onError?.(err as Error);
                        void message.error(`上传失败：${messageOf(err)}`);
                      });
                  }}
                >
                  <p className="ant-upload-text" style={{ margin: 0 }}>
                    <InboxOutlined style={{ color: "#0958d9", marginInlineEnd: 8 }} />
                    点击或拖拽文件到此处，上传“{item.name}”
                  </p>
                  <p className="ant-upload-hint" style={{ margin: 0 }}>
                    PDF、JPEG、PNG 或 OFD 文件；上传前在本机计算 SHA-256 校验值
                  </p>
                </Upload.Dragger>
              </Flex>
            </Card>
          </section>
        );
      })}
    </Flex>
  );
}
