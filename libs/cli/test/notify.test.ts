// `kuayu notify | webhook | subscription | document`: the parts that need no service — names,
// secret reading, options → requests, failure hints, rows and human output, saving a document
// stream — plus the built CLI's usage errors.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Command } from "commander";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { invalidArgument, status, toServiceError, type RpcError } from "@kuayu/grpc";
import { notificationV1 } from "@kuayu/proto";
import { CliUsageError, DEFAULT_CALL_TIMEOUT_MS, IntegrityError, formatFailure } from "../src/filing";
import {
  CHANNELS,
  DEFAULT_NOTIFICATION_ADDRESS,
  DELIVERY_LIST_HEADER,
  DELIVERY_STATUSES,
  DOCUMENT_KINDS,
  KNOWN_EVENT_TYPES,
  MARK_READ_MAX_IDS,
  NOTIFICATION_LIST_HEADER,
  SUBSCRIPTION_LIST_HEADER,
  WEBHOOK_LIST_HEADER,
  WEBHOOK_SECRET_ENV,
  channelName,
  checkSecret,
  compareDigest,
  deliveriesRequest,
  deliveryRows,
  deliveryStatusName,
  describeNotificationFailure,
  documentCommands,
  documentFileName,
  documentKindFromName,
  documentKindLabel,
  documentKindName,
  factRows,
  formatDelivery,
  formatDeliveryList,
  formatDocumentInfo,
  formatFileCheck,
  formatNotificationList,
  formatNotificationWatchLine,
  formatSubscriptionList,
  formatWebhook,
  formatWebhookList,
  markReadRequest,
  normalizeMobile,
  normalizeVerificationCode,
  notificationConnection,
  notificationListRequest,
  notificationRows,
  notificationTokenHint,
  notifyCommands,
  parseEventTypes,
  readWebhookSecret,
  saveDocument,
  shortKind,
  subscriptionCommands,
  subscriptionRequest,
  subscriptionRows,
  unknownEventWarning,
  webhookCommands,
  webhookRequest,
  webhookRows,
  webhookUrlProblem,
} from "../src/notify";

const ts = (iso: string) => timestampFromDate(new Date(iso));
const tmp = () => mkdtempSync(path.join(tmpdir(), "kuayu-notify-"));
const received = (err: RpcError) => Object.assign(new Error(`${err.code} ${status[err.code]}: ${err.message}`), toServiceError(err));
const SECRET = "s3cr3t-".repeat(6); // 42 characters

describe("names", () => {
  it("lists the document kinds in kebab form and maps them both ways", () => {
    expect(DOCUMENT_KINDS).toEqual(["receipt", "acceptance-notice", "non-acceptance", "correction-notice"]);
    for (const k of DOCUMENT_KINDS) expect(documentKindName(documentKindFromName(k))).toBe(k);
    expect(documentKindFromName(" Correction_Notice ")).toBe(notificationV1.DocumentKind.CORRECTION_NOTICE);
    expect(documentKindName(notificationV1.DocumentKind.UNSPECIFIED)).toBe("unspecified");
    expect(documentKindLabel(notificationV1.DocumentKind.ACCEPTANCE_NOTICE)).toBe("acceptance-notice (案件受理通知书)");
    expect(documentKindLabel(notificationV1.DocumentKind.RECEIPT)).toBe("receipt (跨域立案申请回执)");
  });

  it("refuses an unknown document kind, naming the known ones", () => {
    expect(() => documentKindFromName("receit")).toThrow(CliUsageError);
    expect(() => documentKindFromName("receit")).toThrow(/unknown document kind "receit"; one of receipt, acceptance-notice, non-acceptance, correction-notice$/);
    expect(() => documentKindFromName("unspecified")).toThrow(CliUsageError);
  });

  it("names delivery statuses and channels", () => {
    expect(DELIVERY_STATUSES).toEqual(["pending", "delivered", "dead"]);
    expect(deliveryStatusName(notificationV1.DeliveryStatus.DEAD)).toBe("dead");
    expect(CHANNELS).toEqual(["email", "sms"]);
    expect(channelName(notificationV1.Channel.SMS)).toBe("sms");
    expect(channelName(notificationV1.Channel.UNSPECIFIED)).toBe("unspecified");
  });

  it("shortens event kinds for tables", () => {
    expect(shortKind("kuayu.decision.v1.CorrectionRequested")).toBe("CorrectionRequested");
    expect(shortKind("reminder")).toBe("reminder");
    expect(shortKind("")).toBe("-");
  });
});

