// Signed events: what a consumer's verifier accepts and refuses (libs/kafka signing.ts with the
// lifecycle policy of libs/topics), for both algorithms, and keys from files and over HTTP.
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import { readFileSync } from "node:fs";
import { CompactSign, compactVerify, importJWK, importPKCS8 } from "jose";
import {
  buildRecord,
  createEventVerifier,
  decodeEvent,
  eventJwk,
  eventJwks,
  fileEventKeys,
  ForgedEventError,
  parseEventTrust,
  SIGNATURE_HEADERS,
  type EventJwk,
  type EventRecord,
  type EventSigner,
} from "@kuayu/kafka";
import { loadDirectory } from "@kuayu/directory";
import { testEventKeys, type TestEventKeys } from "@kuayu/testkit";
import { eventPolicy, eventSecurity, lifecycleTopic, type FilingEventInit } from "@kuayu/topics";

const dir = loadDirectory();
const provinceOf = (id: string) => dir.byId(id)?.province;
const WINDOW = "t-440103001"; // Guangdong
const JURISDICTION = "c-110105"; // Beijing
const courts = { collaboratingCourtId: WINDOW, jurisdictionCourtId: JURISDICTION };

const record = (event: FilingEventInit["event"]) => buildRecord(lifecycleTopic("11"), "f-1", { event }, { source: "kuayu.test", partition: 0 });
const accepted = () => record({ case: "accepted", value: { filingId: "f-1", ...courts, caseNumber: "(2026)京0105民初1号" } });
const submitted = () => record({ case: "filingSubmitted", value: { filingId: "f-1", ...courts } });
const decoded = (r: EventRecord) => decodeEvent(lifecycleTopic("11"), r.value, r.headers).message;
const refusal = async (verify: Promise<void>) => {
  const err = await verify.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ForgedEventError);
  return (err as Error).message;
};

describe.each(["P-256", "SM2"] as const)("events signed with %s keys", (curve) => {
  let keys: TestEventKeys;
  let decision: EventSigner;
  let routing: EventSigner;
  let verifier: ReturnType<typeof createEventVerifier>;
  const check = (r: EventRecord) => verifier.verify(r, decoded(r));

  beforeAll(async () => {
    keys = await testEventKeys({ curve });
    decision = await keys.signer("decision");
    routing = await keys.signer("routing");
    verifier = createEventVerifier([{ provinces: "*", lookup: fileEventKeys(keys.jwksFile) }], eventPolicy(provinceOf));
  });

  it("accept an event signed by the producer its type needs", async () => {
    const signed = await decision.sign(accepted());
    expect(signed.headers[SIGNATURE_HEADERS.producer]).toBe("decision");
    expect(signed.headers[SIGNATURE_HEADERS.signature]).toMatch(/^[\w-]+\.\.[\w-]+$/); // detached
    await expect(check(signed)).resolves.toBeUndefined();
    await expect(check(await (await keys.signer("intake")).sign(submitted()))).resolves.toBeUndefined();
  });

  it("refuse an unsigned event, and one signed by another producer (valid broker credentials are not enough)", async () => {
    expect(await refusal(check(accepted()))).toMatch(/not signed/);
    expect(await refusal(check(await routing.sign(accepted())))).toMatch(/must come from decision, it is signed by routing/);
    // A producer that names itself decision in the header, signing with routing's key.
    const claimed = await routing.sign(accepted());
    expect(await refusal(check({ ...claimed, headers: { ...claimed.headers, [SIGNATURE_HEADERS.producer]: "decision" } }))).toMatch(/does not match|decision/);
  });

  it("accept a route's events from the window's intake, or from routing (an earlier release's), and from nobody else", async () => {
    const routed = () => record({ case: "filingRouted", value: { filingId: "f-1", ...courts } });
    const failed = () => record({ case: "routingFailed", value: { filingId: "f-1", ...courts, reasons: ["closed"] } });
    const intake = await keys.signer("intake");
    for (const r of [routed, failed]) {
      await expect(check(await routing.sign(r()))).resolves.toBeUndefined();
      await expect(check(await intake.sign(r()))).resolves.toBeUndefined();
      expect(await refusal(check(await decision.sign(r())))).toMatch(/must come from intake or routing, it is signed by decision/);
    }
    // Still for the window's province only: a key bound to Beijing routes no Guangdong window's filing.
    const beijing = await testEventKeys({ curve, producers: ["intake"], provinces: ["11"] });
    const bound = createEventVerifier([{ provinces: "*", lookup: fileEventKeys(beijing.jwksFile) }], eventPolicy(provinceOf));
    const signed = await (await beijing.signer("intake")).sign(routed());
    expect(await refusal(bound.verify(signed, decoded(signed)))).toMatch(/not trusted for that province/);
  });

  it("refuse any change to what was signed: value, key, topic, type, time", async () => {
    const signed = await decision.sign(accepted());
    const other = accepted(); // another case number would be another value; the same event re-encoded with another id
    expect(await refusal(check({ ...signed, value: (await decision.sign(record({ case: "accepted", value: { filingId: "f-1", ...courts, caseNumber: "(2026)京0105民初2号" } }))).value }))).toMatch(
      /does not match/,
    );
    expect(await refusal(check({ ...signed, key: "f-2" }))).toMatch(/does not match/);
    expect(await refusal(check({ ...signed, topic: "kuayu.filing.other.v1" }))).toMatch(/does not match/);
    expect(await refusal(check({ ...signed, headers: { ...signed.headers, "kuayu-event-time": other.headers["kuayu-event-time"]!.replace(/\d{3}Z$/, "999Z") } }))).toMatch(/does not match/);
    expect(await refusal(check({ ...signed, headers: { ...signed.headers, "kuayu-event-id": other.headers["kuayu-event-id"]! } }))).toMatch(/does not match/);
  });

  it("refuse a key nobody published and a signature that is not a detached JWS", async () => {
    const stranger = await testEventKeys({ curve, producers: ["decision"] });
    expect(await refusal(check(await (await stranger.signer("decision")).sign(accepted())))).toMatch(/unknown key/);
    const signed = await decision.sign(accepted());
    expect(await refusal(check({ ...signed, headers: { ...signed.headers, [SIGNATURE_HEADERS.signature]: "abc" } }))).toMatch(/not a detached JWS/);
  });
});

