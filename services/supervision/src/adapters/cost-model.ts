import { readFileSync } from "node:fs";
import { DEFAULT_COST_MODEL, checkCostModel, type CostModel } from "../domain/cost.js";

/**
 * The deployment's cost model (COST_MODEL_FILE): a JSON object whose fields replace the defaults'
 * (domain/cost.ts, docs/supervision-cost.md); no file, the defaults. Every problem at once.
 */
export function readCostModel(file: string | undefined): CostModel {
  if (!file) return DEFAULT_COST_MODEL;
  let given: unknown;
  try {
    given = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`COST_MODEL_FILE ${file}: ${(err as Error).message}`);
  }
  if (!given || typeof given !== "object" || Array.isArray(given)) throw new Error(`COST_MODEL_FILE ${file}: expected a JSON object`);
  const unknown = Object.keys(given).filter((k) => !(k in DEFAULT_COST_MODEL));
  const model = { ...DEFAULT_COST_MODEL, ...(given as Partial<CostModel>) };
  const problems = [...unknown.map((k) => `unknown field ${k}`), ...checkCostModel(model)];
  if (problems.length > 0) throw new Error(`COST_MODEL_FILE ${file}: ${problems.join("; ")}`);
  return model;
}
