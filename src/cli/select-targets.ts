import type { HostInventoryInfo } from '../engine/run.js';
import { InventoryLimitError, loadInventory, selectHosts } from '../inventory/load.js';
import { inventoryTargets } from '../inventory/targets.js';
import type { TargetAddress } from '../targets/address.js';
import { createTarget } from '../targets/parse.js';
import type { SudoSettings } from '../targets/privilege.js';
import type { SshSettings } from '../targets/ssh-settings.js';
import type { Target } from '../targets/target.js';
import type { CliIo } from './io.js';
import type { FleetFlags } from './fleet-options.js';
import { usageError } from './usage.js';

// How `driftspec run` and `driftspec drift` turn their command line into targets: one function, so
// both commands select, refuse and order hosts alike. Loaded only by the commands that use it.

export interface SelectedTargets {
  /** The hosts named on the command line first, then the inventory's that `--limit` selects, in file order. */
  targets: Target[];
  /** The inventory entry of each target that came from `--inventory`. */
  inventory: Map<Target, HostInventoryInfo>;
}

/**
 * `addresses` are the hosts the command line names; `named` says how they are given there
 * ("a --target"), for the message that refuses a host named twice. A wrong `--limit` or a host
 * named twice is wrong usage (exit 64); a wrong inventory file is a SpecError (exit 78).
 */
export function selectTargets(
  addresses: readonly TargetAddress[],
  flags: Pick<FleetFlags, 'inventory' | 'limit'>,
  context: { io: CliIo; sshSettings: () => SshSettings; sudo: SudoSettings | undefined; named: string },
): SelectedTargets {
  const { io, sshSettings, sudo, named } = context;
  if (flags.limit && flags.inventory === undefined)
    throw usageError('--limit selects hosts of an inventory: add --inventory <file>');
  const targets = addresses.map((address) => createTarget(address, sshSettings, sudo));
  const inventory = new Map<Target, HostInventoryInfo>();
  if (flags.inventory !== undefined) {
    const loaded = loadInventory(flags.inventory, io.cwd);
    let hosts: ReturnType<typeof selectHosts>;
    try {
      hosts = selectHosts(loaded, flags.limit ?? []);
    } catch (error) {
      if (error instanceof InventoryLimitError) throw usageError(error.message);
      throw error;
    }
    for (const { target, info } of inventoryTargets(hosts, sshSettings, io.env, sudo)) {
      const twin = targets.find((other) => other.name === target.name);
      if (twin)
        throw usageError(`${target.name} is both ${named} and inventory host "${info.name}"; name each host once`);
      targets.push(target);
      inventory.set(target, info);
    }
  }
  return { targets, inventory };
}

/** `--no-degraded` only means something to `--wait`. */
export function checkWaitFlags(flags: Pick<FleetFlags, 'wait' | 'degraded'>): void {
  if (!flags.degraded && flags.wait === undefined)
    throw usageError('--no-degraded is a rule for --wait: add --wait <duration>');
}

/** Room beyond the connect and probe timeouts for what lies between them (opening the session). */
const HOST_TIMEOUT_SLACK_SECONDS = 10;

/** A host's budget without --host-timeout, before any waiting: connecting, logging in and one probe. */
export function defaultHostTimeoutSeconds(flags: { connectTimeout: number; timeout: number }): number {
  return flags.connectTimeout + flags.timeout + HOST_TIMEOUT_SLACK_SECONDS;
}
