/** k6 durations: "1h2m3.5s", "500ms", "250us", "0", or a number of milliseconds. */
const UNITS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000_001 };

export function parseDuration(v: unknown, what = "duration"): number {
  if (typeof v === "number" && Number.isFinite(v) && v >= 0) return v;
  if (typeof v === "string") {
    const s = v.trim();
    if (s === "0") return 0;
    const parts = [...s.matchAll(/(\d+(?:\.\d+)?)(d|h|ms|m|s|us|µs|ns)/g)];
    if (parts.length > 0 && parts.map((p) => p[0]).join("") === s) return parts.reduce((ms, p) => ms + Number(p[1]) * UNITS[p[2]!]!, 0);
  }
  throw new Error(`${what}: "${String(v)}" is not a duration (e.g. 500ms, 10s, 1m30s)`);
}

/** As k6 prints durations: 812µs, 12.34ms, 1.2s, 1m3s. */
export function formatDuration(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toFixed(2)}µs`;
  if (ms < 1000) return `${ms.toFixed(2)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${((ms - m * 60_000) / 1000).toFixed(1)}s`;
}
