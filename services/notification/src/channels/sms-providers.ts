/**
 * Mainland SMS providers through their official Node SDKs. Mainland providers send only
 * pre-approved templates under a registered signature name (签名): each kind of message has a
 * template id and the names of the parameters it fills, in order (SMS_TEMPLATES_FILE, per
 * deployment). Both SDKs sign every request (Alibaba: ACS3-HMAC-SHA256; Tencent: TC3-HMAC-SHA256)
 * with the deployment's key pair; the endpoint is a setting, so tests point them at a local server
 * that checks each request as the provider's API reference specifies (@kuayu/testkit smsProviderCheck).
 */
import { readFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import Dysmsapi, { SendSmsRequest } from "@alicloud/dysmsapi20170525";
import { $OpenApiUtil } from "@alicloud/openapi-core";
import { sms as tencentSms } from "tencentcloud-sdk-nodejs-sms";
import { SMS_KINDS, SMS_PARAMS } from "./templates.js";
import { SmsDeliveryError, assertMainlandMobile, httpSmsProvider, type SmsMessage, type SmsProvider } from "./sms.js";

/** A kind's template at the provider: its id and the parameters it fills, in the template's order. */
export interface SmsTemplate {
  templateId: string;
  params: string[];
}
export type SmsTemplates = Record<string, SmsTemplate>;

/**
 * The templates of SMS_TEMPLATES_FILE: `{ "<kind>": { "templateId": "…", "params": ["receipt", …] } }`
 * for every kind of message (templates.ts SMS_KINDS), each parameter one the messages fill
 * (SMS_PARAMS). Every problem at once.
 */
export function parseSmsTemplates(json: unknown): SmsTemplates {
  const problems: string[] = [];
  if (!json || typeof json !== "object" || Array.isArray(json)) throw new Error("SMS templates: expected a JSON object of kind → { templateId, params }");
  const given = json as Record<string, unknown>;
  for (const k of Object.keys(given)) if (!(SMS_KINDS as readonly string[]).includes(k)) problems.push(`unknown kind ${k} (kinds: ${SMS_KINDS.join(", ")})`);
  for (const kind of SMS_KINDS) {
    const t = given[kind] as Partial<SmsTemplate> | undefined;
    if (!t) {
      problems.push(`no template for ${kind}`);
      continue;
    }
    if (typeof t.templateId !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(t.templateId)) problems.push(`${kind}: templateId must be the provider's template id`);
    if (!Array.isArray(t.params) || t.params.some((p) => !(SMS_PARAMS as readonly string[]).includes(p))) problems.push(`${kind}: params must name parameters among ${SMS_PARAMS.join(", ")}`);
  }
  if (problems.length > 0) throw new Error(`SMS templates: ${problems.join("; ")}`);
  return given as SmsTemplates;
}

export interface ProviderEndpoint {
  /** e.g. https://dysmsapi.aliyuncs.com; http only for a local check. */
  endpoint: string;
  signName: string;
  templates: SmsTemplates;
  timeoutMs: number;
  /** An HTTP(S) proxy to reach the provider through; unset: none (the environment's proxy variables are not used). */
  proxy?: string;
}

export interface AliyunSmsOptions extends ProviderEndpoint {
  accessKeyId: string;
  accessKeySecret: string;
}

export interface TencentSmsOptions extends ProviderEndpoint {
  secretId: string;
  secretKey: string;
  /** The SMS application (SmsSdkAppId), e.g. 1400006666. */
  sdkAppId: string;
  /** e.g. ap-guangzhou. */
  region: string;
}

function templateOf(templates: SmsTemplates, m: SmsMessage): SmsTemplate {
  const t = templates[m.kind];
  if (!t) throw new SmsDeliveryError(`no SMS template for messages of kind ${m.kind}`);
  return t;
}

/** A provider's error code, safe to log (never a key, a number or the message's words). */
const codeOf = (v: unknown) => (typeof v === "string" && /^[\w.:-]{1,80}$/.test(v) ? v : "unknown");

/** Alibaba Cloud SMS (短信服务, SendSms 2017-05-25): TemplateParam is a JSON object of the template's parameters. */
export function aliyunSmsProvider(o: AliyunSmsOptions): SmsProvider {
  const url = new URL(o.endpoint);
  const config = new $OpenApiUtil.Config({
    accessKeyId: o.accessKeyId,
    accessKeySecret: o.accessKeySecret,
    endpoint: url.host,
    protocol: url.protocol.replace(":", ""),
    connectTimeout: o.timeoutMs,
    readTimeout: o.timeoutMs,
    ...(o.proxy ? (url.protocol === "https:" ? { httpsProxy: o.proxy } : { httpProxy: o.proxy }) : {}),
  });
  const client = new Dysmsapi(config);
  return {
    async send(to, m) {
      assertMainlandMobile(to);
      const t = templateOf(o.templates, m);
      const params = Object.fromEntries(t.params.map((p) => [p, m.params[p] ?? ""]));
      let code: unknown;
      try {
        const res = await client.sendSms(new SendSmsRequest({ phoneNumbers: to, signName: o.signName, templateCode: t.templateId, templateParam: JSON.stringify(params) }));
        code = res.body?.code;
      } catch (err) {
        const e = err as { code?: unknown; statusCode?: unknown };
        throw new SmsDeliveryError(`Alibaba Cloud SMS refused the message: ${codeOf(e.code)}`, typeof e.statusCode === "number" ? e.statusCode : undefined);
      }
      if (code !== "OK") throw new SmsDeliveryError(`Alibaba Cloud SMS refused the message: ${codeOf(code)}`);
    },
  };
}

/** Tencent Cloud SMS (SendSms 2021-01-11): TemplateParamSet lists the template's parameters in order. */
export function tencentSmsProvider(o: TencentSmsOptions): SmsProvider {
  const url = new URL(o.endpoint);
  // An agent of our own: the SDK would otherwise send through the environment's http_proxy.
  const agent = o.proxy ? undefined : url.protocol === "https:" ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  const client = new tencentSms.v20210111.Client({
    credential: { secretId: o.secretId, secretKey: o.secretKey },
    region: o.region,
    profile: { httpProfile: { endpoint: url.host, protocol: `${url.protocol}//`, reqTimeout: Math.ceil(o.timeoutMs / 1000), ...(agent ? { agent } : { proxy: o.proxy }) } },
  });
  return {
    async send(to, m) {
      assertMainlandMobile(to);
      const t = templateOf(o.templates, m);
      let status: { Code?: unknown } | undefined;
      try {
        const res = await client.SendSms({
          PhoneNumberSet: [`+86${to}`],
          SmsSdkAppId: o.sdkAppId,
          SignName: o.signName,
          TemplateId: t.templateId,
          TemplateParamSet: t.params.map((p) => m.params[p] ?? ""),
        });
        status = res.SendStatusSet?.[0];
      } catch (err) {
        throw new SmsDeliveryError(`Tencent Cloud SMS refused the message: ${codeOf((err as { code?: unknown }).code)}`);
      }
      if (status?.Code !== "Ok") throw new SmsDeliveryError(`Tencent Cloud SMS refused the message: ${codeOf(status?.Code)}`);
    },
  };
}

/** The SMS settings of the notification service (config.ts). */
export interface SmsSettings {
  SMS_PROVIDER?: "aliyun" | "tencent" | "http" | undefined;
  SMS_URL?: string | undefined;
  SMS_TOKEN?: string | undefined;
  SMS_ENDPOINT?: string | undefined;
  SMS_SIGN_NAME?: string | undefined;
  SMS_TEMPLATES_FILE?: string | undefined;
  SMS_ACCESS_KEY_ID?: string | undefined;
  SMS_ACCESS_KEY_SECRET?: string | undefined;
  SMS_ACCESS_KEY_SECRET_FILE?: string | undefined;
  SMS_SDK_APP_ID?: string | undefined;
  SMS_REGION: string;
  SMS_PROXY?: string | undefined;
}

/** The deployment's SMS provider, or undefined when none is configured. */
export function smsFromSettings(c: SmsSettings, timeoutMs = 10_000): SmsProvider | undefined {
  const kind = c.SMS_PROVIDER ?? (c.SMS_URL ? "http" : undefined);
  if (!kind) return undefined;
  if (kind === "http") return httpSmsProvider({ url: c.SMS_URL!, token: c.SMS_TOKEN!, timeoutMs });
  let templates: SmsTemplates;
  try {
    templates = parseSmsTemplates(JSON.parse(readFileSync(c.SMS_TEMPLATES_FILE!, "utf8")));
  } catch (err) {
    throw new Error(`SMS_TEMPLATES_FILE ${c.SMS_TEMPLATES_FILE}: ${(err as Error).message}`);
  }
  const secret = (c.SMS_ACCESS_KEY_SECRET ?? readFileSync(c.SMS_ACCESS_KEY_SECRET_FILE!, "utf8")).trim();
  const common = { signName: c.SMS_SIGN_NAME!, templates, timeoutMs, ...(c.SMS_PROXY ? { proxy: c.SMS_PROXY } : {}) };
  if (kind === "aliyun") return aliyunSmsProvider({ ...common, endpoint: c.SMS_ENDPOINT ?? "https://dysmsapi.aliyuncs.com", accessKeyId: c.SMS_ACCESS_KEY_ID!, accessKeySecret: secret });
  return tencentSmsProvider({
    ...common,
    endpoint: c.SMS_ENDPOINT ?? "https://sms.tencentcloudapi.com",
    secretId: c.SMS_ACCESS_KEY_ID!,
    secretKey: secret,
    sdkAppId: c.SMS_SDK_APP_ID!,
    region: c.SMS_REGION,
  });
}
