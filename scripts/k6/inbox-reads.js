// k6 scenario "inbox reads": a jurisdiction court's filing specialists list their inbox by view and
// open filings in it (ListInbox, GetInboxFiling over gRPC). Run submit-and-decide.js first (or
// point it at a court with filings) so there is something to open. See README.md.
import grpc from "k6/net/grpc";
import { check, fail } from "k6";
import { DECISION_ADDR, GRPC_CONNECT, JURISDICTION_COURT, PROTO_DIR, bearer, env, grpcError, required } from "./lib/env.js";

const COURT_TOKEN = required("COURT_TOKEN", `a filing-specialist token of ${JURISDICTION_COURT}: npx kuayu token mint --court ${JURISDICTION_COURT} --role filing-specialist`);

const DECISION = "kuayu.decision.v1.JurisdictionDecisionService";
const VIEWS = ["INBOX_VIEW_AWAITING_RESPONSE", "INBOX_VIEW_AWAITING_DECISION", "INBOX_VIEW_CORRECTION_PENDING", "INBOX_VIEW_OVERDUE", "INBOX_VIEW_ALL"];

const client = new grpc.Client();
client.load([PROTO_DIR], "kuayu/decision/v1/decision.proto");

export const options = {
  scenarios: {
    list: { executor: "constant-vus", vus: 10, duration: env("DURATION", "1m"), exec: "listInbox" },
    open: { executor: "constant-arrival-rate", rate: 50, timeUnit: "1s", duration: env("DURATION", "1m"), preAllocatedVUs: 10, maxVUs: 50, exec: "openFiling" },
  },
  thresholds: {
    grpc_req_duration: [`p(95)<${env("GRPC_P95_MS", "300")}`],
    "grpc_req_duration{method:ListInbox}": [`p(95)<${env("LIST_P95_MS", "500")}`],
    "grpc_req_duration{method:GetInboxFiling}": [`p(95)<${env("GET_P95_MS", "200")}`],
    checks: ["rate>0.99"],
  },
};

const call = { metadata: bearer(COURT_TOKEN), timeout: "10s" };
let connected = false;

function connect() {
  if (!connected) {
    client.connect(DECISION_ADDR, Object.assign({ timeout: "10s" }, GRPC_CONNECT));
    connected = true;
  }
}

/** The filings to open: the newest page of the court's whole inbox. */
export async function setup() {
  connect();
  const res = await client.asyncInvoke(`${DECISION}/ListInbox`, { view: "INBOX_VIEW_ALL", pageSize: 100 }, call);
  if (res.status !== grpc.StatusOK) fail(`ListInbox: ${grpcError(res)}`);
  const ids = res.message.filings.map((f) => f.filingId);
  check(ids, { "the inbox has filings to open": (list) => list.length > 0 });
  client.close();
  connected = false;
  return { ids };
}

export async function listInbox() {
  connect();
  const view = VIEWS[Math.floor(Math.random() * VIEWS.length)];
  const res = await client.asyncInvoke(`${DECISION}/ListInbox`, { view, pageSize: 50 }, call);
  check(res, {
    "inbox listed": (r) => r.status === grpc.StatusOK && Array.isArray(r.message.filings),
    "only the court's own filings": (r) => r.status === grpc.StatusOK && r.message.filings.every((f) => f.jurisdictionCourtId === JURISDICTION_COURT),
  });
}

export async function openFiling(data) {
  if (data.ids.length === 0) return;
  connect();
  const filingId = data.ids[Math.floor(Math.random() * data.ids.length)];
  const res = await client.asyncInvoke(`${DECISION}/GetInboxFiling`, { filingId }, call);
  check(res, { "inbox filing opened": (r) => r.status === grpc.StatusOK && r.message.filing.filingId === filingId && r.message.filing.jurisdictionCourtId === JURISDICTION_COURT });
}

/** Both reads (what a plain `--iterations N` run executes). */
export default async function (data) {
  await listInbox();
  await openFiling(data);
}
