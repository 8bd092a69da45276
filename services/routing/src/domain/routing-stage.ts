import type { Court, Directory } from "@kuayu/directory";
import { filingDeadlines, type CaseType } from "@kuayu/domain";
import { checkRouteProblems, workingHoursOf } from "./directory-queries.js";

// The routing stage: a submitted filing (or its correction) becomes a routed one, addressed to the
// jurisdiction court's province with its deadlines, or goes back to the window with every reason.

export interface Submission {
  filingId: string;
  collaboratingCourtId: string;
  jurisdictionCourtId: string;
  caseType: CaseType | undefined;
  round: number;
}

/** Where a filing goes and by when it must be answered, as of its arrival. */
export interface Route {
  /** Province of the jurisdiction court: the partition it goes to. */
  province: string;
  /** Province of the collaborating court: where the materials are. */
  originProvince: string;
  responseDue: Date;
  decisionDue: Date;
  deadlinesEstimated: boolean;
  contact: { name: string; phone: string } | undefined;
  /** What the jurisdiction court's case numbers need. */
  court: { code: string; level: string; kind: string };
}

export type RoutingOutcome = ({ kind: "routed" } & Route) | { kind: "failed"; reasons: string[] };

/**
 * The route from one court to another for a case type whose route rules pass, as of `arrival`:
 * the response is due 30 working minutes later in the jurisdiction court's own working hours, the
 * decision at the end of the case type's statutory period. Counted over a year without the official
 * holiday arrangement, they are provisional (and marked; the decision service recomputes them when
 * the year is loaded).
 */
export function routeOf(dir: Directory, from: Court, to: Court, caseType: CaseType, arrival: Date): Route {
  const deadlines = filingDeadlines(arrival, caseType, workingHoursOf(dir, to));
  const contact = to.contacts[0];
  return {
    province: to.province,
    originProvince: from.province,
    responseDue: deadlines.responseDue,
    decisionDue: deadlines.decisionDue,
    deadlinesEstimated: deadlines.provisional,
    contact: contact && { name: contact.name, phone: contact.phone },
    court: { code: to.code, level: to.level, kind: to.kind },
  };
}

/**
 * Re-validates the route against the directory as it is now (a court may have changed since the
 * window checked it) and computes the deadlines from the arrival (routeOf).
 */
export function routeSubmission(dir: Directory, s: Submission, arrival: Date): RoutingOutcome {
  const from = dir.byId(s.collaboratingCourtId);
  const to = dir.byId(s.jurisdictionCourtId);
  const reasons: string[] = [];
  if (!from) reasons.push(`the collaborating court ${s.collaboratingCourtId} is not in the directory`);
  if (!to) reasons.push(`the jurisdiction court ${s.jurisdictionCourtId} is not in the directory`);
  if (!s.caseType) reasons.push("the filing has no known case type");
  if (s.round < 1) reasons.push(`submission round ${s.round} is not valid`);
  if (reasons.length > 0 || !from || !to || !s.caseType) return { kind: "failed", reasons };
  const problems = checkRouteProblems(from, to, s.caseType);
  if (problems.length > 0) return { kind: "failed", reasons: problems.map((p) => p.message) };

  return { kind: "routed", ...routeOf(dir, from, to, s.caseType, arrival) };
}
