// The drill plan (演练方案): which court files which case type with which jurisdiction court, the
// generated parties, and what the simulated specialist will do. Pure and seeded: the same
// directory, options and seed give the same plan, filing for filing.
import { CASE_TYPES, applicableMaterials, validateCreditCode, validateResidentId, type CaseType, type CourtKind, type CourtLevel } from "@kuayu/domain";
import { resolveJurisdiction, type Court, type Directory, type JurisdictionQuery } from "@kuayu/directory";
import { unsafeUniformIntDistribution, xoroshiro128plus, type RandomGenerator } from "pure-rand";

/** How long a simulated specialist waits before a step, in milliseconds. */
export type Delay = { kind: "fixed"; ms: number } | { kind: "uniform"; minMs: number; maxMs: number } | { kind: "exponential"; meanMs: number };

export interface PlanOptions {
  seed: number;
  /** Filing courts' provinces (two-digit codes); empty: every province. */
  provinces?: readonly string[];
  /** Jurisdiction courts' provinces; empty: every province. */
  toProvinces?: readonly string[];
  /** Filing courts' kinds (tribunal, basic, …); empty: every kind that may collaborate. */
  kinds?: readonly CourtKind[];
  caseTypes?: readonly CaseType[];
  /** Share (0, 1] of the (court, case type) filings kept, chosen by the seed. */
  fraction?: number;
  /** At most this many filings (after the fraction), the first of the seeded order. */
  limit?: number;
  /** Share of filings the specialist sends back for corrections (补正) before deciding. */
  corrections: number;
  /** Share of filings not accepted (不予受理). */
  rejections: number;
  ackDelay: Delay;
  decideDelay: Delay;
}

export type SpecialistAction = "accept" | "reject" | "correct-then-accept";

/** Plain filing details (the proto's shape with string enums); run.ts turns them into messages. */
export interface PlannedDetails {
  caseType: CaseType;
  plaintiff: { name: string; residentId: string; address: string; phone: string };
  defendant: { kind: "person"; name: string; address: string } | { kind: "organization"; name: string; creditCode: string; legalRepresentative: string; address: string };
  claims: string;
  facts: string;
  jurisdictionCourtId: string;
  jurisdictionSource: "finder" | "clerk";
  jurisdictionBasis: string;
}

export interface PlannedFiling {
  /** `<collaborating court>:<case type>` — unique in a plan; the drill's idempotency keys derive from it. */
  key: string;
  from: { id: string; province: string; level: CourtLevel; kind: CourtKind };
  to: { id: string; province: string; level: CourtLevel };
  details: PlannedDetails;
  /** Checklist items to upload (the details provide the opposing party's particulars). */
  materials: string[];
  action: SpecialistAction;
  ackDelayMs: number;
  decideDelayMs: number;
}

export interface DrillPlan {
  seed: number;
  filings: PlannedFiling[];
  /** Jurisdiction courts in scope (accepting at least one planned case type). */
  jurisdictionCourts: number;
  /** Of those, how many the plan files with. */
  jurisdictionCourtsReached: number;
  /** (court, case type) pairs the finder never names, filed with the clerk's choice instead. */
  clerkChosenPairs: number;
}

export class PlanError extends Error {}

/** "0", "1500ms", "2s", "200ms-2s" (uniform), "exp:1s" (exponential with that mean). */
export function parseDelay(text: string): Delay {
  const t = text.trim();
  const ms = (s: string): number => {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(s.trim());
    if (!m) throw new PlanError(`not a duration: "${s}" (use e.g. 500ms, 2s, 1m)`);
    return Math.round(Number(m[1]) * (m[2] === "m" ? 60_000 : m[2] === "s" ? 1000 : 1));
  };
  if (t.startsWith("exp:")) return { kind: "exponential", meanMs: ms(t.slice(4)) };
  const range = t.split("-");
  if (range.length === 2) {
    const [minMs, maxMs] = [ms(range[0]!), ms(range[1]!)];
    if (maxMs < minMs) throw new PlanError(`the range "${t}" ends before it starts`);
    return { kind: "uniform", minMs, maxMs };
  }
  return { kind: "fixed", ms: ms(t) };
}

