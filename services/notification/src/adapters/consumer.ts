import type { Logger } from "@kuayu/logger";
import { writeInGroups } from "@kuayu/mongo";
import { lifecycleConsumer as lifecycleUseCase, type ConsumerDeps as UseCaseDeps, type LifecycleStore } from "../domain/lifecycle.js";
import { issueDocuments } from "./documents.js";
import { insertAll, type Store } from "./store.js";

export { partyMobiles, project } from "../domain/lifecycle.js";

/** The lifecycle use case's store port over the collections: one command per call. */
export function lifecycleStore(store: Store, log: Logger): LifecycleStore {
  return {
    facts: (id) => store.filings.findOne({ _id: id }),
    insertFacts: async (docs) => new Set((await insertAll(store.filings, docs)).map((d) => d._id)),
    async replaceFacts(docs) {
      await writeInGroups(
        store.filings,
        docs.map(({ _id, ...facts }) => ({ replaceOne: { filter: { _id }, replacement: facts as never, upsert: true } })),
      );
    },
    async endLegacyReminders(filingIds) {
      await store.filings.updateMany({ _id: { $in: filingIds } }, { $set: { waiting: false } });
    },
    async keepPartyPhones(phones) {
      await writeInGroups(
        store.partyPhones,
        [...phones].map(([filingId, list]) => ({
          replaceOne: { filter: { _id: filingId }, replacement: { phones: list.map((p) => store.crypt.encrypt(p)), updatedAt: new Date() }, upsert: true },
        })),
      );
    },
    issueDocuments: (records) => issueDocuments(store, records, log),
  };
}

export type ConsumerDeps = Omit<UseCaseDeps, "store"> & { store: Store };

/** The lifecycle consumer's batch handler (domain/lifecycle.ts) over this store. */
export const lifecycleConsumer = (deps: ConsumerDeps) => lifecycleUseCase({ ...deps, store: lifecycleStore(deps.store, deps.log) });
