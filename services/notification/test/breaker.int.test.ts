// Webhook deliveries in parallel per receiver with a circuit breaker, on the real broker and store
// with real HTTP receivers on loopback: one that accepts connections and never answers, one whose
// port refuses connections, one healthy. The healthy one gets its deliveries promptly while the dead
// ones' breakers open; the dead ones' deliveries are kept (not dead-lettered) and arrive once they
// are back.
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createSigner } from "@kuayu/auth";
import { createClient, type Client } from "@kuayu/grpc";
import { createKafka, createProducer, type EventProducer } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { connectMongo } from "@kuayu/mongo";
import { notificationV1 } from "@kuayu/proto";
import { assertInfraUp, eventually, infra, publishLifecycle, testKeys, uniqueName } from "@kuayu/testkit";
import { verifyWebhook } from "../src/channels/webhook-signature";
import { readConfig } from "../src/config";
import { startApp, type App } from "../src/app";

const keys = testKeys();
const COURT = "c-110108";
const SECRET = "b".repeat(40);
const TIMEOUT_MS = 1500;
const RESET_MS = 2000;
const N = 10;
/** Query string of the registered URLs: a court may put a token there; it must never be logged. */
const QUERY = "?token=do-not-log-7f3a";

const lines: { msg: string; time: string; webhook?: string; receiver?: string }[] = [];
const raw: string[] = [];
const log = createLogger({
  service: "test",
  level: "info",
  destination: new Writable({
    write: (chunk: Buffer, _e, done) => {
      raw.push(chunk.toString());
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  }),
});

let app: App;
let db: string;
let events: EventProducer;
let system: Client<typeof notificationV1.NotificationService>;
const fatal: Error[] = [];

/**
 * A receiver that verifies every request and records its delivery id. `mode`: "up" answers 200,
 * "hang" reads the request and never answers, "refuse" closes the port (connections are refused).
 */
function receiver() {
  const got = new Map<string, number>(); // delivery id → when it arrived
  let calls = 0;
  let invalid = 0;
  let mode: "up" | "hang" | "refuse" = "up";
  let port = 0;
  const server = http.createServer((req, res) => {
    calls++;
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (mode === "hang") return; // never answers
      if (!verifyWebhook(SECRET, body, String(req.headers["x-kuayu-signature"] ?? ""), Math.floor(Date.now() / 1000)).ok) invalid++;
      const id = String(req.headers["x-kuayu-delivery"]);
      if (!got.has(id)) got.set(id, Date.now());
      res.writeHead(200).end();
    });
  });
  const listen = () => new Promise<void>((r) => server.listen(port, "127.0.0.1", () => ((port = (server.address() as AddressInfo).port), r())));
  const close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return {
    got,
    calls: () => calls,
    invalid: () => invalid,
    url: () => `http://127.0.0.1:${port}/hook${QUERY}`,
    listen,
    close: () => (server.listening ? close() : Promise.resolve()),
    async set(m: typeof mode) {
      if (m === "refuse" && server.listening) await close();
      if (m !== "refuse" && !server.listening) await listen();
      mode = m;
    },
  };
}

beforeAll(async () => {
  await assertInfraUp();
  db = uniqueName("notification_breaker_it");
  app = await startApp(
    readConfig({
      GRPC_PORT: "0",
      GRPC_HOST: "127.0.0.1",
      ...infra.kafkaEnv,
      MONGO_URI: infra.mongoUri,
      MONGO_DB: db,
      KAFKA_GROUP_ID: uniqueName("notification"),
      KAFKA_FROM_BEGINNING: "false",
      JWT_PUBLIC_KEY: keys.publicKey,
      WEBHOOK_ALLOW_LOOPBACK_HTTP: "true",
      WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
      WEBHOOK_BREAKER_RESET_MS: String(RESET_MS),
      DELIVERY_BACKOFF_MS: "100",
      DELIVERY_INTERVAL_MS: "100",
    }),
    log,
    (err) => void fatal.push(err),
  );
  const token = await (await createSigner(keys.privateKey)).mint({ user: `u-${COURT}`, courtId: COURT, roles: ["court-system"], province: "11" });
  system = createClient(notificationV1.NotificationService, `127.0.0.1:${app.grpcPort}`, { token, timeoutMs: 30_000 });
  events = await createProducer(createKafka({ ...infra.kafka, clientId: "notification-breaker-test", log }), "kuayu.test");
});

afterAll(async () => {
  system?.close();
  await events?.disconnect();
  expect(await app?.stop()).toBe(true);
  expect(fatal).toEqual([]);
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: db });
  await conn.dropDatabase();
  await conn.close();
});

const routed = (filingId: string) =>
  publishLifecycle(events, { window: "44", jurisdiction: "11" }, filingId, {
    case: "filingRouted",
    value: { filingId, collaboratingCourtId: "t-440103001", jurisdictionCourtId: COURT, round: 1, province: "11", routedAt: timestampFromDate(new Date()) },
  });