/** A seeded random source over pure-rand. */
export interface Random {
  int(min: number, max: number): number;
  /** In [0, 1). */
  next(): number;
}
export function random(seed: number): Random {
  const g: RandomGenerator = xoroshiro128plus(seed);
  const int = (min: number, max: number) => unsafeUniformIntDistribution(min, max, g);
  return { int, next: () => int(0, 2 ** 30 - 1) / 2 ** 30 };
}

export function sampleDelay(d: Delay, rnd: Random): number {
  if (d.kind === "fixed") return d.ms;
  if (d.kind === "uniform") return rnd.int(d.minMs, d.maxMs);
  return Math.round(-Math.log(1 - rnd.next()) * d.meanMs);
}

function shuffle<T>(list: T[], rnd: Random): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = rnd.int(0, i);
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

// ---- generated parties ---------------------------------------------------------------------------

const SURNAMES =
  "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
const GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉鹏宇晨浩然欣怡子涵梓睿";
const TRADES = ["商贸", "建设工程", "物流", "科技", "食品", "纺织", "医药", "物业服务", "机械设备", "文化传媒"];

/** A resident ID (GB 11643) of a person born in `division`, with the check character that makes it valid. */
function residentId(division: string, rnd: Random): string {
  const birth = `${rnd.int(1950, 2000)}${String(rnd.int(1, 12)).padStart(2, "0")}${String(rnd.int(1, 28)).padStart(2, "0")}`;
  const body = `${division}${birth}${String(rnd.int(0, 999)).padStart(3, "0")}`;
  const id = [..."0123456789X"].map((c) => body + c).find((c) => validateResidentId(c) === undefined);
  if (!id) throw new PlanError(`no valid resident ID for division ${division}`);
  return id;
}

/** A unified social credit code (GB 32100) registered in `division`, with its check character. */
function creditCode(division: string, rnd: Random): string {
  const chars = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  let org = "";
  for (let i = 0; i < 9; i++) org += chars[rnd.int(0, 30)];
  const body = `91${division}${org}`;
  const code = [...chars].map((c) => body + c).find((c) => validateCreditCode(c) === undefined);
  if (!code) throw new PlanError(`no valid credit code for division ${division}`);
  return code;
}

const personName = (rnd: Random) => SURNAMES[rnd.int(0, SURNAMES.length - 1)]! + GIVEN[rnd.int(0, GIVEN.length - 1)]! + (rnd.int(0, 1) ? GIVEN[rnd.int(0, GIVEN.length - 1)]! : "");
// A person's division must be a real GB/T 2260 code; national courts ("000000") file for a Beijing resident.
const homeDivision = (c: Court) => (/^\d{6}$/.test(c.division) && c.division !== "000000" ? c.division : "110105");

const CLAIMS: Record<CaseType, { claims: string; facts: string; defendant: "person" | "organization"; organ?: string }> = {
  "civil-first-instance": { claims: "判令被告支付货款人民币五万元及逾期付款利息", facts: "原被告签订买卖合同，原告已依约交货，被告至今未付货款。（演练数据）", defendant: "organization" },
  "administrative-first-instance": {
    claims: "请求撤销被告作出的行政处罚决定",
    facts: "被告作出的行政处罚决定认定事实不清、适用法律错误。（演练数据）",
    defendant: "organization",
    organ: "市场监督管理局",
  },
  enforcement: { claims: "申请强制执行生效判决确定的给付义务人民币八万元", facts: "判决已发生法律效力，被执行人未按期履行。（演练数据）", defendant: "organization" },
  "criminal-private-prosecution": { claims: "请求依法追究被告人侮辱罪的刑事责任", facts: "被告人在公共场所公然侮辱自诉人，情节严重。（演练数据）", defendant: "person" },
  "state-compensation": { claims: "请求赔偿义务机关支付错误羁押赔偿金", facts: "申请人被错误羁押后经依法宣告无罪。（演练数据）", defendant: "organization", organ: "公安局" },
  "civil-retrial-application": { claims: "请求对已经发生法律效力的民事判决进行再审", facts: "原判决认定的基本事实缺乏证据证明。（演练数据）", defendant: "organization" },
};

