// Traces across the hops: a gRPC call through the outbox to the Kafka hop, and a consumed event's
// trace into the consumer's store write.
// The service runs as its own process with telemetry loaded first (as in production) and
// exports spans over OTLP/HTTP to a receiver in this test.
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { createSigner } from "@kuayu/auth";
import { createClient, tlsFromSettings } from "@kuayu/grpc";
import { buildRecord, createKafka } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { lifecycleTopic } from "@kuayu/topics";
import { intakeV1 } from "@kuayu/proto";
import { assertInfraUp, eventually, infra, serviceCertificates, serviceEventKeys, spawnService, testKeys, uniqueName, type ServiceProcess } from "@kuayu/testkit";
import { BEIJING_CHAOYANG, readyDraft, startRoutingService } from "./support";

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}
const SPAN_KIND = { server: 2, producer: 4, consumer: 5 };

const spans: Span[] = [];
const receiver = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    const data = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: Span[] }[] }[] };
    for (const rs of data.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
});

let svc: ServiceProcess | undefined;
let routing: Awaited<ReturnType<typeof startRoutingService>> | undefined;
beforeAll(async () => {
  await assertInfraUp();
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
});
afterAll(async () => {
  await svc?.kill("SIGKILL");
  await routing?.stop();
  receiver.close();
});

it("follows the trace of a gRPC call to the broker, and of an event into the consumer's store write", async () => {
  const keys = testKeys();
  routing = await startRoutingService(keys.publicKey, serviceCertificates().serverEnv); // the spawned intake dials it with mutual TLS
  svc = spawnService(path.resolve(__dirname, "../dist/main.js"), {
    ROUTING_ADDR: `127.0.0.1:${routing.grpcPort}`,
    GRPC_PORT: "0",
    GRPC_HOST: "127.0.0.1",
    ...infra.kafkaEnv,
    MONGO_URI: infra.mongoUri,
    MONGO_DB: uniqueName("intake_trace"),
    KAFKA_GROUP_ID: uniqueName("intake"),
    JWT_PUBLIC_KEY: keys.publicKey,
    OTEL_SERVICE_NAME: "intake",
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
    OTEL_BSP_SCHEDULE_DELAY: "100",
  });
  const port = Number((await svc.waitFor((l) => l.msg === "intake started")).grpcPort);
  const token = await (await createSigner(keys.privateKey)).mint({ user: "u", courtId: "c-440703", roles: ["window-clerk"], province: "44" });
  const client = createClient(intakeV1.FilingIntakeService, `127.0.0.1:${port}`, { token, credentials: tlsFromSettings(serviceCertificates().clientEnv).channel });
  const filingId = await readyDraft(client);
  const { filing } = await client.submitFiling({ filingId, idempotencyKey: uniqueName("trace") });
  client.close();

  // The gRPC call, the outbox and the Kafka hop: the relay publishes in the call's trace.
  const topic = "kuayu.filing.lifecycle-44.v1"; // the window's (a Guangdong court's) topic, which intake reads
  const root = await eventually(async () => spans.find((s) => s.kind === SPAN_KIND.server && s.name.includes("FilingIntakeService/SubmitFiling")), 20_000, "gRPC server span");
  await eventually(async () => spans.find((s) => s.traceId === root.traceId && s.kind === SPAN_KIND.producer && s.name.includes(topic)), 20_000, "producer span in the call's trace");

  // Intake passes over its own events; another service's event continues that service's trace
  // (W3C traceparent, as every producer here writes it) into intake's consumer and its store write.
  const traceId = randomBytes(16).toString("hex");
  const kafka = createKafka({ ...infra.kafka, clientId: "trace-test", log: createLogger({ service: "test", level: "silent" }) });
  const producer = kafka.producer();
  await producer.connect();
  const message = { filingId, collaboratingCourtId: filing!.collaboratingCourtId, jurisdictionCourtId: BEIJING_CHAOYANG.id, round: 1, drill: false };
  // Signed as decision (the spawned intake verifies events); the trace header is not part of the signature.
  const r = await (await serviceEventKeys().signer("decision")).sign(buildRecord(lifecycleTopic("44"), filingId, { event: { case: "acknowledged", value: message } }, { source: "kuayu.decision" }));
  await producer.send({
    topic: r.topic,
    messages: [{ key: r.key, value: r.value, partition: r.partition, headers: { ...r.headers, traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` } }],
  });
  await producer.disconnect();

  const inTrace = () => spans.filter((s) => s.traceId === traceId);
  const consumerSpan = await eventually(async () => inTrace().find((s) => s.kind === SPAN_KIND.consumer && s.name.includes(topic)), 20_000, "consumer span in the producer's trace");
  // The consumer's store write is a child of the consumer span.
  const write = await eventually(
    async () => inTrace().find((s) => s.parentSpanId === consumerSpan.spanId && /^(save|insert\w*|update\w*|replace\w*) filings(_versions)?$|^mongodb\.(insert|update)$/.test(s.name)),
    20_000,
    "store write under the consumer span",
  ).catch((err: Error) => {
    throw new Error(`${err.message}; spans in the trace: ${JSON.stringify(inTrace().map((s) => [s.name, s.parentSpanId === consumerSpan.spanId]))}`);
  });
  expect(write.traceId).toBe(traceId);
});
