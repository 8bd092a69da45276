// Retention (docs/security.md "Retention"): how long the services keep personal data, drill data
// and notices. The pure pieces every service shares — the schedule, the cut-offs, the anonymiser,
// the report and the shape of a service's steps; @kuayu/mongo runs the steps (the run with its
// progress and metrics, the daily timer, the command).

/** The schedule (RETENTION_* settings). */
export interface RetentionSchedule {
  /** Personal data of a filing is anonymised this many years after its final decision or withdrawal. */
  personalDataYears: number;
  /** Drill data (filings with drill = true and all that derives from them) is deleted this many days after the filing was created. */
  drillDays: number;
  /** In-app notifications and finished deliveries are deleted this many days after they were made. */
  notificationDays: number;
}

export const DEFAULT_SCHEDULE: RetentionSchedule = { personalDataYears: 3, drillDays: 30, notificationDays: 180 };

/** What replaces a personal name or free text that may hold one. */
export const ANONYMISED = "（已匿名）";

export const DAY_MS = 24 * 3600_000;

/** The instant `years` calendar years before `now` (UTC). */
export function yearsBefore(now: Date, years: number): Date {
  const d = new Date(now.getTime());
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return d;
}

/** The instant `days` days before `now`. */
export const daysBefore = (now: Date, days: number): Date => new Date(now.getTime() - days * DAY_MS);

/** True when `at` is known and at or before `cutoff`. */
export const dueBy = (at: Date | string | undefined | null, cutoff: Date): boolean => at !== undefined && at !== null && new Date(at).getTime() <= cutoff.getTime();

/** Field names that identify a person: emptied. */
const REMOVED = new Set(["residentId", "phone", "address", "email", "licenseNumber", "creditCode"]);
/** Field names of names and free text that may name a person: replaced by ANONYMISED (when not empty). */
const REPLACED = new Set(["name", "legalRepresentative", "claims", "facts", "fileName"]);

/**
 * A copy of `value` with every personal field anonymised, at any depth: names and free texts
 * (REPLACED) become ANONYMISED, identifiers and contacts (REMOVED) become "". Works on the domain's
 * filing details and on their protobuf JSON alike (the field names are the same, lowerCamelCase).
 */
export function anonymiseFields<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => anonymiseFields(v)) as T;
  if (value === null || typeof value !== "object" || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (REMOVED.has(k) && typeof v === "string") out[k] = "";
    else if (REPLACED.has(k) && typeof v === "string") out[k] = v === "" ? "" : ANONYMISED;
    else out[k] = anonymiseFields(v);
  }
  return out as T;
}

/** How many documents of a collection a rule anonymised or deleted (or would have: dry run). */
export interface RetentionCount {
  collection: string;
  rule: string;
  action: "anonymise" | "delete";
  count: number;
}

/** Counts per collection and rule; never a document's content. */
export class RetentionReport {
  private readonly counts = new Map<string, RetentionCount>();
  add(collection: string, rule: string, action: RetentionCount["action"], n = 1): void {
    const key = `${collection}\u0000${rule}\u0000${action}`;
    const c = this.counts.get(key) ?? { collection, rule, action, count: 0 };
    c.count += n;
    this.counts.set(key, c);
  }
  rows(): RetentionCount[] {
    return [...this.counts.values()].sort((a, b) => a.collection.localeCompare(b.collection) || a.rule.localeCompare(b.rule) || a.action.localeCompare(b.action));
  }
  get total(): number {
    return [...this.counts.values()].reduce((n, c) => n + c.count, 0);
  }
}

/** What one step of a service's retention gets: the clock, whether to change anything, where to count. */
export interface RetentionContext {
  now: Date;
  schedule: RetentionSchedule;
  dryRun: boolean;
  report: RetentionReport;
}

/** One step (usually one collection or one rule): decides, and unless dry-running, does it. */
export interface RetentionStep {
  name: string;
  run(ctx: RetentionContext): Promise<void>;
}

/** The delay until the next `hour`:00 China time (UTC+8) after `now`. */
export function untilNextRun(now: Date, hour: number): number {
  const china = new Date(now.getTime() + 8 * 3600_000);
  const next = Date.UTC(china.getUTCFullYear(), china.getUTCMonth(), china.getUTCDate(), hour) - 8 * 3600_000;
  return next > now.getTime() ? next - now.getTime() : next + DAY_MS - now.getTime();
}
