/**
 * Alpine apk version ordering, following apk-tools' src/version.c:
 * `digits{.digits}[letter]{_suffix[digits]}[~hash][-rN]`.
 */
import { compareAscii, compareDigitStrings, compareNumbers, isAsciiDigit } from './rpm.js';

const PRE_RELEASE_SUFFIXES = ['alpha', 'beta', 'pre', 'rc'] as const;
const POST_RELEASE_SUFFIXES = ['cvs', 'svn', 'git', 'hg', 'p'] as const;
/** Ascending order; "no suffix" sits between the pre- and post-release ones. */
const SUFFIX_ORDER: readonly string[] = [...PRE_RELEASE_SUFFIXES, ...POST_RELEASE_SUFFIXES];
const FIRST_POST_RELEASE_RANK = PRE_RELEASE_SUFFIXES.length;

/**
 * Token kinds in the order apk requires them to appear. When two versions
 * agree up to the point where one has a token of a later kind than the
 * other, the later kind sorts lower (the end being the latest kind).
 */
enum Kind {
  InitialNumber,
  Number,
  Letter,
  Suffix,
  SuffixNumber,
  CommitHash,
  Revision,
  End,
}

interface Token {
  readonly kind: Kind;
  readonly text: string;
}

export interface ApkSuffix {
  readonly name: string;
  readonly number: string | undefined;
}

export interface ApkVersion {
  /** The dot-separated numeric components, as written. */
  readonly numbers: readonly string[];
  readonly letter: string | undefined;
  readonly suffixes: readonly ApkSuffix[];
  readonly commitHash: string | undefined;
  /** The N of `-rN`; `undefined` when absent. */
  readonly revision: string | undefined;
}

export function parseApkVersion(text: string): ApkVersion {
  const tokens = tokenizeApkVersion(text);
  const numbers: string[] = [];
  const suffixes: ApkSuffix[] = [];
  let letter: string | undefined;
  let commitHash: string | undefined;
  let revision: string | undefined;
  for (const token of tokens) {
    if (token.kind === Kind.InitialNumber || token.kind === Kind.Number) numbers.push(token.text);
    else if (token.kind === Kind.Letter) letter = token.text;
    else if (token.kind === Kind.Suffix) suffixes.push({ name: token.text, number: undefined });
    else if (token.kind === Kind.SuffixNumber) suffixes.push({ ...suffixes.pop()!, number: token.text });
    else if (token.kind === Kind.CommitHash) commitHash = token.text;
    else if (token.kind === Kind.Revision) revision = token.text;
  }
  return { numbers, letter, suffixes, commitHash, revision };
}

export function compareApkVersions(a: string, b: string): -1 | 0 | 1 {
  const left = tokenizeApkVersion(a);
  const right = tokenizeApkVersion(b);
  let index = 0;
  while (left[index]!.kind === right[index]!.kind && left[index]!.kind !== Kind.End) {
    const order = compareSameKindTokens(left[index]!, right[index]!);
    if (order !== 0) return order;
    index++;
  }
  return compareDivergingTokens(left[index]!, right[index]!);
}

function compareSameKindTokens(a: Token, b: Token): -1 | 0 | 1 {
  switch (a.kind) {
    case Kind.Number:
      // Like Gentoo: a component with a leading zero is a decimal fraction, so compare as text.
      if (a.text.startsWith('0') || b.text.startsWith('0')) return compareAscii(a.text, b.text);
      return compareDigitStrings(a.text, b.text);
    case Kind.InitialNumber:
    case Kind.SuffixNumber:
    case Kind.Revision:
      return compareDigitStrings(a.text, b.text);
    case Kind.Suffix:
      return compareNumbers(SUFFIX_ORDER.indexOf(a.text), SUFFIX_ORDER.indexOf(b.text));
    default:
      return compareAscii(a.text, b.text);
  }
}

