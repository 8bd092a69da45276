// k6 scenario "supervision reads": supervisors read indicators and overdue filings, over gRPC
// (GetIndicators, ListOverdue) and over the dashboards' HTTP JSON API (/v1/indicators,
// /v1/overdue). The SPC's supervisors (court c-spc) see the whole country. See README.md.
import grpc from "k6/net/grpc";
import http from "k6/http";
import { check } from "k6";
import { GRPC_CONNECT, PROTO_DIR, SUPERVISION_ADDR, SUPERVISION_HTTP, bearer, env, required } from "./lib/env.js";

const SUPERVISOR_TOKEN = required("SUPERVISOR_TOKEN", "a supervisor token: npx kuayu token mint --court c-spc --role supervisor --province 00");
/** national, province (SCOPE_ID = two-digit province code) or court (SCOPE_ID = court id). */
const SCOPE_LEVEL = env("SCOPE_LEVEL", "national");
const SCOPE_ID = env("SCOPE_ID", "");

/** A date in China time (UTC+8), `daysAgo` days before today, as YYYY-MM-DD. */
function chinaDate(daysAgo) {
  return new Date(Date.now() + 8 * 3600 * 1000 - daysAgo * 86400 * 1000).toISOString().slice(0, 10);
}
const FROM = env("FROM", chinaDate(30));
const TO = env("TO", chinaDate(0));

const SUPERVISION = "kuayu.supervision.v1.SupervisionService";
const client = new grpc.Client();
client.load([PROTO_DIR], "kuayu/supervision/v1/supervision.proto");

export const options = {
  scenarios: {
    grpc_reads: { executor: "constant-arrival-rate", rate: 20, timeUnit: "1s", duration: env("DURATION", "1m"), preAllocatedVUs: 5, maxVUs: 30, exec: "grpcReads" },
    http_reads: { executor: "constant-vus", vus: 5, duration: env("DURATION", "1m"), exec: "httpReads" },
  },
  thresholds: {
    grpc_req_duration: [`p(95)<${env("GRPC_P95_MS", "1000")}`],
    http_req_duration: [`p(95)<${env("HTTP_P95_MS", "1000")}`],
    http_req_failed: ["rate<0.01"],
    checks: ["rate>0.99"],
  },
};

const scope = { level: `SCOPE_LEVEL_${SCOPE_LEVEL.toUpperCase()}`, id: SCOPE_ID };
const call = { metadata: bearer(SUPERVISOR_TOKEN), timeout: "10s" };
const headers = { headers: { Authorization: `Bearer ${SUPERVISOR_TOKEN}` }, timeout: "10s" };
const query = `level=${encodeURIComponent(SCOPE_LEVEL)}${SCOPE_ID ? `&id=${encodeURIComponent(SCOPE_ID)}` : ""}`;
let connected = false;

export async function grpcReads() {
  if (!connected) {
    client.connect(SUPERVISION_ADDR, Object.assign({ timeout: "10s" }, GRPC_CONNECT));
    connected = true;
  }
  const ind = await client.asyncInvoke(`${SUPERVISION}/GetIndicators`, { scope, fromDate: FROM, toDate: TO }, call);
  check(ind, {
    "gRPC indicators read": (r) => r.status === grpc.StatusOK,
    // int64 counts arrive as strings (protojson), rates as numbers.
    "gRPC indicators well-formed": (r) => r.status === grpc.StatusOK && /^\d+$/.test(r.message.indicators.filings) && typeof r.message.indicators.responseRate30Minutes === "number",
  });
  const overdue = await client.asyncInvoke(`${SUPERVISION}/ListOverdue`, { scope }, call);
  check(overdue, { "gRPC overdue listed": (r) => r.status === grpc.StatusOK && Array.isArray(r.message.filings) });
}

export async function httpReads() {
  const ind = await http.asyncRequest("GET", `${SUPERVISION_HTTP}/v1/indicators?${query}&from=${FROM}&to=${TO}`, null, Object.assign({ tags: { name: "/v1/indicators" } }, headers));
  check(ind, {
    "HTTP indicators read": (r) => r.status === 200,
    "HTTP indicators well-formed": (r) => r.status === 200 && typeof r.json().indicators.filings === "number" && r.json().from === FROM,
  });
  const overdue = await http.asyncRequest("GET", `${SUPERVISION_HTTP}/v1/overdue?${query}`, null, Object.assign({ tags: { name: "/v1/overdue" } }, headers));
  check(overdue, { "HTTP overdue listed": (r) => r.status === 200 && Array.isArray(r.json().filings) });
}

/** Both APIs (what a plain `--iterations N` run executes). */
export default async function () {
  await grpcReads();
  await httpReads();
}
