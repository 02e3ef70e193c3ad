import type { SnapshotOptions } from '../drift/snapshot.js';
import { snapshotHost, type HostSnapshot } from '../drift/snapshot-host.js';
import type { Target } from '../targets/target.js';
import { runFleet, type HostStop } from './fleet.js';

/** One target's snapshot, or why there is none: unreachable, a probe error, out of time, or interrupted. */
export type SnapshotTaken = HostSnapshot | { failure: { kind: 'interrupted'; message: string } };

/**
 * One target through the fleet executor, for `driftspec snapshot` and the snapshot() function:
 * the same host budget, interrupt and closing as run and drift. An error of driftspec's own is thrown.
 */
export async function snapshotTarget(
  target: Target,
  options: SnapshotOptions,
  pacing: { budgetSeconds: number; interrupt: AbortSignal },
): Promise<SnapshotTaken> {
  const fleet = await runFleet<SnapshotTaken | { error: unknown }>([target], {
    concurrency: 1,
    hostTimeoutMs: pacing.budgetSeconds * 1000,
    work: (host) => snapshotHost(host, options),
    stopped: (_host, stop) => stoppedSnapshot(stop, pacing.budgetSeconds),
    interrupt: pacing.interrupt,
  });
  const taken = fleet.results[0]!;
  if ('error' in taken) throw taken.error;
  return taken;
}

function stoppedSnapshot(stop: HostStop, budgetSeconds: number): SnapshotTaken | { error: unknown } {
  if (stop.kind === 'threw') return { error: stop.error };
  if (stop.kind === 'interrupted') {
    return { failure: { kind: 'interrupted', message: 'interrupted (SIGINT): no snapshot written' } };
  }
  const within = `within the ${budgetSeconds} s host timeout`;
  const message = `did not finish ${within} (connecting, logging in and the snapshot probe)`;
  return { failure: { kind: 'unreachable', message } };
}
