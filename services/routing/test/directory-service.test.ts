// DirectoryService over gRPC on loopback, serving the shipped national directory from memory.
import * as grpc from "@grpc/grpc-js";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createSigner } from "@kuayu/auth";
import { createClient, fieldViolations, type Client } from "@kuayu/grpc";
import { createLogger } from "@kuayu/logger";
import { commonV1, directoryV1 } from "@kuayu/proto";
import { testKeys } from "@kuayu/testkit";
import { readConfig } from "../src/config";
import { startApp, type App } from "../src/app";

const keys = testKeys();
const NOW = "2026-12-07T02:00:00.000Z";
let app: App;
let client: Client<typeof directoryV1.DirectoryService>;

beforeAll(async () => {
  // The clock routes are dated by: Monday 2026-12-07 10:00 China time, a working day.
  app = await startApp(readConfig({ GRPC_PORT: "0", GRPC_HOST: "127.0.0.1", JWT_PUBLIC_KEY: keys.publicKey }), createLogger({ service: "routing", level: "silent" }), undefined, {
    now: () => new Date(NOW),
  });
  const token = await (await createSigner(keys.privateKey)).mint({ user: "u", courtId: "c-440703", roles: ["window-clerk"], province: "44" });
  client = createClient(directoryV1.DirectoryService, `127.0.0.1:${app.grpcPort}`, { token });
});
afterAll(async () => {
  client.close();
  expect(await app.stop()).toBe(true);
});

describe("DirectoryService", () => {
  it("returns courts with their codes", async () => {
    const { court } = await client.getCourt({ courtId: "c-spc" });
    expect(court).toMatchObject({ code: "最高法", kind: directoryV1.CourtKind.SUPREME, roles: [directoryV1.CourtRole.JURISDICTION] });
    const { courts, notFoundIds } = await client.batchGetCourts({ courtIds: ["c-440703", "c-110105", "nope"] });
    expect(courts.map((c) => [c.code, c.name])).toEqual([
      ["粤0703", "江门市蓬江区人民法院"],
      ["京0105", "北京市朝阳区人民法院"],
    ]);
    expect(notFoundIds).toEqual(["nope"]);
    await expect(client.getCourt({ courtId: "nope" })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it("searches by code prefix and kind, paged", async () => {
    const first = await client.searchCourts({ code: "粤07", pageSize: 3 });
    expect(first.courts.map((c) => c.code)).toContain("粤07");
    expect(first.courts).toHaveLength(3);
    expect(first.totalSize).toBeGreaterThan(3);
    const second = await client.searchCourts({ code: "粤07", pageSize: 3, pageToken: first.nextPageToken });
    expect(second.courts.map((c) => c.courtId)).not.toEqual(first.courts.map((c) => c.courtId));
    const internet = await client.searchCourts({ kind: directoryV1.CourtKind.INTERNET });
    expect(internet.totalSize).toBe(3);
    const err = await client.searchCourts({ pageSize: 1000, pageToken: "garbage", province: "4" }).catch((e: unknown) => e);
    expect(fieldViolations(err).map((v) => v.field)).toEqual(["page_size", "page_token", "province"]);
  });

  it("rejects a tribunal as jurisdiction court and the SPC as collaborating court, with reasons", async () => {
    const tribunal = (await client.searchCourts({ kind: directoryV1.CourtKind.TRIBUNAL, pageSize: 1 })).courts[0]!;
    const r1 = await client.validateRoute({ collaboratingCourtId: "c-440703", jurisdictionCourtId: tribunal.courtId, caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE });
    expect(r1.valid).toBe(false);
    expect(r1.problems.map((p) => p.code)).toContain("tribunal-as-jurisdiction-court");
    const r2 = await client.validateRoute({ collaboratingCourtId: "c-spc", jurisdictionCourtId: "c-110105", caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE });
    expect(r2.problems.map((p) => p.code)).toContain("upper-court-as-collaborating-court");
    const ok = await client.validateRoute({ collaboratingCourtId: tribunal.courtId, jurisdictionCourtId: "c-110105", caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE });
    expect(ok).toMatchObject({ valid: true, problems: [] });
    expect(r1.route).toBeUndefined();
    const bad = await client.validateRoute({ collaboratingCourtId: "x", jurisdictionCourtId: "c-110105", caseType: commonV1.CaseType.UNSPECIFIED }).catch((e: unknown) => e);
    expect(fieldViolations(bad).map((v) => v.field)).toEqual(["collaborating_court_id", "case_type"]);
  });

  it("answers a valid route with the deadlines of a filing arriving now, the duty contact and the court's code", async () => {
    const tribunal = (await client.searchCourts({ kind: directoryV1.CourtKind.TRIBUNAL, province: "44", pageSize: 1 })).courts[0]!;
    const { route } = await client.validateRoute({ collaboratingCourtId: tribunal.courtId, jurisdictionCourtId: "c-110105", caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE });
    const iso = (t: { seconds: bigint } | undefined) => t && new Date(Number(t.seconds) * 1000).toISOString();
    const [duty] = (await client.listContacts({ courtId: "c-110105" })).contacts;
    expect(route).toMatchObject({
      originProvince: "44",
      deadlinesProvisional: false,
      contactName: duty!.name,
      contactPhone: duty!.phone,
      courtCode: "京0105",
      courtLevel: "basic",
      courtKind: "basic",
    });
    // 30 working minutes after 10:00 on a working day; the decision at the end of a later day.
    expect([iso(route!.routedAt), iso(route!.responseDue)]).toEqual([NOW, "2026-12-07T02:30:00.000Z"]);
    expect(iso(route!.decisionDue)! > "2026-12-08").toBe(true);
  });

  it("resolves the competent courts with their legal basis, special courts first", async () => {
    const civil = await client.resolveJurisdiction({ caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE, defendantDomiciles: ["110105"] });
    expect(civil.candidates[0]!.court!.name).toBe("北京市朝阳区人民法院");
    expect(civil.candidates[0]!.basis).toMatch(/第二十二条/);
    const online = await client.resolveJurisdiction({ caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE, defendantDomiciles: ["330106"], ecommercePlatform: true });
    expect(online.candidates[0]).toMatchObject({ exclusive: true, court: { name: "杭州互联网法院" } });
    const bad = await client.resolveJurisdiction({ caseType: commonV1.CaseType.CIVIL_FIRST_INSTANCE, defendantDomiciles: ["999999"] }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    expect(fieldViolations(bad).map((v) => v.field)).toEqual(["defendant_domiciles[0]"]);
  });

  it("tells whether a court is open and when it next opens", async () => {
    // Thursday 2026-10-01 10:00 China time is National Day: closed; next opening 2026-10-08 08:30.
    const holiday = await client.getWorkingStatus({ courtId: "c-110105", at: timestampFromDate(new Date("2026-10-01T02:00:00Z")) });
    expect(holiday).toMatchObject({ open: false, workingDay: false });
    expect(holiday.nextOpening && new Date(Number(holiday.nextOpening.seconds) * 1000).toISOString()).toBe("2026-10-08T00:30:00.000Z");
    const open = await client.getWorkingStatus({ courtId: "c-110105", at: timestampFromDate(new Date("2026-10-09T02:00:00Z")) });
    expect(open).toMatchObject({ open: true, workingDay: true });
    const contacts = await client.listContacts({ courtId: "c-110105" });
    expect(contacts.contacts.length).toBeGreaterThan(0);
    expect(contacts.contacts.every((c) => c.sample)).toBe(true);
  });
});
