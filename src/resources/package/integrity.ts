import { z } from 'zod';
import { defineResource, FactError, NoOptions, predicate } from '../resource.js';
import type { IntegrityFact, IntegrityFinding } from './integrity-facts.js';
import { systemIntegrityQuery } from './integrity-query.js';

export const VerifiedArgs = z
  .object({
    /** Also fail on configuration files that differ; by default they are listed apart, as the admin's. */
    conffiles: z.boolean().optional(),
  })
  .strict();
export type VerifiedArgs = z.infer<typeof VerifiedArgs>;

/** How many files a message names before it only counts the rest. */
const LISTED_FILES = 20;

function describeFinding(finding: IntegrityFinding): string {
  const owner = finding.package === null ? '' : `${finding.package}: `;
  return `${finding.path} (${owner}${finding.problems.join(', ')})`;
}

function listFindings(findings: readonly IntegrityFinding[]): string {
  const shown = findings.slice(0, LISTED_FILES).map(describeFinding).join('; ');
  const more = findings.length - LISTED_FILES;
  return more > 0 ? `${shown}; and ${more} more` : shown;
}

/**
 * Judges the files against the manager's record. A file that could not be read, or a package
 * with nothing to compare its files with, is an error: never evidence that nothing changed.
 */
export function testVerified(fact: IntegrityFact, args: VerifiedArgs): { pass: boolean; actual: string } {
  const judged = (f: IntegrityFinding) => !f.conffile || args.conffiles === true;
  const unreadable = fact.findings.filter((f) => judged(f) && f.problems.includes('unreadable'));
  if (unreadable.length > 0)
    throw new FactError(
      `${fact.manager} could not verify ${unreadable.length} file(s) (not readable; run as root or with sudo): ` +
        listFindings(unreadable),
    );
  if (fact.unverifiable.length > 0)
    throw new FactError(
      `${fact.unverifiable.length} package(s) have no checksums to verify their files against: ` +
        fact.unverifiable.map((u) => `${u.package} (${u.file})`).join(', '),
    );
  const changed = fact.findings.filter((f) => !f.conffile);
  const conffiles = fact.findings.filter((f) => f.conffile);
  const conffileText =
    conffiles.length === 0 ? '' : `; ${conffiles.length} conffile(s) changed by the admin: ${listFindings(conffiles)}`;
  const failing = fact.findings.filter(judged);
  if (changed.length === 0)
    return {
      pass: failing.length === 0,
      actual: `no package file differs from ${fact.manager}'s record${conffileText}`,
    };
  const differ = `${changed.length} package file(s) differ from ${fact.manager}'s record`;
  return { pass: false, actual: `${differ}: ${listFindings(changed)}${conffileText}` };
}

export function verifiedMatcher() {
  return predicate<IntegrityFact, VerifiedArgs>({
    fact: 'integrity',
    args: VerifiedArgs,
    describe: (args) =>
      args.conffiles ? "match the package manager's record, conffiles included" : "match the package manager's record",
    test: testVerified,
  });
}

/** "/" or "/usr/bin": an absolute path, without a trailing slash but for "/" itself. */
const RootSchema = z
  .string()
  .refine((p) => p.startsWith('/'), 'a path must be absolute (start with "/")')
  .refine((p) => p === '/' || !p.endsWith('/'), 'a path must not end with "/"')
  .refine((p) => !/[\0\n\r]/.test(p), 'a path cannot contain a NUL byte or a line break');

/** The top directories a merged /usr makes links into /usr: dpkg names `/bin/ls` what is `/usr/bin/ls`. */
const MERGED_USR = /^\/(bin|sbin|lib|lib32|lib64|libx32)(\/|$)/;

/**
 * A path the manager names by the top directory also counts under its /usr twin: on a merged-/usr
 * system `/bin/ls` is `/usr/bin/ls`. Elsewhere that only widens what a check under /usr judges.
 */
function under(root: string, path: string): boolean {
  const inside = (p: string) => root === '/' || p === root || p.startsWith(`${root}/`);
  return inside(path) || (MERGED_USR.test(path) && inside(`/usr${path}`));
}

/** The fact narrowed to the files under one tree; packages without checksums stay (their files are unknown). */
function within(fact: IntegrityFact, root: string): IntegrityFact {
  return { ...fact, findings: fact.findings.filter((f) => under(root, f.path)) };
}

export const packageIntegrityResource = defineResource({
  type: 'package_integrity',
  dslName: 'packageIntegrity',
  summary:
    "The installed packages' files under a path, checked against the package manager's own records " +
    '(dpkg --verify and md5sums, rpm -Va, apk audit): no baseline needed.',
  subject: RootSchema,
  options: NoOptions,
  title: (root: string) => `package files under ${root}`,
  facts: {
    // One query for every subject; each subject parses it into the findings under its own tree.
    integrity: (root: string) => {
      const query = systemIntegrityQuery();
      return { ...query, parse: (frame, host) => within(query.parse(frame, host), root) };
    },
  },
  matchers: { verified: verifiedMatcher() },
});
