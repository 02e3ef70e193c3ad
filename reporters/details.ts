import { impactName } from '../src/plan/schema.js';
import type { Control } from '../src/plan/schema.js';
import { EVIDENCE_LIMIT, type Evidence, type RunResult } from '../src/results/schema.js';

/** Text helpers shared by the file reporters (junit, markdown), so they describe things alike. */

export function findControl(result: RunResult, id: string | null): Control | undefined {
  return id === null ? undefined : result.controls.find((c) => c.id === id);
}

/** `0.7 (high)`: the number auditors' tools use and the name people read. */
export function describeImpact(impact: number): string {
  return `${impact} (${impactName(impact)})`;
}

/** `cis=6.1.2,6.1.3; nist=AC-6`, keys in the order the spec wrote them. */
export function describeTags(tags: Control['tags']): string {
  return Object.entries(tags)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`)
    .join('; ');
}

export function describeSpecs(result: RunResult): string {
  return result.specs.map((s) => (s.version ? `${s.name} ${s.version}` : s.name)).join(', ');
}

/** The query, its exit status and raw output, saying where the engine cut the output short. */
export function describeEvidence(evidence: Evidence): string {
  const lines = [
    `query ${evidence.id} exited ${evidence.exitCode ?? 'without a status (not run to the end)'}`,
    '--- script ---',
    evidence.script.trimEnd(),
  ];
  lines.push(...describeStream('stdout', evidence.stdout, evidence.stdoutBytes));
  lines.push(...describeStream('stderr', evidence.stderr, evidence.stderrBytes));
  return lines.join('\n');
}

function describeStream(name: string, text: string, bytes: number): string[] {
  if (bytes === 0) return [`--- ${name}: empty ---`];
  const cut = bytes > EVIDENCE_LIMIT ? ` (first ${EVIDENCE_LIMIT} of ${bytes} bytes)` : ` (${bytes} bytes)`;
  return [`--- ${name}${cut} ---`, text.trimEnd()];
}
