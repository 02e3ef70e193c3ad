import { execWhenReady, type WaitOptions } from '../engine/wait.js';
import { PrivilegeError } from '../targets/privilege.js';
import { TargetUnreachableError, type Target } from '../targets/target.js';
import { SnapshotProbeError, takeSnapshot, type SnapshotOptions } from './snapshot.js';
import type { Snapshot } from './snapshot-schema.js';

/** Why a host gave no snapshot: it could not be reached, or its probe failed. */
export interface SnapshotFailure {
  kind: 'unreachable' | 'probe error';
  message: string;
}

export type HostSnapshot = { snapshot: Snapshot } | { failure: SnapshotFailure };

/**
 * One host's snapshot, as `driftspec snapshot` and `driftspec drift` take it; the host's own
 * failures are results, anything else is thrown. With `wait` (--wait), first the boot wait of
 * `driftspec run --wait` (connection retries with backoff, cloud-init and systemd) as a probe of
 * its own: the snapshot probe runs once the host is ready, so a host still booting never costs a
 * repeated walk of the file trees. Without it, one exec.
 */
export async function snapshotHost(
  target: Target,
  options: SnapshotOptions,
  wait?: WaitOptions,
): Promise<HostSnapshot> {
  if (wait) {
    const ready = await execWhenReady(target, [], options.timeoutMs, wait);
    if (!ready.ok) {
      const kind = ready.status === 'unreachable' ? 'unreachable' : 'probe error';
      return { failure: { kind, message: ready.reason } };
    }
  }
  try {
    return { snapshot: await takeSnapshot(target, options) };
  } catch (error) {
    if (error instanceof TargetUnreachableError) return { failure: { kind: 'unreachable', message: error.message } };
    if (error instanceof SnapshotProbeError || error instanceof PrivilegeError) {
      return { failure: { kind: 'probe error', message: error.message } };
    }
    throw error;
  }
}
