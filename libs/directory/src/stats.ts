import { COURT_KINDS, COURT_LEVELS, type CourtKind, type CourtLevel } from "@kuayu/domain";
import { COURT_SOURCES, type CourtSource, type Directory } from "./types.js";

export interface DirectoryStats {
  readonly total: number;
  /** Every kind, level and source appears, with 0 where there are none. */
  readonly byKind: Readonly<Record<CourtKind, number>>;
  readonly byLevel: Readonly<Record<CourtLevel, number>>;
  readonly bySource: Readonly<Record<CourtSource, number>>;
  /** Only provinces that have courts. */
  readonly byProvince: Readonly<Record<string, number>>;
}

/** Counts per kind, level, source and province (the same shape as the data file's header.counts). */
export function directoryStats(dir: Pick<Directory, "courts">): DirectoryStats {
  const byKind = Object.fromEntries(COURT_KINDS.map((k) => [k, 0])) as Record<CourtKind, number>;
  const byLevel = Object.fromEntries(COURT_LEVELS.map((l) => [l, 0])) as Record<CourtLevel, number>;
  const bySource = Object.fromEntries(COURT_SOURCES.map((s) => [s, 0])) as Record<CourtSource, number>;
  const byProvince: Record<string, number> = {};
  for (const p of [...new Set(dir.courts.map((c) => c.province))].sort()) byProvince[p] = 0;
  for (const c of dir.courts) {
    byKind[c.kind]++;
    byLevel[c.level]++;
    bySource[c.source]++;
    byProvince[c.province]! += 1;
  }
  return { total: dir.courts.length, byKind, byLevel, bySource, byProvince };
}
