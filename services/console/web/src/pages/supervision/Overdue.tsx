import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { OverdueFiling } from "@gen/kuayu/supervision/v1/supervision_pb";
import { Button, Flex, Select, Table, Typography } from "antd";
import { useState } from "react";
import { supervision } from "../../api/client";
import { ErrorResult, OVERDUE_FOR_NAMES, PROVINCES, UNIT_NAMES, caseTypeName, chinaTime, download, nationalScope, provinceName, provinceScope, toCsv, useArea, useAsync, Wide } from "./common";
import { courtNames } from "./data";

interface Row {
  f: OverdueFiling;
  jurisdiction: string;
  collaborating: string;
}

const late = (f: OverdueFiling) => `${f.lateBy} ${UNIT_NAMES[f.lateUnit] ?? f.lateUnit}`;

/** Filings overdue now: no response after 30 working minutes, or no decision in time. */
export default function Overdue() {
  const area = useArea();
  const [region, setRegion] = useState(area.national ? "" : area.province);
  const rows = useAsync(
    async (signal): Promise<Row[]> => {
      const { filings } = await supervision.listOverdue({ scope: region ? provinceScope(region) : nationalScope(), includeDrill: area.filters.includeDrill }, { signal });
      const names = await courtNames(
        filings.flatMap((f) => [f.jurisdictionCourtId, f.collaboratingCourtId]),
        signal,
      );
      const name = (id: string) => names.get(id) ?? id;
      return filings.map((f) => ({ f, jurisdiction: name(f.jurisdictionCourtId), collaborating: name(f.collaboratingCourtId) }));
    },
    [region, area.filters.tick, area.filters.includeDrill],
  );
  const exportCsv = () =>
    download(
      `超期案件-${region ? provinceName(region) : "全国"}.csv`,
      toCsv(
        ["案件编号", "管辖法院", "协作法院", "案件类型", "超期事项", "期限", "超时"],
        (rows.data ?? []).map((r) => [
          r.f.filingId,
          r.jurisdiction,
          r.collaborating,
          caseTypeName(r.f.caseType),
          OVERDUE_FOR_NAMES[r.f.overdueFor] ?? r.f.overdueFor,
          chinaTime(r.f.due && timestampDate(r.f.due)),
          late(r.f),
        ]),
      ),
    );
  return (
    <Flex vertical gap="middle">
      <Flex wrap gap="small" align="center">
        <Typography.Title level={2} style={{ margin: 0, fontSize: 20 }}>
          当前超期案件{rows.data ? `（${rows.data.length} 件）` : ""}
        </Typography.Title>
        {area.national && (
          <>
            <label htmlFor="sup-overdue-region">地区</label>
            <Select
              id="sup-overdue-region"
              style={{ width: 200 }}
              value={region}
              onChange={setRegion}
              showSearch={{ optionFilterProp: "label" }}
              options={[{ value: "", label: "全国" }, ...Object.entries(PROVINCES).map(([value, label]) => ({ value, label }))]}
            />
          </>
        )}
        <Button onClick={exportCsv} disabled={!rows.data?.length}>
          导出CSV
        </Button>
      </Flex>
      {rows.error ? (
        <ErrorResult error={rows.error} />
      ) : (
        <Wide label="超期案件表">
          <Table<Row>
            size="small"
            loading={rows.loading}
            rowKey={(r) => `${r.f.filingId}:${r.f.overdueFor}`}
            dataSource={rows.data}
            pagination={{ pageSize: 20, showSizeChanger: false }}
            style={{ minWidth: 900 }}
            locale={{ emptyText: <Typography.Text type="secondary">当前没有超期案件</Typography.Text> }}
            columns={[
              { title: "案件编号", render: (_, r) => r.f.filingId },
              { title: "管辖法院", dataIndex: "jurisdiction" },
              { title: "协作法院", dataIndex: "collaborating" },
              { title: "案件类型", render: (_, r) => caseTypeName(r.f.caseType) },
              { title: "超期事项", render: (_, r) => OVERDUE_FOR_NAMES[r.f.overdueFor] ?? r.f.overdueFor },
              { title: "期限", render: (_, r) => chinaTime(r.f.due && timestampDate(r.f.due)) },
              { title: "超时", align: "right", render: (_, r) => late(r.f) },
            ]}
          />
        </Wide>
      )}
    </Flex>
  );
}
