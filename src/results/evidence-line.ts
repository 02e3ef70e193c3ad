import { printable } from '../text/printable.js';
import type { Evidence } from './schema.js';

/** The one-line evidence of a check as the CLI shows it: the query, its exit status, its output's size and stderr. */
export function evidenceLine(evidence: Evidence): string {
  const stderr = printable(evidence.stderr.trim().split('\n').slice(0, 3).join(' | '));
  const size = `${evidence.stdoutBytes} bytes of output${evidence.truncated ? ', truncated in the report' : ''}`;
  return (
    `evidence: query ${printable(evidence.id)} exited ${evidence.exitCode ?? 'without status'}, ` +
    `${size}${stderr ? `; stderr: ${stderr}` : ''}`
  );
}
