import { printable } from '../src/text/printable.js';

/**
 * JUnit XML written piece by piece, testcase by testcase, for the run and the drift report alike:
 * a fleet's report or a drift of millions of items is never built as one tree or one string.
 * The layout (two-space indent, an element holding only a CDATA section on one line, counts on
 * the root but no skipped count there, which the Jenkins schema does not allow) is the one the
 * Jenkins JUnit plugin reads; the tests check it against the plugin's XSD.
 */

export interface JunitCounts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

export function noCounts(): JunitCounts {
  return { tests: 0, failures: 0, errors: 0, skipped: 0 };
}

export function addJunitCounts(sum: JunitCounts, counts: JunitCounts): JunitCounts {
  return {
    tests: sum.tests + counts.tests,
    failures: sum.failures + counts.failures,
    errors: sum.errors + counts.errors,
    skipped: sum.skipped + counts.skipped,
  };
}

/** The document around its suites, which `suites` yields in order. */
export function* junitDocument(name: string, totals: JunitCounts, suites: Iterable<string>): Generator<string> {
  const root = { name, tests: totals.tests, failures: totals.failures, errors: totals.errors };
  yield '<?xml version="1.0" encoding="UTF-8"?>\n';
  let open = false;
  for (const piece of suites) {
    if (!open) yield `${startTag('testsuites', root)}\n`;
    open = true;
    yield piece;
  }
  yield open ? '</testsuites>\n' : `${startTag('testsuites', root, true)}\n`;
}

export interface SuiteHead {
  name: string;
  timestamp: string;
  time: number;
  counts: JunitCounts;
  properties: ReadonlyArray<readonly [string, string]>;
}

/** A testsuite's start tag and properties; the testcases follow, then `SUITE_END`. */
export function suiteStart(suite: SuiteHead): string {
  const { name, timestamp, time, counts } = suite;
  const tag = startTag('testsuite', { name, timestamp, time, hostname: name, ...counts });
  const property = ([key, value]: readonly [string, string]) =>
    `      ${startTag('property', { name: key, value }, true)}\n`;
  const properties = suite.properties.map(property);
  return `  ${tag}\n    <properties>\n${properties.join('')}    </properties>\n`;
}

export const SUITE_END = '  </testsuite>\n';

/** U+2024 ONE DOT LEADER: reads as a dot, but is not one. */
const DOT_LOOKALIKE = '\u2024';

/**
 * A testcase's classname, `<target>.<name>`, for Jenkins' tree of host → control. Jenkins splits a
 * classname at its last dot into package and class, so the dots of a name (a control id such as
 * `xccdf_org.ssgproject.content_rule_1.1.1`) become U+2024 ONE DOT LEADER: else the host would be
 * `<target>.xccdf_org.ssgproject.content_rule_1.1` and the control `1`. The dots of the target
 * stay: everything before the last dot is the package, shown whole.
 */
export function junitClassName(target: string, name: string): string {
  return `${target}.${name.replaceAll('.', DOT_LOOKALIKE)}`;
}

/**
 * A testcase and its child elements (failure or error, skipped, system-out, in that order). Its
 * time is 0: every check of a host is judged from one probe, and a drift item from two snapshots.
 */
export function testCase(attributes: { classname: string; name: string }, children: readonly string[]): string {
  const tag = startTag('testcase', { ...attributes, time: 0 }, children.length === 0);
  if (children.length === 0) return `    ${tag}\n`;
  return `    ${tag}\n${children.map((child) => `      ${child}\n`).join('')}    </testcase>\n`;
}

/** `<failure>` or `<error>`: a message and type, and the longer text (when there is one) as CDATA. */
export function problem(element: 'failure' | 'error', message: string, type: string, text = ''): string {
  return cdataElement(element, { message: message || undefined, type: type || undefined }, text);
}

export const SKIPPED = '<skipped/>';

/** `<skipped message="…"/>`: a check of a waived control, the waiver said in the message. */
export function skippedWith(message: string): string {
  return startTag('skipped', { message }, true);
}

export function systemOut(text: string): string[] {
  return text === '' ? [] : [cdataElement('system-out', {}, text)];
}

/**
 * Text as XML 1.0 allows it: control characters, and what XML forbids besides (U+FFFE, U+FFFF,
 * a lone surrogate), become visible escapes instead of breaking the file or vanishing.
 */
export function xmlText(text: string): string {
  return printable(text, { keepLineBreaks: true }).replace(NOT_XML, (char) => `\\u${char.charCodeAt(0).toString(16)}`);
}

const NOT_XML = /[\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

type XmlAttributes = Readonly<Record<string, string | number | undefined>>;

/** `<name a="1">`, or `<name a="1"/>` when it has no content; attributes whose value is undefined are left out. */
function startTag(name: string, attributes: XmlAttributes, empty = false): string {
  const text = Object.entries(attributes)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ` ${key}="${escapeAttribute(String(value))}"`)
    .join('');
  return `<${name}${text}${empty ? '/' : ''}>`;
}

/** An element holding one CDATA section (every "]]>" in it split across two), or empty for no text. */
function cdataElement(name: string, attributes: XmlAttributes, text: string): string {
  if (text === '') return startTag(name, attributes, true);
  return `${startTag(name, attributes)}<![CDATA[${xmlText(text).replaceAll(']]>', ']]]]><![CDATA[>')}]]></${name}>`;
}

function escapeAttribute(value: string): string {
  return xmlText(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#x9;')
    .replace(/\n/g, '&#xA;');
}
