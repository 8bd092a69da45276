import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CASE_TYPES, isCourtCode, validateRoute } from "@kuayu/domain";
import { DEFAULT_DATA_FILE, PROVINCES, directoryStats, exportDirectory, loadDirectory, type Court } from "../src";

// The shipped data file: facts the rest of the system relies on.
const dir = loadDirectory();
const nonTribunals = dir.courts.filter((c) => c.kind !== "tribunal");
const tribunals = dir.byKind("tribunal");

describe("shipped court directory", () => {
  it("has the SPC, coded 最高法, at the root", () => {
    const spc = dir.byCode("最高法");
    expect(spc).toMatchObject({ id: "c-spc", name: "最高人民法院", kind: "supreme", parentId: null, roles: ["jurisdiction"] });
    expect(dir.courts.filter((c) => c.parentId === null)).toEqual([spc]);
  });

  it("derives intermediate and basic codes from the division table", () => {
    expect(dir.byCode("粤07")).toMatchObject({ name: "江门市中级人民法院", division: "440700", level: "intermediate", parentId: "c-440000" });
    expect(dir.byCode("粤0703")).toMatchObject({ name: "江门市蓬江区人民法院", division: "440703", kind: "basic", parentId: "c-440700" });
    expect(dir.byCode("京0105")).toMatchObject({ name: "北京市朝阳区人民法院", division: "110105", province: "11" });
    // Beijing's basic courts hang under the numbered intermediate courts, not a prefecture.
    expect(dir.byId(dir.byCode("京0105")!.parentId!)!.code).toBe("京03");
  });

  it("has 32 high courts: 31 provinces plus the XPCC branch, each coded by its abbreviation", () => {
    const high = dir.byKind("high");
    expect(high).toHaveLength(32);
    expect(high.map((c) => c.code).sort()).toEqual([...Object.values(PROVINCES).map((p) => p.abbreviation), "兵"].sort());
    expect(dir.byCode("内")!.name).toBe("内蒙古自治区高级人民法院");
    expect(dir.byCode("黔")!.name).toBe("贵州省高级人民法院"); // not 贵: Guizhou's court code is 黔
    expect(dir.byCode("兵")!.name).toBe("新疆维吾尔自治区高级人民法院生产建设兵团分院");
    // The PLA Military Court is at high level too, but of kind military.
    expect(
      dir
        .byLevel("high")
        .map((c) => c.code)
        .sort(),
    ).toEqual([...high.map((c) => c.code), "军"].sort());
  });

  it("gives every court a code the case-number rules accept (a drill found 贵 codes that Accept refused)", () => {
    expect(dir.courts.filter((c) => c.code && !isCourtCode(c.code)).map((c) => `${c.id} ${c.code}`)).toEqual([]);
  });

  it("gives the collaborating role only to courts the route rules accept as collaborating courts (a drill found the PLA Military Court refused)", () => {
    const refused = dir.courts
      .filter((c) => c.roles.includes("collaborating"))
      .filter((c) => {
        const to = dir.courts.find((x) => x.id !== c.id && x.roles.includes("jurisdiction") && x.caseTypes.length > 0)!;
        const route = { collaboratingCourt: { ...c, acceptsCaseTypes: c.caseTypes }, jurisdictionCourt: { ...to, acceptsCaseTypes: to.caseTypes }, caseType: to.caseTypes[0]! };
        return validateRoute(route).some((p) => p.code === "upper-court-as-collaborating-court" || p.code === "collaborating-role-missing");
      });
    expect(refused.map((c) => c.id)).toEqual([]);
  });

  it("has the special courts docs/domain.md (Courts) names, with codes from the override table", () => {
    expect(dir.byKind("maritime")).toHaveLength(11);
    expect(
      dir
        .byKind("intellectual-property")
        .map((c) => c.code)
        .sort(),
    ).toEqual(["京73", "沪73", "琼73", "粤73"].sort());
    expect(
      dir
        .byKind("internet")
        .map((c) => `${c.code} ${c.name}`)
        .sort(),
    ).toEqual(["京0491 北京互联网法院", "浙0192 杭州互联网法院", "粤0192 广州互联网法院"].sort());
    expect(
      dir
        .byKind("financial")
        .map((c) => `${c.code} ${c.name}`)
        .sort(),
    ).toEqual(["京74 北京金融法院", "沪74 上海金融法院", "渝74 成渝金融法院"].sort());
    expect(dir.byCode("沪72")!.name).toBe("上海海事法院");
    expect(dir.byCode("沪7101")).toMatchObject({ name: "上海铁路运输法院", kind: "railway", level: "basic" });
    expect(dir.byCode("军")!.kind).toBe("military");
    expect(dir.byKind("railway").length).toBeGreaterThan(20);
  });

  it("keeps a frozen code from the override table instead of the computed one", () => {
    // 儋州 (now prefecture-level 460400) would compute to 琼0400.
    expect(dir.byId("c-460400")).toMatchObject({ name: "儋州市人民法院", code: "琼9003", source: "assumed" });
    expect(dir.byCode("琼0400")).toBeUndefined();
  });

  it("has at least 3,500 courts besides 10,700–11,100 people's tribunals", () => {
    expect(nonTribunals.length).toBeGreaterThanOrEqual(3500);
    expect(tribunals.length).toBeGreaterThanOrEqual(10700);
    expect(tribunals.length).toBeLessThanOrEqual(11100);
  });

  it("gives every court a complete parent chain ending at the SPC, each parent a level higher", () => {
    const rank = { supreme: 0, high: 1, intermediate: 2, basic: 3, tribunal: 4 };
    // Collected and asserted once: an expect per court would make this test slow.
    const broken = dir.courts.filter((c) => {
      const chain = dir.chain(c.id);
      return chain[0] !== c || chain[chain.length - 1]!.id !== "c-spc" || chain.some((p, i) => i > 0 && rank[p.level] >= rank[chain[i - 1]!.level]);
    });
    expect(broken.map((c) => c.id)).toEqual([]);
    expect(dir.chain("c-440703").map((c) => c.code)).toEqual(["粤0703", "粤07", "粤", "最高法"]);
  });

  it("attaches tribunals to basic courts, named after towns, with the parent's code for case numbers", () => {
    const tangxia = dir.children("c-440703").find((c) => c.name === "江门市蓬江区人民法院棠下人民法庭");
    expect(tangxia).toMatchObject({ kind: "tribunal", code: "", roles: ["collaborating"], caseTypes: [], division: "440703" });
    expect(dir.caseNumberCode(tangxia!.id)).toBe("粤0703");
    const misplaced = tribunals.filter((t) => {
      const parent = dir.byId(t.parentId!);
      return !/^t-\d{9}$/.test(t.id) || parent?.level !== "basic" || !t.name.startsWith(parent.name) || dir.caseNumberCode(t.id) !== parent.code;
    });
    expect(misplaced.map((t) => t.id)).toEqual([]);
  });

  it("follows the role rules and gives jurisdiction courts their default case types", () => {
    const types = (c: Court | undefined) => [...(c?.caseTypes ?? [])].sort();
    expect(types(dir.byCode("最高法"))).toEqual(["civil-retrial-application", "state-compensation"]);
    expect(types(dir.byCode("粤"))).toEqual(["civil-retrial-application", "state-compensation"]);
    expect(types(dir.byCode("粤07"))).toEqual([...CASE_TYPES].sort());
    expect(types(dir.byCode("粤0703"))).toEqual(CASE_TYPES.filter((t) => t !== "civil-retrial-application").sort());
    const upper = (c: Court) => c.kind === "supreme" || c.kind === "high" || c.level === "supreme" || c.level === "high";
    const expected = (c: Court) => (c.kind === "tribunal" ? "collaborating" : upper(c) ? "jurisdiction" : "collaborating,jurisdiction");
    expect(dir.courts.filter((c) => c.roles.join() !== expected(c)).map((c) => c.id)).toEqual([]);
  });

  it("marks every address and contact as sample data, with phones in the never-assigned 000 prefix", () => {
    const notSample = dir.courts.filter((c) => !c.addressSample || c.contacts.length < 1 || c.contacts.length > 2 || c.contacts.some((k) => !k.sample || !/^000-\d{4}-\d{4}$/.test(k.phone)));
    expect(notSample.map((c) => c.id)).toEqual([]);
  });

  it("uses the default working hours unless a court overrides them", () => {
    expect(dir.workingHours("c-440703")).toEqual(["08:30-12:00", "14:00-17:30"]);
    expect(dir.byId("c-650000")!.hours).toBeDefined();
    expect(dir.workingHours("c-650000")).toEqual(dir.byId("c-650000")!.hours);
  });

  it("indexes by province, kind and level consistently with the counts in its header", () => {
    const stats = directoryStats(dir);
    expect(dir.header.counts).toEqual(stats);
    expect(dir.byProvince("44").length).toBe(stats.byProvince["44"]);
    expect(stats.byKind.tribunal).toBe(tribunals.length);
  });

  it("exports to exactly the shipped file, so the generator and the exporter agree on the layout", () => {
    expect(exportDirectory(dir, "json")).toBe(fs.readFileSync(DEFAULT_DATA_FILE, "utf8"));
  });

  it("is what the generator produces from its inputs (deterministic and up to date)", () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "directory-")), "courts.json");
    execFileSync(process.execPath, [path.join(__dirname, "..", "scripts", "generate.js"), "--out", out], { stdio: "pipe" });
    expect(fs.readFileSync(out).equals(fs.readFileSync(DEFAULT_DATA_FILE))).toBe(true);
    fs.rmSync(path.dirname(out), { recursive: true });
  });

  it("stays well below 10 MB", () => {
    expect(fs.statSync(DEFAULT_DATA_FILE).size).toBeLessThan(8 * 1024 * 1024);
  });
});
