import type { Frame } from '../../probe/frames.js';
import type { HostFacts } from '../../probe/host.js';
import { LAST_PART_STDOUT, partScript, partsScript } from '../../probe/parts.js';
import { shellQuote } from '../../probe/quote.js';
import { FactError, groupedQuery, readParts, requirePart, type FactQuery } from '../resource.js';
import { readApkAudit } from './integrity-apk.js';
import { dpkgIntegrity, readDpkgOwners, readDpkgUnverifiable, readDpkgVerify } from './integrity-dpkg.js';
import { integrityFact, type IntegrityFact } from './integrity-facts.js';
import { readRpmOwners, readRpmVerify, rpmIntegrity } from './integrity-rpm.js';

const DPKG_INFO = '/var/lib/dpkg/info';

/**
 * `ds_unsummed NAME CONFFILES` reads a package's file list on stdin and prints `NAME<TAB>FILE` for
 * its first regular file that is not a conffile: a package without md5sums has such a file that
 * nothing can verify (dpkg --verify passes over it in silence).
 */
const UNSUMMED_FUNCTION = `ds_unsummed() {
  while IFS= read -r ds_f; do
    if [ -f "$ds_f" ] && [ ! -L "$ds_f" ] && ! { [ -n "$2" ] && grep -qxF -- "$ds_f" "$2"; }; then
      printf '%s\\t%s\\n' "$1" "$ds_f"; return 0
    fi
  done
}`;

/** The verify part's output file, kept before the next part starts (parts.ts numbers each part). */
const KEEP_VERIFY_OUTPUT = `ds_v=${LAST_PART_STDOUT}`;

/** Every package without md5sums that has a regular file other than a conffile, with that file. */
export const DPKG_UNVERIFIABLE_SCRIPT = [
  UNSUMMED_FUNCTION,
  `for ds_l in ${DPKG_INFO}/*.list; do`,
  `  ds_b=\${ds_l%.list}`,
  '  [ -e "$ds_b.md5sums" ] && continue',
  '  ds_c=; [ -e "$ds_b.conffiles" ] && ds_c=$ds_b.conffiles',
  `  ds_unsummed "\${ds_b##*/}" "$ds_c" <"$ds_l"`,
  'done',
].join('\n');

const PATHS_OF_VERIFY = `sed -n 's|^[^/]*\\(/.*\\)$|\\1|p' "$ds_v"`;
/**
 * rpm -V may end a line with ` (Permission denied)` or a file state such as ` (replaced)`: the
 * path rpm -qf is asked about is the one before it, as parseRpmVerifyLine reads it.
 */
const RPM_PATHS_OF_VERIFY = `sed -n -e 's| ([^()][^()]*)$||' -e 's|^[^/]*\\(/.*\\)$|\\1|p' "$ds_v"`;

/**
 * The whole system checked against the package manager's own records, in one query: dpkg --verify
 * with the owners of the paths that differ and the packages no checksum covers, rpm -Va with the
 * owners, or apk audit of package files (`--system`) and protected configuration (`--backup`).
 */
export const SYSTEM_INTEGRITY_SCRIPT = [
  'case $DS_PKG in',
  'dpkg)',
  partsScript([
    partScript('verify', 'dpkg --verify'),
    KEEP_VERIFY_OUTPUT,
    partScript('owners', `${PATHS_OF_VERIFY} | grep -HFx -f - ${DPKG_INFO}/*.list`),
    partScript('unverifiable', DPKG_UNVERIFIABLE_SCRIPT),
  ]),
  ';;',
  'rpm)',
  partsScript([
    partScript('verify', 'rpm -Va --nodeps --nomtime'),
    KEEP_VERIFY_OUTPUT,
    partScript(
      'owners',
      `${RPM_PATHS_OF_VERIFY} | while IFS= read -r ds_f; do\n` +
        `  ds_o=$(rpm -qf --qf '%{NAME} ' -- "$ds_f" 2>/dev/null) || ds_o=\n` +
        `  printf '%s\\t%s\\n' "$ds_f" "$ds_o"\ndone`,
    ),
  ]),
  ';;',
  'apk)',
  partsScript([
    partScript('system', 'apk audit --system --check-permissions'),
    partScript('backup', 'apk audit --backup'),
  ]),
  ';;',
  `*) echo 'driftspec: package integrity needs dpkg, rpm or apk' >&2; exit 3 ;;`,
  'esac',
].join('\n');

/** One query answers every packageIntegrity subject: each keeps the findings under its own path. */
export function systemIntegrityQuery(): FactQuery<IntegrityFact> {
  return {
    key: 'package-integrity',
    script: SYSTEM_INTEGRITY_SCRIPT,
    parse: parseSystemIntegrity,
  };
}

