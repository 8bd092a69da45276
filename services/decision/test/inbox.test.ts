// Pure rules of the inbox: arrivals and rounds, responses, decisions, corrections, case numbers.
import {
  accepted,
  acknowledge,
  applyArrival,
  caseNumberFor,
  caseNumberScope,
  checkAcceptable,
  isOverdue,
  newInboxFiling,
  recomputeDeadlines,
  reject,
  requestCorrections,
  typeCodeFor,
  withdraw,
  type Arrival,
} from "../src/domain/inbox";
import { DEFAULT_WORKING_HOURS, HolidayCalendar, filingDeadlines, useCalendar } from "@kuayu/domain";

const t0 = new Date("2026-11-27T02:00:00Z");
const later = (min: number) => new Date(t0.getTime() + min * 60_000);
const arrival = (over: Partial<Arrival> = {}): Arrival => ({
  filingId: "f1",
  jurisdictionCourtId: "c-110105",
  collaboratingCourtId: "t-440103001",
  province: "11",
  originProvince: "44",
  court: { code: "京0105", level: "basic", kind: "basic" },
  caseType: "civil-first-instance",
  round: 1,
  receiptNumber: "KY-1",
  details: {},
  materials: [{ id: "m1", kind: "complaint", fileName: "a.pdf", mediaType: "application/pdf", sizeBytes: 10, sha256: "a".repeat(64), round: 1, uploadedAt: t0 }],
  routedAt: t0,
  responseDue: later(30),
  decisionDue: later(7 * 1440),
  deadlinesEstimated: false,
  drill: false,
  ...over,
});
const copiedAll = (f: ReturnType<typeof newInboxFiling>) => ({ ...f, materials: f.materials.map((m) => ({ ...m, copied: true })) });

describe("arrivals", () => {
  it("starts awaiting a response; a redelivered round changes nothing; a later round restarts the decision clock", () => {
    const f = newInboxFiling(arrival(), t0);
    expect(f.status).toBe("awaiting-response");
    expect(applyArrival(f, arrival(), later(1))).toBeUndefined();
    const acked = acknowledge(f, later(5))!;
    const pending = requestCorrections(acked, { items: [{ materialKind: "evidence", description: "" }], deadline: later(3 * 1440), note: "" }, later(6));
    const round2 = applyArrival(
      pending,
      arrival({ round: 2, decisionDue: later(9 * 1440), materials: [...arrival().materials, { ...arrival().materials[0]!, id: "m2", kind: "evidence", round: 2 }] }),
      later(60),
    )!;
    expect(round2).toMatchObject({ status: "awaiting-decision", round: 2, decisionDue: later(9 * 1440) });
    expect(round2.materials.map((m) => [m.id, m.copied])).toEqual([
      ["m1", false],
      ["m2", false],
    ]);
  });

  it("is overdue when the applicable deadline passed", () => {
    const f = newInboxFiling(arrival(), t0);
    expect(isOverdue(f, later(29))).toBe(false);
    expect(isOverdue(f, later(31))).toBe(true);
    expect(isOverdue(acknowledge(f, later(31))!, later(32))).toBe(false);
  });
});

describe("decisions", () => {
  it("accepts only with every material copied, and only once decided", () => {
    const f = newInboxFiling(arrival(), t0);
    expect(() => checkAcceptable(f)).toThrow(/still being copied/);
    const ok = copiedAll(f);
    expect(() => checkAcceptable(ok)).not.toThrow();
    const done = accepted(ok, "（2026）京0105民初1号", later(10));
    expect(done).toMatchObject({ status: "accepted", caseNumber: "（2026）京0105民初1号", acknowledgedAt: later(10) });
    expect(() => checkAcceptable(done)).toThrow(/accepted/);
    expect(() => reject(done, { category: "other", reason: "x", legalBasis: "y" }, later(11))).toThrow(/accepted/);
  });

  it("needs a category, reasons and a legal basis to reject", () => {
    const f = newInboxFiling(arrival(), t0);
    expect(() => reject(f, { category: undefined, reason: " ", legalBasis: "" }, later(1))).toThrow(/category.*reason.*legal_basis/s);
  });

  it("asks for corrections once per round, completely, with a deadline", () => {
    const f = newInboxFiling(arrival(), t0);
    expect(() => requestCorrections(f, { items: [], deadline: undefined, note: "" }, later(1))).toThrow(/items.*deadline/s);
    expect(() => requestCorrections(f, { items: [{ materialKind: "original-judgment", description: "" }], deadline: later(100), note: "" }, later(1))).toThrow(
      /not on the civil-first-instance checklist/,
    );
    const once = requestCorrections(f, { items: [{ materialKind: "evidence", description: "付款凭证" }], deadline: later(100), note: "" }, later(1));
    expect(once.status).toBe("correction-pending");
    const reopened = { ...once, status: "awaiting-decision" as const };
    expect(() => requestCorrections(reopened, { items: [{ materialKind: "evidence", description: "" }], deadline: later(100), note: "" }, later(2))).toThrow(/already requested/);
  });

  it("closes a withdrawn filing unless it was decided", () => {
    const f = newInboxFiling(arrival(), t0);
    expect(withdraw(f, later(1))!.status).toBe("withdrawn");
    expect(withdraw(accepted(copiedAll(f), "n", later(1)), later(2))).toBeUndefined();
  });
});

