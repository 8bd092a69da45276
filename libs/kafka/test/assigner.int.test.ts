// Consumer groups scoped to some partitions of a topic (a province's partitions of the routed
// topic), against the real broker: only the scope's partitions are consumed, spread over the
// members, and a member with another scope is refused.
import { AssignerProtocol, KafkaJSProtocolError, type Admin } from "kafkajs";
import { createKafka, createProducer, defineTopic, ensureTopics, runConsumer, scopedAssignerName, type ConsumedEvent, type EventProducer, type RunningConsumer } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { intakeEventsV1 } from "@kuayu/proto";
import { assertInfraUp, eventually, infra, uniqueName } from "@kuayu/testkit";

const log = createLogger({ service: "assigner-test", level: "silent" });
const letters = () =>
  Math.random()
    .toString(36)
    .replace(/[^a-z]/g, "")
    .slice(0, 8) || "x";
const topic = defineTopic(`kuayu.test${letters()}.filing-routed.v1`, intakeEventsV1.FilingSubmittedSchema, 6);
const scope = { [topic.name]: [1, 4] };

const kafka = createKafka({ ...infra.kafka, clientId: "assigner-test", log });
let producer: EventProducer;
let admin: Admin;
const consumers: RunningConsumer[] = [];
/** Keys of every record produced so far, per partition. */
const produced = new Map<number, string[]>();

beforeAll(async () => {
  await assertInfraUp();
  await ensureTopics(kafka, [topic]);
  producer = await createProducer(kafka, "kuayu.test");
  admin = kafka.admin();
  await admin.connect();
});
afterAll(async () => {
  // In parallel: stopped one by one, each member left would wait through a rebalance.
  await Promise.all(consumers.map((c) => c.stop().catch(() => undefined)));
  await admin?.disconnect();
  await producer?.disconnect();
});

/** Publishes `perPartition` records explicitly to each of the 6 partitions. */
async function produceRound(round: string, perPartition = 3): Promise<void> {
  for (let p = 0; p < 6; p++) {
    for (let i = 0; i < perPartition; i++) {
      const key = `r${round}-p${p}-${i}`;
      await producer.publish(topic, key, { filingId: key }, { partition: p });
      produced.set(p, [...(produced.get(p) ?? []), key]);
    }
  }
}
const producedOn = (partitions: number[]) => partitions.flatMap((p) => produced.get(p) ?? []).sort();

interface Collector {
  events: ConsumedEvent[];
  fatal: Error[];
  running?: RunningConsumer;
  start(groupId: string, partitions?: Record<string, number[]>): Promise<RunningConsumer>;
}
function collector(): Collector {
  const c: Collector = {
    events: [],
    fatal: [],
    async start(groupId, partitions) {
      const running = await runConsumer({
        kafka,
        groupId,
        topics: [topic],
        producer,
        log,
        sessionTimeoutMs: 10_000,
        onFatal: (e) => void c.fatal.push(e),
        handle: async (e) => void c.events.push(e),
        ...(partitions ? { partitions } : {}),
      });
      consumers.push(running);
      c.running = running;
      return running;
    },
  };
  return c;
}
const keysOf = (...cs: Collector[]) => cs.flatMap((c) => c.events.map((e) => e.key)).sort();

/** The group once it is stable: its protocol and each member's assignment of the test topic. */
async function stableGroup(groupId: string, members: number) {
  return eventually(
    async () => {
      const { groups } = await admin.describeGroups([groupId]);
      const g = groups[0]!;
      if (g.state !== "Stable" || g.members.length !== members) return undefined;
      const assigned = g.members.map((m) => AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic.name] ?? []);
      return { protocol: g.protocol, assigned };
    },
    20_000,
    `group ${groupId} stable with ${members} members`,
  );
}

describe("partition-scoped consumer groups (real broker)", () => {
  const scopedGroup = uniqueName("scoped");
  const a = collector();
  const b = collector();

  it("a scoped group consumes only its partitions, spread over its members; another group gets all", async () => {
    const all = collector();
    await Promise.all([a.start(scopedGroup, scope), b.start(scopedGroup, scope), all.start(uniqueName("all"))]);
    const group = await stableGroup(scopedGroup, 2);
    expect(group.protocol).toBe(scopedAssignerName(scope));
    expect(group.assigned.map((ps) => [...ps].sort()).sort()).toEqual([[1], [4]]);

    await produceRound("1");
    await eventually(async () => all.events.length >= 18 && a.events.length + b.events.length >= 6, 20_000, "records in both groups");
    await new Promise((r) => setTimeout(r, 1000)); // nothing more may arrive
    expect(keysOf(a, b)).toEqual(producedOn([1, 4]));
    expect(keysOf(all)).toEqual(producedOn([0, 1, 2, 3, 4, 5]));
    // Each member read one of the two partitions.
    expect([new Set(a.events.map((e) => e.partition)).size, new Set(b.events.map((e) => e.partition)).size]).toEqual([1, 1]);
    expect([...a.fatal, ...b.fatal, ...all.fatal]).toEqual([]);
  });

  it("a single scoped consumer gets both partitions", async () => {
    await produceRound("2", 2);
    const alone = collector();
    const groupId = uniqueName("alone");
    await alone.start(groupId, scope);
    expect((await stableGroup(groupId, 1)).assigned).toEqual([[1, 4]]);
    const expected = producedOn([1, 4]);
    await eventually(async () => alone.events.length >= expected.length, 20_000, `${expected.length} records`);
    await new Promise((r) => setTimeout(r, 500));
    expect(keysOf(alone)).toEqual(expected);
    expect(alone.fatal).toEqual([]);
  });

  it("refuses a member with another scope, or with none, and leaves the group's members undisturbed", async () => {
    const before = await stableGroup(scopedGroup, 2);
    const rejoins: unknown[] = [];
    for (const c of [a, b]) c.running!.consumer.on(c.running!.consumer.events.GROUP_JOIN, (e) => void rejoins.push(e));
    for (const other of [{ [topic.name]: [2] }, undefined]) {
      const intruder = collector();
      // The broker refuses its JoinGroup; kafkajs does not retry that, so onFatal has been
      // called by the time runConsumer resolves.
      await intruder.start(scopedGroup, other);
      expect(intruder.fatal).toHaveLength(1);
      expect(intruder.fatal[0]).toBeInstanceOf(KafkaJSProtocolError);
      expect((intruder.fatal[0] as KafkaJSProtocolError).type).toBe("INCONSISTENT_GROUP_PROTOCOL");
      expect(intruder.events).toEqual([]);
    }
    expect(await stableGroup(scopedGroup, 2)).toEqual(before);
    // The group goes on consuming only its own partitions.
    await produceRound("3", 1);
    await eventually(async () => a.events.length + b.events.length >= producedOn([1, 4]).length, 20_000, "round 3 in the scoped group");
    // Not even a rebalance: the members would have rejoined at their next heartbeat (3 s).
    await new Promise((r) => setTimeout(r, 3500));
    expect(rejoins).toEqual([]);
    expect(keysOf(a, b)).toEqual(producedOn([1, 4]));
    expect([...a.fatal, ...b.fatal]).toEqual([]);
  });
});
