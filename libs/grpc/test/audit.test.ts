// The gRPC server's side of the audit trail (docs/security.md, "Audit trail"), on loopback: which
// calls are recorded, with which result and actor; a change's record goes with its commit (here:
// what libs/outbox does, `entry` + `committed`), a call that changed nothing is recorded by the
// server; an audited read publishes its record before the first byte, and serves nothing without it.
import { generateKeyPairSync } from "node:crypto";
import { fromBinary } from "@bufbuild/protobuf";
import { createSigner, createVerifier, currentAudit, type AuditEntry } from "@kuayu/auth";
import { ForbiddenError } from "@kuayu/domain";
import { auditCall, createClient, implement, recordText, startServer, status, type RunningServer } from "@kuayu/grpc";
import { createLogger } from "@kuayu/logger";
import { auditV1, intakeV1 } from "@kuayu/proto";

const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const pub = publicKey.export({ type: "spki", format: "pem" }).toString();
const priv = privateKey.export({ type: "pkcs8", format: "pem" }).toString();

let server: RunningServer;
let client: ReturnType<typeof createClient<typeof intakeV1.FilingIntakeService>>;
const published: AuditEntry[] = [];
const committed: AuditEntry[] = [];
let publishFails = false;
const records = (entries: AuditEntry[]) => entries.map((e) => fromBinary(auditV1.AuditRecordSchema, e.value));

beforeAll(async () => {
  const signer = await createSigner(priv);
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    log: createLogger({ service: "test", level: "silent" }),
    verifier: await createVerifier(pub),
    audit: {
      service: "intake",
      versioned: true,
      publish: async (e) => {
        if (publishFails) throw new Error("broker away");
        published.push(e);
      },
    },
    services: [
      implement(intakeV1.FilingIntakeService, {
        ...Object.fromEntries(intakeV1.FilingIntakeService.methods.map((m) => [m.localName, () => Promise.reject(new Error("not under test"))])),
        async updateDraft(req: intakeV1.UpdateDraftRequest) {
          if (req.filingId === "not-yours") throw new ForbiddenError("not your court's filing");
          if (req.filingId === "changed") {
            // What the versioned commit does: the record in the version row, counted as committed.
            const call = currentAudit()!;
            committed.push(call.entry("ok", req.filingId));
            call.committed++;
          }
          return {};
        },
        async getFiling() {
          return {};
        },
        async downloadMaterial(_req: intakeV1.DownloadMaterialRequest, _ctx: unknown, send: (m: unknown) => Promise<void>) {
          await send({ part: { case: "chunk", value: Buffer.from("bytes") } });
        },
      } as never),
    ],
  });
  client = createClient(intakeV1.FilingIntakeService, `127.0.0.1:${server.port}`, {
    token: await signer.mint({ user: "u-1", name: "张三", courtId: "t-440103001", roles: ["window-clerk"], province: "44" }),
  });
});
afterAll(() => server.drain(1000));
beforeEach(() => {
  published.length = 0;
  committed.length = 0;
  publishFails = false;
});

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => "OK",
    (err: { code?: number }) => status[err.code ?? 2],
  );
const download = async () => {
  const got: unknown[] = [];
  for await (const m of client.downloadMaterial({ filingId: "f-1", materialId: "m-1" })) got.push(m);
  return got;
};

it("records a committed change with the commit only, and a change of nothing or a refusal on its own", async () => {
  await client.updateDraft({ filingId: "changed" });
  expect(published).toEqual([]);
  expect(records(committed)).toEqual([
    expect.objectContaining({
      method: "/kuayu.intake.v1.FilingIntakeService/UpdateDraft",
      target: "changed",
      filingId: "changed",
      result: "ok",
      service: "intake",
      actor: expect.objectContaining({ user: "u-1", name: "张三", courtId: "t-440103001", province: "44", roles: ["window-clerk"] }),
    }),
  ]);
  expect(committed[0]!.topic).toBe("kuayu.audit.trail-44.v1");

  await client.updateDraft({ filingId: "same" });
  expect(await codeOf(client.updateDraft({ filingId: "not-yours" }))).toBe("PERMISSION_DENIED");
  expect(records(published).map((r) => [r.target, r.result])).toEqual([
    ["same", "no change"],
    ["not-yours", "denied"],
  ]);
});

it("does not record plain reads", async () => {
  await client.getFiling({ filingId: "f-1" });
  expect(published).toEqual([]);
});

it("records a download before serving it, and serves nothing when the record cannot be written", async () => {
  expect(await download()).toHaveLength(1);
  expect(records(published).map((r) => [r.method, r.target, r.filingId, r.result])).toEqual([["/kuayu.intake.v1.FilingIntakeService/DownloadMaterial", "m-1", "f-1", "ok"]]);

  published.length = 0;
  publishFails = true;
  const got: unknown[] = [];
  const failed = await (async () => {
    for await (const m of client.downloadMaterial({ filingId: "f-1", materialId: "m-1" })) got.push(m);
  })().then(
    () => "OK",
    (err: { code?: number }) => status[err.code ?? 2],
  );
  expect(failed).not.toBe("OK");
  expect(got).toEqual([]);
});

it("keeps a refused request's odd values in a record that can be built and stored: control characters as U+FFFD, cut to the record's bounds", () => {
  const clerk = { user: "u-1", courtId: "t-440103001", province: "44", roles: ["window-clerk" as const] };
  const call = auditCall(clerk, "/kuayu.intake.v1.FilingIntakeService/UpdateDraft", "intake", { filingId: `a\u0000b\u001fc${"x".repeat(300)}` });
  const record = fromBinary(auditV1.AuditRecordSchema, call.entry("error INVALID_ARGUMENT").value);
  expect(record.filingId).toBe(`a\ufffdb\ufffdc${"x".repeat(123)}`);
  expect([...record.target]).toHaveLength(256);
  expect(record.target.startsWith("a\ufffdb\ufffdc")).toBe(true);
  expect(recordText("张三\n", 2)).toBe("张三");
});
