// Prints the totals of a `make test` run as the closing line "N passed, N failed" and exits 1 on
// any failure. Counts every jest test, plus one per check step (build, lint, proto …).
const fs = require("node:fs");
const path = require("node:path");

const dir = process.argv[2];
let passed = 0;
let failed = 0;
const failures = [];
for (const file of fs.readdirSync(dir).sort()) {
  const full = path.join(dir, file);
  if (file.startsWith("step-")) {
    const ok = fs.readFileSync(full, "utf8").trim() === "pass";
    if (ok) passed++;
    else {
      failed++;
      failures.push(`step ${file.slice(5)}`);
    }
  } else if (file.endsWith(".json")) {
    const r = JSON.parse(fs.readFileSync(full, "utf8"));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    // A suite that failed to run (syntax error, failing beforeAll) has no failed tests of its own.
    for (const s of r.testResults) {
      if (s.status === "failed" && s.assertionResults.every((a) => a.status !== "failed")) {
        failed++;
        failures.push(`suite ${path.relative(process.cwd(), s.name)} did not run: ${(s.message || "").split("\n")[0]}`);
      }
      for (const a of s.assertionResults) if (a.status === "failed") failures.push(a.fullName);
    }
  }
}
if (failures.length) console.log(`\nFailed:\n${failures.map((f) => `  - ${f}`).join("\n")}\n`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
