import type { Server } from "node:net";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { SUPERVISION_AUDIENCE, ownJwks, verifierFromSettings } from "@kuayu/auth";
import { startCalendar, type CalendarWatch } from "@kuayu/calendar";
import { kafkaClient, retentionSchedule } from "@kuayu/config";
import { loadDirectory } from "@kuayu/directory";
import { startServer, tlsFromSettings, type RunningServer } from "@kuayu/grpc";
import { brokerReadiness, createKafka, createProducer, ensureTopics, runConsumer, type EventProducer, type RunningConsumer } from "@kuayu/kafka";
import { runShutdown } from "@kuayu/lifecycle";
import type { Logger } from "@kuayu/logger";
import { connectMongo, storeReadiness, ensureCollections } from "@kuayu/mongo";
import { runRetention, startRetentionTimer, type RetentionTimer } from "@kuayu/mongo";
import { ALL_AUDIT_TOPICS, auditTopics, lifecycleStream, lifecycleTopics, ownCopy, supervisionTopics, eventSecurity, PROVINCE_CODES } from "@kuayu/topics";
import type { Connection } from "mongoose";
import type { Config } from "./config.js";
import { chinaDay } from "./domain/ledger.js";
import { ledgerConsumer } from "./adapters/consumer.js";
import { auditConsumer } from "./adapters/audit-consumer.js";
import { AUDIT_COLLECTIONS, auditTrail } from "./adapters/audit-trail.js";
import { supervisionService } from "./adapters/grpc.js";
import { httpApi } from "./adapters/http.js";
import { watchOverdue } from "./adapters/metrics.js";
import { COLLECTIONS, openStore, type NoticeDoc } from "./adapters/store.js";
import { supervisionRetentionSteps } from "./adapters/retention.js";
import { createSupervision, type Scope, type Supervision } from "./adapters/supervision.js";
import { readCostModel } from "./adapters/cost-model.js";

export interface App {
  grpcPort: number;
  httpPort: number;
  stop(): Promise<boolean>;
}

/** Builds and starts supervision: store, ledger consumer, notice schedule, gRPC and HTTP APIs. */
/** The id of a scheduled notice: the same on every replica for a kind, scope and China-time day. */
export const scheduledNoticeId = (kind: "daily" | "weekly", s: Scope, day: string) => `scheduled:${kind}:${s.level}:${s.id || "national"}:${day}`;

