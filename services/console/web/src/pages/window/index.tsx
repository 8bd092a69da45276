import { ConfigProvider, Spin } from "antd";
import { lazy, Suspense } from "react";
import { Navigate, Route, Routes } from "react-router";

// The window's pages load one at a time: the list (where a clerk lands) does not carry the wizard.
const FilingList = lazy(() => import("./FilingList"));
const FilingDetail = lazy(() => import("./FilingDetail"));
const NewFiling = lazy(() => import("./NewFiling"));

// antd's default blue (#1677ff) under white text is 4.1:1 and its description grey (45% black) 3.4:1,
// and its error red 3.2:1, below WCAG AA's 4.5:1 for normal text: darker ones keep them readable.
const THEME = {
  token: {
    colorPrimary: "#0958d9",
    colorPrimaryHover: "#003eb3",
    colorLink: "#0958d9",
    colorLinkHover: "#003eb3",
    colorTextDescription: "rgba(0, 0, 0, 0.65)",
    colorTextTertiary: "rgba(0, 0, 0, 0.65)",
    colorError: "#cf1322",
  },
};

/** The collaborating court's window (协作法院窗口): /window/new, /window/filings, /window/filings/:filingId. */
export default function WindowRoutes() {
  return (
    // Two-character button texts stay as written (搜索, not 搜 索): tests and screen readers find them by their text.
    <ConfigProvider theme={THEME} button={{ autoInsertSpace: false }}>
      <Suspense fallback={<Spin style={{ display: "block", margin: 48 }} />}>
        <Routes>
          <Route path="new" element={<NewFiling />} />
          <Route path="filings" element={<FilingList />} />
          <Route path="filings/:filingId" element={<FilingDetail />} />
          <Route path="*" element={<Navigate to="/window/filings" replace />} />
        </Routes>
      </Suspense>
    </ConfigProvider>
  );
}
