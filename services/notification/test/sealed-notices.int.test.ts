// Sealed notices through the real notification service (real broker and store): a notice issued
// by the lifecycle events is downloaded, poppler's pdfsig finds its signature valid and made by the
// issuing court, `kuayu document verify` accepts it and rejects a tampered copy; VerifyDocument
// masks the names and is rate-limited per caller address; the console's public tokens reach
// VerifyDocument only, limited per visitor.
import { execFile, execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createSigner, NOTIFICATION_AUDIENCE, type Role } from "@kuayu/auth";
import { createClient, status, type Client } from "@kuayu/grpc";
import { createKafka, createProducer, type EventProducer } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { connectMongo } from "@kuayu/mongo";
import { commonV1, intakeV1, notificationV1 } from "@kuayu/proto";
import type { FilingEventInit } from "@kuayu/topics";
import { assertInfraUp, eventually, infra, publishLifecycle, testKeys, uniqueName } from "@kuayu/testkit";
import { readConfig } from "../src/config";
import { startApp, type App } from "../src/app";

const keys = testKeys();
const log = createLogger({ service: "test", level: "silent" });
const TRIBUNAL = "t-440103001"; // 广州市荔湾区人民法院沙面人民法庭
const COURT = "c-110105"; // 北京市朝阳区人民法院
const VERIFY_PER_MINUTE = 6;
const cli = path.resolve(__dirname, "../../../libs/cli/bin/kuayu.js");
let app: App;
let db: string;
let events: EventProducer;
let tmp: string;
let caFile: string;
let mint: (courtId: string, province: string, roles: Role[]) => Promise<string>;
const clients: { close(): void }[] = [];
const fatal: Error[] = [];

beforeAll(async () => {
  await assertInfraUp();
  tmp = mkdtempSync(path.join(tmpdir(), "kuayu-sealed-"));
  const sealDir = path.join(tmp, "court-seal");
  execFileSync("mkdir", ["-p", sealDir]);
  // A court seal CA as scripts/bootstrap.sh makes the development one: the courts' certificates are issued on first use.
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-sha256",
      "-days",
      "30",
      "-keyout",
      path.join(sealDir, "ca.key.pem"),
      "-out",
      path.join(sealDir, "ca.crt.pem"),
      "-subj",
      "/C=CN/O=Kuayu test/CN=Kuayu test court seal CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE,pathlen:0",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
    { stdio: "ignore" },
  );
  caFile = path.join(sealDir, "ca.crt.pem");
  const signer = await createSigner(keys.privateKey);
  mint = (courtId, province, roles) => signer.mint({ user: `u-${courtId}`, courtId, roles, province });
  db = uniqueName("sealed_it");
  app = await startApp(
    readConfig({
      GRPC_PORT: "0",
      GRPC_HOST: "127.0.0.1",
      ...infra.kafkaEnv,
      MONGO_URI: infra.mongoUri,
      MONGO_DB: db,
      KAFKA_GROUP_ID: uniqueName("notification"),
      KAFKA_FROM_BEGINNING: "false",
      JWT_PUBLIC_KEY: keys.publicKey,
      LOG_LEVEL: "silent",
      SEAL_KEY_DIR: sealDir,
      VERIFY_DOCUMENT_PER_MINUTE: String(VERIFY_PER_MINUTE),
    }),
    log,
    (err) => void fatal.push(err),
  );
  events = await createProducer(createKafka({ ...infra.kafka, clientId: "sealed-test", log }), "kuayu.test");
});
afterAll(async () => {
  clients.forEach((c) => c.close());
  await events?.disconnect();
  expect(await app?.stop()).toBe(true);
  expect(fatal).toEqual([]);
  const conn = await connectMongo({ uri: infra.mongoUri, dbName: db });
  await conn.dropDatabase();
  await conn.close();
  rmSync(tmp, { recursive: true, force: true });
});

const client = async (courtId: string, province: string, roles: Role[]): Promise<Client<typeof notificationV1.NotificationService>> => {
  const c = createClient(notificationV1.NotificationService, `127.0.0.1:${app.grpcPort}`, { token: await mint(courtId, province, roles), timeoutMs: 30_000 });
  clients.push(c);
  return c;
};

const publish = (filingId: string, event: FilingEventInit["event"]) => publishLifecycle(events, { window: "44", jurisdiction: "11" }, filingId, event);

