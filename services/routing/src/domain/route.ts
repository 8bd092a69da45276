import type { Court, Directory } from "@kuayu/directory";
import { filingDeadlines, type CaseType } from "@kuayu/domain";
import { workingHoursOf } from "./directory-queries.js";

// A route: where a filing goes and by when it must be answered. Intake asks for it (ValidateRoute)
// when a submission or correction is committed, and its FilingRouted carries it.

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
