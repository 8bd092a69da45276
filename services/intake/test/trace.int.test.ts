// One trace from a gRPC call through the outbox, the Kafka hop and the consumer's store write.
// The service runs as its own process with telemetry loaded first (as in production) and
// exports spans over OTLP/HTTP to a receiver in this test.
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { createSigner } from "@kuayu/auth";
import { createClient } from "@kuayu/grpc";
import { intakeV1 } from "@kuayu/proto";
import { assertInfraUp, eventually, infra, spawnService, testKeys, uniqueName, type ServiceProcess } from "@kuayu/testkit";
import { readyDraft, startRoutingService } from "./support";

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

it("follows one trace from the gRPC call to the consumer's store write", async () => {
  const keys = testKeys();
  routing = await startRoutingService(keys.publicKey);
  svc = spawnService(path.resolve(__dirname, "../dist/main.js"), {
    ROUTING_ADDR: `127.0.0.1:${routing.grpcPort}`,
    GRPC_PORT: "0",
    GRPC_HOST: "127.0.0.1",
    KAFKA_BROKERS: infra.brokers.join(","),
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
  const client = createClient(intakeV1.FilingIntakeService, `127.0.0.1:${port}`, { token });
  const filingId = await readyDraft(client);
  const { filing } = await client.submitFiling({ filingId, idempotencyKey: uniqueName("trace") });
  await eventually(async () => (await client.getFiling({ filingId: filing!.filingId })).filing!.timeline.length > 0, 30_000, "timeline entry");
  client.close();

  const topic = "kuayu.filing.lifecycle.v1";
  const root = await eventually(async () => spans.find((s) => s.kind === SPAN_KIND.server && s.name.includes("FilingIntakeService/SubmitFiling")), 20_000, "gRPC server span");
  const inTrace = () => spans.filter((s) => s.traceId === root.traceId);
  const consumerSpan = await eventually(async () => inTrace().find((s) => s.kind === SPAN_KIND.consumer && s.name.includes(topic)), 20_000, "consumer span in the same trace");
  const producerSpan = inTrace().find((s) => s.kind === SPAN_KIND.producer && s.name.includes(topic));
  expect(producerSpan).toBeDefined();
  // The consumer's store write is a child of the consumer span.
  const write = await eventually(
    async () => inTrace().find((s) => s.parentSpanId === consumerSpan.spanId && /^(save|insert\w*|update\w*|replace\w*) filings(_versions)?$|^mongodb\.(insert|update)$/.test(s.name)),
    20_000,
    "store write under the consumer span",
  ).catch((err: Error) => {
    throw new Error(`${err.message}; spans in the trace: ${JSON.stringify(inTrace().map((s) => [s.name, s.parentSpanId === consumerSpan.spanId]))}`);
  });
  expect(write.traceId).toBe(root.traceId);
});
