import { fieldCryptFromSettings, type FieldCrypt } from "@kuayu/fieldcrypt";
import { NOTIFICATION_AUDIENCE, verifierFromSettings } from "@kuayu/auth";
import { startCalendar, type CalendarWatch } from "@kuayu/calendar";
import { kafkaClient, retentionSchedule } from "@kuayu/config";
import { courtWorkingHours, loadDirectory } from "@kuayu/directory";
import { startServer, tlsFromSettings, type RunningServer } from "@kuayu/grpc";
import { brokerReadiness, createKafka, createProducer, ensureTopics, runConsumer, type EventProducer, type RunningConsumer } from "@kuayu/kafka";
import { runShutdown } from "@kuayu/lifecycle";
import type { Logger } from "@kuayu/logger";
import { connectMongo, storeReadiness, createWatchHub, ensureCollections, fileStoreCollections, findChangedSince, gridFsFileStore, type WatchHub } from "@kuayu/mongo";
import { runRetention, startRetentionTimer, type RetentionTimer } from "@kuayu/mongo";
import { ALL_AUDIT_TOPICS, lifecycleTopic, lifecycleTopics, eventSecurity } from "@kuayu/topics";
import type { Connection } from "mongoose";
import type { Config } from "./config.js";
import { lifecycleConsumer } from "./adapters/consumer.js";
import { courtSealer, documentRecord, pdfReferences } from "./adapters/documents.js";
import { localSealKeys } from "./documents/seal-keys.js";
import { renderDocument } from "./documents/render.js";
import { notificationService } from "./adapters/grpc.js";
import { loadTargets } from "./adapters/targets.js";
import { createNotifier } from "./adapters/notifier.js";
import { COLLECTIONS, openStore, type NotificationDoc } from "./adapters/store.js";
import { notificationRetentionSteps } from "./adapters/retention.js";
import { startDeliveryWorker, startReminderWorker, type Worker } from "./adapters/workers.js";
import { createMailer } from "./channels/email.js";
import { smsFromSettings } from "./channels/sms-providers.js";

export interface App {
  grpcPort: number;
  stop(): Promise<boolean>;
}

type Watched = NotificationDoc & { id: string; updatedAt: Date };