describe("ES256 signatures are JWS (RFC 7515) over a fixed payload", () => {
  // What a signature covers, written out: the record as the consumer sees it, the value by its digest.
  const payloadOf = (r: EventRecord) =>
    JSON.stringify([
      r.topic,
      r.key,
      ...["kuayu-event-id", "kuayu-event-type", "kuayu-event-source", "kuayu-event-time", SIGNATURE_HEADERS.producer].map((h) => r.headers[h]),
      createHash("sha256").update(r.value).digest("base64url"),
    ]);

  it("jose verifies the signer's signature, and the verifier accepts one jose made", async () => {
    const keys = await testEventKeys({ curve: "P-256", producers: ["decision"] });
    const signed = await (await keys.signer("decision")).sign(accepted());
    const [head, , sig] = signed.headers[SIGNATURE_HEADERS.signature]!.split(".");
    const jwk = (JSON.parse(readFileSync(keys.jwksFile, "utf8")) as { keys: EventJwk[] }).keys[0]!;
    const opened = await compactVerify(`${head}.${Buffer.from(payloadOf(signed)).toString("base64url")}.${sig}`, await importJWK(jwk, "ES256"));
    expect(opened.protectedHeader).toEqual({ alg: "ES256", kid: jwk.kid, typ: "kuayu-event+jws" });

    const jose = await new CompactSign(Buffer.from(payloadOf(signed))).setProtectedHeader(opened.protectedHeader).sign(await importPKCS8(readFileSync(keys.keyFile("decision"), "utf8"), "ES256"));
    const [jHead, , jSig] = jose.split(".");
    const verifier = createEventVerifier([{ provinces: "*", lookup: fileEventKeys(keys.jwksFile) }], eventPolicy(provinceOf));
    const byJose = { ...signed, headers: { ...signed.headers, [SIGNATURE_HEADERS.signature]: `${jHead}..${jSig}` } };
    await expect(verifier.verify(byJose, decoded(byJose))).resolves.toBeUndefined();
    expect(await refusal(verifier.verify({ ...byJose, key: "f-2" }, decoded(byJose)))).toMatch(/does not match/);
    const short = { ...signed, headers: { ...signed.headers, [SIGNATURE_HEADERS.signature]: `${jHead}..${jSig!.slice(0, 20)}` } };
    expect(await refusal(verifier.verify(short, decoded(short)))).toMatch(/does not match/);
  });
});

