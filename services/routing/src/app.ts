import { verifierFromSettings } from "@kuayu/auth";
import { startCalendar, type CalendarWatch } from "@kuayu/calendar";
import { kafkaClient } from "@kuayu/config";
import { loadDirectory, directoryStats } from "@kuayu/directory";
import { startServer, tlsFromSettings, type RunningServer } from "@kuayu/grpc";
import { brokerReadiness, createKafka, createProducer, ensureTopics, runConsumer, type EventProducer, type RunningConsumer } from "@kuayu/kafka";
import { runShutdown } from "@kuayu/lifecycle";
import { ALL_LIFECYCLE_TOPICS, eventSecurity, ownCopy } from "@kuayu/topics";
import type { Logger } from "@kuayu/logger";
import type { Config } from "./config.js";
import { directoryService } from "./adapters/grpc/directory-service.js";
import { routingStage, stageTopics, STAGE_EVENT_TYPES } from "./adapters/kafka/routing-consumer.js";

export interface App {
  grpcPort: number;
  stop(): Promise<boolean>;
}

/** Seams for tests: the clock that dates arrivals (deadlines are computed from it). */
export interface AppOptions {
  now?: () => Date;
}

/**
 * Loads the national directory into memory and serves it; with ROUTING_STAGE=on also runs the
 * routing stage on Kafka. Tests call this with GRPC_PORT=0.
 */
export async function startApp(config: Readonly<Config>, log: Logger, onFatal: (err: Error) => void = () => undefined, options: AppOptions = {}): Promise<App> {
  const calendar: CalendarWatch = startCalendar({ file: config.CALENDAR_FILE, pollMs: config.CALENDAR_POLL_MS, log });
  const dir = loadDirectory(config.DIRECTORY_FILE ? { file: config.DIRECTORY_FILE } : {});
  // A token names a court of the directory, in the province the token says.
  const verifier = await verifierFromSettings(config, { courtProvince: (id) => dir.byId(id)?.province });
  // Events: signed as routing (EVENT_SIGNING_KEY_FILE), verified against the producers' keys (EVENT_KEYS_FILE, EVENT_TRUST).
  const events = await eventSecurity(config, "routing", (id) => dir.byId(id)?.province);
  if (!events.verifier) log.warn("EVENT_KEYS_FILE and EVENT_TRUST are not set: events are not verified");
  const tls = tlsFromSettings(config);
  const stats = directoryStats(dir);

  let producer: EventProducer | undefined, consumer: RunningConsumer | undefined, server: RunningServer | undefined;
  try {
    let kafka: ReturnType<typeof createKafka> | undefined;
    if (config.ROUTING_STAGE === "on") {
      kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: "routing", log, ...kafkaClient(config) });
      // It writes to every province's topic (a filing's jurisdiction may be anywhere) and reads its scope's.
      await ensureTopics(kafka, [...ALL_LIFECYCLE_TOPICS]);
      producer = await createProducer(kafka, "kuayu.routing", events);
      consumer = await runConsumer({
        ...(events.verifier ? { verify: events.verifier } : {}),
        kafka,
        groupId: config.KAFKA_GROUP_ID,
        sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
        concurrency: config.KAFKA_CONCURRENCY,
        fromBeginning: config.KAFKA_FROM_BEGINNING,
        topics: stageTopics(config.PROVINCE_SCOPE),
        filter: ownCopy("window", (id) => dir.byId(id)?.province),
        types: STAGE_EVENT_TYPES,
        handle: routingStage({ dir, producer, scope: config.PROVINCE_SCOPE, now: options.now ?? (() => new Date()), log }),
        producer,
        log,
        onFatal,
      });
    }
    server = await startServer({
      services: [directoryService(dir, options.now)],
      // Routing's calls only read (the directory): the audit trail records none of them.
      verifier,
      log,
      host: config.GRPC_HOST,
      port: config.GRPC_PORT,
      credentials: tls.server,
      healthPort: config.GRPC_HEALTH_PORT,
      callsPerCourtPerSecond: config.GRPC_CALLS_PER_COURT_PER_SECOND,
      readiness: kafka ? [brokerReadiness(kafka)] : [],
    });
  } catch (err) {
    await stop();
    throw err;
  }

  function stop() {
    return runShutdown(
      [
        { name: "gRPC NOT_SERVING", run: () => server?.notServing() },
        { name: "stop consuming", run: () => consumer?.stop() },
        { name: "drain gRPC", run: () => server?.drain(Math.min(10_000, config.SHUTDOWN_GRACE_MS / 2)) },
        { name: "flush producer", run: () => producer?.disconnect() },
        { name: "stop calendar watch", run: () => calendar.stop() },
      ],
      log,
      config.SHUTDOWN_GRACE_MS,
    );
  }
  log.info({ grpcPort: server.port, courts: stats.total, stage: config.ROUTING_STAGE, provinces: config.PROVINCE_SCOPE }, "routing started");
  return { grpcPort: server.port, stop };
}
