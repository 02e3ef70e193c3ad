/**
 * RPM version ordering: `[epoch:]version[-release]` compared the way rpm's
 * `rpmverCmp` does, each field with `rpmvercmp`.
 */

export interface RpmVersion {
  /** 0 when the version has no `epoch:` prefix. */
  readonly epoch: number;
  readonly version: string;
  /** `undefined` when there is no `-release`; rpm then sorts it below any release. */
  readonly release: string | undefined;
}

const MAX_RPM_EPOCH = 0xffff_ffff;

export function parseRpmVersion(text: string): RpmVersion {
  const fail: (reason: string) => never = (reason) => {
    throw new Error(
      `Invalid rpm version "${text}": ${reason} (expected [epoch:]version[-release], e.g. "1:2.4.6-3.el9")`,
    );
  };
  if (text === '') fail('it is empty');
  if (/\s/.test(text)) fail('it contains whitespace');

  const { epoch, rest } = splitEpoch(text, fail);
  const hyphen = rest.lastIndexOf('-');
  const version = hyphen === -1 ? rest : rest.slice(0, hyphen);
  const release = hyphen === -1 ? undefined : rest.slice(hyphen + 1);
  if (version === '') fail('the version part is empty');
  if (release === '') fail('the release after the last "-" is empty');
  return { epoch, version, release };
}

/** Shared by rpm and pacman, whose `parseEVR` is the same code. */
export function splitEpoch(text: string, fail: (reason: string) => never): { epoch: number; rest: string } {
  const colon = text.indexOf(':');
  if (colon === -1) return { epoch: 0, rest: text };
  const epochText = text.slice(0, colon);
  const rest = text.slice(colon + 1);
  if (epochText === '') fail('the epoch before ":" is empty');
  if (!/^\d+$/.test(epochText)) fail(`the epoch "${epochText}" is not a number`);
  const epoch = Number(epochText);
  if (epoch > MAX_RPM_EPOCH) fail(`the epoch ${epochText} is too big`);
  if (rest.includes(':')) fail('only one ":" is allowed, between the epoch and the version');
  return { epoch, rest };
}

export function compareRpmVersions(a: string, b: string): -1 | 0 | 1 {
  const left = parseRpmVersion(a);
  const right = parseRpmVersion(b);
  return (
    compareNumbers(left.epoch, right.epoch) ||
    rpmvercmp(left.version, right.version) ||
    compareOptionalReleases(left.release, right.release)
  );
}

function compareOptionalReleases(a: string | undefined, b: string | undefined): -1 | 0 | 1 {
  if (a === undefined || b === undefined) {
    if (a === b) return 0;
    return a === undefined ? -1 : 1;
  }
  return rpmvercmp(a, b);
}

/**
 * rpm's segmented compare of one field (version or release): runs of ASCII
 * digits or letters are compared, everything else separates them, except
 * `~` (sorts before anything, even the end) and `^` (sorts after the end but
 * before any further segment).
 */
export function rpmvercmp(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    i = skipRpmSeparators(a, i);
    j = skipRpmSeparators(b, j);
    const atEndA = i >= a.length;
    const atEndB = j >= b.length;

    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (a[i] === '^' || b[j] === '^') {
      if (atEndA) return -1;
      if (atEndB) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (atEndA || atEndB) break;

    const step = compareSegmentAt(a, i, b, j);
    if (step.order !== 0) return step.order;
    i = step.nextA;
    j = step.nextB;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

function skipRpmSeparators(s: string, from: number): number {
  let i = from;
  while (i < s.length && !isAsciiAlnum(s[i]!) && s[i] !== '~' && s[i] !== '^') i++;
  return i;
}

export interface SegmentStep {
  readonly order: -1 | 0 | 1;
  readonly nextA: number;
  readonly nextB: number;
}

/**
 * Compares the segment starting at `a[i]` (which must be alphanumeric) with
 * the run of the same kind at `b[j]`. A numeric segment beats an alphabetic
 * one. Shared verbatim by rpm and pacman.
 */
export function compareSegmentAt(a: string, i: number, b: string, j: number): SegmentStep {
  const numeric = isAsciiDigit(a[i]!);
  const belongs = numeric ? isAsciiDigit : isAsciiLetter;
  const segmentA = readRun(a, i, belongs);
  const segmentB = readRun(b, j, belongs);
  const nextA = i + segmentA.length;
  const nextB = j + segmentB.length;
  if (segmentB === '') return { order: numeric ? 1 : -1, nextA, nextB };
  const order = numeric ? compareDigitStrings(segmentA, segmentB) : compareAscii(segmentA, segmentB);
  return { order, nextA, nextB };
}

function readRun(s: string, from: number, belongs: (c: string) => boolean): string {
  let end = from;
  while (end < s.length && belongs(s[end]!)) end++;
  return s.slice(from, end);
}

/** Orders two runs of ASCII digits as unbounded non-negative integers. */
export function compareDigitStrings(a: string, b: string): -1 | 0 | 1 {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return compareAscii(x, y);
}

export function compareAscii(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

export function compareNumbers(a: number, b: number): -1 | 0 | 1 {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

export function isAsciiDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

export function isAsciiLetter(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

export function isAsciiAlnum(c: string): boolean {
  return isAsciiDigit(c) || isAsciiLetter(c);
}
