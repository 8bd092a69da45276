import { CourtLevel, CourtRole, type Court } from "@gen/kuayu/directory/v1/directory_pb";
import type { Indicators } from "@gen/kuayu/supervision/v1/supervision_pb";
import { directory, supervision } from "../../api/client";
import { PROVINCES, courtScope, daysOf, mapLimit, provinceScope, type Filters, type ScopeInit } from "./common";

// The reads the pages share: indicators of one scope, of every province, of a province's courts, per day.

export const indicatorsOf = async (scope: ScopeInit, f: Filters, signal?: AbortSignal, day?: string): Promise<Indicators | undefined> =>
  (await supervision.getIndicators({ scope, fromDate: day ?? f.from, toDate: day ?? f.to, caseType: f.caseType, includeDrill: f.includeDrill }, { signal })).indicators;

export interface ProvinceFigures {
  code: string;
  name: string;
  ind?: Indicators;
}

// The figures of many provinces or courts take dozens of calls: kept for a minute, so the overview and
// the rankings (and going back and forth between them) read them once.
const TTL_MS = 60_000;
const cache = new Map<string, { at: number; value: Promise<unknown> }>();
/** Forgets the kept figures (刷新数据). */
export const forgetFigures = () => cache.clear();
function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.value as Promise<T>;
  const value = load();
  cache.set(key, { at: Date.now(), value });
  value.catch(() => cache.delete(key));
  return value;
}
/** Resolves with `p`, or rejects when `signal` aborts (the shared load goes on for the next reader). */
const until = <T>(p: Promise<T>, signal: AbortSignal): Promise<T> =>
  new Promise((resolve, reject) => {
    signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true });
    p.then(resolve, reject);
  });

/** The indicators of every province (the SPC's supervisors only). */
export const provinceFigures = (f: Filters, signal: AbortSignal): Promise<ProvinceFigures[]> =>
  until(
    cached(`p:${f.from}:${f.to}:${f.caseType}:${f.includeDrill}`, () =>
      mapLimit(Object.keys(PROVINCES), 6, async (code) => ({ code, name: PROVINCES[code]!, ind: await indicatorsOf(provinceScope(code), f) })),
    ),
    signal,
  );

/** The jurisdiction courts of a province (high, intermediate and basic; tribunals decide nothing themselves). */
export async function jurisdictionCourts(province: string, signal?: AbortSignal): Promise<Court[]> {
  const levels = province === "00" ? [CourtLevel.SUPREME, CourtLevel.HIGH, CourtLevel.INTERMEDIATE, CourtLevel.BASIC] : [CourtLevel.HIGH, CourtLevel.INTERMEDIATE, CourtLevel.BASIC];
  const courts: Court[] = [];
  for (const level of levels) {
    let pageToken = "";
    do {
      const r = await directory.searchCourts({ province, level, pageSize: 500, pageToken }, { signal });
      courts.push(...r.courts.filter((c) => c.roles.includes(CourtRole.JURISDICTION)));
      pageToken = r.nextPageToken;
    } while (pageToken);
  }
  return courts;
}

export interface CourtFigures {
  court: Court;
  ind?: Indicators;
}

/** The indicators of each jurisdiction court of a province. */
export const courtFigures = (province: string, f: Filters, signal: AbortSignal): Promise<CourtFigures[]> =>
  until(
    cached(`c:${province}:${f.from}:${f.to}:${f.caseType}:${f.includeDrill}`, async () => {
      const courts = await jurisdictionCourts(province);
      return mapLimit(courts, 6, async (court) => ({ court, ind: await indicatorsOf(courtScope(court.courtId), f) }));
    }),
    signal,
  );

export interface DayFigures {
  day: string;
  ind?: Indicators;
}

/** The indicators of each day of the range (at most the last 92 days of it). */
export const dailyFigures = (scope: ScopeInit, f: Filters, signal: AbortSignal): Promise<DayFigures[]> =>
  mapLimit(daysOf(f.from, f.to).slice(-92), 4, async (day) => ({ day, ind: await indicatorsOf(scope, f, signal, day) }), signal);

/** Names of courts by id (the lists carry ids only); unknown ids keep the id. */
export async function courtNames(ids: string[], signal: AbortSignal): Promise<Map<string, string>> {
  const unique = [...new Set(ids.filter(Boolean))];
  const names = new Map<string, string>();
  for (let i = 0; i < unique.length; i += 500) {
    const r = await directory.batchGetCourts({ courtIds: unique.slice(i, i + 500) }, { signal });
    for (const c of r.courts) names.set(c.courtId, c.name);
  }
  return names;
}