describe("province bindings", () => {
  it("a key bound to Guangdong signs Guangdong's windows' events, not Beijing's decisions", async () => {
    const guangdong = await testEventKeys({ provinces: ["44"] });
    const v = createEventVerifier([{ provinces: "*", lookup: fileEventKeys(guangdong.jwksFile) }], eventPolicy(provinceOf));
    const sub = await (await guangdong.signer("intake")).sign(submitted());
    await expect(v.verify(sub, decoded(sub))).resolves.toBeUndefined();
    const acc = await (await guangdong.signer("decision")).sign(accepted());
    expect(await refusal(v.verify(acc, decoded(acc)))).toMatch(/province 11: decision's key .* is not trusted for that province/);
  });

  it("EVENT_TRUST binds another release's keys to its provinces, whatever the keys claim", async () => {
    const beijing = await testEventKeys(); // claims "*"
    const v = createEventVerifier(parseEventTrust(`11+12=${beijing.jwksFile}`), eventPolicy(provinceOf));
    const acc = await (await beijing.signer("decision")).sign(accepted());
    await expect(v.verify(acc, decoded(acc))).resolves.toBeUndefined(); // Beijing's court: province 11
    const sub = await (await beijing.signer("intake")).sign(submitted()); // a window in Guangdong
    expect(await refusal(v.verify(sub, decoded(sub)))).toMatch(/province 44/);
    expect(() => parseEventTrust("beijing=x.json")).toThrow(/EVENT_TRUST entry/);
  });

  it("eventSecurity builds the signer and the verifier from the settings, and nothing without them", async () => {
    const keys = await testEventKeys();
    const s = await eventSecurity(keys.env("decision"), "decision", provinceOf);
    const signed = await s.signer!.sign(accepted());
    await expect(s.verifier!.verify(signed, decoded(signed))).resolves.toBeUndefined();
    expect(await eventSecurity({}, "decision", provinceOf)).toEqual({});
  });
});

describe("keys over HTTP (another release's JWKS)", () => {
  let server: Server;
  let served: string;
  let url: string;
  beforeAll(async () => {
    server = createServer((_req, res) => (served === "down" ? res.writeHead(503).end() : res.writeHead(200, { "content-type": "application/json" }).end(served)));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/.well-known/kuayu-event-keys.json`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("a rotated key is fetched when its kid first appears; the old key stays valid while published", async () => {
    const old = await testEventKeys({ producers: ["decision"] });
    const next = await testEventKeys({ producers: ["decision"] });
    const oldJwk = await eventJwk(readFileSync(old.keyFile("decision"), "utf8"), "decision");
    const nextJwk = await eventJwk(readFileSync(next.keyFile("decision"), "utf8"), "decision");
    served = JSON.stringify(eventJwks([oldJwk]));
    const v = createEventVerifier(parseEventTrust(`11=${url}`), eventPolicy(provinceOf));
    const a = await (await old.signer("decision")).sign(accepted());
    await expect(v.verify(a, decoded(a))).resolves.toBeUndefined();
    // The release publishes old and new during the overlap; the verifier fetches again on the new kid (after its 5 s cooldown).
    served = JSON.stringify(eventJwks([oldJwk, nextJwk]));
    const b = await (await next.signer("decision")).sign(accepted());
    await new Promise((r) => setTimeout(r, 5_100));
    await expect(v.verify(b, decoded(b))).resolves.toBeUndefined();
    await expect(v.verify(a, decoded(a))).resolves.toBeUndefined();
  }, 20_000);

  it("a key server that does not answer is an outage (the consumer retries), not a forgery", async () => {
    served = "down";
    const keys = await testEventKeys({ producers: ["decision"] });
    const v = createEventVerifier(parseEventTrust(`11=${url}`), eventPolicy(provinceOf));
    const a = await (await keys.signer("decision")).sign(accepted());
    const err = await v.verify(a, decoded(a)).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/HTTP 503/);
    expect(err).not.toBeInstanceOf(ForgedEventError);
  });
});

describe("the policy", () => {
  it("names a producer for every lifecycle event and supervision's notices", async () => {
    const { EVENT_PRODUCERS, FILING_EVENTS, supervisionTopics } = await import("@kuayu/topics");
    expect(Object.keys(EVENT_PRODUCERS).sort()).toEqual([...Object.values(FILING_EVENTS), supervisionTopics.noticePublished.schema.typeName].sort());
  });
});
