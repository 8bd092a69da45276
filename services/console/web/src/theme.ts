import type { ThemeConfig } from "antd";

/**
 * The console's colours: Ant Design's, with WCAG AA contrast (4.5:1) where its defaults fall short —
 * the primary blue (links, primary buttons, the selected menu item, active tabs), the error red,
 * descriptions and placeholders.
 */
export const THEME: ThemeConfig = {
  token: {
    colorPrimary: "#0958d9",
    colorLink: "#0958d9",
    // Darker, not lighter, under the pointer: a hovered button or link keeps its contrast.
    colorPrimaryHover: "#003eb3",
    colorLinkHover: "#003eb3",
    colorError: "#cf1322",
    colorTextDescription: "rgba(0,0,0,0.65)",
    colorTextTertiary: "rgba(0,0,0,0.65)",
    colorTextPlaceholder: "rgba(0,0,0,0.55)",
  },
};
