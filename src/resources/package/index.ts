import { z } from 'zod';
import { shellQuote } from '../../probe/quote.js';
import type { Frame } from '../../probe/frames.js';
import type { PackageManager } from '../../probe/host.js';
import { parseVersionConstraint, satisfiesVersionConstraint, type VersionFormat } from '../../versions/index.js';
import {
  attribute,
  defineResource,
  FactError,
  firstLines,
  NoOptions,
  predicate,
  requireRan,
  groupedQuery,
  validateFact,
  type FactQuery,
} from '../resource.js';

export const PACKAGE_MANAGERS = ['dpkg', 'rpm', 'apk', 'pacman'] as const;
export type SupportedPackageManager = (typeof PACKAGE_MANAGERS)[number];

/**
 * Whether one entry of the package database counts as installed. `transitional` covers dpkg's
 * half-installed, unpacked, half-configured and trigger states: files may be on disk, so such a
 * package is evidence neither of "installed" nor of "not installed".
 */
export const PresenceSchema = z.enum(['installed', 'absent', 'transitional']);
export type Presence = z.infer<typeof PresenceSchema>;

export const PackageInstanceSchema = z.object({
  name: z.string().min(1),
  /** Empty for dpkg entries that were never installed (state not-installed). */
  version: z.string(),
  architecture: z.string(),
  /** The manager's own word for the state, such as installed, config-files, half-configured. */
  state: z.string().min(1),
  presence: PresenceSchema,
});
export type PackageInstance = z.infer<typeof PackageInstanceSchema>;

/** Every database entry whose name is exactly the subject; none means the manager has no such package. */
export const PackageFactSchema = z.object({
  manager: z.enum(PACKAGE_MANAGERS),
  name: z.string().min(1),
  instances: z.array(PackageInstanceSchema),
});
export type PackageFact = z.infer<typeof PackageFactSchema>;

// The tools expand \t and \n themselves; the shell sees them inside single quotes.
export const DPKG_FORMAT = '${db:Status-Abbrev}\\t${binary:Package}\\t${Version}\\t${Architecture}\\n';
export const RPM_FORMAT = '%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\n';
/** The documented apk installed database; newer apk-tools builds keep it under /usr. */
export const APK_DATABASES = ['/lib/apk/db/installed', '/usr/lib/apk/db/installed'] as const;

/**
 * One query for many package names: dpkg-query, rpm and pacman each take every name at once and
 * answer for each (apk's database is read whole), so 100 package checks start one process.
 */
export function packageGroupScript(names: readonly string[]): string {
  const q = names.map(shellQuote).join(' ');
  return [
    'case $DS_PKG in',
    `dpkg) dpkg-query -W -f='${DPKG_FORMAT}' -- ${q} ;;`,
    `rpm) rpm -q --qf '${RPM_FORMAT}' -- ${q} ;;`,
    `apk) for ds_db in ${APK_DATABASES.join(' ')}; do`,
    `  if [ -e "$ds_db" ]; then grep -E '^([PVA]:|$)' "$ds_db"; exit $?; fi`,
    'done',
    `echo 'driftspec: no apk installed database (${APK_DATABASES.join(', ')})' >&2; exit 3 ;;`,
    `pacman) pacman -Qi -- ${q} ;;`,
    `*) echo 'driftspec: no supported package manager (dpkg, rpm, apk, pacman)' >&2; exit 3 ;;`,
    'esac',
  ].join('\n');
}

/** The query for one package name alone. */
export function packageScript(name: string): string {
  return packageGroupScript([name]);
}

function packageQuery(name: string): FactQuery<PackageFact> {
  const group = { key: 'package', member: name, script: packageGroupScript };
  return groupedQuery(`package:${name}`, group, (frame, host) => parsePackageFrame(frame, host.packageManager, name));
}

export function parsePackageFrame(frame: Frame, manager: PackageManager, name: string): PackageFact {
  switch (manager) {
    case 'dpkg':
      return parseDpkgQuery(frame, name);
    case 'rpm':
      return parseRpmQuery(frame, name);
    case 'apk':
      return parseApkDatabase(frame, name);
    case 'pacman':
      return parsePacmanQuery(frame, name);
    case 'none':
      throw new FactError('no supported package manager on the target (looked for dpkg-query, rpm, apk and pacman)');
  }
}

function stdoutOf(frame: Frame): string {
  return frame.stdout.toString('utf8');
}

function stderrOf(frame: Frame): string {
  return frame.stderr.toString('utf8').trim();
}

function failure(frame: Frame, what: string): FactError {
  const stderr = stderrOf(frame);
  return new FactError(`${what} exited ${frame.exitCode}${stderr ? `: ${firstLines(stderr, 3)}` : ''}`);
}

function packageFact(manager: SupportedPackageManager, name: string, instances: PackageInstance[], what: string): PackageFact {
  return validateFact(PackageFactSchema, { manager, name, instances }, what);
}

