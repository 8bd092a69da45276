// The party's look-up (LookupFiling) end to end in one process, on the real broker and store: a
// filing submitted at a Guangdong tribunal, routed to a Beijing court, found by its receipt number
// and the phone's last four digits with the console's public token — and nothing for anyone else.
import { toJsonString } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import { fieldViolations } from "@kuayu/grpc";
import { createKafka, createProducer, type EventProducer } from "@kuayu/kafka";
import { createLogger } from "@kuayu/logger";
import { commonV1, intakeV1 } from "@kuayu/proto";
import { topicsOfFiling, type FilingEventInit } from "@kuayu/topics";
import { assertInfraUp, eventually, infra } from "@kuayu/testkit";
import { BEIJING_CHAOYANG, RESIDENT_ID, TRIBUNAL, civilDetails, pdf, readyDraft, startHarness, uploadParts, type Harness, type IntakeClient } from "./support";

/** Failed look-ups a receipt number may have per hour in this test's intake. */
const FAILURES = 3;

let h: Harness;
let clerk: IntakeClient;
let decisions: EventProducer;

beforeAll(async () => {
  await assertInfraUp();
  h = await startHarness({ PARTY_LOOKUP_FAILURES_PER_HOUR: String(FAILURES) });
  clerk = await h.client(TRIBUNAL.id, TRIBUNAL.province);
  decisions = await createProducer(createKafka({ ...infra.kafka, clientId: "party-test", log: createLogger({ service: "test", level: "silent" }) }), "kuayu.decision");
});
afterAll(async () => {
  await decisions?.disconnect();
  await h?.close();
});

const publish = (filingId: string, event: FilingEventInit["event"]) =>
  decisions.publish(topicsOfFiling(TRIBUNAL.province, BEIJING_CHAOYANG.province), filingId, {
    event: { ...event, value: { filingId, collaboratingCourtId: TRIBUNAL.id, jurisdictionCourtId: BEIJING_CHAOYANG.id, ...(event?.value ?? {}) } } as FilingEventInit["event"],
  });
const failure = async (p: Promise<unknown>) => {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as grpc.ServiceError | undefined;
  if (!err) throw new Error("expected the call to fail");
  return { code: err.code, details: err.details };
};
/** A filing submitted at the tribunal (with these materials beside the civil ones): its id and receipt number. */
async function submitted(details = civilDetails(), moreMaterials: string[] = []) {
  const id = await readyDraft(clerk, details);
  for (const [i, kind] of moreMaterials.entries()) await clerk.uploadMaterial(uploadParts(id, kind, pdf(2048, 10 + i)));
  const { filing } = await clerk.submitFiling({ filingId: id, idempotencyKey: `party-${id}` });
  return { id, receipt: filing!.receiptNumber };
}

