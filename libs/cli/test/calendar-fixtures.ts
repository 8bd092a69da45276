// Calendar files for the CLI's tests, written to a temporary directory.
//
// FICTIONAL TEST DATA ONLY. No State Council notice for 2027 existed when these were written; the
// "2027" days below are made up to exercise the operator file (they are chosen to move a deadline)
// and must never be copied into a real calendar file, a chart or the docs.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export const FICTIONAL_SOURCE = "FICTIONAL test data for the kuayu CLI tests, not a State Council notice";

/** A valid file: fictional 2027 with a "春节" on Mon 11 – Tue 12 January and Sat 9 January worked. */
export const FICTIONAL_2027 = {
  years: {
    "2027": {
      source: FICTIONAL_SOURCE,
      holidays: [
        { name: "元旦", from: "2027-01-01", to: "2027-01-03" },
        { name: "春节", from: "2027-01-11", to: "2027-01-12" },
      ],
      workdays: ["2027-01-09"],
    },
  },
};

/** The same fictional year in YAML. */
export const FICTIONAL_2027_YAML = `# FICTIONAL test data, not a State Council notice
years:
  2027:
    source: "${FICTIONAL_SOURCE}"
    holidays:
      - { name: 元旦, from: "2027-01-01", to: "2027-01-03" }
      - { name: 春节, from: "2027-01-11", to: "2027-01-12" }
    workdays: ["2027-01-09"]
`;

/** A fictional 2027 with five problems, one of each kind. */
export const BROKEN_2027 = {
  years: {
    "2027": {
      source: FICTIONAL_SOURCE,
      holidays: [
        { name: "元旦", from: "2027-01-01", to: "2028-01-02" }, // ends outside its year
        { name: "春节", from: "2027-02-05", to: "2027-02-11" },
        { name: "春节", from: "2027-02-10", to: "2027-02-12" }, // overlaps the one before
        { name: "圣诞节", from: "2027-12-25", to: "2027-12-25" }, // not a statutory holiday
        { name: "国庆节", from: "2027-10-01", to: "2027-10-07" },
      ],
      workdays: [
        "2027-01-06", // a Wednesday
        "2027-10-02", // a Saturday inside 国庆节
      ],
    },
  },
};

/** Writes the files into a new temporary directory; returns their paths. */
export function writeCalendarFiles(): { dir: string; good: string; goodYaml: string; broken: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "kuayu-calendar-"));
  const good = path.join(dir, "calendar.json");
  const goodYaml = path.join(dir, "calendar.yaml");
  const broken = path.join(dir, "broken.json");
  writeFileSync(good, JSON.stringify(FICTIONAL_2027, null, 2));
  writeFileSync(goodYaml, FICTIONAL_2027_YAML);
  writeFileSync(broken, JSON.stringify(BROKEN_2027, null, 2));
  return { dir, good, goodYaml, broken };
}

const bin = path.resolve(__dirname, "../bin/kuayu.js");
/** Several runs of the built CLI in one test: about a second each, more on a busy machine. */
export const CLI_MS = 30_000;
/** Runs the built CLI; CALENDAR_FILE only when `extra` sets it (not inherited from the test's environment). */
export const runCli = (args: string[], extra: Record<string, string> = {}) => {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!("CALENDAR_FILE" in extra)) delete env.CALENDAR_FILE;
  return promisify(execFile)(process.execPath, [bin, ...args], { encoding: "utf8", env });
};
/** Runs the built CLI expecting it to fail; resolves with its exit code and output. */
export const failingCli = (args: string[], extra?: Record<string, string>) =>
  runCli(args, extra).then(
    () => {
      throw new Error("expected a failure");
    },
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
