// The litigation-cost model (domain/cost.ts): distances, trip prices by band and length, whole filings.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadCentroids } from "@kuayu/directory";
import { DEFAULT_COST_MODEL, checkCostModel, costSaved, greatCircleKm, tripCost, type CostModel } from "../src/domain/cost";
import { readCostModel } from "../src/adapters/cost-model";
import { EVENTS, applyEvent, contributions, emptyEntry, indicators } from "../src/domain/ledger";
import { DEFAULT_WORKING_HOURS } from "@kuayu/domain";

const m = DEFAULT_COST_MODEL;

describe("the litigation-cost model", () => {
  it("measures great circles: a degree of latitude is 111.2 km; Beijing–Guangzhou about 1,890 km", () => {
    expect(greatCircleKm([116, 39], [116, 40])).toBeCloseTo(111.19, 1);
    expect(greatCircleKm([116.4074, 39.9042], [113.2644, 23.1291])).toBeGreaterThan(1880);
    expect(greatCircleKm([116.4074, 39.9042], [113.2644, 23.1291])).toBeLessThan(1900);
    expect(greatCircleKm([100, 30], [100, 30])).toBe(0);
  });

  it("prices a round trip by band and length: half a day, a day, or two days and a night", () => {
    // 40 km: 2×40×0.6 transport, half a day's income, no meals.
    expect(tripCost(40, m)).toEqual({ roadKm: 40, transport: 48, lodging: 0, meals: 0, income: 44, total: 92 });
    // 200 km: 2×200×0.35, one day: meals 100, income 88.
    expect(tripCost(200, m)).toEqual({ roadKm: 200, transport: 140, lodging: 0, meals: 100, income: 88, total: 328 });
    // 600 km: 2×600×0.45, two days and a night: 350 + 2×100 + 2×88.
    expect(tripCost(600, m)).toMatchObject({ transport: 540, lodging: 350, meals: 200, income: 176, total: 1266 });
    // 2,000 km: 2×2000×0.4.
    expect(tripCost(2000, m).total).toBe(1600 + 350 + 200 + 176);
  });

  it("gives a filing its trips (one, and one per correction round) in whole yuan; nothing for one place or an unknown one", () => {
    const a = [116, 39] as const;
    const b = [116, 40] as const; // 111.19 km apart, ×1.3 = 144.5 km by road
    const one = 2 * 111.19508 * 1.3 * 0.35 + 100 + 88;
    expect(costSaved(a, b, 1, m)).toBe(Math.round(one));
    expect(costSaved(a, b, 2, m)).toBe(Math.round(2 * one));
    expect(costSaved(a, a, 1, m)).toBe(0);
    expect(costSaved(undefined, b, 1, m)).toBe(0);
  });

  it("finds every directory court's division, falling back to its prefecture and province", () => {
    const at = loadCentroids();
    expect(at("110105")).toEqual([116.443205, 39.921506]); // 朝阳区
    expect(at("130171")).toEqual(at("130100")); // a development zone: its prefecture
    expect(at("000000")).toBeUndefined();
    expect(at("x")).toBeUndefined();
  });

  it("counts the saved cost with the decision, once, and never for a drill", () => {
    const routed = { type: EVENTS.routed, at: new Date("2026-04-01T01:00:00Z"), collaboratingCourtId: "w", jurisdictionCourtId: "j", province: "11", round: 1 };
    const decided = { type: EVENTS.accepted, at: new Date("2026-04-02T01:00:00Z") };
    const e = applyEvent(
      applyEvent(emptyEntry("F"), routed, () => DEFAULT_WORKING_HOURS),
      decided,
      () => DEFAULT_WORKING_HOURS,
    );
    expect(contributions(e, () => 789).find((c) => c.name === "decision")!.delta).toMatchObject({ costSaved: 789, costFilings: 1 });
    expect(contributions({ ...e, drill: true }, () => 789).find((c) => c.name === "decision")!.delta).toMatchObject({ costSaved: 0, costFilings: 0 });
    expect(indicators({ costSaved: 3000, costFilings: 4 })).toMatchObject({ costSavedYuan: 3000, costSavedFilings: 4, costSavedAverage: 750 });
  });

  it("takes a deployment's model from COST_MODEL_FILE, refusing what does not make sense", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cost-model-"));
    const file = (name: string, content: unknown) => {
      const f = path.join(dir, name);
      writeFileSync(f, JSON.stringify(content));
      return f;
    };
    expect(readCostModel(undefined)).toBe(DEFAULT_COST_MODEL);
    expect(readCostModel(file("ok.json", { incomePerDay: 120 }))).toEqual({ ...DEFAULT_COST_MODEL, incomePerDay: 120 });
    expect(() => readCostModel(file("bad.json", { incomePerDay: -1, roadFactor: 0.5, colour: "red" }))).toThrow(
      /unknown field colour; incomePerDay must be a number ≥ 0; roadFactor must be a number ≥ 1/,
    );
    const bands: CostModel["transportBands"] = [
      { upToKm: 300, yuanPerKm: 0.3 },
      { upToKm: 100, yuanPerKm: 0.3 },
    ];
    expect(checkCostModel({ ...m, transportBands: bands })).toEqual(["transportBands[1] must come after a band with a smaller upToKm", "the last transport band must have upToKm null (no bound)"]);
  });
});