const deliveriesOf = async (webhookId: string) => (await system.listDeliveries({ webhookId, pageSize: 100 })).deliveries;
const opened = (webhookId: string) => lines.filter((l) => l.webhook === webhookId && l.msg.includes("breaker open")).length;

it("delivers to a healthy receiver at once while dead receivers' breakers open, and delivers theirs when they are back", async () => {
  const healthy = receiver();
  const hung = receiver();
  const refused = receiver();
  for (const r of [healthy, hung, refused]) await r.listen();
  const add = async (r: ReturnType<typeof receiver>) => (await system.addWebhook({ url: r.url(), secret: SECRET, eventTypes: ["kuayu.routing.v1.FilingRouted"] })).webhook!.webhookId;
  const [h, g, f] = [await add(healthy), await add(hung), await add(refused)];
  // One event while all three answer: the consumer is running and every receiver works.
  await routed(randomUUID());
  await eventually(async () => [healthy, hung, refused].every((r) => r.got.size === 1), 30_000, "the first delivery at every receiver");

  // Two receivers die: one hangs (every attempt waits the whole timeout), one refuses connections.
  await hung.set("hang");
  await refused.set("refuse");
  const t0 = Date.now();
  for (let i = 0; i < N; i++) await routed(randomUUID());

  await eventually(async () => healthy.got.size === N + 1, 30_000, "the healthy receiver's deliveries");
  const healthyMs = Math.max(...healthy.got.values()) - t0;
  // From queued to received, each of the healthy receiver's deliveries: one at a time, the hung
  // receiver would have held the last of them up for N × timeout (15 s).
  const lags = (await deliveriesOf(h)).map((d) => healthy.got.get(d.deliveryId)! - timestampDate(d.createdAt!).getTime());
  expect(Math.max(...lags)).toBeLessThan((N * TIMEOUT_MS) / 4);
  expect(healthyMs).toBeLessThan((N * TIMEOUT_MS) / 2);

  await eventually(async () => opened(g) > 0 && opened(f) > 0, 30_000, "both dead receivers' breakers open");
  const openMs = (id: string) => Date.parse(lines.find((l) => l.webhook === id && l.msg.includes("breaker open"))!.time) - t0;
  const hungCallsAtOpen = hung.calls();
  // Dead for longer than five attempts with backoff would take (they would be dead-lettered).
  await new Promise((r) => setTimeout(r, 2 * (RESET_MS + TIMEOUT_MS) + 1000));
  // While open, only a probe per reset period reaches the hung receiver.
  expect(hung.calls() - hungCallsAtOpen).toBeLessThanOrEqual(3);
  for (const id of [g, f]) {
    const ds = await deliveriesOf(id);
    expect(ds).toHaveLength(N + 1);
    expect(ds.filter((d) => d.status === notificationV1.DeliveryStatus.DEAD)).toEqual([]);
    expect(ds.filter((d) => d.status === notificationV1.DeliveryStatus.PENDING)).toHaveLength(N);
    for (const d of ds.filter((x) => x.status === notificationV1.DeliveryStatus.PENDING)) expect(d.attempts).toBeLessThan(5);
  }

  // Back: every kept delivery arrives, once the breaker's probe finds the receiver answering.
  const t1 = Date.now();
  await hung.set("up");
  await refused.set("up");
  await eventually(async () => hung.got.size === N + 1 && refused.got.size === N + 1, 30_000, "the dead receivers' deliveries after they are back");
  const backMs = Date.now() - t1;
  for (const id of [g, f, h]) {
    await eventually(async () => (await deliveriesOf(id)).every((d) => d.status === notificationV1.DeliveryStatus.DELIVERED), 10_000, "all delivered");
  }
  expect([healthy, hung, refused].map((r) => r.invalid())).toEqual([0, 0, 0]);
  expect(lines.filter((l) => l.msg.includes("breaker closed")).map((l) => l.webhook)).toEqual(expect.arrayContaining([g, f]));

  // The log names the receiver by origin only: never the path or the query string.
  expect(lines.find((l) => l.webhook === g && l.msg.includes("breaker open"))!.receiver).toBe(new URL(hung.url()).origin);
  expect(raw.filter((l) => l.includes("do-not-log"))).toEqual([]);

  console.log(
    `healthy receiver: ${N} deliveries in ${healthyMs} ms from publishing, each ${Math.min(...lags)}–${Math.max(...lags)} ms from queued to received; breakers open after ${openMs(g)} ms (hanging) and ${openMs(f)} ms (refusing); dead receivers' ${N} deliveries each arrived ${backMs} ms after they were back`,
  );
  for (const r of [healthy, hung, refused]) await r.close();
});
