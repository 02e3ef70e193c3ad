import { FleetProgress, shouldShowProgress, type ProgressOutcomes } from '../../reporters/progress.js';
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

/** The same for run, snapshot and drift: a progress line for a person watching several hosts. */
export function startFleetSession<H>(
  io: CliIo,
  flags: { progress?: boolean },
  hostCount: number,
  outcomes: ProgressOutcomes<H>,
): FleetSession<H> {
  const showProgress = flags.progress !== false && shouldShowProgress(io.stderr, hostCount, io.env);
  const progress = showProgress ? new FleetProgress(io.stderr, hostCount, outcomes) : undefined;
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
