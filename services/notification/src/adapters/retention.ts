import type { RetentionStep } from "@kuayu/domain";
import type { FileStore } from "@kuayu/mongo";
import { deliveryRetention, documentRetention, factsRetention, filingsSeen, notificationRetention, type FactsView, type FilingsSeen } from "../domain/retention.js";
import type { Store } from "./store.js";

/**
 * The notification service's retention steps (docs/security.md "Retention"): everything is deleted
 * by `_id` — the facts (their one writer, the lifecycle consumer, hears nothing more of a filing
 * decided years ago or of an old drill) with the party's numbers and SMS opt-out, the documents with their PDFs, the in-app notifications
 * and the finished deliveries. Nothing is updated.
 */
export function notificationRetentionSteps(store: Store, pdfFiles: FileStore): RetentionStep[] {
  let seen: FilingsSeen = { drills: new Set(), kept: new Set() };
  return [
    {
      name: "filings (facts)",
      async run({ now, schedule, dryRun, report }) {
        const facts = await store.filings.find({}, { projection: { filingId: 1, drill: 1, lastEventType: 1, submittedAt: 1, routedAt: 1, decidedAt: 1, acknowledgedAt: 1, waiting: 1 } }).toArray();
        // Facts kept before the per-province topics have no filingId field of their own: their _id is the filing.
        const views = facts.map((f) => ({ ...f, filingId: f.filingId ?? f._id.split("@")[0] }) as FactsView);
        seen = filingsSeen(views, now, schedule);
        for (const f of views) {
          const d = factsRetention(f, now, schedule);
          if (!d) continue;
          if (!dryRun) await store.filings.deleteOne({ _id: f._id });
          report.add("filings", d.rule, "delete");
          // The party's numbers (and opt-out) go with the facts: no message of the filing is sent any more.
          for (const col of [store.partyPhones, store.smsOptOuts] as const) {
            if (!(await col.findOne({ _id: f.filingId }, { projection: { _id: 1 } }))) continue;
            if (!dryRun) await col.deleteOne({ _id: f.filingId });
            report.add(col.collectionName, d.rule, "delete");
          }
        }
      },
    },
    {
      name: "documents",
      async run({ now, schedule, dryRun, report }) {
        for await (const d of store.documents.find({}, { projection: { filingId: 1, issuedAt: 1 } })) {
          const rule = documentRetention(d, seen, now, schedule);
          if (!rule) continue;
          if (!dryRun) {
            const pdf = await store.documentPdfs.findOne({ _id: d._id }, { projection: { fileId: 1 } });
            if (pdf) await pdfFiles.remove(pdf.fileId);
            await pdfFiles.remove(d._id); // records issued before rendering was lazy: the PDF under the code
            await store.documentPdfs.deleteOne({ _id: d._id });
            await store.documents.deleteOne({ _id: d._id });
          }
          report.add("documents", rule, "delete");
        }
      },
    },
    {
      name: "notifications",
      async run({ now, schedule, dryRun, report }) {
        for await (const n of store.notifications.find({}, { projection: { filingId: 1, createdAt: 1 } })) {
          const rule = notificationRetention(n, seen, now, schedule);
          if (!rule) continue;
          if (!dryRun) await store.notifications.deleteOne({ _id: n._id });
          report.add("notifications", rule, "delete");
        }
      },
    },
    {
      name: "deliveries",
      async run({ now, schedule, dryRun, report }) {
        for await (const d of store.deliveries.find({}, { projection: { filingId: 1, createdAt: 1, status: 1 } })) {
          const rule = deliveryRetention(d, seen, now, schedule);
          if (!rule) continue;
          if (!dryRun) await store.deliveries.deleteOne({ _id: d._id });
          report.add("deliveries", rule, "delete");
        }
      },
    },
  ];
}
