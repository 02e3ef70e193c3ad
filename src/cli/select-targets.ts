import { InventoryLimitError } from '../inventory/load.js';
import {
  DuplicateTargetError,
  selectTargets as selectInventoryTargets,
  type SelectedTargets,
} from '../inventory/select.js';
import type { TargetAddress } from '../targets/address.js';
import type { SudoSettings } from '../targets/privilege.js';
import type { SshSettings } from '../targets/ssh-settings.js';
import type { CliIo } from './io.js';
import type { FleetFlags } from './fleet-options.js';
import { usageError } from './usage.js';

// How `driftspec run` and `driftspec drift` turn their command line into targets: one function, so
// both commands select, refuse and order hosts alike. Loaded only by the commands that use it.

export type { SelectedTargets };

/**
 * `addresses` are the hosts the command line names; `named` says how they are given there
 * ("a --target"), for the message that refuses a host named twice. A wrong `--limit` or a host
 * named twice is wrong usage (exit 64); a wrong inventory file is a SpecError (exit 78).
 */
export function selectTargets(
  addresses: readonly TargetAddress[],
  flags: Pick<FleetFlags, 'inventory' | 'limit'>,
  context: {
    io: CliIo;
    sshSettings: () => SshSettings;
    sudo: SudoSettings | undefined;
    named: string;
    keepInventoryHost?: (name: string) => boolean;
  },
): SelectedTargets {
  const { io, sshSettings, sudo, named, keepInventoryHost } = context;
  if (flags.limit && flags.inventory === undefined)
    throw usageError('--limit selects hosts of an inventory: add --inventory <file>');
  try {
    const keep = keepInventoryHost ? { keepInventoryHost } : {};
    return selectInventoryTargets(addresses, flags, { cwd: io.cwd, env: io.env, sshSettings, sudo, named, ...keep });
  } catch (error) {
    if (error instanceof InventoryLimitError || error instanceof DuplicateTargetError) throw usageError(error.message);
    throw error;
  }
}

/** `--no-degraded` only means something to `--wait`. */
export function checkWaitFlags(flags: Pick<FleetFlags, 'wait' | 'degraded'>): void {
  if (!flags.degraded && flags.wait === undefined)
    throw usageError('--no-degraded is a rule for --wait: add --wait <duration>');
}
