import type { RunResult } from '../../src/results/schema.js';

/**
 * A run result without what differs between two runs of the same checks: when they started and
 * how long they took (the whole run's and each host's) and the verdict's position in the file.
 */
export function comparableRun(result: RunResult): unknown {
  const { startedAt: _started, finishedAt: _finished, ...rest } = result;
  return {
    ...rest,
    hosts: result.hosts.map(({ startedAt: _s, durationMs: _d, ...host }) => host),
  };
}

/** A JUnit report without its times (`time`, `timestamp`); everything else as written. */
export function comparableJunit(xml: string): string {
  return xml.replace(/ (time|timestamp)="[^"]*"/g, ' $1=""');
}

/** A Markdown report without its timestamps. */
export function comparableMarkdown(markdown: string): string {
  return markdown.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d/g, '<time>');
}
