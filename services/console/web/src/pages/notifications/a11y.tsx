import { ConfigProvider, Typography, type ThemeConfig } from "antd";
import type { ReactNode } from "react";

/**
 * Colours with WCAG AA contrast (4.5:1) where Ant Design's defaults fall short: the primary blue
 * (links, primary buttons, active tabs), the error red, descriptions and placeholders.
 */
const CONTRAST_THEME: ThemeConfig = {
  token: {
    colorPrimary: "#0958d9",
    colorLink: "#0958d9",
    colorError: "#cf1322",
    colorTextDescription: "rgba(0,0,0,0.65)",
    colorTextTertiary: "rgba(0,0,0,0.65)",
    colorTextPlaceholder: "rgba(0,0,0,0.55)",
  },
};

/**
 * Wraps this area's pages until the whole console carries it: the contrast theme, and button texts
 * exactly as written (no space put between two Chinese characters, so "受理" is named "受理").
 */
export function Accessible({ children }: { children: ReactNode }) {
  return (
    <ConfigProvider theme={CONTRAST_THEME} button={{ autoInsertSpace: false }}>
      {children}
    </ConfigProvider>
  );
}

/** A wide table's scrolling box: focusable and named, so keyboard users can scroll it too. */
export function Wide({ label, minWidth, children }: { label: string; minWidth: number; children: ReactNode }) {
  return (
    <div role="region" aria-label={label} tabIndex={0} style={{ overflowX: "auto" }}>
      <div style={{ minWidth }}>{children}</div>
    </div>
  );
}

/** The page's level-1 heading, sized as a card title. */
export function PageTitle({ children }: { children: ReactNode }) {
  return (
    <Typography.Title level={1} style={{ margin: 0, fontSize: 18, display: "inline" }}>
      {children}
    </Typography.Title>
  );
}

/** An empty table's text, dark enough to read (the default grey is too faint). */
export function EmptyText({ children }: { children: ReactNode }) {
  return <span style={{ color: "rgba(0,0,0,0.65)" }}>{children}</span>;
}