describe("case numbers", () => {
  it("draws from one sequence per court, year and type code", () => {
    const f = newInboxFiling(arrival(), t0);
    expect(caseNumberScope(f, 2026).scope).toBe("c-110105:2026:民初");
    expect(caseNumberFor(f, 2026, 123)).toBe("（2026）京0105民初123号");
    expect(caseNumberFor({ ...f, caseType: "enforcement" }, 2026, 7)).toBe("（2026）京0105执7号");
  });

  it("numbers IP courts' civil cases as 知民初 and state compensation by court level", () => {
    const ip = newInboxFiling(arrival({ jurisdictionCourtId: "c-ip-bj", court: { code: "京73", level: "intermediate", kind: "intellectual-property" } }), t0);
    expect(caseNumberFor(ip, 2026, 5)).toBe("（2026）京73知民初5号");
    expect(caseNumberScope(ip, 2026).scope).toBe("c-ip-bj:2026:知民初");
    expect(typeCodeFor("state-compensation", "basic")).toBe("法赔");
    expect(typeCodeFor("state-compensation", "intermediate")).toBe("委赔");
  });
});

describe("recomputeDeadlines (after the holiday calendar changed)", () => {
  const cst = (local: string) => new Date(`${local}+08:00`);
  const routedAt = cst("2027-01-29T10:00:00"); // provisional: 2027 has no official arrangement built in
  const first = filingDeadlines(routedAt, "civil-first-instance");
  const inbox = () => newInboxFiling(arrival({ routedAt, responseDue: first.responseDue, decisionDue: first.decisionDue, deadlinesEstimated: first.provisional }), routedAt);
  afterEach(() => useCalendar(HolidayCalendar.builtIn()));

  it("changes nothing while the calendar is the same", () => {
    expect(first.provisional).toBe(true);
    expect(recomputeDeadlines(inbox(), DEFAULT_WORKING_HOURS, later(1))).toBeUndefined();
  });

  it("counts both deadlines again from the round's start once the year is official, and keeps what they were", () => {
    // Test data only, not the real 2027 arrangement: 02-05 a working day, 春节 02-06..02-14.
    useCalendar(HolidayCalendar.builtIn().withOperatorYears({ years: { "2027": { source: "test", holidays: [{ name: "春节", from: "2027-02-06", to: "2027-02-14" }], workdays: [] } } }));
    const r = recomputeDeadlines(inbox(), DEFAULT_WORKING_HOURS, later(1))!;
    expect(r.filing).toMatchObject({ decisionDue: cst("2027-02-06T00:00:00"), responseDue: cst("2027-01-29T10:30:00"), deadlinesEstimated: false, updatedAt: later(1) });
    expect(r.previous).toEqual({ responseDue: first.responseDue, decisionDue: cst("2027-02-12T00:00:00"), provisional: true });
    // Decided filings, and those waiting for corrections, keep theirs.
    const decided = accepted(copiedAll(acknowledge(inbox(), later(2))!), "（2027）京0105民初1号", later(3));
    expect(recomputeDeadlines(decided, DEFAULT_WORKING_HOURS, later(4))).toBeUndefined();
  });
});
