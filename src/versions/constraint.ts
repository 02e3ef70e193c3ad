/**
 * Version constraints such as `>= 1.2, < 2.0`, evaluated with the ordering
 * rules of one package format.
 */
import { compareApkVersions, parseApkVersion } from './apk.js';
import { compareDpkgVersions, parseDpkgVersion } from './dpkg.js';
import { comparePacmanVersions, parsePacmanVersion } from './pacman.js';
import { compareRpmVersions, parseRpmVersion } from './rpm.js';

export const VERSION_FORMATS = ['dpkg', 'rpm', 'apk', 'pacman'] as const;
export type VersionFormat = (typeof VERSION_FORMATS)[number];

export type ConstraintOperator = '>=' | '>' | '<=' | '<' | '=' | '!=';

export interface VersionClause {
  readonly op: ConstraintOperator;
  readonly version: string;
}

/** A conjunction: a version satisfies it when it satisfies every clause. */
export type VersionConstraint = readonly VersionClause[];

interface FormatRules {
  readonly compare: (a: string, b: string) => -1 | 0 | 1;
  readonly validate: (version: string) => unknown;
}

const FORMAT_RULES: Readonly<Record<VersionFormat, FormatRules>> = {
  dpkg: { compare: compareDpkgVersions, validate: parseDpkgVersion },
  rpm: { compare: compareRpmVersions, validate: parseRpmVersion },
  apk: { compare: compareApkVersions, validate: parseApkVersion },
  pacman: { compare: comparePacmanVersions, validate: parsePacmanVersion },
};

/** Accepted spellings, longest first so that `>=` is not read as `>`. */
const OPERATOR_SPELLINGS: ReadonlyArray<readonly [string, ConstraintOperator]> = [
  ['>=', '>='],
  ['<=', '<='],
  ['==', '='],
  ['!=', '!='],
  ['>>', '>'],
  ['<<', '<'],
  ['>', '>'],
  ['<', '<'],
  ['=', '='],
];
const OPERATOR_LIST = OPERATOR_SPELLINGS.map(([spelling]) => spelling).join(' ');
const EXAMPLE = '">= 1.2, < 2.0"';
/** Every character dpkg, rpm, apk or pacman allows in a version; anything else can never match. */
const VERSION_CHARACTERS = /^[A-Za-z0-9._+~^:-]+$/;
const ALLOWED = 'A-Z a-z 0-9 . _ + ~ ^ : -';

export function compareVersions(a: string, b: string, format: VersionFormat): -1 | 0 | 1 {
  return rulesFor(format).compare(a, b);
}

/**
 * Parses `1.2`, `= 1.2`, `!= 1.2`, `>= 1:9.2`, `<< 2` ... or a comma-separated
 * conjunction of them. With `format`, every version is also checked to be
 * valid in that format, so that typos surface when a spec is loaded.
 */
export function parseVersionConstraint(text: string, format?: VersionFormat): VersionConstraint {
  const rules = format === undefined ? undefined : rulesFor(format);
  if (text.trim() === '') {
    throw new Error(
      `Invalid version constraint "${text}": it is empty; expected a version or comparisons like ${EXAMPLE}`,
    );
  }
  const parts = text.split(',');
  return parts.map((part, index) => {
    const clause = parseClause(part.trim(), (problem) => {
      const where = parts.length > 1 ? ` in clause ${index + 1} ("${part.trim()}")` : '';
      return new Error(`Invalid version constraint "${text}"${where}: ${problem}`);
    });
    if (rules !== undefined) validateClauseVersion(clause, rules, text);
    return clause;
  });
}

function parseClause(clause: string, error: (problem: string) => Error): VersionClause {
  if (clause === '') throw error(`empty clause; expected a comparison like "< 2.0" between the commas`);
  const [, operatorText = '', rest = ''] = /^([<>=!]*)\s*(.*)$/s.exec(clause) ?? [];
  const op = operatorText === '' ? '=' : OPERATOR_SPELLINGS.find(([spelling]) => spelling === operatorText)?.[1];
  if (op === undefined) throw error(`unknown operator "${operatorText}"; expected one of ${OPERATOR_LIST}`);
  const [version = '', ...extra] = rest.split(/\s+/);
  if (version === '') throw error(`no version after the operator "${operatorText}"`);
  if (!/[0-9A-Za-z]/.test(version)) throw error(`unknown operator "${version}"; expected one of ${OPERATOR_LIST}`);
  if (extra.length > 0) {
    const unexpected = extra.join(' ');
    throw error(
      `unexpected "${unexpected}" after the version "${version}"; separate several comparisons with commas, as in ` +
        `${EXAMPLE}`,
    );
  }
  if (/[<>=!]/.test(version)) {
    throw error(`the version "${version}" contains an operator character; write the operator first, as in "${op} 1.2"`);
  }
  if (!VERSION_CHARACTERS.test(version)) {
    throw error(`the version "${version}" has a character no package manager uses in versions (allowed: ${ALLOWED})`);
  }
  return { op, version };
}

function validateClauseVersion(clause: VersionClause, rules: FormatRules, text: string): void {
  try {
    rules.validate(clause.version);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new Error(`Invalid version constraint "${text}": ${reason}`, { cause });
  }
}

export function satisfiesVersionConstraint(
  actual: string,
  constraint: VersionConstraint | string,
  format: VersionFormat,
): boolean {
  const clauses = typeof constraint === 'string' ? parseVersionConstraint(constraint, format) : constraint;
  const { compare } = rulesFor(format);
  return clauses.every(({ op, version }) => operatorHolds(op, compare(actual, version)));
}

function operatorHolds(op: ConstraintOperator, order: -1 | 0 | 1): boolean {
  switch (op) {
    case '>=':
      return order >= 0;
    case '>':
      return order > 0;
    case '<=':
      return order <= 0;
    case '<':
      return order < 0;
    case '=':
      return order === 0;
    case '!=':
      return order !== 0;
  }
}

/** Canonical text of a constraint, e.g. for reports: `>= 1.2, < 2.0`. */
export function formatVersionConstraint(constraint: VersionConstraint): string {
  return constraint.map(({ op, version }) => `${op} ${version}`).join(', ');
}

function rulesFor(format: VersionFormat): FormatRules {
  // Formats often come from YAML specs, so guard beyond what the type promises.
  if (!Object.hasOwn(FORMAT_RULES, format)) {
    throw new Error(`Unknown version format "${String(format)}"; expected one of ${VERSION_FORMATS.join(', ')}`);
  }
  return FORMAT_RULES[format];
}
