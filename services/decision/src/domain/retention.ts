import { ANONYMISED, anonymiseFields, daysBefore, dueBy, yearsBefore, type RetentionSchedule, type RetentionStep } from "@kuayu/domain";
import type { InboxFiling, InboxStatus } from "./inbox.js";

// Retention of the jurisdiction courts' inboxes (docs/security.md "Retention"). Pure decisions
// here; the step runs them against the store port.

const FINAL: readonly InboxStatus[] = ["accepted", "rejected", "withdrawn"];

export type InboxRetention = { action: "anonymise"; rule: "personal-data-after-decision" } | { action: "delete"; rule: "drill" };

/**
 * What retention does to an inbox entry at `now`: a drill entry is deleted `drillDays` after it
 * arrived; a real one has its personal data anonymised `personalDataYears` after its decision or
 * withdrawal. Undefined: nothing (yet), or anonymised already.
 */
export function inboxRetention(f: Pick<InboxFiling, "status" | "drill" | "arrivedAt" | "decidedAt" | "updatedAt" | "anonymisedAt">, now: Date, s: RetentionSchedule): InboxRetention | undefined {
  if (f.drill) return dueBy(f.arrivedAt, daysBefore(now, s.drillDays)) ? { action: "delete", rule: "drill" } : undefined;
  if (f.anonymisedAt || !FINAL.includes(f.status)) return undefined;
  return dueBy(f.decidedAt ?? f.updatedAt, yearsBefore(now, s.personalDataYears)) ? { action: "anonymise", rule: "personal-data-after-decision" } : undefined;
}

const text = (s: string) => (s ? ANONYMISED : "");

/**
 * The entry with its personal data anonymised: the window's details (names, ID numbers, phones,
 * addresses, claims and facts), material file names, the court's reasons and notes. Case type,
 * courts, dates, status, receipt and case number, the rejection category and legal basis stay.
 */
export function anonymiseInbox(f: InboxFiling, now: Date): InboxFiling {
  return {
    ...f,
    details: anonymiseFields(f.details),
    materials: f.materials.map((m) => ({ ...m, fileName: ANONYMISED })),
    rejection: f.rejection && { ...f.rejection, reason: text(f.rejection.reason) },
    correction: f.correction && { ...f.correction, note: text(f.correction.note), items: f.correction.items.map((i) => ({ ...i, description: text(i.description) })) },
    anonymisedAt: now,
  };
}

/**
 * The material copies (by SHA-256) that retention deletes with these entries: those of the due
 * entries that no entry keeping its data still uses (`kept`: their digests; copies are shared by digest).
 */
export function copiesToDelete(due: Pick<InboxFiling, "materials">[], kept: ReadonlySet<string>): string[] {
  return [...new Set(due.flatMap((f) => f.materials.map((m) => m.sha256)))].filter((d) => !kept.has(d));
}

/** The store as retention needs it (adapters/mongo/retention-store.ts). */
export interface InboxRetentionStore {
  scan(): AsyncIterable<InboxFiling>;
  /** Commits the entry's next version as `fn` makes it from the newest one (undefined: no change) and strips its earlier versions; false when nothing changed. */
  anonymise(id: string, fn: (f: InboxFiling) => InboxFiling | undefined): Promise<boolean>;
  /** Deletes the entry and its versions, by _id. */
  remove(id: string): Promise<void>;
  /** Whether a copy of these bytes is stored. */
  hasCopy(sha256: string): Promise<boolean>;
  /** Deletes the copy of these bytes. */
  removeCopy(sha256: string): Promise<void>;
}

/** The retention steps of decision: one pass over the inbox, then the copies nothing kept uses. */
export function decisionRetention(store: InboxRetentionStore): RetentionStep[] {
  return [
    {
      name: "inbox",
      async run({ now, schedule, dryRun, report }) {
        const due: { f: InboxFiling; d: InboxRetention }[] = [];
        // The digests of the entries that keep their data: their copies stay.
        const kept = new Set<string>();
        for await (const f of store.scan()) {
          const d = inboxRetention(f, now, schedule);
          if (d) due.push({ f: { ...f, details: undefined }, d });
          else if (!f.anonymisedAt) for (const m of f.materials) kept.add(m.sha256);
        }
        const copies = copiesToDelete(
          due.map((x) => x.f),
          kept,
        );
        for (const { f, d } of due) {
          if (dryRun) {
            report.add("inbox", d.rule, d.action);
          } else if (d.action === "delete") {
            await store.remove(f.id);
            report.add("inbox", d.rule, "delete");
          } else if (await store.anonymise(f.id, (cur) => (inboxRetention(cur, now, schedule)?.action === "anonymise" ? anonymiseInbox(cur, now) : undefined))) {
            report.add("inbox", d.rule, "anonymise");
          }
        }
        for (const sha of copies) {
          if (!(await store.hasCopy(sha))) continue;
          if (!dryRun) await store.removeCopy(sha);
          report.add("copies_content", "with-their-entries", "delete");
        }
      },
    },
  ];
}
