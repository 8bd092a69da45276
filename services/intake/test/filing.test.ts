import type { AuthContext } from "@kuayu/auth";
import { ForbiddenError, NotFoundError, ValidationError } from "@kuayu/domain";
import { getFiling, submitFiling, validateSubmission, type Filing, type FilingRepository, type SubmitFilingCommand } from "../src/domain/filing";

/** Map-backed port for testing the use cases' rules (the real store is covered by *.int tests). */
function memoryRepo(): FilingRepository {
  const byId = new Map<string, Filing>();
  const byKey = new Map<string, string>();
  return {
    async insertSubmitted(filing, key) {
      const k = `${filing.collaboratingCourtId}/${key}`;
      const existing = byKey.get(k);
      if (existing) return { filing: byId.get(existing)!, created: false };
      byKey.set(k, filing.id);
      byId.set(filing.id, filing);
      return { filing, created: true };
    },
    async get(id) {
      return byId.get(id);
    },
    async addTimelineEntry() {},
  };
}

const clerk: AuthContext = { user: "u1", courtId: "c-440703", roles: ["window-clerk"], province: "44" };
const cmd: SubmitFilingCommand = {
  idempotencyKey: "key-00000001",
  caseType: "civil-first-instance",
  jurisdictionCourtId: "c-110105",
  summary: "买卖合同纠纷",
  drill: false,
};

describe("submitting a filing", () => {
  let n = 0;
  const deps = () => ({ repo: memoryRepo(), newId: () => `f-${++n}`, now: () => new Date("2026-03-02T02:00:00Z") });

  it("lists every problem of a bad submission at once", () => {
    const v = validateSubmission({ idempotencyKey: "short", caseType: undefined, jurisdictionCourtId: "", summary: " ", drill: false });
    expect(v.map((x) => x.field)).toEqual(["idempotency_key", "case_type", "jurisdiction_court_id", "summary"]);
    expect(validateSubmission({ ...cmd, summary: "长".repeat(2001) }).map((x) => x.field)).toEqual(["summary"]);
    expect(validateSubmission(cmd)).toEqual([]);
  });

  it("takes the collaborating court from the caller, never from the request", async () => {
    const f = await submitFiling(deps(), clerk, cmd);
    expect(f).toMatchObject({ collaboratingCourtId: "c-440703", jurisdictionCourtId: "c-110105", status: "submitted", summary: "买卖合同纠纷" });
  });

  it("returns the first filing when the idempotency key is replayed", async () => {
    const d = deps();
    const a = await submitFiling(d, clerk, cmd);
    const b = await submitFiling(d, clerk, { ...cmd, summary: "again" });
    expect(b.id).toBe(a.id);
    const other = await submitFiling(d, { ...clerk, courtId: "c-000001" }, cmd);
    expect(other.id).not.toBe(a.id);
  });

  it("refuses a filing addressed to the caller's own court", async () => {
    await expect(submitFiling(deps(), clerk, { ...cmd, jurisdictionCourtId: clerk.courtId })).rejects.toBeInstanceOf(ValidationError);
  });

  it("shows a filing only to its own collaborating court", async () => {
    const d = deps();
    const f = await submitFiling(d, clerk, cmd);
    await expect(getFiling(d, clerk, f.id)).resolves.toMatchObject({ id: f.id });
    await expect(getFiling(d, { ...clerk, courtId: "c-other" }, f.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(getFiling(d, clerk, "missing")).rejects.toBeInstanceOf(NotFoundError);
  });
});
