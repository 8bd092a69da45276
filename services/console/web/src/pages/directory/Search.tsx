import type { Court } from "@gen/kuayu/directory/v1/directory_pb";
import { Alert, Button, Card, Form, Input, Select, Space, Table, Tag } from "antd";
import { useCallback, useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { directory } from "../../api/client";
import { messageOf } from "../../api/errors";
import { EmptyText, PageTitle, Wide } from "../notifications/a11y";
import { KIND_NAMES, LEVEL_NAMES, provinceName, PROVINCE_OPTIONS, ROLE_NAMES } from "./labels";

interface Query {
  name?: string;
  code?: string;
  province?: string;
}

const PAGE = 50;

/** 法院名录: search by name, court code (法院代字) or province; the query is kept in the address. */
export function CourtSearch() {
  const [params, setParams] = useSearchParams();
  const query: Query = { name: params.get("name") ?? "", code: params.get("code") ?? "", province: params.get("province") ?? undefined };
  const key = params.toString();
  const [form] = Form.useForm<Query>();
  const [courts, setCourts] = useState<Court[]>();
  const [total, setTotal] = useState(0);
  const [next, setNext] = useState("");
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string>();

  const search = useCallback(async (q: Query, pageToken: string) => {
    setLoading(true);
    try {
      const res = await directory.searchCourts({ name: q.name?.trim() ?? "", code: q.code?.trim() ?? "", province: q.province ?? "", pageSize: PAGE, pageToken });
      setCourts((c) => (pageToken ? [...(c ?? []), ...res.courts] : res.courts));
      setTotal(res.totalSize);
      setNext(res.nextPageToken);
      setError(undefined);
    } catch (err) {
      setError(messageOf(err));
      setCourts((c) => c ?? []);
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    const q = Object.fromEntries(new URLSearchParams(key)) as Query;
    form.setFieldsValue({ name: q.name ?? "", code: q.code ?? "", province: q.province });
    void search(q, "");
  }, [key, form, search]);

  const submit = (v: Query) => {
    const p = new URLSearchParams();
    if (v.name?.trim()) p.set("name", v.name.trim());
    if (v.code?.trim()) p.set("code", v.code.trim());
    if (v.province) p.set("province", v.province);
    if (p.toString() === key) void search(v, "");
    else setParams(p);
  };

  return (
    <Card title={<PageTitle>法院名录</PageTitle>}>
      <Form form={form} layout="inline" onFinish={submit} initialValues={query} style={{ rowGap: 12, marginBottom: 16 }}>
        <Form.Item name="name" label="法院名称">
          <Input allowClear placeholder="名称中的文字" style={{ width: 200 }} />
        </Form.Item>
        <Form.Item name="code" label="法院代字">
          <Input allowClear placeholder="例如 粤07" style={{ width: 140 }} />
        </Form.Item>
        <Form.Item name="province" label="省份">
          <Select allowClear showSearch={{ optionFilterProp: "label" }} placeholder="全部省份" options={PROVINCE_OPTIONS} style={{ width: 180 }} />
        </Form.Item>
        <Form.Item>
          <Space>
            <Button type="primary" htmlType="submit">
              查询
            </Button>
            <Button onClick={() => setParams(new URLSearchParams())}>重置</Button>
          </Space>
        </Form.Item>
      </Form>
      {error && <Alert type="error" showIcon title="查询失败" description={error} style={{ marginBottom: 16 }} />}
      <Wide label="法院查询结果" minWidth={800}>
        <Table<Court>
          rowKey="courtId"
          loading={loading && !courts}
          dataSource={courts}
          pagination={false}
          size="small"
          locale={{ emptyText: <EmptyText>没有符合条件的法院</EmptyText> }}
          title={() => (courts ? `共 ${total} 个法院` : "")}
          columns={[
            { title: "法院名称", key: "name", render: (_, c) => <Link to={`/directory/${encodeURIComponent(c.courtId)}`}>{c.name}</Link> },
            { title: "法院代字", key: "code", render: (_, c) => c.code || "—" },
            { title: "层级", key: "level", render: (_, c) => LEVEL_NAMES[c.level] },
            { title: "类别", key: "kind", render: (_, c) => KIND_NAMES[c.kind] },
            { title: "省份", key: "province", render: (_, c) => provinceName(c.province) },
            {
              title: "跨域立案角色",
              key: "roles",
              render: (_, c) => (c.roles.length === 0 ? "—" : c.roles.map((r) => <Tag key={r}>{ROLE_NAMES[r]}</Tag>)),
            },
          ]}
        />
      </Wide>
      {next && (
        <Button style={{ marginTop: 16 }} loading={loading} onClick={() => void search(Object.fromEntries(new URLSearchParams(key)) as Query, next)}>
          加载更多
        </Button>
      )}
    </Card>
  );
}
