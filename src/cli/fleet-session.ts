import { createProgress, progressMode, type ProgressOutcomes } from '../../reporters/progress.js';
import { fleetInterrupt } from './interrupt.js';
import type { CliIo } from './io.js';

/** What a fleet command hands the fleet executor from the terminal: the progress line and Ctrl-C. */
export interface FleetSession<H> {
  onHostDone?: (host: H) => void;
  /** Aborted by the first Ctrl-C. */
  interrupt: AbortSignal;
  /** Removes the progress line and stops listening for Ctrl-C: call it before writing reports. */
  finish(): void;
}

/**
 * The same for run and drift: for several hosts, a progress line on a terminal or one plain line
 * per finished host elsewhere; none with --no-progress or --quiet.
 */
export function startFleetSession<H>(
  io: CliIo,
  flags: { progress?: boolean; quiet?: boolean },
  hostCount: number,
  outcomes: ProgressOutcomes<H>,
): FleetSession<H> {
  const wanted = flags.progress !== false && flags.quiet !== true;
  const mode = wanted ? progressMode(io.stderr, hostCount, io.env) : 'off';
  const progress = createProgress(mode, io.stderr, hostCount, outcomes);
  const interrupt = fleetInterrupt(io);
  progress?.start();
  return {
    ...(progress ? { onHostDone: (host: H) => progress.hostDone(host) } : {}),
    interrupt: interrupt.signal,
    finish() {
      progress?.finish();
      interrupt.release();
    },
  };
}
