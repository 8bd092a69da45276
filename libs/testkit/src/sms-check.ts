// A local stand-in for the SMS providers' APIs that checks every request as their API references
// specify — the action and version, the signature method and the signature itself, the signature
// name, the template and its parameters — and answers in the provider's format. Tests point the
// real SDKs at it (SMS_ENDPOINT); a request signed with another secret, or with a parameter the
// template does not have, is refused as the provider would refuse it.
import { createHash, createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface SmsCheckOptions {
  provider: "aliyun" | "tencent";
  /** AccessKey id / SecretId and its secret. */
  keyId: string;
  secret: string;
  signName: string;
  /** The approved templates: id → the parameter names, in order. */
  templates: Record<string, string[]>;
  /** Tencent: the SMS application id. */
  sdkAppId?: string;
}

/** A message the check accepted. */
export interface AcceptedSms {
  phone: string;
  templateId: string;
  /** By name (Alibaba's TemplateParam; Tencent's TemplateParamSet named by the template). */
  params: Record<string, string>;
}

export interface SmsCheck {
  /** http://127.0.0.1:<port>: the SMS_ENDPOINT to give the SDK. */
  url: string;
  accepted: AcceptedSms[];
  /** Why each refused request was refused (the provider's error code). */
  refused: string[];
  close(): Promise<void>;
}

const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
const hmac = (key: Buffer | string, s: string) => createHmac("sha256", key).update(s).digest();
const sameHex = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
/** RFC 3986 percent-encoding (Alibaba's canonical query string). */
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const MAINLAND = /^1[3-9]\d{9}$/;

class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * Alibaba Cloud V3 signature (ACS3-HMAC-SHA256): the canonical request is the method, the path,
 * the sorted RFC 3986-encoded query, the signed headers (lower-case, sorted, `name:value\n`), their
 * names and the payload's SHA-256; the string to sign is the algorithm and the canonical request's
 * SHA-256; the signature is HMAC-SHA256 of it under the AccessKey secret, in hex.
 */
function checkAliyun(o: SmsCheckOptions, req: IncomingMessage, url: URL, body: Buffer): AcceptedSms {
  const h = req.headers;
  if (h["x-acs-action"] !== "SendSms") throw new Refusal("InvalidAction.NotFound", `action ${String(h["x-acs-action"])}`, 404);
  if (h["x-acs-version"] !== "2017-05-25") throw new Refusal("InvalidVersion", `version ${String(h["x-acs-version"])}`);
  const auth = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(String(h.authorization ?? ""));
  if (!auth) throw new Refusal("IncompleteSignature", "the Authorization header is not ACS3-HMAC-SHA256");
  const [, credential, signedHeaders, signature] = auth as unknown as [string, string, string, string];
  if (credential !== o.keyId) throw new Refusal("InvalidAccessKeyId.NotFound", "unknown AccessKey id", 404);
  const signed = signedHeaders.split(";");
  for (const need of ["host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"]) {
    if (!signed.includes(need)) throw new Refusal("IncompleteSignature", `${need} is not signed`);
  }
  if ([...signed].sort().join(";") !== signedHeaders) throw new Refusal("IncompleteSignature", "SignedHeaders are not sorted");
  if (h["x-acs-content-sha256"] !== sha256(body)) throw new Refusal("InvalidParameter", "x-acs-content-sha256 is not the payload's");
  const date = Date.parse(String(h["x-acs-date"] ?? ""));
  if (!Number.isFinite(date) || Math.abs(Date.now() - date) > 15 * 60_000) throw new Refusal("InvalidTimeStamp.Expired", "x-acs-date is not within 15 minutes");
  if (!h["x-acs-signature-nonce"]) throw new Refusal("MissingSignatureNonce", "no nonce");
  const query = [...url.searchParams.entries()]
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const headers = signed.map((n) => `${n}:${String(h[n] ?? "").trim()}\n`).join("");
  const canonical = ["POST", url.pathname, query, headers, signedHeaders, sha256(body)].join("\n");
  const expected = hmac(o.secret, `ACS3-HMAC-SHA256\n${sha256(canonical)}`).toString("hex");
  if (!sameHex(expected, signature)) throw new Refusal("SignatureDoesNotMatch", "Specified signature is not matched with our calculation.");

  const p = Object.fromEntries(url.searchParams.entries());
  if (!MAINLAND.test(p.PhoneNumbers ?? "")) throw new Refusal("isv.MOBILE_NUMBER_ILLEGAL", "PhoneNumbers", 200);
  if (p.SignName !== o.signName) throw new Refusal("isv.SMS_SIGNATURE_ILLEGAL", "SignName", 200);
  const names = o.templates[p.TemplateCode ?? ""];
  if (!names) throw new Refusal("isv.SMS_TEMPLATE_ILLEGAL", "TemplateCode", 200);
  let params: unknown;
  try {
    params = JSON.parse(p.TemplateParam ?? "");
  } catch {
    throw new Refusal("isv.INVALID_JSON_PARAM", "TemplateParam is not JSON", 200);
  }
  if (!params || typeof params !== "object" || Array.isArray(params)) throw new Refusal("isv.INVALID_JSON_PARAM", "TemplateParam is not an object", 200);
  const given = params as Record<string, unknown>;
  const keys = Object.keys(given).sort();
  if (keys.join(",") !== [...names].sort().join(",") || keys.some((k) => typeof given[k] !== "string")) {
    throw new Refusal("isv.TEMPLATE_MISSING_PARAMETERS", "TemplateParam does not fill the template's parameters", 200);
  }
  return { phone: p.PhoneNumbers!, templateId: p.TemplateCode!, params: given as Record<string, string> };
}

/**
 * Tencent Cloud API 3.0 signature (TC3-HMAC-SHA256): the canonical request is the method, the path,
 * the (empty) query, `content-type` and `host` headers, their names and the payload's SHA-256; the
 * string to sign is the algorithm, the timestamp, the credential scope `<date>/<service>/tc3_request`
 * and the canonical request's SHA-256; the key is derived HMAC by HMAC from "TC3"+SecretKey through
 * the date, the service and "tc3_request". The service is the endpoint's first label ("sms" for
 * sms.tencentcloudapi.com; the SDK takes "127" for 127.0.0.1), and the SDK signs the host name
 * without a port (a real endpoint has none).
 */
function checkTencent(o: SmsCheckOptions, req: IncomingMessage, url: URL, body: Buffer): AcceptedSms[] {
  const h = req.headers;
  if (h["x-tc-action"] !== "SendSms") throw new Refusal("InvalidAction", `action ${String(h["x-tc-action"])}`);
  if (h["x-tc-version"] !== "2021-01-11") throw new Refusal("InvalidParameterValue", `version ${String(h["x-tc-version"])}`);
  if (!h["x-tc-region"]) throw new Refusal("MissingParameter", "X-TC-Region");
  const timestamp = Number(h["x-tc-timestamp"]);
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300) throw new Refusal("AuthFailure.SignatureExpire", "X-TC-Timestamp is not within 5 minutes");
  const auth = /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([^/]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(String(h.authorization ?? ""));
  if (!auth) throw new Refusal("AuthFailure.InvalidAuthorization", "the Authorization header is not TC3-HMAC-SHA256");
  const [, secretId, date, service, signedHeaders, signature] = auth as unknown as [string, string, string, string, string, string];
  if (secretId !== o.keyId) throw new Refusal("AuthFailure.SecretIdNotFound", "unknown SecretId");
  if (date !== new Date(timestamp * 1000).toISOString().slice(0, 10)) throw new Refusal("AuthFailure.SignatureFailure", "the credential's date is not the timestamp's");
  const host = String(h.host ?? "");
  const hostname = host.replace(/:\d+$/, "");
  if (service !== hostname.split(".")[0]) throw new Refusal("AuthFailure.SignatureFailure", "the credential's service is not the endpoint's");
  if (signedHeaders !== "content-type;host") throw new Refusal("AuthFailure.SignatureFailure", "content-type and host must be signed");
  const headers = `content-type:${String(h["content-type"] ?? "")}\nhost:${hostname}\n`;
  const canonical = ["POST", url.pathname, url.search.slice(1), headers, signedHeaders, sha256(body)].join("\n");
  const toSign = `TC3-HMAC-SHA256\n${timestamp}\n${date}/${service}/tc3_request\n${sha256(canonical)}`;
  const key = hmac(hmac(hmac(`TC3${o.secret}`, date), service), "tc3_request");
  if (!sameHex(hmac(key, toSign).toString("hex"), signature)) throw new Refusal("AuthFailure.SignatureFailure", "The provided credentials could not be validated.");

  let p: Record<string, unknown>;
  try {
    p = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
  } catch {
    throw new Refusal("InvalidParameter", "the body is not JSON");
  }
  if (p.SmsSdkAppId !== o.sdkAppId) throw new Refusal("InvalidParameterValue.SdkAppIdNotExist", "SmsSdkAppId");
  if (p.SignName !== o.signName) throw new Refusal("FailedOperation.SignatureIncorrectOrUnapproved", "SignName");
  const names = o.templates[String(p.TemplateId ?? "")];
  if (!names) throw new Refusal("FailedOperation.TemplateIncorrectOrUnapproved", "TemplateId");
  const values = p.TemplateParamSet;
  if (!Array.isArray(values) || values.length !== names.length || values.some((v) => typeof v !== "string")) {
    throw new Refusal("FailedOperation.TemplateParamSetNotMatchApprovedTemplate", "TemplateParamSet does not fill the template's parameters");
  }
  const phones = p.PhoneNumberSet;
  if (!Array.isArray(phones) || phones.length === 0 || phones.some((x) => typeof x !== "string" || !/^\+861[3-9]\d{9}$/.test(x))) {
    throw new Refusal("InvalidParameterValue.IncorrectPhoneNumber", "PhoneNumberSet (E.164, +86…)");
  }
  return (phones as string[]).map((phone) => ({ phone: phone.slice(3), templateId: String(p.TemplateId), params: Object.fromEntries(names.map((n, i) => [n, values[i] as string])) }));
}

/** Starts the check on 127.0.0.1 (a free port). */
export async function startSmsProviderCheck(o: SmsCheckOptions): Promise<SmsCheck> {
  const accepted: AcceptedSms[] = [];
  const refused: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? "/", "http://check");
      const requestId = randomUUID();
      const send = (status: number, json: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json));
      try {
        if (req.method !== "POST") throw new Refusal("UnsupportedHTTPMethod", "POST only", 405);
        if (o.provider === "aliyun") {
          accepted.push(checkAliyun(o, req, url, body));
          return send(200, { Code: "OK", Message: "OK", BizId: randomUUID().slice(0, 20), RequestId: requestId });
        }
        const sent = checkTencent(o, req, url, body);
        accepted.push(...sent);
        return send(200, {
          Response: {
            SendStatusSet: sent.map((s) => ({ SerialNo: randomUUID(), PhoneNumber: `+86${s.phone}`, Fee: 1, SessionContext: "", Code: "Ok", Message: "send success", IsoCode: "CN" })),
            RequestId: requestId,
          },
        });
      } catch (err) {
        if (!(err instanceof Refusal)) throw err;
        refused.push(err.code);
        // Alibaba: an HTTP error for a bad request, 200 with the code for a refused message; Tencent: always 200 with Response.Error.
        if (o.provider === "aliyun") return send(err.status, { Code: err.code, Message: err.message, RequestId: requestId });
        return send(200, { Response: { Error: { Code: err.code, Message: err.message }, RequestId: requestId } });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accepted,
    refused,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
