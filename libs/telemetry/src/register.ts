/**
 * OpenTelemetry bootstrap. Load it before anything else — `node --require @kuayu/telemetry/register`
 * — or the instrumentations never see the modules they patch.
 *
 * Environment:
 *   OTEL_SERVICE_NAME             service name on every span and metric
 *   OTEL_EXPORTER_OTLP_ENDPOINT   send traces there over OTLP/HTTP (unset: spans are made, for trace
 *                                 ids in logs and propagation, but not exported)
 *   METRICS_PORT                  Prometheus /metrics port (default 9464; "off" to disable)
 */
import { NodeSDK } from "@opentelemetry/sdk-node";
import { BatchSpanProcessor, NoopSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { GrpcInstrumentation } from "@opentelemetry/instrumentation-grpc";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { ExpressInstrumentation } from "@opentelemetry/instrumentation-express";
import { MongooseInstrumentation } from "@opentelemetry/instrumentation-mongoose";
import { MongoDBInstrumentation } from "@opentelemetry/instrumentation-mongodb";
import { commandShape } from "./statement.js";
import { TELEMETRY_KEY } from "./index.js";

const metricsPort = process.env.METRICS_PORT ?? "9464";
const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;

const sdk = new NodeSDK({
  serviceName: process.env.OTEL_SERVICE_NAME ?? "kuayu",
  spanProcessors: [endpoint ? new BatchSpanProcessor(new OTLPTraceExporter()) : new NoopSpanProcessor()],
  ...(metricsPort === "off" ? {} : { metricReaders: [new PrometheusExporter({ port: Number(metricsPort) })] }),
  instrumentations: [
    new HttpInstrumentation(),
    new ExpressInstrumentation(),
    new GrpcInstrumentation(),
    // No Kafka instrumentation: @kuayu/kafka makes each record's producer span in the trace its
    // headers carry, and each event's consumer span in the producer's (the instrumentation would put
    // every record of one send in the sender's trace, and each fetch in a trace of its own).
    new MongooseInstrumentation(),
    // The driver's commands too: versioned documents, content and sequences write through it directly.
    new MongoDBInstrumentation({ dbStatementSerializer: commandShape }),
  ],
});
sdk.start();
(globalThis as Record<symbol, unknown>)[TELEMETRY_KEY] = sdk;
