import { readFileSync } from "node:fs";
import { INTAKE_AUDIENCE, createSigner, verifierFromSettings } from "@kuayu/auth";
import { startCalendar, type CalendarWatch } from "@kuayu/calendar";
import { kafkaClient, retentionSchedule } from "@kuayu/config";
import { courtWorkingHours, loadDirectory } from "@kuayu/directory";
import { DEFAULT_WORKING_HOURS } from "@kuayu/domain";
import { createClient, startServer, tlsFromSettings, type Client, type RunningServer } from "@kuayu/grpc";
import { brokerReadiness, createKafka, createProducer, ensureTopics, runConsumer, type EventProducer, type RunningConsumer } from "@kuayu/kafka";
import { runShutdown } from "@kuayu/lifecycle";
import type { Logger } from "@kuayu/logger";
import {
  connectMongo,
  storeReadiness,
  contentCollections,
  contentStore,
  coordinationCollections,
  createSequences,
  createWatchHub,
  ensureCollections,
  ensureIndexes,
  gridFsFileStore,
  type WatchHub,
} from "@kuayu/mongo";
import { runRetention, startRetentionTimer, type RetentionTimer } from "@kuayu/mongo";
import { fieldCryptFromSettings, type FieldCrypt } from "@kuayu/fieldcrypt";
import { drainLegacyOutbox, startVersionRelay, versionCollections, type VersionRelay, type VersionRow } from "@kuayu/outbox";
import { intakeV1 } from "@kuayu/proto";
import { ALL_AUDIT_TOPICS, ALL_LIFECYCLE_TOPICS, eventSecurity, ownCopy, ownedStreams } from "@kuayu/topics";
import type { Connection } from "mongoose";
import { groupIdOf, type Config } from "./config.js";
import { recomputeOpenDeadlines, type Deps } from "./domain/decision.js";
import type { InboxFiling } from "./domain/inbox.js";
import { decisionService } from "./adapters/grpc/decision-service.js";
import { INBOX_EVENT_TYPES, inboxConsumer, inboxTopics } from "./adapters/kafka/inbox-consumer.js";
import { inboxModel, mongoInboxRepository, SOURCE } from "./adapters/mongo/inbox-repository.js";
import { startCopier, type Copier } from "./adapters/copier.js";
import { inboxRetentionStore } from "./adapters/mongo/retention-store.js";
import { decisionRetention } from "./domain/retention.js";

export interface App {
  grpcPort: number;
  /** Runs the docs/platform.md (house rules) shutdown order; resolves true when every step finished cleanly. */
  stop(): Promise<boolean>;
}

/** Seams for tests: the service's clock (arrivals, responses, decisions, recomputations). */
export interface AppOptions {
  now?: () => Date;
}

/**
 * Builds and starts jurisdiction-decision for a province scope: store, topics, outbox relay,
 * material copier, routed-filing consumer (the scope's lifecycle topics only), gRPC server.
 */