/** The versions agree up to here, where their token kinds differ (or both end). */
function compareDivergingTokens(a: Token, b: Token): -1 | 0 | 1 {
  if (a.kind === b.kind) return 0;
  if (isPreReleaseSuffix(a)) return -1;
  if (isPreReleaseSuffix(b)) return 1;
  return a.kind > b.kind ? -1 : 1;
}

function isPreReleaseSuffix(token: Token): boolean {
  return token.kind === Kind.Suffix && SUFFIX_ORDER.indexOf(token.text) < FIRST_POST_RELEASE_RANK;
}

/** Splits a version into tokens ending with an End token; throws on anything apk would reject. */
function tokenizeApkVersion(text: string): Token[] {
  const fail: (reason: string) => never = (reason) => {
    throw new Error(
      `Invalid apk version "${text}": ${reason} (expected digits{.digits}[letter]{_suffix[N]}[~hash][-rN], e.g. ` +
        `"1.2.3_rc1-r0")`,
    );
  };
  const initial = /^\d+/.exec(text);
  if (initial === null) fail(text === '' ? 'it is empty' : 'it does not start with a digit');
  const tokens: Token[] = [{ kind: Kind.InitialNumber, text: initial[0] }];
  let position = initial[0].length;

  const take = (pattern: RegExp): string => {
    const taken = pattern.exec(text.slice(position))?.[0] ?? '';
    position += taken.length;
    return taken;
  };

  const readToken = (previous: Kind): Token => {
    const offset = position;
    const c = text[position]!;
    if (c >= 'a' && c <= 'z') {
      if (previous > Kind.Number) {
        fail(`letter "${c}" at offset ${offset} must directly follow a number (one letter at most, before any suffix)`);
      }
      position++;
      return { kind: Kind.Letter, text: c };
    }
    if (c === '.') {
      if (previous > Kind.Number) {
        fail(
          `"." at offset ${offset} must directly follow a number (no dots after a letter, suffix, hash or revision)`,
        );
      }
      position++;
      const digits = take(/^\d+/);
      if (digits === '') fail(`"." at offset ${offset} must be followed by digits`);
      return { kind: Kind.Number, text: digits };
    }
    if (isAsciiDigit(c)) {
      if (previous !== Kind.Suffix) fail(`digit "${c}" at offset ${offset} must follow "." or a suffix name`);
      return { kind: Kind.SuffixNumber, text: take(/^\d+/) };
    }
    if (c === '_') {
      if (previous > Kind.SuffixNumber) fail(`suffix at offset ${offset} must come before the "~hash" and "-rN" parts`);
      position++;
      const name = take(/^[a-z]+/);
      if (!SUFFIX_ORDER.includes(name)) {
        fail(
          `unknown suffix "_${name}" at offset ${offset}; expected one of ` +
            `${SUFFIX_ORDER.map((s) => `_${s}`).join(', ')}`,
        );
      }
      return { kind: Kind.Suffix, text: name };
    }
    if (c === '~') {
      if (previous > Kind.SuffixNumber) {
        fail(`"~" at offset ${offset}: the "~hash" part must come once, before the "-rN" revision`);
      }
      position++;
      const hash = take(/^[0-9a-f]+/);
      if (hash === '') fail(`"~" at offset ${offset} must be followed by a lowercase hex commit hash`);
      return { kind: Kind.CommitHash, text: hash };
    }
    if (c === '-') {
      if (previous >= Kind.Revision) fail(`"-" at offset ${offset}: only one "-rN" revision is allowed, at the end`);
      if (text[position + 1] !== 'r') fail(`"-" at offset ${offset} must start a revision like "-r1"`);
      position += 2;
      const digits = take(/^\d+/);
      if (digits === '') fail(`the revision "-r" at offset ${offset} needs a number`);
      return { kind: Kind.Revision, text: digits };
    }
    return fail(`unexpected character "${c}" at offset ${offset}`);
  };

  while (position < text.length) tokens.push(readToken(tokens[tokens.length - 1]!.kind));
  tokens.push({ kind: Kind.End, text: '' });
  return tokens;
}
