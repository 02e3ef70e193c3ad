import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireInCi } from './environment.js';

/** The Jenkins JUnit schema the JUnit reports are validated against (origin in the file). */
export const JUNIT_XSD = fileURLToPath(new URL('../fixtures/junit/jenkins-junit.xsd', import.meta.url));

export function hasXmllint(): boolean {
  return spawnSync('xmllint', ['--version']).status === 0;
}

/** Fails in CI (xmllint comes from libxml2-utils, installed by .ci/run) and skips elsewhere. */
export function requireXmllint(context: Mocha.Context): void {
  if (!hasXmllint()) requireInCi(context, 'xmllint (Debian package libxml2-utils)');
}

/** The file the XML was written to, for further xmllint calls. */
export function writeXml(xml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'driftspec-junit-')), 'report.xml');
  writeFileSync(path, xml);
  return path;
}

/** xmllint's verdict on the file against the schema: null when valid, else its messages. */
export function schemaErrors(path: string, xsd: string = JUNIT_XSD): string | null {
  const run = spawnSync('xmllint', ['--noout', '--schema', xsd, path], { encoding: 'utf8' });
  return run.status === 0 ? null : `${run.stderr}${run.stdout}`;
}

/** The string value of an XPath expression (`count(…)`, `string(…)`), without the newline xmllint adds. */
export function xpath(path: string, expression: string): string {
  const run = spawnSync('xmllint', ['--xpath', expression, path], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`xmllint --xpath ${expression}: ${run.stderr}`);
  return run.stdout.endsWith('\n') ? run.stdout.slice(0, -1) : run.stdout;
}
