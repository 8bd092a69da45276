// `kuayu filing …` (the built CLI) against a real intake and routing on the real broker and store.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { toJson } from "@bufbuild/protobuf";
import { create } from "@bufbuild/protobuf";
import { intakeV1 } from "@kuayu/proto";
import { assertInfraUp } from "@kuayu/testkit";
import { TRIBUNAL, civilDetails, pdf, startHarness, type Harness } from "../../../services/intake/test/support";

const bin = path.resolve(__dirname, "../bin/kuayu.js");
let h: Harness;
let env: NodeJS.ProcessEnv;
const dir = mkdtempSync(path.join(tmpdir(), "kuayu-filing-"));
const run = async (...args: string[]) => (await promisify(execFile)(process.execPath, [bin, "filing", ...args, "--json"], { encoding: "utf8", env })).stdout;
const fail = (...args: string[]) =>
  promisify(execFile)(process.execPath, [bin, "filing", ...args], { encoding: "utf8", env }).then(
    () => {
      throw new Error("expected the command to fail");
    },
    (e: { code: number; stderr: string }) => e,
  );

beforeAll(async () => {
  await assertInfraUp();
  h = await startHarness();
  env = { ...process.env, KUAYU_INTAKE_ADDR: h.address, KUAYU_TOKEN: await h.token(TRIBUNAL.id, TRIBUNAL.province) };
});
afterAll(() => h?.close());

it("creates, uploads, submits, shows, lists and withdraws a filing", async () => {
  const detailsFile = path.join(dir, "details.json");
  writeFileSync(detailsFile, JSON.stringify(toJson(intakeV1.FilingDetailsSchema, create(intakeV1.FilingDetailsSchema, civilDetails()))));
  const created = JSON.parse(await run("create", "--file", detailsFile));
  const id = created.filingId as string;
  expect(created.status).toBe("FILING_STATUS_DRAFT");

  for (const [i, kind] of ["complaint", "filer-identity", "evidence", "address-for-service-confirmation"].entries()) {
    const file = path.join(dir, `${kind}.pdf`);
    writeFileSync(file, pdf(5000, i));
    const m = JSON.parse(await run("upload", id, file, "--kind", kind));
    expect(m.sha256).toBe(createHash("sha256").update(readFileSync(file)).digest("hex"));
  }
  const submitted = JSON.parse(await run("submit", id, "--key", `cli-${id}`));
  expect(submitted.status).toBe("FILING_STATUS_ROUTED");
  expect(submitted.receiptNumber).toMatch(/^KY-/);

  const shown = JSON.parse(await run("show", id));
  expect(shown.materials).toHaveLength(4);
  const listed = await run("list", "--status", "routed");
  expect(listed).toContain(id);

  const out = path.join(dir, "copy.pdf");
  await run("download", id, shown.materials[0].materialId, "--out", out);
  expect(readFileSync(out)).toEqual(readFileSync(path.join(dir, `${shown.materials[0].kind}.pdf`)));

  const withdrawn = JSON.parse(await run("withdraw", id, "--reason", "当事人撤回"));
  expect(withdrawn.status).toBe("FILING_STATUS_WITHDRAWN");
});

it("prints the field violations of a refused submission and exits 1", async () => {
  const created = JSON.parse(await run("create", "--case-type", "civil-first-instance", "--court", "c-110105"));
  const err = await fail("submit", created.filingId, "--key", "cli-incomplete-1");
  expect(err.code).toBe(1);
  expect(err.stderr).toMatch(/INVALID_ARGUMENT/);
  expect(err.stderr).toMatch(/materials: missing required material complaint/);
  expect(err.stderr).not.toMatch(/11010519491231002X/);
});
