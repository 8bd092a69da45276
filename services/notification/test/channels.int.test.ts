// Delivery channels against real peers on loopback: an SMTP server (smtp-server), HTTP receivers
// for webhooks (node:http) and an HTTP SMS gateway. No broker or store is involved.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { createMailer } from "../src/channels/email.js";
import { messageFor } from "../src/channels/templates.js";
import { DELIVERY_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, verifyWebhook } from "../src/channels/webhook-signature.js";
import { postWebhook } from "../src/channels/webhook-client.js";

/** The receivers of these tests listen on loopback, which only an explicit policy allows. */
const LOOPBACK = { allowLoopback: true, allowCidrs: [] };
import { httpSmsProvider, SmsDeliveryError } from "../src/channels/sms.js";
import { aliyunSmsProvider, parseSmsTemplates, tencentSmsProvider } from "../src/channels/sms-providers.js";
import { SMS_KINDS } from "../src/channels/templates.js";
import { startSmsProviderCheck, type SmsCheck } from "@kuayu/testkit";

const SECRET = "whsec-loopback-0123456789abcdef0123456789";

// ---------- a minimal MIME reader (mailparser is not installed) ----------

function decodeWords(s: string): string {
  // RFC 2047 encoded words; whitespace between adjacent encoded words is dropped.
  return s.replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, "$1").replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, data: string) =>
    enc.toUpperCase() === "B"
      ? Buffer.from(data, "base64").toString("utf8")
      : Buffer.from(
          data.replace(/_/g, " ").replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
          "latin1",
        ).toString("utf8"),
  );
}

interface Part {
  headers: Map<string, string>;
  body: string;
}

function splitPart(raw: string): Part {
  const sep = raw.indexOf("\r\n\r\n");
  const head = sep < 0 ? raw : raw.slice(0, sep);
  const body = sep < 0 ? "" : raw.slice(sep + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, " ").split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return { headers, body };
}

function decodeBody(p: Part): string {
  const enc = (p.headers.get("content-transfer-encoding") ?? "7bit").toLowerCase();
  if (enc === "base64") return Buffer.from(p.body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (enc === "quoted-printable") {
    const bytes = p.body.replace(/=\r\n/g, "").replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, "latin1").toString("utf8");
  }
  return p.body;
}

/** Subject, plain text and HTML (if any) of a raw message; one level of multipart. */
function readMail(raw: string): { subject: string; headers: Map<string, string>; text: string; html?: string } {
  const top = splitPart(raw);
  const subject = decodeWords(top.headers.get("subject") ?? "");
  const type = top.headers.get("content-type") ?? "text/plain";
  if (!type.toLowerCase().startsWith("multipart/")) return { subject, headers: top.headers, text: decodeBody(top) };
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!boundary) throw new Error("multipart without boundary");
  const parts = top.body
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((s) => splitPart(s.replace(/^\r\n/, "")));
  const of = (t: string) => parts.find((p) => (p.headers.get("content-type") ?? "").toLowerCase().startsWith(t));
  const text = of("text/plain"),
    html = of("text/html");
  return { subject, headers: top.headers, text: text ? decodeBody(text) : "", ...(html ? { html: decodeBody(html) } : {}) };
}

// ---------- loopback servers ----------

interface Received {
  raw: string;
  from: string | undefined;
  to: string[];
  user: string | undefined;
}

