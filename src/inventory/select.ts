import type { TargetAddress } from '../targets/address.js';
import { createTarget } from '../targets/parse.js';
import type { SudoSettings } from '../targets/privilege.js';
import type { SshSettings } from '../targets/ssh-settings.js';
import type { Target } from '../targets/target.js';
import { loadInventory, selectHosts } from './load.js';
import { inventoryTargets, type InventoryEntry } from './targets.js';

export interface SelectedTargets {
  /** The hosts named directly first, then the inventory's that the limits select, in file order. */
  targets: Target[];
  /** The inventory entry (and vars) of each target that came from the inventory. */
  inventory: Map<Target, InventoryEntry>;
  /**
   * The first inventory host the limits select, kept or not: its vars give the inputs that have no
   * value elsewhere to the plan the run is described by, the same plan in every shard.
   */
  firstInventoryHost?: { target: string; vars: Readonly<Record<string, unknown>> };
}

/** A host named twice: once directly and once by the inventory. */
export class DuplicateTargetError extends Error {
  override name = 'DuplicateTargetError';
}

export interface TargetSelection {
  /** An inventory file and the hosts or groups of it to take ("all" for every host). */
  inventory?: string;
  limit?: readonly string[];
}

export interface SelectionContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  sshSettings: () => SshSettings;
  sudo: SudoSettings | undefined;
  /** How the directly named hosts are given ("a --target"), for the message that refuses a host named twice. */
  named: string;
  /**
   * Asked once for each inventory host the limits select, in order: a host it refuses is not made a
   * target (a shard's other hosts). Only with no host named directly, which every host is compared with.
   */
  keepInventoryHost?: (name: string) => boolean;
}

/**
 * The targets of a run or a drift: the addresses given, then the inventory's hosts that the limits
 * select. A wrong limit is an InventoryLimitError, a host named twice a DuplicateTargetError, a wrong
 * inventory file a SpecError.
 */
export function selectTargets(
  addresses: readonly TargetAddress[],
  selection: TargetSelection,
  context: SelectionContext,
): SelectedTargets {
  const { sshSettings, sudo, named } = context;
  const targets = addresses.map((address) => createTarget(address, sshSettings, sudo));
  const inventory = new Map<Target, InventoryEntry>();
  if (selection.inventory === undefined) return { targets, inventory };
  if (context.keepInventoryHost && targets.length > 0)
    throw new Error('keepInventoryHost is for an inventory alone, with no host named directly');
  const hosts = selectHosts(loadInventory(selection.inventory, context.cwd), selection.limit ?? []);
  const keep = context.keepInventoryHost ?? (() => true);
  const kept = inventoryTargets(hosts, sshSettings, context.env, sudo, (host) => keep(host.name));
  const firstKept = kept[0]?.entry.name === hosts[0]?.name ? kept[0] : undefined;
  const first = firstKept ?? inventoryTargets(hosts.slice(0, 1), sshSettings, context.env, sudo)[0];
  // The inventory refuses two of its own hosts that reach one target; only the named ones are left to compare.
  const namedDirectly = new Set(targets.map((target) => target.name));
  for (const { target, entry } of kept) {
    if (namedDirectly.has(target.name))
      throw new DuplicateTargetError(
        `${target.name} is both ${named} and inventory host "${entry.name}"; name each host once`,
      );
    targets.push(target);
    inventory.set(target, entry);
  }
  const firstInventoryHost = first && { target: first.target.name, vars: first.entry.vars };
  return { targets, inventory, ...(firstInventoryHost ? { firstInventoryHost } : {}) };
}
