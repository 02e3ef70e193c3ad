import { z } from 'zod';
import { parseVersionConstraint, satisfiesVersionConstraint, type VersionFormat } from '../../versions/index.js';
import { attribute, defineResource, FactError, NoOptions, predicate } from '../resource.js';
import type { PackageFact, PackageInstance, SupportedPackageManager } from './facts.js';
import { verifiedMatcher } from './integrity.js';
import { packageIntegrityQuery } from './integrity-query.js';
import { packageQuery } from './query.js';

export {
  APK_DATABASES,
  DPKG_FORMAT,
  PACKAGE_MANAGERS,
  PackageFactSchema,
  PackageInstanceSchema,
  PresenceSchema,
  RPM_FORMAT,
  type PackageFact,
  type PackageInstance,
  type Presence,
  type SupportedPackageManager,
} from './facts.js';
export { parseApkDatabase, parseApkRecords } from './apk.js';
export { parseDpkgLine, parseDpkgQuery } from './dpkg.js';
export { parsePacmanInfo, parsePacmanQuery } from './pacman.js';
export { packageGroupScript, packageScript, parsePackageFrame } from './query.js';
export { parseRpmLine, parseRpmQuery } from './rpm.js';
export {
  IntegrityFactSchema,
  IntegrityFindingSchema,
  type IntegrityFact,
  type IntegrityFinding,
} from './integrity-facts.js';
export { packageIntegrityResource, testVerified, VerifiedArgs } from './integrity.js';
export { parseDpkgVerifyLine } from './integrity-dpkg.js';
export { parseRpmVerifyLine } from './integrity-rpm.js';
export { readApkAudit } from './integrity-apk.js';
export {
  packageIntegrityGroupScript,
  parsePackageIntegrity,
  parseSystemIntegrity,
  SYSTEM_INTEGRITY_SCRIPT,
} from './integrity-query.js';

const VERSION_FORMAT: Record<SupportedPackageManager, VersionFormat> = {
  dpkg: 'dpkg',
  rpm: 'rpm',
  apk: 'apk',
  pacman: 'pacman',
};

function constraintProblem(text: string): string | undefined {
  try {
    parseVersionConstraint(text);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const InstalledArgs = z
  .object({
    /** A constraint such as ">= 1:9.2" or ">= 2.36, < 3", compared with the manager's own ordering. */
    version: z
      .string()
      .superRefine((text, ctx) => {
        const problem = constraintProblem(text);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
  })
  .strict();
type InstalledArgs = z.infer<typeof InstalledArgs>;

function installedInstances(fact: PackageFact): PackageInstance[] {
  return fact.instances.filter((i) => i.presence === 'installed');
}

function describeInstance(instance: PackageInstance): string {
  const arch = instance.architecture ? ` (${instance.architecture})` : '';
  return instance.version ? `${instance.version}${arch}` : `no version${arch}`;
}

function describeInstances(instances: readonly PackageInstance[]): string {
  return instances.map(describeInstance).join(', ');
}

/** "config-files at 1.22.1-9 (all)", "not-installed". */
function describeState(instance: PackageInstance): string {
  return instance.version ? `${instance.state} at ${describeInstance(instance)}` : instance.state;
}

/** Why the package counts as not installed, with the manager's state of any entry it still has. */
function notInstalledReason(fact: PackageFact): string {
  const known = fact.instances.filter((i) => i.presence !== 'installed');
  if (known.length === 0) return `it is not installed (${fact.manager} has no package named ${fact.name})`;
  return `it is not installed (${known.map(describeState).join('; ')})`;
}

/** A half-done install or removal is neither yes nor no: an error, whichever way the check points. */
function requireSettled(fact: PackageFact): void {
  const unsettled = fact.instances.filter((i) => i.presence === 'transitional');
  if (unsettled.length === 0) return;
  throw new FactError(
    `${fact.manager} reports ${fact.name} as ${unsettled.map(describeState).join('; ')}; ` +
      'an install or removal did not finish, so it is neither installed nor absent',
  );
}

function testInstalled(fact: PackageFact, args: InstalledArgs): { pass: boolean; actual: string } {
  const installed = installedInstances(fact);
  if (installed.length === 0) {
    requireSettled(fact);
    return { pass: false, actual: notInstalledReason(fact) };
  }
  const actual = `it is installed at ${describeInstances(installed)}`;
  if (args.version === undefined) return { pass: true, actual };
  const format = VERSION_FORMAT[fact.manager];
  const pass = installed.some((i) => satisfiesVersionConstraint(i.version, args.version!, format));
  if (!pass) requireSettled(fact);
  return { pass, actual };
}

function distinct(values: readonly string[]): string | string[] {
  const unique = [...new Set(values)];
  return unique.length === 1 ? unique[0]! : unique;
}

function readInstalled(pick: (i: PackageInstance) => string) {
  return (fact: PackageFact) => {
    const installed = installedInstances(fact);
    if (installed.length > 0) return distinct(installed.map(pick));
    const unsettled = fact.instances.filter((i) => i.presence === 'transitional');
    if (unsettled.length > 0) return { absent: `it is ${unsettled.map((i) => i.state).join(', ')}, not installed` };
    return { absent: notInstalledReason(fact) };
  };
}

const PackageNameSchema = z
  .string()
  .min(1, 'a package name cannot be empty')
  .refine((n) => !n.startsWith('-'), 'a package name cannot start with "-"')
  .refine((n) => !n.includes('\0'), 'a package name cannot contain a NUL byte')
  .refine((n) => !/[\n\r]/.test(n), 'a package name cannot contain a line break');

export const packageResource = defineResource({
  type: 'package',
  // `package` is a reserved word in strict mode, so the DSL function is `pkg`.
  dslName: 'pkg',
  summary: 'An OS package (dpkg, rpm, apk or pacman): installed or not, at which version and architecture.',
  subject: PackageNameSchema,
  options: NoOptions,
  title: (name: string) => `package ${name}`,
  facts: {
    package: (name: string) => packageQuery(name),
    integrity: (name: string) => packageIntegrityQuery(name),
  },
  matchers: {
    installed: predicate<PackageFact, InstalledArgs>({
      fact: 'package',
      args: InstalledArgs,
      describe: (args) =>
        args.version === undefined ? 'be installed' : `be installed with version ${args.version.trim()}`,
      test: testInstalled,
    }),
    version: attribute<PackageFact>({
      fact: 'package',
      describe: 'have version',
      read: readInstalled((i) => i.version),
    }),
    architecture: attribute<PackageFact>({
      fact: 'package',
      describe: 'have architecture',
      read: readInstalled((i) => i.architecture),
    }),
    /** Its files against the manager's record: dpkg --verify and md5sums, rpm -V. */
    verified: verifiedMatcher(),
  },
});
