// Every kuayu_* metric that the chart's alert rules and Grafana dashboard query is one the services
// register (meter().createCounter("kuayu_…") and the like, in libs/*/src and services/*/src), under
// the name Prometheus shows — so renaming a metric in the code, or mistyping it in a rule, fails
// here instead of leaving an alert that never fires. Every expression is valid PromQL, and every
// registered metric is documented in docs/operations.md.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../../..");
const read = (p: string) => readFileSync(path.join(ROOT, p), "utf8");

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (name === "node_modules" || name === "dist" || name === "gen") continue;
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (p.endsWith(".ts")) out.push(p);
  }
  return out;
}

/** Registered instruments: name → kind (Counter, ObservableGauge, Histogram, …). */
function registered(): Map<string, string> {
  const found = new Map<string, string>();
  const files = ["libs", "services"].flatMap((top) =>
    readdirSync(path.join(ROOT, top))
      .map((pkg) => path.join(ROOT, top, pkg, "src"))
      .filter((src) => statSync(src, { throwIfNoEntry: false })?.isDirectory())
      .flatMap(sources),
  );
  for (const f of files) {
    for (const m of readFileSync(f, "utf8").matchAll(/\.create(Counter|UpDownCounter|Histogram|Gauge|ObservableGauge|ObservableCounter|ObservableUpDownCounter)\(\s*["'`](kuayu_[a-z0-9_]+)["'`]/g)) {
      found.set(m[2]!, m[1]!);
    }
  }
  return found;
}

/** The series names Prometheus shows for an instrument (histograms: _bucket, _sum, _count). */
const seriesOf = (name: string, kind: string) => (kind === "Histogram" ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name]);
const namesIn = (text: string) => new Set([...text.matchAll(/\bkuayu_[a-z0-9_]+/g)].map((m) => m[0]));

const metrics = registered();
const series = new Set([...metrics].flatMap(([name, kind]) => seriesOf(name, kind)));

const rulesText = read("charts/kuayu/templates/prometheusrule.yaml");
const ruleExprs = [...rulesText.matchAll(/^\s*expr:\s*(.+)$/gm)].map((m) => m[1]!);
const dashboard = JSON.parse(read("charts/kuayu/dashboards/kuayu.json")) as { panels: { targets?: { expr: string }[] }[]; templating: { list: { query?: unknown }[] } };
const dashboardExprs = [
  ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
  ...dashboard.templating.list.map((v) => (typeof v.query === "object" && v.query ? String((v.query as { query?: string }).query ?? "") : String(v.query ?? ""))),
];

// Prometheus's PromQL grammar (the one its UI uses); an ES module, so imported when the tests start.
let parser: (typeof import("@prometheus-io/lezer-promql", { with: { "resolution-mode": "import" } }))["parser"];
beforeAll(async () => {
  ({ parser } = await import("@prometheus-io/lezer-promql"));
});

describe("metric names of the alert rules and the dashboard", () => {
  it("finds the services' metrics and the chart's queries (nothing to compare would prove nothing)", () => {
    expect([...metrics.keys()]).toEqual(
      expect.arrayContaining([
        "kuayu_calendar_official_until",
        "kuayu_consumer_transient_retries_total",
        "kuayu_consumer_dead_lettered_total",
        "kuayu_consumer_lag",
        "kuayu_outbox_parked_total",
        "kuayu_outbox_unpublished",
        "kuayu_outbox_oldest_unpublished_seconds",
        "kuayu_supervision_overdue_filings",
        "kuayu_supervision_responses_total",
        "kuayu_supervision_filings_arrived_total",
      ]),
    );
    expect(ruleExprs.length).toBeGreaterThanOrEqual(9);
    expect(dashboardExprs.filter((e) => e).length).toBeGreaterThanOrEqual(10);
  });

  it("queries only metrics the services register, in every alert rule", () => {
    for (const expr of ruleExprs) {
      const used = [...namesIn(expr)];
      expect({ expr, used: used.length > 0 }).toEqual({ expr, used: true });
      for (const name of used) expect({ expr, name, registered: series.has(name) }).toEqual({ expr, name, registered: true });
    }
  });

  it("queries only metrics the services register, in every dashboard panel", () => {
    for (const expr of dashboardExprs) {
      for (const name of namesIn(expr)) expect({ expr, name, registered: series.has(name) }).toEqual({ expr, name, registered: true });
    }
  });

  it("has only valid PromQL in the alert rules and the panels (Prometheus's own grammar)", () => {
    const invalid = (expr: string) => {
      let bad = false;
      parser.parse(expr).iterate({ enter: (n) => void (n.type.isError && (bad = true)) });
      return bad;
    };
    expect(invalid("sum(rate(kuayu_consumer_lag[5m]) >")).toBe(true); // the check itself catches a broken one
    for (const expr of [...ruleExprs, ...dashboardExprs.filter((e) => e && !e.startsWith("label_values("))]) expect({ expr, invalid: invalid(expr) }).toEqual({ expr, invalid: false });
  });

  it("names counters *_total, as Prometheus shows them (the exporter would otherwise add the suffix)", () => {
    for (const [name, kind] of metrics) {
      if (kind === "Counter" || kind === "ObservableCounter") expect(name).toMatch(/_total$/);
    }
  });

  it("documents every metric the services register in docs/operations.md", () => {
    const doc = read("docs/operations.md");
    for (const name of metrics.keys()) expect({ name, documented: doc.includes(`\`${name}\``) }).toEqual({ name, documented: true });
  });
});
