export {
  VERSION_FORMATS,
  compareVersions,
  formatVersionConstraint,
  parseVersionConstraint,
  satisfiesVersionConstraint,
} from './constraint.js';
export type { ConstraintOperator, VersionClause, VersionConstraint, VersionFormat } from './constraint.js';
export { compareDpkgVersions, parseDpkgVersion } from './dpkg.js';
export type { DpkgVersion } from './dpkg.js';
export { compareRpmVersions, parseRpmVersion, rpmvercmp } from './rpm.js';
export type { RpmVersion } from './rpm.js';
export { alpmVercmp, comparePacmanVersions, parsePacmanVersion } from './pacman.js';
export type { PacmanVersion } from './pacman.js';
export { compareApkVersions, parseApkVersion } from './apk.js';
export type { ApkSuffix, ApkVersion } from './apk.js';
