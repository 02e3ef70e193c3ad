import type { CliIo, InterruptSource } from './io.js';

/** The exit code of a run cut short by Ctrl-C (128 + SIGINT), as shells report it. */
export const INTERRUPTED_EXIT = 130;

/** What a process offers to watch its signals: `process` itself, or a test's stand-in. */
export interface SignalSource {
  on(signal: 'SIGINT', handler: () => void): unknown;
}

/**
 * The first SIGINT tells whoever listens (a fleet command: no new hosts, hosts in progress end,
 * connections close, the reports are written with what was gathered); with nobody listening, or
 * on a second SIGINT, `exit(130)` at once.
 */
export function watchInterrupts(
  signals: SignalSource,
  stderr: CliIo['stderr'],
  exit: (code: number) => void,
): InterruptSource {
  const listeners = new Set<() => void>();
  let interrupted = false;
  signals.on('SIGINT', () => {
    if (interrupted || listeners.size === 0) {
      exit(INTERRUPTED_EXIT);
      return;
    }
    interrupted = true;
    stderr.write('\ndriftspec: interrupted: no more hosts are started; writing the reports');
    stderr.write(' (Ctrl-C again stops at once)\n');
    for (const listener of [...listeners]) listener();
  });
  return {
    listen(onInterrupt) {
      listeners.add(onInterrupt);
      return () => listeners.delete(onInterrupt);
    },
  };
}

/** An AbortSignal for a fleet, aborted by the CLI's first interrupt; `release` stops listening. */
export function fleetInterrupt(io: CliIo): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const release = io.interrupts?.listen(() => controller.abort()) ?? (() => undefined);
  return { signal: controller.signal, release };
}
