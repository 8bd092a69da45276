// The per-receiver circuit breaker with real HTTP attempts on loopback: a port that refuses
// connections, and a receiver that answers with a chosen status. No broker or store is involved.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { createLogger } from "@kuayu/logger";
import { createReceiverBreakers, type ReceiverBreakers } from "../src/channels/receiver-breakers";
import { postWebhook } from "../src/channels/webhook-client";

const LOOPBACK = { allowLoopback: true, allowCidrs: [] };
const SECRET = "whsec-breaker-0123456789abcdef0123456789";
const lines: { msg: string; webhook?: string }[] = [];
const log = createLogger({ service: "test", level: "info", destination: new Writable({ write: (c: Buffer, _e, done) => (lines.push(JSON.parse(c.toString())), done()) }) });

let status = 200;
let calls = 0;
let server: Server;
let url: string;
let breakers: ReceiverBreakers;

beforeAll(async () => {
  server = createServer((req, res) => {
    calls++;
    req.resume().on("end", () => res.writeHead(status).end());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  breakers = createReceiverBreakers({ resetMs: 300, log });
});
afterEach(() => breakers.shutdown());

/** A loopback port nothing listens on (connections are refused). */
async function refusedUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}/hook`;
}

const send = (id: string, to: string) =>
  breakers.run({ id, courtId: "c-110105", url: to }, () => postWebhook(to, SECRET, { id: "d1", eventType: "t", body: {} }, { policy: LOOPBACK, timeoutMs: 1000 }));

it("opens when a receiver does not answer, rejects without sending while open, and closes after a probe it answers", async () => {
  const dead = await refusedUrl();
  const results = [await send("w1", dead), await send("w1", dead), await send("w1", dead)];
  expect(results.map((r) => r !== "rejected" && r.error)).toEqual(["receiver not reachable", "receiver not reachable", "receiver not reachable"]);
  expect(breakers.state("w1")).toBe("open");
  expect(breakers.notClosed()).toEqual(["w1"]);
  expect(await send("w1", dead)).toBe("rejected");
  expect(lines.filter((l) => l.webhook === "w1" && l.msg.includes("breaker open"))).toHaveLength(1);
  // Other receivers are not affected.
  expect(await send("w2", url)).toMatchObject({ ok: true });
  expect(breakers.state("w2")).toBe("closed");

  // Half-open after resetMs: one probe; a failed probe opens it again at once.
  await new Promise((r) => setTimeout(r, 350));
  expect(breakers.state("w1")).toBe("half-open");
  expect(await send("w1", dead)).toMatchObject({ ok: false, error: "receiver not reachable" });
  expect(breakers.state("w1")).toBe("open");

  // The receiver back (the same id, now at an address that answers): the probe closes it.
  await new Promise((r) => setTimeout(r, 350));
  const before = calls;
  const [probe, second] = await Promise.all([send("w1", url), send("w1", url)]);
  expect(probe).toMatchObject({ ok: true, status: 200 });
  expect(second).toBe("rejected"); // half-open lets one probe through
  expect(calls - before).toBe(1);
  expect(breakers.state("w1")).toBe("closed");
  expect(breakers.notClosed()).toEqual([]);
  expect(lines.filter((l) => l.webhook === "w1" && l.msg.includes("breaker closed"))).toHaveLength(1);
});

it("never opens for a receiver that answers, whatever the status", async () => {
  status = 503;
  for (let i = 0; i < 6; i++) expect(await send("w3", url)).toMatchObject({ ok: false, status: 503, error: "HTTP 503" });
  expect(breakers.state("w3")).toBe("closed");
  status = 200;
});
