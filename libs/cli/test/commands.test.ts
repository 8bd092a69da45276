// The built CLI's offline commands: directory, case numbers, deadlines.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const bin = path.resolve(__dirname, "../bin/kuayu.js");
const run = (...args: string[]) => promisify(execFile)(process.execPath, [bin, ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
const fails = (...args: string[]) =>
  run(...args).then(
    () => {
      throw new Error("expected a failure");
    },
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

describe("kuayu directory", () => {
  it("stats --json shows the national counts", async () => {
    const s = JSON.parse((await run("directory", "stats", "--json")).stdout);
    expect(s.byKind.tribunal).toBeGreaterThanOrEqual(10_700);
    expect(s.byKind.tribunal).toBeLessThanOrEqual(11_100);
    expect(s.total - s.byKind.tribunal).toBeGreaterThanOrEqual(3_500);
    expect(s.byKind.high).toBe(32);
  });

  it("find looks courts up by code", async () => {
    const hits = JSON.parse((await run("directory", "find", "粤0703", "--json")).stdout);
    expect(hits[0]).toMatchObject({ code: "粤0703", name: "江门市蓬江区人民法院" });
  });

  it("export → import round-trips, and import reports every problem with its line before installing anything", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "kuayu-dir-"));
    const csv = path.join(dir, "courts.csv");
    await run("directory", "export", "--format", "csv", "--out", csv);
    const out = path.join(dir, "installed.json");
    const ok = JSON.parse((await run("directory", "import", csv, "--out", out, "--json")).stdout);
    expect(ok).toMatchObject({ ok: true, out });
    expect(ok.courts).toBeGreaterThan(14_000);

    const lines = readFileSync(csv, "utf8").split("\n");
    lines[3] = lines[2]!; // a duplicate id on line 4
    const broken = path.join(dir, "broken.csv");
    writeFileSync(broken, lines.join("\n"));
    const badOut = path.join(dir, "never.json");
    const err = await fails("directory", "import", broken, "--out", badOut, "--json");
    expect(err.code).toBe(1);
    const report = JSON.parse(err.stdout);
    expect(report.ok).toBe(false);
    expect(report.problems.some((p: { line: number }) => p.line === 4)).toBe(true);
    expect(() => readFileSync(badOut)).toThrow();
  });
});

describe("kuayu casenumber and deadline", () => {
  it("parses and formats case numbers", async () => {
    const n = JSON.parse((await run("casenumber", "parse", "（2016）最高法民申2763号", "--json")).stdout);
    expect(n).toMatchObject({ year: 2016, courtCode: "最高法", typeCode: "民申", sequence: 2763, formatted: "（2016）最高法民申2763号" });
    expect((await run("casenumber", "format", "--year", "2020", "--court", "浙01", "--special", "知", "--type", "民初", "--seq", "277")).stdout.trim()).toBe("（2020）浙01知民初277号");
    const err = await fails("casenumber", "parse", "2016最高法");
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/case_number/);
  });

  it("gives the decision deadline across the 2026 National Day holiday", async () => {
    const d = JSON.parse((await run("deadline", "--case-type", "civil-first-instance", "--received", "2026-09-30T10:00:00+08:00", "--court", "c-110105", "--json")).stdout);
    expect(d).toMatchObject({ decideBy: "2026-10-08", respondBy: "2026-09-30T02:30:00.000Z" });
  });
});

describe("kuayu jurisdiction resolve", () => {
  it("ranks the internet court first for an e-commerce dispute with a Hangzhou defendant", async () => {
    const rows = JSON.parse((await run("jurisdiction", "resolve", "--case-type", "civil-first-instance", "--defendant", "330106", "--ecommerce", "--json")).stdout);
    expect(rows[0]).toMatchObject({ name: "杭州互联网法院", exclusive: true });
  });
  it("reports a bad division code", async () => {
    const err = await fails("jurisdiction", "resolve", "--case-type", "civil-first-instance", "--defendant", "999999");
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/defendant_domiciles\[0\]/);
  });
});

describe("kuayu drill run's pace", () => {
  it("refuses a ramp without a rate to climb to, and a ramp that is not a duration", async () => {
    const noRate = await fails("drill", "run", "--no-supervision", "--limit", "3", "--ramp", "10s", "--dry-run");
    expect(noRate.code).toBe(2);
    expect(noRate.stderr).toMatch(/--ramp climbs to --rate/);
    const bad = await fails("drill", "run", "--no-supervision", "--limit", "3", "--rate", "2", "--ramp", "soon", "--dry-run");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--ramp: not a duration/);
    const ok = await run("drill", "run", "--no-supervision", "--limit", "3", "--rate", "2", "--ramp", "10s", "--dry-run");
    expect(ok.stderr).toMatch(/drill plan/);
  });
});
