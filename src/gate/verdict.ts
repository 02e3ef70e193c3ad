import type { RunResult } from '../results/schema.js';
import { EXIT, type ExitCode } from './exit-codes.js';

export interface Verdict {
  exitCode: ExitCode;
  summary: string;
}

/** Errors and unreachable hosts outrank failures: a run that could not look is not a run that passed. */
export function decideVerdict(result: RunResult): Verdict {
  const notCompleted = result.hosts.filter((h) => h.status !== 'completed');
  if (notCompleted.length > 0 || result.counts.error > 0) {
    const parts = [];
    if (notCompleted.length > 0) parts.push(`${notCompleted.length} host(s) not completed`);
    if (result.counts.error > 0) parts.push(`${result.counts.error} check(s) errored`);
    return { exitCode: EXIT.error, summary: `error: ${parts.join(', ')}` };
  }
  if (result.counts.failed > 0) return { exitCode: EXIT.failed, summary: `failed: ${result.counts.failed} check(s) failed` };
  return { exitCode: EXIT.passed, summary: 'passed' };
}