export async function startApp(config: Readonly<Config>, log: Logger, onFatal: (err: Error) => void): Promise<App> {
  const dir = loadDirectory(config.DIRECTORY_FILE ? { file: config.DIRECTORY_FILE } : {});
  // A token names a court of the directory, in the province the token says.
  // Also the console's public tokens for a party (audience kuayu:supervision): ratings and complaints of one filing.
  const verifier = await verifierFromSettings(config, { audiences: [SUPERVISION_AUDIENCE], courtProvince: (id) => dir.byId(id)?.province });
  // Events: signed as supervision (EVENT_SIGNING_KEY_FILE), verified against the producers' keys (EVENT_KEYS_FILE, EVENT_TRUST).
  const events = await eventSecurity(config, "supervision", (id) => dir.byId(id)?.province);
  if (!events.verifier) log.warn("EVENT_KEYS_FILE and EVENT_TRUST are not set: events are not verified");
  const tls = tlsFromSettings(config);
  let recount: Supervision["recountWorkingMinutes"] | undefined;
  // When an operator loads a year's official arrangement, response times of that year are counted again.
  const calendar: CalendarWatch = startCalendar({
    file: config.CALENDAR_FILE,
    pollMs: config.CALENDAR_POLL_MS,
    log,
    onChange: async (years) => {
      if (!recount) return;
      const moved = await recount(years);
      log.info({ changedYears: years, filings: moved }, "response working minutes recounted after the holiday calendar changed");
    },
  });
  const scope = config.PROVINCE_SCOPE;
  // A province's release reads its own provinces' lifecycle topics only (the broker's ACLs allow no other).
  const topics = lifecycleTopics(scope);

  let conn: Connection | undefined, producer: EventProducer | undefined, consumer: RunningConsumer | undefined, audits: RunningConsumer | undefined, server: RunningServer | undefined;
  let http: Server | undefined, timer: NodeJS.Timeout | undefined, overdueGauge: { stop(): void } | undefined, retention: RetentionTimer | undefined;
  let auditSweeper: { stop(): void } | undefined, feedbackTimer: NodeJS.Timeout | undefined;
  try {
    conn = await connectMongo({ uri: config.MONGO_URI, dbName: config.MONGO_DB });
    await ensureCollections(conn, [...COLLECTIONS, ...AUDIT_COLLECTIONS]);
    const trail = auditTrail(conn, { alg: config.AUDIT_HASH, scope, provinces: PROVINCE_CODES, courtProvince: (id) => dir.byId(id)?.province });
    // Audited calls' writes go with their records (docs/security.md "Audit trail"), published by the producer below.
    const store = openStore(conn, (e) => producer!.sendRecords([e]));
    const sup = createSupervision(
      store,
      dir,
      { flushMs: config.SUPERVISION_FLUSH_MS, maxEvents: config.SUPERVISION_FLUSH_MAX_EVENTS, maxFetches: config.KAFKA_CONCURRENCY },
      readCostModel(config.COST_MODEL_FILE),
    );
    overdueGauge = watchOverdue(store);
    recount = sup.recountWorkingMinutes;
    // Ratings and complaints queued by any replica, counted by the member that owns their stream.
    feedbackTimer = setInterval(() => void sup.countFeedback().catch((err: unknown) => log.warn({ err }, "counting ratings and complaints failed; will retry")), config.SUPERVISION_FEEDBACK_MS);
    feedbackTimer.unref();
    // Retention, daily (RETENTION_ENABLED, RETENTION_HOUR; docs/security.md "Retention").
    const retentionSteps = supervisionRetentionSteps(store);
    retention = startRetentionTimer({
      enabled: config.RETENTION_ENABLED,
      hour: config.RETENTION_HOUR,
      log,
      run: () => runRetention("supervision", retentionSteps, { now: new Date(), schedule: retentionSchedule(config), dryRun: false, log }),
    });
    const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: "supervision", log, ...kafkaClient(config) });
    await ensureTopics(kafka, [...topics, ...Object.values(supervisionTopics), ...ALL_AUDIT_TOPICS]);
    producer = await createProducer(kafka, "kuayu.supervision", events);
    // Records of audited writes whose process died (or lost the broker) after the commit.
    auditSweeper = store.writes.start();
    const publishNotice = async (n: NoticeDoc) => {
      await producer!.publish(supervisionTopics.noticePublished, n._id, {
        noticeId: n._id,
        kind: n.kind,
        scopeLevel: n.level,
        scopeId: n.scopeId,
        rows: n.rows.length,
        generatedAt: timestampFromDate(n.generatedAt),
      });
    };
    consumer = await runConsumer({
      ...(events.verifier ? { verify: events.verifier } : {}),
      kafka,
      groupId: config.KAFKA_GROUP_ID,
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      concurrency: config.KAFKA_CONCURRENCY,
      fromBeginning: config.KAFKA_FROM_BEGINNING,
      topics,
      // The jurisdiction side: each event once, from the copy on its jurisdiction court's province's
      // topic (a cross-province filing's other copy is the window's).
      filter: ownCopy("jurisdiction", (id) => dir.byId(id)?.province),
      handleBatch: ledgerConsumer(sup),
      // A year loaded while this instance was down, or while a topic was another member's:
      // the provisional response times of the streams it now owns are counted again.
      onAssign: (assigned) =>
        void sup
          .assigned(
            Object.entries(assigned)
              .filter(([, ps]) => ps.length > 0)
              .map(([t]) => lifecycleStream(t)),
          )
          .then((moved) => moved > 0 && log.info({ filings: moved }, "provisional response times recounted after the assignment"))
          .catch((err: unknown) => log.error({ err }, "recounting provisional response times after the assignment failed")),
      producer,
      log,
      onFatal,
    });

    // The audit trail: this release's provinces' audit topics, each into its province's hash chain
    // (one partition each: one member writes a chain). Records are not signed events; the broker's
    // ACLs say who may write them, and the chain says whether they were changed after. A fetch
    // waits up to a second for records, and its provinces' batches are handled at once and written
    // together (the trail's group commit): about one insert a second instead of one a record.
    audits = await runConsumer({
      kafka,
      groupId: `${config.KAFKA_GROUP_ID}-audit`,
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      concurrency: auditTopics(scope).length,
      fetchWaitMs: 1000,
      fromBeginning: true,
      topics: auditTopics(scope),
      handleBatch: auditConsumer(trail),
      onAssign: () => trail.reset(),
      producer,
      log,
      onFatal,
    });

    // The scheduled notices: once a day after NOTICE_TIME (China time) the daily one, on Mondays
    // also the weekly one, for the release's scope (national, or each province of the scope).
    if (config.NOTICE_TIME !== "off") {
      const scopes: Scope[] = scope === "all" ? [{ level: "national", id: "" }] : scope.map((p) => ({ level: "province" as const, id: p }));
      const tick = async () => {
        const now = new Date();
        const china = new Date(now.getTime() + 8 * 3600_000);
        if (china.toISOString().slice(11, 16) < config.NOTICE_TIME) return;
        for (const s of scopes) {
          for (const kind of china.getUTCDay() === 1 ? (["daily", "weekly"] as const) : (["daily"] as const)) {
            // One id per kind, scope and day: of two replicas only the first insert wins and publishes.
            const id = scheduledNoticeId(kind, s, chinaDay(now));
            if (await store.notices.findOne({ _id: id })) continue;
            const n = await sup.generateNotice(kind, s, now, id);
            if (!n) continue;
            await publishNotice(n);
            log.info({ kind, scope: s, rows: n.rows.length }, "scheduled notice generated");
          }
        }
      };
      timer = setInterval(() => void tick().catch((err: unknown) => log.warn({ err }, "scheduled notice failed")), 60_000);
      timer.unref();
    }

    server = await startServer({
      services: [supervisionService(sup, store, dir, publishNotice, trail)],
      audit: { service: "supervision", versioned: true, publish: (e) => producer!.sendRecords([e]) },
      verifier,
      log,
      host: config.GRPC_HOST,
      port: config.GRPC_PORT,
      credentials: tls.server,
      healthPort: config.GRPC_HEALTH_PORT,
      callsPerCourtPerSecond: config.GRPC_CALLS_PER_COURT_PER_SECOND,
      readiness: [storeReadiness(conn), brokerReadiness(kafka)],
    });
    http = await httpApi(sup, store, dir, verifier, log, await ownJwks(config), config.EVENT_KEYS_FILE).listen(config.HTTP_HOST, config.HTTP_PORT, tls.files);
  } catch (err) {
    await closeAll();
    throw err;
  }

  function closeAll() {
    return runShutdown(
      [
        { name: "gRPC NOT_SERVING", run: () => server?.notServing() },
        { name: "stop schedule", run: () => clearInterval(timer) },
        { name: "stop counting feedback", run: () => clearInterval(feedbackTimer) },
        { name: "stop retention", run: () => retention?.stop() },
        { name: "stop audit log sweeper", run: () => auditSweeper?.stop() },
        { name: "stop consuming", run: () => consumer?.stop() },
        { name: "stop the audit consumer", run: () => audits?.stop() },
        { name: "close HTTP", run: () => new Promise<void>((r) => (http ? http.close(() => r()) : r())) },
        { name: "drain gRPC", run: () => server?.drain(Math.min(10_000, config.SHUTDOWN_GRACE_MS / 2)) },
        { name: "flush producer", run: () => producer?.disconnect() },
        { name: "stop calendar watch", run: () => calendar.stop() },
        { name: "close store", run: () => (overdueGauge?.stop(), conn?.close()) },
      ],
      log,
      config.SHUTDOWN_GRACE_MS,
    );
  }
  const httpPort = (http.address() as { port: number }).port;
  log.info({ grpcPort: server.port, httpPort, provinces: scope }, "supervision started");
  return { grpcPort: server.port, httpPort, stop: closeAll };
}
