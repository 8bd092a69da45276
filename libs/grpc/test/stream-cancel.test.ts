// Server streams end when the client stops listening: aborted before the call was even set up, or
// while it runs — the server's handler sees its signal abort, so no watcher outlives its client.
import { generateKeyPairSync } from "node:crypto";
import { createSigner, createVerifier } from "@kuayu/auth";
import { createClient, implement, startServer, type CallContext, type RunningServer } from "@kuayu/grpc";
import { createLogger } from "@kuayu/logger";
import { intakeV1 } from "@kuayu/proto";

const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
let server: RunningServer;
let token: string;
let open = 0;
let ended = 0;

beforeAll(async () => {
  token = await (await createSigner(privateKey.export({ type: "pkcs8", format: "pem" }).toString())).mint({ user: "u1", courtId: "c-1", roles: ["window-clerk"], province: "44" });
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    log: createLogger({ service: "test", level: "silent" }),
    verifier: await createVerifier(publicKey.export({ type: "spki", format: "pem" }).toString()),
    services: [
      implement(intakeV1.FilingIntakeService, {
        ...Object.fromEntries(intakeV1.FilingIntakeService.methods.map((m) => [m.localName, () => Promise.reject(new Error("not under test"))])),
        // A watch that sends nothing until its client goes away.
        async watchFilings(_req: intakeV1.WatchFilingsRequest, ctx: CallContext) {
          open++;
          await new Promise<void>((resolve) => (ctx.signal.aborted ? resolve() : ctx.signal.addEventListener("abort", () => resolve())));
          open--;
          ended++;
        },
      } as never),
    ],
  });
});
afterAll(() => server.drain(1000));

const settle = async (until: () => boolean) => {
  for (let i = 0; i < 100 && !until(); i++) await new Promise((r) => setTimeout(r, 20));
};

it("cancels a stream aborted while it runs, and one aborted before the call was set up", async () => {
  const client = createClient(intakeV1.FilingIntakeService, `127.0.0.1:${server.port}`, { token: async () => token, timeoutMs: 60_000 });
  const listen = (signal: AbortSignal) =>
    (async () => {
      try {
        for await (const _ of client.watchFilings({}, { signal })) void _;
      } catch {
        // CANCELLED
      }
    })();
  // While it runs.
  const running = new AbortController();
  const first = listen(running.signal);
  await settle(() => open === 1);
  expect(open).toBe(1);
  running.abort();
  await first;
  await settle(() => ended === 1);
  expect([open, ended]).toEqual([0, 1]);
  // Aborted at once: the token is still being fetched when the abort comes.
  const early = new AbortController();
  const second = listen(early.signal);
  early.abort();
  await second;
  await settle(() => open === 0 && ended >= 1);
  await new Promise((r) => setTimeout(r, 200));
  expect(open).toBe(0);
  client.close();
});
