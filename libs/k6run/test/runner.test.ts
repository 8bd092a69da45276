// The k6run CLI on fixture scripts, without the project's services: life cycle and executors,
// thresholds and exit codes, and the k6/net/grpc and k6/http modules against servers in this test.
import { readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import os from "node:os";
import type { AddressInfo } from "node:net";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { errorLines, failedChecks, fixture, k6run, root } from "./support";

jest.setTimeout(30_000);

describe("life cycle, executors, thresholds", () => {
  it("runs concurrent scenarios with setup data, groups, custom metrics and exits 0", async () => {
    const r = await k6run(["--quiet"], fixture("lifecycle.js"));
    expect({ code: r.code, errors: errorLines(r), failed: failedChecks(r.summary?.root_group) }).toEqual({ code: 0, errors: [], failed: [] });
    const s = r.summary!;
    // 2 VUs × 3 (per-vu-iterations) + 2 (shared-iterations, started 300 ms later) + 10 per second for
    // 1 s (started, or dropped when both of the rate scenario's VUs were busy).
    expect(s.metrics.per_vu_iterations!.count).toBe(8);
    const rate = s.metrics["iterations{scenario:rate}"]!.count!;
    expect(rate + (s.metrics.dropped_iterations?.count ?? 0)).toBe(10);
    expect(s.metrics.iterations!.count).toBe(8 + rate);
    expect(s.root_group.groups.inside!.checks["setup data arrives"]).toEqual(expect.objectContaining({ passes: 8, fails: 0 }));
    expect(s.root_group.checks["teardown gets setup data"]).toEqual(expect.objectContaining({ passes: 1, fails: 0 }));
    expect(Object.values(s.metrics).flatMap((m) => Object.values(m.thresholds ?? {}))).toEqual([false, false, false, false, false]);
    expect(r.stdout).toContain("✓ 'count==8' count=8");
  });

  it("reports an exception as a failed iteration, not a crash", async () => {
    const r = await k6run(["--quiet"], fixture("lifecycle.js"), { THROW_AT: "1" });
    expect(r.code).toBe(0);
    expect(r.summary!.k6run.iterationErrors).toBe(1);
    expect(r.summary!.metrics.per_vu_iterations!.count).toBe(8);
    expect(errorLines(r)).toEqual([expect.stringMatching(/^ERRO\[\d+\] Error: deliberate failure$/)]);
    expect(r.stderr).toMatch(/at counted \(file:.*lifecycle\.js:\d+:\d+\)\n.*executor=per-vu-iterations scenario=first source=stacktrace/);
  });

  it("exits 99 when a threshold is crossed and marks it in the summary", async () => {
    const r = await k6run(["--quiet"], fixture("lifecycle.js"), { WAIT_P95_MS: "0" });
    expect(r.code).toBe(99);
    expect(r.summary!.metrics.waited!.thresholds).toEqual({ "p(95)<0": true });
    expect(r.summary!.metrics.checks!.thresholds).toEqual({ "rate==1": false });
    expect(r.stdout).toMatch(/✗ 'p\(95\)<0' p\(95\)=\d/);
    expect(errorLines(r)).toEqual([expect.stringContaining("thresholds on metrics 'waited' have been crossed")]);
  });

  it("lets --vus/--iterations replace the scenarios by one running the default function", async () => {
    const r = await k6run(["--quiet", "--vus", "2", "--iterations", "3"], fixture("lifecycle.js"));
    expect(r.summary!.metrics.iterations!.count).toBe(3);
    expect(r.summary!.root_group.checks["default gets setup data"]).toEqual(expect.objectContaining({ passes: 3, fails: 0 }));
    // The thresholds on the replaced scenarios' metrics no longer hold.
    expect(r.code).toBe(99);
    expect(r.summary!.metrics.per_vu_iterations!.thresholds).toEqual({ "count==8": true });
  });

  it("runs for --duration", async () => {
    const r = await k6run(["--quiet", "--duration", "400ms"], fixture("lifecycle.js"));
    expect(r.summary!.metrics.iterations!.count).toBeGreaterThan(3);
    expect(r.summary!.state.testRunDurationMs).toBeGreaterThanOrEqual(400);
    expect(r.summary!.state.testRunDurationMs).toBeLessThan(3000);
  });

  it("lets handleSummary() replace the printed summary and write files", async () => {
    const out = path.join(os.tmpdir(), `k6run-summary-${process.pid}.json`);
    try {
      const r = await k6run([], fixture("summary.js"), { OUT: out });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("custom summary: 3 iterations, checks ok=true\n");
      expect(JSON.parse(readFileSync(out, "utf8"))).toEqual({ checks: { rate: 1, passes: 3, fails: 0 }, rootChecks: ["one"] });
    } finally {
      rmSync(out, { force: true });
    }
  });

  it("stops at exec.test.abort() with exit code 108", async () => {
    const r = await k6run(["--quiet"], fixture("abort.js"));
    expect(r.code).toBe(108);
    expect(r.summary!.metrics.ran!.count).toBe(3);
    expect(errorLines(r)).toEqual([expect.stringContaining("test aborted: seen enough")]);
  });

  it("names an unsupported executor and exits 104", async () => {
    const r = await k6run([], fixture("unsupported.js"));
    expect(r.code).toBe(104);
    expect(r.stderr).toContain('the executor "ramping-vus" is not supported by k6run');
  });

  it("exits 107 when the init context throws, with the script's message", async () => {
    const r = await k6run([], path.join(root, "scripts/k6/submit-and-decide.js"));
    expect(r.code).toBe(107);
    expect(r.stderr).toContain("set WINDOW_TOKEN");
  });

  it("exits 2 on a usage error", async () => {
    const r = await k6run(["--vus", "nope"], fixture("lifecycle.js"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--vus needs a positive integer");
  });
});

describe("k6/net/grpc", () => {
  let server: grpc.Server;
  let port: number;

  beforeAll(async () => {
    const pd = protoLoader.loadSync(fixture("echo.proto"), { keepCase: true, longs: String, enums: String });
    const svc = (grpc.loadPackageDefinition(pd) as any).k6run.test.v1.EchoService.service as grpc.ServiceDefinition;
    server = new grpc.Server();
    server.addService(svc, {
      Echo: (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
        const trailer = new grpc.Metadata();
        trailer.set("x-who-was", String(call.metadata.get("x-who")[0] ?? ""));
        cb(null, { echoed: call.request }, trailer);
      },
      Fail: (_call: unknown, cb: grpc.sendUnaryData<any>) => cb({ code: grpc.status.NOT_FOUND, details: "no such echo" }),
      Collect: (call: grpc.ServerReadableStream<any, any>, cb: grpc.sendUnaryData<any>) => {
        let name = "";
        let size = 0;
        call.on("data", (m: { name?: string; chunk?: Buffer }) => {
          if (m.name) name = m.name;
          if (m.chunk) size += m.chunk.length;
        });
        call.on("end", () => cb(null, { name, size }));
      },
      Count: (call: grpc.ServerWritableStream<any, any>) => {
        if (call.request.up_to <= 0) return void call.emit("error", { code: grpc.status.INVALID_ARGUMENT, details: "up_to must be positive" });
        for (let n = 1; n <= call.request.up_to; n++) call.write({ n });
        call.end();
      },
    });
    port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  });
  afterAll(() => server.forceShutdown());

  it("converts messages as k6's protojson does and handles statuses and streams", async () => {
    const r = await k6run(["--quiet"], fixture("grpc.js"), { ADDR: `127.0.0.1:${port}` });
    expect({ code: r.code, errors: errorLines(r), failed: failedChecks(r.summary?.root_group) }).toEqual({ code: 0, errors: [], failed: [] });
    expect(Object.keys(r.summary!.root_group.checks)).toHaveLength(21);
    expect(r.summary!.metrics.grpc_streams!.count).toBe(3);
    expect(r.summary!.metrics.grpc_streams_msgs_received!.count).toBe(4);
  });
});

describe("k6/http", () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        if (req.url?.startsWith("/json")) return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ auth: req.headers.authorization, nested: { value: 7 } }));
        if (req.url === "/echo") return void res.writeHead(200, { "content-type": "text/plain" }).end(body);
        res.writeHead(500).end("boom");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("makes requests, builds responses and counts http_req_failed by expected statuses", async () => {
    const r = await k6run(["--quiet"], fixture("http.js"), { BASE: base });
    expect({ code: r.code, errors: errorLines(r), failed: failedChecks(r.summary?.root_group) }).toEqual({ code: 0, errors: [], failed: [] });
    expect(r.summary!.metrics.http_req_failed).toEqual(expect.objectContaining({ passes: 2, fails: 2, value: 0.5 }));
    expect(r.summary!.metrics.http_req_duration!.max).toBeGreaterThan(0);
  });
});
