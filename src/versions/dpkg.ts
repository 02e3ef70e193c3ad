/**
 * Debian version ordering (Debian Policy §5.6.12), as implemented by dpkg's
 * `parseversion` and `verrevcmp`.
 */
import { compareDigitStrings, compareNumbers, isAsciiDigit, isAsciiLetter } from './rpm.js';

export interface DpkgVersion {
  /** 0 when the version has no `epoch:` prefix. */
  readonly epoch: number;
  readonly upstream: string;
  /** Text after the last hyphen; "" when there is none. */
  readonly revision: string;
}

const MAX_DPKG_EPOCH = 2_147_483_647;

/**
 * Parses `[epoch:]upstream[-revision]`. Stricter than dpkg, which only warns
 * about an upstream not starting with a digit or containing odd characters;
 * those are errors here.
 */
export function parseDpkgVersion(text: string): DpkgVersion {
  const fail: (reason: string) => never = (reason) => {
    throw new Error(
      `Invalid dpkg version "${text}": ${reason} (expected [epoch:]upstream[-revision], e.g. "1:2.36.1-8")`,
    );
  };
  const trimmed = text.trim();
  if (trimmed === '') fail('it is empty');
  if (/\s/.test(trimmed)) fail('it contains embedded whitespace');

  const { epoch, rest } = splitDpkgEpoch(trimmed, fail);
  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen === -1 ? rest : rest.slice(0, hyphen);
  const revision = hyphen === -1 ? '' : rest.slice(hyphen + 1);
  if (hyphen !== -1 && revision === '') fail('the revision after the last "-" is empty');
  if (upstream === '') fail('the upstream version is empty');
  if (!isAsciiDigit(upstream[0]!)) fail(`the upstream version "${upstream}" does not start with a digit`);

  const badUpstream = [...upstream].find((c) => !isAsciiDigit(c) && !isAsciiLetter(c) && !'.-+~:'.includes(c));
  if (badUpstream !== undefined) {
    fail(`invalid character "${badUpstream}" in the upstream version (allowed: A-Z a-z 0-9 . + ~ - :)`);
  }
  const badRevision = [...revision].find((c) => !isAsciiDigit(c) && !isAsciiLetter(c) && !'.+~'.includes(c));
  if (badRevision !== undefined)
    fail(`invalid character "${badRevision}" in the revision (allowed: A-Z a-z 0-9 . + ~)`);

  return { epoch, upstream, revision };
}

function splitDpkgEpoch(text: string, fail: (reason: string) => never): { epoch: number; rest: string } {
  const colon = text.indexOf(':');
  if (colon === -1) return { epoch: 0, rest: text };
  const epochText = text.slice(0, colon);
  const rest = text.slice(colon + 1);
  if (epochText === '') fail('the epoch before ":" is empty');
  if (!/^\d+$/.test(epochText)) fail(`the epoch "${epochText}" is not a non-negative number`);
  const epoch = Number(epochText);
  if (epoch > MAX_DPKG_EPOCH) fail(`the epoch ${epochText} is too big`);
  if (rest === '') fail('nothing follows the epoch colon');
  return { epoch, rest };
}

export function compareDpkgVersions(a: string, b: string): -1 | 0 | 1 {
  const left = parseDpkgVersion(a);
  const right = parseDpkgVersion(b);
  return (
    compareNumbers(left.epoch, right.epoch) ||
    compareDpkgFragments(left.upstream, right.upstream) ||
    compareDpkgFragments(left.revision, right.revision)
  );
}

/**
 * dpkg's `verrevcmp` on one upstream or revision string: alternating
 * non-digit runs (compared character by character with `dpkgCharWeight`) and
 * digit runs (compared numerically).
 */
export function compareDpkgFragments(a: string, b: string): -1 | 0 | 1 {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isAsciiDigit(a[i]!)) || (j < b.length && !isAsciiDigit(b[j]!))) {
      const order = compareNumbers(dpkgCharWeight(a[i]), dpkgCharWeight(b[j]));
      if (order !== 0) return order;
      i++;
      j++;
    }
    const digitsA = readDigits(a, i);
    const digitsB = readDigits(b, j);
    const order = compareDigitStrings(digitsA, digitsB);
    if (order !== 0) return order;
    i += digitsA.length;
    j += digitsB.length;
  }
  return 0;
}

/**
 * `~` sorts before everything, including the end of the string (and a digit,
 * which ends the non-digit run); letters sort before all other characters.
 */
function dpkgCharWeight(c: string | undefined): number {
  if (c === undefined || isAsciiDigit(c)) return 0;
  if (c === '~') return -1;
  if (isAsciiLetter(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

function readDigits(s: string, from: number): string {
  let end = from;
  while (end < s.length && isAsciiDigit(s[end]!)) end++;
  return s.slice(from, end);
}
