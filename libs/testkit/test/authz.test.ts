// The matrix's own checks: a missing, unknown or doubled row is reported by name, and every forged
// token is refused by the services' real verifier while the token it was made from is accepted.
import { AuthError, createSigner, createVerifier } from "@kuayu/auth";
import { intakeV1, supervisionV1 } from "@kuayu/proto";
import { FORGERIES, deniedRoles, forgedTokens, kuayuServices, rpcsOf, tableProblems, testKeys } from "../src/index";
import * as proto from "@kuayu/proto";

describe("tableProblems", () => {
  const services = [intakeV1.FilingIntakeService, supervisionV1.SupervisionService];
  const rows = rpcsOf(services).map(({ rpc }) => ({ rpc }));

  it("passes a table with one row per RPC", () => {
    expect(tableProblems(rows, services)).toEqual([]);
  });
  it("names an RPC without its row, a row of no RPC and a row listed twice", () => {
    const missing = rows.filter((r) => r.rpc !== "kuayu.intake.v1.FilingIntakeService/GetFiling");
    expect(tableProblems([...missing, { rpc: "kuayu.x.v1.Y/Z" }, rows[0]!], services)).toEqual([
      "RPC kuayu.intake.v1.FilingIntakeService/GetFiling has no authorization row",
      "row kuayu.x.v1.Y/Z names no RPC of the services",
      `row ${rows[0]!.rpc} is listed twice`,
    ]);
  });
});

it("finds every kuayu service of @kuayu/proto, and no other", () => {
  const names = kuayuServices(Object.values(proto) as Record<string, unknown>[]).map((s) => s.typeName);
  expect(names.sort()).toEqual([
    "kuayu.decision.v1.JurisdictionDecisionService",
    "kuayu.directory.v1.DirectoryService",
    "kuayu.intake.v1.FilingIntakeService",
    "kuayu.notification.v1.NotificationService",
    "kuayu.supervision.v1.SupervisionService",
  ]);
});

it("denies exactly the roles a row does not list", () => {
  expect(deniedRoles({ roles: ["window-clerk", "court-system"] })).toEqual(["filing-specialist", "supervisor", "operator"]);
});

it("forges tokens the real verifier refuses, from a token it accepts", async () => {
  const keys = testKeys();
  const verifier = await createVerifier(keys.publicKey);
  const claims = { user: "u", courtId: "t-440103001", roles: ["window-clerk" as const], province: "44" };
  const valid = await (await createSigner(keys.privateKey)).mint(claims);
  expect(await verifier.verify(valid)).toMatchObject({ courtId: claims.courtId, roles: claims.roles });
  const forged = await forgedTokens(valid, keys);
  expect(Object.keys(forged)).toEqual([...FORGERIES]);
  for (const f of FORGERIES) await expect(verifier.verify(forged[f])).rejects.toBeInstanceOf(AuthError);
});
