// Who hears of what, reminders, and the facts kept per filing.
import {
  EVENT,
  documentFor,
  nextOpeningIfClosed,
  recipientsOf,
  reminderStillDue,
  remindersFor,
  wants,
  webhookBody,
  webhookRef,
  webhookUrlProblem,
  withReminders,
  type FilingFacts,
} from "../src/domain/notify";
import { partyMobiles, project } from "../src/adapters/consumer";
import { create } from "@bufbuild/protobuf";
import { intakeV1 as intakeProto } from "@kuayu/proto";

const courts = { collaboratingCourtId: "t-440103001", jurisdictionCourtId: "c-110105" };
const cst = (local: string) => new Date(`${local}+08:00`);

describe("recipients", () => {
  it("tells the window of the court's acts and the court of the window's", () => {
    expect(recipientsOf(EVENT.accepted, courts)).toEqual([{ courtId: "t-440103001", role: "window-clerk" }]);
    expect(recipientsOf(EVENT.routingFailed, courts)).toEqual([{ courtId: "t-440103001", role: "window-clerk" }]);
    expect(recipientsOf(EVENT.routed, courts)).toEqual([{ courtId: "c-110105", role: "filing-specialist" }]);
    expect(recipientsOf(EVENT.withdrawn, courts)).toEqual([{ courtId: "c-110105", role: "filing-specialist" }]);
    expect(recipientsOf(EVENT.submitted, courts)).toEqual([]);
  });

  it("issues the document each decision calls for", () => {
    expect([EVENT.submitted, EVENT.accepted, EVENT.rejected, EVENT.correctionRequested, EVENT.acknowledged].map(documentFor)).toEqual([
      "receipt",
      "acceptance-notice",
      "non-acceptance",
      "correction-notice",
      undefined,
    ]);
  });
});

describe("reminders", () => {
  it("reminds after 20 working minutes and escalates after 24 hours", () => {
    const [reminder, escalation] = remindersFor("f1", 1, cst("2026-11-27T17:20:00")); // Friday, 10 minutes before closing
    expect(reminder).toMatchObject({ id: "f1:1:reminder", dueAt: cst("2026-11-30T08:40:00") });
    expect(escalation).toMatchObject({ id: "f1:1:escalation", dueAt: cst("2026-11-28T17:20:00") });
  });

  it("is dropped once the court responded, decided, or a new round arrived", () => {
    const f = { round: 1, acknowledgedAt: undefined, decidedAt: undefined, lastEventType: EVENT.routed } as FilingFacts;
    const r = remindersFor("f1", 1, new Date())[0]!;
    expect(reminderStillDue(f, r)).toBe(true);
    expect(reminderStillDue({ ...f, acknowledgedAt: new Date() }, r)).toBe(false);
    expect(reminderStillDue({ ...f, round: 2 }, r)).toBe(false);
    expect(reminderStillDue({ ...f, lastEventType: EVENT.withdrawn }, r)).toBe(false);
  });

  it("keeps a round's reminders in the facts: waiting from its arrival until the response", () => {
    const routedAt = cst("2026-11-27T10:00:00");
    const arrived = withReminders({ filingId: "f1", round: 1, routedAt, lastEventType: EVENT.routed } as FilingFacts, remindersFor("f1", 1, routedAt));
    expect(arrived).toMatchObject({ waiting: true, remindAt: cst("2026-11-27T10:20:00") });
    expect(arrived.reminders!.map((r) => r.id)).toEqual(["f1:1:reminder", "f1:1:escalation"]);
    // A later event keeps them; the response ends them.
    expect(withReminders({ ...arrived, lastEventType: EVENT.correctionSubmitted })).toMatchObject({ waiting: true });
    const answered = withReminders({ ...arrived, acknowledgedAt: routedAt, lastEventType: EVENT.acknowledged });
    expect(answered).toMatchObject({ waiting: false, remindAt: undefined, reminders: arrived.reminders });
    // A response applied before the routing event: the round never waits.
    const early = { filingId: "f1", round: 1, routedAt, acknowledgedAt: routedAt, lastEventType: EVENT.routed } as FilingFacts;
    expect(withReminders(early, remindersFor("f1", 1, routedAt)).waiting).toBe(false);
    // No round arrived yet: nothing waits.
    expect(withReminders({ filingId: "f1", round: 1, lastEventType: EVENT.submitted } as FilingFacts)).toMatchObject({ reminders: [], waiting: false });
  });

  it("tells when a closed court next opens", () => {
    expect(nextOpeningIfClosed(cst("2026-11-29T22:00:00"))).toEqual(cst("2026-11-30T08:30:00"));
    expect(nextOpeningIfClosed(cst("2026-11-30T09:00:00"))).toBeUndefined();
  });

  it("counts in the jurisdiction court's own hours when it has them", () => {
    const late = {
      timeZone: "Asia/Shanghai" as const,
      periods: [
        { start: "09:00", end: "12:00" },
        { start: "13:30", end: "17:00" },
      ],
    };
    // Friday 16:50 at a court that closes at 17:00: 10 minutes on Friday, 10 more from Monday 09:00.
    expect(remindersFor("f1", 1, cst("2026-11-27T16:50:00"), late)[0]).toMatchObject({ dueAt: cst("2026-11-30T09:10:00") });
    expect(nextOpeningIfClosed(cst("2026-11-30T08:45:00"), late)).toEqual(cst("2026-11-30T09:00:00"));
    expect(nextOpeningIfClosed(cst("2026-11-30T08:45:00"))).toBeUndefined(); // open by the default hours
  });
});

