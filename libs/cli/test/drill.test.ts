import { loadDirectory } from "@kuayu/directory";
import { validateCreditCode, validateResidentId } from "@kuayu/domain";
import { planOptions, progressLine, type DrillRunOptions } from "../src/drill";
import { parseDelay, planDrill, PlanError, random, sampleDelay, type PlanOptions } from "../src/drill/plan";
import { buildReport, formatReport, percentile, type FilingOutcome } from "../src/drill/report";
import { JournalError, journalWriter, planStamp, readJournal } from "../src/drill/journal";
import { startOffsetMs } from "../src/drill/run";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const dir = loadDirectory();
const base: PlanOptions = { seed: 1, corrections: 0.05, rejections: 0.05, ackDelay: { kind: "fixed", ms: 0 }, decideDelay: { kind: "fixed", ms: 0 } };

describe("the drill plan", () => {
  const full = planDrill(dir, base);

  it("has every collaborating court file each case type, crossing provinces, reaching every jurisdiction court", () => {
    const filers = dir.courts.filter((c) => c.roles.includes("collaborating"));
    expect(full.filings).toHaveLength(filers.length * 6);
    expect(new Set(full.filings.map((f) => f.key)).size).toBe(full.filings.length);
    const jurisdiction = dir.courts.filter((c) => c.roles.includes("jurisdiction"));
    expect(full.jurisdictionCourts).toBe(jurisdiction.length);
    expect(new Set(full.filings.map((f) => f.to.id)).size).toBe(jurisdiction.length);
    expect(full.filings.filter((f) => f.from.province !== f.to.province).length / full.filings.length).toBeGreaterThan(0.9);
    expect(full.filings.every((f) => f.from.id !== f.to.id)).toBe(true);
  });

  it("routes only to courts that accept the case type, with the finder's basis unless the finder never names the court", () => {
    for (const f of full.filings.slice(0, 5000)) {
      const to = dir.byId(f.to.id)!;
      expect(to.caseTypes).toContain(f.details.caseType);
      if (f.details.jurisdictionSource === "finder") expect(f.details.jurisdictionBasis).toMatch(/《.+》/);
      else expect(f.details.jurisdictionBasis).toBe("");
    }
    expect(full.filings.filter((f) => f.details.jurisdictionSource === "finder").length / full.filings.length).toBeGreaterThan(0.75);
  });

  it("generates parties with valid identity numbers and the checklist's materials", () => {
    for (const f of full.filings.slice(0, 2000)) {
      expect(validateResidentId(f.details.plaintiff.residentId)).toBeUndefined();
      if (f.details.defendant.kind === "organization") expect(validateCreditCode(f.details.defendant.creditCode)).toBeUndefined();
      expect(f.materials).toContain("filer-identity");
      expect(f.materials).not.toContain("opposing-party-details");
    }
  });

  it("is the same for the same seed and different for another", () => {
    const a = planDrill(dir, { ...base, provinces: ["64"], seed: 5 });
    const b = planDrill(dir, { ...base, provinces: ["64"], seed: 5 });
    const c = planDrill(dir, { ...base, provinces: ["64"], seed: 6 });
    expect(b.filings).toEqual(a.filings);
    expect(c.filings.map((f) => f.to.id)).not.toEqual(a.filings.map((f) => f.to.id));
  });

  it("takes subsets by province, kind, case type, fraction and limit", () => {
    const p = planDrill(dir, { ...base, provinces: ["64"], kinds: ["tribunal"], caseTypes: ["enforcement"] });
    expect(p.filings.length).toBe(dir.byProvince("64").filter((c) => c.kind === "tribunal").length);
    expect(p.filings.every((f) => f.from.province === "64" && f.from.kind === "tribunal" && f.details.caseType === "enforcement")).toBe(true);
    const q = planDrill(dir, { ...base, provinces: ["64"], fraction: 0.1 });
    expect(q.filings.length).toBe(Math.round(dir.byProvince("64").filter((c) => c.roles.includes("collaborating")).length * 6 * 0.1));
    expect(planDrill(dir, { ...base, limit: 7 }).filings).toHaveLength(7);
    expect(planDrill(dir, { ...base, provinces: ["64"], toProvinces: ["11"] }).filings.every((f) => f.to.province === "11")).toBe(true);
  });

  it("gives the specialists corrections and rejections in the planned shares", () => {
    const share = (a: string) => full.filings.filter((f) => f.action === a).length / full.filings.length;
    expect(share("correct-then-accept")).toBeCloseTo(0.05, 2);
    expect(share("reject")).toBeCloseTo(0.05, 2);
  });

  it("refuses subsets that select nothing and shares that make no sense", () => {
    expect(() => planDrill(dir, { ...base, provinces: ["99"] })).toThrow(PlanError);
    expect(() => planDrill(dir, { ...base, corrections: 0.7, rejections: 0.5 })).toThrow(/together/);
    expect(() => planDrill(dir, { ...base, fraction: 0 })).toThrow(/fraction/);
  });
});

