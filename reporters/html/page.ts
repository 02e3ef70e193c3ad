import { createHash } from 'node:crypto';
import { REPORT_CSS } from './assets.js';
import { escapeHtml } from './template.js';

/**
 * The style every report page starts from (reporters/html/assets/report.css), on lines of its own.
 * Neither it nor a page's script contains data: both are constants, allowed by their hashes.
 */
export const BASE_STYLE = `\n${REPORT_CSS}`;

/** The page up to its body, as the check report and the drift report both begin. */
export function pageStart(page: { policy: string; generator: string; title: string; style: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${page.policy}">
<meta name="generator" content="${escapeHtml(page.generator)}">
<title>${escapeHtml(page.title)}</title>
<link rel="icon" href="data:,">
<style>${page.style}</style>
</head>
<body>
`;
}

/** Every load forbidden but the page's own style (and script, where it has one), named by hash. */
export function contentSecurityPolicy(page: { style: string; script?: string }): string {
  return [
    "default-src 'none'",
    `style-src ${cspHashSource(page.style)}`,
    ...(page.script === undefined ? [] : [`script-src ${cspHashSource(page.script)}`]),
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** The end of every page, after its main content (and the script, where it has one). */
export const PAGE_END = `</body>\n</html>\n`;

/** A Content-Security-Policy hash source, `'sha256-<base64>'`, that allows exactly this inline text. */
function cspHashSource(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}