describe("a party looks their filing up by receipt number and the phone's last four digits", () => {
  it("sees the status, courts, desk and deadlines (provisional, then recomputed), and of the parties only their own, masked", async () => {
    const { id, receipt } = await submitted();
    const party = await h.publicClient("visitor-a");
    const first = (await party.lookupFiling({ receiptNumber: receipt, phoneLast4: "8000" })).filing!;
    // Routed with the submission: the Beijing court's desk (its duty contact) and deadlines.
    expect(first).toMatchObject({ filingId: id, receiptNumber: receipt, status: intakeV1.FilingStatus.ROUTED, round: 1, caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE });
    expect(first.contactPhone).not.toBe("");
    expect(timestampDate(first.decisionDue!).getTime()).toBeGreaterThan(timestampDate(first.responseDue!).getTime());
    expect(timestampDate(first.responseDue!).getTime()).toBeGreaterThan(timestampDate(first.submittedAt!).getTime());
    expect([first.collaboratingCourtName, first.jurisdictionCourtName]).toEqual([expect.stringContaining("人民法庭"), "北京市朝阳区人民法院"]);
    expect(first.jurisdictionCourtAddress).not.toBe("");
    // 张三's own line only (the phone is 张三's), masked; nothing of the company sued, the claims or the address.
    expect(first.parties.map((p) => ({ ...p, $typeName: undefined }))).toEqual([
      { $typeName: undefined, role: intakeV1.PartyRole.PLAINTIFF, name: "张*", idNumber: "110*************2X", throughAgent: false },
    ]);
    const everything = toJsonString(intakeV1.PartyFilingSchema, first);
    expect(everything).not.toMatch(/张三|北京某贸易|91350100M000100Y43|11010519491231002X|13800138000|沙面大街|货款/);

    // The holiday calendar changes: the deadlines are recomputed.
    const responseDue = new Date("2027-01-04T02:30:00Z");
    const later = new Date("2027-01-12T16:00:00Z");
    await publish(id, {
      case: "deadlinesChanged",
      value: { round: 1, responseDue: timestampFromDate(responseDue), decisionDue: timestampFromDate(later), provisional: false, calendarYears: [2027] },
    });
    const recomputed = await eventually(
      async () => {
        const f = (await party.lookupFiling({ receiptNumber: receipt, phoneLast4: "8000" })).filing!;
        return timestampDate(f.decisionDue!).getTime() === later.getTime() ? f : undefined;
      },
      30_000,
      "the recomputed deadlines",
    );
    expect([recomputed.status, timestampDate(recomputed.responseDue!), recomputed.deadlinesProvisional, recomputed.contactPhone]).toEqual([
      intakeV1.FilingStatus.ROUTED,
      responseDue,
      false,
      first.contactPhone,
    ]);

    // Accepted: the case number.
    await publish(id, { case: "accepted", value: { round: 1, caseNumber: "（2026）京0105民初77号" } });
    const accepted = await eventually(
      async () => {
        const f = (await party.lookupFiling({ receiptNumber: ` ${receipt.toLowerCase().replace(/^ky/, "ky")} `, phoneLast4: "8000" })).filing!;
        return f.status === intakeV1.FilingStatus.ACCEPTED ? f : undefined;
      },
      30_000,
      "ACCEPTED",
    );
    expect(accepted.decision!.caseNumber).toBe("（2026）京0105民初77号");
  });

  it("finds a party through their agent's phone too", async () => {
    const agent = { name: "王律师", kind: intakeV1.AgentKind.CITIZEN, residentId: RESIDENT_ID, authorization: intakeV1.AuthorizationScope.SPECIAL, phone: "139 0000 4321" };
    const plaintiff = { role: intakeV1.PartyRole.PLAINTIFF, identity: { case: "person" as const, value: { name: "张三", residentId: RESIDENT_ID } }, address: "广州市", agents: [agent] };
    const details = civilDetails({ parties: [plaintiff, civilDetails().parties![1]!] });
    const { receipt } = await submitted(details, ["power-of-attorney", "agent-identity"]);
    const party = await h.publicClient("visitor-b");
    const f = (await party.lookupFiling({ receiptNumber: receipt, phoneLast4: "4321" })).filing!;
    expect(f.parties.map((p) => [p.name, p.throughAgent])).toEqual([["张*", true]]);
  });

  it("answers an unknown receipt number and wrong digits alike, and refuses a receipt number after too many failures, right digits or not", async () => {
    const { receipt } = await submitted();
    const party = await h.publicClient("visitor-c");
    const wrongDigits = await failure(party.lookupFiling({ receiptNumber: receipt, phoneLast4: "1234" }));
    const unknown = await failure(party.lookupFiling({ receiptNumber: receipt.replace(/\d{6}$/, "999999"), phoneLast4: "8000" }));
    expect(wrongDigits).toEqual({ code: grpc.status.NOT_FOUND, details: "no filing has this receipt number with a phone ending in these digits" });
    expect(unknown).toEqual(wrongDigits);
    // A defendant without a phone: no digits reach them.
    expect(await failure(party.lookupFiling({ receiptNumber: receipt, phoneLast4: "0000" }))).toEqual(wrongDigits);
    expect(await failure(party.lookupFiling({ receiptNumber: receipt, phoneLast4: "8001" }))).toEqual(wrongDigits);
    // FAILURES failed look-ups of this receipt: now even the right digits are refused, from any visitor.
    const other = await h.publicClient("visitor-d");
    const refused = await failure(other.lookupFiling({ receiptNumber: receipt, phoneLast4: "8000" }));
    expect(refused.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(refused.details).toMatch(/too many failed look-ups of this receipt number; try again in \d+ min/);
    // Other receipt numbers are not affected.
    const { receipt: another } = await submitted();
    expect((await other.lookupFiling({ receiptNumber: another, phoneLast4: "8000" })).filing!.receiptNumber).toBe(another);
  });

  it("refuses what is not a receipt number or four digits, with both reasons", async () => {
    const party = await h.publicClient("visitor-e");
    const err = await party.lookupFiling({ receiptNumber: "{$ne:null}", phoneLast4: "80" }).catch((e: unknown) => e);
    expect((err as grpc.ServiceError).code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(
      fieldViolations(err)
        .map((v) => v.field)
        .sort(),
    ).toEqual(["phone_last4", "receipt_number"]);
  });

  it("is for the console's public token only, and that token reaches nothing else", async () => {
    const { id, receipt } = await submitted();
    // The court's own clerk finds filings by id, not by a party's digits.
    expect((await failure(clerk.lookupFiling({ receiptNumber: receipt, phoneLast4: "8000" }))).code).toBe(grpc.status.PERMISSION_DENIED);
    const party = await h.publicClient("visitor-f");
    for (const call of [() => party.getFiling({ filingId: id }), () => party.listFilings({}), () => party.withdrawFiling({ filingId: id, reason: "x" })]) {
      expect((await failure(call())).code).toBe(grpc.status.PERMISSION_DENIED);
    }
  });
});
