import { Spin } from "antd";
import { lazy, Suspense } from "react";
import { Navigate, Route, Routes } from "react-router";

// The window's pages load one at a time: the list (where a clerk lands) does not carry the wizard.
const FilingList = lazy(() => import("./FilingList"));
const FilingDetail = lazy(() => import("./FilingDetail"));
const NewFiling = lazy(() => import("./NewFiling"));

/** The collaborating court's window (协作法院窗口): /window/new, /window/filings, /window/filings/:filingId. */
export default function WindowRoutes() {
  return (
    <Suspense fallback={<Spin style={{ display: "block", margin: 48 }} />}>
      <Routes>
        <Route path="new" element={<NewFiling />} />
        <Route path="filings" element={<FilingList />} />
        <Route path="filings/:filingId" element={<FilingDetail />} />
        <Route path="*" element={<Navigate to="/window/filings" replace />} />
      </Routes>
    </Suspense>
  );
}
