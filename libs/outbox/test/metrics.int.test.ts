// The relay's backlog as Prometheus scrapes it: a real OpenTelemetry MeterProvider with the
// Prometheus exporter (what @kuayu/telemetry/register starts in the services) on a free port, the
// real store and broker. While the relay cannot publish (its producer has lost the broker), the
// committed versions show as kuayu_outbox_unpublished and their age grows; a relay that can publish
// brings both back to 0.
import { createKafka, createProducer, defineTopic, ensureTopics } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { connectMongo, ensureCollections } from "@kuayu/mongo";
import { outboxEntry, startVersionRelay, pendingOf, versionCollections, versionedDocuments, type VersionRow } from "@kuayu/outbox";
import { intakeEventsV1 } from "@kuayu/proto";
import { assertInfraUp, eventually, infra, uniqueName, startMetricsEndpoint, type MetricsEndpoint } from "@kuayu/testkit";

const log = createLogger({ service: "outbox-metrics-test", level: "silent" });
const suffix =
  Math.random()
    .toString(36)
    .replace(/[^a-z]/g, "")
    .slice(0, 8) || "x";
const topic = defineTopic(`kuayu.outboxmetrics${suffix}.filing-submitted.v1`, intakeEventsV1.FilingSubmittedSchema, 1);
const kafka = createKafka({ ...infra.kafka, clientId: "outbox-metrics-test", log });
interface Doc {
  _id: string;
  version?: number;
  count: number;
}

let endpoint: MetricsEndpoint;
let conn: Awaited<ReturnType<typeof connectMongo>>;

beforeAll(async () => {
  await assertInfraUp();
  endpoint = await startMetricsEndpoint();
  conn = await connectMongo({ uri: infra.mongoUri, dbName: uniqueName("outbox_metrics") });
  await ensureCollections(conn, [{ name: "docs" }, ...versionCollections("docs")]);
  await ensureTopics(kafka, [topic]);
});
afterAll(async () => {
  await conn?.dropDatabase().catch(() => undefined);
  await conn?.close();
  await endpoint?.close();
});

it("reports unpublished outbox entries and their age while the relay cannot publish, and 0 once it can", async () => {
  const heads = conn.db!.collection<Doc>("docs");
  const versions = conn.db!.collection<VersionRow>("docs_versions");
  const series = { collection: "docs_versions" };
  const docs = versionedDocuments<Doc>(heads, versions, { notFound: (id) => new Error(`no ${id}`) });
  await docs.create({ _id: "m1", count: 0 });
  for (let i = 1; i <= 3; i++) {
    await docs.change("m1", async (d) => ({ head: { ...d, count: d.count + 1 }, outbox: [outboxEntry(topic, "m1", { filingId: "m1", collaboratingCourtId: `c${i}` }, "kuayu.test", 0)] }));
  }
  // A relay whose producer has lost the broker: every attempt fails (transiently), nothing is published.
  const lost = await createProducer(kafka, "kuayu.test");
  await lost.disconnect();
  const stuck = startVersionRelay({ versions, producer: lost, log, owned: () => "all", sweepMs: 100 });
  await eventually(async () => (await endpoint.scrape("kuayu_outbox_unpublished", series)) === 3, 20_000, "three unpublished versions");
  const age1 = (await endpoint.scrape("kuayu_outbox_oldest_unpublished_seconds", series))!;
  await new Promise((r) => setTimeout(r, 1500));
  const age2 = (await endpoint.scrape("kuayu_outbox_oldest_unpublished_seconds", series))!;
  expect(age1).toBeGreaterThan(0);
  expect(age2).toBeGreaterThan(age1 + 1);
  expect(await pendingOf(versions).count({ doc: "m1" })).toBe(3);
  await stuck.stop();

  const producer = await createProducer(kafka, "kuayu.test");
  const relay = startVersionRelay({ versions, producer, log, owned: () => "all", sweepMs: 100 });
  try {
    await eventually(async () => (await pendingOf(versions).count({ doc: "m1" })) === 0, 20_000, "all published");
    await eventually(async () => (await endpoint.scrape("kuayu_outbox_unpublished", series)) === 0, 20_000, "the backlog back to 0");
    expect(await endpoint.scrape("kuayu_outbox_oldest_unpublished_seconds", series)).toBe(0);
  } finally {
    await relay.stop();
    await producer.disconnect();
  }
});