async function accepted(filingId: string) {
  const base = { filingId, collaboratingCourtId: TRIBUNAL, jurisdictionCourtId: COURT, drill: false };
  await publish(filingId, {
    case: "filingSubmitted",
    value: {
      ...base,
      round: 1,
      caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE,
      receiptNumber: `KY-${TRIBUNAL}-20261128-000007`,
      submittedAt: timestampFromDate(new Date()),
      details: {
        parties: [
          { role: intakeV1.PartyRole.PLAINTIFF, identity: { case: "person", value: { name: "张小三", residentId: "11010519491231002X" } }, address: "广州" },
          { role: intakeV1.PartyRole.DEFENDANT, identity: { case: "organization", value: { name: "北京某贸易有限公司", creditCode: "91350100M000100Y43" } }, address: "北京" },
        ],
      },
      materials: [{ materialId: "m1", kind: "complaint", fileName: "起诉状.pdf", sha256: "a".repeat(64), sizeBytes: 10n }],
    },
  });
  const routedAt = new Date();
  await publish(filingId, {
    case: "filingRouted",
    value: { ...base, round: 1, province: "11", originProvince: "44", routedAt: timestampFromDate(routedAt), responseDue: timestampFromDate(new Date(routedAt.getTime() + 1800_000)) },
  });
  await publish(filingId, { case: "acknowledged", value: { ...base, round: 1 } });
  await publish(filingId, { case: "accepted", value: { ...base, round: 1, caseNumber: "（2026）京0105民初77号" } });
}

