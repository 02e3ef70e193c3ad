import { z } from 'zod';
import { PackageManagerSchema } from '../../probe/host.js';
import { listingFailure, LISTING_UNSUPPORTED, SECTION_MARK, stderrText } from '../inventory-listing.js';
import {
  attributesOf,
  listCollection,
  listed,
  type GeneratedCheck,
  type GenerateChoices,
  type InventoryPart,
  type MatcherValue,
  type SnapshotView,
} from '../inventory-part.js';
import {
  APK_DATABASES,
  DPKG_FORMAT,
  parseApkRecords,
  parseDpkgLine,
  parsePacmanInfo,
  parseRpmLine,
  RPM_FORMAT,
  type PackageInstance,
} from '../package/index.js';
import { FactError, requireRan } from '../resource.js';

/** Identity: (manager, name, architecture) — dpkg multiarch installs one name for several arches. */
export const SnapshotPackageSchema = z.object({
  name: z.string().min(1),
  version: z.string(),
  /** dpkg/rpm/apk architecture; null where the manager does not say (pacman -Q). */
  architecture: z.string().nullable(),
  manager: PackageManagerSchema.exclude(['none']),
  /**
   * The manager's own word: "installed", or a dpkg in-between state (half-configured, unpacked,
   * triggers-pending, …). Entries that are not installed (dpkg not-installed, config-files) are
   * not recorded.
   */
  state: z.string().min(1),
  /**
   * The package's files that the snapshot's file trees hold, as the file part records them (dpkg
   * only); absent where none. Not compared: drift reports a package's added or removed files under it.
   */
  files: z.array(z.string()).optional(),
});
export type SnapshotPackage = z.infer<typeof SnapshotPackageSchema>;

const DPKG_INFO = '/var/lib/dpkg/info';
const PACKAGE_FILES_MARK = `${SECTION_MARK} package-files`;

export const PACKAGES_SCRIPT = [
  'case $DS_PKG in',
  `dpkg) dpkg-query -W -f='${DPKG_FORMAT}' || exit`,
  // Every package's file list, for grouping drift by package; without it drift only groups less.
  `echo '${PACKAGE_FILES_MARK}'`,
  `cd ${DPKG_INFO} && grep -H '' -- *.list || echo "${PACKAGE_FILES_MARK} failed $?" ;;`,
  `rpm) rpm -qa --qf '${RPM_FORMAT}' ;;`,
  `apk) for ds_db in ${APK_DATABASES.join(' ')}; do`,
  `  if [ -e "$ds_db" ]; then grep -E '^([PVA]:|$)' "$ds_db"; exit $?; fi`,
  'done',
  `echo 'no apk installed database (${APK_DATABASES.join(', ')})' >&2; exit ${LISTING_UNSUPPORTED} ;;`,
  'pacman) pacman -Qi ;;',
  `*) echo 'no supported package manager (dpkg, rpm, apk, pacman)' >&2; exit ${LISTING_UNSUPPORTED} ;;`,
  'esac',
].join('\n');

export const packageInventory: InventoryPart<SnapshotPackage> = {
  kind: 'packages',
  noun: 'package',
  listing: {
    type: 'framed',
    id: 'snapshot-packages',
    script: PACKAGES_SCRIPT,
    read: (frame, { host }) => {
      const what = 'listing the installed packages';
      requireRan(frame, what);
      const manager = host.packageManager;
      if (manager === 'none') throw listingFailure(frame, what);
      // grep over an apk database without a single package exits 1.
      const emptyApk =
        manager === 'apk' && frame.exitCode === 1 && frame.stdout.length === 0 && stderrText(frame) === '';
      if (frame.exitCode !== 0 && !emptyApk) throw listingFailure(frame, what);
      const [text, fileLists] = splitFileLists(frame.stdout.toString('utf8'));
      const lines = text.split('\n').filter((line) => line !== '');
      const instances = readInstances(manager, text, lines, what);
      if (instances.length === 0 && manager !== 'apk')
        throw new FactError(`${what}: the package manager listed no package at all`);
      return listed(
        instances
          .filter((instance) => instance.presence !== 'absent')
          .map((instance) => ({
            name: instance.name,
            version: instance.version,
            architecture: instance.architecture === '' ? null : instance.architecture,
            manager,
            state: instance.state,
            ...filesOf(fileLists, instance),
          })),
      );
    },
  },
  collection: listCollection(
    SnapshotPackageSchema,
    (p) => p.name,
    (p) => p.architecture ?? '',
    (p) => p.manager,
    // rpm lists the versions of an install-only package (kernel) in its database's order.
    (p) => p.version,
  ),
  identity: (p) => `${p.manager}\0${p.name}\0${p.architecture ?? ''}`,
  // "openssh-server:amd64", or just the name where the manager gives no architecture.
  display: (p) => (p.architecture === null ? p.name : `${p.name}:${p.architecture}`),
  attributes: attributesOf(SnapshotPackageSchema, ['name', 'architecture', 'manager', 'files']),
  // rpm keeps several versions of an install-only package (kernel) under one identity.
  unique: (p) => `${p.manager}\0${p.name}\0${p.architecture ?? ''}\0${p.version}`,
  relate: (packages, snapshot) => withRecordedFiles(packages, snapshot),
  brings: (p) => (p.files ? [{ kind: 'files', keys: p.files }] : []),
  generate: (snapshot, choices) => [
    {
      id: 'packages',
      title: 'Packages installed at the baseline',
      checks: packageChecks(snapshot.packages as SnapshotPackage[], choices.packageVersions),
    },
  ],
  generateNotes: (choices) => [`   packages: ${VERSION_RULE_NOTES[choices.packageVersions]};`],
};