export async function startApp(config: Readonly<Config>, log: Logger, onFatal: (err: Error) => void, options: AppOptions = {}): Promise<App> {
  const signer = await createSigner(config.JWT_PRIVATE_KEY ?? readFileSync(config.JWT_PRIVATE_KEY_FILE!, "utf8"));

  const dir = loadDirectory(config.DIRECTORY_FILE ? { file: config.DIRECTORY_FILE } : {});
  // A token names a court of the directory, in the province the token says.
  const verifier = await verifierFromSettings(config, { courtProvince: (id) => dir.byId(id)?.province });
  // Events: signed as decision (EVENT_SIGNING_KEY_FILE), verified against the producers' keys (EVENT_KEYS_FILE, EVENT_TRUST).
  const events = await eventSecurity(config, "decision", (id) => dir.byId(id)?.province);
  if (!events.verifier) log.warn("EVENT_KEYS_FILE and EVENT_TRUST are not set: events are not verified");
  const tls = tlsFromSettings(config);
  let deps: Deps | undefined;
  // When an operator loads a year's official arrangement, open filings' deadlines are counted again.
  const calendar: CalendarWatch = startCalendar({
    file: config.CALENDAR_FILE,
    pollMs: config.CALENDAR_POLL_MS,
    log,
    onChange: async (years) => {
      if (!deps) return;
      const moved = await recomputeOpenDeadlines(deps, years);
      log.info({ changedYears: years, filings: moved }, "deadlines recomputed after the holiday calendar changed");
    },
  });
  let conn: Connection | undefined, producer: EventProducer | undefined, relay: VersionRelay | undefined, copier: Copier | undefined;
  let consumer: RunningConsumer | undefined, server: RunningServer | undefined, hub: WatchHub<InboxFiling> | undefined, retention: RetentionTimer | undefined, crypt: FieldCrypt | undefined;
  const intakes = new Map<string, Client<typeof intakeV1.FilingIntakeService>>();
  const intakeFor = (province: string) => {
    const addr = config.INTAKE_ADDRS[province] ?? config.INTAKE_ADDRS["*"];
    if (!addr) throw new Error(`no intake address for province ${province} (INTAKE_ADDRS)`);
    let c = intakes.get(addr);
    if (!c) intakes.set(addr, (c = createClient(intakeV1.FilingIntakeService, addr, { timeoutMs: 60_000, credentials: tls.channel })));
    return c;
  };
  // A token for each copy: the jurisdiction court may read that one filing's materials at the
  // window's intake (audience kuayu:intake), for five minutes — nothing else.
  const tokenFor = (filingId: string, courtId: string, province: string) =>
    signer.mintService({ user: "svc-decision", courtId, province, scope: "material:read", filing: filingId, audience: INTAKE_AUDIENCE, expiresIn: "5m" });

  try {
    conn = await connectMongo({ uri: config.MONGO_URI, dbName: config.MONGO_DB });
    const model = inboxModel(conn);
    await ensureIndexes([model]);
    await ensureCollections(conn, [...coordinationCollections("material_copies"), ...contentCollections("copies"), ...versionCollections("inbox")]);
    // The court's copies by SHA-256; copies made before it (GridFS "material_copies") stay readable.
    const copies = { content: contentStore(conn, "copies"), legacy: gridFsFileStore(conn, "material_copies", log) };

    const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: "decision", log, ...kafkaClient(config) });
    // It writes to every province's topic (a filing's window may be anywhere) and reads its scope's.
    const topics = inboxTopics(config.PROVINCE_SCOPE);
    await ensureTopics(kafka, [...ALL_LIFECYCLE_TOPICS, ...ALL_AUDIT_TOPICS]);
    producer = await createProducer(kafka, SOURCE, events);
    // Events written into inbox documents before they were versioned go out first, once.
    await drainLegacyOutbox(model, producer, log);
    const versions = conn.db!.collection<VersionRow>("inbox_versions");
    // This instance publishes the versions of the jurisdiction streams its consumer owns (one relay per filing).
    relay = startVersionRelay({ versions, producer, log, owned: () => ownedStreams(consumer, topics) });
    // The parties' ids, phones and addresses in the inbox are sealed at rest with decision's own data keys.
    crypt = await fieldCryptFromSettings(config, conn.db!);
    const repo = mongoInboxRepository(model, versions, {
      onCommit: (id, row) => relay?.nudge(id, row),
      onChange: (changed) => hub?.publish(changed),
      crypt,
      groupWaitMs: config.STORE_GROUP_WAIT_MS,
    });
    hub = createWatchHub(repo.changedSince, log, config.WATCH_POLL_MS);
    copier = startCopier({ repo, content: copies.content, intakeFor, tokenFor, log, intervalMs: config.COPY_INTERVAL_MS, concurrency: config.COPY_CONCURRENCY });
    deps = {
      repo,
      sequences: createSequences(conn),
      now: options.now ?? (() => new Date()),
      copyMaterials: (id) => copier?.nudge(id),
      copyOnArrival: (f) => copier?.copyNow(f, config.COPY_ON_ARRIVAL_MS) ?? Promise.resolve(new Set<string>()),
      workingHours: (courtId) => courtWorkingHours(dir, courtId) ?? DEFAULT_WORKING_HOURS,
    };

    // Retention, daily (RETENTION_ENABLED, RETENTION_HOUR; docs/security.md "Retention").
    const retentionSteps = decisionRetention(inboxRetentionStore(model, versions, copies.content, crypt));
    const clock = deps.now;
    retention = startRetentionTimer({
      enabled: config.RETENTION_ENABLED,
      hour: config.RETENTION_HOUR,
      log,
      run: () => runRetention("decision", retentionSteps, { now: clock(), schedule: retentionSchedule(config), dryRun: false, log }),
    });

    // A year loaded while this instance was down: its provisional deadlines are counted again now.
    void recomputeOpenDeadlines(deps)
      .then((moved) => moved > 0 && log.info({ filings: moved }, "provisional deadlines recomputed at start"))
      .catch((err: unknown) => log.error({ err }, "recomputing provisional deadlines at start failed"));
    consumer = await runConsumer({
      ...(events.verifier ? { verify: events.verifier } : {}),
      kafka,
      groupId: groupIdOf(config),
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      concurrency: config.KAFKA_CONCURRENCY,
      fromBeginning: config.KAFKA_FROM_BEGINNING,
      // A province's instance reads only its provinces' lifecycle topics (the broker's ACLs allow no other).
      topics,
      filter: ownCopy("jurisdiction", (id) => dir.byId(id)?.province),
      types: INBOX_EVENT_TYPES,
      handleBatch: inboxConsumer(deps, config.PROVINCE_SCOPE, log),
      producer,
      log,
      onFatal,
    });
    server = await startServer({
      services: [decisionService(deps, copies, hub, config.PROVINCE_SCOPE, config.FILING_ID_CLOCK_SKEW_MS)],
      // The audit trail (docs/security.md): records of the calls that changed nothing go out here.
      audit: { service: "decision", versioned: true, publish: (e) => producer!.sendRecords([e]) },
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
        { name: "stop copier", run: () => copier?.stop() },
        { name: "stop retention", run: () => retention?.stop() },
        { name: "stop outbox relay", run: () => relay?.stop() },
        { name: "flush producer", run: () => producer?.disconnect() },
        { name: "close intake clients", run: () => intakes.forEach((c) => c.close()) },
        { name: "stop calendar watch", run: () => calendar.stop() },
        { name: "close store", run: () => (crypt?.close(), conn?.close()) },
      ],
      log,
      config.SHUTDOWN_GRACE_MS,
    );
  }
  log.info({ grpcPort: server.port, provinces: config.PROVINCE_SCOPE, group: groupIdOf(config) }, "decision started");
  return { grpcPort: server.port, stop: closeAll };
}