describe("event types", () => {
  it("keeps the given types once each, none meaning all", () => {
    expect(parseEventTypes([])).toEqual({ eventTypes: [], unknown: [] });
    expect(parseEventTypes(["kuayu.decision.v1.Accepted", " kuayu.decision.v1.Accepted", "reminder"])).toEqual({ eventTypes: ["kuayu.decision.v1.Accepted", "reminder"], unknown: [] });
    for (const t of KNOWN_EVENT_TYPES) expect(parseEventTypes([t]).unknown).toEqual([]);
  });

  it("refuses what is not an event type, suggesting the full name", () => {
    expect(() => parseEventTypes(["Accepted"])).toThrow(/--event "Accepted" is not an event type; did you mean kuayu\.decision\.v1\.Accepted\?/);
    expect(() => parseEventTypes(["REMINDER"])).toThrow(/did you mean reminder\?/);
    expect(() => parseEventTypes(["accepted!"])).toThrow(CliUsageError);
    expect(() => parseEventTypes(["kuayu.decision.Accepted"])).toThrow(/one of kuayu\.intake\.v1\.FilingSubmitted/);
  });

  it("keeps a well-formed type it does not know, for a warning", () => {
    expect(parseEventTypes(["kuayu.decision.v2.Accepted"])).toEqual({ eventTypes: ["kuayu.decision.v2.Accepted"], unknown: ["kuayu.decision.v2.Accepted"] });
    expect(unknownEventWarning(["kuayu.x.v1.A"])).toMatch(/warning: kuayu\.x\.v1\.A is not an event type this CLI knows/);
    expect(unknownEventWarning(["kuayu.x.v1.A", "kuayu.x.v1.B"])).toMatch(/are not event types/);
  });
});

describe("webhook secret", () => {
  it("takes 32–128 characters", () => {
    expect(checkSecret("a".repeat(32), "x")).toBe("a".repeat(32));
    expect(checkSecret("a".repeat(128), "x")).toBe("a".repeat(128));
    expect(() => checkSecret("a".repeat(31), "file s.txt")).toThrow(/from file s\.txt must be 32–128 characters, it has 31/);
    expect(() => checkSecret("a".repeat(129), "x")).toThrow(/it has 129/);
    expect(() => checkSecret("", "x")).toThrow(/is empty/);
  });

  it("refuses line breaks, control characters and white space at either end, never showing the secret", () => {
    const cases: [string, RegExp][] = [
      [`${SECRET}\nmore`, /single line/],
      [`${SECRET}\u0007`, /control characters/],
      [` ${SECRET}`, /white space/],
      [`${SECRET}\t`, /control characters/],
      ["tiny-secret", /it has 11/],
    ];
    for (const [secret, message] of cases) {
      let error: Error | undefined;
      try {
        checkSecret(secret, "env KUAYU_WEBHOOK_SECRET");
      } catch (err) {
        error = err as Error;
      }
      expect(error).toBeInstanceOf(CliUsageError);
      expect(error!.message).toMatch(message);
      expect(error!.message).not.toContain(secret.trim());
    }
  });

  it("reads the file, without its trailing line break", () => {
    const dir = tmp();
    for (const [name, text] of [
      ["lf", `${SECRET}\n`],
      ["crlf", `${SECRET}\r\n`],
      ["none", SECRET],
    ] as const) {
      const file = path.join(dir, name);
      writeFileSync(file, text, { mode: 0o600 });
      expect(readWebhookSecret({ secretFile: file }, {})).toEqual({ secret: SECRET, source: `file ${file}`, warnings: [] });
    }
  });

  it("prefers the file to the environment, and falls back to KUAYU_WEBHOOK_SECRET", () => {
    const file = path.join(tmp(), "secret");
    writeFileSync(file, `${SECRET}\n`, { mode: 0o600 });
    const other = "e".repeat(40);
    expect(readWebhookSecret({ secretFile: file }, { [WEBHOOK_SECRET_ENV]: other }).secret).toBe(SECRET);
    expect(readWebhookSecret({}, { [WEBHOOK_SECRET_ENV]: other })).toEqual({ secret: other, source: "env KUAYU_WEBHOOK_SECRET", warnings: [] });
    expect(() => readWebhookSecret({}, { [WEBHOOK_SECRET_ENV]: "short" })).toThrow(/from env KUAYU_WEBHOOK_SECRET must be 32–128 characters, it has 5/);
  });

  it("says where a secret comes from when there is none, and never asks for it on the command line", () => {
    for (const env of [{}, { [WEBHOOK_SECRET_ENV]: "" }]) {
      expect(() => readWebhookSecret({}, env)).toThrow(/--secret-file <path> .* or env KUAYU_WEBHOOK_SECRET; it is never taken from the command line/);
    }
  });

  it("refuses a missing file, a directory and a file far too large for a secret", () => {
    const dir = tmp();
    expect(() => readWebhookSecret({ secretFile: path.join(dir, "none") }, {})).toThrow(/cannot read the webhook secret: ENOENT/);
    expect(() => readWebhookSecret({ secretFile: dir }, {})).toThrow(/is a directory/);
    const big = path.join(dir, "big");
    writeFileSync(big, "a".repeat(10_000));
    expect(() => readWebhookSecret({ secretFile: big }, {})).toThrow(/10000 bytes: not a webhook secret/);
    const short = path.join(dir, "short");
    writeFileSync(short, "abc\n", { mode: 0o600 });
    expect(() => readWebhookSecret({ secretFile: short }, {})).toThrow(/from file .*short must be 32–128 characters, it has 3/);
  });

  (process.platform === "win32" ? it.skip : it)("warns when others can read the secret file", () => {
    const file = path.join(tmp(), "secret");
    writeFileSync(file, SECRET);
    chmodSync(file, 0o644);
    expect(readWebhookSecret({ secretFile: file }, {}).warnings).toEqual([`kuayu: warning: ${file} can be read by other users (mode 644); chmod 600 it`]);
    chmodSync(file, 0o600);
    expect(readWebhookSecret({ secretFile: file }, {}).warnings).toEqual([]);
  });
});

