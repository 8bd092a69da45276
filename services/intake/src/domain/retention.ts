import { ANONYMISED, anonymiseFields, daysBefore, dueBy, yearsBefore, type RetentionSchedule, type RetentionStep } from "@kuayu/domain";
import type { Filing, FilingStatus } from "./filing.js";

// Retention of intake's filings (docs/security.md "Retention"). Pure decisions here; the steps run
// them against the store port.

/** Statuses after which nothing more happens to a filing: its personal data is kept N years from then. */
const FINAL: readonly FilingStatus[] = ["accepted", "rejected", "withdrawn"];
/** Statuses a filing may stay in for good when its window gives up on it (never submitted, or routing failed). */
const IDLE: readonly FilingStatus[] = ["draft", "routing-failed"];

export type RetentionDecision = { action: "anonymise"; rule: "personal-data-after-decision" | "personal-data-abandoned" } | { action: "delete"; rule: "drill" };

/**
 * What retention does to a filing at `now`: a drill filing is deleted `drillDays` after it was
 * created (whatever its status); a real one has its personal data anonymised `personalDataYears`
 * after its final decision or withdrawal — or after its last change, for a draft or a failed routing
 * left alone that long. Undefined: nothing (yet), or anonymised already.
 */
export function filingRetention(f: Pick<Filing, "status" | "details" | "createdAt" | "updatedAt" | "decision" | "anonymisedAt">, now: Date, s: RetentionSchedule): RetentionDecision | undefined {
  if (f.details.drill) return dueBy(f.createdAt, daysBefore(now, s.drillDays)) ? { action: "delete", rule: "drill" } : undefined;
  if (f.anonymisedAt) return undefined;
  const cutoff = yearsBefore(now, s.personalDataYears);
  if (FINAL.includes(f.status)) return dueBy(f.decision?.decidedAt ?? f.updatedAt, cutoff) ? { action: "anonymise", rule: "personal-data-after-decision" } : undefined;
  if (IDLE.includes(f.status)) return dueBy(f.updatedAt, cutoff) ? { action: "anonymise", rule: "personal-data-abandoned" } : undefined;
  return undefined;
}

const text = (s: string) => (s ? ANONYMISED : "");

/**
 * The filing with its personal data anonymised: parties' and agents' names, the claims and facts,
 * material file names, the court's free-text notes and reasons replaced; resident ID numbers,
 * phones, addresses, licence and credit codes emptied. What statistics need stays: case type,
 * courts, dates, status, receipt and case number, material kinds, sizes and digests, the rejection
 * category and legal basis.
 */
export function anonymiseFiling(f: Filing, now: Date): Filing {
  return {
    ...f,
    details: anonymiseFields(f.details),
    materials: f.materials.map((m) => ({ ...m, fileName: ANONYMISED })),
    correctionRequest: f.correctionRequest && {
      ...f.correctionRequest,
      note: text(f.correctionRequest.note),
      items: f.correctionRequest.items.map((i) => ({ ...i, description: text(i.description) })),
    },
    decision: f.decision && { ...f.decision, reason: text(f.decision.reason) },
    anonymisedAt: now,
  };
}

/** The store as retention needs it (adapters/mongo/retention-store.ts). */
export interface FilingRetentionStore {
  /** Every filing (its timeline left out), a few at a time. */
  scan(): AsyncIterable<Filing>;
  /**
   * Commits the filing's next version as `fn` makes it from the newest one (undefined: no change),
   * with its timeline's details emptied, then strips the personal data from its earlier versions.
   * False when `fn` changed nothing.
   */
  anonymise(id: string, fn: (f: Filing) => Filing | undefined, current: Filing): Promise<boolean>;
  /** Deletes the filing, its versions and timeline, by _id. */
  remove(id: string): Promise<void>;
  /** Deletes a material's bytes. */
  removeFile(materialId: string): Promise<void>;
}

/** The retention steps of intake: one pass over the filings. */
export function intakeRetention(store: FilingRetentionStore): RetentionStep[] {
  return [
    {
      name: "filings",
      async run({ now, schedule, dryRun, report }) {
        for await (const f of store.scan()) {
          const d = filingRetention(f, now, schedule);
          if (!d) continue;
          if (dryRun) {
            report.add("filings", d.rule, d.action);
            if (f.materials.length > 0) report.add("material_files", d.rule, "delete", f.materials.length);
            continue;
          }
          // The bytes first: a filing whose version is committed is not looked at again.
          for (const m of f.materials) await store.removeFile(m.id);
          if (f.materials.length > 0) report.add("material_files", d.rule, "delete", f.materials.length);
          if (d.action === "delete") {
            await store.remove(f.id);
            report.add("filings", d.rule, "delete");
            continue;
          }
          // Decided again on the newest version (the lifecycle consumer may have changed it since the scan).
          const done = await store.anonymise(f.id, (cur) => (filingRetention(cur, now, schedule)?.action === "anonymise" ? anonymiseFiling(cur, now) : undefined), f);
          if (done) report.add("filings", d.rule, "anonymise");
        }
      },
    },
  ];
}
