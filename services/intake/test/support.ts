// Shared set-up of intake's integration tests: routing and intake in this process on the real
// broker and store, clients with tokens of given courts, and valid filing details.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { INTAKE_AUDIENCE, createSigner, publicJwk, type Role } from "@kuayu/auth";
import { createClient, type Client } from "@kuayu/grpc";
import { createLogger } from "@kuayu/logger";
import { commonV1, intakeV1 } from "@kuayu/proto";
import { infra, testKeys, uniqueName } from "@kuayu/testkit";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { readConfig as readRoutingConfig } from "../../routing/src/config";
import { startApp as startRouting } from "../../routing/src/app";
import { readConfig } from "../src/config";
import { startApp, type App } from "../src/app";

export type IntakeClient = Client<typeof intakeV1.FilingIntakeService>;

/** A people's tribunal in Guangdong (collaborating only) and a basic court in Beijing. */
export const TRIBUNAL = { id: "t-440103001", province: "44" };
export const BEIJING_CHAOYANG = { id: "c-110105", province: "11" };

/** GB 11643's own example number, and a credit code with a correct check character. */
export const RESIDENT_ID = "11010519491231002X";
export const CREDIT_CODE = "91350100M000100Y43";

type DetailsInit = Exclude<MessageInitShape<typeof intakeV1.FilingDetailsSchema>, intakeV1.FilingDetails>;

export function civilDetails(over: Partial<DetailsInit> = {}): DetailsInit {
  return {
    caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE,
    parties: [
      { role: intakeV1.PartyRole.PLAINTIFF, identity: { case: "person", value: { name: "张三", residentId: RESIDENT_ID } }, address: "广东省广州市荔湾区沙面大街1号", phone: "13800138000" },
      {
        role: intakeV1.PartyRole.DEFENDANT,
        identity: { case: "organization", value: { name: "北京某贸易有限公司", creditCode: CREDIT_CODE, legalRepresentative: "李四" } },
        address: "北京市朝阳区建国路1号",
      },
    ],
    claims: "判令被告支付货款人民币十万元",
    facts: "原被告于2026年签订买卖合同，被告未付货款。",
    jurisdictionCourtId: BEIJING_CHAOYANG.id,
    jurisdictionSource: intakeV1.JurisdictionSource.CLERK,
    ...over,
  };
}

/** The material kinds a civil filing by a party without an agent needs (opposing-party details come from the parties). */
export const CIVIL_REQUIRED = ["complaint", "filer-identity", "evidence", "address-for-service-confirmation"];

/** A small but real-looking PDF of about `size` bytes. */
export function pdf(size = 2048, seed = 0): Buffer {
  const head = Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "latin1");
  const body = Buffer.alloc(Math.max(0, size - head.length));
  for (let i = 0; i < body.length; i++) body[i] = (i * 31 + seed * 7) & 0xff;
  return Buffer.concat([head, body]);
}

/** Upload request messages for bytes, in 256 KiB chunks. */
export function* uploadParts(filingId: string, kind: string, bytes: Buffer, fileName = `${kind}.pdf`, chunk = 256 * 1024) {
  yield { part: { case: "header" as const, value: { filingId, kind, fileName, sizeBytes: BigInt(bytes.length) } } };
  for (let i = 0; i < bytes.length; i += chunk) yield { part: { case: "chunk" as const, value: bytes.subarray(i, i + chunk) } };
}

export interface Harness {
  intake: App;
  /** Stops routing and starts it again on its port with more settings (a changed DIRECTORY_FILE, say). */
  restartRouting(env: Record<string, string>): Promise<void>;
  db: string;
  address: string;
  client(courtId: string, province: string, roles?: Role[]): Promise<IntakeClient>;
  token(courtId: string, province: string, roles?: Role[]): Promise<string>;
  /** A client whose token Beijing's release (another key, trusted for province 11 only: JWT_TRUST) signed. */
  beijingReleaseClient(courtId: string, province: string, roles?: Role[]): Promise<IntakeClient>;
  /** A client holding jurisdiction-decision's service token: material:read of one filing, for the court. */
  serviceClient(filingId: string, courtId: string, province: string): Promise<IntakeClient>;
  /** The console's public token for a visitor of the party's page (filing:lookup), and a client holding one. */
  publicToken(visitor: string): Promise<string>;
  publicClient(visitor: string): Promise<IntakeClient>;
  close(): Promise<void>;
}

