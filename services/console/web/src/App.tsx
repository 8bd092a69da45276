import { App as AntApp, ConfigProvider, Spin } from "antd";
import zhCN from "antd/locale/zh_CN";
import { lazy, Suspense } from "react";
import { BrowserRouter, Navigate, Route, Routes } from "react-router";
import { Shell } from "./Shell";
import { Session, useMe } from "./session";
import { THEME } from "./theme";

// One chunk per area: the supervision pages (and the chart library) load only when opened.
const WindowRoutes = lazy(() => import("./pages/window"));
const InboxRoutes = lazy(() => import("./pages/inbox"));
const DirectoryRoutes = lazy(() => import("./pages/directory"));
const SupervisionRoutes = lazy(() => import("./pages/supervision"));
const NotificationsPage = lazy(() => import("./pages/notifications"));
// Public pages: no sign-in, no console frame.
const VerifyPage = lazy(() => import("./pages/public/Verify"));
const PartyPage = lazy(() => import("./pages/public/Party"));

/** Where a user lands: the work of their role. */
function Home() {
  const { roles } = useMe();
  if (roles.includes("window-clerk")) return <Navigate to="/window/filings" replace />;
  if (roles.includes("filing-specialist")) return <Navigate to="/inbox" replace />;
  if (roles.includes("supervisor")) return <Navigate to="/supervision" replace />;
  return <Navigate to="/directory" replace />;
}

/** The signed-in console: every page but the public ones. */
function Console() {
  return (
    <Session>
      <Shell>
        <Suspense fallback={<Spin style={{ display: "block", margin: 48 }} />}>
          <Routes>
            <Route path="/" element={<Home />} />
            <Route path="/window/*" element={<WindowRoutes />} />
            <Route path="/inbox/*" element={<InboxRoutes />} />
            <Route path="/directory/*" element={<DirectoryRoutes />} />
            <Route path="/supervision/*" element={<SupervisionRoutes />} />
            <Route path="/notifications" element={<NotificationsPage />} />
            <Route path="*" element={<Navigate to="/" replace />} />
          </Routes>
        </Suspense>
      </Shell>
    </Session>
  );
}

export function App() {
  return (
    // Button texts exactly as written: no space put between two Chinese characters ("受理", not "受 理").
    <ConfigProvider locale={zhCN} theme={THEME} button={{ autoInsertSpace: false }}>
      <AntApp>
        <BrowserRouter>
          <Routes>
            <Route
              path="/verify/:code?"
              element={
                <Suspense fallback={<Spin fullscreen />}>
                  <VerifyPage />
                </Suspense>
              }
            />
            <Route
              path="/party"
              element={
                <Suspense fallback={<Spin fullscreen />}>
                  <PartyPage />
                </Suspense>
              }
            />
            <Route path="*" element={<Console />} />
          </Routes>
        </BrowserRouter>
      </AntApp>
    </ConfigProvider>
  );
}