describe("webhooks", () => {
  it("accepts https, and http only to loopback when allowed", () => {
    expect(webhookUrlProblem("https://court.example/hook", false)).toBeUndefined();
    expect(webhookUrlProblem("http://127.0.0.1:8080/hook", true)).toBeUndefined();
    expect(webhookUrlProblem("http://127.0.0.1:8080/hook", false)).toBe("must be https://");
    expect(webhookUrlProblem("http://court.example/hook", true)).toBe("must be https://");
    expect(webhookUrlProblem("https://user:pw@court.example/", false)).toBe("must not carry credentials");
    expect(webhookUrlProblem("nonsense", false)).toBe("not a URL");
    expect(wants([], "x")).toBe(true);
    expect(wants(["a"], "x")).toBe(false);
  });
});

describe("webhook references", () => {
  const f = { filingId: "f1", round: 2, receiptNumber: "KY-t-440103001-20261128-000001", caseNumber: "", collaboratingCourtId: "t-440103001", jurisdictionCourtId: "c-110105" };
  it("names the status and where the receiving court fetches the details: the window at intake, the jurisdiction court at decision", () => {
    expect(webhookRef(EVENT.submitted, f, "t-440103001")).toEqual({ ...f, status: "submitted", fetch: { rpc: "kuayu.intake.v1.IntakeService/GetFiling", filingId: "f1" } });
    expect(webhookRef(EVENT.routed, f, "c-110105")).toMatchObject({ status: "routed", fetch: { rpc: "kuayu.decision.v1.DecisionService/GetInboxFiling", filingId: "f1" } });
    expect(webhookRef(EVENT.accepted, { ...f, caseNumber: "（2026）京0105民初1号" }, "t-440103001")).toMatchObject({ status: "accepted", caseNumber: "（2026）京0105民初1号" });
  });
  it("builds the body from the references alone", () => {
    const ref = webhookRef(EVENT.rejected, f, "t-440103001");
    expect(webhookBody({ eventId: "e1", eventType: EVENT.rejected, filingId: "f1", order: new Date("2026-11-28T02:00:00Z"), ref })).toEqual({
      eventId: "e1",
      eventType: EVENT.rejected,
      filingId: "f1",
      occurredAt: "2026-11-28T02:00:00.000Z",
      data: ref,
    });
  });
});

describe("facts of a filing", () => {
  it("keeps names but never identity numbers, and follows the decision", () => {
    const start = project(
      { filingId: "f1" } as FilingFacts,
      EVENT.submitted,
      {
        ...courts,
        round: 1,
        caseType: 1,
        receiptNumber: "KY-1",
        drill: false,
        details: { parties: [{ role: 1, identity: { case: "person", value: { name: "张三", residentId: "11010519491231002X" } } }] },
        materials: [{ kind: "complaint", fileName: "起诉状.pdf" }],
      },
      new Date(0),
    );
    expect(start).toMatchObject({ caseType: "civil-first-instance", receiptNumber: "KY-1", parties: [{ role: "plaintiff", name: "张三" }], round: 1 });
    expect(JSON.stringify(start)).not.toContain("11010519491231002X");
    const accepted = project(start, EVENT.accepted, { ...courts, round: 1, caseNumber: "（2026）京0105民初1号" }, new Date(5));
    expect(accepted).toMatchObject({ caseNumber: "（2026）京0105民初1号", decidedAt: new Date(5), lastEventType: EVENT.accepted });
  });
});

describe("the party's SMS numbers", () => {
  it("are the plaintiffs' and their agents' mainland mobiles, normalised, once each; never a defendant's or a third party's", () => {
    const details = create(intakeProto.FilingDetailsSchema, {
      parties: [
        {
          role: intakeProto.PartyRole.PLAINTIFF,
          phone: "+86 138-0013-8000",
          agents: [
            { name: "王律师", phone: "13900139000" },
            { name: "李律师", phone: "13800138000" },
          ],
        },
        { role: intakeProto.PartyRole.PLAINTIFF, phone: "010-65000000" }, // a landline: no SMS
        { role: intakeProto.PartyRole.DEFENDANT, phone: "13700137000" },
        { role: intakeProto.PartyRole.THIRD_PARTY, phone: "13600136000" },
      ],
    });
    expect(partyMobiles(details)).toEqual(["13800138000", "13900139000"]);
    expect(partyMobiles(undefined)).toEqual([]);
  });
});