/** The routing service in this process (intake checks routes with it). */
/** Routing in this process (`env`: more settings, e.g. the TLS_* of a spawned intake that calls it). */
export function startRoutingService(publicKey: string, env: Record<string, string> = {}) {
  return startRouting(readRoutingConfig({ GRPC_PORT: "0", GRPC_HOST: "127.0.0.1", JWT_PUBLIC_KEY: publicKey, LOG_LEVEL: "silent", ...env }), createLogger({ service: "routing", level: "silent" }));
}

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const keys = testKeys();
  // Beijing's release (11) signs with its own key; this intake trusts it for province 11's tokens only.
  const beijing = testKeys();
  const trustFile = path.join(mkdtempSync(path.join(tmpdir(), "intake-trust-")), "11.json");
  writeFileSync(trustFile, JSON.stringify({ keys: [await publicJwk(beijing.publicKey)] }));
  const log = createLogger({ service: "test", level: (process.env.TEST_LOG_LEVEL ?? "silent") as "silent" });
  let routing = await startRoutingService(keys.publicKey);
  const routingPort = routing.grpcPort;
  const db = uniqueName("intake_it");
  const intake = await startApp(
    readConfig({
      GRPC_PORT: "0",
      GRPC_HOST: "127.0.0.1",
      ...infra.kafkaEnv,
      MONGO_URI: infra.mongoUri,
      MONGO_DB: db,
      KAFKA_GROUP_ID: uniqueName("intake"),
      JWT_PUBLIC_KEY: keys.publicKey,
      LOG_LEVEL: "silent",
      ROUTING_ADDR: `127.0.0.1:${routingPort}`,
      WATCH_POLL_MS: "200",
      JWT_TRUST: `11=${trustFile}`,
      ...env,
    }),
    log,
    (err) => {
      throw err;
    },
  );
  const signer = await createSigner(keys.privateKey);
  const address = `127.0.0.1:${intake.grpcPort}`;
  const clients: IntakeClient[] = [];
  return {
    intake,
    async restartRouting(more) {
      await routing.stop();
      routing = await startRoutingService(keys.publicKey, { GRPC_PORT: String(routingPort), ...more });
    },
    db,
    address,
    token: (courtId, province, roles = ["window-clerk"]) => signer.mint({ user: `user-${courtId}`, courtId, roles, province }),
    async client(courtId, province, roles = ["window-clerk"]) {
      // A display name, as the identity provider's tokens carry: the audit trail and the timeline show it.
      const token = await signer.mint({ user: `user-${courtId}`, name: `Clerk of ${courtId}`, courtId, roles, province });
      const c = createClient(intakeV1.FilingIntakeService, address, { token, timeoutMs: 60_000 });
      clients.push(c);
      return c;
    },
    async beijingReleaseClient(courtId, province, roles = ["filing-specialist"]) {
      const token = await (await createSigner(beijing.privateKey)).mint({ user: `user-${courtId}`, courtId, roles, province });
      const c = createClient(intakeV1.FilingIntakeService, address, { token, timeoutMs: 60_000 });
      clients.push(c);
      return c;
    },
    async serviceClient(filingId, courtId, province) {
      const token = await signer.mintService({ user: "svc-decision", courtId, province, scope: "material:read", filing: filingId, audience: INTAKE_AUDIENCE });
      const c = createClient(intakeV1.FilingIntakeService, address, { token, timeoutMs: 60_000 });
      clients.push(c);
      return c;
    },
    publicToken: (visitor) => signer.mintPublic({ visitor, scope: "filing:lookup", audience: INTAKE_AUDIENCE }),
    async publicClient(visitor) {
      const token = await signer.mintPublic({ visitor, scope: "filing:lookup", audience: INTAKE_AUDIENCE });
      const c = createClient(intakeV1.FilingIntakeService, address, { token, timeoutMs: 60_000 });
      clients.push(c);
      return c;
    },
    async close() {
      clients.forEach((c) => c.close());
      const clean = await intake.stop();
      await routing.stop();
      if (!clean) throw new Error("intake did not stop cleanly");
    },
  };
}

/** A draft with every required civil material uploaded; returns the filing id. */
export async function readyDraft(clerk: IntakeClient, details = civilDetails()): Promise<string> {
  const { filing } = await clerk.createDraft({ details });
  for (const [i, kind] of CIVIL_REQUIRED.entries()) await clerk.uploadMaterial(uploadParts(filing!.filingId, kind, pdf(2048, i)));
  return filing!.filingId;
}
