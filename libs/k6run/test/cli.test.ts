import { UsageError, parseArgs } from "../src/index";

describe("parseArgs", () => {
  it("reads k6's flags, long and short, with = or a separate value", () => {
    expect(parseArgs(["run", "--vus", "2", "-i", "4", "--duration=10s", "-e", "A=1", "--env", "B=x=y", "--summary-export", "out.json", "-q", "--no-summary", "s.js"])).toEqual({
      help: false,
      run: { script: "s.js", cli: { vus: 2, iterations: 4, duration: "10s" }, env: { A: "1", B: "x=y" }, summaryExport: "out.json", quiet: true, noSummary: true },
    });
  });

  it("gives help", () => {
    expect(parseArgs([])).toEqual({ help: true });
    expect(parseArgs(["run", "--help"])).toEqual({ help: true });
  });

  it.each([
    [["bench", "s.js"], /unknown command/],
    [["run"], /no script/],
    [["run", "a.js", "b.js"], /one script only/],
    [["run", "--vus", "0", "s.js"], /positive integer/],
    [["run", "--iterations", "x", "s.js"], /positive integer/],
    [["run", "--duration", "10", "s.js"], /not a duration/],
    [["run", "-e", "NOVALUE", "s.js"], /KEY=VALUE/],
    [["run", "--out", "json=x", "s.js"], /unknown flag --out/],
  ])("rejects %j", (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});
