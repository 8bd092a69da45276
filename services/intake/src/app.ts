import { randomUUIDv7 } from "node:crypto";
import { INTAKE_AUDIENCE, verifierFromSettings } from "@kuayu/auth";
import { loadDirectory } from "@kuayu/directory";
import { createClient, startServer, tlsFromSettings, type RunningServer } from "@kuayu/grpc";
import { brokerReadiness, createKafka, createProducer, ensureTopics, runConsumer, type EventProducer, type RunningConsumer } from "@kuayu/kafka";
import { runShutdown } from "@kuayu/lifecycle";
import { ALL_AUDIT_TOPICS, ALL_LIFECYCLE_TOPICS, eventSecurity, ownCopy, ownedStreams } from "@kuayu/topics";
import { startCalendar, type CalendarWatch } from "@kuayu/calendar";
import { kafkaClient, retentionSchedule } from "@kuayu/config";
import { fieldCryptFromSettings, type FieldCrypt } from "@kuayu/fieldcrypt";
import type { Logger } from "@kuayu/logger";
import { connectMongo, storeReadiness, coordinationCollections, createSequences, createWatchHub, ensureCollections, ensureIndexes, type WatchHub } from "@kuayu/mongo";
import { runRetention, startRetentionTimer, type RetentionTimer } from "@kuayu/mongo";
import { drainLegacyOutbox, startVersionRelay, versionCollections, type VersionRelay, type VersionRow } from "@kuayu/outbox";
import { directoryV1 } from "@kuayu/proto";
import type { Connection } from "mongoose";
import type { Config } from "./config.js";
import type { Deps } from "./domain/intake.js";
import type { Filing } from "./domain/filing.js";
import { intakeService } from "./adapters/grpc/intake-service.js";
import { intakeTopics, SOURCE } from "./adapters/kafka/topics.js";
import { LIFECYCLE_EVENT_TYPES, lifecycleConsumer } from "./adapters/kafka/lifecycle-consumer.js";
import { filingModel, mongoFilingRepository, timelineModel } from "./adapters/mongo/filing-repository.js";
import { gridFsMaterialStore } from "./adapters/mongo/material-store.js";
import { filingRetentionStore } from "./adapters/mongo/retention-store.js";
import { intakeRetention } from "./domain/retention.js";

export interface App {
  grpcPort: number;
  /** Runs the docs/platform.md (house rules) shutdown order; resolves true when every step finished cleanly. */
  stop(): Promise<boolean>;
}

/** Seams for tests: the service's clock (submissions, receipts, timeline). */
export interface AppOptions {
  now?: () => Date;
}

/**
 * Builds and starts intake: store, topics, outbox relay, lifecycle consumer, gRPC server.
 * Tests call it directly (GRPC_PORT=0); main.ts adds signals and telemetry.
 */