export function parseSystemIntegrity(frame: Frame, host: Pick<HostFacts, 'packageManager'>): IntegrityFact {
  const what = 'verifying the installed packages';
  const parts = readParts(frame, what);
  switch (host.packageManager) {
    case 'dpkg': {
      const lines = readDpkgVerify(requirePart(parts, 'verify', what), `${what} (dpkg --verify)`);
      const owners = readDpkgOwners(requirePart(parts, 'owners', what), `${what} (owners of the files)`);
      const unverifiable = readDpkgUnverifiable(requirePart(parts, 'unverifiable', what), `${what} (md5sums)`);
      return dpkgIntegrity(lines, (path) => joinOwners(owners.get(path)), unverifiable, what);
    }
    case 'rpm': {
      const lines = readRpmVerify(requirePart(parts, 'verify', what), `${what} (rpm -Va)`);
      const owners = readRpmOwners(requirePart(parts, 'owners', what), `${what} (owners of the files)`);
      return rpmIntegrity(lines, (path) => joinOwners(owners.get(path)), what);
    }
    case 'apk': {
      const system = readApkAudit(requirePart(parts, 'system', what), false, `${what} (apk audit --system)`);
      const backup = readApkAudit(requirePart(parts, 'backup', what), true, `${what} (apk audit --backup)`);
      const findings = [...system, ...backup].map((l) => ({ ...l, package: null }));
      return integrityFact({ manager: 'apk', findings, unverifiable: [] }, what);
    }
    default:
      throw new FactError(`${what}: needs dpkg, rpm or apk on the target (found ${host.packageManager})`);
  }
}

function joinOwners(names: readonly string[] | undefined): string | null {
  return names && names.length > 0 ? [...new Set(names)].join(', ') : null;
}

/**
 * One package's files against its record: `dpkg --verify NAME` and whether it has md5sums, or
 * `rpm -V NAME`, each member in parts of its own. apk audits the whole system only.
 */
export function packageIntegrityGroupScript(names: readonly string[]): string {
  const dpkg = names.flatMap((name) => {
    const q = shellQuote(name);
    const unsummed = [
      UNSUMMED_FUNCTION,
      `ds_s=$(dpkg-query --control-path -- ${q} md5sums) || exit`,
      '[ -n "$ds_s" ] && exit 0',
      `ds_c=$(dpkg-query --control-path -- ${q} conffiles) || exit`,
      `dpkg-query -L -- ${q} | ds_unsummed ${q} "$ds_c"`,
    ].join('\n');
    return [partScript(`verify:${name}`, `dpkg --verify -- ${q}`), partScript(`unverifiable:${name}`, unsummed)];
  });
  const rpm = names.map((name) => partScript(`verify:${name}`, `rpm -V --nodeps --nomtime -- ${shellQuote(name)}`));
  return [
    'case $DS_PKG in',
    `dpkg)\n${partsScript(dpkg)} ;;`,
    `rpm)\n${partsScript(rpm)} ;;`,
    `apk) echo 'driftspec: apk audit verifies the whole system, not one package: use packageIntegrity' >&2; exit 3 ;;`,
    `*) echo 'driftspec: package integrity needs dpkg or rpm' >&2; exit 3 ;;`,
    'esac',
  ].join('\n');
}

export function packageIntegrityQuery(name: string): FactQuery<IntegrityFact> {
  const group = { key: 'package-integrity-of', member: name, script: packageIntegrityGroupScript };
  return groupedQuery(`package-integrity:${name}`, group, (frame, host) => parsePackageIntegrity(frame, host, name));
}

export function parsePackageIntegrity(
  frame: Frame,
  host: Pick<HostFacts, 'packageManager'>,
  name: string,
): IntegrityFact {
  const what = `verifying the files of package ${name}`;
  const parts = readParts(frame, what);
  const owner = () => name;
  switch (host.packageManager) {
    case 'dpkg': {
      const lines = readDpkgVerify(requirePart(parts, `verify:${name}`, what), `${what} (dpkg --verify)`);
      const unverifiable = readDpkgUnverifiable(requirePart(parts, `unverifiable:${name}`, what), `${what} (md5sums)`);
      return dpkgIntegrity(lines, owner, unverifiable, what);
    }
    case 'rpm':
      return rpmIntegrity(readRpmVerify(requirePart(parts, `verify:${name}`, what), `${what} (rpm -V)`), owner, what);
    default:
      throw new FactError(`${what}: needs dpkg or rpm on the target (found ${host.packageManager})`);
  }
}
