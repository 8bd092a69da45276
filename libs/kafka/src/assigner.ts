import { createHash } from "node:crypto";
import { AssignerProtocol, type GroupMemberAssignment, type PartitionAssigner } from "kafkajs";

/** Partitions a consumer group may consume, per topic; topics not named are consumed whole. */
export type PartitionScope = Readonly<Record<string, readonly number[]>>;

/**
 * Checks a scope and returns it in canonical form: topics sorted, partitions sorted and unique.
 * An empty list or a partition that is not a non-negative integer is a configuration mistake.
 */
export function normalizeScope(scope: PartitionScope): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const topic of Object.keys(scope).sort()) {
    const parts = scope[topic]!;
    if (parts.length === 0) throw new Error(`partition scope of topic "${topic}" is empty`);
    for (const p of parts) {
      if (!Number.isInteger(p) || p < 0) throw new Error(`partition scope of topic "${topic}" has an invalid partition ${String(p)}`);
    }
    out[topic] = [...new Set(parts)].sort((a, b) => a - b);
  }
  return out;
}

/**
 * Name of the scoped assigner: `KuayuScoped-<8 hex>`, the hex being a hash of the canonical
 * scope, so that members with different scopes never agree on a group protocol.
 */
export function scopedAssignerName(scope: PartitionScope): string {
  const hash = createHash("sha256")
    .update(JSON.stringify(normalizeScope(scope)))
    .digest("hex")
    .slice(0, 8);
  return `KuayuScoped-${hash}`;
}

/**
 * The assignment a scoped group's leader hands out: for each subscribed topic, the partitions that
 * exist (`partitionsOf`) and are in the scope (all of them for a topic not in the scope), spread
 * round-robin over the members sorted by id. Every member gets an entry, possibly empty.
 */
export function assignScoped(
  scope: Record<string, number[]>,
  memberIds: readonly string[],
  topics: readonly string[],
  partitionsOf: (topic: string) => number[],
): Map<string, Record<string, number[]>> {
  const members = [...memberIds].sort();
  const result = new Map<string, Record<string, number[]>>(members.map((m) => [m, {}]));
  if (members.length === 0) return result;
  let i = 0;
  for (const topic of [...topics].sort()) {
    const existing = [...partitionsOf(topic)].sort((a, b) => a - b);
    const allowed = scope[topic];
    const assignable = allowed ? existing.filter((p) => allowed.includes(p)) : existing;
    for (const partition of assignable) {
      const forMember = result.get(members[i++ % members.length]!)!;
      (forMember[topic] ??= []).push(partition);
    }
  }
  return result;
}

/**
 * A kafkajs partition assigner that assigns only the scope's partitions of the topics it names
 * (the other partitions of those topics go to nobody in the group) and all partitions of the
 * other subscribed topics, round-robin over the members sorted by member id.
 *
 * Members of one group must all use the same scope. The assigner's name (= the group protocol
 * offered in JoinGroup) carries a hash of the scope, so a member with another scope — or without
 * a scope, offering kafkajs's "RoundRobinAssigner" — has no protocol in common with the members
 * already in the group. The broker then refuses its JoinGroup with INCONSISTENT_GROUP_PROTOCOL
 * (error 23, KafkaJSProtocolError type "INCONSISTENT_GROUP_PROTOCOL"), which kafkajs does not
 * retry: the newcomer's consumer crashes with `restart: false` and disconnects, so runConsumer has
 * called `onFatal` (the service exits) by the time it resolves. The members already in the group
 * are not even rebalanced: they keep their assignment and go on consuming. Whichever scope is in
 * the group first wins; only once all its members have left can a member with another scope form
 * the group anew — so a deployment that changes the scope must replace all members (a rolling
 * update's new pods crash until the old ones are gone). Checked against the real broker (Kafka
 * 4.x, classic group protocol) in test/assigner.int.test.ts.
 */
export function scopedPartitionAssigner(scope: PartitionScope): PartitionAssigner {
  const canonical = normalizeScope(scope);
  const name = scopedAssignerName(canonical);
  return ({ cluster, logger }) => ({
    name,
    version: 0,
    protocol({ topics }) {
      return { name, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
    },
    async assign({ members, topics }): Promise<GroupMemberAssignment[]> {
      const partitionsOf = (topic: string) => {
        const existing = cluster.findTopicPartitionMetadata(topic).map((m) => m.partitionId);
        const missing = (canonical[topic] ?? []).filter((p) => !existing.includes(p));
        if (missing.length > 0) {
          logger.warn("scoped partitions do not exist in the topic; they are not assigned", { topic, missing, assigner: name });
        }
        return existing;
      };
      const assignment = assignScoped(
        canonical,
        members.map((m) => m.memberId),
        topics,
        partitionsOf,
      );
      return [...assignment].map(([memberId, a]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: a, userData: Buffer.alloc(0) }),
      }));
    },
  });
}
