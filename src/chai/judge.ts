import { evidenceLine } from '../results/evidence-line.js';
import type { CheckResult, HostResult } from '../results/schema.js';
import { printable } from '../text/printable.js';

/** What an assertion's checks came to: passed, failed (an assertion error), or could not be checked. */
export type Judgement =
  | { outcome: 'passed' }
  | { outcome: 'failed'; message: string; expected?: string; actual?: string }
  | { outcome: 'error'; message: string };

/**
 * Judges the checks of one assertion from the host's result. A check that could not be judged
 * (an errored fact, a host that was not reached, a check not applicable) is an error whichever
 * way the assertion points, so `.not` never passes on missing data; errors outrank failures.
 */
export function judgeHost(host: HostResult): Judgement {
  if (host.results.length === 0) return { outcome: 'error', message: `no check ran on ${host.target}` };
  const unjudged = host.results.filter((check) => check.status !== 'passed' && check.status !== 'failed');
  if (unjudged.length > 0)
    return { outcome: 'error', message: unjudged.map((check) => describeCheck(host, check, true)).join('\n') };
  const failed = host.results.filter((check) => check.status === 'failed');
  if (failed.length === 0) return { outcome: 'passed' };
  const first = failed[0]!;
  return {
    outcome: 'failed',
    message: failed.map((check) => describeCheck(host, check, false)).join('\n'),
    ...(failed.length === 1 && first.expected !== undefined ? { expected: first.expected } : {}),
    ...(failed.length === 1 && first.actual !== undefined ? { actual: first.actual } : {}),
  };
}

/** The check as the CLI shows it: its title, its message, then its evidence; with the host where it was not reached. */
function describeCheck(host: HostResult, check: CheckResult, unjudged: boolean): string {
  const message =
    unjudged && !check.message.startsWith('could not check') ? `could not check: ${check.message}` : check.message;
  const lines = [`${printable(check.title)} (on ${printable(host.target)})`, `    ${printable(message)}`];
  const evidence = check.evidence ? host.evidence[check.evidence] : undefined;
  if (evidence) lines.push(`    ${evidenceLine(evidence)}`);
  return lines.join('\n');
}
