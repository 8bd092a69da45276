import { ANONYMISED, type RetentionStep } from "@kuayu/domain";
import { complaintRetention, ledgerRetention, ratingRetention } from "../domain/retention.js";
import type { Store } from "./store.js";

/**
 * Supervision's retention steps (docs/security.md "Retention"). Deletes are by `_id`. The only
 * updates are of ratings (inserted once, never written again) and of answered complaints (never
 * written again once answered): retention is then their only writer.
 */
export function supervisionRetentionSteps(store: Store): RetentionStep[] {
  return [
    {
      name: "ledger, ratings and complaints",
      async run({ now, schedule, dryRun, report }) {
        const drills: string[] = [];
        for await (const e of store.ledger.find({ drill: true }, { projection: { drill: 1, arrivedAt: 1 } })) {
          if (ledgerRetention(e, now, schedule)) drills.push(e._id);
        }
        const drillSet = new Set(drills);
        // Ratings and complaints first: they are found by the drill entries, deleted last.
        for await (const r of store.ratings.find({}, { projection: { filingId: 1, comment: 1, at: 1 } })) {
          const d = ratingRetention(r, drillSet, now, schedule);
          if (!d) continue;
          if (!dryRun) {
            if (d.action === "delete") await store.ratings.deleteOne({ _id: r._id });
            else await store.ratings.updateOne({ _id: r._id }, { $set: { comment: ANONYMISED } });
          }
          report.add("ratings", d.rule, d.action);
        }
        for await (const c of store.complaints.find({}, { projection: { filingId: 1, status: 1, text: 1, answeredAt: 1 } })) {
          const d = complaintRetention(c, drillSet, now, schedule);
          if (!d) continue;
          if (!dryRun) {
            if (d.action === "delete") await store.complaints.deleteOne({ _id: c._id });
            else await store.complaints.updateOne({ _id: c._id }, { $set: { text: ANONYMISED, answer: ANONYMISED } });
          }
          report.add("complaints", d.rule, d.action);
        }
        for (const id of drills) {
          if (!dryRun) {
            await store.open.deleteOne({ _id: id });
            await store.ledger.deleteOne({ _id: id });
          }
          report.add("ledger", "drill", "delete");
        }
      },
    },
  ];
}
