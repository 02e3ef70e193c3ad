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

type HostOutcome = 'passed' | 'failed' | 'error' | 'unreachable';

/** Errors outrank failures, as in the verdict. */
function outcomeOf(host: HostResult): HostOutcome {
  if (host.status === 'unreachable') return 'unreachable';
  if (host.status === 'error' || host.counts.error > 0) return 'error';
  return host.counts.failed > 0 ? 'failed' : 'passed';
}

const CLEAR_LINE = '\r\u001b[2K';
const DEFAULT_COLUMNS = 80;

/**
 * One status line on a terminal, rewritten as each host finishes:
 * `driftspec: 4/6 hosts · 2 passed · 1 failed · 0 error · 1 unreachable · 3.2 s`.
 * finish() removes it, so the report that follows starts on a clean line.
 */
export class FleetProgress {
  private readonly counts: Record<HostOutcome, number> = { passed: 0, failed: 0, error: 0, unreachable: 0 };
  private done = 0;
  private readonly started: number;

  constructor(
    private readonly stream: ProgressStream,
    private readonly total: number,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  start(): void {
    this.render();
  }

  hostDone(host: HostResult): void {
    this.done++;
    this.counts[outcomeOf(host)]++;
    this.render();
  }

  finish(): void {
    this.stream.write(CLEAR_LINE);
  }

  line(): string {
    const { passed, failed, error, unreachable } = this.counts;
    const seconds = ((this.now() - this.started) / 1000).toFixed(1);
    return `driftspec: ${this.done}/${this.total} hosts · ${passed} passed · ${failed} failed · ${error} error · ${unreachable} unreachable · ${seconds} s`;
  }

  /** Cut to the terminal's width: a wrapped line could not be rewritten in place. */
  private render(): void {
    // A terminal that does not know its size (a pseudo-terminal without one) says 0 columns.
    const width = this.stream.columns && this.stream.columns > 0 ? this.stream.columns : DEFAULT_COLUMNS;
    this.stream.write(`${CLEAR_LINE}${this.line().slice(0, width - 1)}`);
  }
}