describe("delays", () => {
  it("parses fixed, uniform and exponential delays", () => {
    expect(parseDelay("0")).toEqual({ kind: "fixed", ms: 0 });
    expect(parseDelay("1.5s")).toEqual({ kind: "fixed", ms: 1500 });
    expect(parseDelay("200ms-2s")).toEqual({ kind: "uniform", minMs: 200, maxMs: 2000 });
    expect(parseDelay("exp:1m")).toEqual({ kind: "exponential", meanMs: 60_000 });
    expect(() => parseDelay("soon")).toThrow(/not a duration/);
    expect(() => parseDelay("2s-1s")).toThrow(/ends before/);
  });

  it("samples within the range, and an exponential delay has about its mean", () => {
    const rnd = random(3);
    const u = Array.from({ length: 1000 }, () => sampleDelay({ kind: "uniform", minMs: 100, maxMs: 200 }, rnd));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...u)).toBeLessThanOrEqual(200);
    const e = Array.from({ length: 20_000 }, () => sampleDelay({ kind: "exponential", meanMs: 1000 }, rnd));
    expect(e.reduce((a, b) => a + b, 0) / e.length).toBeGreaterThan(950);
    expect(e.reduce((a, b) => a + b, 0) / e.length).toBeLessThan(1050);
  });
});

describe("command-line options", () => {
  const o: DrillRunOptions = {
    intake: "127.0.0.1:50051",
    decision: "127.0.0.1:50053",
    supervision: false,
    seed: "1",
    rate: "0",
    ramp: "0s",
    concurrency: "8",
    ackDelay: "0-1s",
    decideDelay: "0",
    corrections: "0.1",
    rejections: "0",
    poll: "1s",
    filingTimeout: "10m",
    settle: "1m",
    key: "k.pem",
    progressInterval: "10s",
  };
  it("turns them into plan options", () => {
    expect(planOptions({ ...o, provinces: "44, 11", kinds: "tribunal", caseTypes: "enforcement", fraction: "0.5", limit: "10" })).toMatchObject({
      provinces: ["44", "11"],
      kinds: ["tribunal"],
      caseTypes: ["enforcement"],
      fraction: 0.5,
      limit: 10,
      corrections: 0.1,
      ackDelay: { kind: "uniform", minMs: 0, maxMs: 1000 },
    });
  });
  it("explains what is wrong", () => {
    expect(() => planOptions({ ...o, provinces: "guangdong" })).toThrow(/two-digit/);
    expect(() => planOptions({ ...o, kinds: "village" })).toThrow(/unknown court kind/);
    expect(() => planOptions({ ...o, caseTypes: "divorce" })).toThrow(/unknown case type/);
    expect(() => planOptions({ ...o, fraction: "2" })).toThrow(/--fraction/);
    expect(() => planOptions({ ...o, seed: "-1" })).toThrow(/--seed/);
    expect(() => planOptions({ ...o, ackDelay: "later" })).toThrow(/--ack-delay/);
  });
  it("climbs evenly to the rate over the ramp, then keeps it", () => {
    expect([0, 1, 2, 3].map((n) => startOffsetMs(n, 4))).toEqual([0, 250, 500, 750]);
    // 16/s over 60 s: 480 filings during the climb, a quarter of them in its first half.
    expect(startOffsetMs(120, 16, 60_000)).toBeCloseTo(30_000);
    expect(startOffsetMs(480, 16, 60_000)).toBeCloseTo(60_000);
    expect(startOffsetMs(496, 16, 60_000)).toBeCloseTo(61_000);
    const gaps = [1, 100, 479, 480, 481].map((n) => startOffsetMs(n + 1, 16, 60_000) - startOffsetMs(n, 16, 60_000));
    expect(gaps[0]).toBeGreaterThan(gaps[1]!);
    expect(gaps[1]).toBeGreaterThan(gaps[2]!);
    expect(gaps[3]).toBeCloseTo(62.5);
    expect(gaps[4]).toBeCloseTo(62.5);
  });
  it("shows progress with the rate and the time left", () => {
    expect(progressLine({ planned: 100, started: 60, done: 50, inFlight: 10, failed: 1, elapsedMs: 65_000, phase: "filing" }, 2)).toBe(
      "drill: 50/100 done · 10 in flight · 1 failed · 2.0 filings/s · elapsed 1m05s · ETA 0m25s",
    );
  });
});

