// k6 scenario "submit and decide" (跨域立案, end to end over gRPC): a collaborating court's window
// creates a drill draft, uploads every required material (client-streaming UploadMaterial) and
// submits it; the jurisdiction court waits for it in its inbox with the materials copied, responds
// (响应) and accepts it (立案) with a case number. See README.md for how to run it.
import grpc from "k6/net/grpc";
import encoding from "k6/encoding";
import { check, fail, sleep } from "k6";
import { Trend } from "k6/metrics";
import { DECISION_ADDR, GRPC_CONNECT, INTAKE_ADDR, JURISDICTION_COURT, PROTO_DIR, WINDOW_COURT, bearer, env, grpcError, required } from "./lib/env.js";

const WINDOW_TOKEN = required("WINDOW_TOKEN", `a window-clerk token of ${WINDOW_COURT}: npx kuayu token mint --court ${WINDOW_COURT} --role window-clerk`);
const COURT_TOKEN = required("COURT_TOKEN", `a filing-specialist token of ${JURISDICTION_COURT}: npx kuayu token mint --court ${JURISDICTION_COURT} --role filing-specialist`);
/** How long the jurisdiction court waits for a submitted filing to reach its inbox. */
const INBOX_TIMEOUT_S = Number(env("INBOX_TIMEOUT_S", "60"));

const INTAKE = "kuayu.intake.v1.FilingIntakeService";
const DECISION = "kuayu.decision.v1.JurisdictionDecisionService";
/** The checklist of a civil first-instance filing by a party without an agent. */
const MATERIALS = ["complaint", "filer-identity", "evidence", "address-for-service-confirmation"];
const CHUNK_BYTES = 1024;

const intake = new grpc.Client();
intake.load([PROTO_DIR], "kuayu/intake/v1/intake.proto");
const decision = new grpc.Client();
decision.load([PROTO_DIR], "kuayu/decision/v1/decision.proto");

/** From the SubmitFiling call to the filing in the jurisdiction court's inbox with every material copied. */
const submitToInbox = new Trend("submit_to_inbox", true);

export const options = {
  scenarios: {
    filings: {
      executor: "constant-arrival-rate",
      rate: Number(env("RATE", "1")),
      timeUnit: "1s",
      duration: env("DURATION", "1m"),
      preAllocatedVUs: 5,
      maxVUs: 50,
    },
  },
  thresholds: {
    grpc_req_duration: [`p(95)<${env("GRPC_P95_MS", "500")}`],
    checks: ["rate>0.99"],
    submit_to_inbox: [`p(95)<${env("INBOX_P95_MS", "15000")}`],
  },
};

const windowCall = { metadata: bearer(WINDOW_TOKEN), timeout: "30s" };
const courtCall = { metadata: bearer(COURT_TOKEN), timeout: "30s" };

/**
 * A civil filing of a plaintiff (a person) against a company. The resident id is the sample number
 * printed in GB 11643 and the credit code a sample with a valid check character — not real people.
 */
function details() {
  return {
    caseType: "CASE_TYPE_CIVIL_FIRST_INSTANCE",
    parties: [
      { role: "PARTY_ROLE_PLAINTIFF", person: { name: "张三", residentId: "11010519491231002X" }, address: "广东省广州市荔湾区沙面大街1号" },
      {
        role: "PARTY_ROLE_DEFENDANT",
        organization: { name: "北京某贸易有限公司", creditCode: "91350100M000100Y43", legalRepresentative: "李四" },
        address: "北京市朝阳区建国路1号",
      },
    ],
    claims: "判令被告支付货款人民币十万元",
    facts: "原被告签订买卖合同，被告未付货款。（k6 演练数据）",
    jurisdictionCourtId: JURISDICTION_COURT,
    jurisdictionSource: "JURISDICTION_SOURCE_CLERK",
    // Drill traffic (演练) is kept out of the real statistics.
    drill: true,
  };
}

/** A small PDF: the content, not the name, decides the file type. */
function pdf(size, seed) {
  let text = "%PDF-1.7\n";
  for (let line = 0; text.length < size; line++) text += `% kuayu k6 drill material ${seed}.${line}\n`;
  return text.slice(0, size);
}

