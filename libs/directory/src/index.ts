export * from "./types.js";
export { PROVINCES, NATIONAL } from "./provinces.js";
export { validateDirectory, formatProblem, COURT_FIELDS, type ValidateOptions } from "./validate.js";
export { loadDirectory, buildDirectory, courtWorkingHours, DirectoryError, DEFAULT_DATA_FILE, DEFAULT_HEADER, type LoadOptions } from "./directory.js";
export { parseImport, exportDirectory, CSV_COLUMNS } from "./io.js";
export { directoryStats, type DirectoryStats } from "./stats.js";
export { parseCsv, formatCsv, CsvSyntaxError, type CsvRecord } from "./csv.js";
export { resolveJurisdiction, JURISDICTION_RULES, IP_KINDS, type JurisdictionQuery, type JurisdictionCandidate, type JurisdictionRule, type IpKind } from "./jurisdiction.js";
export { loadCentroids, DEFAULT_CENTROIDS_FILE, type Centroids, type LngLat } from "./centroids.js";