describe("the report", () => {
  const plan = planDrill(dir, { ...base, provinces: ["64"], limit: 4 });
  const t0 = 1_000_000;
  const final = (i: number, caseNumber: string): FilingOutcome => ({
    filing: plan.filings[i]!,
    state: "final",
    filingId: `f${i}`,
    finalStatus: "accepted",
    caseNumber,
    t: {
      start: t0,
      submitting: t0 + 100,
      submitted: t0 + 200,
      submittedAt: t0 + 190,
      routedAt: t0 + 250,
      arrivedAt: t0 + 300,
      visible: t0 + 400,
      acknowledgedAt: t0 + 300 + i * 20 * 60_000,
      decidedAt: t0 + 90 * 60_000,
      final: t0 + 91 * 60_000,
    },
  });

  it("accounts for every filing: lost ones and duplicated case numbers fail the drill", () => {
    const outcomes = [
      final(0, "（2026）宁0104民初1号"),
      final(1, "（2026）宁0104民初1号"),
      final(2, "（2026）宁0104民初2号"),
      { filing: plan.filings[3]!, state: "lost" as const, filingId: "f3", error: "timed out; last seen: in the inbox", t: { start: t0, submitted: t0 + 200 } },
    ];
    const r = buildReport(plan, outcomes, { startedAt: t0, endedAt: t0 + 100_000 });
    expect(r).toMatchObject({ ok: false, planned: 4, lost: 1, duplicated: 1, accepted: 3 });
    expect(r.problems.map((p) => p.state).sort()).toEqual(["duplicated", "lost"]);
    expect(r.hops.submitted).toBe(4);
    expect(r.hops["final at window"]).toBe(3);
    // Responses after 0, 20 and 40 minutes: two of three within 30 minutes.
    expect(r.feedbackWithin30Minutes).toBeCloseTo(2 / 3);
    expect(r.latencyMs["submitted → routed"]).toMatchObject({ n: 3, p50: 60 });
    expect(formatReport(r)).toMatch(/FAILED[\s\S]*lost 1 · duplicated 1[\s\S]*lost +\S+ \(f3\): timed out/);
  });

  it("passes when all are final and supervision counted each once, and fails on a supervision mismatch", () => {
    const outcomes = [0, 1, 2, 3].map((i) => final(i, `（2026）宁0104民初${i + 1}号`));
    const sup = { drillId: "d1", expected: 4, counted: 4, responseRate30Minutes: 0.5, waitedMs: 10 };
    expect(buildReport(plan, outcomes, { startedAt: t0, endedAt: t0 + 1000, supervision: sup }).ok).toBe(true);
    expect(buildReport(plan, outcomes, { startedAt: t0, endedAt: t0 + 1000, supervision: { ...sup, counted: 5 } }).ok).toBe(false);
  });

  it("takes nearest-rank percentiles", () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 99)).toBe(4);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe("the journal", () => {
  const plan = planDrill(dir, { ...base, provinces: ["64"], limit: 4 });
  const tmp = mkdtempSync(path.join(os.tmpdir(), "kuayu-journal-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const outcome = (i: number): FilingOutcome => ({
    filing: plan.filings[i]!,
    state: "final",
    filingId: `f${i}`,
    finalStatus: "accepted",
    caseNumber: `（2026）宁0104民初${i + 1}号`,
    t: { start: 1000, submitted: 1200, final: 5000 },
  });

  it("reads back the plan, the campaign, the runs, what was started and every outcome; a torn last line is ignored", () => {
    const file = path.join(tmp, "a.jsonl");
    const w = journalWriter(file);
    w.header(planStamp(plan), "drill-1");
    w.segment(1000);
    for (const i of [0, 1, 2]) w.started(plan.filings[i]!.key);
    w.outcome(outcome(0));
    w.outcome({ ...outcome(1), state: "lost", error: "timed out" });
    w.segment(9_000_000_000_000);
    w.end(9_000_000_060_000);
    appendFileSync(file, '{"o":{"key":"x'); // killed mid-write
    const j = readJournal(file, plan);
    expect(j.campaign).toBe("drill-1");
    expect([...j.started]).toEqual(plan.filings.slice(0, 3).map((f) => f.key));
    expect(j.outcomes.get(plan.filings[0]!.key)).toMatchObject({ state: "final", filingId: "f0", t: { submitted: 1200 } });
    expect(j.outcomes.get(plan.filings[1]!.key)).toMatchObject({ state: "lost", error: "timed out" });
    expect(j.outcomes.has(plan.filings[2]!.key)).toBe(false); // started, not finished: picked up on resume
    // The killed first run ends with its last outcome; the second ended normally.
    expect(j.segments[0]!.endedAt).toBeGreaterThan(1000);
    expect(j.segments[1]).toEqual({ startedAt: 9_000_000_000_000, endedAt: 9_000_000_060_000 });
  });

  it("refuses the journal of another plan, and a file that is not a journal", () => {
    const file = path.join(tmp, "b.jsonl");
    journalWriter(file).header(planStamp(plan), undefined);
    const other = planDrill(dir, { ...base, provinces: ["64"], limit: 4, seed: 2 });
    expect(() => readJournal(file, other)).toThrow(/journal of another plan/);
    expect(() => readJournal(file, plan)).not.toThrow();
    const junk = path.join(tmp, "c.jsonl");
    appendFileSync(junk, "hello\n{}\n{}\n");
    expect(() => readJournal(junk, plan)).toThrow(JournalError);
    expect(() => readJournal(path.join(tmp, "none.jsonl"), plan)).toThrow(/no journal/);
  });

  it("gives a resumed drill the time of its runs, not the time between them", () => {
    const outcomes = [0, 1, 2, 3].map(outcome);
    const segments = [
      { startedAt: 0, endedAt: 30_000 },
      { startedAt: 3_600_000, endedAt: 3_610_000 },
    ];
    const r = buildReport(plan, outcomes, { startedAt: 3_600_000, endedAt: 3_610_000, resumed: { segments, fromJournal: 3, continued: 1 } });
    expect(r.wallSeconds).toBe(40);
    expect(r.filingsPerSecond).toBeCloseTo(0.1);
    expect(r.resumed).toEqual({
      runs: [
        { startedAt: new Date(0).toISOString(), seconds: 30 },
        { startedAt: new Date(3_600_000).toISOString(), seconds: 10 },
      ],
      fromJournal: 3,
      continued: 1,
    });
    expect(formatReport(r)).toMatch(/resumed: 2 runs .*; 3 outcomes from the journal, 1 filings picked up mid-way/);
  });
});
