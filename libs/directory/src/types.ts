import type { CaseType, CourtKind, CourtLevel, CourtRole } from "@kuayu/domain";

/**
 * Where an entry's facts come from; the data file's header.facts explains each for the shipped file.
 * official = imported from the courts' own list (what operators should end up with).
 */
export const COURT_SOURCES = ["official", "verified", "derived", "rule", "assumed", "generated"] as const;
export type CourtSource = (typeof COURT_SOURCES)[number];

/** A person to call about cross-domain filings at a court, e.g. its specialist (跨域立案专员). */
export interface Contact {
  readonly name: string;
  readonly phone: string;
  readonly role: string;
  /** True for made-up sample contacts; real ones come from the operator's import. */
  readonly sample: boolean;
}

/** One court or people's tribunal (人民法庭) in the national directory. */
export interface Court {
  /** Stable across regenerations: c-<division> for division courts, c-<slug> for others, t-<town code> for tribunals. */
  readonly id: string;
  readonly name: string;
  /** Court code (法院代字) used in case numbers; empty for tribunals, whose cases carry their parent's code. */
  readonly code: string;
  readonly kind: CourtKind;
  readonly level: CourtLevel;
  /** Two-digit GB/T 2260 province code; "00" for courts with national jurisdiction. */
  readonly province: string;
  /** Six-digit GB/T 2260 division the court serves or sits in; "000000" for national courts. */
  readonly division: string;
  /** null only for the SPC. */
  readonly parentId: string | null;
  readonly roles: readonly CourtRole[];
  /** Case types the court accepts as jurisdiction court (管辖法院); empty without that role. */
  readonly caseTypes: readonly CaseType[];
  /** Working hours as "HH:MM-HH:MM" in Asia/Shanghai; absent means the directory default. */
  readonly hours?: readonly string[];
  readonly address: string;
  readonly addressSample: boolean;
  readonly contacts: readonly Contact[];
  readonly source: CourtSource;
}

export interface DirectoryHeader {
  readonly format: "kuayu-court-directory";
  readonly version: 1;
  readonly defaults: { readonly timeZone: string; readonly hours: readonly string[] };
  /** The shipped file also carries generatedFrom, counts, facts and skipped divisions. */
  readonly [extra: string]: unknown;
}

/** The loaded directory with its lookups. Lists are shared: do not mutate them. */
export interface Directory {
  readonly header: DirectoryHeader;
  readonly courts: readonly Court[];
  byId(id: string): Court | undefined;
  /** Courts with their own code; tribunals are not found here. */
  byCode(code: string): Court | undefined;
  children(id: string): readonly Court[];
  byProvince(province: string): readonly Court[];
  byKind(kind: CourtKind): readonly Court[];
  byLevel(level: CourtLevel): readonly Court[];
  /** The court followed by its parents up to the SPC; empty for an unknown id. */
  chain(id: string): readonly Court[];
  /** The code a court's case numbers carry: its own, or for a tribunal its basic court's. */
  caseNumberCode(id: string): string | undefined;
  /** The court's working hours, or the directory default. */
  workingHours(id: string): readonly string[] | undefined;
}

export const PROBLEM_CODES = [
  "syntax",
  "shape",
  "unknown-field",
  "duplicate-id",
  "duplicate-code",
  "missing-code",
  "tribunal-code",
  "unknown-kind",
  "unknown-level",
  "kind-level",
  "bad-province",
  "bad-division",
  "bad-parent",
  "unknown-parent",
  "parent-cycle",
  "unknown-role",
  "role-rule",
  "unknown-case-type",
  "bad-hours",
  "bad-contact",
  "bad-source",
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

/** One thing wrong with an entry (or the input), located by entry index and, for imports, line. */
export interface Problem {
  readonly code: ProblemCode;
  readonly message: string;
  /** 0-based position of the entry in the list. */
  readonly index?: number;
  /** 1-based line in the imported text where the entry starts. */
  readonly line?: number;
  readonly id?: string;
  readonly field?: string;
}

export type ImportFormat = "json" | "csv";

export type ImportResult = { readonly ok: true; readonly courts: Court[]; readonly header?: DirectoryHeader } | { readonly ok: false; readonly problems: Problem[] };