function plannedDetails(from: Court, to: Court, type: CaseType, basis: { source: "finder" | "clerk"; text: string }, rnd: Random): PlannedDetails {
  const text = CLAIMS[type];
  const toDivision = homeDivision(to);
  const defendant: PlannedDetails["defendant"] =
    text.defendant === "person"
      ? { kind: "person", name: personName(rnd), address: `${to.address || to.name}${rnd.int(1, 300)}号（演练）` }
      : {
          kind: "organization",
          name: `${to.name.replace(/人民法院.*$/, "")}${text.organ ?? `${TRADES[rnd.int(0, TRADES.length - 1)]}有限公司`}（演练）`,
          creditCode: creditCode(toDivision, rnd),
          legalRepresentative: personName(rnd),
          address: `${to.address || to.name}${rnd.int(1, 300)}号（演练）`,
        };
  return {
    caseType: type,
    plaintiff: {
      name: personName(rnd),
      residentId: residentId(homeDivision(from), rnd),
      address: `${from.address || from.name}${rnd.int(1, 300)}号（演练）`,
      phone: `139${String(rnd.int(0, 99_999_999)).padStart(8, "0")}`,
    },
    defendant,
    claims: text.claims,
    facts: text.facts,
    jurisdictionCourtId: to.id,
    jurisdictionSource: basis.source,
    jurisdictionBasis: basis.source === "finder" ? basis.text : "",
  };
}

// ---- which court hears what ----------------------------------------------------------------------

/** Queries tried, in order, to make the finder name `court` for `type` (parties placed in its area). */
function queriesFor(dir: Directory, court: Court, type: CaseType): JurisdictionQuery[] {
  const place = homeDivision(court);
  const base: JurisdictionQuery = { caseType: type, defendantDomiciles: [place], plaintiffDomicile: place };
  const qs: JurisdictionQuery[] = [base];
  if (type === "enforcement") qs.push({ ...base, originalCourtId: court.id }, { ...base, propertyPlace: place });
  if (type === "civil-retrial-application") {
    for (const child of dir
      .children(court.id)
      .filter((c) => c.kind !== "tribunal")
      .slice(0, 3))
      qs.push({ ...base, originalCourtId: child.id });
    qs.push({ ...base, originalCourtId: court.id, partiesAreCitizensOrNumerous: true });
  }
  if (type === "state-compensation") qs.push({ ...base, liableOrganDivision: place });
  if (type === "criminal-private-prosecution") qs.push({ ...base, tortPlace: place });
  if (type === "administrative-first-instance") qs.push({ ...base, administrativeOrgan: place });
  qs.push(
    { ...base, maritime: true, portDivision: place },
    { ...base, intellectualProperty: true, ipKind: "technical" },
    { ...base, intellectualProperty: true, ipKind: "other" },
    { ...base, ecommercePlatform: true },
    { ...base, financial: true },
  );
  return qs;
}

interface Target {
  court: Court;
  basis: { source: "finder" | "clerk"; text: string };
}

/** The finder's legal basis for naming `court`, or undefined when no generated parties lead there. */
function finderBasis(dir: Directory, court: Court, type: CaseType): string | undefined {
  for (const q of queriesFor(dir, court, type)) {
    let found;
    try {
      found = resolveJurisdiction(dir, q).find((c) => c.court.id === court.id);
    } catch {
      continue; // the query does not fit this case type
    }
    if (found) return found.basis;
  }
  return undefined;
}

