/**
 * The phase timeline of driftspec's single-instance runs (`run --timings`): per phase the median
 * moment it ended, and the critical path, the chain of phases that decided when the run ended.
 */
import { parseTimingLines, RUN_PHASES, type RunPhase } from '../../src/engine/timeline.js';
import { median } from './measure.js';

/** The runs of one spec: each run's phases, ms since the process started. */
export interface SpecTimeline {
  spec: string;
  runs: Partial<Record<RunPhase, number>>[];
}

/** One run's phases from its stderr; a phase met twice (a second host) keeps its first moment. */
export function phasesOfRun(stderr: string): Partial<Record<RunPhase, number>> {
  const phases: Partial<Record<RunPhase, number>> = {};
  for (const mark of parseTimingLines(stderr)) phases[mark.phase] ??= mark.atMs;
  return phases;
}

/** What the SSH connection ran beside: the work done before the probe could be sent. */
const LOCAL_WORK: readonly RunPhase[] = ['cli-loaded', 'spec-read', 'plan-built'];

export function renderTimelines(timelines: readonly SpecTimeline[]): string[] {
  if (timelines.length === 0) return [];
  const lines = [
    '### Where the time goes: the phase timeline',
    '',
    'driftspec with `--timings` in the same rounds (this build only): when each phase ended, in ms',
    'since the process started (median over the rounds), and the time from the phase before. The',
    "first hosts' connections are started while the spec is read and planned (`tcp-connected` is",
    'measured from `cli-loaded`); the probe is sent when both are done (`probe-sent` is measured',
    'from the later of the two).',
    '',
    `| phase | ${timelines.map((t) => `${t.spec}: ends at | step`).join(' | ')} |`,
    `|---|${timelines.map(() => '---:|---:').join('|')}|`,
  ];
  const medians = timelines.map((timeline) => medianPhases(timeline));
  for (const phase of RUN_PHASES) {
    const cells = medians.map((phases) => {
      const at = phases.get(phase);
      if (at === undefined) return '– | –';
      const before = previousPhase(phases, phase);
      return `${at.toFixed(0)} ms | ${before === undefined ? '' : `+${(at - before).toFixed(0)} ms`}`;
    });
    lines.push(`| ${phase} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  for (const [index, timeline] of timelines.entries()) lines.push(`- ${criticalPath(timeline.spec, medians[index]!)}`);
  lines.push('');
  return lines;
}

function medianPhases(timeline: SpecTimeline): Map<RunPhase, number> {
  const phases = new Map<RunPhase, number>();
  for (const phase of RUN_PHASES) {
    const values = timeline.runs.map((run) => run[phase]).filter((value) => value !== undefined);
    if (values.length > 0) phases.set(phase, median(values));
  }
  return phases;
}

function previousPhase(phases: ReadonlyMap<RunPhase, number>, phase: RunPhase): number | undefined {
  const earlier = RUN_PHASES.slice(0, RUN_PHASES.indexOf(phase)).filter((p) => phases.has(p));
  // The connection starts beside the planning: its first step is measured from the CLI's start.
  if (phase === 'tcp-connected') return phases.get('cli-loaded');
  const before = phase === 'probe-sent' ? latest(phases, ['plan-built', 'ssh-ready']) : undefined;
  return before ?? phases.get(earlier[earlier.length - 1]!);
}

function latest(phases: ReadonlyMap<RunPhase, number>, of: readonly RunPhase[]): number | undefined {
  const values = of.map((phase) => phases.get(phase)).filter((value) => value !== undefined);
  return values.length === 0 ? undefined : Math.max(...values);
}

/** Which of planning and connecting the probe waited for, and what followed. */
function criticalPath(spec: string, phases: ReadonlyMap<RunPhase, number>): string {
  const planned = latest(phases, LOCAL_WORK);
  const ready = phases.get('ssh-ready');
  const done = phases.get('reports-written');
  if (planned === undefined || ready === undefined || done === undefined) return `${spec}: incomplete timeline`;
  const waitedFor = ready > planned ? 'the SSH login' : 'the plan';
  const tcp = phases.get('tcp-connected');
  const sent = phases.get('probe-sent') ?? Math.max(ready, planned);
  const probeDone = phases.get('probe-done') ?? sent;
  return (
    `${spec}: the probe waited for ${waitedFor} (plan built at ${planned.toFixed(0)} ms; TCP connected at ` +
    `${tcp === undefined ? '–' : tcp.toFixed(0)} ms, logged in at ${ready.toFixed(0)} ms), then the probe ` +
    `${(probeDone - sent).toFixed(0)} ms from sending to its last byte, then judging and reports ` +
    `${(done - probeDone).toFixed(0)} ms; the process ended at ${done.toFixed(0)} ms.`
  );
}
