// Kill -9 the intake process while its consumer is mid-stream; after a restart no event is lost
// and none is applied twice. Runs the built service (dist/) as its own process.
import path from "node:path";
import { createSigner } from "@kuayu/auth";
import { createClient } from "@kuayu/grpc";
import { connectMongo } from "@kuayu/mongo";
import { commonV1, intakeV1 } from "@kuayu/proto";
import { assertInfraUp, eventually, infra, spawnService, testKeys, uniqueName, type ServiceProcess } from "@kuayu/testkit";

const main = path.resolve(__dirname, "../dist/main.js");
const keys = testKeys();
const db = uniqueName("intake_crash");
const env = {
  GRPC_PORT: "0", GRPC_HOST: "127.0.0.1", KAFKA_BROKERS: infra.brokers.join(","), MONGO_URI: infra.mongoUri, MONGO_DB: db,
  KAFKA_GROUP_ID: uniqueName("intake"), KAFKA_SESSION_TIMEOUT_MS: "6000", JWT_PUBLIC_KEY: keys.publicKey, OTEL_SERVICE_NAME: "intake",
};
const started = async (svc: ServiceProcess) => Number((await svc.waitFor((l) => l.msg === "intake started")).grpcPort);
const TOTAL = 300;

let svc: ServiceProcess | undefined;
let conn: Awaited<ReturnType<typeof connectMongo>> | undefined;
afterAll(async () => {
  await svc?.kill("SIGKILL");
  await conn?.close();
});

it("loses and duplicates nothing when the consumer is killed mid-stream", async () => {
  await assertInfraUp();
  conn = await connectMongo({ uri: infra.mongoUri, dbName: db });
  const filings = conn.collection<{ _id: string }>("filings");
  const timeline = conn.collection<{ _id: string; filingId: string }>("timeline_entries");
  const applied = () => timeline.countDocuments();

  svc = spawnService(main, env);
  const port = await started(svc);
  const token = await (await createSigner(keys.privateKey)).mint({ user: "drill", courtId: "c-440703", roles: ["court-system"], province: "44" });
  const client = createClient(intakeV1.FilingIntakeService, `127.0.0.1:${port}`, { token, timeoutMs: 30_000 });
  const ids: string[] = [];
  const submitting = (async () => {
    for (let i = 0; i < TOTAL; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          client.submitFiling({ idempotencyKey: `crash-${db}-${i + j}`, caseType: commonV1.CaseType.ENFORCEMENT, jurisdictionCourtId: "c-110105", summary: `申请执行 ${i + j}` }),
        ),
      );
      ids.push(...batch.map((r) => r.filing!.filingId));
    }
  })();
  // Kill as soon as the consumer has applied some events but not all.
  const atKill = await eventually(async () => {
    const n = await applied();
    return n >= 20 ? n : undefined;
  }, 60_000, "first applied events").catch((err: Error) => {
    throw new Error(`${err.message}; service log tail: ${JSON.stringify(svc!.lines.slice(-5))}`);
  });
  const exit = await svc.kill("SIGKILL");
  await submitting.catch(() => undefined); // calls in flight at the kill fail; the client retries below
  client.close();
  expect(exit).toBeNull(); // killed by the signal, not a clean exit
  expect(atKill).toBeLessThan(TOTAL);

  svc = spawnService(main, env);
  const port2 = await started(svc);
  const client2 = createClient(intakeV1.FilingIntakeService, `127.0.0.1:${port2}`, { token, timeoutMs: 30_000 });
  // Retry every submission: idempotency keys make the ones that got through no-ops.
  const all = new Set<string>();
  for (let i = 0; i < TOTAL; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: 50 }, (_, j) =>
        client2.submitFiling({ idempotencyKey: `crash-${db}-${i + j}`, caseType: commonV1.CaseType.ENFORCEMENT, jurisdictionCourtId: "c-110105", summary: `申请执行 ${i + j}` }),
      ),
    );
    batch.forEach((r) => all.add(r.filing!.filingId));
  }
  client2.close();
  expect(all.size).toBe(TOTAL);
  for (const id of ids) expect(all.has(id)).toBe(true);

  await eventually(async () => (await applied()) === TOTAL, 120_000, `all ${TOTAL} events applied`).catch(async (err: Error) => {
    const pending = await filings.countDocuments({ outboxPending: true });
    throw new Error(`${err.message}; applied ${await applied()}, outbox pending ${pending}; service log tail: ${JSON.stringify(svc!.lines.slice(-5))}`);
  });
  expect(await filings.countDocuments()).toBe(TOTAL);
  // Exactly one entry per filing: nothing lost, nothing applied twice.
  const perFiling = new Map<string, number>();
  for (const t of await timeline.find({}).toArray()) perFiling.set(t.filingId, (perFiling.get(t.filingId) ?? 0) + 1);
  expect(perFiling.size).toBe(TOTAL);
  expect([...perFiling.values()].every((n) => n === 1)).toBe(true);
  for (const id of all) expect(perFiling.get(id)).toBe(1);
  expect(await filings.countDocuments({ outboxPending: true })).toBe(0);
  expect(await svc.kill("SIGTERM")).toBe(0); // and a graceful stop exits cleanly
  svc = undefined;
  await conn.dropDatabase();
}, 300_000);