// --- dpkg -------------------------------------------------------------------------------------

/** dpkg's package status (the second letter of `db:Status-Abbrev`), see dpkg-query(1). */
const DPKG_STATUS: Record<string, { state: string; presence: Presence }> = {
  n: { state: 'not-installed', presence: 'absent' },
  c: { state: 'config-files', presence: 'absent' },
  H: { state: 'half-installed', presence: 'transitional' },
  U: { state: 'unpacked', presence: 'transitional' },
  F: { state: 'half-configured', presence: 'transitional' },
  W: { state: 'triggers-awaited', presence: 'transitional' },
  t: { state: 'triggers-pending', presence: 'transitional' },
  i: { state: 'installed', presence: 'installed' },
};

/**
 * `dpkg-query -W` takes each name as a glob and adds `:arch` to Multi-Arch: same packages, so
 * only lines whose package name (and, for a `name:arch` subject, architecture) equal the
 * subject are kept. It answers for every name it was given: lines, or "no packages found
 * matching NAME" with exit 1, dpkg's word that it has none. Any other complaint with a failing
 * exit makes the whole answer untrustworthy.
 */
export function parseDpkgQuery(frame: Frame, subject: string): PackageFact {
  const what = `dpkg-query ${subject}`;
  requireRan(frame, what);
  const notFound = namesInMessages(stderrOf(frame), /^dpkg-query: no packages found matching (.+)$/);
  if (frame.exitCode !== 0 && !(frame.exitCode === 1 && notFound !== undefined && notFound.size > 0)) throw failure(frame, what);
  const lines = stdoutOf(frame).split('\n').filter((line) => line !== '');
  if (lines.length === 0 && !notFound?.has(subject)) throw new FactError(`${what}: dpkg-query listed nothing for ${subject}`);
  const [wantedName = '', wantedArch] = splitDpkgArch(subject);
  const instances = lines.map((line) => parseDpkgLine(line, what)).filter((i) => i.name === wantedName && (wantedArch === undefined || i.architecture === wantedArch));
  return packageFact('dpkg', subject, instances, what);
}

/**
 * The names in a tool's "not found" lines, or undefined when any line of `text` is something
 * else: then the tool did not only report missing packages.
 */
function namesInMessages(text: string, message: RegExp): Set<string> | undefined {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const match = message.exec(line);
    if (!match) return undefined;
    names.add(match[1]!);
  }
  return names;
}

/** Debian package names cannot hold ":", so one in a subject or output line qualifies the architecture. */
function splitDpkgArch(text: string): [string, string | undefined] {
  const colon = text.indexOf(':');
  return colon === -1 ? [text, undefined] : [text.slice(0, colon), text.slice(colon + 1)];
}

export function parseDpkgLine(line: string, what: string): PackageInstance {
  const fields = line.split('\t');
  if (fields.length !== 4) throw new FactError(`${what}: unexpected output line ${JSON.stringify(line)}`);
  const [abbrev = '', binaryPackage = '', version = '', architecture = ''] = fields;
  const status = DPKG_STATUS[abbrev.charAt(1)];
  if (abbrev.length !== 3 || !status) throw new FactError(`${what}: unknown package status ${JSON.stringify(abbrev)} in ${JSON.stringify(line)}`);
  const [name = ''] = splitDpkgArch(binaryPackage);
  // A set error flag (R, reinst-required) means dpkg itself considers the package broken.
  const broken = abbrev.charAt(2) === 'R';
  return {
    name,
    version,
    architecture,
    state: broken ? `${status.state}, reinstall required` : status.state,
    presence: broken && status.presence === 'installed' ? 'transitional' : status.presence,
  };
}

// --- rpm --------------------------------------------------------------------------------------

/**
 * `rpm -q` answers for every name it was given, in order: format lines, or "package NAME is not
 * installed" (on stdout; some builds use stderr), and exits with the number of names not found.
 * It also accepts NAME-VERSION labels, trying the exact name first, so only lines whose %{NAME}
 * equals the subject count. rpm prints the not-installed line also when it could not open its
 * database, so any other error line makes the answer untrustworthy.
 */
export function parseRpmQuery(frame: Frame, subject: string): PackageFact {
  const what = `rpm -q ${subject}`;
  requireRan(frame, what);
  const notInstalledLine = /^package (.+) is not installed$/;
  const lines = stdoutOf(frame).split('\n').filter((line) => line !== '');
  const formatLines = lines.filter((line) => !notInstalledLine.test(line));
  const notInstalledLines = lines.filter((line) => notInstalledLine.test(line));
  const notInstalled = namesInMessages([...notInstalledLines, frame.stderr.toString('utf8')].join('\n'), notInstalledLine);
  const consistent = frame.exitCode === 0 ? notInstalledLines.length === 0 : notInstalled !== undefined && notInstalled.size === frame.exitCode;
  if (!consistent) throw failure(frame, what);
  if (formatLines.length === 0 && !notInstalled?.has(subject)) {
    if (frame.exitCode !== 0) throw failure(frame, what);
    throw new FactError(`${what}: exited 0 without listing any package`);
  }
  const instances = formatLines.map((line) => parseRpmLine(line, what)).filter((i) => i.name === subject);
  return packageFact('rpm', subject, instances, what);
}

