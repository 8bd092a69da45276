/**
 * E-mail over SMTP (nodemailer). Transport only: the caller picks recipients and texts
 * (see templates.ts) and records the outcome.
 */
import { createTransport } from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport";
import { ValidationError } from "@kuayu/domain";

export interface MailerOptions {
  host: string;
  port: number;
  /** true: TLS from the start (port 465). false: plain, upgraded with STARTTLS when offered (587/25). */
  secure: boolean;
  /** SMTP AUTH; omit both for relays that authenticate by network. */
  user?: string;
  pass?: string;
  /** Sender, e.g. `跨域立案系统 <noreply@example.gov.cn>`. */
  from: string;
  /** Refuse to send unless the server upgrades to TLS with STARTTLS (for secure: false). */
  requireTLS?: boolean;
  /** Never use STARTTLS even if offered (loopback test servers only). */
  ignoreTLS?: boolean;
  /** Connection, greeting and socket timeouts; default 30 000 ms. */
  timeoutMs?: number;
}

export interface MailContent {
  subject: string;
  text: string;
  html?: string;
}

export interface SentMail {
  messageId: string;
  /** Recipients the server accepted / rejected (a partly rejected message is still sent). */
  accepted: string[];
  rejected: string[];
}

export interface Mailer {
  /** Sends one message; rejects on invalid recipients, connection, auth or protocol errors. */
  sendMail(to: string | readonly string[], content: MailContent): Promise<SentMail>;
  /** Connects and authenticates without sending (for a readiness check at start). */
  verify(): Promise<void>;
  close(): void;
}

/** A plain address `local@domain`; no display names, whitespace or line breaks. */
const EMAIL = /^[^\s@<>(),;:"\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

export function isEmailAddress(s: string): boolean {
  return typeof s === "string" && s.length <= 254 && EMAIL.test(s);
}

/** For logs: `zhang.san@court.gov.cn` → `z***@court.gov.cn`. */
export function maskEmail(s: string): string {
  const at = s.lastIndexOf("@");
  if (at <= 0) return "***";
  return `${s[0]}***${s.slice(at)}`;
}

const addressText = (a: string | { address: string }) => (typeof a === "string" ? a : a.address);

export function createMailer(options: MailerOptions): Mailer {
  const timeout = options.timeoutMs ?? 30_000;
  const transportOptions: SMTPTransport.Options = {
    host: options.host,
    port: options.port,
    secure: options.secure,
    requireTLS: options.requireTLS,
    ignoreTLS: options.ignoreTLS,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    ...(options.user !== undefined || options.pass !== undefined ? { auth: { user: options.user ?? "", pass: options.pass ?? "" } } : {}),
  };
  const transport = createTransport(transportOptions);

  return {
    async sendMail(to, content) {
      const list = typeof to === "string" ? [to] : [...to];
      const bad =
        list.length === 0
          ? [{ field: "to", description: "at least one recipient is required" }]
          : list.flatMap((a, i) => (isEmailAddress(a) ? [] : [{ field: typeof to === "string" ? "to" : `to[${i}]`, description: "not an e-mail address (expected local@domain)" }]));
      if (bad.length > 0) throw new ValidationError(bad);
      const info = await transport.sendMail({
        from: options.from,
        to: list,
        subject: content.subject,
        text: content.text,
        ...(content.html !== undefined ? { html: content.html } : {}),
      });
      return { messageId: info.messageId, accepted: info.accepted.map(addressText), rejected: info.rejected.map(addressText) };
    },
    async verify() {
      await transport.verify();
    },
    close() {
      transport.close();
    },
  };
}