const kuayu = (token: string, ...args: string[]) =>
  promisify(execFile)(process.execPath, [cli, ...args], {
    encoding: "utf8",
    env: { ...process.env, KUAYU_TOKEN: token, KUAYU_NOTIFICATION_ADDR: `127.0.0.1:${app.grpcPort}`, KUAYU_SEAL_CA: caFile },
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

it("seals the acceptance notice with the jurisdiction court's key: pdfsig and kuayu document verify accept it, not a tampered copy; names masked; checks rate-limited", async () => {
  const filingId = randomUUID();
  await accepted(filingId);
  const clerk = await client(TRIBUNAL, "44", ["window-clerk"]);
  let info: notificationV1.DocumentInfo | undefined;
  const chunks: Uint8Array[] = [];
  await eventually(
    async () => {
      chunks.length = 0;
      for await (const res of clerk.getDocument({ filingId, kind: notificationV1.DocumentKind.ACCEPTANCE_NOTICE })) {
        if (res.part.case === "info") info = res.part.value;
        else if (res.part.case === "chunk") chunks.push(res.part.value);
      }
      return info;
    },
    30_000,
    "the acceptance notice",
  );
  const pdf = Buffer.concat(chunks);
  expect(pdf.length).toBeLessThanOrEqual(40 * 1024);
  expect(info).toMatchObject({ issuingCourtId: COURT, issuingCourtName: "北京市朝阳区人民法院" });
  const file = path.join(tmp, "notice.pdf");
  writeFileSync(file, pdf);

  // poppler: the signature is valid and made with the court's certificate.
  const sig = execFileSync("pdfsig", [file], { encoding: "utf8" });
  expect(sig).toContain("Signature is Valid");
  expect(sig).toContain("Signer Certificate Common Name: 北京市朝阳区人民法院");
  expect(sig).toContain(`serialNumber=${COURT}`);

  // The CLI: seal and code against the service.
  const token = await mint("c-440104", "44", ["supervisor"]);
  const ok = await kuayu(token, "document", "verify", file);
  expect(ok.stderr).toBe("");
  expect(ok.code).toBe(0);
  expect(ok.stdout).toContain(`VALID: ${file} is sealed by 北京市朝阳区人民法院 and is the document issued under its code`);
  for (const s of [COURT, "（2026）京0105民初77号", info!.verificationCode, info!.sha256, "acceptance-notice"]) expect(ok.stdout).toContain(s);

  // One byte changed in the signed part (the Info dictionary's /Title), and bytes appended: both refused.
  const tampered = Buffer.from(pdf);
  const at = pdf.indexOf("/Title") + 2;
  tampered[at] = tampered[at]! ^ 0x20;
  writeFileSync(path.join(tmp, "tampered.pdf"), tampered);
  const bad = await kuayu(token, "document", "verify", path.join(tmp, "tampered.pdf"));
  expect(bad.code).toBe(1);
  expect(bad.stdout).toContain("INVALID");
  expect(bad.stdout).toContain("changed after it was sealed");
  writeFileSync(path.join(tmp, "appended.pdf"), Buffer.concat([pdf, Buffer.from("\n%%EOF\n")]));
  const appended = await kuayu(token, "document", "verify", "--offline", path.join(tmp, "appended.pdf"));
  expect(appended.code).toBe(1);
  expect(appended.stdout).toContain("does not cover the whole file");
  expect(execFileSync("pdfsig", [path.join(tmp, "tampered.pdf")], { encoding: "utf8" })).not.toContain("Signature is Valid");

  // --offline checks only the signature (no service call); another CA fails it.
  const offline = await kuayu("", "document", "verify", "--offline", file);
  expect(offline.code).toBe(0);
  expect(offline.stdout).toContain("(signature only: --offline)");
  const otherCa = path.join(tmp, "other-ca.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-keyout",
      path.join(tmp, "other-ca.key"),
      "-out",
      otherCa,
      "-subj",
      "/CN=Other CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
    ],
    { stdio: "ignore" },
  );
  const wrongCa = await kuayu("", "document", "verify", "--offline", "--seal-ca", otherCa, file);
  expect(wrongCa.code).toBe(1);
  expect(wrongCa.stdout).toContain("not issued by the configured court seal CA");

  // VerifyDocument: masked names, the full ones only on the paper.
  const anyone = await client("c-440104", "44", ["supervisor"]);
  const verified = (await anyone.verifyDocument({ verificationCode: info!.verificationCode })).document!;
  expect(verified.facts["当事人"]).toBe("原告：张*三；被告：北京***有限公司");
  expect(JSON.stringify(verified.facts)).not.toMatch(/张小三|北京某贸易有限公司/);
  expect(execFileSync("pdftotext", [file, "-"], { encoding: "utf8" })).toContain("张小三");

  // Rate limit per caller address: the CLI's online check (the tampered copy failed before asking) and the call above count too.
  const results = await Promise.all(
    Array.from({ length: VERIFY_PER_MINUTE + 2 }, () =>
      anyone.verifyDocument({ verificationCode: info!.verificationCode }).then(
        () => "ok",
        (e: unknown) => (e as { code?: number }).code,
      ),
    ),
  );
  expect(results.filter((r) => r === "ok")).toHaveLength(VERIFY_PER_MINUTE - 2);
  expect(results.filter((r) => r === status.RESOURCE_EXHAUSTED)).toHaveLength(4);
  const limited = await kuayu(token, "document", "verify", file);
  expect(limited.code).toBe(1);
  expect(limited.stderr).toMatch(/too many document checks from 127\.0\.0\.1/);

  // The console's public page: a public token per visitor checks codes (its own count, not the
  // address's, which is spent) and reaches nothing else of the service.
  const visitor = async (v: string) =>
    createClient(notificationV1.NotificationService, `127.0.0.1:${app.grpcPort}`, {
      token: await (await createSigner(keys.privateKey)).mintPublic({ visitor: v, scope: "document:verify", audience: NOTIFICATION_AUDIENCE }),
    });
  const pub = await visitor("visitor-1");
  expect((await pub.verifyDocument({ verificationCode: info!.verificationCode })).document!.facts["当事人"]).toBe("原告：张*三；被告：北京***有限公司");
  for (const call of [pub.listNotifications({}), pub.addWebhook({ url: "https://example.org/hook", eventTypes: [] }), pub.markRead({ notificationIds: [] })]) {
    await expect(call).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
  }
  const downloads = pub.getDocument({ filingId: "x", kind: notificationV1.DocumentKind.ACCEPTANCE_NOTICE });
  await expect(
    (async () => {
      for await (const _ of downloads) void _;
    })(),
  ).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
  const own = await Promise.all(
    Array.from({ length: VERIFY_PER_MINUTE }, () =>
      pub.verifyDocument({ verificationCode: info!.verificationCode }).then(
        () => "ok",
        (e: unknown) => (e as { code?: number }).code,
      ),
    ),
  );
  expect(own.filter((r) => r === "ok")).toHaveLength(VERIFY_PER_MINUTE - 1);
  expect(own.filter((r) => r === status.RESOURCE_EXHAUSTED)).toHaveLength(1);
  await expect((await visitor("visitor-2")).verifyDocument({ verificationCode: info!.verificationCode })).resolves.toBeDefined();

  // The party's page: a filing:party token downloads that filing's notice (the same bytes), and
  // nothing of another filing, nor any other method.
  const party = async (filing: string) =>
    createClient(notificationV1.NotificationService, `127.0.0.1:${app.grpcPort}`, {
      token: await (await createSigner(keys.privateKey)).mintPublic({ visitor: "visitor-3", scope: "filing:party", filing, audience: NOTIFICATION_AUDIENCE }),
    });
  const download = async (c: Awaited<ReturnType<typeof party>>, id: string) => {
    const parts: Uint8Array[] = [];
    for await (const res of c.getDocument({ filingId: id, kind: notificationV1.DocumentKind.ACCEPTANCE_NOTICE })) if (res.part.case === "chunk") parts.push(res.part.value);
    return Buffer.concat(parts);
  };
  const theirs = await party(filingId);
  expect((await download(theirs, filingId)).equals(pdf)).toBe(true);
  const otherFiling = randomUUID();
  await accepted(otherFiling);
  await eventually(
    () =>
      download(clerk, otherFiling).then(
        (b) => b.length > 0,
        () => false,
      ),
    30_000,
    "the other filing's notice",
  );
  await expect(download(theirs, otherFiling)).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
  await expect(theirs.verifyDocument({ verificationCode: info!.verificationCode })).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
  await expect(theirs.listNotifications({})).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
});
