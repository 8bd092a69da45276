import fs from "node:fs";
import path from "node:path";

/** The shipped division centroids (scripts/data/division-centroids.py; source and licence in the file). */
export const DEFAULT_CENTROIDS_FILE = path.join(__dirname, "..", "data", "division-centroids.json");

/** Longitude and latitude (degrees, GCJ-02) of a division's centroid. */
export type LngLat = readonly [number, number];

/**
 * A point for a six-digit division code (GB/T 2260): the county's own centroid, else its
 * prefecture's (codes the dataset lacks: development zones, recently created counties), else its
 * province's; undefined when none is known (e.g. "000000", the SPC's).
 */
export type Centroids = (division: string) => LngLat | undefined;

export function loadCentroids(file = DEFAULT_CENTROIDS_FILE): Centroids {
  const { points } = JSON.parse(fs.readFileSync(file, "utf8")) as { points: Record<string, LngLat> };
  return (division) => {
    if (!/^\d{6}$/.test(division)) return undefined;
    return points[division] ?? points[`${division.slice(0, 4)}00`] ?? points[`${division.slice(0, 2)}0000`];
  };
}