export function parseRpmLine(line: string, what: string): PackageInstance {
  const fields = line.split('\t');
  if (fields.length !== 5 || fields.some((f) => f === '')) throw new FactError(`${what}: unexpected output line ${JSON.stringify(line)}`);
  const [name = '', epoch = '', version = '', release = '', arch = ''] = fields;
  if (epoch !== '(none)' && !/^\d+$/.test(epoch)) throw new FactError(`${what}: unexpected epoch ${JSON.stringify(epoch)}`);
  const evr = `${epoch === '(none)' ? '' : `${epoch}:`}${version}-${release}`;
  return { name, version: evr, architecture: arch, state: 'installed', presence: 'installed' };
}

// --- apk --------------------------------------------------------------------------------------

/**
 * Reads the P: (name), V: (version) and A: (architecture) lines of apk's installed database,
 * one blank-line separated record per installed package.
 */
export function parseApkDatabase(frame: Frame, subject: string): PackageFact {
  const what = `reading the apk installed database for ${subject}`;
  requireRan(frame, what);
  const stdout = stdoutOf(frame);
  // grep exits 1 when no line matched: a database without a single package.
  const empty = frame.exitCode === 1 && stdout === '' && stderrOf(frame) === '';
  if (frame.exitCode !== 0 && !empty) throw failure(frame, what);
  const instances = parseApkRecords(stdout, what).filter((i) => i.name === subject);
  return packageFact('apk', subject, instances, what);
}

export function parseApkRecords(text: string, what: string): PackageInstance[] {
  const records: PackageInstance[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of block.split('\n')) {
      if (line === '') continue;
      if (!/^[PVA]:/.test(line)) throw new FactError(`${what}: unexpected line ${JSON.stringify(line)}`);
      fields.set(line.charAt(0), line.slice(2));
    }
    if (fields.size === 0) continue;
    const name = fields.get('P');
    const version = fields.get('V');
    if (!name || !version) throw new FactError(`${what}: a database record without P: or V: (${JSON.stringify(block.slice(0, 200))})`);
    records.push({ name, version, architecture: fields.get('A') ?? '', state: 'installed', presence: 'installed' });
  }
  return records;
}

// --- pacman -----------------------------------------------------------------------------------

/**
 * `pacman -Qi` describes every name it was given, or says "error: package 'NAME' was not found"
 * and exits 1. For a name no package has exactly it falls back to a package that provides the
 * name (`pacman -Qi sh` shows bash), so only blocks whose Name: equals the subject count.
 */
export function parsePacmanQuery(frame: Frame, subject: string): PackageFact {
  const what = `pacman -Qi ${subject}`;
  requireRan(frame, what);
  const notFound = namesInMessages(stderrOf(frame), /^error: package '(.*)' was not found$/);
  if (frame.exitCode !== 0 && !(frame.exitCode === 1 && notFound !== undefined && notFound.size > 0)) throw failure(frame, what);
  const stdout = stdoutOf(frame);
  if (stdout.trim() === '' && notFound?.has(subject)) return packageFact('pacman', subject, [], what);
  const instances = parsePacmanInfo(stdout, what).filter((i) => i.name === subject);
  return packageFact('pacman', subject, instances, what);
}

export function parsePacmanInfo(text: string, what: string): PackageInstance[] {
  const packages: PackageInstance[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of block.split('\n')) {
      const match = /^(\S[^:]*?)\s*: (.*)$/.exec(line);
      if (match) fields.set(match[1]!, match[2]!.trim());
    }
    if (fields.size === 0) continue;
    const name = fields.get('Name');
    const version = fields.get('Version');
    if (!name || !version) throw new FactError(`${what}: unexpected output ${JSON.stringify(block.slice(0, 200))}`);
    packages.push({ name, version, architecture: fields.get('Architecture') ?? '', state: 'installed', presence: 'installed' });
  }
  if (packages.length === 0) throw new FactError(`${what}: exited 0 without describing any package`);
  return packages;
}

// --- matchers ---------------------------------------------------------------------------------

const VERSION_FORMAT: Record<SupportedPackageManager, VersionFormat> = { dpkg: 'dpkg', rpm: 'rpm', apk: 'apk', pacman: 'pacman' };

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
  },
  matchers: {
    installed: predicate<PackageFact, InstalledArgs>({
      fact: 'package',
      args: InstalledArgs,
      describe: (args) => (args.version === undefined ? 'be installed' : `be installed with version ${args.version.trim()}`),
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
  },
});