async function startSmtp(auth?: { user: string; pass: string }): Promise<{ port: number; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: !auth,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onAuth(a, _session, cb) {
      if (auth && a.username === auth.user && a.password === auth.pass) cb(null, { user: a.username });
      else cb(new Error("Invalid username or password"));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        received.push({
          raw: Buffer.concat(chunks).toString("latin1"),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server as unknown as { server: { address(): AddressInfo } }).server.address().port;
  return { port, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

interface HttpHit {
  headers: IncomingMessage["headers"];
  raw: Buffer;
  method: string | undefined;
  url: string | undefined;
}

async function startHttp(handle: (hit: HttpHit, res: ServerResponse) => void): Promise<{ url: string; hits: HttpHit[]; server: Server; close(): Promise<void> }> {
  const hits: HttpHit[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const hit = { headers: req.headers, raw: Buffer.concat(chunks), method: req.method, url: req.url };
      hits.push(hit);
      handle(hit, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    hits,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const FACTS = {
  receiptNumber: "KY-c-110105-20261128-000042",
  caseNumber: "（2026）京0105民初1号",
  jurisdictionCourt: "北京市朝阳区人民法院",
  collaboratingCourt: "上海市浦东新区人民法院",
  caseTypeName: "民事一审",
};

// ---------- e-mail ----------

describe("e-mail over SMTP (loopback)", () => {
  it("delivers a Chinese message whose subject and text decode to the template", async () => {
    const smtp = await startSmtp();
    const mailer = createMailer({ host: "127.0.0.1", port: smtp.port, secure: false, ignoreTLS: true, from: "跨域立案系统 <noreply@kuayu.test>", timeoutMs: 5000 });
    try {
      const m = messageFor("kuayu.decision.v1.Accepted", FACTS);
      const sent = await mailer.sendMail("zhang.san@court.test", { subject: m.subject, text: m.text });
      expect(sent.accepted).toEqual(["zhang.san@court.test"]);
      expect(sent.rejected).toEqual([]);
      expect(sent.messageId).toMatch(/^<.+@.+>$/);

      expect(smtp.received).toHaveLength(1);
      const got = smtp.received[0]!;
      expect(got.from).toBe("noreply@kuayu.test");
      expect(got.to).toEqual(["zhang.san@court.test"]);
      const mail = readMail(got.raw);
      expect(mail.subject).toBe(m.subject);
      expect(mail.text.replace(/\r\n/g, "\n")).toBe(m.text);
      expect(mail.text).toContain("（2026）京0105民初1号");
      expect(decodeWords(mail.headers.get("from") ?? "")).toContain("跨域立案系统");
      // Non-ASCII never travels raw in the headers.
      expect([...got.raw.slice(0, got.raw.indexOf("\r\n\r\n"))].every((c) => c.charCodeAt(0) < 0x80)).toBe(true);
    } finally {
      mailer.close();
      await smtp.close();
    }
  });

  it("sends text and HTML alternatives to several recipients, with SMTP AUTH", async () => {
    const smtp = await startSmtp({ user: "kuayu", pass: "smtp-pass" });
    const mailer = createMailer({ host: "127.0.0.1", port: smtp.port, secure: false, ignoreTLS: true, user: "kuayu", pass: "smtp-pass", from: "noreply@kuayu.test", timeoutMs: 5000 });
    try {
      await mailer.verify();
      const sent = await mailer.sendMail(["a@court.test", "b@court.test"], { subject: "【跨域立案】测试", text: "纯文本正文", html: "<p>网页正文</p>" });
      expect(sent.accepted.sort()).toEqual(["a@court.test", "b@court.test"]);
      const got = smtp.received[0]!;
      expect(got.user).toBe("kuayu");
      expect(got.to.sort()).toEqual(["a@court.test", "b@court.test"]);
      const mail = readMail(got.raw);
      expect(mail.subject).toBe("【跨域立案】测试");
      expect(mail.text.trim()).toBe("纯文本正文");
      expect(mail.html?.trim()).toBe("<p>网页正文</p>");
    } finally {
      mailer.close();
      await smtp.close();
    }
  });

  it("rejects on a wrong password and on a refused connection, without the password in the error", async () => {
    const smtp = await startSmtp({ user: "kuayu", pass: "smtp-pass" });
    const wrong = createMailer({ host: "127.0.0.1", port: smtp.port, secure: false, ignoreTLS: true, user: "kuayu", pass: "not-the-pass", from: "noreply@kuayu.test", timeoutMs: 5000 });
    try {
      const err = await wrong.sendMail("a@court.test", { subject: "s", text: "t" }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect(String(err?.message)).not.toContain("not-the-pass");
      expect(smtp.received).toHaveLength(0);
    } finally {
      wrong.close();
      await smtp.close();
    }
    const closed = createMailer({ host: "127.0.0.1", port: smtp.port, secure: false, ignoreTLS: true, from: "noreply@kuayu.test", timeoutMs: 2000 });
    await expect(closed.sendMail("a@court.test", { subject: "s", text: "t" })).rejects.toThrow(/ECONNREFUSED|connect/i);
    closed.close();
  });
});

// ---------- webhooks ----------

describe("webhooks over HTTP (loopback)", () => {
  const delivery = { id: "dlv-0001", eventType: "kuayu.decision.v1.Accepted", body: { filingId: "f-1", ...FACTS, acceptedAt: "2026-11-28T02:00:00Z" } };

  it("delivers a request that the receiver verifies with the raw body", async () => {
    const verdicts: unknown[] = [];
    const rx = await startHttp((hit, res) => {
      const header = hit.headers[SIGNATURE_HEADER.toLowerCase()];
      verdicts.push(verifyWebhook(SECRET, hit.raw, typeof header === "string" ? header : undefined, Date.now() / 1000));
      res.writeHead(204).end();
    });
    try {
      const result = await postWebhook(rx.url, SECRET, delivery, { policy: LOOPBACK, timeoutMs: 5000 });
      expect(result).toEqual({ ok: true, status: 204 });
      expect(verdicts).toEqual([{ ok: true }]);
      const hit = rx.hits[0]!;
      expect(hit.method).toBe("POST");
      expect(hit.url).toBe("/hook");
      expect(hit.headers[DELIVERY_HEADER.toLowerCase()]).toBe("dlv-0001");
      expect(hit.headers[EVENT_TYPE_HEADER.toLowerCase()]).toBe("kuayu.decision.v1.Accepted");
      expect(hit.headers["content-type"]).toBe("application/json; charset=utf-8");
      expect(JSON.parse(hit.raw.toString("utf8"))).toEqual(delivery.body);
      // The secret itself never travels.
      expect(JSON.stringify(hit.headers) + hit.raw.toString("utf8")).not.toContain(SECRET);
      // The same request is refused with another secret or a modified body.
      const header = String(hit.headers[SIGNATURE_HEADER.toLowerCase()]);
      expect(verifyWebhook("some-other-secret-of-enough-length", hit.raw, header, Date.now() / 1000)).toEqual({ ok: false, reason: "bad-signature" });
      expect(verifyWebhook(SECRET, Buffer.concat([hit.raw, Buffer.from(" ")]), header, Date.now() / 1000)).toEqual({ ok: false, reason: "bad-signature" });
    } finally {
      await rx.close();
    }
  });

  it("signs with the injected clock", async () => {
    const rx = await startHttp((_hit, res) => res.writeHead(200).end("ok"));
    try {
      const at = Date.UTC(2026, 10, 28, 2, 0, 0);
      expect(await postWebhook(rx.url, SECRET, delivery, { policy: LOOPBACK, now: () => at })).toEqual({ ok: true, status: 200 });
      const header = String(rx.hits[0]!.headers[SIGNATURE_HEADER.toLowerCase()]);
      expect(header.startsWith(`t=${at / 1000},v1=`)).toBe(true);
      expect(verifyWebhook(SECRET, rx.hits[0]!.raw, header, at / 1000 + 10)).toEqual({ ok: true });
      expect(verifyWebhook(SECRET, rx.hits[0]!.raw, header, Date.now() / 1000)).toEqual({ ok: false, reason: "stale" });
    } finally {
      await rx.close();
    }
  });

  it("reports a 500 answer as not ok with its status", async () => {
    const rx = await startHttp((_hit, res) => res.writeHead(500, { "Content-Type": "text/plain" }).end(`boom ${SECRET}`));
    try {
      const result = await postWebhook(rx.url, SECRET, delivery, { policy: LOOPBACK, timeoutMs: 5000 });
      expect(result).toEqual({ ok: false, status: 500, error: "HTTP 500" });
    } finally {
      await rx.close();
    }
  });

  it("does not follow redirects", async () => {
    const target = await startHttp((_hit, res) => res.writeHead(200).end());
    const rx = await startHttp((_hit, res) => res.writeHead(307, { Location: target.url }).end());
    try {
      expect(await postWebhook(rx.url, SECRET, delivery, { policy: LOOPBACK, timeoutMs: 5000 })).toEqual({ ok: false, status: 307, error: "HTTP 307" });
      expect(target.hits).toHaveLength(0);
    } finally {
      await rx.close();
      await target.close();
    }
  });

  it("gives up on a receiver that never answers within the timeout", async () => {
    const rx = await startHttp(() => undefined); // reads the request, never answers
    try {
      const started = Date.now();
      const result = await postWebhook(rx.url, SECRET, delivery, { policy: LOOPBACK, timeoutMs: 300 });
      const elapsed = Date.now() - started;
      expect(result).toEqual({ ok: false, error: "receiver not reachable", detail: "timeout after 300 ms" });
      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(3000);
      expect(rx.hits).toHaveLength(1);
    } finally {
      await rx.close();
    }
  });

  it("stops when the caller aborts", async () => {
    const rx = await startHttp(() => undefined);
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      expect(await postWebhook(rx.url, SECRET, delivery, { policy: LOOPBACK, timeoutMs: 10_000, signal: controller.signal })).toEqual({ ok: false, error: "aborted" });
    } finally {
      await rx.close();
    }
  });

  it("reports a refused connection without the secret or URL", async () => {
    const rx = await startHttp(() => undefined);
    const url = `${rx.url}?token=in-the-url`;
    await rx.close();
    const result = await postWebhook(url, SECRET, delivery, { policy: LOOPBACK, timeoutMs: 2000 });
    expect(result.ok).toBe(false);
    expect(result.status).toBeUndefined();
    // The court sees a generic reason (no port-scanner answers); the operator's log gets the code.
    expect(result.error).toBe("receiver not reachable");
    expect(result.detail).toBe("ECONNREFUSED");
  });

  it("refuses receivers on loopback, private and metadata addresses unless allowed, on the address actually connected to", async () => {
    const rx = await startHttp((_hit, res) => res.writeHead(200).end());
    try {
      // An address in the URL, and a name that resolves to loopback (the DNS path: rebinding is caught the same way).
      const byName = rx.url.replace("127.0.0.1", "localhost");
      for (const url of [rx.url, byName]) {
        expect(await postWebhook(url, SECRET, delivery, { timeoutMs: 2000 })).toMatchObject({ ok: false, error: "receiver address not allowed", detail: "address range loopback" });
      }
      expect(await postWebhook("http://169.254.169.254/latest/meta-data/", SECRET, delivery, { timeoutMs: 2000 })).toMatchObject({ ok: false, error: "receiver address not allowed" });
      expect(await postWebhook("https://10.0.0.7/hook", SECRET, delivery, { timeoutMs: 2000 })).toMatchObject({ ok: false, error: "receiver address not allowed" });
      expect(rx.hits).toEqual([]);
      // An operator's allowed range, and loopback allowed for local systems.
      expect(await postWebhook(byName, SECRET, delivery, { timeoutMs: 2000, policy: { allowLoopback: false, allowCidrs: ["127.0.0.0/8", "::1/128"] } })).toMatchObject({ ok: true, status: 200 });
      expect(await postWebhook(rx.url, SECRET, delivery, { timeoutMs: 2000, policy: LOOPBACK })).toMatchObject({ ok: true, status: 200 });
      expect(rx.hits).toHaveLength(2);
    } finally {
      await rx.close();
    }
  });
});

// ---------- SMS ----------

/** A gateway's message: the text only. */
const text = (t: string) => ({ kind: "accepted", params: {}, text: t });

describe("SMS over an HTTP gateway (loopback)", () => {
  it("posts {to, text} as JSON with the bearer token", async () => {
    const gw = await startHttp((_hit, res) => res.writeHead(200, { "Content-Type": "application/json" }).end('{"accepted":true}'));
    try {
      const sms = httpSmsProvider({ url: gw.url, token: "sms-token-123", timeoutMs: 5000 });
      const m = messageFor("kuayu.decision.v1.Accepted", FACTS);
      const text = m.sms;
      await sms.send("13800138000", { ...m.smsTemplate, text });
      expect(gw.hits).toHaveLength(1);
      const hit = gw.hits[0]!;
      expect(hit.method).toBe("POST");
      expect(hit.headers.authorization).toBe("Bearer sms-token-123");
      expect(hit.headers["content-type"]).toBe("application/json; charset=utf-8");
      expect(JSON.parse(hit.raw.toString("utf8"))).toEqual({ to: "13800138000", text });
    } finally {
      await gw.close();
    }
  });

  it("fails on a non-2xx answer, with the status and without the token", async () => {
    const gw = await startHttp((_hit, res) => res.writeHead(401).end("bad token"));
    try {
      const sms = httpSmsProvider({ url: gw.url, token: "sms-token-123", timeoutMs: 5000 });
      const err = await sms.send("13800138000", text("【跨域立案】测试")).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SmsDeliveryError);
      expect((err as SmsDeliveryError).status).toBe(401);
      expect((err as Error).message).toBe("SMS provider: HTTP 401");
      expect((err as Error).message).not.toContain("sms-token-123");
    } finally {
      await gw.close();
    }
  });

  it("times out against a gateway that never answers", async () => {
    const gw = await startHttp(() => undefined);
    try {
      const sms = httpSmsProvider({ url: gw.url, token: "t", timeoutMs: 300 });
      const started = Date.now();
      await expect(sms.send("13800138000", text("x"))).rejects.toThrow("SMS provider: timeout after 300 ms");
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await gw.close();
    }
  });

  it("refuses an invalid number without calling the gateway", async () => {
    const gw = await startHttp((_hit, res) => res.writeHead(200).end());
    try {
      const sms = httpSmsProvider({ url: gw.url, token: "t" });
      await expect(sms.send("+86 138 0013 8000", text("x"))).rejects.toThrow(/mainland mobile number/);
      expect(gw.hits).toHaveLength(0);
    } finally {
      await gw.close();
    }
  });
});

// ---------- SMS through the providers' SDKs ----------

/** Every kind's template as a deployment would approve it: the parameters each uses, in order. */
const TEMPLATE_PARAMS: Record<string, string[]> = Object.fromEntries(
  SMS_KINDS.map((k) => [
    k,
    k === "accepted" ? ["receipt", "court", "caseNumber"] : k === "correction-requested" ? ["receipt", "deadline"] : k === "next-opening" ? ["receipt", "opening"] : ["receipt", "court"],
  ]),
);
const TEMPLATES = parseSmsTemplates(Object.fromEntries(SMS_KINDS.map((k, i) => [k, { templateId: `SMS_${7000 + i}`, params: TEMPLATE_PARAMS[k] }])));
const APPROVED = Object.fromEntries(Object.values(TEMPLATES).map((t) => [t.templateId, t.params]));

describe.each(["aliyun", "tencent"] as const)("SMS through the %s SDK, checked by a local stand-in for its API", (provider) => {
  const credentials = { keyId: "LTAI5tKuayuTestKeyId", secret: "kuayu-test-secret-0123456789" };
  const make = (url: string, secret = credentials.secret) =>
    provider === "aliyun"
      ? aliyunSmsProvider({ endpoint: url, accessKeyId: credentials.keyId, accessKeySecret: secret, signName: "跨域立案", templates: TEMPLATES, timeoutMs: 5000 })
      : tencentSmsProvider({
          endpoint: url,
          secretId: credentials.keyId,
          secretKey: secret,
          sdkAppId: "1400123456",
          region: "ap-guangzhou",
          signName: "跨域立案",
          templates: TEMPLATES,
          timeoutMs: 5000,
        });
  let check: SmsCheck;
  beforeEach(async () => {
    check = await startSmsProviderCheck({ provider, ...credentials, signName: "跨域立案", templates: APPROVED, sdkAppId: "1400123456" });
  });
  afterEach(() => check.close());

  it("sends the kind's template with its parameters under the signature name, signed as the API reference says", async () => {
    const sms = make(check.url);
    const accepted = messageFor("kuayu.decision.v1.Accepted", FACTS);
    await sms.send("13800138000", { ...accepted.smsTemplate, text: accepted.sms });
    const correction = messageFor("kuayu.decision.v1.CorrectionRequested", { ...FACTS, deadline: new Date("2026-06-05T09:30:00Z") });
    await sms.send("13900139000", { ...correction.smsTemplate, text: correction.sms });
    expect(check.refused).toEqual([]);
    expect(check.accepted).toEqual([
      { phone: "13800138000", templateId: TEMPLATES.accepted!.templateId, params: { receipt: FACTS.receiptNumber, court: FACTS.jurisdictionCourt, caseNumber: FACTS.caseNumber } },
      { phone: "13900139000", templateId: TEMPLATES["correction-requested"]!.templateId, params: { receipt: FACTS.receiptNumber, deadline: "6月5日17:30" } },
    ]);
  });

  it("fails, naming the provider's code and nothing secret, when the signature does not verify", async () => {
    const m = messageFor("kuayu.decision.v1.Accepted", FACTS);
    const err = await make(check.url, "another-secret")
      .send("13800138000", { ...m.smsTemplate, text: m.sms })
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(err).toBeInstanceOf(SmsDeliveryError);
    const code = provider === "aliyun" ? "SignatureDoesNotMatch" : "AuthFailure.SignatureFailure";
    expect(err!.message).toMatch(new RegExp(`refused the message: ${code.replace(".", "\\.")}$`));
    expect(err!.message).not.toMatch(/secret|13800138000/);
    expect([check.accepted, check.refused]).toEqual([[], [code]]);
  });

  it("is refused by the provider when the approved template has other parameters", async () => {
    const other = { ...TEMPLATES, accepted: { templateId: TEMPLATES.accepted!.templateId, params: ["receipt"] } };
    const sms =
      provider === "aliyun"
        ? aliyunSmsProvider({ endpoint: check.url, accessKeyId: credentials.keyId, accessKeySecret: credentials.secret, signName: "跨域立案", templates: other, timeoutMs: 5000 })
        : tencentSmsProvider({
            endpoint: check.url,
            secretId: credentials.keyId,
            secretKey: credentials.secret,
            sdkAppId: "1400123456",
            region: "ap-guangzhou",
            signName: "跨域立案",
            templates: other,
            timeoutMs: 5000,
          });
    const m = messageFor("kuayu.decision.v1.Accepted", FACTS);
    await expect(sms.send("13800138000", { ...m.smsTemplate, text: m.sms })).rejects.toThrow(SmsDeliveryError);
    expect(check.refused).toEqual([provider === "aliyun" ? "isv.TEMPLATE_MISSING_PARAMETERS" : "FailedOperation.TemplateParamSetNotMatchApprovedTemplate"]);
  });
});

describe("SMS templates (SMS_TEMPLATES_FILE)", () => {
  it("need every kind, known parameters and template ids, and say every problem at once", () => {
    expect(() => parseSmsTemplates({ accepted: { templateId: "SMS 1", params: ["receipt", "residentId"] }, colour: {} })).toThrow(
      /unknown kind colour.*no template for filing-submitted.*accepted: templateId must be the provider's template id; accepted: params must name parameters among receipt, court, caseType, caseNumber, deadline, opening/,
    );
  });
});