export async function startApp(config: Readonly<Config>, log: Logger, onFatal: (err: Error) => void, options: AppOptions = {}): Promise<App> {
  // Intake counts no working time itself; the calendar is loaded for its coverage metric and warnings.
  const calendar: CalendarWatch = startCalendar({ file: config.CALENDAR_FILE, pollMs: config.CALENDAR_POLL_MS, log });
  // A token names a court of the directory, in the province the token says; intake also takes
  // decision's narrow service tokens (audience kuayu:intake) for one filing's materials.
  const dir = loadDirectory(config.DIRECTORY_FILE ? { file: config.DIRECTORY_FILE } : {});
  const verifier = await verifierFromSettings(config, { audiences: [INTAKE_AUDIENCE], courtProvince: (id) => dir.byId(id)?.province });
  // Events: signed as intake (EVENT_SIGNING_KEY_FILE), verified against the producers' keys (EVENT_KEYS_FILE, EVENT_TRUST).
  const events = await eventSecurity(config, "intake", (id) => dir.byId(id)?.province);
  if (!events.verifier) log.warn("EVENT_KEYS_FILE and EVENT_TRUST are not set: events are not verified");
  const tls = tlsFromSettings(config);

  let conn: Connection | undefined, producer: EventProducer | undefined, relay: VersionRelay | undefined;
  let consumer: RunningConsumer | undefined, server: RunningServer | undefined, hub: WatchHub<Filing> | undefined;
  let sweeper: NodeJS.Timeout | undefined, retention: RetentionTimer | undefined, crypt: FieldCrypt | undefined;
  const directory = createClient(directoryV1.DirectoryService, config.ROUTING_ADDR, { timeoutMs: config.ROUTING_TIMEOUT_MS, credentials: tls.channel });
  try {
    conn = await connectMongo({ uri: config.MONGO_URI, dbName: config.MONGO_DB });
    const model = filingModel(conn);
    const timeline = timelineModel(conn);
    await ensureIndexes([model, timeline]);
    await ensureCollections(conn, [...coordinationCollections("material_files"), ...versionCollections("filings")]);
    // The parties' ids, phones and addresses are sealed at rest with intake's own data keys.
    crypt = await fieldCryptFromSettings(config, conn.db!);
    const sealing = crypt;
    // Receipt numbers are never given back: no look-up for spares.
    const sequences = createSequences(conn, { givesBack: false });
    const materials = gridFsMaterialStore(conn, log);

    const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: "intake", log, ...kafkaClient(config) });
    // A province's release reads its own provinces' lifecycle topics only (the broker's ACLs allow no other).
    const lifecycleTopics = intakeTopics(config.PROVINCE_SCOPE);
    // It writes to every province's topic (a filing's jurisdiction may be anywhere).
    await ensureTopics(kafka, [...ALL_LIFECYCLE_TOPICS, ...ALL_AUDIT_TOPICS]);
    producer = await createProducer(kafka, SOURCE, events);
    // Events written into filing documents before they were versioned go out first, once.
    await drainLegacyOutbox(model, producer, log);
    const versions = conn.db!.collection<VersionRow>("filings_versions");
    // This instance publishes the versions of the windows' streams its consumer owns (one relay per filing).
    relay = startVersionRelay({ versions, producer, log, owned: () => ownedStreams(consumer, lifecycleTopics), open: (value) => sealing.decryptBytes(value) });
    const repo = mongoFilingRepository(model, timeline, versions, {
      onCommit: (id, row) => relay?.nudge(id, row),
      onChange: (changed) => hub?.publish(changed),
      courtProvince: (id) => dir.byId(id)?.province,
      crypt,
      groupWaitMs: config.STORE_GROUP_WAIT_MS,
    });
    hub = createWatchHub(repo.changedSince, log, config.WATCH_POLL_MS);

    const deps: Deps = {
      repo,
      materials,
      // Time first (RFC 9562 version 7): a watcher's service can tell a filing made after it began to watch (idCreatedAt).
      newId: randomUUIDv7,
      now: options.now ?? (() => new Date()),
      nextReceiptNumber: (court, day) => sequences.next(`receipt:${court}:${day}`),
      maxMaterialBytes: config.MATERIAL_MAX_BYTES,
      maxFilingBytes: config.FILING_MAX_BYTES,
    };
    const sweep = () => void materials.sweep(repo.references, config.UPLOAD_ABANDON_MS).catch((err: unknown) => log.warn({ err }, "upload sweep failed"));
    sweep();
    sweeper = setInterval(sweep, Math.min(config.UPLOAD_ABANDON_MS, 10 * 60_000)).unref();
    // Retention, daily (RETENTION_ENABLED, RETENTION_HOUR; docs/security.md "Retention").
    const retentionSteps = intakeRetention(filingRetentionStore(model, timeline, versions, materials, sealing));
    retention = startRetentionTimer({
      enabled: config.RETENTION_ENABLED,
      hour: config.RETENTION_HOUR,
      log,
      run: () => runRetention("intake", retentionSteps, { now: deps.now(), schedule: retentionSchedule(config), dryRun: false, log }),
    });

    consumer = await runConsumer({
      ...(events.verifier ? { verify: events.verifier } : {}),
      kafka,
      groupId: config.KAFKA_GROUP_ID,
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      concurrency: config.KAFKA_CONCURRENCY,
      fromBeginning: config.KAFKA_FROM_BEGINNING,
      topics: lifecycleTopics,
      fetchWaitMs: config.LIFECYCLE_FETCH_WAIT_MS,
      filter: ownCopy("window", (id) => dir.byId(id)?.province),
      types: LIFECYCLE_EVENT_TYPES,
      handleBatch: lifecycleConsumer({ repo, now: deps.now, log: repo }),
      producer,
      log,
      onFatal,
    });
    server = await startServer({
      services: [
        intakeService(deps, directory, hub, config.PROVINCE_SCOPE, {
          courts: (id) => {
            const c = dir.byId(id);
            return c && { name: c.name, address: c.address };
          },
          failuresPerReceiptPerHour: config.PARTY_LOOKUP_FAILURES_PER_HOUR,
        }),
      ],
      // The audit trail (docs/security.md): records of the calls that changed nothing go out here.
      audit: { service: "intake", versioned: true, publish: (e) => producer!.sendRecords([e]) },
      verifier,
      log,
      host: config.GRPC_HOST,
      port: config.GRPC_PORT,
      credentials: tls.server,
      healthPort: config.GRPC_HEALTH_PORT,
      callsPerCourtPerSecond: config.GRPC_CALLS_PER_COURT_PER_SECOND,
      readiness: [storeReadiness(conn), brokerReadiness(kafka)],
    });
  } catch (err) {
    await closeAll();
    throw err;
  }

  function closeAll() {
    return runShutdown(
      [
        { name: "gRPC NOT_SERVING", run: () => server?.notServing() },
        { name: "end watch streams", run: () => hub?.stop() },
        { name: "stop consuming", run: () => consumer?.stop() },
        { name: "drain gRPC", run: () => server?.drain(Math.min(10_000, config.SHUTDOWN_GRACE_MS / 2)) },
        { name: "stop retention", run: () => retention?.stop() },
        { name: "stop outbox relay", run: () => relay?.stop() },
        { name: "flush producer", run: () => producer?.disconnect() },
        { name: "close routing client", run: () => directory.close() },
        { name: "stop calendar watch", run: () => calendar.stop() },
        { name: "close store", run: () => (clearInterval(sweeper), crypt?.close(), conn?.close()) },
      ],
      log,
      config.SHUTDOWN_GRACE_MS,
    );
  }
  log.info({ grpcPort: server.port, provinces: config.PROVINCE_SCOPE, routing: config.ROUTING_ADDR }, "intake started");
  return { grpcPort: server.port, stop: closeAll };
}
