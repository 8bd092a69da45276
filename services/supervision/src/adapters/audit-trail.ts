import type { Connection, mongo } from "mongoose";
import { groupCommit } from "@kuayu/outbox";
import type { ChainEntry } from "../domain/audit-chain.js";
import { auditTrail as auditTrailUseCases, type AuditTrail, type ChainStore } from "../domain/audit-trail.js";
import type { LedgerDoc } from "./store.js";

export { type AuditTrail } from "../domain/audit-trail.js";

// The audit trail's store (docs/security.md, "Audit trail"). Collection `audit_chain`: one document
// per record, `_id = <province>:<seq>`, written only by the audit consumer of the province's topic
// (one partition, one member), each a unique insert — no update, no lock. The batches of the
// provinces handled at once are written together (group commit): one insert.

export const AUDIT_COLLECTIONS = [
  {
    name: "audit_chain",
    indexes: [{ keys: { province: 1, seq: 1 } as Record<string, 1 | -1> }, { keys: { filingId: 1 } as Record<string, 1 | -1> }],
  },
];

/** The chains in `audit_chain` (and the ledger, for a filing's courts). */
export function chainStore(conn: Connection): ChainStore {
  const chain = conn.collection<ChainEntry>("audit_chain");
  const ledger = conn.collection<LedgerDoc>("ledger");
  // Group commit: the entries of every batch that arrives while an insert is under way go to the
  // store together in the next one. Each province has one batch in flight at most (one partition),
  // so a group holds one run of each chain; inserted in order, a crash half-way leaves a prefix of
  // each run, which the redelivery finds by record id and continues.
  const append = groupCommit<ChainEntry[]>(async (runs) => {
    await chain.insertMany(runs.flat() as mongo.OptionalUnlessRequiredId<ChainEntry>[], { ordered: true });
    return runs.map(() => undefined);
  });
  return {
    tail: (province, limit) => chain.find({ province }).sort({ seq: -1 }).limit(limit).toArray(),
    insert: append,
    ofFiling: (filingId) => chain.find({ filingId }).sort({ province: 1, seq: 1 }).toArray(),
    range(province, from, to) {
      // An equality on `province` the store serves from its index; the range it filters itself.
      const seq: Record<string, number> = { $gte: from };
      if (to) seq.$lte = to;
      return chain.find({ province, seq }).sort({ seq: 1 }).toArray();
    },
    entry: (id) => chain.findOne({ _id: id }),
    filing: (filingId) => ledger.findOne({ _id: filingId }),
  };
}

/** The audit trail's use cases (domain/audit-trail.ts) over the store. */
export const auditTrail = (conn: Connection, opts: Parameters<typeof auditTrailUseCases>[1]): AuditTrail => auditTrailUseCases(chainStore(conn), opts);
