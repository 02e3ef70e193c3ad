/**
 * pacman/libalpm version ordering (`vercmp`, `alpm_pkg_vercmp`).
 *
 * alpm carries an old fork of rpmvercmp, so it differs from today's rpm:
 * `~` and `^` are plain separators, separators of different length decide,
 * a trailing letter segment sorts before the end (`1.0a < 1.0`), and pkgrel
 * is compared only when both sides have one.
 */
import { compareNumbers, compareSegmentAt, isAsciiAlnum, isAsciiLetter, splitEpoch } from './rpm.js';

export interface PacmanVersion {
  /** 0 when the version has no `epoch:` prefix. */
  readonly epoch: number;
  readonly pkgver: string;
  /** `undefined` when there is no `-pkgrel`; it then matches any pkgrel. */
  readonly pkgrel: string | undefined;
}

export function parsePacmanVersion(text: string): PacmanVersion {
  const fail: (reason: string) => never = (reason) => {
    throw new Error(`Invalid pacman version "${text}": ${reason} (expected [epoch:]pkgver[-pkgrel], e.g. "1:2.4.6-3")`);
  };
  if (text === '') fail('it is empty');
  if (/\s/.test(text)) fail('it contains whitespace');

  const { epoch, rest } = splitEpoch(text, fail);
  const hyphen = rest.lastIndexOf('-');
  const pkgver = hyphen === -1 ? rest : rest.slice(0, hyphen);
  const pkgrel = hyphen === -1 ? undefined : rest.slice(hyphen + 1);
  if (pkgver === '') fail('the pkgver part is empty');
  if (pkgrel === '') fail('the pkgrel after the last "-" is empty');
  return { epoch, pkgver, pkgrel };
}

export function comparePacmanVersions(a: string, b: string): -1 | 0 | 1 {
  const left = parsePacmanVersion(a);
  const right = parsePacmanVersion(b);
  if (a === b) return 0;
  const byEpochAndPkgver = compareNumbers(left.epoch, right.epoch) || alpmVercmp(left.pkgver, right.pkgver);
  if (byEpochAndPkgver !== 0 || left.pkgrel === undefined || right.pkgrel === undefined) return byEpochAndPkgver;
  return alpmVercmp(left.pkgrel, right.pkgrel);
}

/** libalpm's `rpmvercmp` on a single field (pkgver or pkgrel). */
export function alpmVercmp(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const separatorStartA = i;
    const separatorStartB = j;
    i = skipNonAlnum(a, i);
    j = skipNonAlnum(b, j);
    if (i >= a.length || j >= b.length) break;

    const separatorLengthA = utf8Length(a.slice(separatorStartA, i));
    const separatorLengthB = utf8Length(b.slice(separatorStartB, j));
    if (separatorLengthA !== separatorLengthB) return separatorLengthA < separatorLengthB ? -1 : 1;

    const step = compareSegmentAt(a, i, b, j);
    if (step.order !== 0) return step.order;
    i = step.nextA;
    j = step.nextB;
  }
  if (i >= a.length && j >= b.length) return 0;
  // alpm's "final showdown": a leftover letter segment is a pre-release, so it
  // loses even to the end of the other string; any other leftover wins.
  const restA = a[i];
  const restB = b[j];
  const aLoses = (restA === undefined && !isAsciiLetter(restB!)) || (restA !== undefined && isAsciiLetter(restA));
  return aLoses ? -1 : 1;
}

const utf8 = new TextEncoder();

/** alpm measures separators in bytes, so a non-ASCII separator counts per UTF-8 byte. */
function utf8Length(text: string): number {
  return utf8.encode(text).length;
}

function skipNonAlnum(s: string, from: number): number {
  let i = from;
  while (i < s.length && !isAsciiAlnum(s[i]!)) i++;
  return i;
}
