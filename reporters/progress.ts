import type { HostDrift } from '../src/drift/diff-schema.js';
import { notApplicable, type HostResult } from '../src/results/schema.js';
import { printable } from '../src/text/printable.js';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * How a fleet of more than one host shows its progress on stderr: `line`, one line rewritten in
 * place on a terminal; `plain`, one line per finished host where nothing can be rewritten (a pipe,
 * a CI log, a file, TERM=dumb); `off` for a single host.
 */
export type ProgressMode = 'line' | 'plain' | 'off';

export function progressMode(stream: ProgressStream, hostCount: number, env: NodeJS.ProcessEnv): ProgressMode {
  if (hostCount <= 1) return 'off';
  return stream.isTTY && env.TERM !== 'dumb' ? 'line' : 'plain';
}

/** What a fleet command tells its progress display. */
export interface Progress<H> {
  start(): void;
  hostDone(host: H): void;
  /** Called before the reports are written. */
  finish(): void;
}

/** The progress display of `mode`, or none. */
export function createProgress<H>(
  mode: ProgressMode,
  stream: ProgressStream,
  total: number,
  outcomes: ProgressOutcomes<H>,
): Progress<H> | undefined {
  if (mode === 'line') return new FleetProgress(stream, total, outcomes);
  if (mode === 'plain') return new PlainProgress(stream, total, outcomes);
  return undefined;
}

/**
 * The outcomes a progress line counts, in the order it shows them, how a finished host maps to
 * one, and how a plain progress line sums the host up.
 */
export interface ProgressOutcomes<H> {
  labels: readonly string[];
  outcomeOf(host: H): string;
  targetOf(host: H): string;
  /** `passed 48, failed 2`, `unreachable: connection refused`. */
  summaryOf(host: H): string;
}

/** Run hosts: errors outrank failures, as in the verdict. */
export const RUN_PROGRESS: ProgressOutcomes<HostResult> = {
  labels: ['passed', 'failed', 'error', 'unreachable'],
  outcomeOf(host) {
    if (host.status === 'unreachable') return 'unreachable';
    if (host.status === 'error' || host.counts.error > 0) return 'error';
    return host.counts.failed > 0 ? 'failed' : 'passed';
  },
  targetOf: (host) => host.target,
  summaryOf(host) {
    if (host.status !== 'completed') return `${host.status}: ${host.reason ?? 'no reason given'}`;
    const { passed, failed, error, skipped } = host.counts;
    const counts: Array<[string, number]> = [
      ['error', error],
      ['skipped', skipped],
      ['not applicable', notApplicable(host.counts)],
    ];
    const rare = counts.filter(([, count]) => count > 0).map(([label, count]) => `, ${label} ${count}`);
    return `passed ${passed}, failed ${failed}${rare.join('')}`;
  },
};

/** Drift hosts: a host without a snapshot of its own (unreachable, probe error, interrupted) says so. */
export const DRIFT_PROGRESS: ProgressOutcomes<HostDrift> = {
  labels: ['no drift', 'drift', 'incomplete', 'unreachable'],
  outcomeOf(host) {
    if (host.reason !== undefined) return 'unreachable';
    return host.state === 'no-drift' ? 'no drift' : host.state;
  },
  targetOf: (host) => host.target,
  summaryOf(host) {
    // The reason says already what went wrong: `unreachable: …`, `error: …`.
    if (host.reason !== undefined) return host.reason;
    const { added, removed, changed, notCompared } = host.counts;
    const differences = `added ${added}, removed ${removed}, changed ${changed}`;
    const gaps = notCompared > 0 ? `, not compared ${notCompared}` : '';
    return `${host.state === 'no-drift' ? 'no drift' : host.state}: ${differences}${gaps}`;
  },
};

/** What both displays keep: where they write, how many hosts are done of how many, since when. */
abstract class SweepProgress<H> implements Progress<H> {
  protected done = 0;
  private readonly started: number;

  constructor(
    protected readonly stream: ProgressStream,
    protected readonly total: number,
    protected readonly outcomes: ProgressOutcomes<H>,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  abstract start(): void;
  abstract hostDone(host: H): void;
  abstract finish(): void;

  /** `3.2`: seconds since the sweep began, to a tenth. */
  protected elapsedSeconds(): string {
    return ((this.now() - this.started) / 1000).toFixed(1);
  }
}

const CLEAR_LINE = '\r\u001b[2K';
const DEFAULT_COLUMNS = 80;

/**
 * One status line on a terminal, rewritten as each host finishes:
 * `driftspec: 4/6 hosts · 2 passed · 1 failed · 0 error · 1 unreachable · 3.2 s`.
 * finish() removes it, so the report that follows starts on a clean line.
 */
export class FleetProgress<H> extends SweepProgress<H> {
  private readonly counts = new Map<string, number>();

  constructor(stream: ProgressStream, total: number, outcomes: ProgressOutcomes<H>, now: () => number = Date.now) {
    super(stream, total, outcomes, now);
    for (const label of outcomes.labels) this.counts.set(label, 0);
  }

  start(): void {
    this.render();
  }

  hostDone(host: H): void {
    this.done++;
    const outcome = this.outcomes.outcomeOf(host);
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + 1);
    this.render();
  }

  finish(): void {
    this.stream.write(CLEAR_LINE);
  }

  line(): string {
    const counts = [...this.counts].map(([label, count]) => ` · ${count} ${label}`).join('');
    return `driftspec: ${this.done}/${this.total} hosts${counts} · ${this.elapsedSeconds()} s`;
  }

  /** Cut to the terminal's width: a wrapped line could not be rewritten in place. */
  private render(): void {
    // A terminal that does not know its size (a pseudo-terminal without one) says 0 columns.
    const width = this.stream.columns && this.stream.columns > 0 ? this.stream.columns : DEFAULT_COLUMNS;
    this.stream.write(`${CLEAR_LINE}${this.line().slice(0, width - 1)}`);
  }
}

/**
 * One line per finished host, for a log that only grows (a Jenkins console, `2>file`):
 * `[3/20] ssh://root@web3:22 passed 48, failed 2 (12.3 s)`, the time being the sweep's so far.
 * No control character is written: a target or reason that holds one is escaped.
 */
export class PlainProgress<H> extends SweepProgress<H> {
  start(): void {}

  hostDone(host: H): void {
    this.done++;
    const target = this.outcomes.targetOf(host);
    const line = `[${this.done}/${this.total}] ${target} ${this.outcomes.summaryOf(host)} (${this.elapsedSeconds()} s)`;
    this.stream.write(`${printable(line)}\n`);
  }

  finish(): void {}
}
