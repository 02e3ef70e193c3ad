import { isSpecError } from '../inputs/input-error.js';
import type { PhaseListener, Target } from '../targets/target.js';

/** Time as the fleet executor reads it; tests hand in a fake one (test/support/fake-clock.ts). */
export interface FleetClock {
  now(): number;
  /** Calls `callback` once after `ms`; the function returned cancels the call. */
  after(ms: number, callback: () => void): () => void;
}

export const SYSTEM_CLOCK: FleetClock = {
  now: () => Date.now(),
  after(ms, callback) {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
};

/** Why a host ended without its own result: the budget ran out, the run was interrupted, or the work threw. */
export type HostStop =
  | { kind: 'timeout'; budgetMs: number }
  | { kind: 'interrupted'; started: boolean }
  | { kind: 'threw'; error: unknown };

export interface FleetOptions<R, K = R> {
  /** How many hosts are worked on at once. */
  concurrency: number;
  /**
   * One host's whole budget from the moment it starts: connecting, logging in and the probe.
   * When it runs out the host ends with `stopped(…, { kind: 'timeout' })` and its connection is dropped.
   */
  hostTimeoutMs: number;
  /** One host's work; its own failures (unreachable, probe errors) are results, not exceptions. */
  work: (target: Target, index: number) => Promise<R>;
  /** The result of a host that did not finish its work; `startedAt` is the clock time it started (or was given up). */
  stopped: (target: Target, stop: HostStop, startedAt: number, index: number) => R;
  /** Called as each host reaches its end, in the order they end (progress display). */
  onHostDone?: (result: R, index: number) => void;
  /**
   * What the fleet holds of a host's result from its end until every host has ended, by default
   * the result itself: a run that spools its hosts to a file holds nothing.
   */
  keep?: (result: R, index: number) => K;
  /**
   * Once aborted, no further host is started; hosts in progress end at once as interrupted, and
   * every connection is closed. The hosts never started end as interrupted, not started.
   */
  interrupt?: AbortSignal;
  clock?: FleetClock;
  /** How long closing one host's connection may take before the fleet stops waiting for it. */
  closeLimitMs?: number;
}

export interface FleetOutcome<K> {
  /** What `keep` kept of each host, in the targets' order. */
  results: K[];
  /** True when `interrupt` was aborted before every host ended on its own. */
  interrupted: boolean;
}

/** How long closing a finished host's connection may take before the run stops waiting for it. */
export const CLOSE_LIMIT_MS = 2000;

/**
 * Works on every target, at most `concurrency` at a time, each within its own budget. A host that
 * fails, hangs or throws never stops or delays the others; a finished host's connection is closed
 * in the background, so closing never holds a slot that the next host could use.
 */
export async function runFleet<R, K = R>(
  targets: readonly Target[],
  options: FleetOptions<R, K>,
): Promise<FleetOutcome<K>> {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const closeLimitMs = options.closeLimitMs ?? CLOSE_LIMIT_MS;
  const keep = options.keep ?? ((result: R) => result as unknown as K);
  const results = new Array<K>(targets.length);
  // Only the closes still under way: a finished close is let go, not held for every host of a large fleet.
  const closing = new Set<Promise<void>>();
  const interrupted = () => options.interrupt?.aborted === true;
  const end = (index: number, result: R) => {
    results[index] = keep(result, index);
    // Closing also abandons whatever a host that ran out of time was still doing.
    const closed = closeWithin(targets[index]!, closeLimitMs, clock).then(() => void closing.delete(closed));
    closing.add(closed);
    options.onHostDone?.(result, index);
  };
  // One listener on the signal for the whole fleet, fanned out to the hosts in progress: a
  // listener per host would pass Node's limit of ten per signal at a concurrency above ten.
  const inProgress = new Set<() => void>();
  const onInterrupt = () => {
    for (const stop of [...inProgress]) stop();
  };
  options.interrupt?.addEventListener('abort', onInterrupt, { once: true });
  let next = 0;
  const worker = async () => {
    while (next < targets.length && !interrupted()) {
      const index = next++;
      end(index, await hostWithinBudget(targets[index]!, index, options, clock, inProgress));
    }
  };
  const workers = Math.max(1, Math.min(Math.floor(options.concurrency), targets.length));
  try {
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    options.interrupt?.removeEventListener('abort', onInterrupt);
  }
  for (let index = next; index < targets.length; index++) {
    end(index, options.stopped(targets[index]!, { kind: 'interrupted', started: false }, clock.now(), index));
  }
  await Promise.all([...closing]);
  return { results, interrupted: interrupted() };
}

/** One host, never longer than its budget, never past an interrupt, never throwing for the host's own failures. */
function hostWithinBudget<R, K>(
  target: Target,
  index: number,
  options: FleetOptions<R, K>,
  clock: FleetClock,
  inProgress: Set<() => void>,
): Promise<R> {
  const startedAt = clock.now();
  return new Promise<R>((resolve, reject) => {
    let settled = false;
    const settle = (result: () => R) => {
      if (settled) return;
      settled = true;
      cancelTimer();
      inProgress.delete(onInterrupt);
      // A `stopped` that throws is driftspec's own error: it ends the whole fleet.
      try {
        resolve(result());
      } catch (error) {
        reject(error);
      }
    };
    const stop = (reason: HostStop) => settle(() => options.stopped(target, reason, startedAt, index));
    const budgetMs = options.hostTimeoutMs;
    const cancelTimer = clock.after(budgetMs, () => stop({ kind: 'timeout', budgetMs }));
    const onInterrupt = () => stop({ kind: 'interrupted', started: true });
    inProgress.add(onInterrupt);
    Promise.resolve()
      .then(() => options.work(target, index))
      .then(
        (result) => settle(() => result),
        (error: unknown) =>
          // A bad input met while working on a host (a refused image archive) ends the command: exit 78.
          isSpecError(error)
            ? settle(() => {
                throw error;
              })
            : stop({ kind: 'threw', error }),
      );
  });
}

/**
 * Starts connecting to the hosts the fleet will work on first (its first `concurrency` targets,
 * in order), while the caller still reads and plans the spec; the rest connect when their turn
 * comes. Returns the targets it started, which the caller closes should it never run the fleet.
 */
export function connectFirstHosts(
  targets: readonly Target[],
  concurrency: number,
  onPhase: (target: Target) => PhaseListener | undefined,
): Target[] {
  const first = targets.slice(0, Math.max(1, Math.floor(concurrency)));
  for (const target of first) target.connectEarly?.(onPhase(target));
  return first;
}

/** A target whose close() fails or hangs is left behind rather than holding up the run. */
export function closeWithin(target: Target, limitMs: number, clock: FleetClock = SYSTEM_CLOCK): Promise<void> {
  let cancel: (() => void) | undefined;
  const limit = new Promise<void>((resolve) => (cancel = clock.after(limitMs, resolve)));
  const closed = Promise.resolve()
    .then(() => target.close())
    .catch(() => undefined);
  return Promise.race([closed, limit]).finally(() => cancel?.());
}
