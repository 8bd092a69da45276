import { CASE_TYPES, caseTypeInfo, type CaseType } from "./case-types.js";
import type { CourtKind, CourtLevel, CourtRole } from "./courts.js";

/** What the route rules need to know about a court; the directory's court record has more. */
export interface RouteCourt {
  id: string;
  kind: CourtKind;
  level: CourtLevel;
  roles: readonly CourtRole[];
  /** Case types it accepts as jurisdiction court (管辖法院). */
  acceptsCaseTypes: readonly CaseType[];
}

/** A cross-domain route: the filer goes to the collaborating court (协作法院), which files with the jurisdiction court (管辖法院). */
export interface Route {
  collaboratingCourt: RouteCourt;
  jurisdictionCourt: RouteCourt;
  caseType: CaseType;
}

export const ROUTE_PROBLEM_CODES = [
  "same-court",
  "tribunal-as-jurisdiction-court",
  "upper-court-as-collaborating-court",
  "collaborating-role-missing",
  "jurisdiction-role-missing",
  "case-type-not-accepted",
] as const;
export type RouteProblemCode = (typeof ROUTE_PROBLEM_CODES)[number];

export interface RouteProblem {
  code: RouteProblemCode;
  message: string;
}

interface KindDefaults {
  roles: readonly CourtRole[];
  /** Accepted as jurisdiction court unless the directory says otherwise. */
  acceptsCaseTypes: readonly CaseType[];
}

const BOTH: readonly CourtRole[] = ["collaborating", "jurisdiction"];

/**
 * Defaults per court kind. Roles are verified (docs/domain.md (Courts): SPC and high courts only jurisdiction,
 * tribunals only collaborating, all others both). Case types are partly assumed, as marked; the
 * directory can override them per court.
 */
const KIND_DEFAULTS: Readonly<Record<CourtKind, KindDefaults>> = {
  // Verified: retrial applications go to upper courts (docs/domain.md); intermediate and higher courts
  // have a compensation committee (赔偿委员会, 委赔). Assumed: nothing else reaches them cross-domain.
  supreme: { roles: ["jurisdiction"], acceptsCaseTypes: ["civil-retrial-application", "state-compensation"] },
  high: { roles: ["jurisdiction"], acceptsCaseTypes: ["civil-retrial-application", "state-compensation"] },
  intermediate: { roles: BOTH, acceptsCaseTypes: CASE_TYPES },
  // Assumed: first instance of every kind, enforcement, and 法赔 where the court itself is the liable
  // organ; retrial applications go to the court above.
  basic: { roles: BOTH, acceptsCaseTypes: CASE_TYPES.filter((t) => t !== "civil-retrial-application") },
  // Assumed (maritime courts also hear some maritime administrative cases; not included yet).
  maritime: { roles: BOTH, acceptsCaseTypes: ["civil-first-instance", "enforcement"] },
  // Assumed; IP civil cases are numbered 知民初.
  "intellectual-property": { roles: BOTH, acceptsCaseTypes: ["civil-first-instance", "administrative-first-instance"] },
  // Assumed, for the kinds of administrative case their founding rules assign to them.
  internet: { roles: BOTH, acceptsCaseTypes: ["civil-first-instance", "administrative-first-instance", "enforcement"] },
  financial: { roles: BOTH, acceptsCaseTypes: ["civil-first-instance", "administrative-first-instance", "enforcement"] },
  // Assumed: railway courts often hear centrally assigned administrative cases.
  railway: { roles: BOTH, acceptsCaseTypes: ["civil-first-instance", "administrative-first-instance", "enforcement"] },
  // Assumed: military courts take no public filings; the directory can opt one in.
  military: { roles: BOTH, acceptsCaseTypes: [] },
  // Verified: a people's tribunal (人民法庭) is never a jurisdiction court.
  tribunal: { roles: ["collaborating"], acceptsCaseTypes: [] },
};

/** Roles a court of this kind has unless the directory says otherwise. */
export function defaultRoles(kind: CourtKind): readonly CourtRole[] {
  return KIND_DEFAULTS[kind].roles;
}

/** Case types a court of this kind accepts as jurisdiction court unless the directory says otherwise. */
export function defaultAcceptedCaseTypes(kind: CourtKind): readonly CaseType[] {
  return KIND_DEFAULTS[kind].acceptsCaseTypes;
}

const isTribunal = (c: RouteCourt) => c.kind === "tribunal" || c.level === "tribunal";
// The XPCC branch court is kind `high`; a high-level special court (e.g. the PLA military court) is caught by level.
const isUpperCourt = (c: RouteCourt) => c.kind === "supreme" || c.kind === "high" || c.level === "supreme" || c.level === "high";

/** Every reason the route cannot be used; empty when it can. */
export function validateRoute({ collaboratingCourt: from, jurisdictionCourt: to, caseType }: Route): RouteProblem[] {
  const problems: RouteProblem[] = [];
  const add = (code: RouteProblemCode, message: string) => problems.push({ code, message });
  if (from.id === to.id) {
    add("same-court", `The collaborating court and the jurisdiction court are the same court (${to.id}); file there directly.`);
  }
  if (isTribunal(to)) {
    add("tribunal-as-jurisdiction-court", `Court ${to.id} is a people's tribunal, and tribunals never act as jurisdiction courts.`);
  }
  if (isUpperCourt(from)) {
    add("upper-court-as-collaborating-court", `Court ${from.id} is the Supreme People's Court or a high court, which never act as collaborating courts.`);
  }
  if (!from.roles.includes("collaborating")) {
    add("collaborating-role-missing", `Court ${from.id} does not have the collaborating court role.`);
  }
  if (!to.roles.includes("jurisdiction")) {
    add("jurisdiction-role-missing", `Court ${to.id} does not have the jurisdiction court role.`);
  }
  if (!to.acceptsCaseTypes.includes(caseType)) {
    add("case-type-not-accepted", `Court ${to.id} does not accept ${caseTypeInfo(caseType).name} (${caseType}) as jurisdiction court.`);
  }
  return problems;
}