const inProvinces = (list: readonly string[] | undefined, p: string) => !list || list.length === 0 || list.includes(p);

/** Builds the plan. Throws PlanError for options that select nothing or make no sense. */
export function planDrill(dir: Directory, o: PlanOptions): DrillPlan {
  if (o.fraction !== undefined && !(o.fraction > 0 && o.fraction <= 1)) throw new PlanError("--fraction must be in (0, 1]");
  if (!(o.corrections >= 0 && o.rejections >= 0 && o.corrections + o.rejections <= 1)) throw new PlanError("--corrections and --rejections are shares that together must not exceed 1");
  const rnd = random(o.seed);
  const types = o.caseTypes && o.caseTypes.length > 0 ? CASE_TYPES.filter((t) => o.caseTypes!.includes(t)) : [...CASE_TYPES];

  const filers = dir.courts.filter((c) => c.roles.includes("collaborating") && inProvinces(o.provinces, c.province) && (!o.kinds || o.kinds.length === 0 || o.kinds.includes(c.kind)));
  if (filers.length === 0) throw new PlanError("no collaborating court matches the chosen provinces and kinds");

  // Every (jurisdiction court, case type) pair in scope, in a seeded order; filings of a type take them round-robin.
  const targets = new Map<CaseType, Target[]>();
  const inScope = new Set<string>();
  let clerkChosenPairs = 0;
  for (const type of types) {
    const list: Target[] = [];
    for (const court of dir.courts) {
      if (!court.roles.includes("jurisdiction") || !court.caseTypes.includes(type) || !inProvinces(o.toProvinces, court.province)) continue;
      const basis = finderBasis(dir, court, type);
      if (!basis) clerkChosenPairs++;
      list.push({ court, basis: basis ? { source: "finder", text: basis } : { source: "clerk", text: "" } });
      inScope.add(court.id);
    }
    targets.set(type, shuffle(list, rnd));
  }

  let items = filers.flatMap((c) => types.map((t) => ({ from: c, type: t })));
  shuffle(items, rnd);
  if (o.fraction !== undefined && o.fraction < 1) items = items.slice(0, Math.max(1, Math.round(items.length * o.fraction)));
  if (o.limit !== undefined) items = items.slice(0, o.limit);

  const next = new Map<CaseType, number>(types.map((t) => [t, 0]));
  const reached = new Set<string>();
  const filings: PlannedFiling[] = [];
  for (const { from, type } of items) {
    const list = targets.get(type)!;
    if (list.length === 0) continue; // no court in scope hears this type
    let i = next.get(type)!;
    let target = list[i % list.length]!;
    if (target.court.id === from.id) target = list[++i % list.length]!;
    if (target.court.id === from.id) continue; // the only court in scope is the filer itself
    next.set(type, i + 1);
    reached.add(target.court.id);
    const r = rnd.next();
    const action: SpecialistAction = r < o.corrections ? "correct-then-accept" : r < o.corrections + o.rejections ? "reject" : "accept";
    filings.push({
      key: `${from.id}:${type}`,
      from: { id: from.id, province: from.province, level: from.level, kind: from.kind },
      to: { id: target.court.id, province: target.court.province, level: target.court.level },
      details: plannedDetails(from, target.court, type, target.basis, rnd),
      materials: applicableMaterials(type, [])
        .map((m) => m.id)
        .filter((id) => id !== "opposing-party-details"),
      action,
      ackDelayMs: sampleDelay(o.ackDelay, rnd),
      decideDelayMs: sampleDelay(o.decideDelay, rnd),
    });
  }
  if (filings.length === 0) throw new PlanError("the chosen subset has no filing: no jurisdiction court in scope hears its case types");
  return { seed: o.seed, filings, jurisdictionCourts: inScope.size, jurisdictionCourtsReached: reached.size, clerkChosenPairs };
}