/** Builds and starts notification: store, consumer, delivery and reminder workers, gRPC. */
export async function startApp(config: Readonly<Config>, log: Logger, onFatal: (err: Error) => void): Promise<App> {
  // Reminders and next-opening hints count working time.
  const calendar: CalendarWatch = startCalendar({ file: config.CALENDAR_FILE, pollMs: config.CALENDAR_POLL_MS, log });
  const dir = loadDirectory(config.DIRECTORY_FILE ? { file: config.DIRECTORY_FILE } : {});
  // A token names a court of the directory, in the province the token says.
  const verifier = await verifierFromSettings(config, { audiences: [NOTIFICATION_AUDIENCE], courtProvince: (id) => dir.byId(id)?.province });
  // Events: signed as notification (EVENT_SIGNING_KEY_FILE), verified against the producers' keys (EVENT_KEYS_FILE, EVENT_TRUST).
  const events = await eventSecurity(config, "notification", (id) => dir.byId(id)?.province);
  if (!events.verifier) log.warn("EVENT_KEYS_FILE and EVENT_TRUST are not set: events are not verified");
  const tls = tlsFromSettings(config);
  const courtName = (id: string) => dir.byId(id)?.name ?? id;
  // Every printed notice is sealed with its issuing court's key (docs/security.md, "Sealed notices").
  const sealKeys = localSealKeys(config.SEAL_KEY_DIR);
  log.info({ keys: sealKeys.description }, "court seal keys");
  const scope = config.PROVINCE_SCOPE;
  const inScope = (courtId: string) => scope === "all" || scope.includes(dir.byId(courtId)?.province ?? "");
  const mailer = config.SMTP_HOST
    ? createMailer({ host: config.SMTP_HOST, port: config.SMTP_PORT, secure: config.SMTP_SECURE, user: config.SMTP_USER, pass: config.SMTP_PASS, from: config.SMTP_FROM })
    : undefined;
  const sms = smsFromSettings(config);

  let conn: Connection | undefined, producer: EventProducer | undefined, consumer: RunningConsumer | undefined, server: RunningServer | undefined;
  let stopTargets: (() => void) | undefined;
  let deliveries: Worker | undefined, reminders: Worker | undefined, hub: WatchHub<Watched> | undefined;
  let sweeper: NodeJS.Timeout | undefined, retention: RetentionTimer | undefined, crypt: FieldCrypt | undefined;
  let auditSweeper: { stop(): void } | undefined;
  try {
    conn = await connectMongo({ uri: config.MONGO_URI, dbName: config.MONGO_DB });
    await ensureCollections(conn, [...COLLECTIONS, ...fileStoreCollections("documents")]);
    // Personal fields of what is kept (webhook deliveries' event bodies) are sealed with notification's own data keys.
    crypt = await fieldCryptFromSettings(config, conn.db!);
    // Audited calls' writes go with their records (docs/security.md "Audit trail"), published by the producer below.
    const store = openStore(conn, crypt, (e) => producer!.sendRecords([e]));
    const files = gridFsFileStore(conn, "documents", log);
    // PDFs a crash left without their document_pdfs entry, after an hour.
    const sweep = () => void files.sweep(pdfReferences(store), 3600_000).catch((err: unknown) => log.warn({ err }, "document file sweep failed"));
    sweep();
    sweeper = setInterval(sweep, 10 * 60_000).unref();
    // Retention, daily (RETENTION_ENABLED, RETENTION_HOUR; docs/security.md "Retention").
    const retentionSteps = notificationRetentionSteps(store, files);
    retention = startRetentionTimer({
      enabled: config.RETENTION_ENABLED,
      hour: config.RETENTION_HOUR,
      log,
      run: () => runRetention("notification", retentionSteps, { now: new Date(), schedule: retentionSchedule(config), dryRun: false, log }),
    });
    // Delivered records of earlier releases kept what they said (a webhook's whole event, with the
    // parties): drop it once (no other writer touches a delivered record).
    void store.deliveries
      .updateMany({ status: "delivered", payload: { $exists: true } }, { $unset: { payload: "" } })
      .catch((err: unknown) => log.warn({ err }, "removing the payloads of delivered records failed; tried again at the next start"));
    const changed = async (since: Date): Promise<Watched[]> =>
      (await findChangedSince(since, (filter) => store.notifications.find(filter).toArray(), "createdAt")).map((n) => ({ ...n, id: n._id, updatedAt: n.createdAt }));
    hub = createWatchHub(changed, log, config.WATCH_POLL_MS);
    const firstTopic = lifecycleTopics(scope)[0]!.name;
    deliveries = startDeliveryWorker(
      store,
      {
        email: mailer && ((to, m) => mailer.sendMail(to, m).then(() => undefined)),
        sms: sms && ((to, message) => sms.send(to, message)),
        webhookTimeoutMs: config.WEBHOOK_TIMEOUT_MS,
        webhookPolicy: { allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK_HTTP, allowCidrs: config.WEBHOOK_ALLOW_CIDRS },
      },
      log,
      config.DELIVERY_INTERVAL_MS,
      config.DELIVERY_BACKOFF_MS,
      // Its deliveries are this member's while its consumer owns their court's province's topic (a
      // court no longer in the directory: the first topic's owner, so that one member still sends them).
      (courtId) => {
        const province = dir.byId(courtId)?.province;
        const topic = province && inScope(courtId) ? lifecycleTopic(province).name : firstTopic;
        return !!consumer && consumer.assigned(topic).length > 0;
      },
      { concurrency: config.DELIVERY_CONCURRENCY, perReceiver: config.DELIVERY_CONCURRENCY_PER_RECEIVER, breakerResetMs: config.WEBHOOK_BREAKER_RESET_MS },
    );
    const notifier = createNotifier(
      store,
      courtName,
      () => deliveries?.nudge(),
      () => hub?.nudge(),
      log,
      config.DELIVERY_SETTLE_MS,
    );
    reminders = startReminderWorker(store, notifier, log, config.REMINDER_INTERVAL_MS);

    const targets = await loadTargets(store, log);
    stopTargets = targets.stop;

    const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: "notification", log, ...kafkaClient(config) });
    // A province's release reads its own provinces' lifecycle topics only (the broker's ACLs allow no
    // other). Every copy of an event is handled — each serves the courts of its topic's province.
    const topics = lifecycleTopics(scope);
    await ensureTopics(kafka, [...topics, ...ALL_AUDIT_TOPICS]);
    producer = await createProducer(kafka, "kuayu.notification", events); // dead letters and audit records
    // Records of audited writes whose process died (or lost the broker) after the commit.
    auditSweeper = store.writes.start();
    const lifecycle = lifecycleConsumer({
      store,
      targets,
      notifier,
      inScope,
      courtProvince: (id) => dir.byId(id)?.province,
      documentRecord: (f, kind, round) => documentRecord(f, kind, round, courtName),
      workingHours: (id) => courtWorkingHours(dir, id),
      log,
      // The party's own SMS, when the deployment sends SMS at all.
      partySms: !!sms,
    });
    consumer = await runConsumer({
      ...(events.verifier ? { verify: events.verifier } : {}),
      kafka,
      groupId: config.KAFKA_GROUP_ID,
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      // Every topic's batch of a fetch at once, a fetch waiting up to half a second for events: the
      // batches' notifications, deliveries, documents and facts are written together (insertAll's
      // and the facts' group commit) — a few writes a fetch instead of a few a batch.
      concurrency: Math.max(config.KAFKA_CONCURRENCY, topics.length),
      fetchWaitMs: 500,
      fromBeginning: config.KAFKA_FROM_BEGINNING,
      topics,
      handleBatch: lifecycle.handleBatch,
      // Topics that were another member's meanwhile: what this one knew of their filings may be old.
      onAssign: () => lifecycle.reset(),
      producer,
      log,
      onFatal,
    });
    server = await startServer({
      services: [
        notificationService({
          store,
          targetsChanged: targets.changed,
          files,
          hub,
          allowLoopbackHttp: config.WEBHOOK_ALLOW_LOOPBACK_HTTP,
          channels: { email: !!mailer, sms: !!sms },
          nudgeDeliveries: () => deliveries?.nudge(),
          provinceOf: (courtId) => dir.byId(courtId)?.province,
          seal: courtSealer(sealKeys),
          render: (input) => renderDocument(input, { verifyUrl: config.DOCUMENT_VERIFY_URL }),
          verifyPerMinute: config.VERIFY_DOCUMENT_PER_MINUTE,
        }),
      ],
      // The audit trail (docs/security.md): records of the calls that changed nothing go out here.
      audit: { service: "notification", versioned: true, publish: (e) => producer!.sendRecords([e]) },
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
        { name: "stop workers", run: () => Promise.all([deliveries?.stop(), reminders?.stop(), retention?.stop(), auditSweeper?.stop()]).then(() => undefined) },
        { name: "flush producer", run: () => producer?.disconnect() },
        { name: "close mailer", run: () => mailer?.close() },
        { name: "stop target refresh", run: () => stopTargets?.() },
        { name: "stop calendar watch", run: () => calendar.stop() },
        { name: "close store", run: () => (clearInterval(sweeper), crypt?.close(), conn?.close()) },
      ],
      log,
      config.SHUTDOWN_GRACE_MS,
    );
  }
  log.info({ grpcPort: server.port, provinces: scope, email: !!mailer, sms: config.SMS_PROVIDER ?? (sms ? "http" : "none") }, "notification started");
  return { grpcPort: server.port, stop: closeAll };
}
