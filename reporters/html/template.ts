import { printable } from '../../src/text/printable.js';

/**
 * The small template engine of the HTML reports: every interpolation in an html`` template is
 * escaped unless it is itself Html, so text from specs and hosts is never read as markup; its
 * control and bidi characters are shown as escapes (printable), as in every text report.
 */

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return printable(text, { keepLineBreaks: true }).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

export type Fragment = Html | string | number | boolean | null | undefined | readonly Fragment[];

export function html(strings: TemplateStringsArray, ...values: Fragment[]): Html {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += fragment(value) + strings[i + 1]!;
  });
  return new Html(out);
}

function fragment(value: Fragment): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(fragment).join('');
  if (value === null || value === undefined || value === false || value === true) return '';
  return escapeHtml(String(value));
}
