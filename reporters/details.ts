import { impactName } from '../src/plan/schema.js';
import type { Control } from '../src/plan/schema.js';
import {
  EVIDENCE_LIMIT,
  type ControlResult,
  type Evidence,
  type HostResult,
  type RunResult,
} from '../src/results/schema.js';

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

/** The control's status on the host, where the result has one (results written before control status did not). */
export function controlOnHost(host: HostResult, id: string | null): ControlResult | undefined {
  return id === null ? undefined : host.controls?.find((c) => c.id === id);
}

/** `waived: <justification> (until 2027-01-31; checks not run)`, or why a waiver no longer applies. */
export function describeWaiver(waiver: NonNullable<ControlResult['waiver']>): string {
  if (waiver.expired) return `waiver expired on ${waiver.expires}: ${waiver.justification}`;
  const until = waiver.expires === undefined ? 'no expiry' : `until ${waiver.expires}`;
  return `waived: ${waiver.justification} (${until}${waiver.run ? '' : '; checks not run'})`;
}

/** `--tags nist (2 controls and 1 check left out)`: what a filtered run did not look at. */
export function describeSelection(selection: NonNullable<RunResult['selection']>): string {
  const filters = [
    ...(selection.controls ? [`--controls ${selection.controls.join(',')}`] : []),
    ...(selection.tags ? [`--tags ${selection.tags.join(',')}`] : []),
  ];
  const controls = `${selection.filteredOutControls} control${selection.filteredOutControls === 1 ? '' : 's'}`;
  const checks = `${selection.filteredOutChecks} check${selection.filteredOutChecks === 1 ? '' : 's'} outside controls`;
  return `filtered by ${filters.join(' ')}: ${controls} and ${checks} left out, not probed`;
}

/** Rationale, remediation and references, one labelled line each, for the text reports. */
export function describeControlGuidance(control: Control): string[] {
  const lines: string[] = [];
  if (control.rationale) lines.push(`rationale: ${control.rationale}`);
  if (control.remediation) lines.push(`remediation: ${control.remediation}`);
  for (const ref of control.references ?? [])
    lines.push(`reference: ${[ref.title, ref.url].filter(Boolean).join(' ')}`);
  return lines;
}
