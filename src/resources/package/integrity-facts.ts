import { z } from 'zod';
import { FactError, validateFact } from '../resource.js';
import { PACKAGE_MANAGERS } from './facts.js';

/**
 * What the manager says differs from its record of a file. `unreadable`: the file could not be
 * checked at all (rpm and dpkg print `?`, apk an `e` line), which is never evidence of "unchanged".
 */
export const IntegrityProblemSchema = z.enum([
  'checksum',
  'missing',
  'size',
  'mode',
  'owner',
  'group',
  'link',
  'device',
  'mtime',
  'capabilities',
  'metadata',
  'xattrs',
  'unreadable',
]);
export type IntegrityProblem = z.infer<typeof IntegrityProblemSchema>;

export const IntegrityFindingSchema = z.object({
  path: z.string().min(1),
  /** The package that owns the file; null where the manager's output does not say (apk audit). */
  package: z.string().nullable(),
  /** A configuration file (dpkg conffile, rpm %config, apk protected path): the admin may change it. */
  conffile: z.boolean(),
  problems: z.array(IntegrityProblemSchema).min(1),
});
export type IntegrityFinding = z.infer<typeof IntegrityFindingSchema>;

/** A package with files but no checksums to compare them with (a dpkg package without md5sums). */
export const UnverifiableSchema = z.object({ package: z.string().min(1), file: z.string().min(1) });
export type Unverifiable = z.infer<typeof UnverifiableSchema>;

export const IntegrityFactSchema = z.object({
  manager: z.enum(PACKAGE_MANAGERS),
  findings: z.array(IntegrityFindingSchema),
  unverifiable: z.array(UnverifiableSchema),
});
export type IntegrityFact = z.infer<typeof IntegrityFactSchema>;

export function integrityFact(fact: IntegrityFact, what: string): IntegrityFact {
  return validateFact(IntegrityFactSchema, fact, what);
}

/** rpm's result letters in their columns (rpm(8) VERIFY OPTIONS); dpkg --verify uses the same layout. */
const VERIFY_COLUMNS: readonly IntegrityProblem[] = [
  'size',
  'mode',
  'checksum',
  'device',
  'link',
  'owner',
  'group',
  'mtime',
  'capabilities',
];

export interface VerifyLine {
  path: string;
  conffile: boolean;
  problems: IntegrityProblem[];
}

/**
 * The differences that nine result letters such as `S.5....T.` or `??5??????` name. A `?` is a
 * test not done: dpkg does only the checksum and prints `?` for the rest, and both print `?` where
 * the file could not be read. A file whose checksum was not compared is `unreadable`, never unchanged.
 */
export function verifyProblems(flags: string, line: string, what: string): IntegrityProblem[] {
  const problems = VERIFY_COLUMNS.filter((_, i) => flags[i] !== '.' && flags[i] !== '?');
  if (flags[2] === '?') return [...problems, 'unreadable'];
  if (problems.length === 0) throw new FactError(`${what}: a line without a difference ${JSON.stringify(line)}`);
  return problems;
}

/** The lines of a tool's output, the empty ones left out. */
export function linesOf(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}