/** The package listing, and dpkg's file lists by list name (`coreutils`, `libc6:amd64`) where it read them. */
function splitFileLists(stdout: string): [string, Map<string, string[]> | undefined] {
  const mark = `${PACKAGE_FILES_MARK}\n`;
  const at = `\n${stdout}`.indexOf(`\n${mark}`);
  if (at === -1) return [stdout, undefined];
  const section = stdout.slice(at + mark.length);
  if (section.includes(`${PACKAGE_FILES_MARK} failed`)) return [stdout.slice(0, at), undefined];
  const lists = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const cut = line.indexOf('.list:');
    if (cut === -1) continue;
    const name = line.slice(0, cut);
    const files = lists.get(name) ?? [];
    files.push(line.slice(cut + '.list:'.length));
    lists.set(name, files);
  }
  return [stdout.slice(0, at), lists];
}

function filesOf(lists: Map<string, string[]> | undefined, instance: PackageInstance): { files?: string[] } {
  const files = lists?.get(`${instance.name}:${instance.architecture}`) ?? lists?.get(instance.name);
  return files ? { files } : {};
}

/** The top directories a merged /usr makes links into /usr: dpkg lists `/bin/ls` for `/usr/bin/ls`. */
const MERGED_USR = /^\/(bin|sbin|lib|lib32|lib64|libx32)(\/|$)/;

/** Each package's files narrowed to those the snapshot's file trees hold, by the paths the walk recorded. */
function withRecordedFiles(packages: SnapshotPackage[], snapshot: SnapshotView): SnapshotPackage[] {
  const recorded = new Set(((snapshot.files ?? []) as Array<{ path: string }>).map((f) => f.path));
  // A walked tree's top (/usr/bin) is every package's directory and never goes with one.
  for (const root of (snapshot.fileRoots ?? []) as string[]) recorded.delete(root);
  return packages.map(({ files, ...item }) => {
    const kept = (files ?? []).flatMap((path) => {
      if (recorded.has(path)) return [path];
      return MERGED_USR.test(path) && recorded.has(`/usr${path}`) ? [`/usr${path}`] : [];
    });
    return kept.length > 0 ? { ...item, files: [...new Set(kept)].sort() } : item;
  });
}

function readInstances(
  manager: SnapshotPackage['manager'],
  text: string,
  lines: string[],
  what: string,
): PackageInstance[] {
  switch (manager) {
    case 'dpkg':
      return lines.map((line) => parseDpkgLine(line, what));
    case 'rpm':
      return lines.map((line) => parseRpmLine(line, what));
    case 'apk':
      return parseApkRecords(text, what);
    case 'pacman':
      return parsePacmanInfo(text, what);
  }
}

const VERSION_RULE_NOTES: Record<GenerateChoices['packageVersions'], string> = {
  minimum: '">=" the recorded version (updates pass, downgrades and removals fail)',
  exact: '"=" the recorded version',
  any: 'installed at any version',
};

function packageChecks(
  packages: readonly SnapshotPackage[],
  versions: GenerateChoices['packageVersions'],
): GeneratedCheck[] {
  const installed = packages.filter((p) => p.state === 'installed');
  const architectures = new Map<string, number>();
  for (const p of installed) architectures.set(p.name, (architectures.get(p.name) ?? 0) + 1);
  return installed.map((p) => {
    // dpkg multiarch: one name installed for several architectures is checked per architecture.
    const multiarch = (architectures.get(p.name) ?? 0) > 1 && p.architecture !== null && p.manager === 'dpkg';
    const subject = multiarch ? `${p.name}:${p.architecture}` : p.name;
    const installedValue: MatcherValue =
      versions === 'any' ? true : { version: `${versions === 'exact' ? '=' : '>='} ${p.version}` };
    return { resource: 'package', subject, matchers: [['installed', installedValue]] };
  });
}
