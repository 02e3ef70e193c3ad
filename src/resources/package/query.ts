import type { Frame } from '../../probe/frames.js';
import type { PackageManager } from '../../probe/host.js';
import { shellQuote } from '../../probe/quote.js';
import { FactError, groupedQuery, type FactQuery } from '../resource.js';
import { parseApkDatabase } from './apk.js';
import { parseDpkgQuery } from './dpkg.js';
import { APK_DATABASES, DPKG_FORMAT, RPM_FORMAT, type PackageFact } from './facts.js';
import { parsePacmanQuery } from './pacman.js';
import { parseRpmQuery } from './rpm.js';

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

export function packageQuery(name: string): FactQuery<PackageFact> {
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
