// Litigation cost saved for the party (为当事人节约诉讼成本): what the trips to the jurisdiction
// court that cross-domain filing spared the party would have cost. The model and its calibration
// are in docs/supervision-cost.md; every number here is a setting (COST_MODEL_FILE).

/** Longitude and latitude in degrees. */
export type Point = readonly [number, number];

export interface CostModel {
  /** Road distance over great-circle distance (a detour factor). */
  roadFactor: number;
  /** Price of transport per road kilometre, by the one-way distance of the trip: the first band whose `upToKm` (null: no bound) covers it. */
  transportBands: { upToKm: number | null; yuanPerKm: number }[];
  /** Up to this one-way distance a trip takes half a day (no meals, half a day's income). */
  halfDayUpToKm: number;
  /** Beyond this one-way distance a trip takes two days and a night away; up to it, one day. */
  overnightBeyondKm: number;
  lodgingPerNight: number;
  mealsPerDay: number;
  /** A day's income lost (the national per-capita disposable income per day). */
  incomePerDay: number;
}

/** The defaults (docs/supervision-cost.md "Calibration"). */
export const DEFAULT_COST_MODEL: CostModel = {
  roadFactor: 1.3,
  transportBands: [
    { upToKm: 50, yuanPerKm: 0.6 },
    { upToKm: 300, yuanPerKm: 0.35 },
    { upToKm: 1000, yuanPerKm: 0.45 },
    { upToKm: null, yuanPerKm: 0.4 },
  ],
  halfDayUpToKm: 50,
  overnightBeyondKm: 300,
  lodgingPerNight: 350,
  mealsPerDay: 100,
  incomePerDay: 88,
};

const EARTH_KM = 6371.0088;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance in km (haversine on the mean Earth radius). */
export function greatCircleKm(a: Point, b: Point): number {
  const [lng1, lat1] = a;
  const [lng2, lat2] = b;
  const h = Math.sin(rad(lat2 - lat1) / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lng2 - lng1) / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export interface TripCost {
  roadKm: number;
  transport: number;
  lodging: number;
  meals: number;
  income: number;
  total: number;
}

/** One round trip of `roadKm` each way, priced by the model (yuan, unrounded). */
export function tripCost(roadKm: number, m: CostModel): TripCost {
  const band = m.transportBands.find((b) => b.upToKm === null || roadKm <= b.upToKm) ?? m.transportBands[m.transportBands.length - 1]!;
  const transport = 2 * roadKm * band.yuanPerKm;
  const days = roadKm <= m.halfDayUpToKm ? 0.5 : roadKm <= m.overnightBeyondKm ? 1 : 2;
  const lodging = days === 2 ? m.lodgingPerNight : 0;
  const meals = days >= 1 ? days * m.mealsPerDay : 0;
  const income = days * m.incomePerDay;
  return { roadKm, transport, lodging, meals, income, total: transport + lodging + meals + income };
}

/**
 * What a filing saved its party, in whole yuan: `trips` round trips (the filing, and one per
 * correction round) from the collaborating court's division to the jurisdiction court's. 0 when a
 * location is unknown or the courts share a division (the party was at the court anyway).
 */
export function costSaved(from: Point | undefined, to: Point | undefined, trips: number, m: CostModel): number {
  if (!from || !to || trips <= 0) return 0;
  const roadKm = greatCircleKm(from, to) * m.roadFactor;
  if (roadKm < 1) return 0;
  return Math.round(trips * tripCost(roadKm, m).total);
}

/** Problems with a model read from a file (every one at once). */
export function checkCostModel(m: CostModel): string[] {
  const out: string[] = [];
  const nonNegative = (name: keyof CostModel) => {
    const v = m[name];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) out.push(`${name} must be a number ≥ 0`);
  };
  (["halfDayUpToKm", "overnightBeyondKm", "lodgingPerNight", "mealsPerDay", "incomePerDay"] as const).forEach(nonNegative);
  if (typeof m.roadFactor !== "number" || !(m.roadFactor >= 1)) out.push("roadFactor must be a number ≥ 1");
  if (!Array.isArray(m.transportBands) || m.transportBands.length === 0) out.push("transportBands must list at least one band");
  else {
    m.transportBands.forEach((b, i) => {
      if (!(typeof b.yuanPerKm === "number" && b.yuanPerKm >= 0)) out.push(`transportBands[${i}].yuanPerKm must be a number ≥ 0`);
      if (b.upToKm !== null && !(typeof b.upToKm === "number" && b.upToKm > 0)) out.push(`transportBands[${i}].upToKm must be a number > 0 or null`);
      const prev = m.transportBands[i - 1];
      if (prev && (prev.upToKm === null || (b.upToKm !== null && b.upToKm <= prev.upToKm))) out.push(`transportBands[${i}] must come after a band with a smaller upToKm`);
    });
    if (m.transportBands[m.transportBands.length - 1]!.upToKm !== null) out.push("the last transport band must have upToKm null (no bound)");
  }
  if (m.halfDayUpToKm > m.overnightBeyondKm) out.push("halfDayUpToKm must not exceed overnightBeyondKm");
  return out;
}