/** Uploads one material: the header, then the bytes in chunks. Resolves with { material } or { error }. */
function upload(filingId, kind, content) {
  return new Promise((resolve) => {
    const stream = new grpc.Stream(intake, `${INTAKE}/UploadMaterial`, windowCall);
    let material = null;
    stream.on("data", (res) => {
      material = res.material;
    });
    // k6 calls the error listeners before the end listeners; the first resolve wins.
    stream.on("error", (err) => resolve({ material: null, error: err }));
    stream.on("end", () => resolve({ material, error: null }));
    stream.write({ header: { filingId, kind, fileName: `${kind}.pdf`, sizeBytes: String(content.length) } });
    for (let i = 0; i < content.length; i += CHUNK_BYTES) stream.write({ chunk: encoding.b64encode(content.slice(i, i + CHUNK_BYTES)) });
    stream.end();
  });
}

/** Polls the jurisdiction court's inbox until the filing is there with every material copied. */
async function inInbox(filingId) {
  const until = Date.now() + INBOX_TIMEOUT_S * 1000;
  while (Date.now() < until) {
    const res = await decision.asyncInvoke(`${DECISION}/GetInboxFiling`, { filingId }, courtCall);
    if (res.status === grpc.StatusOK && res.message.filing.materialsComplete) return res.message.filing;
    // Not there yet is NOT_FOUND; anything else is a real failure.
    if (res.status !== grpc.StatusOK && res.status !== grpc.StatusNotFound) fail(`GetInboxFiling ${filingId}: ${grpcError(res)}`);
    await sleep(0.2);
  }
  return null;
}

let connected = false;

export default async function () {
  // One connection per VU for the whole test.
  if (!connected) {
    intake.connect(INTAKE_ADDR, Object.assign({ timeout: "10s" }, GRPC_CONNECT));
    decision.connect(DECISION_ADDR, Object.assign({ timeout: "10s" }, GRPC_CONNECT));
    connected = true;
  }

  const draft = await intake.asyncInvoke(`${INTAKE}/CreateDraft`, { details: details() }, windowCall);
  if (!check(draft, { "draft created": (r) => r.status === grpc.StatusOK && r.message.filing.status === "FILING_STATUS_DRAFT" })) {
    fail(`CreateDraft: ${grpcError(draft)}`);
  }
  const filingId = draft.message.filing.filingId;

  for (let i = 0; i < MATERIALS.length; i++) {
    const kind = MATERIALS[i];
    const up = await upload(filingId, kind, pdf(2048, i));
    if (!check(up, { "material uploaded": (r) => r.error === null && r.material !== null && r.material.kind === kind && r.material.mediaType === "application/pdf" })) {
      fail(`UploadMaterial ${kind}: ${up.error ? up.error.message : "no material in the response"}`);
    }
  }

  const submittedAt = Date.now();
  const submitted = await intake.asyncInvoke(`${INTAKE}/SubmitFiling`, { filingId, idempotencyKey: `k6-submit-${filingId}` }, windowCall);
  if (!check(submitted, { "submitted with a receipt number": (r) => r.status === grpc.StatusOK && r.message.filing.receiptNumber !== "" })) {
    fail(`SubmitFiling ${filingId}: ${grpcError(submitted)}`);
  }

  const arrived = await inInbox(filingId);
  if (!check(arrived, { "in the inbox with its materials": (f) => f !== null && f.materials.length === MATERIALS.length })) {
    fail(`filing ${filingId} was not in the inbox with its materials within ${INBOX_TIMEOUT_S} s`);
  }
  submitToInbox.add(Date.now() - submittedAt);

  const ack = await decision.asyncInvoke(`${DECISION}/Acknowledge`, { filingId }, courtCall);
  check(ack, { acknowledged: (r) => r.status === grpc.StatusOK && r.message.filing.acknowledgedAt !== null });

  const accepted = await decision.asyncInvoke(`${DECISION}/Accept`, { filingId }, courtCall);
  check(accepted, {
    "accepted with a case number": (r) => r.status === grpc.StatusOK && r.message.filing.status === "INBOX_STATUS_ACCEPTED" && r.message.filing.caseNumber !== "",
  });
}
