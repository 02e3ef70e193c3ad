import type { PhaseListener } from '../targets/target.js';
import { printable } from '../text/printable.js';

/**
 * The phases of a run, in the order they end: the command's code loaded, the spec read into a
 * plan, every host's plan made, then per host its connection and probe (a target's HostPhase, each
 * of which is one of these) and its checks judged, and last the reports written.
 */
export const RUN_PHASES = [
  'cli-loaded',
  'spec-read',
  'plan-built',
  'tcp-connected',
  'ssh-ready',
  'probe-sent',
  'first-byte',
  'probe-done',
  'evaluated',
  'reports-written',
] as const;
export type RunPhase = (typeof RUN_PHASES)[number];

/** Where a run notes the moment each phase ends; a host's phases name the host. */
export interface PhaseRecorder {
  mark(phase: RunPhase, host?: string): void;
}

export interface PhaseMark {
  phase: RunPhase;
  host?: string;
  /** Milliseconds since the clock's origin (for the CLI: since the process started). */
  atMs: number;
}

/** The listener a target is given for one host's connection and probe. */
export function hostPhases(recorder: PhaseRecorder | undefined, host: string): PhaseListener | undefined {
  return recorder ? (phase) => recorder.mark(phase, host) : undefined;
}

/** The prefix of every line `--timings` prints: `driftspec: timing <ms> ms <phase>[ <host>]`. */
export const TIMING_LINE_PREFIX = 'driftspec: timing ';

/** Keeps every mark with the time the clock gives; costs one array push per mark. */
export class PhaseTimeline implements PhaseRecorder {
  readonly marks: PhaseMark[] = [];

  constructor(private readonly now: () => number) {}

  mark(phase: RunPhase, host?: string): void {
    this.marks.push({ phase, ...(host === undefined ? {} : { host }), atMs: this.now() });
  }

  /** One line per mark, in the order they were made. */
  render(): string {
    return this.marks.map(timingLine).join('');
  }
}

function timingLine(mark: PhaseMark): string {
  const host = mark.host === undefined ? '' : ` ${printable(mark.host)}`;
  return `${TIMING_LINE_PREFIX}${mark.atMs.toFixed(1)} ms ${mark.phase}${host}\n`;
}

/** Reads the lines `render` wrote (among other text), for the benchmark. */
export function parseTimingLines(text: string): PhaseMark[] {
  const marks: PhaseMark[] = [];
  const phases: readonly string[] = RUN_PHASES;
  for (const line of text.split('\n')) {
    if (!line.startsWith(TIMING_LINE_PREFIX)) continue;
    const match = /^(\d+(?:\.\d+)?) ms (\S+)(?: (.+))?$/.exec(line.slice(TIMING_LINE_PREFIX.length));
    if (!match || !phases.includes(match[2]!)) continue;
    const phase = match[2] as RunPhase;
    marks.push({ phase, ...(match[3] === undefined ? {} : { host: match[3] }), atMs: Number(match[1]) });
  }
  return marks;
}
