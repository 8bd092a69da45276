// The runner's pure parts, for tests and for tools that want k6's semantics.
export { parseArgs, USAGE, UsageError } from "./cli.js";
export { formatDuration, parseDuration } from "./duration.js";
export { DEFAULT_TREND_STATS, Metric, Registry, metricValues, percentile, trendStat } from "./metrics.js";
export { EXECUTORS, deriveScenarios, scenarioOf, type CliOverrides, type Scenario } from "./options.js";
export { durationFromJson, durationToJson, timestampFromJson, timestampToJson } from "./protojson.js";
export { buildSummary, legacyExport, textSummary } from "./summary.js";
export { ConfigError, compare, evaluateThresholds, parseExpression, parseMetricKey, parseThresholds, type Threshold, type ThresholdResult } from "./thresholds.js";
