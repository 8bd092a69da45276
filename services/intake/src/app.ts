import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createVerifier } from "@kuayu/auth";
import { startServer, type RunningServer } from "@kuayu/grpc";
import { createKafka, createProducer, ensureTopics, runConsumer, type EventProducer, type RunningConsumer } from "@kuayu/kafka";
import { runShutdown } from "@kuayu/lifecycle";
import type { Logger } from "@kuayu/logger";
import { connectMongo, ensureIndexes } from "@kuayu/mongo";
import { startOutboxRelay, type OutboxRelay } from "@kuayu/outbox";
import type { Connection } from "mongoose";
import type { Config } from "./config.js";
import { intakeService } from "./adapters/grpc/intake-service.js";
import { timelineTopics } from "./adapters/kafka/topics.js";
import { timelineProjector } from "./adapters/kafka/timeline-projector.js";
import { filingModel, mongoFilingRepository, SOURCE, timelineModel } from "./adapters/mongo/filing-repository.js";

export interface App {
  grpcPort: number;
  /** Runs the STYLE.md shutdown order; resolves true when every step finished cleanly. */
  stop(): Promise<boolean>;
}

/**
 * Builds and starts intake: store, topics, outbox relay, timeline consumer, gRPC server.
 * Tests call it directly (GRPC_PORT=0); main.ts adds signals and telemetry.
 */
export async function startApp(config: Readonly<Config>, log: Logger, onFatal: (err: Error) => void): Promise<App> {
  const publicKey = config.JWT_PUBLIC_KEY ?? readFileSync(config.JWT_PUBLIC_KEY_FILE!, "utf8");
  const verifier = await createVerifier(publicKey);

  let conn: Connection | undefined, producer: EventProducer | undefined, relay: OutboxRelay | undefined;
  let consumer: RunningConsumer | undefined, server: RunningServer | undefined;
  try {
    conn = await connectMongo({ uri: config.MONGO_URI, dbName: config.MONGO_DB });
    const model = filingModel(conn);
    const timeline = timelineModel(conn);
    await ensureIndexes([model, timeline]);

    const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: "intake", log });
    await ensureTopics(kafka, timelineTopics);
    producer = await createProducer(kafka, SOURCE);
    relay = startOutboxRelay({ model, producer, log });
    const repo = mongoFilingRepository(model, timeline, relay.nudge);

    consumer = await runConsumer({
      kafka,
      groupId: config.KAFKA_GROUP_ID,
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      topics: timelineTopics,
      handle: timelineProjector(repo),
      producer,
      log,
      onFatal,
    });
    server = await startServer({
      services: [intakeService({ repo, newId: randomUUID, now: () => new Date() })],
      verifier,
      log,
      host: config.GRPC_HOST,
      port: config.GRPC_PORT,
    });
  } catch (err) {
    await closeAll();
    throw err;
  }

  function closeAll() {
    return runShutdown(
      [
        { name: "gRPC NOT_SERVING", run: () => server?.notServing() },
        { name: "stop consuming", run: () => consumer?.stop() },
        { name: "drain gRPC", run: () => server?.drain(Math.min(10_000, config.SHUTDOWN_GRACE_MS / 2)) },
        { name: "stop outbox relay", run: () => relay?.stop() },
        { name: "flush producer", run: () => producer?.disconnect() },
        { name: "close store", run: () => conn?.close() },
      ],
      log,
      config.SHUTDOWN_GRACE_MS,
    );
  }
  log.info({ grpcPort: server.port, provinces: "all" }, "intake started");
  return { grpcPort: server.port, stop: closeAll };
}
