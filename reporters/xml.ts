import { printable } from '../src/text/printable.js';

/**
 * XML text written piece by piece, in the layout the JUnit builder writes (two-space indent, an
 * element holding only a CDATA section on one line), for reports too large for the builder's tree.
 */

/**
 * Text as XML 1.0 allows it: control characters, and what XML forbids besides (U+FFFE, U+FFFF,
 * a lone surrogate), become visible escapes instead of breaking the file or vanishing.
 */
export function xmlText(text: string): string {
  return printable(text, { keepLineBreaks: true }).replace(NOT_XML, (char) => `\\u${char.charCodeAt(0).toString(16)}`);
}

const NOT_XML = /[\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export type XmlAttributes = Readonly<Record<string, string | number | undefined>>;

/** `<name a="1">`, or `<name a="1"/>` when it has no content; attributes whose value is undefined are left out. */
export function startTag(name: string, attributes: XmlAttributes, empty = false): string {
  const text = Object.entries(attributes)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ` ${key}="${escapeAttribute(String(value))}"`)
    .join('');
  return `<${name}${text}${empty ? '/' : ''}>`;
}

/** An element holding one CDATA section, or nothing at all for empty text (as the builder does). */
export function cdataElement(name: string, attributes: XmlAttributes, text: string): string {
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