describe("webhook options → AddWebhookRequest", () => {
  it("takes https://, and http:// only on loopback", () => {
    expect(webhookUrlProblem("https://cms.court.example/kuayu")).toBeUndefined();
    for (const url of ["http://127.0.0.1:8080/h", "http://localhost/h", "http://[::1]:9/h"]) expect(webhookUrlProblem(url)).toBeUndefined();
    expect(webhookUrlProblem("http://cms.court.example/h")).toMatch(/must be https:\/\//);
    expect(webhookUrlProblem("ftp://cms.court.example/h")).toMatch(/must be https:\/\//);
    expect(webhookUrlProblem("cms.court.example")).toMatch(/is not a URL/);
    expect(webhookUrlProblem("https://user:pw@cms.court.example/h")).toMatch(/must not carry credentials/);
  });

  it("maps the options, with the secret read elsewhere", () => {
    const { request, unknown } = webhookRequest({ url: " https://cms.example/h ", event: ["kuayu.decision.v1.Accepted", "kuayu.decision.v1.Rejected"] }, SECRET);
    expect(request).toMatchObject({ url: "https://cms.example/h", secret: SECRET, eventTypes: ["kuayu.decision.v1.Accepted", "kuayu.decision.v1.Rejected"] });
    expect(unknown).toEqual([]);
    expect(webhookRequest({ url: "https://cms.example/h" }, SECRET).request.eventTypes).toEqual([]);
    expect(() => webhookRequest({ url: "http://cms.example/h" }, SECRET)).toThrow(CliUsageError);
  });
});

describe("subscription options → AddSubscriptionRequest", () => {
  it("needs exactly one of --email and --sms", () => {
    expect(() => subscriptionRequest({})).toThrow(/exactly one of --email <address> or --sms <mobile number>/);
    expect(() => subscriptionRequest({ email: "a@b.cn", sms: "13800138000" })).toThrow(/exactly one/);
  });

  it("takes an e-mail address", () => {
    const { request } = subscriptionRequest({ email: " li.ming@court.example.cn ", event: ["reminder", "escalation"] });
    expect(request).toMatchObject({ channel: notificationV1.Channel.EMAIL, address: "li.ming@court.example.cn", eventTypes: ["reminder", "escalation"] });
    for (const bad of ["li.ming", "a@b", "a b@c.cn", "@c.cn"]) expect(() => subscriptionRequest({ email: bad })).toThrow(/is not an e-mail address/);
  });

  it("takes a mainland mobile number as typed", () => {
    expect(subscriptionRequest({ sms: "+86 138-0013-8000" }).request).toMatchObject({ channel: notificationV1.Channel.SMS, address: "13800138000", eventTypes: [] });
    expect(normalizeMobile("0086 13800138000")).toBe("13800138000");
    expect(normalizeMobile("138 0013 8000")).toBe("13800138000");
    for (const bad of ["12800138000", "1380013800", "138001380001", "010-12345678", "+1 13800138000"]) {
      expect(normalizeMobile(bad)).toBeUndefined();
      expect(() => subscriptionRequest({ sms: bad })).toThrow(/is not a mainland mobile number/);
    }
  });

  it("checks the event types", () => {
    expect(() => subscriptionRequest({ sms: "13800138000", event: ["Accepted"] })).toThrow(/did you mean kuayu\.decision\.v1\.Accepted/);
    expect(subscriptionRequest({ sms: "13800138000", event: ["kuayu.decision.v9.New"] }).unknown).toEqual(["kuayu.decision.v9.New"]);
  });
});

describe("other options → requests", () => {
  it("maps notify list options", () => {
    expect(notificationListRequest({})).toMatchObject({ unreadOnly: false, pageSize: 0, pageToken: "" });
    expect(notificationListRequest({ unread: true, pageSize: "20", pageToken: "p2" })).toMatchObject({ unreadOnly: true, pageSize: 20, pageToken: "p2" });
    expect(() => notificationListRequest({ pageSize: "500" })).toThrow(/--page-size must be a whole number from 1 to 200/);
  });

  it("marks 1–500 distinct ids read", () => {
    expect(markReadRequest(["n-1", " n-2 ", "n-1", ""]).notificationIds).toEqual(["n-1", "n-2"]);
    expect(() => markReadRequest([" "])).toThrow(/at least one notification id/);
    expect(markReadRequest(Array.from({ length: MARK_READ_MAX_IDS }, (_, i) => `n-${i}`)).notificationIds).toHaveLength(500);
    expect(() => markReadRequest(Array.from({ length: 501 }, (_, i) => `n-${i}`))).toThrow(/at most 500 notification ids at once, got 501/);
  });

  it("maps deliveries options", () => {
    expect(deliveriesRequest(" w-1 ", {})).toMatchObject({ webhookId: "w-1", deadOnly: false, pageSize: 0, pageToken: "" });
    expect(deliveriesRequest("w-1", { dead: true, pageSize: "10", pageToken: "t" })).toMatchObject({ webhookId: "w-1", deadOnly: true, pageSize: 10, pageToken: "t" });
    expect(() => deliveriesRequest(" ", {})).toThrow(/name the webhook/);
  });

  it("normalizes verification codes as typed off paper", () => {
    expect(normalizeVerificationCode("K7QF-9XMA-2RTD")).toBe("K7QF-9XMA-2RTD");
    expect(normalizeVerificationCode("k7qf 9xma 2rtd")).toBe("K7QF-9XMA-2RTD");
    expect(normalizeVerificationCode("k7qf9xma2rtd")).toBe("K7QF-9XMA-2RTD");
    for (const bad of ["K7QF-9XMA-2RT", "K7QF-9XMA-2RTDX", "K7QF-9XMA-2RTI", "K7QF-0XMA-2RTD", "K7QF-9XMA-2RTL", ""]) {
      expect(() => normalizeVerificationCode(bad)).toThrow(/is not a verification code/);
    }
  });
});

describe("connection and failures", () => {
  const addr = DEFAULT_NOTIFICATION_ADDRESS;

  it("defaults to the notification service's port", () => {
    expect(DEFAULT_NOTIFICATION_ADDRESS).toBe("127.0.0.1:50054");
  });

  it("without a token, says how to mint one with the role the commands need", () => {
    expect(() => notificationConnection({ addr }, "notify", {})).toThrow(notificationTokenHint("notify"));
    expect(notificationTokenHint("notify")).toMatch(/--role window-clerk\)[\s\S]*--role filing-specialist/);
    expect(notificationTokenHint("manage")).toContain("kuayu token mint --court <your court id> --role court-system");
    expect(notificationTokenHint("document")).toMatch(/window-clerk[\s\S]*filing-specialist/);
    expect(notificationTokenHint("verify")).toMatch(/any role/);
    expect(() => notificationConnection({ addr }, "manage", {})).toThrow(/--role court-system/);
  });

  it("otherwise connects like `kuayu filing`", () => {
    expect(notificationConnection({ addr }, "verify", { KUAYU_TOKEN: "t" })).toMatchObject({ address: addr, token: "t", timeoutMs: DEFAULT_CALL_TIMEOUT_MS, streamTimeoutMs: Infinity });
    expect(() => notificationConnection({ addr: "notification", token: "t" }, "notify", {})).toThrow(/--addr must be host:port/);
  });

  it("hints at the notification service and the role", () => {
    const unavailable = Object.assign(new Error("14 UNAVAILABLE: No connection established"), { code: status.UNAVAILABLE, details: "No connection established" });
    expect(formatFailure(describeNotificationFailure(unavailable, "10.0.0.5:50054", "notify"))).toMatch(
      /hint: is the notification service running at 10\.0\.0\.5:50054\? \(--addr or KUAYU_NOTIFICATION_ADDR\)/,
    );
    const refused = Object.assign(new Error("16 UNAUTHENTICATED: token expired"), { code: status.UNAUTHENTICATED, details: "token expired" });
    expect(describeNotificationFailure(refused, "a:1", "manage").hint).toMatch(/--role court-system/);
    expect(describeNotificationFailure(refused, "a:1", "notify").hint).toMatch(/--role window-clerk \(or filing-specialist\)/);
    const denied = Object.assign(new Error("7 PERMISSION_DENIED: roles"), { code: status.PERMISSION_DENIED, details: "this call needs one of the roles: court-system, operator" });
    expect(describeNotificationFailure(denied, "a:1", "manage").hint).toMatch(/--role court-system/);
    expect(describeNotificationFailure(denied, "a:1", "document").hint).toMatch(/collaborating and the jurisdiction court/);
    expect(describeNotificationFailure(denied, "a:1", "notify").hint).toBeUndefined();
  });

  it("prints field violations one per line", () => {
    const f = describeNotificationFailure(
      received(
        invalidArgument([
          { field: "secret", description: "32–128 characters" },
          { field: "url", description: "must be https://" },
        ]),
      ),
      "a:1",
      "manage",
    );
    expect(formatFailure(f).split("\n")).toEqual(["kuayu: request has invalid fields (INVALID_ARGUMENT)", "  secret: 32–128 characters", "  url: must be https://"]);
  });
});

const notification = (init: Omit<Partial<notificationV1.Notification>, "$typeName" | "$unknown"> = {}) =>
  create(notificationV1.NotificationSchema, {
    notificationId: "n-1",
    courtId: "c-440703",
    role: "window-clerk",
    filingId: "f-1",
    kind: "kuayu.decision.v1.Accepted",
    title: "案件已受理",
    body: "您提交的跨域立案申请已由北京市朝阳区人民法院受理，案号（2026）京0105民初1号。",
    createdAt: ts("2026-11-28T02:00:03Z"),
    read: false,
    ...init,
  });

describe("notification output", () => {
  it("has one row per notification, in China time, unread ones marked", () => {
    expect(notificationRows([notification(), notification({ notificationId: "n-2", read: true, filingId: "", kind: "reminder", title: "" })])).toEqual([
      ["2026-11-28 10:00:03", "n-1", "UNREAD", "f-1", "Accepted", "案件已受理"],
      ["2026-11-28 10:00:03", "n-2", "read", "-", "reminder", "-"],
    ]);
    expect(NOTIFICATION_LIST_HEADER).toEqual(["CREATED (UTC+8)", "NOTIFICATION", "STATE", "FILING", "KIND", "TITLE"]);
  });

  it("lists them aligned, unread rows in bold only with colour", () => {
    const ns = [notification(), notification({ notificationId: "n-2", read: true })];
    const plain = formatNotificationList(ns).split("\n");
    expect(plain[0]).toMatch(/^CREATED \(UTC\+8\) {6}NOTIFICATION {2}STATE {3}FILING {2}KIND {6}TITLE$/);
    expect(plain.join("\n")).not.toContain("\x1b");
    const coloured = formatNotificationList(ns, true).split("\n");
    expect(coloured[1]).toBe(`\x1b[1m${plain[1]}\x1b[0m`);
    expect(coloured[2]).toBe(plain[2]);
    expect(formatNotificationList([])).toBe("no notifications");
  });

  it("prints a watch line with the body below", () => {
    const line = formatNotificationWatchLine(create(notificationV1.WatchNotificationsResponseSchema, { notification: notification() }));
    expect(line.split("\n")).toEqual([
      expect.stringMatching(/^2026-11-28 10:00:03 {2}n-1 {2}f-1 {2}Accepted {14}案件已受理$/),
      "    您提交的跨域立案申请已由北京市朝阳区人民法院受理，案号（2026）京0105民初1号。",
    ]);
    expect(formatNotificationWatchLine(create(notificationV1.WatchNotificationsResponseSchema))).toMatch(/^- {2}- {2}- {2}- +-$/);
  });
});

describe("webhook, delivery and subscription output", () => {
  const webhook = create(notificationV1.WebhookSchema, { webhookId: "w-1", courtId: "c-1", url: "https://cms.example/h", eventTypes: [], createdAt: ts("2026-11-28T02:00:00Z") });

  it("shows webhooks, 'all' for no event types", () => {
    expect(WEBHOOK_LIST_HEADER).toEqual(["WEBHOOK", "URL", "CREATED (UTC+8)", "EVENTS"]);
    expect(webhookRows([webhook, { ...webhook, webhookId: "w-2", eventTypes: ["kuayu.decision.v1.Accepted", "reminder"] }])).toEqual([
      ["w-1", "https://cms.example/h", "2026-11-28 10:00:00", "all"],
      ["w-2", "https://cms.example/h", "2026-11-28 10:00:00", "kuayu.decision.v1.Accepted,reminder"],
    ]);
    expect(formatWebhookList([])).toBe("no webhooks");
    expect(formatWebhook(webhook)).toBe(["webhook  w-1", "url      https://cms.example/h", "events   all", "created  2026-11-28 10:00:00 (UTC+8)"].join("\n"));
  });

  const delivery = (init: Omit<Partial<notificationV1.Delivery>, "$typeName" | "$unknown">) =>
    create(notificationV1.DeliverySchema, {
      deliveryId: "d-1",
      webhookId: "w-1",
      filingId: "f-1",
      eventId: "e-1",
      eventType: "kuayu.decision.v1.Accepted",
      createdAt: ts("2026-11-28T02:00:00Z"),
      ...init,
    });

  it("shows deliveries: delivered time, or the next attempt while pending", () => {
    expect(DELIVERY_LIST_HEADER).toEqual(["DELIVERY", "STATUS", "EVENT", "FILING", "ATTEMPTS", "CREATED (UTC+8)", "DELIVERED / NEXT (UTC+8)", "LAST ERROR"]);
    const ds = [
      delivery({ status: notificationV1.DeliveryStatus.DELIVERED, attempts: 1, deliveredAt: ts("2026-11-28T02:00:01Z") }),
      delivery({ deliveryId: "d-2", status: notificationV1.DeliveryStatus.PENDING, attempts: 2, lastError: "HTTP 503\nService Unavailable", nextAttemptAt: ts("2026-11-28T02:00:04Z") }),
      delivery({ deliveryId: "d-3", status: notificationV1.DeliveryStatus.DEAD, attempts: 8, lastError: "connect ECONNREFUSED" }),
    ];
    expect(deliveryRows(ds)).toEqual([
      ["d-1", "delivered", "Accepted", "f-1", "1", "2026-11-28 10:00:00", "2026-11-28 10:00:01", "-"],
      ["d-2", "pending", "Accepted", "f-1", "2", "2026-11-28 10:00:00", "next 2026-11-28 10:00:04", "HTTP 503 Service Unavailable"],
      ["d-3", "dead", "Accepted", "f-1", "8", "2026-11-28 10:00:00", "-", "connect ECONNREFUSED"],
    ]);
    expect(formatDeliveryList(ds)).toMatch(/\ndead deliveries are sent again with: kuayu webhook replay <delivery-id>$/);
    expect(formatDeliveryList(ds.slice(0, 2))).not.toMatch(/replay/);
    expect(formatDeliveryList([])).toBe("no deliveries");
    expect(formatDelivery(ds[1]!)).toBe(
      [
        "delivery  d-2",
        "webhook   w-1",
        "status    pending",
        "event     kuayu.decision.v1.Accepted",
        "filing    f-1",
        "attempts  2",
        "next      2026-11-28 10:00:04 (UTC+8)",
        "error     HTTP 503 Service Unavailable",
      ].join("\n"),
    );
  });

  it("shows subscriptions with the addresses as the service masked them", () => {
    expect(SUBSCRIPTION_LIST_HEADER).toEqual(["SUBSCRIPTION", "CHANNEL", "ADDRESS", "EVENTS"]);
    const ss = [
      create(notificationV1.SubscriptionSchema, { subscriptionId: "s-1", channel: notificationV1.Channel.SMS, address: "*******8000", eventTypes: ["reminder"] }),
      create(notificationV1.SubscriptionSchema, { subscriptionId: "s-2", channel: notificationV1.Channel.EMAIL, address: "l***@court.example.cn" }),
    ];
    expect(subscriptionRows(ss)).toEqual([
      ["s-1", "sms", "*******8000", "reminder"],
      ["s-2", "email", "l***@court.example.cn", "all"],
    ]);
    expect(formatSubscriptionList([])).toBe("no subscriptions");
  });
});

const PDF = Buffer.from(`%PDF-1.7\n${"受理通知书".repeat(5000)}\n%%EOF\n`);
const PDF_SHA = createHash("sha256").update(PDF).digest("hex");
const info = (init: Omit<Partial<notificationV1.DocumentInfo>, "$typeName" | "$unknown"> = {}) =>
  create(notificationV1.DocumentInfoSchema, {
    verificationCode: "K7QF-9XMA-2RTD",
    kind: notificationV1.DocumentKind.ACCEPTANCE_NOTICE,
    filingId: "f-1",
    sha256: PDF_SHA,
    issuedAt: ts("2026-11-28T02:00:00Z"),
    facts: { 文书: "案件受理通知书", 案号: "（2026）京0105民初1号", 管辖法院: "北京市朝阳区人民法院" },
    ...init,
  });

describe("document info output", () => {
  it("shows what the code stands for, then the facts in print order", () => {
    expect(factRows(info().facts)).toEqual([
      ["文书", "案件受理通知书"],
      ["案号", "（2026）京0105民初1号"],
      ["管辖法院", "北京市朝阳区人民法院"],
    ]);
    expect(formatDocumentInfo(info()).split("\n")).toEqual([
      "verification code  K7QF-9XMA-2RTD",
      "kind               acceptance-notice (案件受理通知书)",
      "filing             f-1",
      "issued (UTC+8)     2026-11-28 10:00:00",
      `sha256             ${PDF_SHA}`,
      "",
      "FACT      VALUE",
      "文书      案件受理通知书",
      "案号      （2026）京0105民初1号",
      "管辖法院  北京市朝阳区人民法院",
    ]);
    expect(formatDocumentInfo(info({ facts: {} }))).toMatch(/\n\nno facts$/);
  });

  it("compares a file's SHA-256 with the issued one", () => {
    const match = compareDigest("a.pdf", PDF_SHA, PDF_SHA.toUpperCase());
    expect(match).toEqual({ path: "a.pdf", sha256: PDF_SHA, match: true });
    expect(formatFileCheck(match, PDF_SHA)).toBe(`MATCH: a.pdf is the issued document (SHA-256 ${PDF_SHA})`);
    const mismatch = compareDigest("b.pdf", "ab".repeat(32), PDF_SHA);
    expect(mismatch.match).toBe(false);
    expect(formatFileCheck(mismatch, PDF_SHA)).toMatch(/^MISMATCH: b\.pdf has SHA-256 (ab){32}, the issued document [0-9a-f]{64}; it is not the document the court issued/);
    expect(compareDigest("c.pdf", "", "").match).toBe(false);
  });
});

describe("saving a document", () => {
  type Part = Pick<notificationV1.GetDocumentResponse, "part">;
  const infoPart = (i = info()): Part => ({ part: { case: "info", value: i } });
  const chunks = (buf: Buffer, size = 4096): Part[] => {
    const out: Part[] = [];
    for (let i = 0; i < buf.length; i += size) out.push({ part: { case: "chunk", value: buf.subarray(i, i + size) } });
    return out;
  };
  async function* stream(parts: Part[]) {
    yield* parts;
  }
  const req = { filingId: "f-1", kind: "acceptance-notice" };

  it("names the file after the filing and kind, with safe characters only", () => {
    expect(documentFileName("f-1", "receipt")).toBe("f-1-receipt.pdf");
    expect(documentFileName("../../etc/passwd", "receipt")).toBe("_.._etc_passwd-receipt.pdf");
    expect(documentFileName("", "")).toBe("filing-document.pdf");
  });

  it("writes the PDF once its SHA-256 is that of the info, leaving no temporary file", async () => {
    const dir = tmp();
    const saved = await saveDocument(stream([infoPart(), ...chunks(PDF)]), req, {}, dir);
    expect(saved).toMatchObject({ out: path.join(dir, "f-1-acceptance-notice.pdf"), sizeBytes: PDF.length, sha256: PDF_SHA });
    expect(saved.info.verificationCode).toBe("K7QF-9XMA-2RTD");
    expect(readFileSync(saved.out).equals(PDF)).toBe(true);
    expect(readdirSync(dir)).toEqual(["f-1-acceptance-notice.pdf"]);
  });

  it("writes to --out, a file or a directory", async () => {
    const dir = tmp();
    mkdirSync(path.join(dir, "docs"));
    expect((await saveDocument(stream([infoPart(), ...chunks(PDF)]), req, { out: "docs" }, dir)).out).toBe(path.join(dir, "docs", "f-1-acceptance-notice.pdf"));
    expect((await saveDocument(stream([infoPart(), ...chunks(PDF)]), req, { out: "notice.pdf" }, dir)).out).toBe(path.join(dir, "notice.pdf"));
    await expect(saveDocument(stream([infoPart(), ...chunks(PDF)]), req, { out: "missing/notice.pdf" }, dir)).rejects.toThrow(/no directory/);
  });

  it("keeps nothing when the bytes are not those described", async () => {
    const dir = tmp();
    const tampered = Buffer.from(PDF);
    tampered[100] = tampered[100]! ^ 1;
    const err = await saveDocument(stream([infoPart(), ...chunks(tampered)]), req, {}, dir).catch((e: Error) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toMatch(
      new RegExp(`SHA-256 MISMATCH for the acceptance-notice of filing f-1: expected ${PDF_SHA}, received [0-9a-f]{64} \\(${PDF.length} bytes\\); nothing was written`),
    );
    expect(readdirSync(dir)).toEqual([]);
    const truncated = await saveDocument(stream([infoPart(), ...chunks(PDF).slice(0, 2)]), req, {}, dir).catch((e: Error) => e);
    expect(truncated).toBeInstanceOf(IntegrityError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("refuses a stream without info first, or with a second info, or info without a SHA-256", async () => {
    const dir = tmp();
    await expect(saveDocument(stream(chunks(PDF)), req, {}, dir)).rejects.toThrow(/did not describe the document first/);
    await expect(saveDocument(stream([]), req, {}, dir)).rejects.toThrow(/did not describe the document first/);
    await expect(saveDocument(stream([infoPart(), ...chunks(PDF).slice(0, 1), infoPart()]), req, {}, dir)).rejects.toThrow(/described the document twice/);
    await expect(saveDocument(stream([infoPart(info({ sha256: "" })), ...chunks(PDF)]), req, {}, dir)).rejects.toThrow(IntegrityError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("never overwrites a file without --force", async () => {
    const dir = tmp();
    const target = path.join(dir, "f-1-acceptance-notice.pdf");
    writeFileSync(target, "mine");
    await expect(saveDocument(stream([infoPart(), ...chunks(PDF)]), req, {}, dir)).rejects.toThrow(/exists; pass --force to overwrite it/);
    expect(readFileSync(target, "utf8")).toBe("mine");
    await saveDocument(stream([infoPart(), ...chunks(PDF)]), req, { force: true }, dir);
    expect(readFileSync(target).equals(PDF)).toBe(true);
    expect(readdirSync(dir)).toEqual(["f-1-acceptance-notice.pdf"]);
  });
});

describe("command tree", () => {
  const tree = (register: (c: Command) => void) => {
    const root = new Command("x");
    register(root);
    for (const c of root.commands) expect(c.options.map((o) => o.long)).toEqual(expect.arrayContaining(["--json", "--addr", "--token", "--timeout"]));
    return root;
  };
  const names = (root: Command) => root.commands.map((c) => c.name());
  const longs = (root: Command, name: string) => root.commands.find((c) => c.name() === name)!.options.map((o) => o.long);

  it("registers every command with --json and the connection options", () => {
    expect(names(tree(notifyCommands))).toEqual(["list", "read", "watch"]);
    expect(longs(tree(notifyCommands), "list")).toEqual(expect.arrayContaining(["--unread", "--all", "--page-size"]));
    const webhook = tree(webhookCommands);
    expect(names(webhook)).toEqual(["add", "list", "remove", "deliveries", "replay"]);
    expect(longs(webhook, "deliveries")).toEqual(expect.arrayContaining(["--dead", "--all"]));
    expect(names(tree(subscriptionCommands))).toEqual(["add", "list", "remove"]);
    expect(longs(tree(subscriptionCommands), "add")).toEqual(expect.arrayContaining(["--email", "--sms", "--event"]));
    const document = tree(documentCommands);
    expect(names(document)).toEqual(["get", "verify"]);
    expect(longs(document, "get")).toEqual(expect.arrayContaining(["--kind", "--out", "--force"]));
    expect(longs(document, "verify")).toEqual(expect.arrayContaining(["--file"]));
  });

  it("offers no secret option in webhook add's help", () => {
    const add = tree(webhookCommands).commands.find((c) => c.name() === "add")!;
    expect(add.helpInformation()).toContain("--secret-file <path>");
    expect(add.helpInformation()).not.toMatch(/--secret </);
  });
});

// The built CLI: usage errors need no service.
const bin = path.resolve(__dirname, "../bin/kuayu.js");
const fails = (env: NodeJS.ProcessEnv, ...args: string[]) =>
  promisify(execFile)(process.execPath, [bin, ...args], { encoding: "utf8", env }).then(
    () => {
      throw new Error("expected a failure");
    },
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

describe("kuayu notify, webhook, subscription and document (built CLI, no service)", () => {
  const env = { ...process.env, KUAYU_TOKEN: "", KUAYU_NOTIFICATION_ADDR: "127.0.0.1:1", KUAYU_WEBHOOK_SECRET: "" };

  it("without a token, exits 2 and says which role to mint", async () => {
    const notify = await fails(env, "notify", "list");
    expect(notify.code).toBe(2);
    expect(notify.stderr).toContain("--role window-clerk");
    const webhook = await fails(env, "webhook", "list", "--json");
    expect(webhook.code).toBe(2);
    expect(webhook.stderr).toContain("--role court-system");
    expect(webhook.stdout).toBe("");
  }, 30_000);

  it("rejects bad options before connecting, never echoing a secret", async () => {
    const t = { ...env, KUAYU_TOKEN: "t" };
    const dir = tmp();
    const short = path.join(dir, "short.txt");
    writeFileSync(short, "not-long-enough\n", { mode: 0o600 });
    const good = path.join(dir, "secret.txt");
    writeFileSync(good, `${SECRET}\n`, { mode: 0o600 });
    const cases: [string[], RegExp][] = [
      [["webhook", "add", "--url", "https://cms.example/h", "--secret", SECRET], /never taken from the command line/],
      [["webhook", "add", "--url", "https://cms.example/h"], /the webhook secret is needed/],
      [["webhook", "add", "--url", "https://cms.example/h", "--secret-file", short], /must be 32–128 characters, it has 15/],
      [["webhook", "add", "--url", "http://cms.example/h", "--secret-file", good], /--url must be https:\/\/ \(http:\/\/ only on loopback\)/],
      [["webhook", "add", "--url", "https://cms.example/h", "--secret-file", good, "--event", "Accepted"], /did you mean kuayu\.decision\.v1\.Accepted/],
      [["webhook", "deliveries", "w-1", "--page-size", "0"], /--page-size/],
      [["subscription", "add", "--email", "a@b.cn", "--sms", "13800138000"], /exactly one/],
      [["subscription", "add", "--sms", "12345"], /not a mainland mobile number/],
      [["notify", "list", "--page-size", "x"], /--page-size/],
      [["document", "get", "f-1", "--kind", "receit"], /unknown document kind "receit"/],
      [["document", "verify", "K7QF-9XMA-2RTI"], /is not a verification code/],
      [["document", "verify", "K7QF-9XMA-2RTD", "--file", path.join(dir, "none.pdf")], /cannot read/],
    ];
    for (const [args, message] of cases) {
      const err = await fails(t, ...args);
      expect(err.code).toBe(2);
      expect(err.stderr).toMatch(message);
      expect(err.stderr).not.toContain(SECRET);
    }
    expect(existsSync(path.join(dir, "f-1-receipt.pdf"))).toBe(false);
  }, 60_000); // twelve runs of the built CLI: ~5 s on an idle 2-core machine, far more on a busy one
});
