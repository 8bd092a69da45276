import { createServer } from "node:net";
import { metrics } from "@opentelemetry/api";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { MeterProvider } from "@opentelemetry/sdk-metrics";

/** A /metrics endpoint as the services run it (@kuayu/telemetry/register), for one test file. */
export interface MetricsEndpoint {
  /** The value of one series (labels in any order), or undefined when it is not there. */
  scrape(name: string, labels?: Record<string, string>): Promise<number | undefined>;
  close(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
    s.on("error", reject);
  });

/**
 * A real OpenTelemetry MeterProvider with the Prometheus exporter on a free loopback port, set as the
 * global provider — start it before the code under test takes its instruments.
 */
export async function startMetricsEndpoint(): Promise<MetricsEndpoint> {
  const port = await freePort();
  const provider = new MeterProvider({ readers: [new PrometheusExporter({ host: "127.0.0.1", port })] });
  metrics.setGlobalMeterProvider(provider);
  return {
    async scrape(name, labels = {}) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      for (const line of text.split("\n")) {
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
        if (!m || m[1] !== name) continue;
        const got = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
        if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
      }
      return undefined;
    },
    async close() {
      await provider.shutdown();
      metrics.disable();
    },
  };
}
