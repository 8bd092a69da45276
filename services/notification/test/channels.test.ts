import { createHmac } from "node:crypto";
import { ValidationError } from "@kuayu/domain";
import { DELIVERY_HEADER, EVENT_TYPE_HEADER, parseSignatureHeader, SIGNATURE_HEADER, signWebhook, verifyWebhook } from "../src/channels/webhook-signature.js";
import { backoffMs, MAX_ATTEMPTS, postWebhook } from "../src/channels/webhook-client.js";
import { formatChinaTime, hasTemplate, MESSAGE_EVENT_TYPES, messageFor, SMS_PREFIX, type MessageFacts } from "../src/channels/templates.js";
import { assertMainlandMobile, httpSmsProvider, isMainlandMobile, maskPhone } from "../src/channels/sms.js";
import { createMailer, isEmailAddress, maskEmail } from "../src/channels/email.js";

const SECRET = "s3cret-s3cret-s3cret-s3cret-s3cret!";
const OTHER = "another-secret-another-secret-xyz";
const BODY = JSON.stringify({ filingId: "f-1", receiptNumber: "KY-c-110105-20261128-000042", note: "受理" });
const T = 1_780_000_000;

describe("webhook signature", () => {
  it("has the documented header names", () => {
    expect([SIGNATURE_HEADER, DELIVERY_HEADER, EVENT_TYPE_HEADER]).toEqual(["X-Kuayu-Signature", "X-Kuayu-Delivery", "X-Kuayu-Event-Type"]);
  });

  it("signs t.body with HMAC-SHA256 as t=…,v1=…", () => {
    const expected = createHmac("sha256", SECRET).update(`${T}.${BODY}`).digest("hex");
    expect(signWebhook(SECRET, BODY, T)).toBe(`t=${T},v1=${expected}`);
  });

  it("accepts a valid signature, also given raw bytes, within the tolerance either side", () => {
    const h = signWebhook(SECRET, BODY, T);
    expect(verifyWebhook(SECRET, BODY, h, T)).toEqual({ ok: true });
    expect(verifyWebhook(SECRET, Buffer.from(BODY, "utf8"), h, T + 300)).toEqual({ ok: true });
    expect(verifyWebhook(SECRET, BODY, h, T - 300)).toEqual({ ok: true });
  });

  it("rejects a tampered body and a wrong secret", () => {
    const h = signWebhook(SECRET, BODY, T);
    expect(verifyWebhook(SECRET, BODY.replace("受理", "驳回"), h, T)).toEqual({ ok: false, reason: "bad-signature" });
    expect(verifyWebhook(SECRET, BODY + " ", h, T)).toEqual({ ok: false, reason: "bad-signature" });
    expect(verifyWebhook(OTHER, BODY, h, T)).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("rejects a changed timestamp (it is signed)", () => {
    const h = signWebhook(SECRET, BODY, T).replace(`t=${T}`, `t=${T + 1}`);
    expect(verifyWebhook(SECRET, BODY, h, T)).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("rejects stale and future timestamps", () => {
    const h = signWebhook(SECRET, BODY, T);
    expect(verifyWebhook(SECRET, BODY, h, T + 301)).toEqual({ ok: false, reason: "stale" });
    expect(verifyWebhook(SECRET, BODY, h, T - 301)).toEqual({ ok: false, reason: "stale" });
    expect(verifyWebhook(SECRET, BODY, h, T + 3600, 3600)).toEqual({ ok: true });
    expect(verifyWebhook(SECRET, BODY, h, T + 61, 60)).toEqual({ ok: false, reason: "stale" });
    expect(verifyWebhook(SECRET, BODY, h, Number.NaN)).toEqual({ ok: false, reason: "stale" });
  });

  it.each([
    ["missing", undefined],
    ["null", null],
    ["empty", ""],
    ["no t", "v1=" + "a".repeat(64)],
    ["no v1", `t=${T}`],
    ["two t", `t=${T},t=${T},v1=${"a".repeat(64)}`],
    ["t not a number", `t=abc,v1=${"a".repeat(64)}`],
    ["negative t", `t=-5,v1=${"a".repeat(64)}`],
    ["fractional t", `t=${T}.5,v1=${"a".repeat(64)}`],
    ["short v1", `t=${T},v1=abcd`],
    ["non-hex v1", `t=${T},v1=${"z".repeat(64)}`],
    ["part without =", `t=${T},v1=${"a".repeat(64)},junk`],
    ["garbage", "Bearer abc"],
    ["huge", `t=${T},` + `v1=${"a".repeat(64)},`.repeat(100)],
  ])("rejects a malformed header (%s)", (_name, header) => {
    expect(verifyWebhook(SECRET, BODY, header, T)).toEqual({ ok: false, reason: "malformed" });
  });

  it("parses with spaces, ignores unknown schemes, accepts upper-case hex", () => {
    const sig = createHmac("sha256", SECRET).update(`${T}.${BODY}`).digest("hex");
    expect(verifyWebhook(SECRET, BODY, ` t=${T} , v0=whatever, v1=${sig.toUpperCase()} `, T)).toEqual({ ok: true });
    expect(parseSignatureHeader(`t=${T},v1=${sig},v2=x`)).toEqual({ t: T, v1: [sig] });
  });

  it("supports several v1 values (secret rotation) in either order", () => {
    const both = signWebhook([OTHER, SECRET], BODY, T);
    expect(both.split(",")).toHaveLength(3);
    expect(verifyWebhook(SECRET, BODY, both, T)).toEqual({ ok: true });
    expect(verifyWebhook(OTHER, BODY, both, T)).toEqual({ ok: true });
    expect(verifyWebhook("a-third-secret-not-in-use-at-all", BODY, both, T)).toEqual({ ok: false, reason: "bad-signature" });
    // A receiver holding old and new secret accepts a header signed with either.
    expect(verifyWebhook([SECRET, OTHER], BODY, signWebhook(OTHER, BODY, T), T)).toEqual({ ok: true });
    const garbageFirst = `t=${T},v1=${"0".repeat(64)},v1=${signWebhook(SECRET, BODY, T).split("v1=")[1]}`;
    expect(verifyWebhook(SECRET, BODY, garbageFirst, T)).toEqual({ ok: true });
  });

  it("refuses empty secrets and bad timestamps when signing", () => {
    expect(() => signWebhook("", BODY, T)).toThrow(TypeError);
    expect(() => signWebhook([], BODY, T)).toThrow(TypeError);
    expect(() => signWebhook(SECRET, BODY, 1.5)).toThrow(RangeError);
    expect(() => verifyWebhook("", BODY, signWebhook(SECRET, BODY, T), T)).toThrow(TypeError);
  });
});

describe("webhook client (no network)", () => {
  it("has five attempts", () => expect(MAX_ATTEMPTS).toBe(5));

  it("reports a bad URL without throwing", async () => {
    await expect(postWebhook("not a url", SECRET, { id: "d", eventType: "e", body: {} })).resolves.toEqual({ ok: false, error: "invalid URL" });
    await expect(postWebhook("ftp://127.0.0.1/x", SECRET, { id: "d", eventType: "e", body: {} })).resolves.toEqual({ ok: false, error: "unsupported URL scheme" });
  });
});

describe("backoff", () => {
  it("doubles from the base, with ±20 % jitter", () => {
    expect(backoffMs(1, 1000, 60_000, () => 0.5)).toBe(1000);
    expect(backoffMs(2, 1000, 60_000, () => 0.5)).toBe(2000);
    expect(backoffMs(3, 1000, 60_000, () => 0.5)).toBe(4000);
    expect(backoffMs(1, 1000, 60_000, () => 0)).toBe(800);
    expect(backoffMs(1, 1000, 60_000, () => 0.999999)).toBe(1200);
  });

  it("stays within bounds for every attempt and random value", () => {
    for (let attempt = 1; attempt <= 40; attempt++) {
      const nominal = Math.min(60_000, 1000 * 2 ** (attempt - 1));
      for (let i = 0; i < 50; i++) {
        const d = backoffMs(attempt);
        expect(d).toBeGreaterThanOrEqual(Math.floor(nominal * 0.8));
        expect(d).toBeLessThanOrEqual(Math.min(60_000, Math.ceil(nominal * 1.2)));
      }
    }
    expect(backoffMs(1000, 500, 5000, () => 0.999)).toBe(5000);
    expect(backoffMs(Number.MAX_SAFE_INTEGER)).toBeLessThanOrEqual(60_000);
  });

  it("treats attempts below 1 and non-numbers as the first", () => {
    expect(backoffMs(0, 1000, 60_000, () => 0.5)).toBe(1000);
    expect(backoffMs(-3, 1000, 60_000, () => 0.5)).toBe(1000);
    expect(backoffMs(Number.NaN, 1000, 60_000, () => 0.5)).toBe(1000);
  });
});

const FACTS: MessageFacts = {
  receiptNumber: "KY-c-110105-20261128-000042",
  caseNumber: "（2026）京0105民初1号",
  jurisdictionCourt: "北京市朝阳区人民法院",
  collaboratingCourt: "上海市浦东新区人民法院",
  caseTypeName: "民事一审",
  deadline: new Date("2026-12-04T09:30:00Z"),
  reasons: ["起诉状副本份数不足", "缺少原告身份证明（11010519491231002X）"],
  nextOpening: new Date("2026-11-30T00:30:00Z"),
};
const MINIMAL: MessageFacts = {
  receiptNumber: "KY-c-110105-20261128-000042",
  jurisdictionCourt: "北京市朝阳区人民法院",
  collaboratingCourt: "上海市浦东新区人民法院",
  caseTypeName: "民事一审",
};
const LONG: MessageFacts = {
  ...FACTS,
  jurisdictionCourt: "新疆维吾尔自治区高级人民法院生产建设兵团分院",
  collaboratingCourt: "内蒙古自治区呼伦贝尔市鄂温克族自治旗人民法院",
};

describe("templates", () => {
  const smsLen = (s: string) => [...s].length;

  it.each(MESSAGE_EVENT_TYPES.map((t) => [t]))("%s has subject, text and SMS without gaps", (type) => {
    for (const facts of [FACTS, MINIMAL, LONG]) {
      const m = messageFor(type, facts);
      for (const s of [m.subject, m.text, m.sms]) {
        expect(s.trim().length).toBeGreaterThan(0);
        expect(s).not.toMatch(/undefined|null|NaN|\[object|Invalid Date|，。|（）/);
        expect(s).not.toMatch(/：[ \t]*(?:\n\n|\n?$)/);
        expect(s).not.toContain("11010519491231002X");
      }
      expect(m.subject.startsWith(SMS_PREFIX)).toBe(true);
      expect(m.sms.startsWith(SMS_PREFIX)).toBe(true);
      expect(m.subject).toContain(facts.receiptNumber);
      expect(m.text).toContain(facts.receiptNumber);
      expect(m.text).toContain(facts.jurisdictionCourt);
      expect(m.text).toContain(facts.collaboratingCourt);
      expect(m.sms).toContain(facts.receiptNumber);
      expect(m.subject).not.toContain("\n");
      // One SMS segment with ordinary facts, and with very long court names too.
      expect(smsLen(m.sms)).toBeLessThanOrEqual(70);
    }
  });

  it("puts the essential facts of each event into the texts", () => {
    const accepted = messageFor("kuayu.decision.v1.Accepted", FACTS);
    expect(accepted.text).toContain("（2026）京0105民初1号");
    expect(accepted.sms).toContain("（2026）京0105民初1号");
    expect(accepted.sms).toContain("北京市朝阳区人民法院");

    const correction = messageFor("kuayu.decision.v1.CorrectionRequested", FACTS);
    expect(correction.text).toContain("2026年12月4日 17:30");
    expect(correction.sms).toContain("12月4日17:30");
    expect(correction.text).toContain("1. 起诉状副本份数不足");
    expect(correction.text).toContain("110*************2X");

    const rejected = messageFor("kuayu.decision.v1.Rejected", { ...MINIMAL, reasons: "不属于本院管辖" });
    expect(rejected.text).toContain("理由：不属于本院管辖");

    const next = messageFor("next-opening", FACTS);
    expect(next.text).toContain("2026年11月30日 08:30");
    expect(next.sms).toContain("11月30日08:30");
    expect(messageFor("next-opening", MINIMAL).sms).toContain("下一工作时间");

    expect(messageFor("reminder", MINIMAL).text).toContain("20分钟");
    expect(messageFor("escalation", MINIMAL).text).toContain("24小时");
  });

  it("drops the court name from an SMS that would not fit one segment", () => {
    expect(messageFor("next-opening", FACTS).sms).not.toContain(FACTS.jurisdictionCourt);
    expect(messageFor("kuayu.routing.v1.FilingRouted", FACTS).sms).toContain(FACTS.jurisdictionCourt);
    expect(messageFor("kuayu.decision.v1.Rejected", FACTS).sms).toContain(FACTS.jurisdictionCourt);
    expect(messageFor("kuayu.decision.v1.Rejected", LONG).sms).not.toContain(LONG.jurisdictionCourt);
  });

  it("masks identity numbers and credit codes anywhere in free text, strips control characters", () => {
    const m = messageFor("kuayu.routing.v1.RoutingFailed", {
      ...MINIMAL,
      reasons: ["当事人 110105194912310021 与 91350100M000100Y43 信息不符\r\nBcc: x@y", "旧号码 110105491231002"],
    });
    expect(m.text).not.toMatch(/110105194912310021|91350100M000100Y43|110105491231002/);
    expect(m.text).not.toContain("\r");
    expect(m.text).toContain("1. 当事人 110*************21");
  });

  it("accepts the notification kinds of notification.proto as aliases", () => {
    expect(messageFor("kuayu.notification.Reminder", MINIMAL)).toEqual(messageFor("reminder", MINIMAL));
    expect(messageFor("kuayu.notification.Escalation", MINIMAL)).toEqual(messageFor("escalation", MINIMAL));
    expect(messageFor("kuayu.notification.NextOpening", FACTS)).toEqual(messageFor("next-opening", FACTS));
  });

  it("throws for unknown event types", () => {
    expect(hasTemplate("kuayu.decision.v1.Accepted")).toBe(true);
    expect(hasTemplate("kuayu.decision.v1.Nonsense")).toBe(false);
    expect(hasTemplate("toString")).toBe(false);
    expect(() => messageFor("kuayu.decision.v1.Nonsense", MINIMAL)).toThrow(RangeError);
  });

  it("formats times in China time", () => {
    expect(formatChinaTime(new Date("2026-12-31T16:05:00Z"))).toBe("2027年1月1日 00:05");
    expect(formatChinaTime(new Date("2026-12-31T16:05:00Z"), true)).toBe("1月1日00:05");
    expect(formatChinaTime("次日 08:30")).toBe("次日 08:30");
    expect(formatChinaTime(new Date(Number.NaN))).toBe("");
  });
});

describe("phones and e-mail addresses", () => {
  it.each(["13800138000", "19912345678", "15000000000"])("accepts %s", (p) => {
    expect(isMainlandMobile(p)).toBe(true);
    expect(() => assertMainlandMobile(p)).not.toThrow();
  });

  it.each(["12800138000", "1380013800", "138001380000", "+8613800138000", "138 0013 8000", "1380013800a", "", "０13800138000"])("rejects %j", (p) => {
    expect(isMainlandMobile(p)).toBe(false);
    expect(() => assertMainlandMobile(p)).toThrow(ValidationError);
    expect(() => assertMainlandMobile(p)).toThrow(/mainland mobile number/);
  });

  it("masks phones for logs", () => {
    expect(maskPhone("13800138000")).toBe("138****8000");
    expect(maskPhone("123")).toBe("****");
    expect(maskPhone("+8613800138000")).not.toContain("13800138000");
  });

  it("refuses an invalid number before any request is made", async () => {
    const sms = httpSmsProvider({ url: "http://127.0.0.1:9/never", token: "t" });
    await expect(sms.send("12345", { kind: "accepted", params: {}, text: "x" })).rejects.toThrow(ValidationError);
  });

  it("validates and masks e-mail addresses", () => {
    expect(isEmailAddress("zhang.san@court.gov.cn")).toBe(true);
    expect(isEmailAddress("a@b")).toBe(false);
    expect(isEmailAddress("a b@court.gov.cn")).toBe(false);
    expect(isEmailAddress("x@court.gov.cn\r\nBcc: y@z.cn")).toBe(false);
    expect(isEmailAddress("张三 <z@court.gov.cn>")).toBe(false);
    expect(maskEmail("zhang.san@court.gov.cn")).toBe("z***@court.gov.cn");
  });

  it("refuses invalid recipients before connecting", async () => {
    const mailer = createMailer({ host: "127.0.0.1", port: 9, secure: false, from: "noreply@example.gov.cn" });
    await expect(mailer.sendMail("not-an-address", { subject: "s", text: "t" })).rejects.toThrow(ValidationError);
    await expect(mailer.sendMail([], { subject: "s", text: "t" })).rejects.toThrow(/at least one recipient/);
    mailer.close();
  });
});
