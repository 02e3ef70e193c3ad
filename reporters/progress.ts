import type { HostDrift } from '../src/drift/diff-schema.js';
import type { HostResult } from '../src/results/schema.js';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Only for a person watching a fleet run: stderr is a terminal and there is more than one host. */
export function shouldShowProgress(stream: ProgressStream, hostCount: number, env: NodeJS.ProcessEnv): boolean {
  return Boolean(stream.isTTY) && hostCount > 1 && env.TERM !== 'dumb';
}

/** The outcomes a progress line counts, in the order it shows them, and how a finished host maps to one. */
export interface ProgressOutcomes<H> {
  labels: readonly string[];
  outcomeOf(host: H): string;
}

/** Run hosts: errors outrank failures, as in the verdict. */
export const RUN_PROGRESS: ProgressOutcomes<HostResult> = {
  labels: ['passed', 'failed', 'error', 'unreachable'],
  outcomeOf(host) {
    if (host.status === 'unreachable') return 'unreachable';
    if (host.status === 'error' || host.counts.error > 0) return 'error';
    return host.counts.failed > 0 ? 'failed' : 'passed';
  },
};

/** Drift hosts: a host without a snapshot of its own (unreachable, probe error, interrupted) says so. */
export const DRIFT_PROGRESS: ProgressOutcomes<HostDrift> = {
  labels: ['no drift', 'drift', 'incomplete', 'unreachable'],
  outcomeOf(host) {
    if (host.reason !== undefined) return 'unreachable';
    return host.state === 'no-drift' ? 'no drift' : host.state;
  },
};

const CLEAR_LINE = '\r\u001b[2K';
const DEFAULT_COLUMNS = 80;

/**
 * One status line on a terminal, rewritten as each host finishes:
 * `driftspec: 4/6 hosts · 2 passed · 1 failed · 0 error · 1 unreachable · 3.2 s`.
 * finish() removes it, so the report that follows starts on a clean line.
 */
export class FleetProgress<H> {
  private readonly counts = new Map<string, number>();
  private done = 0;
  private readonly started: number;

  constructor(
    private readonly stream: ProgressStream,
    private readonly total: number,
    private readonly outcomes: ProgressOutcomes<H>,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
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
    const seconds = ((this.now() - this.started) / 1000).toFixed(1);
    const counts = [...this.counts].map(([label, count]) => ` · ${count} ${label}`).join('');
    return `driftspec: ${this.done}/${this.total} hosts${counts} · ${seconds} s`;
  }

  /** Cut to the terminal's width: a wrapped line could not be rewritten in place. */
  private render(): void {
    // A terminal that does not know its size (a pseudo-terminal without one) says 0 columns.
    const width = this.stream.columns && this.stream.columns > 0 ? this.stream.columns : DEFAULT_COLUMNS;
    this.stream.write(`${CLEAR_LINE}${this.line().slice(0, width - 1)}`);
  }
}
